"""Tests for `openservice.agreements.recurrence` (pure Python, no database).

The examples pin the calendar edge cases (month ends, 29 February, ISO weeks across a year end);
the properties compare `occurrences` with an independent model written here (year/month
arithmetic clamped to the month's length, without dateutil) and with the full series filtered.
"""

import calendar
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openservice.agreements.recurrence import (
    DAY,
    DAYS,
    EXACT,
    MONTH,
    ONCE,
    SAME_MONTH,
    SAME_WEEK,
    UNITS,
    WEEK,
    WINDOWS,
    YEAR,
    Rule,
    min_gap_days,
    occurrence,
    occurrences,
    window,
    window_fits,
)

FAR = date(2100, 12, 31)


def _model_occurrence(rule: Rule, n: int) -> date:
    """Occurrence n computed without dateutil: days/weeks by days, months/years by moving the
    month and clamping the day to the month's length."""
    start = rule.starts_on
    if rule.unit == ONCE:
        return start
    if rule.unit == DAY:
        return start + timedelta(days=n * rule.every)
    if rule.unit == WEEK:
        return start + timedelta(days=7 * n * rule.every)
    months = n * rule.every * (1 if rule.unit == MONTH else 12)
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _full_series(rule: Rule, end: date) -> list[date]:
    """Every occurrence from the start up to `end` and the rule's end, by counting n upwards."""
    last = end if rule.ends_on is None else min(end, rule.ends_on)
    if rule.unit == ONCE:
        return [rule.starts_on] if rule.starts_on <= last else []
    found = []
    n = 0
    while (day := _model_occurrence(rule, n)) <= last:
        found.append(day)
        n += 1
    return found


# -- examples: occurrences -------------------------------------------------------------------


def test_monthly_on_the_31st_clamps_to_each_month_end_without_drifting():
    rule = Rule(date(2027, 1, 31), MONTH)
    assert occurrences(rule, date(2027, 1, 1), date(2027, 5, 31)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_monthly_on_the_31st_falls_on_29_february_in_a_leap_year():
    rule = Rule(date(2028, 1, 31), MONTH)
    assert occurrences(rule, date(2028, 1, 1), date(2028, 4, 30)) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
    ]


def test_yearly_on_29_february_falls_on_28_february_until_the_next_leap_year():
    rule = Rule(date(2028, 2, 29), YEAR)
    assert occurrences(rule, date(2028, 1, 1), date(2032, 12, 31)) == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_occurrence_counts_from_the_start_not_from_the_previous_occurrence():
    rule = Rule(date(2027, 1, 31), MONTH)
    assert occurrence(rule, 0) == date(2027, 1, 31)
    assert occurrence(rule, 1) == date(2027, 2, 28)
    assert occurrence(rule, 2) == date(2027, 3, 31)
    assert occurrence(rule, 13) == date(2028, 2, 29)


def test_weekly_falls_on_the_same_weekday_every_week():
    rule = Rule(date(2027, 12, 20), WEEK)  # a Monday
    assert occurrences(rule, date(2027, 12, 1), date(2028, 1, 17)) == [
        date(2027, 12, 20),
        date(2027, 12, 27),
        date(2028, 1, 3),
        date(2028, 1, 10),
        date(2028, 1, 17),
    ]


def test_every_two_weeks_skips_every_other_week():
    rule = Rule(date(2027, 3, 3), WEEK, every=2)
    assert occurrences(rule, date(2027, 3, 1), date(2027, 4, 30)) == [
        date(2027, 3, 3),
        date(2027, 3, 17),
        date(2027, 3, 31),
        date(2027, 4, 14),
        date(2027, 4, 28),
    ]


def test_daily_crosses_the_end_of_february_and_of_the_year():
    rule = Rule(date(2028, 2, 27), DAY)
    assert occurrences(rule, date(2028, 2, 1), date(2028, 3, 1)) == [
        date(2028, 2, 27),
        date(2028, 2, 28),
        date(2028, 2, 29),
        date(2028, 3, 1),
    ]
    assert occurrences(Rule(date(2027, 12, 30), DAY, every=2), date(2027, 12, 1), FAR)[:3] == [
        date(2027, 12, 30),
        date(2028, 1, 1),
        date(2028, 1, 3),
    ]


def test_once_occurs_only_on_its_start_and_only_if_it_is_in_range():
    rule = Rule(date(2027, 6, 15))
    assert rule.unit == ONCE
    assert occurrences(rule, date(2027, 1, 1), date(2027, 12, 31)) == [date(2027, 6, 15)]
    assert occurrences(rule, date(2027, 6, 15), date(2027, 6, 15)) == [date(2027, 6, 15)]
    assert occurrences(rule, date(2027, 6, 16), date(2027, 12, 31)) == []
    assert occurrences(rule, date(2027, 1, 1), date(2027, 6, 14)) == []
    assert occurrence(rule, 5) == date(2027, 6, 15)


def test_once_after_its_end_does_not_occur():
    rule = Rule(date(2027, 6, 15), ends_on=date(2027, 6, 14))
    assert occurrences(rule, date(2027, 1, 1), date(2027, 12, 31)) == []


def test_ends_on_clips_the_series_inclusively():
    rule = Rule(date(2027, 1, 1), WEEK, ends_on=date(2027, 1, 22))
    assert occurrences(rule, date(2026, 1, 1), date(2030, 1, 1)) == [
        date(2027, 1, 1),
        date(2027, 1, 8),
        date(2027, 1, 15),
        date(2027, 1, 22),
    ]
    assert occurrences(
        Rule(date(2027, 1, 1), WEEK, ends_on=date(2027, 1, 21)), date(2027, 1, 1), FAR
    )[-1] == date(2027, 1, 15)


def test_nothing_occurs_before_the_start_or_in_an_empty_range():
    rule = Rule(date(2027, 5, 10), MONTH)
    assert occurrences(rule, date(2027, 1, 1), date(2027, 5, 9)) == []
    assert occurrences(rule, date(2027, 7, 1), date(2027, 6, 1)) == []


@pytest.mark.parametrize(
    ("rule", "start"),
    [
        (Rule(date(2027, 1, 31), MONTH), date(2027, 3, 1)),
        (Rule(date(2027, 1, 31), MONTH), date(2027, 2, 28)),
        (Rule(date(2027, 1, 31), MONTH), date(2027, 3, 31)),
        (Rule(date(2027, 1, 31), MONTH, every=3), date(2029, 5, 2)),
        (Rule(date(2028, 2, 29), YEAR), date(2030, 3, 1)),
        (Rule(date(2028, 2, 29), YEAR), date(2031, 2, 28)),
        (Rule(date(2027, 1, 6), WEEK, every=2), date(2027, 2, 4)),
        (Rule(date(2027, 1, 6), DAY, every=3), date(2027, 2, 8)),
    ],
)
def test_a_start_in_the_middle_of_the_series_gives_the_filtered_full_series(rule, start):
    end = date(2035, 12, 31)
    full = occurrences(rule, rule.starts_on, end)
    assert occurrences(rule, start, end) == [day for day in full if day >= start]


@pytest.mark.parametrize("every", [0, -1])
def test_an_interval_below_one_is_refused(every):
    with pytest.raises(ValueError, match="at least 1"):
        Rule(date(2027, 1, 1), WEEK, every=every)


@pytest.mark.parametrize("unit", ["days", "fortnight", "Week", None])
def test_an_unknown_unit_is_refused(unit):
    with pytest.raises(ValueError, match="unknown interval unit"):
        Rule(date(2027, 1, 1), unit)


# -- examples: windows -----------------------------------------------------------------------


def test_exact_window_is_the_day_itself():
    assert window(date(2027, 6, 15), EXACT) == (date(2027, 6, 15), date(2027, 6, 15))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 6, 14), (date(2027, 6, 14), date(2027, 6, 20))),  # a Monday
        (date(2027, 6, 16), (date(2027, 6, 14), date(2027, 6, 20))),  # a Wednesday
        (date(2027, 6, 20), (date(2027, 6, 14), date(2027, 6, 20))),  # a Sunday
        # ISO week 52 of 2027 runs Monday 27 December 2027 to Sunday 2 January 2028.
        (date(2027, 12, 31), (date(2027, 12, 27), date(2028, 1, 2))),
        (date(2028, 1, 2), (date(2027, 12, 27), date(2028, 1, 2))),
        (date(2028, 1, 3), (date(2028, 1, 3), date(2028, 1, 9))),
    ],
)
def test_same_week_window_is_the_iso_week_monday_to_sunday(day, expected):
    assert window(day, SAME_WEEK) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2028, 2, 14), (date(2028, 2, 1), date(2028, 2, 29))),
        (date(2027, 2, 14), (date(2027, 2, 1), date(2027, 2, 28))),
        (date(2027, 12, 31), (date(2027, 12, 1), date(2027, 12, 31))),
        (date(2027, 4, 1), (date(2027, 4, 1), date(2027, 4, 30))),
    ],
)
def test_same_month_window_is_the_calendar_month(day, expected):
    assert window(day, SAME_MONTH) == expected


def test_days_window_reaches_before_and_after_across_month_and_year_ends():
    assert window(date(2027, 6, 15), DAYS, 2, 3) == (date(2027, 6, 13), date(2027, 6, 18))
    assert window(date(2028, 1, 1), DAYS, 3, 0) == (date(2027, 12, 29), date(2028, 1, 1))
    assert window(date(2028, 2, 28), DAYS, 0, 2) == (date(2028, 2, 28), date(2028, 3, 1))
    assert window(date(2027, 6, 15), DAYS) == (date(2027, 6, 15), date(2027, 6, 15))


def test_an_unknown_window_is_refused():
    with pytest.raises(ValueError, match="unknown window"):
        window(date(2027, 6, 15), "same_year")


# -- examples: gaps and window_fits ----------------------------------------------------------


def test_min_gap_days_per_unit():
    assert min_gap_days(ONCE, 1) is None
    assert min_gap_days(DAY, 3) == 3
    assert min_gap_days(WEEK, 2) == 14
    assert min_gap_days(MONTH, 1) == 28
    assert min_gap_days(MONTH, 2) == 58
    assert min_gap_days(YEAR, 1) == 365


@pytest.mark.parametrize(
    ("unit", "every", "kind", "before", "after", "fits"),
    [
        (WEEK, 1, SAME_WEEK, 0, 0, True),
        (DAY, 7, SAME_WEEK, 0, 0, True),
        (DAY, 3, SAME_WEEK, 0, 0, False),
        (DAY, 6, SAME_WEEK, 0, 0, False),
        (WEEK, 1, DAYS, 3, 3, True),
        (WEEK, 1, DAYS, 4, 3, False),
        (WEEK, 1, DAYS, 0, 7, False),
        (DAY, 1, DAYS, 0, 0, True),
        (DAY, 1, DAYS, 1, 0, False),
        (MONTH, 1, SAME_MONTH, 0, 0, True),
        (YEAR, 1, SAME_MONTH, 0, 0, True),
        (MONTH, 1, SAME_WEEK, 0, 0, True),
        (MONTH, 1, DAYS, 14, 13, True),
        (MONTH, 1, DAYS, 14, 14, False),
        (WEEK, 4, SAME_MONTH, 0, 0, False),
        (WEEK, 5, SAME_MONTH, 0, 0, True),
        (DAY, 30, SAME_MONTH, 0, 0, False),
        (DAY, 31, SAME_MONTH, 0, 0, True),
        (DAY, 1, EXACT, 0, 0, True),
        (ONCE, 1, SAME_MONTH, 0, 0, True),
        (ONCE, 1, SAME_WEEK, 0, 0, True),
        (ONCE, 1, DAYS, 400, 400, True),
    ],
)
def test_window_fits_examples(unit, every, kind, before, after, fits):
    assert window_fits(unit, every, kind, before, after) is fits


def test_refused_windows_really_overlap_for_some_start():
    # Every 3 days in one ISO week: Monday and Thursday.
    rule = Rule(date(2027, 6, 14), DAY, every=3)
    assert window(occurrence(rule, 0), SAME_WEEK) == window(occurrence(rule, 1), SAME_WEEK)
    # Every 4 weeks in one month: 1 and 29 March.
    rule = Rule(date(2027, 3, 1), WEEK, every=4)
    assert window(occurrence(rule, 0), SAME_MONTH) == window(occurrence(rule, 1), SAME_MONTH)
    # Weekly, 4 days before and 3 after: 1 June's window reaches 8 June's (4 June).
    rule = Rule(date(2027, 6, 1), WEEK)
    assert window(occurrence(rule, 0), DAYS, 4, 3)[1] >= window(occurrence(rule, 1), DAYS, 4, 3)[0]


def test_min_gap_days_holds_for_every_month_end_start_and_interval():
    # Exhaustive over the days where clamping can happen (25th to the month end) for four years
    # (one leap cycle) and monthly/yearly intervals up to two years.
    day = date(2027, 1, 1)
    while day < date(2031, 1, 1):
        if day.day >= 25:
            for unit, everies in ((MONTH, range(1, 25)), (YEAR, range(1, 4))):
                for every in everies:
                    rule = Rule(day, unit, every)
                    gap = min_gap_days(unit, every)
                    series = [occurrence(rule, n) for n in range(9 if unit == MONTH else 5)]
                    for earlier, later in pairwise(series):
                        assert (later - earlier).days >= gap, (rule, earlier, later)
        day += timedelta(days=1)


# -- properties ------------------------------------------------------------------------------

days_ = st.dates(min_value=date(1999, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def rules(draw, max_every=6):
    unit = draw(st.sampled_from((ONCE, *UNITS)))
    starts_on = draw(days_)
    # Months up to two years, so that month/year clamping and multi-month gaps are covered.
    every = draw(st.integers(1, 24 if unit == MONTH else max_every))
    ends_on = draw(
        st.none() | st.integers(-30, 4000).map(lambda offset: starts_on + timedelta(days=offset))
    )
    return Rule(starts_on, unit, every, ends_on)


@st.composite
def rule_and_range(draw):
    rule = draw(rules())
    # A range around the rule's start, never longer than ~3 years (daily rules stay small).
    start = rule.starts_on + timedelta(days=draw(st.integers(-400, 1500)))
    end = start + timedelta(days=draw(st.integers(-5, 1200)))
    return rule, start, end


@settings(max_examples=150, deadline=None)
@given(rule=rules(), n=st.integers(0, 600))
def test_occurrence_n_is_the_start_plus_n_intervals(rule, n):
    assert occurrence(rule, n) == _model_occurrence(rule, n)


@settings(max_examples=150, deadline=None)
@given(rule_and_range())
def test_occurrences_are_the_filtered_full_series(case):
    rule, start, end = case
    found = occurrences(rule, start, end)
    assert found == [day for day in _full_series(rule, end) if day >= start]


@settings(max_examples=150, deadline=None)
@given(rule_and_range())
def test_occurrences_are_in_range_in_validity_increasing_and_consecutive(case):
    rule, start, end = case
    found = occurrences(rule, start, end)
    for day in found:
        assert start <= day <= end
        assert rule.starts_on <= day
        assert rule.ends_on is None or day <= rule.ends_on
    assert all(a < b for a, b in pairwise(found))
    if rule.unit == ONCE:
        assert found in ([], [rule.starts_on])
        return
    if not found:
        return
    # Consecutive indexes n0, n0 + 1, ... with nothing of the series left out on either side.
    n0 = next(n for n in range(100_000) if occurrence(rule, n) >= start)
    assert found == [occurrence(rule, n0 + i) for i in range(len(found))]
    after = occurrence(rule, n0 + len(found))
    assert after > end or (rule.ends_on is not None and after > rule.ends_on)


@settings(max_examples=150, deadline=None)
@given(rule_and_range(), st.integers(-1, 1300))
def test_occurrences_split_at_any_day_are_the_two_halves_joined(case, offset):
    rule, a, c = case
    if c < a:
        return
    b = min(a + timedelta(days=offset), c)  # from the day before a (empty first half) up to c
    assert occurrences(rule, a, c) == occurrences(rule, a, b) + occurrences(
        rule, b + timedelta(days=1), c
    )


@settings(max_examples=200, deadline=None)
@given(rules(max_every=10), st.integers(0, 200))
def test_consecutive_occurrences_are_at_least_min_gap_days_apart(rule, n):
    gap = min_gap_days(rule.unit, rule.every)
    if rule.unit == ONCE:
        assert gap is None
        return
    for k in range(n, n + 4):
        assert (occurrence(rule, k + 1) - occurrence(rule, k)).days >= gap


@settings(max_examples=300, deadline=None)
@given(
    rules(max_every=10),
    st.integers(0, 200),
    st.sampled_from(WINDOWS),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_windows_of_consecutive_occurrences_never_overlap_when_they_fit(
    rule, n, kind, before, after
):
    if rule.unit == ONCE or not window_fits(rule.unit, rule.every, kind, before, after):
        return
    for k in range(n, n + 4):
        first = window(occurrence(rule, k), kind, before, after)
        second = window(occurrence(rule, k + 1), kind, before, after)
        assert first[1] < second[0], (rule, k, first, second)


def test_the_last_representable_dates_end_the_series_instead_of_failing():
    rule = Rule(date(9999, 12, 1), WEEK)
    assert occurrences(rule, date(9999, 12, 1), date.max) == [
        date(9999, 12, 1),
        date(9999, 12, 8),
        date(9999, 12, 15),
        date(9999, 12, 22),
        date(9999, 12, 29),
    ]
    assert window(date(9999, 12, 30), DAYS, 1, 5) == (date(9999, 12, 29), date.max)
    assert window(date(1, 1, 2), SAME_WEEK) == (date.min, date(1, 1, 7))
