"""Editing what is not the plan itself: pinning an appointment and its note (planners)."""

from django.db import transaction

from openservice.core.services import audit
from openservice.dispatch.models import Appointment
from openservice.dispatch.services.common import require_planner


@transaction.atomic
def appointment_update(
    *,
    appointment: Appointment,
    by,
    is_pinned: bool | None = None,
    note: str | None = None,
) -> Appointment:
    """Pin or unpin the appointment (the optimiser leaves pinned ones where they are) and change
    its note; None leaves a field as it is. Any status may be edited: a note on a done visit is
    still worth keeping, and pinning a finished one changes nothing for the optimiser. Nothing
    changed writes nothing, audit included."""
    require_planner(by)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    changed = {}
    if is_pinned is not None and is_pinned != appointment.is_pinned:
        changed["is_pinned"] = is_pinned
    if note is not None and note != appointment.note:
        changed["note"] = note
    if not changed:
        return appointment
    for field, value in changed.items():
        setattr(appointment, field, value)
    appointment.save(update_fields=[*changed, "updated_at"])
    audit(by, "appointment.updated", appointment, {"fields": sorted(changed), **_pin(changed)})
    return appointment


def _pin(changed: dict) -> dict:
    """The pin's new value for the audit log (the note's text stays out of it)."""
    return {"is_pinned": changed["is_pinned"]} if "is_pinned" in changed else {}
