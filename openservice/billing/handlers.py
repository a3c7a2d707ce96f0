"""Billing's subscriptions to the events of the apps below it: a draft invoice's fee line
follows its open fee (recomputed after a pause, a new end, a price change or an adjustment),
and goes when the fee goes. Run inside the publishing use case's transaction, which holds the
subscription's lock; a posted invoice never bills an open fee, so only drafts change here."""

from openservice.billing.models import Invoice, InvoiceLine
from openservice.billing.services.drafts import refresh_totals, set_amounts
from openservice.subscriptions.events import FeeChanged, FeeWithdrawn
from openservice.subscriptions.selectors import fee_by_pk


def _draft_line(fee_id: int) -> InvoiceLine | None:
    line = InvoiceLine.objects.filter(fee_id=fee_id).select_related("invoice").first()
    if line is None:
        return None
    Invoice.objects.select_for_update(of=("self",)).filter(pk=line.invoice_id).first()
    return line


def on_fee_changed(event: FeeChanged) -> None:
    line = _draft_line(event.fee_id)
    if line is None:
        return
    fee = fee_by_pk(event.fee_id)
    line.unit_price = fee.amount
    line.period_start, line.period_end = fee.period_start, fee.period_end
    set_amounts(line, line.invoice.currency)
    line.save(
        update_fields=[
            "unit_price",
            "period_start",
            "period_end",
            "net_amount",
            "vat_amount",
            "gross_amount",
        ]
    )
    refresh_totals(line.invoice)


def on_fee_withdrawn(event: FeeWithdrawn) -> None:
    line = _draft_line(event.fee_id)
    if line is None:
        return
    invoice = line.invoice
    line.delete()
    refresh_totals(invoice)
