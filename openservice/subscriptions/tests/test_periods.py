"""periods.py: invoicing periods (anchored and aligned), proration, accrual splits and the
largest-remainder allocation, by worked examples and hypothesis properties."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openservice.subscriptions.periods import (
    Period,
    allocate,
    calendar_period,
    days_outside,
    is_longer,
    periods,
    prorate,
    split,
)


def bounds(found):
    return [(p.start, p.end) for p in found]


def test_monthly_from_31_january_is_anchored_on_the_start_not_chained():
    found = list(periods(date(2027, 1, 31), "month", through=date(2027, 5, 31)))

    assert [p.start for p in found] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    assert found[0].end == date(2027, 2, 27)
    assert found[1].end == date(2027, 3, 30)
    assert not any(p.is_partial for p in found)


def test_monthly_from_31_january_in_a_leap_year_starts_on_29_february():
    found = list(periods(date(2028, 1, 31), "month", through=date(2028, 3, 31)))

    assert bounds(found) == [
        (date(2028, 1, 31), date(2028, 2, 28)),
        (date(2028, 2, 29), date(2028, 3, 30)),
        (date(2028, 3, 31), date(2028, 4, 29)),
    ]


def test_aligned_monthly_from_31_january_first_bills_31_january_alone():
    found = list(periods(date(2027, 1, 31), "month", aligned=True, through=date(2027, 3, 1)))

    assert bounds(found) == [
        (date(2027, 1, 31), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2027, 3, 31)),
    ]
    assert (found[0].days, found[0].full_days, found[0].is_partial) == (1, 31, True)


def test_weekly_periods_anchored_and_aligned_to_iso_weeks():
    wednesday = date(2027, 1, 6)

    anchored = list(periods(wednesday, "week", through=date(2027, 1, 13)))
    aligned = list(periods(wednesday, "week", aligned=True, through=date(2027, 1, 13)))

    assert bounds(anchored) == [
        (date(2027, 1, 6), date(2027, 1, 12)),
        (date(2027, 1, 13), date(2027, 1, 19)),
    ]
    assert bounds(aligned) == [
        (date(2027, 1, 6), date(2027, 1, 10)),  # Wednesday to Sunday of its ISO week
        (date(2027, 1, 11), date(2027, 1, 17)),
    ]
    assert (aligned[0].full_start, aligned[0].full_days) == (date(2027, 1, 4), 7)


def test_quarters_anchored_and_aligned():
    anchored = list(periods(date(2027, 2, 15), "quarter", through=date(2027, 8, 15)))
    aligned = list(periods(date(2027, 2, 15), "quarter", aligned=True, through=date(2027, 8, 15)))

    assert bounds(anchored) == [
        (date(2027, 2, 15), date(2027, 5, 14)),
        (date(2027, 5, 15), date(2027, 8, 14)),
        (date(2027, 8, 15), date(2027, 11, 14)),
    ]
    assert bounds(aligned) == [
        (date(2027, 2, 15), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 6, 30)),
        (date(2027, 7, 1), date(2027, 9, 30)),
    ]
    assert (aligned[0].days, aligned[0].full_days) == (45, 90)


def test_yearly_from_29_february_falls_back_to_28_february_and_returns_in_leap_years():
    found = list(periods(date(2024, 2, 29), "year", through=date(2028, 3, 1)))

    assert [p.start for p in found] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert found[3].end == date(2028, 2, 28)
    assert found[0].full_days == 365


def test_the_last_period_ends_with_the_subscription_and_is_partial():
    found = list(
        periods(date(2027, 1, 1), "month", ends_on=date(2027, 3, 10), through=date(2027, 12, 31))
    )

    assert bounds(found)[-1] == (date(2027, 3, 1), date(2027, 3, 10))
    assert (found[-1].days, found[-1].full_days, found[-1].is_partial) == (10, 31, True)
    assert len(found) == 3


def test_a_period_is_included_when_it_starts_on_the_through_date():
    assert len(list(periods(date(2027, 1, 1), "month", through=date(2027, 2, 1)))) == 2
    assert len(list(periods(date(2027, 1, 1), "month", through=date(2027, 1, 31)))) == 1
    assert list(periods(date(2027, 1, 1), "month", through=date(2026, 12, 31))) == []


def test_since_skips_the_periods_that_ended_before_it():
    found = list(
        periods(date(2020, 1, 31), "month", through=date(2027, 3, 31), since=date(2027, 2, 27))
    )

    assert bounds(found) == [
        (date(2027, 1, 31), date(2027, 2, 27)),
        (date(2027, 2, 28), date(2027, 3, 30)),
        (date(2027, 3, 31), date(2027, 4, 29)),
    ]


def test_calendar_periods():
    assert calendar_period(date(2027, 11, 26), "week") == (date(2027, 11, 22), date(2027, 11, 28))
    assert calendar_period(date(2028, 2, 10), "month") == (date(2028, 2, 1), date(2028, 2, 29))
    assert calendar_period(date(2027, 11, 26), "quarter") == (date(2027, 10, 1), date(2027, 12, 31))
    assert calendar_period(date(2027, 11, 26), "year") == (date(2027, 1, 1), date(2027, 12, 31))


def test_unit_lengths_are_ordered():
    assert is_longer("month", "week") and is_longer("year", "quarter")
    assert not is_longer("month", "month") and not is_longer("week", "month")


def test_proration_rounds_once_half_up():
    assert prorate(Decimal("100.00"), 31, 31, "EUR") == Decimal("100.00")
    assert prorate(Decimal("100.00"), 1, 31, "EUR") == Decimal("3.23")  # 3.2258...
    assert prorate(Decimal("90.00"), 45, 90, "EUR") == Decimal("45.00")
    assert prorate(Decimal("0.05"), 1, 2, "EUR") == Decimal("0.03")  # 0.025 half up
    assert prorate(Decimal("1000"), 1, 3, "JPY") == Decimal("333")
    with pytest.raises(ValueError):
        prorate(Decimal("1"), 32, 31, "EUR")


def test_paused_days_are_counted_once_however_the_pauses_overlap():
    january = Period(date(2027, 1, 1), date(2027, 1, 31), date(2027, 1, 1), date(2027, 1, 31))

    assert days_outside(january, []) == 31
    assert days_outside(january, [(date(2027, 1, 5), date(2027, 1, 10))]) == 25
    assert (
        days_outside(
            january,
            [
                (date(2027, 1, 8), date(2027, 1, 12)),
                (date(2027, 1, 5), date(2027, 1, 10)),
                (date(2027, 1, 6), date(2027, 1, 7)),
                (date(2027, 1, 30), None),
            ],
        )
        == 21
    )
    assert days_outside(january, [(date(2026, 12, 1), None)]) == 0
    assert days_outside(january, [(date(2026, 12, 1), date(2026, 12, 31))]) == 31


def test_a_quarterly_fee_splits_over_calendar_months():
    assert split(date(2027, 1, 15), date(2027, 4, 14), "month") == [
        (date(2027, 1, 15), date(2027, 1, 31)),
        (date(2027, 2, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2027, 3, 31)),
        (date(2027, 4, 1), date(2027, 4, 14)),
    ]
    assert split(date(2027, 1, 1), date(2027, 12, 31), "year") == [
        (date(2027, 1, 1), date(2027, 12, 31))
    ]


def test_allocation_by_largest_remainder():
    # 100.00 over 17, 28, 31, 14 days: exact 18.888.., 31.111.., 34.444.., 15.555..
    assert allocate(Decimal("100.00"), [17, 28, 31, 14], "EUR") == [
        Decimal("18.89"),
        Decimal("31.11"),
        Decimal("34.44"),
        Decimal("15.56"),
    ]
    # ties go to the earlier parts
    assert allocate(Decimal("0.02"), [1, 1, 1], "EUR") == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.00"),
    ]
    assert allocate(Decimal("-10.00"), [1, 2], "EUR") == [Decimal("-3.33"), Decimal("-6.67")]
    with pytest.raises(ValueError):
        allocate(Decimal("1.005"), [1, 1], "EUR")
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [0, 0], "EUR")


units = st.sampled_from(["week", "month", "quarter", "year"])
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(
    starts_on=days,
    unit=units,
    aligned=st.booleans(),
    length=st.integers(0, 2000),
    ends_after=st.none() | st.integers(0, 2000),
)
def test_periods_tile_the_subscription_without_gaps_or_overlaps(
    starts_on, unit, aligned, length, ends_after
):
    through = starts_on + timedelta(days=length)
    ends_on = None if ends_after is None else starts_on + timedelta(days=ends_after)

    found = list(periods(starts_on, unit, aligned=aligned, ends_on=ends_on, through=through))

    assert found, "the first period starts on the start, on or before `through`"
    assert found[0].start == starts_on
    for before, after in pairwise(found):
        assert after.start == before.end + timedelta(days=1)
    for period in found:
        assert period.start <= through
        assert period.full_start <= period.start <= period.end <= period.full_end
        assert ends_on is None or period.end <= ends_on
        assert period.is_partial == (period.days != period.full_days)
        if not aligned:
            assert period.start == period.full_start
    if ends_on is not None and ends_on <= through:
        assert found[-1].end == ends_on
    else:
        assert found[-1].end >= through or found[-1].end == ends_on


@given(starts_on=days, unit=units, aligned=st.booleans(), skip=st.integers(0, 1500))
def test_since_gives_the_tail_of_the_same_periods(starts_on, unit, aligned, skip):
    through = starts_on + timedelta(days=1600)
    since = starts_on + timedelta(days=skip)

    every = list(periods(starts_on, unit, aligned=aligned, through=through))
    tail = list(periods(starts_on, unit, aligned=aligned, through=through, since=since))

    assert tail == [p for p in every if p.end >= since]


amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2)


@given(amount=amounts, weights=st.lists(st.integers(0, 400), min_size=1, max_size=14))
def test_allocated_parts_sum_to_the_amount_and_stay_within_a_cent_of_their_share(amount, weights):
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]

    parts = allocate(amount, weights, "EUR")

    assert sum(parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        exact = amount * weight / sum(weights)
        assert abs(part - exact) < Decimal("0.01")
        assert part.as_tuple().exponent == -2
        if amount > 0:
            assert part >= 0
        if amount < 0:
            assert part <= 0


@given(
    amount=st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2),
    full_days=st.integers(1, 366),
    data=st.data(),
)
def test_proration_is_within_half_a_cent_and_monotonic(amount, full_days, data):
    days_ = data.draw(st.integers(0, full_days))

    part = prorate(amount, days_, full_days, "EUR")

    assert abs(part - amount * days_ / full_days) <= Decimal("0.005")
    if days_ < full_days:
        assert part <= prorate(amount, days_ + 1, full_days, "EUR")
    assert prorate(amount, full_days, full_days, "EUR") == amount
