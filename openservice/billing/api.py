"""API for invoices and credit notes: proposals, manual drafts and their lines, posting,
crediting and the revenue accruals of an invoice's fees.

`/invoices/propose` is declared before the `{id}` paths: a path parameter matches any text, and
the first pattern that matches a URL answers it."""

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.responses import Status

from openservice.billing import selectors, services
from openservice.billing.models import Invoice, InvoiceLine
from openservice.billing.schemas import (
    AccrualOut,
    CreditIn,
    InvoiceCreateIn,
    InvoiceFilters,
    InvoiceLineCreateIn,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceUpdateIn,
    ProposeIn,
)
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.customers.selectors import customer_get

router = Router(tags=["billing"])

LINES = Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk"))


def _customer(user, customer_id: int):
    try:
        return customer_get(user=user, customer_id=customer_id)
    except NotFound as exc:
        raise InvalidInput({"customer_id": [_("No such record is visible to you.")]}) from exc


def _invoice(request, invoice_id: int, perm: str = "billing.view_invoice") -> Invoice:
    require_perm(request.auth, perm)
    return selectors.invoice_get(user=request.auth, invoice_id=invoice_id)


def _fresh(request, invoice_id: int) -> Invoice:
    return selectors.invoice_get(user=request.auth, invoice_id=invoice_id)


@router.post(
    "/invoices/propose",
    response=list[InvoiceOut],
    operation_id="propose_invoices",
    summary="Draft invoices from posted order lines and due fees not yet invoiced (idempotent)",
)
def propose_invoices(request: HttpRequest, payload: ProposeIn):
    require_perm(request.auth, "billing.add_invoice")
    customer = None
    if payload.customer_id is not None:
        customer = _customer(request.auth, payload.customer_id)
    proposal = services.invoices_propose(
        by=request.auth, through=payload.through, customer=customer
    )
    return list(
        selectors.invoice_list(user=request.auth)
        .filter(pk__in=proposal.invoice_ids)
        .prefetch_related(LINES)
        .order_by("pk")
    )


@router.get(
    "/invoices",
    response=PageOut[InvoiceOut],
    operation_id="list_invoices",
    summary="Invoices and credit notes (a customer's contacts: their own posted ones)",
)
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters], page: Query[PageIn]):
    require_perm(request.auth, "billing.view_invoice")
    invoices = selectors.invoice_list(user=request.auth, **filters.dict(exclude_none=True))
    return paginate(invoices.prefetch_related(LINES), page)


@router.get("/invoices/{id}", response=InvoiceOut, operation_id="get_invoice", summary="An invoice")
def get_invoice(request: HttpRequest, id: Path[Id]):
    return _invoice(request, id)


@router.post(
    "/invoices",
    response={201: InvoiceOut},
    operation_id="create_invoice",
    summary="Create an empty draft invoice for manual lines",
)
def create_invoice(request: HttpRequest, payload: InvoiceCreateIn):
    require_perm(request.auth, "billing.add_invoice")
    customer = _customer(request.auth, payload.customer_id)
    invoice = services.invoice_create(
        by=request.auth, customer=customer, currency=payload.currency, note=payload.note
    )
    return Status(201, _fresh(request, invoice.pk))


@router.patch(
    "/invoices/{id}",
    response=InvoiceOut,
    operation_id="update_invoice",
    summary="Change a draft's note or reference",
)
def update_invoice(request: HttpRequest, id: Path[Id], payload: InvoiceUpdateIn):
    invoice = _invoice(request, id, "billing.change_invoice")
    services.invoice_update(
        invoice=invoice, by=request.auth, note=payload.note, reference=payload.reference
    )
    return _fresh(request, id)


@router.delete(
    "/invoices/{id}",
    response={204: None},
    operation_id="delete_invoice",
    summary="Delete a draft: its order lines and fees are free for the next proposal",
)
def delete_invoice(request: HttpRequest, id: Path[Id]):
    invoice = _invoice(request, id, "billing.delete_invoice")
    services.invoice_delete(invoice=invoice, by=request.auth)
    return Status(204, None)


@router.post(
    "/invoices/{id}/lines",
    response={201: InvoiceLineOut},
    operation_id="add_invoice_line",
    summary="Add a manual line to a draft",
)
def add_invoice_line(request: HttpRequest, id: Path[Id], payload: InvoiceLineCreateIn):
    invoice = _invoice(request, id, "billing.change_invoice")
    line = services.invoice_line_add(invoice=invoice, by=request.auth, **payload.dict())
    return Status(201, line)


@router.delete(
    "/invoices/{id}/lines/{line_id}",
    response={204: None},
    operation_id="remove_invoice_line",
    summary="Remove a line from a draft (its order line or fee is free again)",
)
def remove_invoice_line(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    invoice = _invoice(request, id, "billing.change_invoice")
    line = next((line for line in invoice.lines.all() if line.pk == line_id), None)
    if line is None:
        raise NotFound(line_id=line_id)
    services.invoice_line_remove(invoice=invoice, by=request.auth, line=line)
    return Status(204, None)


@router.post(
    "/invoices/{id}/post",
    response=InvoiceOut,
    operation_id="post_invoice",
    summary="Post a draft: the next gapless number of the year; it never changes afterwards",
)
def post_invoice(request: HttpRequest, id: Path[Id]):
    invoice = _invoice(request, id, "billing.post_invoice")
    services.invoice_post(invoice=invoice, by=request.auth)
    return _fresh(request, id)


@router.post(
    "/invoices/{id}/credit",
    response=InvoiceOut,
    operation_id="credit_invoice",
    summary="A draft credit note reversing chosen lines of a posted invoice (all by default)",
)
def credit_invoice(request: HttpRequest, id: Path[Id], payload: CreditIn | None = None):
    invoice = _invoice(request, id, "billing.credit_invoice")
    line_ids = payload.line_ids if payload else None
    credit_note = services.invoice_credit(invoice=invoice, by=request.auth, line_ids=line_ids)
    return _fresh(request, credit_note.pk)


@router.get(
    "/invoices/{id}/accruals",
    response=list[AccrualOut],
    operation_id="list_invoice_accruals",
    summary="The revenue accrual entries of the invoice's fees, by fee and period",
)
def list_invoice_accruals(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "billing.view_accrualentry")
    return list(selectors.invoice_accruals(_invoice(request, id)))


__all__ = ["router"]
