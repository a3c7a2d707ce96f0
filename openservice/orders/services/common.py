"""Shared steps of the order services: locking with the version check, and the stage rules."""

from django.db.models import F

from openservice.orders.errors import StageReadOnly, StaleVersion
from openservice.orders.models import ServiceOrder


def lock_order(order: ServiceOrder, *, version: int | None = None) -> ServiceOrder:
    """The order's row, locked for the rest of the transaction. With `version`, a caller that
    read an older version is refused: its change would overwrite someone else's."""
    # No joins in the locking query: after waiting for a concurrent writer, PostgreSQL rechecks
    # joined rows as they were, so an order whose stage that writer changed would vanish from
    # the result (DoesNotExist). The stage and customer load after the lock, fresh.
    locked = ServiceOrder.objects.select_for_update().get(pk=order.pk)
    if version is not None and locked.version != version:
        raise StaleVersion(expected=version, current=locked.version)
    return locked


def bump_version(order: ServiceOrder, *fields: str) -> None:
    """Save the named fields and increment the version in the same UPDATE."""
    order.version = F("version") + 1
    order.save(update_fields=[*fields, "version", "updated_at"])
    order.refresh_from_db(fields=["version"])


def require_editable(order: ServiceOrder) -> None:
    if not order.stage.allows_edit:
        raise StageReadOnly(stage=order.stage.code)
