"""The pure parts of building the optimiser's problem: skills with levels as tokens, a day's
calendar intervals as one shift with breaks, and the windows a visit may lie in."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from openservice.calendars.arithmetic import Calendar, make_interval
from openservice.dispatch import planning
from openservice.dispatch.tests.factories import MONDAY, at

HELSINKI = ZoneInfo("Europe/Helsinki")
levels = st.dictionaries(st.integers(1, 500), st.integers(1, 5), max_size=6)


@given(held=levels, needed=levels)
def test_tokens_hold_exactly_when_every_level_is_reached(held, needed):
    tokens_held = planning._skill_tokens(held, held=True)
    tokens_needed = planning._skill_tokens(needed, held=False)

    reached = all(held.get(skill, 0) >= level for skill, level in needed.items())
    assert (tokens_needed <= tokens_held) == reached


def calendar(*intervals: tuple[str, str]) -> Calendar:
    day = tuple(make_interval(start, end) for start, end in intervals)
    return Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(5), day))


def test_a_day_with_a_lunch_gap_is_one_shift_with_the_gap_as_its_break():
    lunch = calendar(("08:00", "11:30"), ("12:00", "16:00"))

    [shift] = planning._shifts(lunch, [MONDAY, MONDAY + timedelta(days=5)], at(6))

    assert (shift.start, shift.end) == (at(8), at(16))
    assert [(b.earliest, b.latest, b.minutes) for b in shift.breaks] == [(at(11, 30), at(12), 30)]


def test_a_day_under_way_starts_now_and_drops_the_breaks_behind():
    lunch = calendar(("08:00", "11:30"), ("12:00", "16:00"))

    [shift] = planning._shifts(lunch, [MONDAY], at(11, 45))

    assert (shift.start, shift.end) == (at(11, 45), at(16))
    assert [(b.earliest, b.latest, b.minutes) for b in shift.breaks] == [(at(11, 45), at(12), 15)]
    assert planning._shifts(lunch, [MONDAY], at(16)) == ()


clock = st.integers(0, 24 * 60 // 15).map(lambda quarter: quarter * 15)


@given(
    cuts=st.lists(clock, min_size=2, max_size=8, unique=True).map(sorted),
    now_minutes=st.integers(0, 24 * 60),
)
def test_shifts_hold_their_breaks_and_cover_the_open_time(cuts, now_minutes):
    pairs = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    week = {n: tuple(pairs) for n in range(7)}
    day_calendar = Calendar(timezone="Europe/Helsinki", week=week)
    now = datetime.combine(MONDAY, time.min, tzinfo=HELSINKI) + timedelta(minutes=now_minutes)

    shifts = planning._shifts(day_calendar, [MONDAY], now)

    # 2027-03-01 has no clock change: local minutes are linear.
    open_after_now = 60 * sum(max(0, b - max(a, now_minutes)) for a, b in pairs)
    if not shifts:
        assert open_after_now < 60
        return
    [shift] = shifts
    assert shift.start >= now
    rest = sum(b.minutes for b in shift.breaks) * 60
    for rest_break in shift.breaks:
        assert shift.start <= rest_break.earliest < rest_break.latest <= shift.end
    assert (shift.end - shift.start).total_seconds() - rest == open_after_now


def test_windows_are_the_requested_window_within_the_agreement_hours():
    hours = calendar(("09:00", "12:00"), ("13:00", "15:00"))

    class Order:
        requested_start = at(10)
        requested_end = at(14)
        agreement = None

    start, end = at(0), at(0, day=1)
    assert planning._windows(Order, start, end, [MONDAY]) == ((at(10), at(14)),)
    assert planning._windows_within(hours, at(10), at(14), [MONDAY]) == (
        (at(10), at(12)),
        (at(13), at(14)),
    )


def test_no_requested_window_and_no_agreement_hours_is_anywhere():
    class Order:
        requested_start = None
        requested_end = None
        agreement = None

    assert planning._windows(Order, at(0), at(0, day=1), [date(2027, 3, 1)]) is None
