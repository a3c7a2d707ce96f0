"""Plan proposals: the optimiser's plan for a period, stored without changing anything, then
accepted (booked as appointments, unless anything it was made from changed) or discarded."""

import time as clock
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openservice.core.errors import PermissionDenied
from openservice.core.services import audit
from openservice.dispatch import conflicts, optimiser, planning
from openservice.dispatch.errors import (
    AppointmentConflict,
    EmptyRange,
    NoTechnicians,
    ProposalClosed,
    ProposalStale,
    RangeTooLong,
    TimeLimitTooLong,
    TravelUnavailable,
)
from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.services.appointments import (
    appointment_create,
    appointment_move,
    cancel,
)
from openservice.dispatch.services.common import described
from openservice.dispatch.travel import TravelError
from openservice.orders.models import ServiceOrder
from openservice.workforce.models import Technician
from openservice.workforce.services import technicians_lock

PROPOSE_PERMISSION = "dispatch.add_proposal"
DECIDE_PERMISSION = "dispatch.change_proposal"
MAX_DAYS = 14
DEFAULT_TIME_LIMIT_SECONDS = 10

CHANGES = {
    "order_changed": _("The order changed after the plan was proposed."),
    "order_gone": _("The order is no longer waiting for a visit."),
    "schedule_changed": _("The technician's appointments changed after the plan was proposed."),
    "calendar_changed": _("The technician's working calendar changed."),
    "technician_inactive": _("The technician is no longer active."),
    "starts_in_past": _("The plan would book this visit in the past: propose again."),
}


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(perm=perm)


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _result(plan: planning.Plan, proposal: optimiser.Proposal) -> dict:
    assignments = [
        {
            "order_id": a.job_id,
            "technician_id": a.technician_id,
            "starts_at": _iso(a.start),
            "ends_at": _iso(a.end),
            "travel_minutes": a.travel_minutes,
            "appointment_id": plan.current[a.job_id].pk if a.job_id in plan.current else None,
        }
        for a in proposal.assignments
    ]
    unassigned = [
        {
            **planning.reason_of(u.job_id, planning.REASON_CODES.get(u.reason, "no_capacity")),
            "appointment_id": plan.current[u.job_id].pk if u.job_id in plan.current else None,
        }
        for u in proposal.unassigned
    ]
    unassigned += [{**row, "appointment_id": None} for row in plan.left_out]
    unassigned.sort(key=lambda row: row["order_id"])
    breaks = [
        {"technician_id": b.technician_id, "starts_at": _iso(b.start), "ends_at": _iso(b.end)}
        for b in proposal.breaks
    ]
    return {"assignments": assignments, "unassigned": unassigned, "breaks": breaks}


def _validate(date_from: date, date_to: date, time_limit_seconds: int) -> None:
    if date_to < date_from:
        raise EmptyRange()
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise RangeTooLong(MAX_DAYS)
    if time_limit_seconds > settings.DISPATCH_OPTIMISER_MAX_SECONDS:
        raise TimeLimitTooLong(settings.DISPATCH_OPTIMISER_MAX_SECONDS)


def proposal_create(
    *,
    by,
    date_from: date,
    date_to: date,
    technician_ids: list[int] | None = None,
    order_ids: list[int] | None = None,
    time_limit_seconds: int | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Run the optimiser over [date_from, date_to] (whole local days, from now on) and store
    its plan as an open proposal; nothing else changes. The plan keeps pinned and started
    appointments where they are and starts from the other appointments of the period."""
    _require(by, PROPOSE_PERMISSION)
    limit = DEFAULT_TIME_LIMIT_SECONDS if time_limit_seconds is None else time_limit_seconds
    _validate(date_from, date_to, limit)
    now = now or timezone.now()
    plan = planning.build(
        date_from=date_from,
        date_to=date_to,
        technician_ids=technician_ids,
        order_ids=order_ids,
        time_limit_seconds=limit,
        now=now.replace(second=0, microsecond=0) + timedelta(minutes=1),
    )
    if not plan.problem.technicians:
        raise NoTechnicians()
    started = clock.monotonic()
    try:
        result = optimiser.propose(plan.problem, travel=planning.travel_function())
    except TravelError as exc:
        raise TravelUnavailable(
            TravelUnavailable.default_message % {"reason": exc}, reason=str(exc)
        ) from exc
    seconds = clock.monotonic() - started
    proposal = Proposal.objects.create(
        date_from=date_from,
        date_to=date_to,
        time_limit_seconds=limit,
        seconds=Decimal(f"{seconds:.2f}"),
        result=_result(plan, result),
        snapshot={
            **plan.snapshot,
            "technician_ids": technician_ids,
            "order_ids": order_ids,
        },
        travel_minutes=result.travel_minutes,
        late_minutes=result.late_minutes,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    audit(
        by,
        "proposal.created",
        proposal,
        {
            "assigned": len(proposal.result["assignments"]),
            "unassigned": len(proposal.result["unassigned"]),
            "seconds": float(proposal.seconds),
        },
    )
    return proposal


def _changes(proposal: Proposal, now: datetime) -> list[dict]:
    """What differs between the proposal's snapshot and the present (technicians locked)."""
    then = proposal.snapshot
    present = planning.build(
        date_from=proposal.date_from,
        date_to=proposal.date_to,
        technician_ids=[int(pk) for pk in then["technicians"]],
        order_ids=None,
        time_limit_seconds=1,
        now=now,
    ).snapshot
    found = []
    planned = {a["order_id"] for a in proposal.result["assignments"]}
    versions = dict(
        ServiceOrder.objects.filter(pk__in=[int(pk) for pk in then["orders"]]).values_list(
            "pk", "version"
        )
    )
    for pk, version in sorted(then["orders"].items(), key=lambda item: int(item[0])):
        order_id = int(pk)
        if versions.get(order_id) != version:
            found.append(_change("order_changed", order_id=order_id))
        elif order_id in planned and pk not in present["orders"]:
            found.append(_change("order_gone", order_id=order_id))
    active = set(
        Technician.objects.filter(pk__in=[int(pk) for pk in then["technicians"]], is_active=True)
        .exclude(home_latitude=None)
        .values_list("pk", flat=True)
    )
    touched = {a["appointment_id"] for a in proposal.result["assignments"]}
    touched |= {u["appointment_id"] for u in proposal.result["unassigned"]}
    for pk, state in sorted(then["technicians"].items(), key=lambda item: int(item[0])):
        technician_id = int(pk)
        now_state = present["technicians"].get(pk)
        if technician_id not in active or now_state is None:
            found.append(_change("technician_inactive", technician_id=technician_id))
        elif now_state["calendar"] != state["calendar"]:
            found.append(_change("calendar_changed", technician_id=technician_id))
        elif _schedule_changed(state["appointments"], now_state["appointments"], touched):
            found.append(_change("schedule_changed", technician_id=technician_id))
    found += [
        _change("starts_in_past", order_id=a["order_id"])
        for a in proposal.result["assignments"]
        if datetime.fromisoformat(a["starts_at"]) < now
    ]
    return found


def _schedule_changed(then: list, now: list, touched: set) -> bool:
    """Whether a technician's appointments changed in a way the plan depends on: one was
    booked, one the plan works around moved (its status and pin may change: it stays put
    either way; one cancelled or done only frees time), or one the plan moves or cancels
    changed at all. A row is [id, order, start, end, status, pinned]."""
    before = {row[0]: row for row in then}
    after = {row[0]: row for row in now}
    if set(after) - set(before):
        return True
    for pk, row in before.items():
        if pk in touched:
            if after.get(pk) != row:
                return True
        elif pk in after and after[pk][:4] != row[:4]:
            return True
    return False


def _change(code: str, **ident) -> dict:
    return {"code": code, "message": str(CHANGES[code]), **ident}


@transaction.atomic
def proposal_accept(
    *, proposal: Proposal, by, now: datetime | None = None
) -> list[tuple[Appointment, list[dict]]]:
    """Book the proposal: a new appointment (confirmed) for each assignment of a waiting order,
    the current plan's appointments moved where the plan puts them, and those the plan leaves
    out cancelled. Refused, with nothing changed, when anything the plan was made from changed
    since (`dispatch.proposal_stale`, the changes listed) or when it is no longer open."""
    _require(by, DECIDE_PERMISSION)
    now = now or timezone.now()
    technician_ids = sorted(int(pk) for pk in proposal.snapshot.get("technicians", {}))
    technicians = technicians_lock(technician_ids)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.OPEN:
        raise ProposalClosed(proposal_id=proposal.pk, status=proposal.status)
    changes = _changes(proposal, now)
    if changes:
        raise ProposalStale(changes)
    assignments = proposal.result["assignments"]
    moving = {a["appointment_id"] for a in assignments if a["appointment_id"]}
    dropped = [u["appointment_id"] for u in proposal.result["unassigned"] if u["appointment_id"]]
    dropping = list(Appointment.objects.select_for_update().filter(pk__in=dropped).order_by("pk"))
    started = [a for a in dropping if a.status not in Appointment.MOVABLE]
    if started:  # reported on (or cancelled) after the snapshot was compared
        raise ProposalStale(
            [_change("schedule_changed", technician_id=a.technician_id) for a in started]
        )
    for appointment in dropping:
        cancel(
            appointment,
            by=by,
            now=now,
            verb="appointment.unplanned",
            data={"proposal_id": proposal.pk},
        )
    orders = ServiceOrder.objects.in_bulk([a["order_id"] for a in assignments])
    booked = []
    for row in assignments:
        starts_at = datetime.fromisoformat(row["starts_at"])
        ends_at = datetime.fromisoformat(row["ends_at"])
        technician = technicians[row["technician_id"]]
        if row["appointment_id"]:
            appointment, warnings = appointment_move(
                appointment=Appointment.objects.get(pk=row["appointment_id"]),
                starts_at=starts_at,
                ends_at=ends_at,
                technician=technician,
                by=by,
                moving=moving - {row["appointment_id"]},
            )
        else:
            appointment, warnings = appointment_create(
                order=orders[row["order_id"]],
                technician=technician,
                starts_at=starts_at,
                ends_at=ends_at,
                by=by,
                travel_minutes=row["travel_minutes"],
                now=now,
                moving=moving,
            )
        booked.append((appointment, warnings))
    _check_end_result(technician_ids)
    proposal.status = Proposal.Status.ACCEPTED
    proposal.decided_by = by if getattr(by, "is_authenticated", False) else None
    proposal.decided_at = now
    proposal.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit(by, "proposal.accepted", proposal, {"appointments": [a.pk for a, _w in booked]})
    return booked


def _check_end_result(technician_ids: list[int]) -> None:
    """No two active appointments of a technician overlap once every move is made (each move
    was checked with the others out of the way)."""
    rows = Appointment.objects.filter(
        technician_id__in=technician_ids, status__in=Appointment.ACTIVE
    ).order_by("technician_id", "starts_at", "pk")
    previous = None
    for row in rows:
        if (
            previous is not None
            and previous.technician_id == row.technician_id
            and conflicts.overlaps(previous.starts_at, previous.ends_at, row.starts_at, row.ends_at)
        ):
            raise AppointmentConflict(
                described([{"code": conflicts.OVERLAP, "appointment_ids": [previous.pk, row.pk]}])
            )
        if (
            previous is None
            or previous.technician_id != row.technician_id
            or row.ends_at > previous.ends_at
        ):
            previous = row


@transaction.atomic
def proposal_discard(*, proposal: Proposal, by, now: datetime | None = None) -> Proposal:
    """Set the proposal aside; nothing else changes."""
    _require(by, DECIDE_PERMISSION)
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != Proposal.Status.OPEN:
        raise ProposalClosed(proposal_id=proposal.pk, status=proposal.status)
    proposal.status = Proposal.Status.DISCARDED
    proposal.decided_by = by if getattr(by, "is_authenticated", False) else None
    proposal.decided_at = now or timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit(by, "proposal.discarded", proposal, {})
    return proposal
