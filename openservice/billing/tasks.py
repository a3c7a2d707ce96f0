"""Job entry points: plain functions a scheduler calls (cron through `openservice
propose-invoices`, or a Celery beat schedule wrapping them with `app.task(...)`); each calls a
service."""

from datetime import date

from openservice.billing.services import invoices_post, invoices_propose


def propose_invoices_task(
    *, through: date, customer_id: int | None = None, post: bool = False, on: date | None = None
) -> dict:
    """Draft the invoices of everything billable up to `through` (one per customer and
    currency; existing drafts are extended) and, with `post`, post those drafts dated `on`
    (default: today). Idempotent: a rerun drafts and posts nothing new."""
    proposal = invoices_propose(by=None, through=through, customer=customer_id)
    result = {
        "invoices": len(proposal.invoice_ids),
        "created": proposal.created,
        "extended": proposal.extended,
        "lines": proposal.lines,
    }
    if post:
        result["posted"] = len(invoices_post(invoice_ids=proposal.invoice_ids, by=None, on=on))
    return result
