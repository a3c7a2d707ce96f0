"""Draft invoices: proposals from posted order lines and due fees, manual lines, removing lines
and deleting drafts. A source (order line or fee) is on one invoice at most: the one-to-one keys
refuse a second, so two proposals running at once cannot bill anything twice (the losing batch
rolls back and is proposed again on top of the winner's drafts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from openservice.billing.amounts import Amounts, line_amounts, totals
from openservice.billing.errors import AlreadyPosted, AmountTooLarge, CustomerMismatch
from openservice.billing.models import Invoice, InvoiceLine
from openservice.core.bulk import gc_paused
from openservice.core.errors import InvalidInput
from openservice.core.money import MAX_AMOUNT
from openservice.core.services import audit, audit_many, save_validated
from openservice.customers.selectors import customers_exist
from openservice.customers.services import customers_lock
from openservice.orders.selectors import posted_billable_lines
from openservice.subscriptions.selectors import fees_due
from openservice.subscriptions.services import lock_subscriptions

BATCH_SIZE = 500  # customers per transaction


def default_vat_rate() -> Decimal:
    return Decimal(str(settings.VAT_DEFAULT_RATE))


def _vat_rate_of(item) -> Decimal:
    if item is not None and item.vat_rate is not None:
        return item.vat_rate
    return default_vat_rate()


def _amounts_of(line: InvoiceLine | Invoice) -> Amounts:
    return Amounts(line.net_amount, line.vat_amount)


def _too_large(amounts: Amounts) -> bool:
    return max(abs(amounts.net), abs(amounts.vat), abs(amounts.gross)) > MAX_AMOUNT


def set_amounts(line: InvoiceLine, currency: str) -> None:
    amounts = line_amounts(line.quantity, line.unit_price, line.vat_rate, currency)
    line.net_amount, line.vat_amount, line.gross_amount = amounts.net, amounts.vat, amounts.gross


def refresh_totals(invoice: Invoice) -> Invoice:
    """Store the sums of the invoice's lines on it (inside the caller's transaction)."""
    total = totals(_amounts_of(line) for line in invoice.lines.all())
    invoice.net_amount, invoice.vat_amount = total.net, total.vat
    invoice.gross_amount = total.gross
    invoice.version = F("version") + 1
    invoice.save(
        update_fields=["net_amount", "vat_amount", "gross_amount", "version", "updated_at"]
    )
    invoice.refresh_from_db(fields=["version"])
    return invoice


def lock_draft(invoice: Invoice) -> Invoice:
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=invoice.pk)
    )
    if invoice.status != Invoice.Status.DRAFT:
        raise AlreadyPosted(invoice_id=invoice.pk, number=invoice.number)
    return invoice


def _order_line_row(line, currency: str) -> InvoiceLine:
    order = line.order
    row = InvoiceLine(
        order_line_id=line.pk,
        description=f"{order.number}: {line.description}".strip(": "),
        quantity=line.quantity,
        unit=line.unit,
        unit_price=line.unit_price,
        vat_rate=_vat_rate_of(line.item),
        period_start=order.service_on,
        period_end=order.service_on,
    )
    set_amounts(row, currency)
    return row


def _fee_row(fee, currency: str) -> InvoiceLine:
    row = InvoiceLine(
        fee_id=fee.pk,
        description=f"{fee.subscription.number} {fee.subscription.description}",
        quantity=Decimal("1"),
        unit="",
        unit_price=fee.amount,
        vat_rate=default_vat_rate(),
        period_start=fee.period_start,
        period_end=fee.period_end,
    )
    set_amounts(row, currency)
    return row


@dataclass
class Proposal:
    invoice_ids: list[int] = field(default_factory=list)
    created: int = 0
    extended: int = 0
    lines: int = 0
    # Customers whose bill in a currency exceeds what one invoice holds: {customer_id, currency,
    # lines}; nothing of theirs is drafted.
    skipped: list[dict] = field(default_factory=list)

    def add(self, other: Proposal) -> None:
        self.skipped.extend(other.skipped)
        self.invoice_ids.extend(other.invoice_ids)
        self.created += other.created
        self.extended += other.extended
        self.lines += other.lines


def invoices_propose(
    *,
    by,
    through: date,
    customer=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> Proposal:
    """Draft invoices, one per customer and currency, with every posted, billable order line
    (posted on or before `through`) and every fee due by then (in advance: its period started;
    in arrears: it ended) that is on no invoice yet. A customer's existing draft in that currency
    is extended rather than a second one made; running it again adds nothing."""
    only = None if customer is None else [getattr(customer, "pk", customer)]
    if only is not None and not customers_exist(only):
        raise InvalidInput({"customer_id": [_("No customer %s.") % only[0]]})
    line_customers = posted_billable_lines(through=through, customer_ids=only).filter(
        invoice_line__isnull=True
    )
    fee_customers = fees_due(through=through, customer_ids=only).filter(invoice_line__isnull=True)
    customer_ids = sorted(
        set(line_customers.values_list("order__customer_id", flat=True).distinct())
        | set(fee_customers.values_list("subscription__customer_id", flat=True).distinct())
    )
    result = Proposal()
    for start in range(0, len(customer_ids), batch_size):
        chunk = customer_ids[start : start + batch_size]
        try:
            with gc_paused(), transaction.atomic():
                result.add(_propose_batch(chunk, through, by=by))
        except IntegrityError:  # another proposal billed some of these sources meanwhile
            with gc_paused(), transaction.atomic():
                result.add(_propose_batch(chunk, through, by=by))
        if progress is not None:
            progress(min(start + batch_size, len(customer_ids)), len(customer_ids))
    return result


def _propose_batch(customer_ids: list[int], through: date, *, by) -> Proposal:
    # Locks, always in this order (customers, subscriptions, invoices): one proposal at a time
    # per customer (so one draft per customer and currency), and no fee changing under it.
    customers_lock(customer_ids)
    due = fees_due(through=through, customer_ids=customer_ids).filter(invoice_line__isnull=True)
    lock_subscriptions(due.values_list("subscription_id", flat=True).distinct())
    sources: dict[tuple[int, str], list] = defaultdict(list)
    for line in posted_billable_lines(through=through, customer_ids=customer_ids).filter(
        invoice_line__isnull=True
    ):
        order = line.order
        sources[(order.customer_id, order.currency)].append(_order_line_row(line, order.currency))
    for fee in due:
        key = (fee.subscription.customer_id, fee.currency)
        sources[key].append(_fee_row(fee, fee.currency))
    if not sources:
        return Proposal()
    skipped = []
    for key, rows in list(sources.items()):
        if _too_large(totals(_amounts_of(row) for row in rows)):
            # A customer's bill beyond what one invoice holds is left for a person to split.
            skipped.append({"customer_id": key[0], "currency": key[1], "lines": len(rows)})
            del sources[key]
    if not sources:
        return Proposal(skipped=skipped)
    drafts = {}
    for invoice in (
        Invoice.objects.select_for_update(of=("self",))
        .filter(
            customer_id__in=customer_ids, kind=Invoice.Kind.INVOICE, status=Invoice.Status.DRAFT
        )
        .order_by("-pk")
    ):
        drafts[(invoice.customer_id, invoice.currency)] = invoice  # the oldest wins
    last_positions = dict(
        InvoiceLine.objects.filter(invoice__in=list(drafts.values()))
        .values("invoice_id")
        .annotate(last=Max("position"))
        .values_list("invoice_id", "last")
    )
    for invoice in drafts.values():
        invoice.last_position = last_positions.get(invoice.pk, 0)
    new = []
    for customer_id, currency in sources:
        if (customer_id, currency) in drafts:
            continue
        total = totals(_amounts_of(row) for row in sources[(customer_id, currency)])
        invoice = Invoice(
            customer_id=customer_id,
            currency=currency,
            net_amount=total.net,
            vat_amount=total.vat,
            gross_amount=total.gross,
        )
        invoice.last_position = 0
        new.append(invoice)
    Invoice.objects.bulk_create(new, batch_size=1000)
    drafts.update({(i.customer_id, i.currency): i for i in new})
    rows_to_write, extended = [], []
    existing = set(drafts) - {(i.customer_id, i.currency) for i in new}
    for key, rows in sources.items():
        invoice = drafts[key]
        position = invoice.last_position or 0
        for row in rows:
            position += 1
            row.invoice_id, row.position = invoice.pk, position
            rows_to_write.append(row)
        if key in existing:
            extended.append(invoice)
    InvoiceLine.objects.bulk_create(rows_to_write, batch_size=2000)
    for invoice in extended:
        refresh_totals(invoice)
    audit_many(
        by,
        "invoice.proposed",
        Invoice,
        [
            (drafts[key].pk, {"through": through.isoformat(), "lines": len(rows)})
            for key, rows in sources.items()
        ],
    )
    return Proposal(
        invoice_ids=sorted(drafts[key].pk for key in sources),
        created=len(new),
        extended=len(extended),
        lines=len(rows_to_write),
        skipped=skipped,
    )


@transaction.atomic
def invoice_create(*, by, customer, currency: str | None = None, note: str = "") -> Invoice:
    """An empty draft invoice for manual lines."""
    invoice = Invoice.objects.create(
        customer=customer, currency=currency or customer.currency, note=note
    )
    audit(by, "invoice.created", invoice, {"customer": customer.pk})
    return invoice


@transaction.atomic
def invoice_update(
    *, invoice: Invoice, by, note: str | None = None, reference: str | None = None
) -> Invoice:
    invoice = lock_draft(invoice)
    changes = {k: v for k, v in (("note", note), ("reference", reference)) if v is not None}
    for name, value in changes.items():
        setattr(invoice, name, value)
    invoice.save(update_fields=[*changes, "updated_at"])
    audit(by, "invoice.changed", invoice, {"fields": sorted(changes)})
    return invoice


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    by,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    unit: str = "",
    vat_rate: Decimal | None = None,
) -> InvoiceLine:
    """A manual line on a draft (a charge no order or fee carries)."""
    invoice = lock_draft(invoice)
    if quantity == 0:
        raise InvalidInput({"quantity": [_("The quantity must not be zero.")]})
    position = (invoice.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = InvoiceLine(
        invoice=invoice,
        position=position,
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        vat_rate=default_vat_rate() if vat_rate is None else vat_rate,
    )
    set_amounts(line, invoice.currency)
    save_validated(line)  # amounts beyond the columns' digits are 422 on their fields
    if _too_large(totals([_amounts_of(invoice), _amounts_of(line)])):
        raise AmountTooLarge({"unit_price": [_("The invoice's total would exceed its limit.")]})
    refresh_totals(invoice)
    audit(by, "invoice.line_added", invoice, {"line": line.pk})
    return line


@transaction.atomic
def invoice_line_remove(*, invoice: Invoice, by, line: InvoiceLine) -> Invoice:
    invoice = lock_draft(invoice)
    if line.invoice_id != invoice.pk:
        raise CustomerMismatch(line_id=line.pk)
    line.delete()  # its order line or fee is free for the next proposal
    audit(by, "invoice.line_removed", invoice, {"line": line.pk})
    return refresh_totals(invoice)


@transaction.atomic
def invoice_delete(*, invoice: Invoice, by) -> None:
    """Delete a draft: its order lines and fees are free for the next proposal."""
    invoice = lock_draft(invoice)
    lines = list(invoice.lines.all())  # their order lines and fees are free again
    audit(by, "invoice.deleted", invoice, {"lines": len(lines)})
    invoice.lines.all().delete()
    invoice.delete()
