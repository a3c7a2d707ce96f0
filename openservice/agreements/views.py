"""Agreement pages: the list with search and filters, one agreement (header, covered objects and
tasks, lines with their recurrence in words, status actions and renewal), the header form, the
line editor and copying lines from a template or another agreement. Views parse, call the
selectors and services, and render; every action posts, then redirects back with its outcome as
a message, or shows its form again with the refusal on it.

The agreement page also shows its generated orders and a forecast of its visits; both belong to
the orders app (agreements never import orders) and are loaded into the page with htmx."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from openservice.agreements import display, selectors, services
from openservice.agreements.forms import AgreementFilterForm, AgreementForm, RenewForm, StatusForm
from openservice.agreements.line_forms import CopyLinesForm, LineForm
from openservice.agreements.models import ServiceAgreement
from openservice.calendars.selectors import calendar_list
from openservice.catalog.selectors import item_list, task_list
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import Role
from openservice.core.users import users_with_roles
from openservice.customers.selectors import agreement_group_list, customer_list, site_list
from openservice.equipment.selectors import object_list
from openservice.sla.selectors import policy_list
from openservice.workforce.selectors import technician_list

STATUS_MESSAGES = {
    "activate": gettext_lazy("Agreement %s activated: it generates orders now."),
    "suspend": gettext_lazy("Agreement %s suspended: it generates nothing until resumed."),
    "resume": gettext_lazy("Agreement %s resumed."),
    "cancel": gettext_lazy("Agreement %s cancelled."),
}
SOURCE_CHOICES = 20  # agreements offered as a source of lines, per search


# -- List --------------------------------------------------------------------------------------


@login_required
@permission_required("agreements.view_serviceagreement", raise_exception=True)
def agreement_list(request: HttpRequest):
    filters = AgreementFilterForm(
        request.GET or None,
        customers=customer_list(user=request.user),
        groups=agreement_group_list(user=request.user),
    )
    agreements = selectors.agreement_list(user=request.user, **filters.selector_filters())
    context = {"filters": filters, **page_of(request, agreements)}
    template = "agreements/_agreement_rows.html" if request.htmx else "agreements/list.html"
    return render(request, template, context)


# -- One agreement -----------------------------------------------------------------------------


def _detail(request, agreement: ServiceAgreement, *, renew_form=None):
    """The agreement page; a renewal form that came back with errors replaces its empty twin."""
    user = request.user
    changeable = display.is_changeable(agreement)
    lines = selectors.line_list(user=user, agreement_id=agreement.pk)
    may_renew = user.has_perm("agreements.add_serviceagreement") and display.may_renew(agreement)
    context = {
        "agreement": agreement,
        "lines": display.line_rows(lines, agreement.currency),
        "object_relations": agreement.object_relations.all(),
        "task_relations": agreement.task_relations.all(),
        "renewals": agreement.renewals.order_by("starts_on", "pk"),
        "can_edit": user.has_perm("agreements.change_serviceagreement") and changeable,
        "status_actions": display.status_actions(agreement)
        if user.has_perm("agreements.change_serviceagreement")
        else [],
        "may_renew": may_renew,
        "renew_form": renew_form or (RenewForm() if may_renew else None),
        "can_add_lines": user.has_perm("agreements.add_agreementline") and changeable,
        "can_change_lines": user.has_perm("agreements.change_agreementline") and changeable,
        "can_delete_lines": user.has_perm("agreements.delete_agreementline") and changeable,
    }
    return render(request, "agreements/detail.html", context)


@login_required
@permission_required("agreements.view_serviceagreement", raise_exception=True)
def agreement_detail(request: HttpRequest, pk: int):
    return _detail(request, selectors.agreement_get(user=request.user, agreement_id=pk))


# -- Header form -------------------------------------------------------------------------------


def _keep(active, every, current_id):
    """The active choices, and the record's current one even when it is inactive."""
    return active | every.filter(pk=current_id) if current_id else active


def _agreement_form(request, *, agreement: ServiceAgreement | None = None, data=None):
    user = request.user
    policies = policy_list(user=user).prefetch_related(None)
    calendars = calendar_list(user=user).prefetch_related(None)
    tasks = task_list(user=user).prefetch_related(None)
    choices = {
        "groups": agreement_group_list(user=user),
        "technicians": technician_list(user=user, is_active=True).prefetch_related(None),
        "users": users_with_roles(Role.MANAGER, Role.DISPATCHER),
    }
    if agreement is not None:
        covered_tasks = [relation.task_id for relation in agreement.task_relations.all()]
        return AgreementForm(
            data,
            agreement=agreement,
            sites=_keep(
                site_list(user=user, customer_id=agreement.customer_id, is_active=True),
                site_list(user=user),
                agreement.site_id,
            ),
            policies=_keep(policies.filter(is_active=True), policies, agreement.sla_policy_id),
            calendars=_keep(calendars.filter(is_active=True), calendars, agreement.calendar_id),
            objects=object_list(user=user, customer_id=agreement.customer_id)
            if agreement.customer_id
            else (),
            tasks=tasks.filter(Q(is_active=True) | Q(pk__in=covered_tasks)),
            **choices,
        )
    source = data if data is not None else request.GET
    customer_id = source.get("customer")
    customer_id = int(customer_id) if customer_id and customer_id.isdigit() else None
    return AgreementForm(
        data,
        customers=customer_list(user=user, is_active=True),
        template_groups=selectors.template_group_list(user=user),
        sites=site_list(user=user, customer_id=customer_id, is_active=True)
        if customer_id
        else site_list(user=user, is_active=True),
        policies=policies.filter(is_active=True),
        calendars=calendars.filter(is_active=True),
        objects=object_list(user=user, customer_id=customer_id) if customer_id else (),
        tasks=tasks.filter(is_active=True),
        initial={"customer": customer_id} if customer_id else None,
        **choices,
    )


def _saved(form, action):
    """Run the service behind a valid form; a refusal goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action()
    except DomainError as error:
        add_domain_error(form, error)
        return None


@login_required
@permission_required("agreements.add_serviceagreement", raise_exception=True)
def agreement_create(request: HttpRequest):
    """A new agreement (a draft) or template. Choosing the customer offers its sites and objects
    (htmx swaps them in; without JavaScript every active site is offered, the service checks the
    pair, and the objects are ticked in Edit)."""
    form = _agreement_form(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        agreement = _saved(
            form, lambda: services.agreement_create(by=request.user, **form.create_fields())
        )
        if agreement is not None:
            messages.success(request, _("Agreement %s created as a draft.") % agreement.number)
            return redirect("agreements:detail", agreement.pk)
    return render(request, "agreements/form.html", {"form": form, "title": _("New agreement")})


@login_required
@permission_required("agreements.change_serviceagreement", raise_exception=True)
def agreement_edit(request: HttpRequest, pk: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    form = _agreement_form(request, agreement=agreement, data=request.POST or None)
    if request.method == "POST":
        saved = _saved(
            form,
            lambda: services.agreement_update(
                agreement=agreement, by=request.user, **form.update_fields()
            ),
        )
        if saved is not None:
            messages.success(request, _("Agreement %s saved.") % saved.number)
            return redirect("agreements:detail", agreement.pk)
    return render(
        request,
        "agreements/form.html",
        {"form": form, "agreement": agreement, "title": _("Change %s") % agreement.number},
    )


# -- Status and renewal ------------------------------------------------------------------------


@require_POST
@login_required
@permission_required("agreements.change_serviceagreement", raise_exception=True)
def agreement_change_status(request: HttpRequest, pk: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("agreements:detail", agreement.pk)
    action = form.cleaned_data["action"]
    try:
        services.agreement_change_status(agreement=agreement, by=request.user, action=action)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, str(STATUS_MESSAGES[action]) % agreement.number)
    return redirect("agreements:detail", agreement.pk)


@require_POST
@login_required
@permission_required("agreements.add_serviceagreement", raise_exception=True)
def agreement_renew(request: HttpRequest, pk: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    form = RenewForm(request.POST)
    renewal = _saved(
        form,
        lambda: services.agreement_renew(agreement=agreement, by=request.user, **form.cleaned_data),
    )
    if renewal is None:
        return _detail(request, agreement, renew_form=form)
    messages.success(
        request,
        _("Agreement %(number)s renewed as %(renewal)s (a draft: activate it to generate).")
        % {"number": agreement.number, "renewal": renewal.number},
    )
    return redirect("agreements:detail", renewal.pk)


# -- Lines -------------------------------------------------------------------------------------


def _lines_url(agreement: ServiceAgreement) -> str:
    return reverse("agreements:detail", args=[agreement.pk]) + "#lines"


def _line_form(request, agreement: ServiceAgreement, *, line=None, data=None) -> LineForm:
    user = request.user
    covered = [relation.object_id for relation in agreement.object_relations.all()]
    tasks = task_list(user=user).prefetch_related(None)
    items = item_list(user=user)
    technicians = technician_list(user=user).prefetch_related(None)
    return LineForm(
        data,
        line=line,
        items=_keep(items.filter(is_active=True), items, line and line.item_id),
        tasks=_keep(tasks.filter(is_active=True), tasks, line and line.task_id),
        technicians=_keep(
            technicians.filter(is_active=True), technicians, line and line.technician_id
        ),
        objects=object_list(user=user).filter(pk__in=covered),
    )


def _line_page(request, agreement, form, *, line=None):
    title = (
        _("Change line of %s") % agreement.number
        if line is not None
        else _("New line for %s") % agreement.number
    )
    return render(
        request,
        "agreements/line_form.html",
        {"agreement": agreement, "form": form, "line": line, "title": title},
    )


@login_required
@permission_required("agreements.add_agreementline", raise_exception=True)
def line_create(request: HttpRequest, pk: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    form = _line_form(request, agreement, data=request.POST or None)
    if request.method == "POST":
        line = _saved(
            form,
            lambda: services.agreement_line_create(
                agreement=agreement, by=request.user, **form.create_fields()
            ),
        )
        if line is not None:
            messages.success(request, _("Line added: %s.") % (line.description or line.kind))
            return redirect(_lines_url(agreement))
    return _line_page(request, agreement, form)


@login_required
@permission_required("agreements.change_agreementline", raise_exception=True)
def line_edit(request: HttpRequest, pk: int, line_id: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    line = selectors.line_get(user=request.user, agreement_id=agreement.pk, line_id=line_id)
    form = _line_form(request, agreement, line=line, data=request.POST or None)
    if request.method == "POST":
        saved = _saved(
            form,
            lambda: services.agreement_line_update(
                line=line, by=request.user, **form.update_fields()
            ),
        )
        if saved is not None:
            messages.success(request, _("Line saved: %s.") % (saved.description or saved.kind))
            return redirect(_lines_url(agreement))
    return _line_page(request, agreement, form, line=line)


@require_POST
@login_required
@permission_required("agreements.delete_agreementline", raise_exception=True)
def line_delete(request: HttpRequest, pk: int, line_id: int):
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    line = selectors.line_get(user=request.user, agreement_id=agreement.pk, line_id=line_id)
    try:
        services.agreement_line_delete(line=line, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Line deleted: %s.") % (line.description or line.kind))
    return redirect(_lines_url(agreement))


# -- Copying lines -----------------------------------------------------------------------------


def _source(request, agreement: ServiceAgreement, data) -> ServiceAgreement | None:
    """The agreement or template whose lines are offered (?source= or the posted source)."""
    source_id = data.get("source", "")
    if not source_id.isdigit():
        return None
    return selectors.agreement_get(user=request.user, agreement_id=int(source_id))


def _copy_page(request, agreement, *, source=None, form=None):
    user = request.user
    q = request.GET.get("q", "").strip()
    candidates = (
        selectors.agreement_list(user=user, q=q or None, is_template=False)
        .exclude(pk=agreement.pk)
        .prefetch_related(None)[:SOURCE_CHOICES]
    )
    source_lines = []
    if source is not None:
        lines = list(selectors.line_list(user=user, agreement_id=source.pk))
        form = form or CopyLinesForm(lines=lines)
        source_lines = [
            (line, display.describe_recurrence(line), form["line_ids"][index])
            for index, line in enumerate(lines)
        ]
    return render(
        request,
        "agreements/copy_lines.html",
        {
            "agreement": agreement,
            "tree": selectors.template_tree(user=user),
            "q": q,
            "candidates": candidates,
            "source": source,
            "source_lines": source_lines,
            "form": form,
            "title": _("Copy lines into %s") % agreement.number,
        },
    )


@login_required
@permission_required("agreements.add_agreementline", raise_exception=True)
def copy_lines(request: HttpRequest, pk: int):
    """Pick a template from the tree (or another agreement), tick its lines, copy them with the
    objects and tasks they use."""
    agreement = selectors.agreement_get(user=request.user, agreement_id=pk)
    if request.method != "POST":
        return _copy_page(request, agreement, source=_source(request, agreement, request.GET))
    source = _source(request, agreement, request.POST)
    if source is None:
        messages.error(request, _("Choose a template or an agreement to copy from."))
        return redirect("agreements:copy_lines", agreement.pk)
    lines = list(selectors.line_list(user=request.user, agreement_id=source.pk))
    form = CopyLinesForm(request.POST, lines=lines)
    copied = _saved(
        form,
        lambda: services.agreement_copy_lines(
            agreement=agreement,
            source=source,
            by=request.user,
            line_ids=form.cleaned_data["line_ids"],
        ),
    )
    if copied is None:
        return _copy_page(request, agreement, source=source, form=form)
    messages.success(
        request,
        ngettext(
            "%(count)s line copied from %(source)s.",
            "%(count)s lines copied from %(source)s.",
            len(copied),
        )
        % {"count": len(copied), "source": source.number},
    )
    return redirect(_lines_url(agreement))
