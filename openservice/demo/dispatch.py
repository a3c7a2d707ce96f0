"""The demo's dispatch week, loaded through the calendars, workforce, orders and dispatch services.

- The "Field technicians" working calendar: Monday to Friday 08:00-11:30 and 12:00-16:00 (the
  gap is the 30-minute lunch, which the optimiser reads as a break), Europe/Helsinki, Finnish
  public holidays. Every technician without a calendar gets it, and one without a home base
  gets one in the Helsinki area.
- A week of appointments: the week of the next working day (today when it is one; so a demo
  loaded on a weekend, or on a Friday holiday, shows the coming week). Each technician has three
  to five visits a working day: the open demo orders waiting for a visit go to their preferred
  technician (at most two a day; those that do not fit stay in the queue), and new orders at
  sites near the day's first place fill the rest, each for a task the technician has the
  skills for or a small job of their trade. Visits follow each other from the technician's
  home with the drive before each (1.3 × the straight line at 30 km/h, rounded up to five
  minutes; a drive across the lunch gap takes the lunch too), none spans the lunch gap, and the
  last one ends in time to drive home by the end of the day. Every fifth new order asked for a
  two-hour slot (its visit is pinned) and every fifth for a half day.
- Statuses follow the clock: past days are done (reported by the technician at the visit's
  times). Today runs up to 12:30 at the latest (so a demo loaded in the evening still has an
  afternoon to report): visits over are done, the one under way is on site, a technician
  between visits is travelling to the next, the rest is confirmed. The next working day is
  confirmed, later days a mix of confirmed and tentative.
- The unassigned queue for "propose plan": eighteen new orders from today to the end of the
  week, critical to low, some in half-day or two-hour windows, some needing skills through their
  tasks, one due under its SLA today.

Loaded once: when any appointment exists the week is not planned again (a rerun, even in a later
week, adds nothing), and the calendar and queue orders are found by name and marker first.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import zip_longest

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from openservice.calendars import selectors as calendar_selectors
from openservice.calendars import services as calendar_services
from openservice.catalog import selectors as catalog_selectors
from openservice.customers import selectors as customer_selectors
from openservice.demo import data
from openservice.dispatch import conflicts
from openservice.dispatch import selectors as dispatch_selectors
from openservice.dispatch import services as dispatch_services
from openservice.dispatch.planning import duration_minutes
from openservice.orders import selectors as order_selectors
from openservice.orders import services as order_services
from openservice.workforce import selectors as workforce_selectors
from openservice.workforce import services as workforce_services

FIELD_CALENDAR = {
    "name": "Field technicians",
    "timezone": "Europe/Helsinki",
    "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), data.WEEKDAY_HOURS),
    "holiday_country": "FI",
}
# Homes for technicians that have none (Kallio, Leppävaara, Tikkurila, Herttoniemi).
HOMES = [
    ("60.184200", "24.950600"),
    ("60.219300", "24.813600"),
    ("60.292300", "25.044000"),
    ("60.194900", "25.030400"),
]
OLD_ORDERS = "(demo #"  # the open orders of the main demo, booked first
OLD_PER_DAY = 2
NEARBY = 8  # sites near the day's first place that new orders may be for
MINUTES = (30, 120)  # shortest and longest visit
STORY_ENDS = 12 * 60 + 30  # today's reports stop here (minutes from midnight)
PREFERRED_SLOT = 120
# The work of the new orders that fill the days: by task (as long as the task, up to two
# hours), and small jobs without a task for a technician holding the skill.
VISITS = {
    "LIFT-PM": ["Monthly lift maintenance", "Lift maintenance and logbook check"],
    "LIFT-FAULT": [
        "Lift stops short of the third floor",
        "Car door reopens repeatedly",
        "Lift levelling off by a few centimetres",
    ],
    "AHU-FILTER": ["Filter change, supply and extract", "Filter alarm on the air handling unit"],
    "COOL-FGAS": ["Statutory F-gas leak check", "Leak check after a refrigerant top-up"],
    "BMS-CHECK": ["Building automation alarms to review", "Trend logs show drifting setpoints"],
    "HP-PM": ["Heat pump annual service", "Heat pump low-flow alarm"],
}
SMALL_JOBS = [
    ("LIFT", 45, "Landing door sill needs cleaning and adjusting"),
    ("LIFT", 30, "Emergency phone test after a line change"),
    ("LIFT", 60, "Car operating panel button sticks"),
    ("HVAC", 45, "Damper actuator stuck half open"),
    ("HVAC", 30, "Room thermostat shows the wrong temperature"),
    ("HVAC", 60, "Condensate drain blocked"),
]
# The unassigned queue: (n-th remaining working day, priority, window, task, work). A window is
# "am" (08-12), "pm" (12-16) or (start hour, hours); "due today" is reported so that its SLA
# (a Gold customer's critical order: four hours round the clock) falls due today.
QUEUE = [
    ("due today", "critical", None, "LIFT-FAULT", "Lift stopped between floors, nobody inside"),
    (0, "critical", None, "COOL-FGAS", "Chiller tripped on low pressure, server room warming"),
    (0, "high", "pm", "AHU-FILTER", "Supply air filter alarm, offices stuffy"),
    (0, "normal", None, None, "Car operating panel button stuck"),
    (1, "critical", None, "HP-PM", "Heating out at the health centre, heat pump in fault"),
    (1, "high", (9, 2), "LIFT-FAULT", "Landing door slow to close on floor 2"),
    (1, "normal", "am", "BMS-CHECK", "Room temperatures drifting, check the controllers"),
    (1, "low", None, None, "Replace the lift car lighting"),
    (1, "normal", (13, 2), "HP-PM", "Heat pump annual service, tenant home 13-15"),
    (2, "high", "pm", "ESC-PM", "Escalator handrail runs slower than the steps"),
    (2, "normal", None, "AHU-FILTER", "Quarterly filter change, extract unit"),
    (2, "normal", (10, 2), None, "Lift lobby intercom crackles"),
    (2, "low", None, None, "Lift car mirror loose"),
    (3, "high", "am", "COOL-FGAS", "Refrigerant smell near the condensing unit"),
    (3, "normal", None, "BMS-CHECK", "Remote monitoring gateway offline"),
    (3, "normal", (14, 2), "LIFT-PM", "Lift maintenance, residents informed for 14-16"),
    (4, "normal", "am", "HP-PM", "Heat pump knocking at start-up"),
    (4, "low", None, None, "Check the ventilation timer after the clock change"),
]


@dataclass
class Stop:
    """A place a technician visits: an open order, or a site a new order will be made for."""

    site: object
    order: object | None = None
    minutes: int = 0  # the visit of an existing order
    booked_after: datetime | None = None  # the order's last stage change


@dataclass(frozen=True)
class Work:
    """What a new order is for: a task (none for a small job), its length and descriptions."""

    task: object | None
    minutes: int
    texts: tuple[str, ...]


@dataclass
class Visit:
    technician: object
    day: date
    stop: Stop
    start: int  # minutes from local midnight
    end: int
    travel: int  # minutes from the previous place
    work: Work | None = None  # a new order's
    window: tuple[int, int] | None = None
    status: str = "confirmed"
    steps: list = field(default_factory=list)  # (status, instant) reports after booking


def week_of(today: date, calendar) -> list[date]:
    """The working days of the week of the next working day (today when it is one)."""
    day = today
    while not calendar.intervals_on(day) and day < today + timedelta(days=21):
        day += timedelta(days=1)
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    return [day for day in week if calendar.intervals_on(day)]


def load_dispatch(dispatcher, admin, report, *, now=None) -> None:
    now = now or timezone.now()
    calendar = _field_calendar(admin, report)
    technicians = _technicians(admin, calendar, report)
    if not technicians or dispatch_selectors.appointment_list(user=admin).exists():
        return
    hours = calendar_selectors.arithmetic_of(calendar)
    today = timezone.localdate(now)
    days = week_of(today, hours)
    visits = _plan(admin, technicians, days, now)
    _statuses(visits, days, today, now)
    report.add("dispatch orders", _book(dispatcher, visits, now))
    report.add("appointments", len(visits))
    remaining = [day for day in days if day >= today] or days
    made = _load_queue(dispatcher, admin, hours, remaining, today, now)
    report.add("dispatch queue orders", made)


def _field_calendar(admin, report):
    name = FIELD_CALENDAR["name"]
    found = calendar_selectors.calendar_list(user=admin, q=name)
    calendar = next((row for row in found if row.name == name), None)
    if calendar is None:
        calendar = calendar_services.calendar_create(by=admin, **FIELD_CALENDAR)
        report.add("work calendars")
    return calendar


def _technicians(admin, calendar, report) -> list:
    """The active technicians (tech1 first), each with a calendar and a home base."""
    technicians = list(workforce_selectors.technician_list(user=admin, is_active=True))
    technicians.sort(key=lambda t: (t.user.username if t.user_id else "~", t.pk))
    for number, technician in enumerate(technicians):
        changes = {}
        if technician.calendar_id is None:
            changes["calendar"] = calendar
            report.add("technician calendars")
        if technician.home_latitude is None:
            lat, lon = HOMES[number % len(HOMES)]
            changes.update(home_latitude=Decimal(lat), home_longitude=Decimal(lon))
            report.add("technician homes")
        if changes:
            technicians[number] = workforce_services.technician_update(
                technician=technician, by=admin, **changes
            )
    return technicians


# -- Planning the week ----------------------------------------------------------------------


def _place(site) -> tuple[float, float]:
    return float(site.latitude), float(site.longitude)


def _drive(origin: tuple[float, float], destination: tuple[float, float]) -> int:
    return conflicts.travel_minutes(
        origin,
        destination,
        speed_kmh=settings.DISPATCH_TRAVEL_SPEED_KMH,
        detour_factor=settings.DISPATCH_DETOUR_FACTOR,
    )


def _home(technician) -> tuple[float, float]:
    return float(technician.home_latitude), float(technician.home_longitude)


def _plan(admin, technicians, days, now) -> list[Visit]:
    old = _old_orders(admin, technicians)
    sites = [
        site
        for site in customer_selectors.site_list(user=admin, is_active=True).order_by("pk")
        if site.latitude is not None
        and site.customer.is_active
        and getattr(site.customer.agreement_group, "code", "") != "GOLD"  # 24 h Gold SLAs
    ]
    tasks = {task.code: task for task in catalog_selectors.task_list(user=admin)}
    visits = []
    for t_index, technician in enumerate(technicians):
        hours = calendar_selectors.arithmetic_of(technician.calendar)
        works = _works(technician, tasks)
        waiting = old.get(technician.pk, [])
        for d_index, day in enumerate(days):
            intervals = sorted(hours.intervals_on(day))
            if not intervals:
                continue
            opens = hours.local_instant(day, intervals[0][0])
            bookable = min(opens, now) - timedelta(minutes=10)
            today_old = [s for s in waiting if s.booked_after <= bookable][:OLD_PER_DAY]
            for stop in today_old:
                waiting.remove(stop)
            wanted = 3 + (t_index + d_index) % 3
            anchor = (
                today_old[0].site if today_old else sites[(t_index * 5 + d_index * 3) % len(sites)]
            )
            used = {stop.site.pk for stop in today_old}
            near = sorted(
                (site for site in sites if site.pk not in used),
                key=lambda site: (_drive(_place(anchor), _place(site)), site.pk),
            )
            stops = today_old + [Stop(site) for site in near[:NEARBY]]
            turn = t_index + d_index * 2
            visits += _route(technician, day, intervals, stops, works, wanted, turn)
    return visits


def _works(technician, tasks: dict) -> list[Work]:
    """The work a technician's new orders may be: the tasks they have the skills for and the
    small jobs of their skills, taking turns."""
    skills = {row.skill.code: row.level for row in technician.skill_levels.all()}
    able = [
        Work(tasks[code], _minutes(tasks[code].default_duration_minutes), tuple(texts))
        for code, texts in VISITS.items()
        if code in tasks
        and all(skills.get(n.skill.code, 0) >= n.min_level for n in tasks[code].skill_needs.all())
    ]
    small = [Work(None, minutes, (text,)) for skill, minutes, text in SMALL_JOBS if skill in skills]
    works = [work for pair in zip_longest(able, small) for work in pair if work is not None]
    return works or [Work(None, 60, ("Service visit",))]


def _minutes(minutes: int) -> int:
    return min(max(minutes, MINUTES[0]), MINUTES[1])


def _old_orders(admin, technicians) -> dict[int, list[Stop]]:
    """The main demo's open orders waiting for a visit, by preferred technician (the others
    round the technicians), most urgent first."""
    ids = [technician.pk for technician in technicians]
    found: dict[int, list[Stop]] = {}
    orders = order_selectors.order_list(user=admin, q=OLD_ORDERS).order_by(
        F("sla_resolution_due_at").asc(nulls_last=True), "number"
    )
    for number, order in enumerate(orders):
        site = order.site
        if order.stage.category not in dispatch_selectors.PLANNABLE or site is None:
            continue
        if site.latitude is None or not order.customer.is_active:
            continue
        owner = order.preferred_technician_id
        owner = owner if owner in ids else ids[number % len(ids)]
        minutes = _minutes(duration_minutes(order))
        history = order_selectors.order_stage_history(order)
        found.setdefault(owner, []).append(Stop(site, order, minutes, history[-1].at))
    return found


def _route(technician, day, intervals, stops, works, wanted: int, turn: int) -> list[Visit]:
    """Up to `wanted` visits from home, each time the stop that can start first (the nearest
    of those), keeping room in the count for the open orders."""
    visits, here, clock, left = [], _home(technician), intervals[0][0], list(stops)
    while left and len(visits) < wanted:
        waiting = [stop for stop in left if stop.order is not None]
        if len(waiting) < wanted - len(visits):
            waiting = left
        options = [
            visit
            for stop in waiting
            if (visit := _visit(technician, day, intervals, stop, works, here, clock, turn))
        ]
        if not options:
            break
        visit = min(options, key=lambda v: (v.start, v.stop.order is None, v.travel))
        left = [stop for stop in left if stop is not visit.stop]
        visits.append(visit)
        here, clock, turn = _place(visit.stop.site), visit.end, turn + 1
    return visits


def _visit(technician, day, intervals, stop, works, here, clock: int, turn: int) -> Visit | None:
    """The stop's visit after the drive (rounded up to five minutes), inside one open interval,
    leaving time to drive home by closing; for a new order the technician's work (taking
    turns) that can start first. None: it does not fit."""
    travel = _drive(here, _place(stop.site))
    back = _drive(_place(stop.site), _home(technician))
    best = None
    for work in (
        [works[(turn + n) % len(works)] for n in range(len(works))] if not stop.order else [None]
    ):
        minutes = work.minutes if work else stop.minutes
        start = _fit(clock, travel, minutes, intervals)
        fits = start is not None and start + minutes + back <= intervals[-1][1]
        if fits and (best is None or start < best.start):
            best = Visit(technician, day, stop, start, start + minutes, travel, work)
    if best is not None and best.work is not None:
        best.window = _window(best, turn)
    return best


def _fit(clock: int, travel: int, minutes: int, intervals) -> int | None:
    """The first start, on a five-minute mark, of a visit that lies inside one open interval
    after the drive from where the technician is at `clock`. A drive across the lunch gap takes
    the lunch too (the optimiser's check counts the breaks between two places the same way)."""
    gaps = 0
    for index, (opens, closes) in enumerate(intervals):
        if index and intervals[index - 1][1] >= clock:
            gaps += opens - intervals[index - 1][1]
        start = max(5 * math.ceil((clock + travel + gaps) / 5), opens)
        if start + minutes <= closes:
            return start
    return None


def _window(visit: Visit, number: int) -> tuple[int, int] | None:
    """Every fifth new order was booked in a two-hour slot the customer asked for, and every
    fifth in a half day; the visit lies inside."""
    if number % 5 == 0:
        hour = visit.start // 60 * 60
        if visit.end <= hour + PREFERRED_SLOT:
            return hour, hour + PREFERRED_SLOT
    if number % 5 == 2:
        for opens, closes in ((8 * 60, 12 * 60), (12 * 60, 16 * 60)):
            if opens <= visit.start and visit.end <= closes:
                return opens, closes
    return None


def _statuses(visits: list[Visit], days: list[date], today: date, now: datetime) -> None:
    """Each visit's status and the reports that lead to it, as described above."""
    later = [day for day in days if day > today]
    for number, visit in enumerate(visits):
        hours = calendar_selectors.arithmetic_of(visit.technician.calendar)
        at = hours.local_instant
        leaves = at(visit.day, visit.start - visit.travel)
        start, end = at(visit.day, visit.start), at(visit.day, visit.end)
        clock = min(now, at(today, STORY_ENDS)) if visit.day == today else None
        if visit.day < today or (clock is not None and end <= clock):
            travelling = [("travelling", leaves)] if number % 4 else []
            visit.steps = [*travelling, ("on_site", start), ("done", end)]
        elif clock is not None and start <= clock:
            visit.steps = [("travelling", leaves), ("on_site", start)]
        elif clock is not None and leaves <= clock:
            # The previous visit ended before the drive started: the technician is on the way.
            visit.steps = [("travelling", leaves)]
        elif later and visit.day > later[0] and number % 3 == 0:
            visit.status = "tentative"
        visit.status = visit.steps[-1][0] if visit.steps else visit.status


# -- Writing it ---------------------------------------------------------------------------------


def _previous_working_day(day: date, hours) -> date:
    day -= timedelta(days=1)
    while not hours.intervals_on(day):
        day -= timedelta(days=1)
    return day


def _book(dispatcher, visits: list[Visit], now: datetime) -> int:
    """The new orders, the appointments (booked the working day before, or just before now),
    and the technicians' reports. Returns how many orders were made."""
    made = 0
    for number, visit in enumerate(visits, start=1):
        hours = calendar_selectors.arithmetic_of(visit.technician.calendar)
        start = hours.local_instant(visit.day, visit.start)
        day_before = hours.local_instant(_previous_working_day(visit.day, hours), 9 * 60)
        day_before += timedelta(minutes=(number * 37) % 420)
        order = visit.stop.order
        if order is None:
            made += 1
            reported_at = min(day_before, now) - timedelta(hours=2)
            order = _new_order(dispatcher, visit, made, reported_at, hours, now)
            booked_after = reported_at
        else:
            booked_after = visit.stop.booked_after
        booked_at = min(day_before, now, start) - timedelta(minutes=5)
        booked_at = max(booked_at, booked_after + timedelta(minutes=1))
        appointment, _warnings = dispatch_services.appointment_create(
            order=order,
            technician=visit.technician,
            starts_at=start,
            ends_at=hours.local_instant(visit.day, visit.end),
            by=dispatcher,
            status="tentative" if visit.status == "tentative" else "confirmed",
            travel_minutes=visit.travel,
            is_pinned=visit.status == "confirmed"
            and visit.window is not None
            and visit.window[1] - visit.window[0] == PREFERRED_SLOT,
            now=booked_at,
        )
        reporter = visit.technician.user or dispatcher
        for status, at in visit.steps:
            appointment, _warnings = dispatch_services.appointment_set_status(
                appointment=appointment, to=status, by=reporter, now=at
            )
    return made


def _new_order(dispatcher, visit: Visit, number: int, reported_at, hours, now):
    site, work = visit.stop.site, visit.work
    start, end = (
        (hours.local_instant(visit.day, minutes) for minutes in visit.window)
        if visit.window
        else (None, None)
    )
    return order_services.order_create(
        by=dispatcher,
        customer=site.customer,
        site=site,
        description=f"{work.texts[number % len(work.texts)]} (demo dispatch #{number:03d})",
        priority="low" if number % 4 == 0 else "normal",
        reported_at=reported_at,
        service_on=visit.day,
        requested_start=start,
        requested_end=end,
        tasks=[work.task] if work.task else [],
        now=now,
    )


def _load_queue(dispatcher, admin, hours, days: list[date], today: date, now: datetime) -> int:
    """The unassigned orders, each found by its marker first."""
    sites = [
        site
        for site in customer_selectors.site_list(user=admin, is_active=True).order_by("pk")
        if site.latitude is not None and site.customer.is_active
    ]
    gold = [s for s in sites if getattr(s.customer.agreement_group, "code", "") == "GOLD"]
    tasks = {task.code: task for task in catalog_selectors.task_list(user=admin)}
    made = 0
    for number, (when, priority, window, task, text) in enumerate(QUEUE, start=1):
        marker = f"(demo queue #{number:02d})"
        if order_selectors.order_list(user=admin, q=marker).exists():
            continue
        reported_at = now - timedelta(minutes=20 + number * 13)
        day, start, end = today, None, None
        if when == "due today":
            site = gold[number % len(gold)] if gold else sites[0]
            # Reported at least an hour ago, late enough that four hours on falls today.
            midnight = hours.local_instant(today, 0)
            latest = hours.local_instant(today + timedelta(days=1), 0) - timedelta(minutes=245)
            earliest = midnight + timedelta(minutes=5)
            reported_at = min(now, max(earliest, min(now - timedelta(hours=1), latest)))
        else:
            site = sites[(number * 7 + 3) % len(sites)]
            day = days[min(when, len(days) - 1)]
            start, end = _queue_window(window, day, hours)
            if end is not None and end <= now:
                start, end = None, None  # the asked time has passed: any time that day
        order_services.order_create(
            by=dispatcher,
            customer=site.customer,
            site=site,
            description=f"{text} {marker}",
            priority=priority,
            reported_at=reported_at,
            service_on=day,
            requested_start=start,
            requested_end=end,
            tasks=[tasks[task]] if task in tasks else [],
            now=now,
        )
        made += 1
    return made


def _queue_window(window, day: date, hours) -> tuple[datetime | None, datetime | None]:
    if window is None:
        return None, None
    half_days = {"am": (8, 12), "pm": (12, 16)}
    opens, closes = half_days[window] if window in half_days else (window[0], sum(window))
    return hours.local_instant(day, opens * 60), hours.local_instant(day, closes * 60)
