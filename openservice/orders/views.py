"""Service order pages: the list with search and filters, the order with its lines, workflow
buttons, sign-off and history, the forms to create and change orders and lines, and the
printable work description and work receipt. Views parse, call selectors and services, and
render; every action posts, then redirects back to the order with its outcome as a message,
or shows the form again with the refusal on it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from openservice.agreements.selectors import agreement_list
from openservice.catalog.selectors import item_list, task_list
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import Role, has_role, is_staff_member
from openservice.core.sections import sections_for
from openservice.core.selectors import reason_code_list
from openservice.customers.selectors import customer_list, site_list
from openservice.equipment.selectors import object_list
from openservice.orders import display, selectors, services
from openservice.orders.errors import UnknownStage
from openservice.orders.forms import (
    CancelForm,
    LineForm,
    OrderFilterForm,
    OrderForm,
    SignOffForm,
    StageChangeForm,
)
from openservice.orders.models import OrderLine, ServiceOrder, Stage
from openservice.orders.sla_views import sla_panel
from openservice.sla.selectors import policy_list
from openservice.workforce.selectors import technician_list, technician_of_user

ORDERS_PER_PAGE = 50
SIGN_OFF_CATEGORIES = (Stage.Category.IN_PROGRESS, Stage.Category.COMPLETED)


def _sees_all_orders(user) -> bool:
    return user.is_superuser or has_role(user, *selectors.OFFICE_ROLES)


def _refusal(form) -> str:
    """A form's first error, for a message when the form itself is not on the page."""
    for errors in form.errors.values():
        return errors[0]
    return _("The request could not be read.")


@login_required
@permission_required("orders.view_serviceorder", raise_exception=True)
def order_list(request: HttpRequest):
    """Dispatchers and managers see every order; technicians the orders assigned to them and
    customers their own (the selector narrows the list)."""
    sees_all = _sees_all_orders(request.user)
    filters = OrderFilterForm(
        request.GET or None,
        stages=selectors.stage_list(),
        customers=customer_list(user=request.user, is_active=True) if sees_all else None,
        technicians=technician_list(user=request.user, is_active=True) if sees_all else None,
    )
    orders = selectors.order_list(user=request.user, **filters.selector_filters())
    # The list shows the header only: no need for the lines, objects and tasks.
    orders = orders.prefetch_related(None)
    context = {
        "filters": filters,
        "sees_all": sees_all,
        "title": _("My orders")
        if not sees_all and has_role(request.user, Role.TECHNICIAN)
        else _("Orders"),
        **page_of(request, orders, per_page=ORDERS_PER_PAGE),
    }
    template = "orders/_order_rows.html" if request.htmx else "orders/list.html"
    return render(request, template, context)


def _agreements(user, customer_id: int | None):
    """The active agreements an order may be made under (None: the user may not read them)."""
    if not user.has_perm("agreements.view_serviceagreement"):
        return None
    found = agreement_list(user=user, status="active", is_template=False).prefetch_related(None)
    return found.filter(customer_id=customer_id) if customer_id else found


def _order_form(request, *, order: ServiceOrder | None = None, data=None) -> OrderForm:
    user = request.user
    technicians = technician_list(user=user, is_active=True).prefetch_related(None)
    tasks = task_list(user=user, is_active=True).prefetch_related(None)
    policies = (
        policy_list(user=user, is_active=True).prefetch_related(None)
        if user.has_perm("sla.view_slapolicy")
        else None
    )
    if order is not None:
        if policies is not None and order.sla_policy_id:  # keep an inactive policy choosable
            policies = (
                policy_list(user=user)
                .prefetch_related(None)
                .filter(Q(is_active=True) | Q(pk=order.sla_policy_id))
            )
        return OrderForm(
            data,
            policies=policies,
            sites=site_list(user=user, customer_id=order.customer_id, is_active=True),
            technicians=technicians,
            tasks=tasks,
            objects=object_list(user=user, customer_id=order.customer_id),
            agreements=_agreements(user, order.customer_id),
            initial={
                "agreement": order.agreement_id,
                "site": order.site_id,
                "description": order.description,
                "priority": order.priority,
                "service_on": order.service_on,
                "sla_policy": order.sla_policy_id,
                "requested_start": order.requested_start,
                "requested_end": order.requested_end,
                "preferred_technician": order.preferred_technician_id,
                "objects": [obj.pk for obj in order.objects_covered.all()],
                "tasks": [task.pk for task in order.tasks.all()],
                "version": order.version,
            },
        )
    source = data if data is not None else request.GET
    customer_id = source.get("customer")
    sites = site_list(user=user, is_active=True)
    if customer_id and customer_id.isdigit():
        sites = sites.filter(customer_id=int(customer_id))
    return OrderForm(
        data,
        policies=policies,
        customers=customer_list(user=user, is_active=True),
        sites=sites,
        technicians=technicians,
        tasks=tasks,
        agreements=_agreements(
            user, int(customer_id) if customer_id and customer_id.isdigit() else None
        ),
        initial={"customer": customer_id} if customer_id else None,
    )


@login_required
@permission_required("orders.add_serviceorder", raise_exception=True)
def order_create(request: HttpRequest):
    """A new order. Choosing the customer narrows the sites (htmx swaps the site field; without
    JavaScript the sites of every customer are offered and the service checks the pair)."""
    form = _order_form(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Order %s created.") % order.number)
            return redirect("orders:detail", order.pk)
    return render(request, "orders/form.html", {"form": form, "title": _("New order")})


@login_required
@permission_required("orders.change_serviceorder", raise_exception=True)
def order_edit(request: HttpRequest, pk: int):
    """The header, relations included. The version read with the form goes back with it, so
    a change made meanwhile by someone else is refused instead of overwritten."""
    order = selectors.order_get(user=request.user, order_id=pk)
    form = _order_form(request, order=order, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version") or order.version
        try:
            services.order_update(order=order, by=request.user, version=version, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Order %s saved.") % order.number)
            return redirect("orders:detail", order.pk)
    return render(
        request,
        "orders/form.html",
        {"form": form, "order": order, "title": _("Change %s") % order.number},
    )


def _line_form(request, order: ServiceOrder, data=None) -> LineForm:
    me = technician_of_user(request.user)
    objects, tasks = _relations(request.user, order)
    return LineForm(
        data,
        items=item_list(user=request.user, is_active=True),
        technicians=technician_list(user=request.user, is_active=True).prefetch_related(None),
        objects=objects,
        tasks=tasks,
        initial={"kind": OrderLine.Kind.HOUR, "technician": me.pk if me else None},
    )


def _relations(user, order: ServiceOrder):
    """The order's objects (with items and sites) and tasks as whole rows: the order itself
    carries only their ids."""
    object_ids = [obj.pk for obj in order.objects_covered.all()]
    task_ids = [task.pk for task in order.tasks.all()]
    objects = object_list(user=user).filter(pk__in=object_ids)
    tasks = task_list(user=user).prefetch_related(None).filter(pk__in=task_ids)
    return (
        objects if object_ids else objects.none(),
        tasks if task_ids else tasks.none(),
    )


def _detail(request, order: ServiceOrder, *, line_form=None, sign_off_form=None, status=200):
    """The order page; a form that came back with errors replaces its empty twin."""
    user = request.user
    stage = order.stage
    posted = any(line.status == OrderLine.Status.POSTED for line in order.lines.all())
    transitions = services.allowed_transitions(user, order)
    can_cancel = user.has_perm("orders.cancel_serviceorder")
    may_cancel = can_cancel and stage.allows_cancel and not posted
    can_add_lines = user.has_perm("orders.add_orderline") and stage.allows_edit
    can_sign_off = (
        user.has_perm("orders.sign_off_serviceorder")
        and stage.category in SIGN_OFF_CATEGORIES
        and order.posted_at is None
    )
    needs_reason = any(t.to_stage.requires_reason for t in transitions)
    # The first step forward along the workflow is the page's main button.
    forward = next(
        (
            t.to_stage.code
            for t in transitions
            if not t.to_stage.requires_reason and t.to_stage.sort_order > stage.sort_order
        ),
        None,
    )
    stages = {s.code: s for s in selectors.stage_list()}
    related_objects, related_tasks = (list(rows) for rows in _relations(user, order))
    objects = {obj.pk: obj for obj in related_objects}
    tasks = {task.pk: task for task in related_tasks}
    context = {
        "order": order,
        "related_objects": related_objects,
        "related_tasks": related_tasks,
        "lines": [
            (line, objects.get(line.object_id), tasks.get(line.task_id))
            for line in order.lines.all()
        ],
        "totals": display.totals(order),
        "transitions": transitions,
        "forward": forward,
        "stage_reasons": reason_code_list(purpose="stage_change") if needs_reason else (),
        "may_cancel": may_cancel,
        "cancel_reasons": reason_code_list(purpose="cancel") if may_cancel else (),
        "may_revoke": can_cancel
        and stage.category == Stage.Category.CANCELLED
        and order.stage_before_cancel_id is not None,
        "can_post": user.has_perm("orders.post_serviceorder") and stage.allows_posting,
        "can_edit": user.has_perm("orders.change_serviceorder") and stage.allows_edit,
        "can_see_cost": user.has_perm("orders.view_cost"),
        "can_change_lines": user.has_perm("orders.change_orderline") and stage.allows_edit,
        "line_form": line_form or (_line_form(request, order) if can_add_lines else None),
        "sign_off_form": sign_off_form or (SignOffForm() if can_sign_off else None),
        "history": display.history(
            selectors.order_history(order, show_cost=user.has_perm("orders.view_cost")), stages
        )
        if user.has_perm("orders.view_stagechange")
        else None,
        "show_internal": is_staff_member(user),
        "sla": sla_panel(request, order),
        # Panels of higher apps (repairs, …), each loaded from its own URL.
        "sections": sections_for("order", user),
    }
    return render(request, "orders/detail.html", context, status=status)


@login_required
@permission_required("orders.view_serviceorder", raise_exception=True)
def order_detail(request: HttpRequest, pk: int):
    return _detail(request, selectors.order_get(user=request.user, order_id=pk))


def _done(request, order_id: int, action, success: str):
    """Run one action on the order; its refusal becomes an error message on the order page."""
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("orders:detail", order_id)


@require_POST
@login_required
@permission_required("orders.view_serviceorder", raise_exception=True)
def order_change_stage(request: HttpRequest, pk: int):
    """One of the stage buttons; which transitions a role may make is the service's rule."""
    order = selectors.order_get(user=request.user, order_id=pk)
    form = StageChangeForm(request.POST, reasons=reason_code_list(purpose="stage_change"))
    if not form.is_valid():
        messages.error(request, _refusal(form))
        return redirect("orders:detail", order.pk)
    to = selectors.stage_by_code(form.cleaned_data["to"])
    if to is None:
        messages.error(request, UnknownStage(stage=form.cleaned_data["to"]).message)
        return redirect("orders:detail", order.pk)
    return _done(
        request,
        order.pk,
        lambda: services.order_change_stage(
            order=order,
            to=to,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        ),
        _("%(number)s moved to %(stage)s.") % {"number": order.number, "stage": to.name},
    )


@require_POST
@login_required
@permission_required("orders.cancel_serviceorder", raise_exception=True)
def order_cancel(request: HttpRequest, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    form = CancelForm(request.POST, reasons=reason_code_list(purpose="cancel"))
    if not form.is_valid():
        messages.error(request, _refusal(form))
        return redirect("orders:detail", order.pk)
    return _done(
        request,
        order.pk,
        lambda: services.order_cancel(
            order=order,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        ),
        _("Order %s cancelled.") % order.number,
    )


@require_POST
@login_required
@permission_required("orders.cancel_serviceorder", raise_exception=True)
def order_revoke_cancel(request: HttpRequest, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    return _done(
        request,
        order.pk,
        lambda: services.order_revoke_cancel(order=order, by=request.user),
        _("The cancellation of %s was revoked.") % order.number,
    )


@require_POST
@login_required
@permission_required("orders.sign_off_serviceorder", raise_exception=True)
def order_sign_off(request: HttpRequest, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            services.order_sign_off(
                order=order, by=request.user, signer_name=form.cleaned_data["signer_name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Signed off by %(name)s.") % {"name": form.cleaned_data["signer_name"]},
            )
            return redirect("orders:detail", order.pk)
    return _detail(request, order, sign_off_form=form)


@require_POST
@login_required
@permission_required("orders.post_serviceorder", raise_exception=True)
def order_post(request: HttpRequest, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    try:
        _order, posted = services.order_post(order=order, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if posted:
            messages.success(
                request,
                ngettext(
                    "%(count)s line of %(number)s posted.",
                    "%(count)s lines of %(number)s posted.",
                    posted,
                )
                % {"count": posted, "number": order.number},
            )
        else:
            messages.info(request, _("Nothing new to post: every line is already posted."))
    return redirect("orders:detail", order.pk)


@require_POST
@login_required
@permission_required("orders.add_orderline", raise_exception=True)
def order_line_add(request: HttpRequest, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    form = _line_form(request, order, request.POST)
    if form.is_valid():
        try:
            line = services.order_line_add(order=order, by=request.user, **form.line_fields())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Line added: %s.") % line.description)
            return redirect("orders:detail", order.pk)
    return _detail(request, order, line_form=form)


@require_POST
@login_required
@permission_required("orders.change_orderline", raise_exception=True)
def order_line_cancel(request: HttpRequest, pk: int, line_id: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    line = selectors.order_line_get(order, line_id)
    return _done(
        request,
        order.pk,
        lambda: services.order_line_cancel(line=line, by=request.user),
        _("Line cancelled: %s.") % line.description,
    )


def _printable(request, pk: int, template: str):
    order = selectors.order_get(user=request.user, order_id=pk)
    related_objects, related_tasks = _relations(request.user, order)
    return render(
        request,
        template,
        {
            "order": order,
            "related_objects": related_objects,
            "related_tasks": related_tasks,
            "live_lines": [
                line for line in order.lines.all() if line.status != OrderLine.Status.CANCELLED
            ],
            "totals": display.totals(order),
            "show_internal": is_staff_member(request.user),
        },
    )


@login_required
@permission_required("orders.view_serviceorder", raise_exception=True)
def work_description(request: HttpRequest, pk: int):
    """What the technician needs before the visit, on A4."""
    return _printable(request, pk, "orders/work_description.html")


@login_required
@permission_required("orders.view_serviceorder", raise_exception=True)
def work_receipt(request: HttpRequest, pk: int):
    """What was done, for the customer, on A4."""
    return _printable(request, pk, "orders/work_receipt.html")
