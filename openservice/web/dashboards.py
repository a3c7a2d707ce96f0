"""What each role's home page shows, built from the apps' selectors."""

from django.db.models import Count, Q

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
from openservice.workforce.selectors import team_list, technician_list, technician_of_user


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
    }


def dispatcher_home(user) -> dict:
    teams = team_list(user=user, is_active=True).annotate(
        technician_count=Count("technicians", filter=Q(technicians__is_active=True))
    )
    return {
        "teams": teams,
        "technicians": technician_list(user=user, is_active=True),
        "site_count": site_list(user=user, is_active=True).count(),
    }


def technician_home(user) -> dict:
    me = technician_of_user(user)
    teammates = []
    if me is not None and me.team_id:
        teammates = technician_list(user=user, team_id=me.team_id, is_active=True).exclude(pk=me.pk)
    return {"me": me, "teammates": teammates}


def customer_home(user) -> dict:
    customer = customer_of_user(user)
    if customer is None:
        return {"customer": None, "sites": [], "contacts": []}
    return {
        "customer": customer,
        "sites": site_list(user=user, customer_id=customer.pk, is_active=True),
        "contacts": contact_list(user=user, customer_id=customer.pk, is_active=True),
    }


def administrator_home(user) -> dict:
    counts = user_role_counts()
    return {
        "role_counts": [(ROLE_LABELS[role], counts[role.value]) for role in ROLE_PRECEDENCE],
        "user_count": user_count(),
        "latest_users": latest_users(),
        "recent_events": recent_audit_events(),
    }
