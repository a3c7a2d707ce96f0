"""From the database to the optimiser and back: the problem of a date range (open orders as
jobs, technicians' shifts from their calendars, pinned and started appointments as fixed, the
current plan as the starting point) and the snapshot that tells whether a proposal is stale."""

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openservice.calendars.selectors import arithmetic_of, calendar_default
from openservice.core.choices import LineKind
from openservice.dispatch import optimiser
from openservice.dispatch.models import Appointment
from openservice.dispatch.selectors import PLANNABLE, orders_to_plan
from openservice.dispatch.travel import Location, osrm_matrix, straight_line_matrix
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.workforce.models import Technician


def duration_minutes(order: ServiceOrder) -> int:
    """How long a visit to the order takes: its tasks' default durations added up; without
    tasks, the hours of its open hour lines; without those, DISPATCH_DEFAULT_VISIT_MINUTES."""
    tasks = sum(task.default_duration_minutes or 0 for task in order.tasks.all())
    if tasks:
        return tasks
    hours = sum(
        (
            line.quantity
            for line in order.lines.all()
            if line.kind == LineKind.HOUR and line.status == OrderLine.Status.OPEN
        ),
        Decimal(0),
    )
    if hours > 0:
        return math.ceil(hours * 60)
    return settings.DISPATCH_DEFAULT_VISIT_MINUTES


# --- the problem of a date range -------------------------------------------------------------

NO_LOCATION = "no_location"
NO_WINDOW_IN_RANGE = "no_window"
# The optimiser's reasons as stable codes.
REASON_CODES = {
    optimiser.NO_SKILLS: "no_skills",
    optimiser.NO_WINDOW: "no_window",
    optimiser.NO_CAPACITY: "no_capacity",
}
REASON_MESSAGES = {
    NO_LOCATION: _("The site has no coordinates."),
    "no_skills": _("No technician in the plan has the skills the work needs."),
    "no_window": _("No requested time of the order falls in a technician's working time."),
    "no_capacity": _("No technician has time left for it."),
}
STARTED = (Appointment.Status.TRAVELLING, Appointment.Status.ON_SITE)


@dataclass(frozen=True)
class Plan:
    """A problem for the optimiser and what it was built from."""

    problem: optimiser.Problem
    orders: dict[int, ServiceOrder]  # job id (the order's id) -> order
    current: dict[int, Appointment]  # order id -> its movable appointment in the current plan
    left_out: list[dict]  # orders that cannot be jobs: {"order_id", "reason", "message"}
    snapshot: dict


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _location(latitude, longitude) -> Location | None:
    if latitude is None or longitude is None:
        return None
    return Location(float(latitude), float(longitude))


def _site_location(order: ServiceOrder) -> Location | None:
    site = order.site
    return _location(site.latitude, site.longitude) if site is not None else None


def _skill_tokens(levels: dict[int, int], *, held: bool) -> frozenset[int]:
    """Skills with levels as the optimiser's plain tokens: holding a skill at level L holds the
    tokens of levels 1..L; needing it at level m needs the token of m."""
    if held:
        return frozenset(
            skill * 10 + level for skill, top in levels.items() for level in range(1, top + 1)
        )
    return frozenset(skill * 10 + level for skill, level in levels.items())


def _order_skills(order: ServiceOrder) -> dict[int, int]:
    needed: dict[int, int] = {}
    for task in order.tasks.all():
        for need in task.skill_needs.all():
            needed[need.skill_id] = max(needed.get(need.skill_id, 0), need.min_level)
    return needed


def _shifts(calendar, days: list[date], now: datetime) -> tuple[optimiser.Shift, ...]:
    """One shift per working day: from the day's first open minute to its last, each gap
    between open intervals a break taken exactly there; a day under way starts now."""
    shifts = []
    for day in days:
        intervals = sorted(calendar.intervals_on(day))
        if not intervals:
            continue
        start = calendar.local_instant(day, intervals[0][0])
        end = calendar.local_instant(day, intervals[-1][1])
        start = max(start, now)
        if end - start < timedelta(minutes=1):
            continue
        breaks = []
        for (_s, gap_start), (gap_end, _e) in itertools.pairwise(intervals):
            earliest = max(calendar.local_instant(day, gap_start), start)
            latest = min(calendar.local_instant(day, gap_end), end)
            minutes = int((latest - earliest).total_seconds() // 60)
            if minutes > 0:
                breaks.append(
                    optimiser.Break(earliest, earliest + timedelta(minutes=minutes), minutes)
                )
        shifts.append(optimiser.Shift(start, end, tuple(breaks)))
    return tuple(shifts)


def _windows(order: ServiceOrder, start: datetime, end: datetime, days: list[date]):
    """Where the visit may lie in [start, end): the requested window, within the service hours
    of the order's agreement (its calendar's open intervals) when it has one. None: anywhere."""
    low = max(start, order.requested_start) if order.requested_start else start
    high = min(end, order.requested_end) if order.requested_end else end
    agreement = order.agreement
    hours = agreement.calendar if agreement is not None else None
    if hours is None:
        if order.requested_start is None and order.requested_end is None:
            return None
        return ((low, high),) if high > low else ()
    return _windows_within(arithmetic_of(hours), low, high, days)


def _windows_within(calendar, low: datetime, high: datetime, days: list[date]):
    """The calendar's open intervals on the days, cut to [low, high)."""
    windows = []
    for day in days:
        for open_start, open_end in calendar.intervals_on(day):
            a = max(low, calendar.local_instant(day, open_start))
            b = min(high, calendar.local_instant(day, open_end))
            if b > a:
                windows.append((a, b))
    return tuple(windows)


def _length(appointment: Appointment) -> int:
    return math.ceil((appointment.ends_at - appointment.starts_at).total_seconds() / 60)


def _snapshot(orders, appointments, technicians) -> dict:
    """What a proposal depends on: the orders' versions, the technicians' active appointments
    in the period and their calendars (the company default for those without their own).
    Accepting compares it with the present."""
    default = calendar_default() if any(t.calendar_id is None for t in technicians) else None

    def calendar_of(technician) -> list:
        calendar = technician.calendar or default
        return [calendar.pk, calendar.updated_at.isoformat()] if calendar else [None, None]

    return {
        "orders": {str(order.pk): order.version for order in orders},
        "technicians": {
            str(t.pk): {
                "calendar": calendar_of(t),
                "appointments": sorted(
                    [
                        a.pk,
                        a.order_id,
                        a.starts_at.isoformat(),
                        a.ends_at.isoformat(),
                        a.status,
                        a.is_pinned,
                    ]
                    for a in appointments
                    if a.technician_id == t.pk
                ),
            }
            for t in technicians
        },
    }


def technicians_for(technician_ids: list[int] | None):
    rows = Technician.objects.filter(is_active=True).select_related("calendar")
    if technician_ids is not None:
        rows = rows.filter(pk__in=technician_ids)
    return list(rows.prefetch_related("skill_levels").order_by("pk"))


def build(
    *,
    date_from: date,
    date_to: date,
    technician_ids: list[int] | None = None,
    order_ids: list[int] | None = None,
    time_limit_seconds: float,
    now: datetime,
    seed: int = 0,
) -> Plan:
    """The problem of planning [date_from, date_to] (whole local days, from `now` on).

    Technicians: the active ones given (all by default) with a home base. Jobs: the unassigned
    queue (`selectors.orders_to_plan`) and the orders of the technicians' tentative or
    confirmed unpinned appointments in the period — those appointments are the current plan,
    the starting point. Pinned and started appointments are fixed. A site without coordinates
    leaves its order out (with the reason) and a fixed appointment there is taken to be at the
    technician's home."""
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    horizon_start = max(_start_of(date_from), now)
    horizon_end = _start_of(date_to + timedelta(days=1))
    people = [t for t in technicians_for(technician_ids) if t.home_latitude is not None]
    ids = [t.pk for t in people]
    booked = list(
        Appointment.objects.filter(
            technician_id__in=ids,
            status__in=Appointment.ACTIVE,
            ends_at__gt=_start_of(date_from),
            starts_at__lt=horizon_end,
        ).select_related("order__site", "order__stage")
    )
    movable = {
        a.order_id: a
        for a in booked
        if a.status in Appointment.MOVABLE
        and not a.is_pinned
        and a.order.stage.category in PLANNABLE
        and a.starts_at >= horizon_start
        and (order_ids is None or a.order_id in order_ids)
    }
    # An order with more than one active appointment is not re-planned as one job.
    counts = Counter(a.order_id for a in booked)
    movable = {pk: a for pk, a in movable.items() if counts[pk] == 1}
    queue = list(orders_to_plan(date_from=date_from, date_to=date_to, order_ids=order_ids))
    queued = {order.pk for order in queue}
    replanned = list(
        ServiceOrder.objects.filter(pk__in=[pk for pk in movable if pk not in queued])
        .select_related("site", "agreement__calendar", "stage", "customer")
        .order_by("pk")
    )
    prefetch_related_objects(
        queue + replanned, "agreement__calendar", "tasks__skill_needs", "lines"
    )
    # A visit booked despite a skill warning stays where the dispatcher put it: re-planned, the
    # optimiser (for which skills are hard) could only drop it, and accepting would cancel it.
    held = {
        t.pk: _skill_tokens({row.skill_id: row.level for row in t.skill_levels.all()}, held=True)
        for t in people
    }
    unskilled = {
        order.pk
        for order in replanned
        if not _skill_tokens(_order_skills(order), held=False)
        <= held[movable[order.pk].technician_id]
    }
    movable = {pk: a for pk, a in movable.items() if pk not in unskilled}
    orders = queue + [order for order in replanned if order.pk not in unskilled]

    jobs, left_out, by_id = [], [], {}
    for order in orders:
        location = _site_location(order)
        windows = _windows(order, horizon_start, horizon_end, days)
        if location is None or windows == ():
            # Queue work that cannot be planned says why; a booked visit stays where it is.
            if order.pk not in movable:
                left_out.append(
                    reason_of(order.pk, NO_LOCATION if location is None else NO_WINDOW_IN_RANGE)
                )
            continue
        due = order.sla_resolution_due_at if order.sla_resolved_at is None else None
        jobs.append(
            optimiser.Job(
                id=order.pk,
                location=location,
                # A booked visit keeps the length the dispatcher gave it.
                duration_minutes=(
                    _length(movable[order.pk]) if order.pk in movable else duration_minutes(order)
                ),
                windows=windows or (),
                skills=_skill_tokens(_order_skills(order), held=False),
                # A visit already booked weighs as a critical job: a plan moves it rather
                # than drops it, unless nothing else fits.
                priority="critical" if order.pk in movable else order.priority,
                due=due,
            )
        )
        by_id[order.pk] = order
    technicians = [
        optimiser.Technician(
            id=t.pk,
            home=Location(float(t.home_latitude), float(t.home_longitude)),
            skills=_skill_tokens(
                {row.skill_id: row.level for row in t.skill_levels.all()}, held=True
            ),
            shifts=_shifts(arithmetic_of(t.calendar), days, horizon_start),
        )
        for t in people
    ]
    homes = {t.id: t.home for t in technicians}
    fixed = [
        optimiser.Fixed(
            job_id=-a.pk,  # never a job of this problem: the appointment's own id, negated
            technician_id=a.technician_id,
            start=a.starts_at,
            end=a.ends_at,
            location=_site_location(a.order) or homes[a.technician_id],
        )
        for a in booked
        if (a.order_id not in by_id or a.pk != getattr(movable.get(a.order_id), "pk", None))
        # One that ended before the plan starts blocks nothing; where it left the technician
        # is _whereabouts' business.
        and a.ends_at > horizon_start
    ]
    fixed += _whereabouts(ids, fixed, homes, horizon_start)
    current = [
        optimiser.Planned(job_id=pk, technician_id=a.technician_id, start=a.starts_at)
        for pk, a in sorted(movable.items())
        if pk in by_id
    ]
    problem = optimiser.Problem(
        jobs=tuple(jobs),
        technicians=tuple(technicians),
        fixed=tuple(fixed),
        current=tuple(current),
        time_limit_seconds=time_limit_seconds,
        seed=seed,
    )
    return Plan(
        problem=problem,
        orders=by_id,
        current={pk: a for pk, a in movable.items() if pk in by_id},
        left_out=left_out,
        snapshot=_snapshot(orders, booked, people),
    )


def _whereabouts(technician_ids, fixed, homes, now: datetime) -> list:
    """Where the technicians are now, on a day under way: at the site of their last visit
    today that has begun (done, or on site), as a one-minute fixed stay there from now, so the
    re-plan drives them on from it rather than from home. Not for a technician whose fixed
    appointment already covers now (it places them), nor before anyone has started."""
    busy = {f.technician_id for f in fixed if f.start <= now + timedelta(minutes=1) and f.end > now}
    day_start = _start_of(timezone.localtime(now).date())
    latest: dict[int, Appointment] = {}
    for row in (
        Appointment.objects.filter(
            technician_id__in=technician_ids,
            status__in=(Appointment.Status.DONE, *STARTED),
            starts_at__gte=day_start,
            starts_at__lt=now,
        )
        .select_related("order__site")
        .order_by("technician_id", "starts_at", "pk")
    ):
        latest[row.technician_id] = row
    return [
        optimiser.Fixed(
            job_id=-row.pk,
            technician_id=technician_id,
            start=now,
            end=now + timedelta(minutes=1),
            location=_site_location(row.order) or homes[technician_id],
        )
        for technician_id, row in sorted(latest.items())
        if technician_id not in busy
    ]


def reason_of(order_id: int, code: str) -> dict:
    return {"order_id": order_id, "reason": code, "message": str(REASON_MESSAGES[code])}


def travel_function():
    """Seconds between places: an OSRM server's road times when DISPATCH_OSRM_URL is set,
    otherwise the great-circle distance × detour at the configured speed."""
    if settings.DISPATCH_OSRM_URL:
        return partial(osrm_matrix, settings.DISPATCH_OSRM_URL)
    return partial(
        straight_line_matrix,
        detour=settings.DISPATCH_DETOUR_FACTOR,
        speed_kmh=settings.DISPATCH_TRAVEL_SPEED_KMH,
    )
