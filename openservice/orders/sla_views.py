"""SLA pages of orders: the panel on the order page (its context and the manual clock actions)
and the dispatchers' SLA monitor, refreshed by htmx every minute."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openservice.core.errors import DomainError
from openservice.core.pages import page_of
from openservice.core.selectors import reason_code_list
from openservice.orders import selectors, services
from openservice.orders.forms import SlaActionForm, SlaMonitorFilterForm
from openservice.orders.models import ServiceOrder
from openservice.workforce.selectors import team_list

MONITOR_PER_PAGE = 50
ACTIONS = {
    "stop": (services.order_sla_stop, "sla_stop", _("SLA clock stopped.")),
    "start": (services.order_sla_start, "sla_stop", _("SLA clock restarted.")),
    "cancel": (services.order_sla_cancel, "sla_cancel", _("SLA cancelled.")),
}


def sla_panel(request: HttpRequest, order: ServiceOrder) -> dict | None:
    """The SLA panel's context: due instants in the site's time zone, the progress, the pause
    history and, for those who may, the manual actions."""
    if not order.sla_policy_id:
        return None
    now = timezone.now()
    view = selectors.order_sla(order, now=now)
    can_manage = request.user.has_perm("orders.manage_sla") and view.state is not None
    return {
        "view": view,
        "zone": order.site.timezone,
        "bar": min(view.percent_used or 0, 100),
        "history": selectors.sla_clock_history(order)
        if request.user.has_perm("orders.view_stagechange")
        else None,
        "can_manage": can_manage,
        "stop_reasons": reason_code_list(purpose="sla_stop") if can_manage else (),
        "cancel_reasons": reason_code_list(purpose="sla_cancel") if can_manage else (),
        "manually_stopped": bool(
            view.clock_changes and view.clock_changes[-1].action in ("stop", "cancel")
        ),
    }


@require_POST
@login_required
@permission_required("orders.manage_sla", raise_exception=True)
def order_sla_action(request: HttpRequest, pk: int, action: str):
    if action not in ACTIONS:
        raise Http404(action)
    service, purpose, success = ACTIONS[action]
    order = selectors.order_get(user=request.user, order_id=pk)
    form = SlaActionForm(request.POST, reasons=reason_code_list(purpose=purpose))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
            break
        return redirect("orders:detail", order.pk)
    try:
        service(
            order=order,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(reverse("orders:detail", args=[order.pk]) + "#sla")


def _left(due: datetime | None, now: datetime) -> dict | None:
    """Wall-clock time to a deadline, for "in 2 h 10 min" / "overdue by 35 min"."""
    if due is None:
        return None
    delta = due - now
    overdue = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    return {"overdue": overdue, "hours": minutes // 60, "minutes": minutes % 60}


@login_required
@permission_required("orders.view_slaevent", raise_exception=True)
def sla_monitor(request: HttpRequest):
    """Open orders measured against an SLA, the nearest deadline first: what is at risk or
    breached stands out; the table refreshes itself every minute."""
    now = timezone.now()
    filters = SlaMonitorFilterForm(
        request.GET or None, teams=team_list(user=request.user, is_active=True)
    )
    orders = selectors.sla_monitor(user=request.user, now=now, **filters.selector_filters())
    context = {"filters": filters, "now": now, **page_of(request, orders, MONITOR_PER_PAGE)}
    context["rows"] = [
        {
            "order": order,
            "state": selectors.sla_state_now(order, now),
            "left": _left(order.sla_due_at, now),
            "zone": ZoneInfo(order.site.timezone),
        }
        for order in context["page_obj"]
    ]
    context["counts"] = selectors.sla_monitor_counts(user=request.user, now=now)
    template = "orders/_sla_monitor_rows.html" if request.htmx else "orders/sla_monitor.html"
    return render(request, template, context)
