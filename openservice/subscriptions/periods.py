"""Invoicing and accrual periods, and proration by days. Pure: no Django.

A subscription bills one fee per period of its plan's unit (week, month, quarter, year).

- **Anchored** (the default): period n starts on start + n units, computed from the start with
  `relativedelta` (never chained from the previous period), so a subscription starting 31 Jan
  bills 31 Jan, 28/29 Feb, 31 Mar, 30 Apr, ...; a period ends the day before the next one starts.
- **Aligned to the calendar**: ISO weeks (Monday to Sunday), calendar months, quarters (from
  January, April, July, October) and years; the first period runs from the start to the end of
  its calendar period.

A period's end is its last day, inclusive, and never later than the subscription's end. A period
shorter than the full period it belongs to (the first one when aligned, the last one when the
subscription ends inside it, the days not paused) is prorated: full amount × days / days of the
full period, rounded half up once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from openservice.core.money import round_money

UNITS = ("week", "month", "quarter", "year")
_RANK = {unit: rank for rank, unit in enumerate(UNITS)}
_MONTHS = {"month": 1, "quarter": 3, "year": 12}
ONE_DAY = timedelta(days=1)
LATEST = date(9000, 12, 31)  # past every service year the system accepts


def is_longer(unit: str, than: str) -> bool:
    """Whether a period of `unit` is longer than one of `than` (week < month < quarter < year)."""
    return _RANK[unit] > _RANK[than]


def _offset(unit: str, n: int) -> relativedelta:
    if unit == "week":
        return relativedelta(weeks=n)
    return relativedelta(months=_MONTHS[unit] * n)


@dataclass(frozen=True)
class Period:
    """[start, end], both inclusive, inside the full period [full_start, full_end]."""

    start: date
    end: date
    full_start: date
    full_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def full_days(self) -> int:
        return (self.full_end - self.full_start).days + 1

    @property
    def is_partial(self) -> bool:
        return self.start != self.full_start or self.end != self.full_end


def calendar_period(day: date, unit: str) -> tuple[date, date]:
    """The calendar week (ISO, Monday first), month, quarter or year that contains `day`."""
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if unit == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    months = _MONTHS[unit]
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, start + relativedelta(months=months) - ONE_DAY


def _first_index(starts_on: date, unit: str, since: date) -> int:
    """An anchored period index at or before the one that contains `since` (a shortcut past
    the periods before it; the caller steps forward from there)."""
    if since <= starts_on:
        return 0
    if unit == "week":
        return (since - starts_on).days // 7
    months = (since.year - starts_on.year) * 12 + since.month - starts_on.month
    return max(0, months // _MONTHS[unit] - 1)


def periods(
    starts_on: date,
    unit: str,
    *,
    aligned: bool = False,
    ends_on: date | None = None,
    through: date,
    since: date | None = None,
) -> Iterator[Period]:
    """The periods of a subscription that start on or before `through`, in order; with `since`,
    only those that end on or after it."""
    if unit not in _RANK:
        raise ValueError(f"unknown period unit: {unit!r}")
    last_start = min(through, ends_on or LATEST)
    since = since or starts_on
    if aligned:
        full_start, full_end = calendar_period(max(starts_on, since), unit)
        while max(full_start, starts_on) <= last_start:
            yield Period(
                max(full_start, starts_on), min(full_end, ends_on or LATEST), full_start, full_end
            )
            full_start = full_end + ONE_DAY
            full_end = calendar_period(full_start, unit)[1]
        return
    n = _first_index(starts_on, unit, since)
    while True:
        full_start = starts_on + _offset(unit, n)
        if full_start > last_start:
            return
        full_end = starts_on + _offset(unit, n + 1) - ONE_DAY
        end = min(full_end, ends_on or LATEST)
        if end >= since:
            yield Period(full_start, end, full_start, full_end)
        n += 1


def days_outside(period: Period, gaps: Iterable[tuple[date, date | None]]) -> int:
    """The days of the period outside all of the gaps ([first, last] inclusive, last None =
    open-ended), such as the subscription's pauses."""
    inside = sorted(
        (max(first, period.start), min(last or LATEST, period.end))
        for first, last in gaps
        if first <= period.end and (last is None or last >= period.start)
    )
    covered, reach = 0, None  # reach: the last day counted so far
    for low, high in inside:
        if reach is not None and low <= reach:
            low = reach + ONE_DAY
        if low <= high:
            covered += (high - low).days + 1
            reach = high
    return period.days - covered


def prorate(full_amount: Decimal, days: int, full_days: int, currency: str) -> Decimal:
    """The amount for `days` of a period of `full_days`: exact, then rounded half up once."""
    if not 0 <= days <= full_days or full_days <= 0:
        raise ValueError(f"{days} days of a period of {full_days}")
    if days == full_days:
        return round_money(full_amount, currency)
    return round_money(full_amount * days / full_days, currency)


def split(period_start: date, period_end: date, unit: str) -> list[tuple[date, date]]:
    """[start, end] cut at the boundaries of the calendar periods of `unit` (for accruals: the
    service period of a fee spread over the accounting months, quarters, ...)."""
    parts = []
    start = period_start
    while start <= period_end:
        end = min(calendar_period(start, unit)[1], period_end)
        parts.append((start, end))
        start = end + ONE_DAY
    return parts


def allocate(amount: Decimal, weights: list[int], currency: str) -> list[Decimal]:
    """`amount` (already in the currency's minor unit) shared in proportion to the weights, in
    the minor unit, so that the parts sum exactly to it: each part is its exact share rounded
    towards zero, and the cents left go one each to the largest remainders (ties: earlier
    parts first). A part is never more than one cent from its exact share, and never of the
    other sign."""
    total_weight = sum(weights)
    if not weights or total_weight <= 0 or any(w < 0 for w in weights):
        raise ValueError(f"weights must be non-negative with a positive sum: {weights}")
    quantum = round_money(0, currency).as_tuple().exponent
    unit = Decimal(1).scaleb(quantum)
    minor = int((amount / unit).to_integral_value())
    if Decimal(minor) * unit != amount:
        raise ValueError(f"{amount} is not in the minor unit of {currency}")
    sign = -1 if minor < 0 else 1
    minor = abs(minor)
    shares = [divmod(minor * w, total_weight) for w in weights]
    parts = [whole for whole, _rest in shares]
    left = minor - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
    for index in by_remainder[:left]:
        parts[index] += 1
    return [Decimal(sign * part) * unit for part in parts]
