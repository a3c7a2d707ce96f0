"""Property tests for `openservice.calendars.arithmetic` (pure Python, no database).

Besides the algebraic laws (round trip, monotonicity, additivity), the answers are compared with a
slow day-by-day model written independently here: each local date's intervals turned into
instants minute by minute through zoneinfo, merged, and walked. The calendars are built once, so
their yearly tables are shared between examples.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given
from hypothesis import strategies as st

from openservice.calendars.arithmetic import (
    Calendar,
    add_business_minutes,
    always_open,
    business_minutes_between,
    is_open,
    next_open_instant,
)

MINUTE = timedelta(minutes=1)

CALENDARS = {
    # Mon-Fri 08:00-12:00 and 12:30-16:30, Finnish holidays.
    "finnish-lunch": Calendar(
        timezone="Europe/Helsinki",
        week=dict.fromkeys(range(5), ((480, 720), (750, 990))),
        holiday_country="FI",
    ),
    "always-utc": always_open(),
    # Every night 22:00-06:00 in Helsinki (7 h and 9 h on the clock-change nights), Finnish
    # holidays (a holiday's own night is not worked; the night before it is, in full).
    "helsinki-nights": Calendar(
        timezone="Europe/Helsinki",
        week=dict.fromkeys(range(7), ((1320, 1800),)),
        holiday_country="FI",
    ),
    "new-york-day": Calendar(
        timezone="America/New_York",
        week=dict.fromkeys(range(5), ((540, 1020),)),
        holiday_country="US",
    ),
    # Split shifts Mon-Fri 06:00-10:00 and 15:00-19:00 plus a Saturday night 22:00-04:00, which
    # spans Sydney's clock changes (early on the first Sundays of April and October).
    "sydney-split": Calendar(
        timezone="Australia/Sydney",
        week={
            **dict.fromkeys(range(5), ((360, 600), (900, 1140))),
            5: ((1320, 1680),),
        },
        holiday_country="AU",
        holiday_subdivision="NSW",
    ),
    # Helsinki office hours with exceptions placed on awkward dates.
    "helsinki-custom": Calendar(
        timezone="Europe/Helsinki",
        week=dict.fromkeys(range(5), ((540, 1020),)),
        holiday_country="FI",
        closed_days=frozenset({date(2027, 1, 12), date(2027, 10, 29), date(2030, 12, 31)}),
        open_days={
            date(2027, 1, 6): ((600, 720),),  # Epiphany opened for two hours
            date(2027, 3, 28): ((60, 330),),  # 01:00-05:30 across the skipped hour
            date(2027, 10, 30): ((1320, 1800),),  # Saturday night across the repeated hour
            date(2031, 12, 31): ((1200, 1800),),  # New Year's Eve night across the UTC year end
            date(2033, 1, 1): ((0, 1440),),  # a Saturday (and holiday) open round the clock
        },
    ),
}

LOW = datetime(2020, 1, 1, tzinfo=UTC)
HIGH = datetime(2035, 12, 31, 23, 59, tzinfo=UTC)
SPAN_MINUTES = int((HIGH - LOW) / MINUTE)


def _special_instants() -> list[datetime]:
    """Instants near which mistakes would hide: clock changes, UTC year ends, custom days."""
    points = [datetime(year, 1, 1, tzinfo=UTC) for year in range(2020, 2036)]
    for name in ("Europe/Helsinki", "America/New_York", "Australia/Sydney"):
        zone = ZoneInfo(name)
        previous = None
        day = LOW
        while day <= HIGH:
            offset = day.astimezone(zone).utcoffset()
            if previous is not None and offset != previous:
                points.append(day)
            previous = offset
            day += timedelta(days=1)
    for calendar in CALENDARS.values():
        for day in [*calendar.closed_days, *calendar.open_days]:
            points.append(datetime.combine(day, time(), tzinfo=UTC))
    return sorted(points)


SPECIAL = _special_instants()

calendar_names = st.sampled_from(sorted(CALENDARS))
uniform_instants = st.integers(0, SPAN_MINUTES).map(lambda n: LOW + n * MINUTE)
near_special = st.builds(
    lambda point, shift: point + shift * MINUTE,
    st.sampled_from(SPECIAL),
    st.integers(-4 * 1440, 4 * 1440),
)
instants = st.one_of(uniform_instants, near_special)
amounts = st.integers(0, 30 * 480)


def add(start: datetime, minutes: int, name: str) -> datetime:
    return add_business_minutes(start, minutes, CALENDARS[name])


def between(start: datetime, end: datetime, name: str) -> int:
    return business_minutes_between(start, end, CALENDARS[name])


def opened(at: datetime, name: str) -> bool:
    return is_open(at, CALENDARS[name])


# -- An independent, slow model ------------------------------------------------------------------


@cache
def _holiday_dates(country: str | None, subdivision: str | None, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(day for day in table if day.year == year)


def _model_intervals_on(calendar: Calendar, day: date) -> tuple[tuple[int, int], ...]:
    if day in calendar.open_days:
        return calendar.open_days[day]
    if day in calendar.closed_days:
        return ()
    if day in _holiday_dates(calendar.holiday_country, calendar.holiday_subdivision, day.year):
        return ()
    return calendar.week[day.weekday()]


def _wall_instant(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """The first instant at which the local clock shows `minutes` after midnight of `day`, or,
    for a time the clock skips, the first existing minute after it (the instant of the jump)."""
    wall = datetime.combine(day, time()) + minutes * MINUTE
    while True:
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) == wall:
            return instant
        wall += MINUTE


@lru_cache(maxsize=100_000)
def _model_day(name: str, day: date) -> tuple[tuple[datetime, datetime], ...]:
    calendar = CALENDARS[name]
    zone = ZoneInfo(calendar.timezone)
    return tuple(
        (_wall_instant(zone, day, start), _wall_instant(zone, day, end))
        for start, end in _model_intervals_on(calendar, day)
    )


def _model_open(name: str, low: datetime, high: datetime) -> list[tuple[datetime, datetime]]:
    """Merged open intervals of the calendar, clipped to [low, high]."""
    zone = ZoneInfo(CALENDARS[name].timezone)
    day = low.astimezone(zone).date() - timedelta(days=2)
    last = high.astimezone(zone).date() + timedelta(days=1)
    pieces = []
    while day <= last:
        pieces.extend(_model_day(name, day))
        day += timedelta(days=1)
    merged: list[list[datetime]] = []
    for start, end in sorted(pieces):
        start, end = max(start, low), min(end, high)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def model_between(start: datetime, end: datetime, name: str) -> int:
    total = sum((b - a for a, b in _model_open(name, start, end)), timedelta())
    return int(total / MINUTE)


def model_is_open(at: datetime, name: str) -> bool:
    return any(a <= at < b for a, b in _model_open(name, at - timedelta(days=3), at + MINUTE))


def model_add(start: datetime, minutes: int, name: str) -> datetime:
    if minutes == 0:
        return start
    remaining = minutes * MINUTE
    low = start
    for _ in range(60):  # 60 fortnights: more than enough for the amounts drawn
        high = low + timedelta(days=14)
        for a, b in _model_open(name, low, high):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        low = high
    raise AssertionError("the model found no end")


def model_next_open(at: datetime, name: str) -> datetime:
    low = at
    for _ in range(60):
        high = low + timedelta(days=14)
        pieces = _model_open(name, low, high)
        if pieces:
            return pieces[0][0]
        low = high
    raise AssertionError("the model found no opening")


# -- Laws ----------------------------------------------------------------------------------------


@given(calendar_names, instants, amounts)
def test_between_undoes_add(name, start, minutes):
    result = add(start, minutes, name)
    assert result >= start
    assert result.utcoffset() == timedelta(0)
    assert between(start, result, name) == minutes
    if not opened(start, name) and minutes > 0:
        opening = next_open_instant(start, CALENDARS[name])
        assert opening > start
        assert between(opening, result, name) == minutes
    if minutes > 0:
        # The earliest such instant: a minute earlier one business minute is missing.
        assert between(start, result - MINUTE, name) == minutes - 1


@given(calendar_names, instants, st.integers(0, 59_999_999), amounts)
def test_between_undoes_add_from_instants_between_minutes(name, start, microseconds, minutes):
    # Whole minutes are counted from wherever the start is, seconds and microseconds included.
    start += timedelta(microseconds=microseconds)
    result = add(start, minutes, name)
    assert between(start, result, name) == minutes
    assert between(result, start, name) == -minutes


@given(calendar_names, instants, st.integers(0, 2_000_000))
def test_between_undoes_add_over_many_years(name, start, minutes):
    result = add(start, minutes, name)
    assert between(start, result, name) == minutes


@given(calendar_names, instants, amounts, amounts)
def test_add_is_monotonic_in_the_amount(name, start, m1, m2):
    m1, m2 = sorted((m1, m2))
    first, second = add(start, m1, name), add(start, m2, name)
    assert first <= second
    # Each business minute is a real minute, so the gap is at least the difference.
    assert second - first >= (m2 - m1) * MINUTE


@given(calendar_names, instants, instants, instants)
def test_between_is_monotonic_in_the_start(name, s1, s2, end):
    s1, s2 = sorted((s1, s2))
    assert between(s1, end, name) >= between(s2, end, name)
    assert between(end, s1, name) <= between(end, s2, name)


@given(calendar_names, instants, instants, instants)
def test_between_is_additive(name, a, b, c):
    a, b, c = sorted((a, b, c))
    assert between(a, b, name) + between(b, c, name) == between(a, c, name)


@given(calendar_names, instants, amounts, amounts)
def test_add_composes(name, start, m1, m2):
    # When the first add ends exactly at a closing time, the second continues from the next
    # opening, which is where the single add would have gone too.
    assert add(add(start, m1, name), m2, name) == add(start, m1 + m2, name)


@given(calendar_names, instants, instants)
def test_between_is_bounded_by_wall_clock_and_antisymmetric(name, s, e):
    s, e = sorted((s, e))
    forward = between(s, e, name)
    assert 0 <= forward <= int((e - s) / MINUTE)
    assert between(e, s, name) == -forward
    if name == "always-utc":
        assert forward == int((e - s) / MINUTE)


@given(calendar_names, instants, st.integers(1, 30 * 480))
def test_add_ends_open_or_at_a_closing_instant(name, start, minutes):
    result = add(start, minutes, name)
    if not opened(result, name):
        assert opened(result - timedelta(microseconds=1), name)


@given(calendar_names, instants)
def test_next_open_instant(name, at):
    calendar = CALENDARS[name]
    opening = next_open_instant(at, calendar)
    assert opening >= at
    assert is_open(opening, calendar)
    assert between(at, opening, name) == 0
    if opened(at, name):
        assert opening == at
    else:
        assert opening > at


# -- Against the day-by-day model ----------------------------------------------------------------


@given(calendar_names, instants, st.integers(0, 10 * 1440))
def test_between_matches_the_model(name, start, span):
    end = start + span * MINUTE
    assert between(start, end, name) == model_between(start, end, name)


@given(calendar_names, instants, st.integers(0, 6 * 480))
def test_add_matches_the_model(name, start, minutes):
    assert add(start, minutes, name) == model_add(start, minutes, name)


@given(calendar_names, instants)
def test_is_open_and_next_open_match_the_model(name, at):
    assert opened(at, name) == model_is_open(at, name)
    assert next_open_instant(at, CALENDARS[name]) == model_next_open(at, name)
