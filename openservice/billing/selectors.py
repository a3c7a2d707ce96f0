"""Reads for invoices, credit notes and accruals. Managers and administrators read every
invoice; a customer's contacts read their own customer's posted ones (drafts are internal);
other roles read none."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.core.selectors import ordered, text_search

INVOICE_ORDERING = {
    "number": "number",
    "issued_on": "issued_on",
    "due_on": "due_on",
    "customer": "customer__name",
    "gross_amount": "gross_amount",
    "status": "status",
}


def _visible(user) -> QuerySet[Invoice]:
    invoices = Invoice.objects.all()
    if not user.has_perm("billing.view_invoice"):
        return invoices.none()
    if user.is_superuser or has_role(user, Role.MANAGER, Role.ADMINISTRATOR):
        return invoices
    if has_role(user, Role.CUSTOMER):
        return invoices.filter(
            customer__contacts__user=user,
            customer__contacts__is_active=True,
            status=Invoice.Status.POSTED,
        ).distinct()
    return invoices.none()


def invoice_list(
    *,
    user,
    q: str | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    order_by: str | None = None,
) -> QuerySet[Invoice]:
    invoices = text_search(
        _visible(user).select_related("customer", "credited_invoice"),
        q,
        ["number", "reference", "customer__name", "customer__number"],
    )
    filters = {"customer_id": customer_id, "status": status, "kind": kind}
    invoices = invoices.filter(**{k: v for k, v in filters.items() if v is not None})
    if issued_from is not None:
        invoices = invoices.filter(issued_on__gte=issued_from)
    if issued_to is not None:
        invoices = invoices.filter(issued_on__lte=issued_to)
    return ordered(invoices, order_by, INVOICE_ORDERING, default=("-pk",))


def invoice_get(*, user, invoice_id: int) -> Invoice:
    found = (
        invoice_list(user=user)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=InvoiceLine.objects.select_related(
                    "order_line__order", "fee__subscription", "credited_line__invoice"
                ).order_by("position", "pk"),
            ),
            "credit_notes",
        )
        .filter(pk=invoice_id)
        .first()
    )
    if found is None:
        raise NotFound(invoice_id=invoice_id)
    return found


def invoice_accruals(invoice: Invoice) -> QuerySet[AccrualEntry]:
    """The accrual entries of the invoice's lines, by fee and period."""
    return AccrualEntry.objects.filter(invoice_line__invoice=invoice).order_by(
        "fee_id", "period_start", "pk"
    )


def fee_accruals(fee_ids) -> QuerySet[AccrualEntry]:
    return AccrualEntry.objects.filter(fee_id__in=list(fee_ids)).order_by(
        "fee_id", "period_start", "pk"
    )


def accruals_through(through: date) -> QuerySet[AccrualEntry]:
    """Accrual entries of the periods that end on or before `through` (reversals of earlier
    periods too: the export books them by their credit note's date), for the export."""
    return (
        AccrualEntry.objects.filter(period_end__lte=through)
        .select_related("invoice_line__invoice", "fee__subscription__plan")
        .order_by("period_end", "pk")
    )


def posted_between(date_from: date, date_to: date) -> QuerySet[Invoice]:
    """Posted invoices and credit notes issued in [date_from, date_to], for the export."""
    return (
        Invoice.objects.filter(
            status=Invoice.Status.POSTED, issued_on__gte=date_from, issued_on__lte=date_to
        )
        .select_related("customer", "credited_invoice")
        .prefetch_related(
            Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "pk"))
        )
        .order_by("number")
    )


def invoices_to_post(*, user) -> QuerySet[Invoice]:
    """Drafts with lines, for the manager's home and the billing run."""
    return (
        invoice_list(user=user, status=Invoice.Status.DRAFT)
        .filter(Q(lines__isnull=False))
        .distinct()
    )


CENT = Decimal("0.01")  # InvoiceLine.net_amount has two decimals


def credited_amounts(line_ids) -> dict[int, Decimal]:
    """How much of each invoice line has been credited so far, as a positive net amount, over
    every credit note, drafts included (lines never credited are left out)."""
    return {
        # The sum in the column's scale (SQLite returns it with a float's digits).
        row["credited_line"]: -Decimal(row["total"]).quantize(CENT)
        for row in InvoiceLine.objects.filter(credited_line__in=list(line_ids))
        .values("credited_line")
        .annotate(total=Sum("net_amount"))
    }
