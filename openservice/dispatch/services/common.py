"""Shared steps of the appointment services: locking, gathering what the rules need, checking
them, the translated messages of findings, and moving the order along its workflow."""

from collections.abc import Collection
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openservice.calendars.selectors import arithmetic_of
from openservice.core.errors import DomainError, PermissionDenied
from openservice.dispatch import conflicts
from openservice.dispatch.errors import AppointmentConflict, EndsBeforeStart
from openservice.dispatch.models import Appointment
from openservice.orders.errors import InvalidTransition
from openservice.orders.models import ServiceOrder, Stage
from openservice.orders.services import order_change_stage
from openservice.orders.services.common import lock_order
from openservice.workforce.models import Technician
from openservice.workforce.services import technicians_lock

PLAN_PERMISSION = "dispatch.add_appointment"
ORDER_STAGE_UNCHANGED = "order_stage_unchanged"
FINISHED = {Stage.Category.COMPLETED, Stage.Category.CLOSED, Stage.Category.CANCELLED}

MESSAGES = {
    conflicts.OVERLAP: _("The technician has another appointment at that time."),
    conflicts.OUTSIDE_WORKING_TIME: _("The appointment is outside the technician's working time."),
    conflicts.OUTSIDE_REQUESTED_WINDOW: _(
        "The appointment is outside the order's requested window."
    ),
    conflicts.MISSING_SKILL: _("The technician lacks a required skill at the required level."),
    conflicts.SLA_DUE: _("The order's SLA resolution falls due before the appointment ends."),
    conflicts.TRAVEL_TIME: _("The travel from the previous appointment does not fit in before it."),
    ORDER_STAGE_UNCHANGED: _("The order's stage did not change: %(reason)s"),
}


def described(findings: list[dict]) -> list[dict]:
    """The findings with their translated message (right after the code)."""
    return [
        {"code": item["code"], "message": str(MESSAGES[item["code"]]), **item} for item in findings
    ]


def require_planner(user) -> None:
    """Dispatchers and managers plan (create, move, cancel); technicians only report status."""
    if not user.has_perm(PLAN_PERMISSION):
        raise PermissionDenied(perm=PLAN_PERMISSION)


def lock(technician_ids, order: ServiceOrder) -> tuple[dict[int, Technician], ServiceOrder]:
    """Lock the technicians' rows, then the order's (always in this order, so two dispatchers
    cannot deadlock); while a technician is locked nobody else can book them."""
    technicians = technicians_lock(technician_ids)
    return technicians, lock_order(order)


def _booking(appointment: Appointment) -> conflicts.Booking:
    site = appointment.order.site
    return conflicts.Booking(
        id=appointment.pk,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        latitude=_float(site.latitude) if site else None,
        longitude=_float(site.longitude) if site else None,
    )


def _float(value) -> float | None:
    return float(value) if value is not None else None


def _required_skills(order: ServiceOrder) -> dict[str, int]:
    required: dict[str, int] = {}
    for task in order.tasks.prefetch_related("skill_needs__skill"):
        for need in task.skill_needs.all():
            required[need.skill.code] = max(required.get(need.skill.code, 0), need.min_level)
    return required


def _held_skills(technician: Technician) -> dict[str, int]:
    return {row.skill.code: row.level for row in technician.skill_levels.select_related("skill")}


def check(
    *,
    order: ServiceOrder,
    technician: Technician,
    starts_at: datetime,
    ends_at: datetime,
    exclude_ids: Collection[int] = (),
) -> tuple[list[dict], int]:
    """Refuse the placement on any hard conflict (nothing is written: the caller has not written
    yet); return its warnings and the estimated travel minutes from the previous appointment.
    `exclude_ids`: appointments out of the way (the one being moved, and those a proposal
    being accepted moves too)."""
    if ends_at <= starts_at:
        raise EndsBeforeStart()
    others = [
        _booking(row)
        for row in Appointment.objects.filter(
            technician_id=technician.pk, status__in=Appointment.ACTIVE
        )
        .exclude(pk__in=list(exclude_ids))
        .select_related("order__site")
    ]
    found = conflicts.hard_conflicts(
        starts_at=starts_at,
        ends_at=ends_at,
        others=others,
        calendar=arithmetic_of(technician.calendar),
        requested_start=order.requested_start,
        requested_end=order.requested_end,
    )
    if found:
        raise AppointmentConflict(conflicts=described(found))
    site = order.site
    location = (
        (float(site.latitude), float(site.longitude))
        if site is not None and site.latitude is not None
        else None
    )
    previous = conflicts.previous_booking(starts_at, others)
    speed = float(getattr(settings, "DISPATCH_TRAVEL_SPEED_KMH", conflicts.DEFAULT_SPEED_KMH))
    detour = float(getattr(settings, "DISPATCH_DETOUR_FACTOR", conflicts.DEFAULT_DETOUR_FACTOR))
    sla_due = order.sla_resolution_due_at if order.sla_resolved_at is None else None
    warned = conflicts.warnings(
        starts_at=starts_at,
        ends_at=ends_at,
        required_skills=_required_skills(order),
        held_skills=_held_skills(technician),
        sla_due_at=sla_due,
        previous=previous,
        location=location,
        speed_kmh=speed,
        detour_factor=detour,
    )
    travel = 0
    if location is not None and previous is not None and previous.latitude is not None:
        travel = conflicts.travel_minutes(
            (previous.latitude, previous.longitude), location, speed_kmh=speed, detour_factor=detour
        )
    return described(warned), travel


def advance_order(order: ServiceOrder, category: str, *, by, now: datetime) -> list[dict]:
    """Move the order to the first stage of `category` its workflow leads to from where it is,
    as `by`. A refusal of the workflow (no such transition, the user's role, a reason the stage
    requires) does not undo the appointment's change: it comes back as a warning naming why."""
    transition = (
        order.stage.transitions_out.select_related("to_stage")
        .filter(to_stage__category=category)
        .order_by("to_stage__sort_order", "to_stage__pk")
        .first()
    )
    if transition is None:
        refusal = InvalidTransition(from_stage=order.stage.code, to_category=category)
        return [_unchanged(category, refusal.code, refusal.message)]
    try:
        order_change_stage(order=order, to=transition.to_stage, by=by, now=now)
    except DomainError as exc:
        return [_unchanged(category, exc.code, exc.message)]
    return []


def _unchanged(category: str, reason_code: str, reason: str) -> dict:
    return {
        "code": ORDER_STAGE_UNCHANGED,
        "message": str(MESSAGES[ORDER_STAGE_UNCHANGED] % {"reason": reason}),
        "to_category": category,
        "reason": reason_code,
    }


def has_other_active(appointment: Appointment) -> bool:
    return (
        Appointment.objects.filter(order_id=appointment.order_id, status__in=Appointment.ACTIVE)
        .exclude(pk=appointment.pk)
        .exists()
    )
