"""What each role's home page shows, built from the apps' selectors."""

from django.db.models import Count, Q
from django.utils import timezone

from openservice.billing.selectors import invoice_list, invoices_to_post
from openservice.catalog.selectors import item_list, task_list
from openservice.core.roles import ROLE_LABELS, ROLE_PRECEDENCE
from openservice.core.selectors import recent_audit_events
from openservice.core.users import latest_users, user_count, user_role_counts
from openservice.customers.selectors import (
    contact_list,
    customer_counts,
    customer_list,
    customer_of_user,
    site_list,
)
from openservice.dispatch.models import Appointment
from openservice.dispatch.selectors import appointment_list
from openservice.orders.models import SlaState
from openservice.orders.selectors import (
    orders_by_stage,
    orders_open,
    orders_to_post,
    sla_monitor,
    sla_monitor_counts,
    sla_state_now,
)
from openservice.reports.selectors import sla_compliance
from openservice.returns.selectors import return_list
from openservice.workforce.selectors import team_list, technician_list, technician_of_user

ORDERS_SHOWN = 10
INVOICES_SHOWN = 5
RETURNS_SHOWN = 5


def manager_home(user) -> dict:
    return {
        "counts": {
            "customers": customer_counts(user=user),
            "sites": site_list(user=user, is_active=True).count(),
            "technicians": technician_list(user=user, is_active=True).count(),
            "items": item_list(user=user, is_active=True).count(),
            "tasks": task_list(user=user, is_active=True).count(),
        },
        "latest_customers": customer_list(user=user, order_by="-created")[:5],
        "recent_events": recent_audit_events(),
        "orders_by_stage": orders_by_stage(user=user),
        "orders_to_post": orders_to_post(user=user)[:ORDERS_SHOWN],
        "invoices_to_post": invoices_to_post(user=user).count(),
        "sla_month": _sla_this_month(user),
        "sla_counts": sla_monitor_counts(user=user, now=timezone.now()),
    }


def _sla_this_month(user):
    """SLA compliance of the orders reported this month so far (the report's totals)."""
    today = timezone.localdate()
    return sla_compliance(
        user=user,
        group_by="priority",
        date_from=today.replace(day=1),
        date_to=today,
        now=timezone.now(),
    ).total


def _sla_rows(orders, now) -> list[dict]:
    return [{"order": order, "state": sla_state_now(order, now)} for order in orders]


def dispatcher_home(user) -> dict:
    teams = team_list(user=user, is_active=True).annotate(
        technician_count=Count("technicians", filter=Q(technicians__is_active=True))
    )
    now = timezone.now()
    urgent = sla_monitor(user=user, now=now, state=SlaState.AT_RISK)[:ORDERS_SHOWN]
    return {
        "teams": teams,
        "technicians": technician_list(user=user, is_active=True),
        "site_count": site_list(user=user, is_active=True).count(),
        "sla_counts": sla_monitor_counts(user=user, now=now),
        "sla_at_risk": _sla_rows(urgent, now),
    }


def technician_home(user) -> dict:
    """'My day': today's appointments (each leads to its card on the day page), then the
    technician's open orders for today, the overdue ones and the next ones; the first of them
    is shown expanded."""
    me = technician_of_user(user)
    today = timezone.localdate()
    context = {"me": me, "teammates": [], "today": today, "expanded_pk": None}
    if me is None:
        return context
    context["appointments"] = list(
        appointment_list(user=user, technician_id=me.pk, date_from=today, date_to=today)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("order__customer")
    )
    if me.team_id:
        context["teammates"] = technician_list(
            user=user, team_id=me.team_id, is_active=True
        ).exclude(pk=me.pk)
    mine = orders_open(user=user, technician_id=me.pk)
    context["today_orders"] = list(mine.filter(service_on=today))
    context["overdue_orders"] = list(mine.filter(service_on__lt=today)[:ORDERS_SHOWN])
    context["next_orders"] = list(
        mine.exclude(service_on__lte=today)[:ORDERS_SHOWN]  # later, or not dated yet
    )
    first = next(
        iter(context["today_orders"] + context["overdue_orders"] + context["next_orders"]), None
    )
    context["expanded_pk"] = first.pk if first else None
    return context


def customer_home(user) -> dict:
    customer = customer_of_user(user)
    if customer is None:
        return {"customer": None, "sites": [], "contacts": []}
    return {
        "customer": customer,
        "sites": site_list(user=user, customer_id=customer.pk, is_active=True),
        "contacts": contact_list(user=user, customer_id=customer.pk, is_active=True),
        "open_orders": _sla_rows(
            orders_open(user=user, include_completed=True)[:ORDERS_SHOWN], timezone.now()
        ),
        # Their posted invoices (the selector shows a customer nothing else), latest first.
        "invoice_count": invoice_list(user=user).count(),
        "latest_invoices": invoice_list(user=user)[:INVOICES_SHOWN],
        # Their returns still under way (created or open), latest first.
        "open_returns": list(
            return_list(user=user).filter(status__in=["created", "open"])[:RETURNS_SHOWN]
        ),
        "may_request_return": user.has_perm("returns.add_returnorder"),
    }


def administrator_home(user) -> dict:
    counts = user_role_counts()
    return {
        "role_counts": [(ROLE_LABELS[role], counts[role.value]) for role in ROLE_PRECEDENCE],
        "user_count": user_count(),
        "latest_users": latest_users(),
        "recent_events": recent_audit_events(),
    }
