"""Posting: the next gapless number of the year, the issue and due dates, the customer's details
frozen on the document, and the revenue accruals of the fees it bills (or, for a credit note, the
reversal of the accruals and fees it credits). A posted invoice never changes.

Numbers come from one sequence per year (`invoice-2027`), shared by invoices and credit notes,
taken inside the posting transaction: the sequence row stays locked until it commits, so
concurrent posters queue, and a rollback gives the numbers back. A billing run posts in ordered
batches, one transaction each, so its numbers follow the drafts' order without gaps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from openservice.billing.errors import AlreadyPosted, InvoiceEmpty, IssueDateBeforeLast
from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.core.bulk import gc_paused, update_rows
from openservice.core.money import currency_exponent
from openservice.core.services import audit_many, sequence_take
from openservice.subscriptions import periods
from openservice.subscriptions.selectors import pauses_by_subscription
from openservice.subscriptions.services import (
    fees_mark_credited,
    fees_mark_invoiced,
    lock_subscriptions,
)

BATCH_SIZE = 1000


def _numbers(year: int, count: int) -> list[str]:
    return sequence_take(f"invoice-{year}", count, prefix=f"{year}-", padding=6)


def _accruals(lines: list[InvoiceLine]) -> list[AccrualEntry]:
    """Each invoiced fee's service period split into the accrual periods of its plan, the net
    amount shared by the days each part bills (paused days bill nothing, so they accrue
    nothing) so that the parts sum exactly to it."""
    lines = [line for line in lines if line.fee is not None and line.fee.subscription.plan.accrue]
    pauses = pauses_by_subscription({line.fee.subscription_id for line in lines})
    entries = []
    for line in lines:
        fee = line.fee
        parts = periods.split(
            fee.period_start, fee.period_end, fee.subscription.plan.accrual_period
        )
        gaps = pauses.get(fee.subscription_id, [])
        weights = [
            periods.days_outside(periods.Period(start, end, start, end), gaps)
            for start, end in parts
        ]
        if sum(weights) == 0:  # cannot happen for a fee (it bills a day at least); be safe
            weights = [(end - start).days + 1 for start, end in parts]
        amounts = periods.allocate(line.net_amount, weights, fee.currency)
        entries.extend(
            AccrualEntry(
                invoice_line=line,
                fee=fee,
                period_start=start,
                period_end=end,
                amount=amount,
                currency=fee.currency,
            )
            for (start, end), amount, weight in zip(parts, amounts, weights, strict=True)
            if weight
        )
    return entries


def _minor_units(amount: Decimal, currency: str) -> int:
    return int((amount / currency_exponent(currency)).to_integral_value())


def _reversals(lines: list[InvoiceLine]) -> tuple[list[AccrualEntry], list[int]]:
    """A credit note's lines reverse the accruals of the lines they credit: each credited amount
    shared over the original parts in proportion (a full credit negates them part for part);
    a fee is credited once its line is credited in full (over every posted credit)."""
    by_credited: dict[int, list[InvoiceLine]] = {}
    for line in lines:
        if line.credited_line_id:
            by_credited.setdefault(line.credited_line_id, []).append(line)
    originals: dict[int, list[AccrualEntry]] = {}
    for entry in AccrualEntry.objects.filter(
        invoice_line_id__in=list(by_credited), reverses__isnull=True
    ).order_by("pk"):
        originals.setdefault(entry.invoice_line_id, []).append(entry)
    entries = []
    for credited_id, parts in originals.items():
        currency = parts[0].currency
        weights = [abs(_minor_units(part.amount, currency)) for part in parts]
        if sum(weights) == 0:
            continue
        for credit in by_credited[credited_id]:
            amounts = periods.allocate(credit.net_amount, weights, currency)
            entries.extend(
                AccrualEntry(
                    invoice_line=credit,
                    fee_id=part.fee_id,
                    period_start=part.period_start,
                    period_end=part.period_end,
                    amount=amount,
                    currency=currency,
                    reverses=part,
                )
                for part, amount in zip(parts, amounts, strict=True)
            )
    fee_lines = list(
        InvoiceLine.objects.filter(pk__in=list(by_credited), fee__isnull=False).annotate(
            credited=Sum(
                "credit_lines__net_amount",
                filter=Q(credit_lines__invoice__status=Invoice.Status.POSTED),
            )
        )
    )
    fee_ids = [line.fee_id for line in fee_lines if line.credited == -line.net_amount]
    return entries, fee_ids


def _lock_fee_subscriptions(invoice_ids: list[int]) -> None:
    """The subscriptions whose fees the drafts bill or credit, locked before the invoices (the
    order every writer of fees and invoices takes): no fee changes while it is being posted."""
    lines = InvoiceLine.objects.filter(invoice_id__in=invoice_ids)
    lock_subscriptions(
        [
            *lines.filter(fee__isnull=False).values_list("fee__subscription_id", flat=True),
            *lines.filter(credited_line__fee__isnull=False).values_list(
                "credited_line__fee__subscription_id", flat=True
            ),
        ]
    )


def _post_batch(ids: list[int], *, by, on: date, now) -> list[Invoice]:
    _lock_fee_subscriptions(ids)
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Invoice.Status.DRAFT)
        .select_related("customer")
        .order_by("pk")
    )
    with_lines = set(
        InvoiceLine.objects.filter(invoice_id__in=[i.pk for i in invoices])
        .values_list("invoice_id", flat=True)
        .distinct()
    )
    invoices = [invoice for invoice in invoices if invoice.pk in with_lines]
    if not invoices:
        return []
    payment_days = timedelta(days=settings.INVOICE_PAYMENT_DAYS)
    numbers = _numbers(on.year, len(invoices))  # the year's sequence stays locked until commit
    last = (
        Invoice.objects.filter(
            status=Invoice.Status.POSTED, issued_on__gt=on, issued_on__year=on.year
        )
        .order_by("-issued_on")
        .values_list("issued_on", flat=True)
        .first()
    )
    if last is not None:
        raise IssueDateBeforeLast(issue_date=on.isoformat(), last_issue_date=last.isoformat())
    by_user = by if getattr(by, "is_authenticated", False) else None
    posted_ids = [invoice.pk for invoice in invoices]
    # What all of the batch share, in one statement; the numbers and the customers' details,
    # which differ per invoice, in one more (core.bulk.update_rows).
    common = {
        "status": Invoice.Status.POSTED,
        "issued_on": on,
        "due_on": on + payment_days,
        "posted_at": now,
        "posted_by": by_user,
        "updated_at": now,
    }
    update_rows(
        Invoice,
        ("number", "customer_name", "billing_address", "vat_id"),
        [
            (
                invoice.pk,
                number,
                invoice.customer.name,
                invoice.customer.billing_address,
                invoice.customer.vat_id,
            )
            for invoice, number in zip(invoices, numbers, strict=True)
        ],
    )
    Invoice.objects.filter(pk__in=posted_ids).update(**common)  # numbered first: see the check
    for invoice, number in zip(invoices, numbers, strict=True):
        invoice.number = number
        for name, value in common.items():
            setattr(invoice, name, value)
    lines = list(
        InvoiceLine.objects.filter(invoice_id__in=posted_ids)
        .select_related("fee__subscription__plan")
        .order_by("invoice_id", "position", "pk")
    )
    billed_fees = [line.fee_id for line in lines if line.fee_id]
    if billed_fees:
        fees_mark_invoiced(fee_ids=billed_fees)
    entries = _accruals([line for line in lines if line.fee_id])
    reversals, credited_fees = _reversals([line for line in lines if line.credited_line_id])
    AccrualEntry.objects.bulk_create(entries + reversals, batch_size=2000)
    if credited_fees:
        fees_mark_credited(fee_ids=credited_fees)
    audit_many(
        by,
        "invoice.posted",
        Invoice,
        [(invoice.pk, {"number": invoice.number}) for invoice in invoices],
    )
    return invoices


@transaction.atomic
def invoice_post(*, invoice: Invoice, by, on: date | None = None, now=None) -> Invoice:
    """Post one draft: refused when it is posted already or has no lines."""
    _lock_fee_subscriptions([invoice.pk])
    locked = Invoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    if locked.status == Invoice.Status.POSTED:
        raise AlreadyPosted(invoice_id=locked.pk, number=locked.number)
    if not locked.lines.exists():
        raise InvoiceEmpty(invoice_id=locked.pk)
    now = now or timezone.now()
    _post_batch([locked.pk], by=by, on=on or timezone.localdate(now), now=now)
    return Invoice.objects.get(pk=locked.pk)


def invoices_post(
    *,
    invoice_ids: list[int],
    by,
    on: date | None = None,
    now=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Post the drafts among these invoices, in id order, one transaction per batch (a billing
    run); posted ones and empty drafts are skipped. Returns the ids posted."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    ids = sorted(set(invoice_ids))
    posted: list[int] = []
    for start in range(0, len(ids), batch_size):
        with gc_paused(), transaction.atomic():
            posted.extend(
                i.pk for i in _post_batch(ids[start : start + batch_size], by=by, on=on, now=now)
            )
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    return posted
