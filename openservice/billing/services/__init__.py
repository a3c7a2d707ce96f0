"""Writes for invoices and credit notes, split by sub-flow; import them from here. One
transaction per use case (a billing run: one per ordered batch)."""

from openservice.billing.services.credits import (
    CreditLine,
    credit_note_create,
    invoice_credit,
    invoice_lines_lock,
)
from openservice.billing.services.drafts import (
    Proposal,
    default_vat_rate,
    invoice_create,
    invoice_delete,
    invoice_line_add,
    invoice_line_remove,
    invoice_update,
    invoices_propose,
)
from openservice.billing.services.posting import invoice_post, invoices_post

__all__ = [
    "CreditLine",
    "Proposal",
    "credit_note_create",
    "default_vat_rate",
    "invoice_create",
    "invoice_credit",
    "invoice_delete",
    "invoice_line_add",
    "invoice_line_remove",
    "invoice_lines_lock",
    "invoice_post",
    "invoice_update",
    "invoices_post",
    "invoices_propose",
]
