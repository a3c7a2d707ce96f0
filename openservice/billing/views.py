"""Invoice pages: the list with search and filters, one invoice or credit note laid out as the
customer's document (it prints on A4 without the navigation) with the manager's actions beside
it, a new empty draft, and the billing run (propose → review → post).

Views parse, call the selectors and services, and render. An action that succeeds redirects
with its outcome as a message; a refused one (409) shows the invoice page again with the message
where the action was taken, and a form with errors comes back with them next to its fields.

Customers read their own posted invoices through the same pages (the selector narrows them:
anyone else's, and drafts, are 404) and see no actions."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Max, Min, Q, Sum, prefetch_related_objects
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openservice.billing import selectors, services
from openservice.billing.forms import (
    CreditForm,
    DeleteForm,
    InvoiceCreateForm,
    InvoiceFilterForm,
    InvoiceLineForm,
    PostForm,
    PostRunForm,
    ProposeForm,
    ReviewForm,
    encode_ids,
    id_runs,
)
from openservice.billing.models import Invoice
from openservice.core.errors import DomainError, InvalidInput
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import Role, has_role
from openservice.customers.selectors import customer_list

INVOICES_PER_PAGE = 50
REVIEW_PER_PAGE = 100
REFUSED = 409


def _sees_all(user) -> bool:
    """Managers and administrators read every invoice; customers their own posted ones."""
    return user.is_superuser or has_role(user, Role.MANAGER, Role.ADMINISTRATOR)


# -- List --------------------------------------------------------------------------------------


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_list(request: HttpRequest):
    sees_all = _sees_all(request.user)
    filters = InvoiceFilterForm(
        request.GET or None,
        customers=customer_list(user=request.user) if sees_all else None,
    )
    invoices = selectors.invoice_list(user=request.user, **filters.selector_filters())
    context = {
        "filters": filters,
        "sees_all": sees_all,
        "title": _("Invoices") if sees_all else _("My invoices"),
        **page_of(request, invoices, per_page=INVOICES_PER_PAGE),
    }
    template = "billing/_invoice_rows.html" if request.htmx else "billing/list.html"
    return render(request, template, context)


# -- One invoice -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VatRow:
    rate: Decimal
    net: Decimal
    vat: Decimal


def vat_by_rate(lines) -> list[VatRow]:
    """The VAT of each rate and the net it is charged on; their sum is the invoice's VAT (its
    totals are the sums of its lines)."""
    sums: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        sums[line.vat_rate][0] += line.net_amount
        sums[line.vat_rate][1] += line.vat_amount
    return [VatRow(rate, net, vat) for rate, (net, vat) in sorted(sums.items())]


def _billed_to(invoice: Invoice) -> dict:
    """Who the document is addressed to: frozen on it at posting; a draft shows the customer's
    current details."""
    if invoice.is_posted:
        return {
            "name": invoice.customer_name,
            "address": invoice.billing_address,
            "vat_id": invoice.vat_id,
        }
    customer = invoice.customer
    return {"name": customer.name, "address": customer.billing_address, "vat_id": customer.vat_id}


def _company() -> dict:
    return {
        "name": settings.COMPANY_NAME,
        "address": settings.COMPANY_ADDRESS,
        "vat_id": settings.COMPANY_VAT_ID,
        "iban": settings.COMPANY_IBAN,
        "email": settings.COMPANY_EMAIL,
    }


def _invoice(request, pk: int) -> Invoice:
    return selectors.invoice_get(user=request.user, invoice_id=pk)


def _detail(
    request,
    invoice: Invoice,
    *,
    line_form=None,
    credit_form=None,
    post_form=None,
    refusal=None,
    at: str = "",
    status: int = 200,
):
    """The invoice page. A form that came back with errors replaces its empty twin; a refusal
    is shown in the section `at` (the action that was refused), or on top when that action is
    not on the page any more (posting a posted invoice)."""
    user = request.user
    lines = list(invoice.lines.all())
    is_draft = not invoice.is_posted
    may = {
        "add_lines": is_draft and user.has_perm("billing.add_invoiceline"),
        "remove_lines": is_draft and user.has_perm("billing.delete_invoiceline"),
        "delete": is_draft and user.has_perm("billing.delete_invoice"),
        "post": is_draft and user.has_perm("billing.post_invoice"),
        "credit": invoice.is_posted
        and invoice.kind == Invoice.Kind.INVOICE
        and user.has_perm("billing.credit_invoice"),
    }
    if may["credit"]:
        prefetch_related_objects(lines, "credit_lines__invoice")
    sections = {"lines": may["add_lines"] or may["remove_lines"], **may}
    today = timezone.localdate()
    context = {
        "invoice": invoice,
        "sees_all": _sees_all(user),
        "lines": lines,
        "is_credit_note": invoice.kind == Invoice.Kind.CREDIT_NOTE,
        "vat_rows": vat_by_rate(lines),
        "billed_to": _billed_to(invoice),
        "company": _company(),
        "payment_days": settings.INVOICE_PAYMENT_DAYS,
        "credit_notes": selectors.invoice_list(user=user).filter(credited_invoice=invoice)
        if invoice.kind == Invoice.Kind.INVOICE
        else (),
        "may": may,
        "has_actions": any(may.values()),
        "line_form": line_form
        or (
            InvoiceLineForm(default_vat_rate=services.default_vat_rate())
            if may["add_lines"]
            else None
        ),
        "post_form": post_form or (PostForm(initial={"issued_on": today}) if may["post"] else None),
        "credit_form": credit_form,
        "refusal": refusal,
        "refusal_at": at if sections.get(at) else "top",
    }
    return render(request, "billing/detail.html", context, status=status)


@login_required
@permission_required("billing.view_invoice", raise_exception=True)
def invoice_detail(request: HttpRequest, pk: int):
    return _detail(request, _invoice(request, pk))


def _refused(request, invoice_id: int, error: DomainError, at: str):
    """The invoice page again (as it is now) with the refusal where the action was taken."""
    return _detail(
        request, _invoice(request, invoice_id), refusal=error.message, at=at, status=REFUSED
    )


@login_required
@permission_required("billing.add_invoice", raise_exception=True)
def invoice_create(request: HttpRequest):
    """An empty draft for a customer, to which the manager adds lines by hand."""
    form = InvoiceCreateForm(
        request.POST if request.method == "POST" else None,
        customers=customer_list(user=request.user, is_active=True),
        initial={"customer": request.GET.get("customer")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invoice = services.invoice_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Draft invoice created: add its lines, then post it."))
            return redirect("billing:detail", invoice.pk)
    return render(request, "billing/form.html", {"form": form, "title": _("New invoice")})


@require_POST
@login_required
@permission_required("billing.add_invoiceline", raise_exception=True)
def line_add(request: HttpRequest, pk: int):
    invoice = _invoice(request, pk)
    form = InvoiceLineForm(request.POST, default_vat_rate=services.default_vat_rate())
    if form.is_valid():
        try:
            line = services.invoice_line_add(invoice=invoice, by=request.user, **form.line_fields())
        except InvalidInput as error:
            add_domain_error(form, error)
        except DomainError as error:
            return _refused(request, invoice.pk, error, "lines")
        else:
            messages.success(request, _("Line added: %s.") % line.description)
            return redirect(reverse("billing:detail", args=[invoice.pk]) + "#lines")
    return _detail(request, invoice, line_form=form)


@require_POST
@login_required
@permission_required("billing.delete_invoiceline", raise_exception=True)
def line_remove(request: HttpRequest, pk: int, line_id: int):
    invoice = _invoice(request, pk)
    line = next((line for line in invoice.lines.all() if line.pk == line_id), None)
    if line is None:
        raise Http404(_("No such line on this invoice."))
    try:
        services.invoice_line_remove(invoice=invoice, by=request.user, line=line)
    except DomainError as error:
        return _refused(request, invoice.pk, error, "lines")
    messages.success(request, _("Line removed: %s.") % line.description)
    return redirect(reverse("billing:detail", args=[invoice.pk]) + "#lines")


def _safe_next(request, target: str) -> str | None:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
@login_required
@permission_required("billing.delete_invoice", raise_exception=True)
def invoice_delete(request: HttpRequest, pk: int):
    """Delete a draft (its order lines and fees go back to the next proposal), then go back to
    where the manager came from (the billing run's review) or to the list."""
    invoice = _invoice(request, pk)
    form = DeleteForm(request.POST)
    form.is_valid()
    label = str(invoice)
    try:
        services.invoice_delete(invoice=invoice, by=request.user)
    except DomainError as error:
        return _refused(request, invoice.pk, error, "delete")
    messages.success(
        request,
        _("%(invoice)s of %(customer)s deleted: what it billed will be proposed again.")
        % {"invoice": label, "customer": invoice.customer.name},
    )
    return redirect(_safe_next(request, form.cleaned_data.get("next", "")) or "billing:list")


@require_POST
@login_required
@permission_required("billing.post_invoice", raise_exception=True)
def invoice_post(request: HttpRequest, pk: int):
    invoice = _invoice(request, pk)
    form = PostForm(request.POST)
    if not form.is_valid():
        return _detail(request, invoice, post_form=form)
    try:
        posted = services.invoice_post(
            invoice=invoice, by=request.user, on=form.cleaned_data["issued_on"]
        )
    except DomainError as error:
        return _refused(request, invoice.pk, error, "post")
    messages.success(
        request,
        _("%(kind)s %(number)s posted: it never changes now.")
        % {"kind": posted.get_kind_display(), "number": posted.number},
    )
    return redirect("billing:detail", posted.pk)


@require_POST
@login_required
@permission_required("billing.credit_invoice", raise_exception=True)
def invoice_credit(request: HttpRequest, pk: int):
    """A draft credit note for the whole invoice or the ticked lines; the manager checks it and
    posts it from its own page."""
    invoice = _invoice(request, pk)
    form = CreditForm(request.POST, lines=invoice.lines.all())
    if not form.is_valid():
        return _detail(request, invoice, credit_form=form)
    try:
        credit_note = services.invoice_credit(
            invoice=invoice, by=request.user, line_ids=form.credited_line_ids()
        )
    except InvalidInput as error:
        add_domain_error(form, error)
        return _detail(request, invoice, credit_form=form)
    except DomainError as error:
        return _refused(request, invoice.pk, error, "credit")
    messages.success(
        request,
        _("Draft credit note for %(number)s created: check it, then post it.")
        % {"number": invoice.number},
    )
    return redirect("billing:detail", credit_note.pk)


# -- The billing run ---------------------------------------------------------------------------


def _run_url(**params) -> str:
    query = urlencode({key: value for key, value in params.items() if value is not None})
    return f"{reverse('billing:run')}?{query}"


def _among(ids) -> Q:
    """pk in ids, as ranges: a run of thousands of drafts stays a few query parameters."""
    condition = Q(pk__in=[])
    for low, high in id_runs(ids):
        condition |= Q(pk=low) if low == high else Q(pk__range=(low, high))
    return condition


def _review(request, ids: list[int], *, posted_ids: list[int] | None = None) -> dict:
    """The drafts under review (those still there: a deleted one drops out), with their count
    and totals per currency, and what posting them would post."""
    chosen = selectors.invoice_list(user=request.user).filter(_among(ids)) if ids else None
    if chosen is None:
        return {"ids": "", "count": 0, "currencies": [], "to_post": 0, "posted": None}
    currencies = list(
        chosen.order_by("currency")
        .values("currency")
        .annotate(
            count=Count("pk"),
            net=Sum("net_amount"),
            vat=Sum("vat_amount"),
            gross=Sum("gross_amount"),
        )
    )
    rows = chosen.annotate(line_count=Count("lines")).order_by("pk")
    to_post = selectors.invoices_to_post(user=request.user).filter(_among(ids)).count()
    posted = None
    if posted_ids:
        done = chosen.filter(_among(posted_ids), status=Invoice.Status.POSTED)
        posted = {
            "count": done.count(),
            **done.aggregate(first=Min("number"), last=Max("number"), on=Max("issued_on")),
        }
    return {
        "ids": encode_ids(ids),
        "count": sum(row["count"] for row in currencies),
        "currencies": currencies,
        "to_post": to_post,
        "posted": posted,
        **page_of(request, rows, per_page=REVIEW_PER_PAGE),
    }


def _run_page(request, *, propose_form, source=None, post_form=None, status=200):
    """The run page; with `ids` in the URL (or in a posted form that came back with errors),
    the review of those drafts and the form to post them."""
    source = request.GET if source is None else source
    review_form = ReviewForm(source) if "ids" in source else None
    review = None
    if review_form is not None and review_form.is_valid():
        data = review_form.cleaned_data
        review = _review(request, data["ids"], posted_ids=data["posted"])
        review["through"] = data["through"]
        review["customer"] = (
            customer_list(user=request.user).filter(pk=data["customer"]).first()
            if data["customer"]
            else None
        )
        if post_form is None and review["to_post"]:
            post_form = PostRunForm(
                initial={"ids": review["ids"], "issued_on": timezone.localdate()}
            )
    context = {
        "propose_form": propose_form,
        "post_form": post_form,
        "review": review,
        "review_invalid": review_form is not None and not review_form.is_valid(),
        "waiting": selectors.invoices_to_post(user=request.user).count(),
        "can_post": request.user.has_perm("billing.post_invoice"),
    }
    return render(request, "billing/run.html", context, status=status)


@login_required
@permission_required("billing.add_invoice", raise_exception=True)
def billing_run(request: HttpRequest):
    """Step 1, "Propose": draft invoices through a date (for one customer or all); then step 2,
    the review of the drafts it proposed, whose ids stay in the URL so that a link shows the
    same review again."""
    customers = customer_list(user=request.user)
    if request.method != "POST":
        initial = {
            "through": request.GET.get("through") or timezone.localdate(),
            "customer": request.GET.get("customer") or None,
        }
        return _run_page(request, propose_form=ProposeForm(customers=customers, initial=initial))
    form = ProposeForm(request.POST, customers=customers)
    if not form.is_valid():
        return _run_page(request, propose_form=form)
    through, customer = form.cleaned_data["through"], form.cleaned_data["customer"]
    try:
        proposal = services.invoices_propose(by=request.user, through=through, customer=customer)
    except DomainError as error:
        add_domain_error(form, error)
        return _run_page(request, propose_form=form, status=REFUSED)
    if proposal.invoice_ids:
        messages.success(
            request,
            ngettext(
                "%(count)s draft proposed with %(lines)s new lines (%(created)s new, "
                "%(extended)s extended): review it, then post.",
                "%(count)s drafts proposed with %(lines)s new lines (%(created)s new, "
                "%(extended)s extended): review them, then post.",
                len(proposal.invoice_ids),
            )
            % {
                "count": len(proposal.invoice_ids),
                "lines": proposal.lines,
                "created": proposal.created,
                "extended": proposal.extended,
            },
        )
    return redirect(
        _run_url(
            through=through.isoformat(),
            customer=customer.pk if customer else None,
            ids=encode_ids(proposal.invoice_ids),
        )
    )


@require_POST
@login_required
@permission_required("billing.post_invoice", raise_exception=True)
def billing_run_post(request: HttpRequest):
    """Step 3, "Post all": the reviewed drafts (those still drafts with lines) get their
    numbers in id order with the issue date given; the review then shows the range posted."""
    form = PostRunForm(request.POST)
    if not form.is_valid():
        propose_form = ProposeForm(
            customers=customer_list(user=request.user),
            initial={"through": request.POST.get("through") or timezone.localdate()},
        )
        return _run_page(request, propose_form=propose_form, source=request.POST, post_form=form)
    ids = form.cleaned_data["ids"]
    visible = list(
        selectors.invoice_list(user=request.user).filter(_among(ids)).values_list("pk", flat=True)
    )
    posted = services.invoices_post(
        invoice_ids=visible, by=request.user, on=form.cleaned_data["issued_on"]
    )
    messages.success(
        request,
        ngettext("%(count)s invoice posted.", "%(count)s invoices posted.", len(posted))
        % {"count": len(posted)},
    )
    params = {"ids": encode_ids(ids), "posted": encode_ids(posted)}
    for key in ("through", "customer"):
        if request.POST.get(key):
            params[key] = request.POST[key]
    return redirect(_run_url(**params))
