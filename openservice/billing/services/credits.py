"""Credit notes: the reversal of chosen lines of a posted invoice (or all of it), and
`credit_note_create`, the service other apps call (a return's credit). A credit note is a draft
until posted; its amounts are negative; each of its lines names the line it credits. A line may
be credited in parts (a return of some of its units), never for more than it invoiced over
every credit, drafts included; the lines credited are locked while this is checked, so two
credits of one line queue. Reversing a whole line (`invoice_credit`) needs it uncredited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from openservice.billing.amounts import totals
from openservice.billing.errors import (
    AlreadyCredited,
    CreditExceedsInvoiced,
    CustomerMismatch,
    NotCreditable,
    NotPosted,
)
from openservice.billing.models import Invoice, InvoiceLine
from openservice.billing.selectors import credited_amounts
from openservice.billing.services.drafts import _amounts_of, default_vat_rate, set_amounts
from openservice.billing.services.posting import invoice_post
from openservice.core.errors import InvalidInput
from openservice.core.money import line_total
from openservice.core.services import audit


def _new_credit_note(
    customer, currency: str, *, credited_invoice=None, reference: str = ""
) -> Invoice:
    return Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        customer=customer,
        currency=currency,
        credited_invoice=credited_invoice,
        reference=reference,
    )


def _save_lines(credit_note: Invoice, lines: list[InvoiceLine]) -> None:
    for position, line in enumerate(lines, start=1):
        line.invoice, line.position = credit_note, position
        set_amounts(line, credit_note.currency)
    InvoiceLine.objects.bulk_create(lines)
    total = totals(_amounts_of(line) for line in lines)
    credit_note.net_amount, credit_note.vat_amount = total.net, total.vat
    credit_note.gross_amount = total.gross
    credit_note.save(update_fields=["net_amount", "vat_amount", "gross_amount", "updated_at"])


def _reverse(line: InvoiceLine) -> InvoiceLine:
    return InvoiceLine(
        credited_line=line,
        description=line.description,
        quantity=-line.quantity,
        unit=line.unit,
        unit_price=line.unit_price,
        vat_rate=line.vat_rate,
        period_start=line.period_start,
        period_end=line.period_end,
    )


@transaction.atomic
def invoice_credit(*, invoice: Invoice, by, line_ids: list[int] | None = None) -> Invoice:
    """A draft credit note reversing the chosen lines of a posted invoice (all of them by
    default). Lines credited before are refused: nothing is credited twice."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=invoice.pk)
    )
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        raise NotCreditable(invoice_id=invoice.pk)
    if invoice.status != Invoice.Status.POSTED:
        raise NotPosted(invoice_id=invoice.pk)
    lines = invoice_lines_lock(invoice.lines.values_list("pk", flat=True))
    if line_ids is not None:
        unknown = sorted(set(line_ids) - {line.pk for line in lines})
        if unknown or not line_ids:
            raise InvalidInput(
                {
                    "line_ids": [
                        _("Not lines of this invoice: %s") % unknown
                        if unknown
                        else _("Choose at least one line.")
                    ]
                }
            )
        lines = [line for line in lines if line.pk in set(line_ids)]
    credited = sorted(credited_amounts([line.pk for line in lines]))
    if credited:
        raise AlreadyCredited(invoice_id=invoice.pk, line_ids=credited)
    credit_note = _new_credit_note(
        invoice.customer, invoice.currency, credited_invoice=invoice, reference=invoice.number
    )
    _save_lines(credit_note, [_reverse(line) for line in lines])
    audit(
        by,
        "invoice.credited",
        invoice,
        {"credit_note": credit_note.pk, "lines": [line.pk for line in lines]},
    )
    return credit_note


def _check_credited(invoice: Invoice, customer, currency: str) -> None:
    """What a credit note credits: a posted invoice (not a credit note) of its customer and
    currency."""
    if invoice.customer_id != customer.pk or invoice.currency != currency:
        raise CustomerMismatch(invoice_id=invoice.pk)
    if invoice.kind != Invoice.Kind.INVOICE:
        raise NotCreditable(invoice_id=invoice.pk)
    if invoice.status != Invoice.Status.POSTED:
        raise NotPosted(invoice_id=invoice.pk)


@dataclass(frozen=True)
class CreditLine:
    """A line for `credit_note_create`: a positive quantity and price (the note negates them);
    `credited_line` is the invoice line it gives money back for, if any."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    unit: str = ""
    vat_rate: Decimal | None = None
    credited_line: InvoiceLine | None = None
    period_start: date | None = None
    period_end: date | None = None


@transaction.atomic
def credit_note_create(
    *,
    by,
    customer,
    lines: list[CreditLine],
    reference: str = "",
    currency: str | None = None,
    credited_invoice: Invoice | None = None,
    post: bool = False,
) -> Invoice:
    """A credit note for what another app gives back (a return's credit), with negative
    amounts: each line may name the posted invoice line it credits, of the same customer and
    currency, and never for more than that line invoiced."""
    if not lines:
        raise InvalidInput({"lines": [_("A credit note needs at least one line.")]})
    currency = currency or (credited_invoice.currency if credited_invoice else customer.currency)
    if credited_invoice is not None:
        _check_credited(Invoice.objects.get(pk=credited_invoice.pk), customer, currency)
    originals = {
        line.pk: line
        for line in invoice_lines_lock(
            {line.credited_line.pk for line in lines if line.credited_line is not None}
        )
    }
    credited = credited_amounts(originals)
    rows = []
    for line in lines:
        if line.quantity <= 0 or line.unit_price < 0:
            raise InvalidInput(
                {"lines": [_("Give positive quantities and prices: the note negates them.")]}
            )
        original = None if line.credited_line is None else originals[line.credited_line.pk]
        vat_rate = line.vat_rate
        if original is not None:
            _check_credited(original.invoice, customer, currency)
            if vat_rate is not None and vat_rate != original.vat_rate:
                raise InvalidInput(
                    {"lines": [_("A credit gives back the VAT of the line it credits.")]}
                )
            vat_rate = original.vat_rate
            before = credited.get(original.pk, Decimal(0))
            amount = line_total(line.quantity, line.unit_price, currency)
            if before + amount > original.net_amount:
                raise CreditExceedsInvoiced(
                    line_id=original.pk,
                    invoiced=str(original.net_amount),
                    credited_before=str(before),
                )
            credited[original.pk] = before + amount
        rows.append(
            InvoiceLine(
                credited_line=original,
                description=line.description,
                quantity=-line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                vat_rate=default_vat_rate() if vat_rate is None else vat_rate,
                period_start=line.period_start,
                period_end=line.period_end,
            )
        )
    credit_note = _new_credit_note(
        customer, currency, credited_invoice=credited_invoice, reference=reference
    )
    _save_lines(credit_note, rows)
    audit(
        by, "invoice.credit_note_created", credit_note, {"reference": reference, "lines": len(rows)}
    )
    if post:
        return invoice_post(invoice=credit_note, by=by)
    return credit_note


def invoice_lines_lock(line_ids) -> list[InvoiceLine]:
    """Posted invoice lines locked until the caller's transaction ends, with their invoices:
    for a higher app (returns) that checks what may still be given back for them."""
    return list(
        InvoiceLine.objects.select_for_update(of=("self",))
        .select_related("invoice")
        .filter(pk__in=list(line_ids))
        .order_by("pk")
    )
