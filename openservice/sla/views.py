"""SLA pages. Views parse, call the selectors and services, and render; every action posts, then
redirects back with its outcome as a message, or shows its form again with the refusal on it.

Policies (`/sla/policies/`): the list, one policy with its targets and assignments, the form
that creates and changes a policy, (de)activation, and assigning the policy to a customer or an
agreement group."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openservice.calendars.selectors import calendar_list
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, business_duration, page_of
from openservice.customers.selectors import agreement_group_list, customer_list
from openservice.sla import selectors, services
from openservice.sla.forms import PRIORITY_ORDER, AssignmentForm, PolicyFilterForm, PolicyForm

# -- Policies ------------------------------------------------------------------------------------


def _targets(policy) -> list[dict]:
    """Every priority, most urgent first, with its target (or None: no target for it)."""
    by_priority = {target.priority: target for target in policy.targets.all()}
    rows = []
    for priority in PRIORITY_ORDER:
        target = by_priority.get(priority.value)
        rows.append(
            {
                "priority": priority.value,
                "label": priority.label,
                "target": target,
                "response": target and business_duration(target.response_minutes),
                "resolution": target and business_duration(target.resolution_minutes),
            }
        )
    return rows


@login_required
@permission_required("sla.view_slapolicy", raise_exception=True)
def policy_list(request: HttpRequest):
    filters = PolicyFilterForm(request.GET or None)
    policies = selectors.policy_list(user=request.user, **filters.selector_filters())
    page = page_of(request, policies)
    rows = [
        (policy, [row for row in _targets(policy) if row["target"]])
        for policy in page["page_obj"].object_list
    ]
    context = {"filters": filters, "rows": rows, **page}
    template = "sla/_policy_rows.html" if request.htmx else "sla/policy_list.html"
    return render(request, template, context)


def _assignment_form(user, data=None) -> AssignmentForm:
    return AssignmentForm(
        data,
        customers=customer_list(user=user, is_active=True),
        groups=agreement_group_list(user=user, is_active=True),
    )


def _policy_page(request, policy, *, assignment_form=None):
    """The policy page; an assignment form that came back with errors replaces its empty twin."""
    user = request.user
    if assignment_form is None and user.has_perm("sla.add_slaassignment"):
        assignment_form = _assignment_form(user)
    return render(
        request,
        "sla/policy_detail.html",
        {
            "policy": policy,
            "targets": _targets(policy),
            "assignments": selectors.assignment_list(user=user, policy_id=policy.pk),
            "assignment_form": assignment_form,
            "can_change": user.has_perm("sla.change_slapolicy"),
            "can_remove": user.has_perm("sla.delete_slaassignment"),
        },
    )


@login_required
@permission_required("sla.view_slapolicy", raise_exception=True)
def policy_detail(request: HttpRequest, pk: int):
    return _policy_page(request, selectors.policy_get(user=request.user, policy_id=pk))


def _calendars(user, policy=None):
    """Active calendars to choose from, and the policy's own even when it is inactive."""
    calendars = calendar_list(user=user).prefetch_related(None)
    active = calendars.filter(is_active=True)
    if policy is not None and policy.calendar_id:
        return active | calendars.filter(pk=policy.calendar_id)
    return active


def _saved(form: PolicyForm, action):
    """Run the service behind a valid form; a refusal goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action(form.policy_fields())
    except DomainError as error:
        add_domain_error(form, error)
        return None


@login_required
@permission_required("sla.add_slapolicy", raise_exception=True)
def policy_create(request: HttpRequest):
    form = PolicyForm(request.POST or None, calendars=_calendars(request.user))
    if request.method == "POST":
        policy = _saved(form, lambda fields: services.policy_create(by=request.user, **fields))
        if policy is not None:
            messages.success(request, _("SLA policy %s created.") % policy.name)
            return redirect("sla:policy_detail", policy.pk)
    return render(request, "sla/policy_form.html", {"form": form, "title": _("New SLA policy")})


@login_required
@permission_required("sla.change_slapolicy", raise_exception=True)
def policy_edit(request: HttpRequest, pk: int):
    policy = selectors.policy_get(user=request.user, policy_id=pk)
    form = PolicyForm(
        request.POST or None, calendars=_calendars(request.user, policy), policy=policy
    )
    if request.method == "POST":
        saved = _saved(
            form,
            lambda fields: services.policy_update(policy=policy, by=request.user, **fields),
        )
        if saved is not None:
            messages.success(request, _("SLA policy %s saved.") % saved.name)
            return redirect("sla:policy_detail", policy.pk)
    return render(
        request,
        "sla/policy_form.html",
        {"form": form, "policy": policy, "title": _("Change %s") % policy.name},
    )


@require_POST
@login_required
@permission_required("sla.change_slapolicy", raise_exception=True)
def policy_set_active(request: HttpRequest, pk: int):
    policy = selectors.policy_get(user=request.user, policy_id=pk)
    activate = request.POST.get("active") == "true"
    try:
        services.policy_set_active(policy=policy, by=request.user, is_active=activate)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("SLA policy reactivated.") if activate else _("SLA policy deactivated.")
        )
    return redirect("sla:policy_detail", policy.pk)


@require_POST
@login_required
@permission_required("sla.add_slaassignment", raise_exception=True)
def policy_assign(request: HttpRequest, pk: int):
    policy = selectors.policy_get(user=request.user, policy_id=pk)
    form = _assignment_form(request.user, request.POST)
    if form.is_valid():
        try:
            services.assignment_create(by=request.user, policy=policy, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            target = form.cleaned_data["customer"] or form.cleaned_data["agreement_group"]
            messages.success(
                request,
                _("%(policy)s now applies to %(target)s.")
                % {"policy": policy.name, "target": target},
            )
            return redirect("sla:policy_detail", policy.pk)
    return _policy_page(request, policy, assignment_form=form)


@require_POST
@login_required
@permission_required("sla.delete_slaassignment", raise_exception=True)
def policy_unassign(request: HttpRequest, pk: int, assignment_id: int):
    policy = selectors.policy_get(user=request.user, policy_id=pk)
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    if assignment.policy_id != policy.pk:
        raise Http404(_("The assignment belongs to another policy."))
    target = assignment.customer or assignment.agreement_group
    try:
        services.assignment_delete(assignment=assignment, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(policy)s no longer applies to %(target)s.")
            % {"policy": policy.name, "target": target},
        )
    return redirect("sla:policy_detail", policy.pk)
