"""Reporting progress: an appointment's status moves forward, and moves its order's stage."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openservice.core.errors import NotFound, PermissionDenied
from openservice.core.services import audit
from openservice.dispatch.errors import InvalidStatus
from openservice.dispatch.models import Appointment
from openservice.dispatch.services.common import (
    PLAN_PERMISSION,
    advance_order,
    has_other_active,
)
from openservice.orders.models import Stage
from openservice.orders.services.common import lock_order

Status = Appointment.Status

# The forward path; a technician may arrive without having reported leaving.
NEXT = {
    Status.TENTATIVE: {Status.CONFIRMED},
    Status.CONFIRMED: {Status.TRAVELLING, Status.ON_SITE},
    Status.TRAVELLING: {Status.ON_SITE},
    Status.ON_SITE: {Status.DONE},
}
CHANGE_PERMISSION = "dispatch.change_appointment"


def _require_may_report(user, appointment: Appointment) -> None:
    """Planners report on any appointment; technicians only on their own, and someone else's
    is not even there for them (as in the appointment list)."""
    if not user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied(perm=CHANGE_PERMISSION)
    if user.has_perm(PLAN_PERMISSION):
        return
    if appointment.technician.user_id != user.pk:
        raise NotFound(appointment_id=appointment.pk)


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, to: str, by, now: datetime | None = None
) -> tuple[Appointment, list[dict]]:
    """Move the appointment forward. On site moves the order to `in_progress`; done moves it
    to `completed` when no other open appointment of the order remains. The appointment's
    change stands even where the workflow refuses the order's: the warnings say why."""
    _require_may_report(by, appointment)
    now = now or timezone.now()
    order = lock_order(appointment.order)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if to not in NEXT.get(appointment.status, set()):
        raise InvalidStatus(status=appointment.status, to=to)
    before = appointment.status
    appointment.status = to
    appointment.save(update_fields=["status", "updated_at"])
    audit(by, "appointment.status_changed", appointment, {"from": before, "to": to})
    warnings: list[dict] = []
    category = order.stage.category
    if to == Status.ON_SITE and category != Stage.Category.IN_PROGRESS:
        warnings = advance_order(order, Stage.Category.IN_PROGRESS, by=by, now=now)
    elif (
        to == Status.DONE
        and category not in {Stage.Category.COMPLETED, Stage.Category.CLOSED}
        and not has_other_active(appointment)
    ):
        warnings = advance_order(order, Stage.Category.COMPLETED, by=by, now=now)
    return appointment, warnings
