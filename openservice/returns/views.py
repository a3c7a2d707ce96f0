"""Return pages: the list with search and filters, one return with its lines and the actions its
state allows, the forms to create and change a return (staff) or request one (a customer), and
the Returns section of the order page (the replacements to ship: replacement_views.py).

Views parse, call the selectors and services, and render. An action that succeeds redirects
back with its outcome as a message; a refused one (409) shows the return page again with the
message where the action was taken, and a form with errors (422) comes back with them next to
its fields. Nothing is saved by a refused action: each service is one transaction.

Managers act; dispatchers and administrators read; customers read their own returns (anyone
else's is 404), request new ones and cancel their own while nothing has arrived."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openservice.core.errors import DomainError, InvalidInput
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import Role, has_role
from openservice.customers.selectors import customer_list
from openservice.orders.selectors import order_get
from openservice.returns import selectors, services
from openservice.returns.editing import LineEditor, edit_context, line_initial
from openservice.returns.forms import (
    ArrivalForm,
    DispositionForm,
    InspectForm,
    QuarantineForm,
    ReturnFilterForm,
)
from openservice.returns.models import BUSY, ReturnLine, ReturnOrder
from openservice.returns.services.flow import UNPROCESSED

RETURNS_PER_PAGE = 50
REFUSED = 409
INVALID = 422
S = ReturnLine.Status


def _sees_all(user) -> bool:
    """Managers, dispatchers and administrators read every return; customers their own."""
    return user.is_superuser or has_role(user, *selectors.STAFF)


def _acts(user) -> bool:
    """Managers run returns: arrivals, inspections, dispositions, processing."""
    return user.has_perm("returns.change_returnorder") and _sees_all(user)


def _is_customer(user) -> bool:
    return has_role(user, Role.CUSTOMER) and not _sees_all(user)


def _return(request, pk: int) -> ReturnOrder:
    return selectors.return_get(user=request.user, return_id=pk)


def _ids(text: str) -> list[int]:
    """Ids written as "3,5,9" in the URL; anything else is left out."""
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


# -- List --------------------------------------------------------------------------------------


@login_required
@permission_required("returns.view_returnorder", raise_exception=True)
def return_list(request: HttpRequest):
    user = request.user
    sees_all = _sees_all(user)
    today = timezone.localdate()
    filters = ReturnFilterForm(
        request.GET or None, customers=customer_list(user=user) if sees_all else None
    )
    # Each row's line count and whether goods are still expected (the overdue mark).
    rows = selectors.return_list(user=user, **filters.selector_filters(today=today)).annotate(
        line_count=Count("lines", distinct=True),
        expected_count=Count("lines", filter=Q(lines__status=S.EXPECTED), distinct=True),
    )
    context = {
        "filters": filters,
        "sees_all": sees_all,
        "today": today,
        "may_create": _acts(user) and user.has_perm("returns.add_returnorder"),
        "may_request": _is_customer(user) and user.has_perm("returns.add_returnorder"),
        "title": _("Returns") if sees_all else _("My returns"),
        **page_of(request, rows, per_page=RETURNS_PER_PAGE),
    }
    template = "returns/_return_rows.html" if request.htmx else "returns/list.html"
    return render(request, template, context)


# -- One return --------------------------------------------------------------------------------


def _line_forms(line: ReturnLine, dispositions) -> dict:
    """The empty forms of the actions the line's status allows, by action."""
    found = {}
    if line.status == S.EXPECTED:
        found["arrival"] = ArrivalForm(
            prefix=f"arrival-{line.pk}", initial={"quantity": line.quantity.normalize()}
        )
        found["cancel"] = None
    if line.status == S.REGISTERED:
        found["quarantine"] = QuarantineForm(prefix=f"quarantine-{line.pk}")
    if line.status in (S.REGISTERED, S.QUARANTINE):
        found["inspect"] = InspectForm(
            prefix=f"inspect-{line.pk}",
            dispositions=dispositions,
            initial={"disposition": line.disposition_id},
        )
    if line.status in UNPROCESSED:
        found["disposition"] = DispositionForm(
            prefix=f"disposition-{line.pk}",
            dispositions=dispositions,
            initial={"disposition": line.disposition_id},
        )
    return found


def _summary(lines: list[ReturnLine], request) -> dict | None:
    """What the last processing run did, from the line ids the redirect put in the URL: the
    lines it processed (of this return) and what it created for them."""
    processed = set(_ids(request.GET.get("processed", "")))
    skipped = set(_ids(request.GET.get("skipped", "")))
    if not processed and not skipped:
        return None
    done = [line for line in lines if line.pk in processed]
    credit_notes = {
        line.credit_note_line.invoice.pk: line.credit_note_line.invoice
        for line in done
        if line.credit_note_line_id
    }
    return {
        "lines": done,
        "skipped": [line for line in lines if line.pk in skipped],
        "credit_notes": list(credit_notes.values()),
        "orders": [line.service_order for line in done if line.service_order_id],
        "replacements": [line.replacement_found for line in done if line.replacement_found],
    }


def _detail(request, ret: ReturnOrder, *, bound=None, refusal="", at="", status=200):
    """The return page. `bound` is the form of a line action that came back with errors, as
    ((line id, action), form); `refusal` is shown at `at` ("return", "line-<id>") or on top."""
    user = request.user
    acts = _acts(user) and not ret.is_final
    dispositions = selectors.dispositions(is_active=True) if acts else None
    lines = list(ret.lines.all())
    for line in lines:
        line.replacement_found = getattr(line, "replacement", None)
        line.actions = _line_forms(line, dispositions) if acts else {}
        if bound is not None and bound[0][0] == line.pk:
            line.actions[bound[0][1]] = bound[1]
        line.refusal = refusal if at == f"line-{line.pk}" else ""
    may = {
        "process": acts and any(line.is_processable for line in lines),
        # Closing by hand gives up expected lines; goods on hand or in repair come first.
        "close": acts
        and ret.status == ReturnOrder.Status.OPEN
        and not any(line.status in BUSY for line in lines),
        "cancel": ret.status == ReturnOrder.Status.CREATED
        and (acts or (_is_customer(user) and ret.requested_by_customer)),
        "edit": acts and ret.status == ReturnOrder.Status.CREATED,
    }
    context = {
        "ret": ret,
        "lines": lines,
        "sees_all": _sees_all(user),
        "acts": acts,
        "may": may,
        "has_actions": any(may.values()),
        "overdue": selectors.is_overdue(ret, timezone.localdate()),
        "summary": _summary(lines, request),
        "refusal": refusal,
        # Where the refused action was taken, or on top when that place is gone from the page.
        "refusal_at": at
        if (at == "return" and (may["process"] or may["close"] or may["cancel"]))
        or any(line.refusal for line in lines)
        else "top",
    }
    return render(request, "returns/detail.html", context, status=status)


@login_required
@permission_required("returns.view_returnorder", raise_exception=True)
def return_detail(request: HttpRequest, pk: int):
    return _detail(request, _return(request, pk))


def _refused(request, pk: int, error: DomainError, at: str):
    """The return page again (as it is now) with the refusal where the action was taken."""
    status = error.status if error.status in (403, 422) else REFUSED
    return _detail(request, _return(request, pk), refusal=error.message, at=at, status=status)


# -- Actions on a line -------------------------------------------------------------------------


def _line_label(line: ReturnLine) -> str:
    return f"{line.item.name}" + (f" ({line.serial})" if line.serial else "")


def _arrival(ret, line, data, by) -> str:
    registered = services.arrival_register(
        ret=ret, line=line, quantity=data["quantity"], by=by, on=data.get("on")
    )
    if registered.pk == line.pk:
        return _("Arrival registered: %(line)s.") % {"line": _line_label(line)}
    line.refresh_from_db(fields=["quantity"])
    return _("Arrival of %(arrived)s registered: %(line)s; %(rest)s still expected.") % {
        "arrived": f"{registered.quantity.normalize():f}",
        "line": _line_label(line),
        "rest": f"{line.quantity.normalize():f}",
    }


def _quarantine(ret, line, data, by) -> str:
    services.line_quarantine(ret=ret, line=line, by=by, note=data.get("note", ""))
    return _("In quarantine: %(line)s.") % {"line": _line_label(line)}


def _inspect(ret, line, data, by) -> str:
    inspected = services.line_inspect(
        ret=ret, line=line, by=by, note=data["note"], disposition=data.get("disposition")
    )
    if inspected.disposition is not None:
        return _("Inspected and received: %(line)s, disposition %(code)s.") % {
            "line": _line_label(line),
            "code": inspected.disposition.code,
        }
    return _("Inspected and received: %(line)s.") % {"line": _line_label(line)}


def _disposition(ret, line, data, by) -> str:
    disposition = data.get("disposition")
    services.line_set_disposition(ret=ret, line=line, by=by, disposition=disposition)
    if disposition is None:
        return _("Disposition cleared: %(line)s.") % {"line": _line_label(line)}
    return _("Disposition %(code)s set: %(line)s.") % {
        "code": disposition.code,
        "line": _line_label(line),
    }


def _cancel_line(ret, line, data, by) -> str:
    services.return_line_cancel(ret=ret, line=line, by=by)
    return _("Line cancelled: %(line)s (the goods will not come).") % {"line": _line_label(line)}


LINE_ACTIONS = {
    "arrival": (ArrivalForm, _arrival),
    "quarantine": (QuarantineForm, _quarantine),
    "inspect": (InspectForm, _inspect),
    "disposition": (DispositionForm, _disposition),
    "cancel": (None, _cancel_line),
}


@require_POST
@login_required
@permission_required("returns.change_returnline", raise_exception=True)
def line_action(request: HttpRequest, pk: int, line_id: int, action: str):
    """One action on one line; the service decides whether the line's state allows it."""
    if not _acts(request.user):
        raise PermissionDenied
    ret = _return(request, pk)
    line = next((line for line in ret.lines.all() if line.pk == line_id), None)
    if line is None:
        raise Http404(_("No such line on this return."))
    form_class, run = LINE_ACTIONS[action]
    form = None
    if form_class is not None:
        kwargs = {"prefix": f"{action}-{line.pk}", "data": request.POST}
        if form_class in (InspectForm, DispositionForm):
            kwargs["dispositions"] = selectors.dispositions(is_active=True)
        form = form_class(**kwargs)
        if not form.is_valid():
            return _detail(request, ret, bound=((line.pk, action), form), status=INVALID)
    try:
        done = run(ret, line, form.cleaned_data if form else {}, request.user)
    except InvalidInput as error:
        if form is None:
            return _refused(request, ret.pk, error, f"line-{line.pk}")
        add_domain_error(form, error)
        return _detail(request, ret, bound=((line.pk, action), form), status=INVALID)
    except DomainError as error:
        return _refused(request, ret.pk, error, f"line-{line.pk}")
    messages.success(request, done)
    return redirect(reverse("returns:detail", args=[ret.pk]) + f"#line-{line.pk}")


# -- Actions on the return ---------------------------------------------------------------------


@require_POST
@login_required
@permission_required("returns.change_returnorder", raise_exception=True)
def return_process(request: HttpRequest, pk: int):
    """Process the lines that are ready; the page then sums up what the run created."""
    if not _acts(request.user):
        raise PermissionDenied
    ret = _return(request, pk)
    try:
        result = services.return_process(ret=ret, by=request.user)
    except DomainError as error:
        return _refused(request, ret.pk, error, "return")
    url = reverse("returns:detail", args=[ret.pk])
    if not result.processed_line_ids:
        messages.info(
            request,
            _("Nothing was ready to process: register the arrivals and set the dispositions."),
        )
        return redirect(url)
    messages.success(
        request,
        ngettext(
            "%(count)s line processed.",
            "%(count)s lines processed.",
            len(result.processed_line_ids),
        )
        % {"count": len(result.processed_line_ids)},
    )
    query = {"processed": ",".join(map(str, result.processed_line_ids))}
    if result.skipped_line_ids:
        query["skipped"] = ",".join(map(str, result.skipped_line_ids))
    return redirect(f"{url}?{urlencode(query)}#processed")


@require_POST
@login_required
@permission_required("returns.view_returnorder", raise_exception=True)
def return_cancel(request: HttpRequest, pk: int):
    """Managers cancel a return nothing has arrived for; a customer their own request."""
    user = request.user
    if not (_acts(user) or _is_customer(user)):
        raise PermissionDenied
    ret = _return(request, pk)
    try:
        services.return_cancel(ret=ret, by=user)
    except DomainError as error:
        return _refused(request, ret.pk, error, "return")
    messages.success(request, _("Return %(number)s cancelled.") % {"number": ret.number})
    return redirect("returns:detail", ret.pk)


@require_POST
@login_required
@permission_required("returns.change_returnorder", raise_exception=True)
def return_close(request: HttpRequest, pk: int):
    if not _acts(request.user):
        raise PermissionDenied
    ret = _return(request, pk)
    try:
        services.return_close(ret=ret, by=request.user)
    except DomainError as error:
        return _refused(request, ret.pk, error, "return")
    messages.success(
        request,
        _("Return %(number)s closed; lines still expected were given up.") % {"number": ret.number},
    )
    return redirect("returns:detail", ret.pk)


# -- Creating, requesting and changing ---------------------------------------------------------


def _save(request, editor: LineEditor, save, success: str):
    """Send the form to the service: the new return's page, or the form with the refusal."""
    if not editor.is_valid():
        return None
    try:
        ret = save(editor)
    except DomainError as error:
        editor.add_error(error)
        return None
    messages.success(request, success % {"number": ret.number})
    return redirect("returns:detail", ret.pk)


@login_required
@permission_required("returns.add_returnorder", raise_exception=True)
def return_create(request: HttpRequest):
    """A new return, for staff: first the customer, then the return and its lines (offering
    that customer's objects, posted invoices and invoice lines)."""
    user = request.user
    if not _acts(user):
        if _is_customer(user):
            return redirect("returns:request")
        raise PermissionDenied
    context = edit_context(request, user=user)
    editor = context.get("editor")
    if editor is None:  # the customer is not chosen yet
        return render(request, "returns/form.html", context)
    if request.method == "POST" and not editor.adding_line:

        def save(editor):
            return services.return_create(by=user, customer=editor.customer, **editor.fields())

        done = _save(request, editor, save, _("Return %(number)s created."))
        if done is not None:
            return done
    return render(request, "returns/form.html", context, status=editor.status)


@login_required
@permission_required("returns.change_returnorder", raise_exception=True)
def return_edit(request: HttpRequest, pk: int):
    """The header and lines of a return nothing has happened to yet."""
    user = request.user
    if not _acts(user):
        raise PermissionDenied
    ret = _return(request, pk)
    if ret.status != ReturnOrder.Status.CREATED:
        messages.error(request, _("Only a return nothing has arrived for can be changed."))
        return redirect("returns:detail", ret.pk)
    context = edit_context(request, user=user, ret=ret, initial_lines=line_initial(ret))
    editor = context["editor"]
    if request.method == "POST" and not editor.adding_line:

        def save(editor):
            return services.return_update(ret=ret, by=user, **editor.fields())

        done = _save(request, editor, save, _("Return %(number)s saved."))
        if done is not None:
            return done
    return render(request, "returns/form.html", context, status=editor.status)


@login_required
@permission_required("returns.add_returnorder", raise_exception=True)
def return_request(request: HttpRequest):
    """A customer asks to send goods back: their own units or items they were invoiced for."""
    user = request.user
    if not _is_customer(user):
        if _acts(user):
            return redirect("returns:create")
        raise PermissionDenied
    context = edit_context(request, user=user, for_customer=True)
    editor = context.get("editor")
    if editor is None:  # the login is not linked to a customer
        raise PermissionDenied
    if request.method == "POST" and not editor.adding_line:

        def save(editor):
            return services.return_create(by=user, customer=editor.customer, **editor.fields())

        done = _save(
            request,
            editor,
            save,
            _("Return %(number)s requested. We will tell you when and where to send the goods."),
        )
        if done is not None:
            return done
    return render(request, "returns/request.html", context, status=editor.status)


# -- The order page's Returns section ----------------------------------------------------------


@login_required
@permission_required("returns.view_returnorder", raise_exception=True)
def order_section(request: HttpRequest, pk: int):
    """The returns an order belongs to: for a repair order made from a return, the return and
    its line; for an order named as the original order of returns, those returns. The order
    page loads it (htmx); without scripts it is a page of its own."""
    user = request.user
    order = order_get(user=user, order_id=pk)
    visible = selectors.return_list(user=user).values("pk")
    context = {
        "order": order,
        "repaired_lines": list(
            selectors.returns_of_order(order).filter(return_order_id__in=visible)
        ),
        "referencing": list(
            selectors.returns_referencing_order(order)
            .filter(pk__in=visible)
            .select_related("reason")
        ),
    }
    template = "returns/_order_section.html" if request.htmx else "returns/order_section.html"
    return render(request, template, context)
