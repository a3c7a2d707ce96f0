"""Reads for work calendars, and the bridge from a stored calendar to its arithmetic."""

from collections import OrderedDict
from threading import Lock

from django.db.models import Prefetch, QuerySet

from openservice.calendars import arithmetic
from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar
from openservice.core.errors import NotFound
from openservice.core.roles import is_staff_member
from openservice.core.selectors import text_search

_CACHE_SIZE = 64
_cache: OrderedDict[tuple, arithmetic.Calendar] = OrderedDict()
_cache_lock = Lock()


def calendar_list(*, user, q: str | None = None, is_active: bool | None = None) -> QuerySet:
    calendars = WorkCalendar.objects.prefetch_related(
        Prefetch("closed_days", queryset=ClosedDay.objects.order_by("on")),
        Prefetch("open_days", queryset=OpenDay.objects.order_by("on")),
    )
    if not is_staff_member(user):
        calendars = calendars.none()
    calendars = text_search(calendars, q, ["name", "timezone"])
    if is_active is not None:
        calendars = calendars.filter(is_active=is_active)
    return calendars.order_by("name", "pk")


def calendar_get(*, user, calendar_id: int) -> WorkCalendar:
    calendar = calendar_list(user=user).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(calendar_id=calendar_id)
    return calendar


def calendar_default() -> WorkCalendar | None:
    return WorkCalendar.objects.filter(is_default=True).first()


def _build(calendar: WorkCalendar) -> arithmetic.Calendar:
    week = {
        arithmetic.WEEKDAYS.index(key): tuple(arithmetic.make_interval(*pair) for pair in pairs)
        for key, pairs in (calendar.hours or {}).items()
    }
    return arithmetic.Calendar(
        timezone=calendar.timezone,
        week=week,
        holiday_country=calendar.holiday_country or None,
        holiday_subdivision=calendar.holiday_subdivision or None,
        closed_days=frozenset(row.on for row in calendar.closed_days.all()),
        open_days={
            row.on: tuple(arithmetic.make_interval(*pair) for pair in row.hours)
            for row in calendar.open_days.all()
        },
    )


def arithmetic_of(calendar: WorkCalendar | None) -> arithmetic.Calendar:
    """The business-time arithmetic of a stored calendar, cached per process by (id, last
    change): recomputing thousands of clocks builds each calendar's yearly tables once. No
    calendar means the company default, and no default means round the clock (UTC)."""
    if calendar is None:
        calendar = calendar_default()
        if calendar is None:
            return _always_open()
    key = (calendar.pk, calendar.updated_at)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    built = _build(calendar)
    with _cache_lock:
        _cache[key] = built
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return built


_ALWAYS_OPEN = arithmetic.always_open()


def _always_open() -> arithmetic.Calendar:
    return _ALWAYS_OPEN


def holidays_of(calendar: WorkCalendar, year: int) -> list[tuple]:
    """(date, name) of the calendar's public holidays in a year, for the editor."""
    return list(
        arithmetic.holidays_in_year(
            calendar.holiday_country or None, calendar.holiday_subdivision or None, year
        )
    )
