"""The dispatch board's read model: technicians as rows over a day or a week, their working
time, appointments and a plan proposal placed by time, the utilisation and travel summary of
each row, and the unassigned queue. A selector module: it reads and computes, never writes.

Placement: a row is a strip of the shown days side by side, each day from `first_minute` to
`last_minute` of local wall-clock time (06:00-20:00, widened to whole hours when an appointment
or a proposed visit of the shown days falls outside). A card's `left` and `width` are percentages
of the whole strip, so the page places it with CSS alone; a card belongs to the day it starts
and is clipped to that day's hours. Times are in the current (company) time zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from openservice.calendars.selectors import arithmetic_of
from openservice.core.errors import NotFound
from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.planning import duration_minutes
from openservice.dispatch.selectors import appointment_list, orders_to_plan
from openservice.orders.models import ServiceOrder
from openservice.orders.selectors import order_list
from openservice.workforce.models import Technician
from openservice.workforce.selectors import technician_list

DAY, WEEK = "day", "week"
DAY_START = 6 * 60  # minutes from local midnight
DAY_END = 20 * 60
SNAP_MINUTES = 15
# A visit is "at risk" when the order's SLA resolution falls due less than this after the visit
# ends (no room for an overrun or a second visit), and "late" when it falls due before the end.
SLA_RISK_MARGIN = timedelta(hours=2)
LATE, AT_RISK = "late", "at_risk"
MOVES, DROPS = "moves", "drops"
# The queue panel lists this many orders; the count above it says how many there are in all.
QUEUE_LIMIT = 100
# Appointments that take the technician's time: the active ones and those done.
BOOKED = (*Appointment.ACTIVE, Appointment.Status.DONE)


@dataclass(frozen=True)
class Period:
    """The days the board covers: one day, or the Monday-Sunday week of `anchor`."""

    view: str
    anchor: date

    @property
    def days(self) -> tuple[date, ...]:
        if self.view == WEEK:
            monday = self.anchor - timedelta(days=self.anchor.weekday())
            return tuple(monday + timedelta(days=n) for n in range(7))
        return (self.anchor,)

    @property
    def date_from(self) -> date:
        return self.days[0]

    @property
    def date_to(self) -> date:
        return self.days[-1]

    @property
    def previous(self) -> date:
        return self.anchor - timedelta(days=7 if self.view == WEEK else 1)

    @property
    def following(self) -> date:
        return self.anchor + timedelta(days=7 if self.view == WEEK else 1)


@dataclass(frozen=True)
class Place:
    """Where a card sits on its row, in percent of the row's width."""

    left: float
    width: float


@dataclass(frozen=True)
class Timeline:
    """The shown days side by side, each from `first_minute` to `last_minute` local time."""

    days: tuple[date, ...]
    tz: tzinfo
    first_minute: int = DAY_START
    last_minute: int = DAY_END

    @property
    def span(self) -> int:
        return self.last_minute - self.first_minute

    @property
    def hours(self) -> int:
        return self.span // 60 * len(self.days)

    @property
    def key(self) -> str:
        """What the page's layout depends on: a change means the whole board is redrawn."""
        days = ",".join(day.isoformat() for day in self.days)
        return f"{days}|{self.first_minute}-{self.last_minute}"

    def midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min).replace(tzinfo=self.tz)

    def local_minutes(self, instant: datetime, day: date) -> float:
        """Wall-clock minutes of `instant` from local midnight of `day` (past 1440 the next
        day; negative the day before)."""
        local = instant.astimezone(self.tz)
        minutes = local.hour * 60 + local.minute + local.second / 60
        return (local.date() - day).days * 1440 + minutes

    def place(self, starts_at: datetime, ends_at: datetime) -> Place | None:
        """The interval on the day it starts, clipped to the shown hours; None when that day
        is not shown or nothing of the interval falls in its hours."""
        day = starts_at.astimezone(self.tz).date()
        if day not in self.days:
            return None
        start = max(self.local_minutes(starts_at, day), self.first_minute)
        end = min(self.local_minutes(ends_at, day), self.last_minute)
        if end <= start:
            return None
        total = self.span * len(self.days)
        offset = self.days.index(day) * self.span + start - self.first_minute
        return Place(left=100 * offset / total, width=100 * (end - start) / total)

    def at(self, instant: datetime) -> float | None:
        """The position of an instant (percent), or None outside the shown hours."""
        day = instant.astimezone(self.tz).date()
        if day not in self.days:
            return None
        minutes = self.local_minutes(instant, day)
        if not self.first_minute <= minutes <= self.last_minute:
            return None
        offset = self.days.index(day) * self.span + minutes - self.first_minute
        return 100 * offset / (self.span * len(self.days))


@dataclass(frozen=True)
class DayHead:
    day: date
    place: Place
    hours: tuple[tuple[str, float], ...]  # (label, left percent within the day)


@dataclass
class Card:
    appointment: Appointment
    place: Place
    sla: str | None
    plan: str | None = None  # MOVES or DROPS when the open proposal would move or cancel it

    @property
    def order(self) -> ServiceOrder:
        return self.appointment.order

    @property
    def minutes(self) -> int:
        return _minutes(self.appointment.starts_at, self.appointment.ends_at)

    @property
    def is_movable(self) -> bool:
        return self.appointment.status in Appointment.MOVABLE


@dataclass
class Ghost:
    """A visit the open proposal plans (new, or an appointment it moves)."""

    order: ServiceOrder | None
    order_id: int
    starts_at: datetime
    ends_at: datetime
    travel_minutes: int
    appointment_id: int | None
    place: Place
    sla: str | None

    @property
    def minutes(self) -> int:
        return _minutes(self.starts_at, self.ends_at)


@dataclass
class Refusal:
    """A refused drop or form, shown in the row it was aimed at."""

    messages: list[str]
    left: float | None = None


@dataclass
class Row:
    technician: Technician
    work: list[Place] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    ghosts: list[Ghost] = field(default_factory=list)
    breaks: list[Place] = field(default_factory=list)
    working_minutes: int = 0
    booked_minutes: int = 0
    visits: int = 0
    travel_minutes: int = 0
    first_start: datetime | None = None
    last_end: datetime | None = None
    refusal: Refusal | None = None

    @property
    def utilisation(self) -> int | None:
        """Booked minutes as a percentage of working minutes (None without working time)."""
        if not self.working_minutes:
            return None
        return round(100 * self.booked_minutes / self.working_minutes)

    def orders(self):
        """(order id, order) of the row's cards and ghost cards."""
        yield from ((card.order.pk, card.order) for card in self.cards)
        yield from ((ghost.order_id, ghost.order) for ghost in self.ghosts if ghost.order)


@dataclass
class QueueItem:
    order: ServiceOrder
    minutes: int
    skills: list[str]


@dataclass
class ProposalView:
    proposal: Proposal
    assigned: int
    moves: int
    drops: int  # appointments accepting it would cancel (the plan leaves their orders out)
    unassigned: list[tuple[ServiceOrder | None, int, str]]  # (order, order id, why)
    off_board: int  # assignments on technicians or days the board does not show


@dataclass
class Board:
    period: Period
    timeline: Timeline
    rows: list[Row]
    queue: list[QueueItem]
    queue_count: int
    day_heads: list[DayHead]
    proposal: ProposalView | None = None
    now_left: float | None = None

    def rows_of(self, technician_ids) -> list[Row]:
        wanted = set(technician_ids)
        return [row for row in self.rows if row.technician.pk in wanted]

    def row_of(self, technician_id: int) -> Row | None:
        return next((row for row in self.rows if row.technician.pk == technician_id), None)


def _minutes(starts_at: datetime, ends_at: datetime) -> int:
    # In UTC: two instants of one zoneinfo subtract as wall clocks (an hour off on DST days).
    return round((ends_at.astimezone(UTC) - starts_at.astimezone(UTC)).total_seconds() / 60)


def sla_mark(order: ServiceOrder, ends_at: datetime) -> str | None:
    """`late` when the order's open SLA resolution falls due before the visit ends, `at_risk`
    when it falls due within SLA_RISK_MARGIN after the end, else None."""
    due = order.sla_resolution_due_at
    if due is None or order.sla_resolved_at is not None:
        return None
    if due < ends_at:
        return LATE
    if due < ends_at + SLA_RISK_MARGIN:
        return AT_RISK
    return None


def board_technicians(*, user, team_id: int | None = None, skill_id: int | None = None):
    """The rows: active technicians, narrowed to a team and to holders of a skill."""
    technicians = technician_list(user=user, is_active=True, team_id=team_id, skill_id=skill_id)
    # The calendars' exceptions come along: each calendar's arithmetic is built from them.
    return technicians.select_related("calendar").prefetch_related(
        "calendar__closed_days", "calendar__open_days"
    )


def queue_orders(*, period: Period, skill_id: int | None = None):
    """The unassigned queue of the period (orders_to_plan's order), narrowed to the orders a
    task of which needs the skill."""
    orders = orders_to_plan(date_from=period.date_from, date_to=period.date_to)
    if skill_id is not None:
        orders = orders.filter(tasks__skill_needs__skill_id=skill_id).distinct()
    return orders.prefetch_related("tasks__skill_needs__skill", "lines")


def visit_order(*, user, order_id: int) -> ServiceOrder:
    """An order to place, with what the length of its visit is worked out from."""
    order = (
        order_list(user=user)
        .prefetch_related(None)
        .prefetch_related("tasks", "lines")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound(order_id=order_id)
    return order


def _queue(period: Period, skill_id: int | None) -> tuple[list[QueueItem], int]:
    orders = queue_orders(period=period, skill_id=skill_id)
    count = orders.count()
    items = []
    for order in orders[:QUEUE_LIMIT]:
        skills = sorted(
            {need.skill.code for task in order.tasks.all() for need in task.skill_needs.all()}
        )
        items.append(QueueItem(order=order, minutes=duration_minutes(order), skills=skills))
    return items, count


def _working_intervals(calendar, timeline_days, tz) -> list[tuple[datetime, datetime]]:
    """The calendar's working intervals touching the days, as instants (a calendar in another
    time zone, or a night shift, reaches from the neighbouring local dates)."""
    dates = sorted({day + timedelta(days=n) for day in timeline_days for n in (-1, 0, 1)})
    intervals = [
        (calendar.local_instant(day, start), calendar.local_instant(day, end))
        for day in dates
        for start, end in calendar.intervals_on(day)
    ]
    return sorted(intervals)


def _clip(intervals, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    clipped = [(max(a, start), min(b, end)) for a, b in intervals]
    return [(a, b) for a, b in clipped if b > a]


def _timed(items: list[dict]) -> list[dict]:
    """Proposal items with their ISO instants parsed."""
    return [
        {
            **item,
            "starts_at": parse_datetime(item["starts_at"]),
            "ends_at": parse_datetime(item["ends_at"]),
        }
        for item in items
    ]


def _proposal_items(proposal: Proposal) -> tuple[list[dict], list[dict], list[dict]]:
    result = proposal.result or {}
    return (
        _timed(result.get("assignments", [])),
        result.get("unassigned", []),
        _timed(result.get("breaks", [])),
    )


def _shown_days(period: Period, tz, rows_intervals, appointments, assignments) -> tuple[date, ...]:
    """A day is one day; a week shows Monday-Friday, and Saturday or Sunday when a shown
    technician works, has an appointment or a proposed visit on it."""
    if period.view == DAY:
        return period.days
    used = {start.astimezone(tz).date() for row in rows_intervals.values() for start, _ in row}
    used |= {a.starts_at.astimezone(tz).date() for a in appointments}
    used |= {item["starts_at"].astimezone(tz).date() for item in assignments}
    return tuple(day for day in period.days if day.weekday() < 5 or day in used)


def _window(days, tz, intervals) -> tuple[int, int]:
    """06-20, widened to whole hours to hold every interval starting on a shown day."""
    first, last = DAY_START, DAY_END
    probe = Timeline(days=days, tz=tz)
    for start, end in intervals:
        day = start.astimezone(tz).date()
        if day not in days:
            continue
        first = min(first, math.floor(probe.local_minutes(start, day) / 60) * 60)
        last = max(last, min(1440, math.ceil(probe.local_minutes(end, day) / 60) * 60))
    return first, last


def _day_heads(timeline: Timeline) -> list[DayHead]:
    step = 1 if len(timeline.days) == 1 else 2
    hours = range(timeline.first_minute // 60, timeline.last_minute // 60, step)
    heads = []
    for day in timeline.days:
        start = timeline.midnight(day)
        place = timeline.place(
            start + timedelta(minutes=timeline.first_minute),
            start + timedelta(minutes=timeline.last_minute),
        )
        marks = tuple(
            (f"{hour:02d}", 100 * (hour * 60 - timeline.first_minute) / timeline.span)
            for hour in hours
        )
        heads.append(DayHead(day=day, place=place, hours=marks))
    return heads


def _orders_by_id(user, order_ids) -> dict[int, ServiceOrder]:
    if not order_ids:
        return {}
    orders = order_list(user=user).prefetch_related(None).filter(pk__in=set(order_ids))
    return {order.pk: order for order in orders}


def board_read(
    *,
    user,
    period: Period,
    team_id: int | None = None,
    skill_id: int | None = None,
    proposal: Proposal | None = None,
    now: datetime | None = None,
) -> Board:
    """Everything the board shows for the period, with `proposal` (if any) as ghost cards."""
    tz = timezone.get_current_timezone()
    technicians = list(board_technicians(user=user, team_id=team_id, skill_id=skill_id))
    by_id = {person.pk: person for person in technicians}
    appointments = list(
        appointment_list(user=user, date_from=period.date_from, date_to=period.date_to)
        .filter(technician_id__in=by_id, status__in=BOOKED)
        .select_related("order__customer")
    )
    assignments, unassigned, breaks = _proposal_items(proposal) if proposal else ([], [], [])

    default_calendar = (
        arithmetic_of(None) if any(p.calendar_id is None for p in technicians) else None
    )
    intervals = {
        person.pk: _working_intervals(
            arithmetic_of(person.calendar) if person.calendar_id else default_calendar,
            period.days,
            tz,
        )
        for person in technicians
    }
    on_rows = [item for item in assignments if item["technician_id"] in by_id]
    days = _shown_days(period, tz, intervals, appointments, on_rows)
    first, last = _window(
        days,
        tz,
        [(a.starts_at, a.ends_at) for a in appointments]
        + [(item["starts_at"], item["ends_at"]) for item in on_rows],
    )
    timeline = Timeline(days=days, tz=tz, first_minute=first, last_minute=last)
    period_start = timeline.midnight(days[0])
    period_end = timeline.midnight(days[-1] + timedelta(days=1))

    moved = {item["appointment_id"] for item in assignments if item.get("appointment_id")}
    plans = {item["appointment_id"]: DROPS for item in unassigned if item.get("appointment_id")}
    orders = _orders_by_id(
        user, [item["order_id"] for item in assignments] + [item["order_id"] for item in unassigned]
    )
    rows = {person.pk: Row(technician=person) for person in technicians}
    for person_id, row in rows.items():
        for day in days:
            midnight = timeline.midnight(day)
            whole_day = _clip(intervals[person_id], midnight, midnight + timedelta(days=1))
            row.working_minutes += sum(_minutes(a, b) for a, b in whole_day)
            shown = _clip(
                whole_day,
                midnight + timedelta(minutes=first),
                midnight + timedelta(minutes=last),
            )
            row.work += [place for a, b in shown if (place := timeline.place(a, b))]
    for appointment in appointments:
        row = rows[appointment.technician_id]
        inside = _clip([(appointment.starts_at, appointment.ends_at)], period_start, period_end)
        if inside:
            row.booked_minutes += sum(_minutes(a, b) for a, b in inside)
            row.visits += 1
            row.travel_minutes += appointment.travel_minutes
            row.first_start = min(filter(None, [row.first_start, appointment.starts_at]))
            row.last_end = max(filter(None, [row.last_end, appointment.ends_at]))
        place = timeline.place(appointment.starts_at, appointment.ends_at)
        if place is not None:
            row.cards.append(
                Card(
                    appointment=appointment,
                    place=place,
                    sla=sla_mark(appointment.order, appointment.ends_at),
                    plan=MOVES if appointment.pk in moved else plans.get(appointment.pk),
                )
            )
    off_board = 0
    for item in assignments:
        row = rows.get(item["technician_id"])
        place = timeline.place(item["starts_at"], item["ends_at"]) if row else None
        if place is None:
            off_board += 1
            continue
        order = orders.get(item["order_id"])
        row.ghosts.append(
            Ghost(
                order=order,
                order_id=item["order_id"],
                starts_at=item["starts_at"],
                ends_at=item["ends_at"],
                travel_minutes=item.get("travel_minutes") or 0,
                appointment_id=item.get("appointment_id"),
                place=place,
                sla=sla_mark(order, item["ends_at"]) if order else None,
            )
        )
    for item in breaks:
        row = rows.get(item["technician_id"])
        place = timeline.place(item["starts_at"], item["ends_at"]) if row else None
        if place is not None:
            row.breaks.append(place)

    queue, queue_count = _queue(period, skill_id)
    summary = None
    if proposal is not None:
        summary = ProposalView(
            proposal=proposal,
            assigned=len(assignments),
            moves=len(moved),
            drops=len(plans),
            unassigned=[
                (
                    orders.get(item["order_id"]),
                    item["order_id"],
                    item.get("message") or item.get("reason", ""),
                )
                for item in unassigned
            ],
            off_board=off_board,
        )
    return Board(
        period=period,
        timeline=timeline,
        rows=list(rows.values()),
        queue=queue,
        queue_count=queue_count,
        day_heads=_day_heads(timeline),
        proposal=summary,
        now_left=timeline.at(now or timezone.now()),
    )
