"""Placing appointments: create, move and cancel (dispatchers and managers)."""

from collections.abc import Collection
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openservice.core.errors import Conflict
from openservice.core.services import audit
from openservice.dispatch.errors import InvalidStatus, NotMovable, OrderClosed, TechnicianInactive
from openservice.dispatch.models import Appointment
from openservice.dispatch.services.common import (
    FINISHED,
    advance_order,
    check,
    lock,
    require_planner,
)
from openservice.orders.models import ServiceOrder, Stage
from openservice.workforce.models import Technician


def _require_open(order: ServiceOrder) -> None:
    if order.stage.category in FINISHED:
        raise OrderClosed(order_id=order.pk, stage=order.stage.code)


def _require_active(technician: Technician) -> None:
    if not technician.is_active:
        raise TechnicianInactive(technician_id=technician.pk)


def _interval(appointment: Appointment) -> dict:
    return {
        "technician_id": appointment.technician_id,
        "starts_at": appointment.starts_at.isoformat(),
        "ends_at": appointment.ends_at.isoformat(),
    }


@transaction.atomic
def appointment_create(
    *,
    order: ServiceOrder,
    technician: Technician,
    starts_at: datetime,
    ends_at: datetime,
    by,
    is_pinned: bool = False,
    status: str = Appointment.Status.CONFIRMED,
    note: str = "",
    travel_minutes: int | None = None,
    now: datetime | None = None,
    moving: Collection[int] = (),
) -> tuple[Appointment, list[dict]]:
    """Book the technician for the order. Hard conflicts refuse it (`dispatch.conflict`, with
    the list); the warnings come back with the appointment. The order's first appointment moves
    a `new` order to `scheduled`. `travel_minutes` defaults to the estimate from the previous
    appointment's site. `moving`: appointments the caller moves in the same transaction
    (accepting a proposal), out of the way; the caller checks the end result."""
    require_planner(by)
    if status not in Appointment.MOVABLE:
        raise InvalidStatus(status=status)
    technicians, order = lock([technician.pk], order)
    technician = technicians[technician.pk]
    _require_active(technician)
    _require_open(order)
    warnings, estimated = check(
        order=order,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_ids=moving,
    )
    first = not order.appointments.filter(status__in=Appointment.ACTIVE).exists()
    appointment = Appointment.objects.create(
        order=order,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        is_pinned=is_pinned,
        note=note,
        travel_minutes=estimated if travel_minutes is None else travel_minutes,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit(by, "appointment.created", appointment, {"order_id": order.pk, **_interval(appointment)})
    if first and order.stage.category == Stage.Category.NEW:
        warnings += advance_order(order, Stage.Category.SCHEDULED, by=by, now=now or timezone.now())
    return appointment, warnings


def _lock_appointment(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    starts_at: datetime,
    ends_at: datetime,
    by,
    technician: Technician | None = None,
    moving: Collection[int] = (),
) -> tuple[Appointment, list[dict]]:
    """Move a tentative or confirmed appointment in time and optionally to another technician;
    the same rules as creating it, with the appointment itself out of the way. The travel
    estimate follows the new previous appointment. `moving`: other appointments the caller
    moves in the same transaction (accepting a proposal), out of the way too; the caller
    checks the end result."""
    require_planner(by)
    # The appointment's technician as stored now (another dispatcher may have reassigned it
    # since the caller read it): locked with the target, then checked once the row is locked.
    current_id = Appointment.objects.values_list("technician_id", flat=True).get(pk=appointment.pk)
    target_id = technician.pk if technician is not None else current_id
    technicians, order = lock({current_id, target_id}, appointment.order)
    appointment = _lock_appointment(appointment)
    if appointment.technician_id != current_id:  # reassigned between the read and the lock
        raise Conflict(appointment_id=appointment.pk)
    technician = technicians[target_id]
    if appointment.status not in Appointment.MOVABLE:
        raise NotMovable(appointment_id=appointment.pk, status=appointment.status)
    _require_active(technician)
    _require_open(order)
    warnings, estimated = check(
        order=order,
        technician=technician,
        starts_at=starts_at,
        ends_at=ends_at,
        exclude_ids={appointment.pk, *moving},
    )
    before = _interval(appointment)
    appointment.technician, appointment.starts_at, appointment.ends_at = (
        technician,
        starts_at,
        ends_at,
    )
    appointment.travel_minutes = estimated
    appointment.save(
        update_fields=["technician", "starts_at", "ends_at", "travel_minutes", "updated_at"]
    )
    audit(by, "appointment.moved", appointment, {"from": before, "to": _interval(appointment)})
    return appointment, warnings


def cancel(appointment: Appointment, *, by, now: datetime, verb: str, data=None) -> None:
    """Cancel an active appointment (the caller holds its lock)."""
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = now
    appointment.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit(by, verb, appointment, data or {})


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, by, now: datetime | None = None) -> Appointment:
    """Cancel an appointment that is not done or cancelled already. The order's stage stays
    where it is: the dispatcher decides whether it needs another visit."""
    require_planner(by)
    appointment = _lock_appointment(appointment)
    if appointment.status not in Appointment.ACTIVE:
        raise InvalidStatus(status=appointment.status, to=Appointment.Status.CANCELLED)
    cancel(appointment, by=by, now=now or timezone.now(), verb="appointment.cancelled")
    return appointment
