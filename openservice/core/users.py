"""Reads of user accounts for other apps (linking a technician or a contact to a login)."""

from django.contrib.auth import get_user_model


def user_by_id(user_id: int):
    return get_user_model().objects.filter(pk=user_id).first()


def user_role_counts() -> dict[str, int]:
    """How many users hold each role (a user with two roles counts in both)."""
    from django.db.models import Count

    from openservice.core.roles import Role

    counts = dict(
        get_user_model()
        .objects.filter(groups__name__in=[role.value for role in Role])
        .values_list("groups__name")
        .annotate(n=Count("pk"))
    )
    return {role.value: counts.get(role.value, 0) for role in Role}


def latest_users(*, limit: int = 8):
    return get_user_model().objects.prefetch_related("groups").order_by("-date_joined")[:limit]


def user_count() -> int:
    return get_user_model().objects.count()


def users_with_roles(*roles):
    """Active users holding any of the roles, by name (pickers such as an agreement's
    responsible person)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[role.value for role in roles])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
