"""The demo's dispatch week, loaded once for the module on a known Wednesday morning (the clock
frozen at 2027-03-03 10:00 in Helsinki while the demo loads), inside a transaction rolled back
after the module; each test runs in a savepoint of it."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from openservice.calendars import arithmetic
from openservice.calendars.selectors import arithmetic_of
from openservice.demo import data
from openservice.demo.dispatch import FIELD_CALENDAR, load_dispatch, week_of
from openservice.demo.loader import LoadReport
from openservice.dispatch import conflicts
from openservice.dispatch.models import Appointment
from openservice.dispatch.selectors import orders_to_plan
from openservice.orders.models import ServiceOrder
from openservice.workforce.models import Technician

HELSINKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2027, 3, 3, 10, 0, tzinfo=HELSINKI)
TODAY = NOW.date()
WEEK = [date(2027, 3, day) for day in range(1, 6)]  # Monday to Friday, no holidays
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the tests' settings


@pytest.fixture(scope="module")
def demo_week(django_db_setup, django_db_blocker):
    outer = transaction.atomic()
    fast_hashing = override_settings(PASSWORD_HASHERS=FAST_HASHERS)
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch, fast_hashing:
        patch.setattr(timezone, "now", lambda: NOW.astimezone(UTC))
        outer.__enter__()
        try:
            call_command("demo", stdout=StringIO())
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _local(instant: datetime) -> datetime:
    return instant.astimezone(HELSINKI)


def _appointments():
    return Appointment.objects.select_related(
        "technician__calendar", "technician__user", "order__site", "order__stage"
    ).order_by("technician_id", "starts_at")


def _travel(origin, destination) -> int:
    """The drive at the default 30 km/h and 1.3 × the straight line."""
    return conflicts.travel_minutes(origin, destination)


def _site(appointment) -> tuple[float, float]:
    site = appointment.order.site
    return float(site.latitude), float(site.longitude)


def _home(technician) -> tuple[float, float]:
    return float(technician.home_latitude), float(technician.home_longitude)


def test_the_week_is_that_of_the_next_working_day():
    calendar = arithmetic.Calendar(
        timezone="Europe/Helsinki",
        week=dict.fromkeys(range(5), ((480, 690), (720, 960))),
        holiday_country="FI",
    )

    assert week_of(TODAY, calendar) == WEEK
    assert week_of(date(2027, 3, 6), calendar) == [date(2027, 3, d) for d in range(8, 13)]  # Sat
    # Christmas Eve and Day are Finnish holidays: the week before Christmas ends on Wednesday,
    # and on Christmas Eve the next working day is in the week after.
    assert week_of(date(2026, 12, 23), calendar) == [date(2026, 12, d) for d in (21, 22, 23)]
    assert week_of(date(2026, 12, 24), calendar)[0] == date(2026, 12, 28)
    # Easter Monday is a holiday: the week starts on Tuesday.
    assert week_of(date(2027, 3, 29), calendar)[0] == date(2027, 3, 30)


def test_every_technician_has_the_field_calendar_and_a_home(demo_week, db):
    technicians = Technician.objects.select_related("calendar")

    assert technicians.count() == len(data.TECHNICIANS)
    for technician in technicians:
        calendar = technician.calendar
        assert calendar.name == FIELD_CALENDAR["name"]
        assert (calendar.timezone, calendar.holiday_country) == ("Europe/Helsinki", "FI")
        assert calendar.hours["mon"] == [["08:00", "11:30"], ["12:00", "16:00"]]
        assert calendar.hours["fri"] == calendar.hours["mon"]
        assert calendar.hours["sat"] == calendar.hours["sun"] == []
        assert 60.0 < technician.home_latitude < 60.5
        assert 24.5 < technician.home_longitude < 25.3


def test_the_week_is_booked_without_conflicts(demo_week, db):
    days = defaultdict(list)
    for appointment in _appointments():
        days[appointment.technician, _local(appointment.starts_at).date()].append(appointment)

    assert {day for _technician, day in days} == set(WEEK)
    counts = Counter(len(visits) for visits in days.values())
    assert len(days) == len(data.TECHNICIANS) * len(WEEK)  # every technician every day
    assert min(counts) >= 2 and max(counts) <= 5
    assert sum(n * count for n, count in counts.items()) / len(days) >= 3.3
    for (technician, day), visits in days.items():
        calendar = arithmetic_of(technician.calendar)
        opens, closes = (calendar.local_instant(day, m) for m in (480, 960))
        for visit in visits:
            assert conflicts.within_working_time(visit.starts_at, visit.ends_at, calendar)
            assert conflicts.within_window(
                visit.starts_at,
                visit.ends_at,
                visit.order.requested_start,
                visit.order.requested_end,
            )
            assert 30 <= (visit.ends_at - visit.starts_at).total_seconds() / 60 <= 120
            assert visit.order.site.latitude is not None
        first, last = visits[0], visits[-1]
        assert first.starts_at >= opens + timedelta(
            minutes=_travel(_home(technician), _site(first))
        )
        assert last.ends_at + timedelta(minutes=_travel(_site(last), _home(technician))) <= closes
        for before, after in pairwise(visits):
            drive = timedelta(minutes=_travel(_site(before), _site(after)))
            assert before.ends_at + drive <= after.starts_at  # no overlap, time to drive
    assert Appointment.objects.values("order").distinct().count() == Appointment.objects.count()


def test_statuses_follow_the_clock(demo_week, db):
    by_day = defaultdict(Counter)
    for appointment in _appointments():
        day = _local(appointment.starts_at).date()
        by_day[day][appointment.status] += 1
        category = appointment.order.stage.category
        expected = {"done": "completed", "on_site": "in_progress"}.get(appointment.status)
        assert category == (expected or "scheduled"), appointment
        if appointment.status in {"done", "on_site", "travelling"}:
            assert appointment.starts_at - timedelta(minutes=appointment.travel_minutes) <= NOW

    assert set(by_day[WEEK[0]]) == set(by_day[WEEK[1]]) == {"done"}
    assert {"done", "on_site", "confirmed"} <= set(by_day[TODAY])
    assert set(by_day[TODAY]) <= {"done", "on_site", "travelling", "confirmed"}
    assert set(by_day[WEEK[3]]) == {"confirmed"}
    assert set(by_day[WEEK[4]]) == {"confirmed", "tentative"}
    pinned = Appointment.objects.filter(is_pinned=True).select_related("order")
    assert pinned.exists()
    for appointment in pinned:
        assert appointment.status == "confirmed"
        order = appointment.order
        assert order.requested_end - order.requested_start == timedelta(hours=2)


def test_the_technicians_have_a_day_today(demo_week, db):
    today = Appointment.objects.filter(
        starts_at__gte=datetime(2027, 3, 3, tzinfo=HELSINKI),
        starts_at__lt=datetime(2027, 3, 4, tzinfo=HELSINKI),
    )

    for technician in Technician.objects.all():
        assert today.filter(technician=technician).count() >= 2, technician
    assert today.filter(technician__user__username="tech1").count() >= 3


def test_propose_plan_has_work(demo_week, db):
    queue = orders_to_plan(date_from=TODAY, date_to=WEEK[-1])
    ours = ServiceOrder.objects.filter(description__contains="(demo queue #").select_related("site")

    assert queue.count() >= 15
    assert ours.count() == 18
    assert set(queue.filter(pk__in=ours)) == set(ours)  # none booked, all plannable this week
    assert {"critical", "high", "normal", "low"} == set(ours.values_list("priority", flat=True))
    assert all(order.site.latitude is not None for order in ours)
    assert all(TODAY <= order.service_on <= WEEK[-1] for order in ours)
    windows = {
        order.requested_end - order.requested_start for order in ours.exclude(requested_start=None)
    }
    assert windows == {timedelta(hours=2), timedelta(hours=4)}
    skilled = ours.filter(tasks__skill_needs__isnull=False).distinct()
    assert skilled.count() >= 5
    dues = [_local(order.sla_resolution_due_at).date() for order in ours]
    assert TODAY in dues
    assert all(o.reported_at <= NOW for o in ours)


def test_a_rerun_adds_no_appointments(demo_week, db):
    users = get_user_model().objects
    before = (Appointment.objects.count(), ServiceOrder.objects.count())
    report = LoadReport()

    load_dispatch(users.get(username="dispatcher"), users.get(username="admin"), report, now=NOW)

    assert report.total == 0
    assert (Appointment.objects.count(), ServiceOrder.objects.count()) == before
