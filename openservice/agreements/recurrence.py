"""When an agreement line recurs, and how far each occurrence may move. Pure: dates in, dates out.

Occurrence n of a line is its start + n × interval, always counted from the start with
`relativedelta` and never chained from the previous occurrence: a line starting on 31 January
every month falls on 31 Jan, 28 (29) Feb, 31 Mar, 30 Apr — chaining would drift to the 28th for
good. A line without an interval occurs once, on its start.

A window is the range of days an occurrence may move to so that several occurrences share one
visit, or a visit avoids a closed day: the exact day, its ISO week (Monday to Sunday), its
calendar month, or N days before and M days after.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

ONCE, DAY, WEEK, MONTH, YEAR = "", "day", "week", "month", "year"
UNITS = (DAY, WEEK, MONTH, YEAR)
EXACT, SAME_WEEK, SAME_MONTH, DAYS = "exact", "same_week", "same_month", "days"
WINDOWS = (EXACT, SAME_WEEK, SAME_MONTH, DAYS)


@dataclass(frozen=True)
class Rule:
    """A line's recurrence: from `starts_on` (the first occurrence) every `every` `unit`s,
    until `ends_on` inclusive (None: open-ended). `unit` ONCE means a single occurrence."""

    starts_on: date
    unit: str = ONCE
    every: int = 1
    ends_on: date | None = None

    def __post_init__(self) -> None:
        if self.unit not in (ONCE, *UNITS):
            raise ValueError(f"unknown interval unit {self.unit!r}")
        if self.every < 1:
            raise ValueError("the interval must be at least 1")


def _step(unit: str, amount: int) -> relativedelta | timedelta:
    if unit == DAY:
        return timedelta(days=amount)
    if unit == WEEK:
        return timedelta(weeks=amount)
    if unit == MONTH:
        return relativedelta(months=amount)
    return relativedelta(years=amount)


def occurrence(rule: Rule, n: int) -> date:
    """Occurrence number n (0 is the start), ignoring the end."""
    if n == 0 or rule.unit == ONCE:
        return rule.starts_on
    return rule.starts_on + _step(rule.unit, n * rule.every)


def _first_index_on_or_after(rule: Rule, day: date) -> int:
    """The smallest n whose occurrence is on or after `day` (for a recurring rule)."""
    if day <= rule.starts_on:
        return 0
    if rule.unit in (DAY, WEEK):
        span = rule.every * (1 if rule.unit == DAY else 7)
        return -(-(day - rule.starts_on).days // span)
    months = (day.year - rule.starts_on.year) * 12 + day.month - rule.starts_on.month
    per_step = rule.every * (1 if rule.unit == MONTH else 12)
    # An estimate at most one step too far either way (clamping moves a date by < 1 month).
    n = max(0, months // per_step - 1)
    while occurrence(rule, n) < day:
        n += 1
    while n > 0 and occurrence(rule, n - 1) >= day:
        n -= 1
    return n


def occurrences(rule: Rule, start: date, end: date) -> list[date]:
    """The rule's occurrences in [start, end] (and in the rule's own validity), in order."""
    last = end if rule.ends_on is None else min(end, rule.ends_on)
    if rule.unit == ONCE:
        return [rule.starts_on] if start <= rule.starts_on <= last else []
    found: list[date] = []
    n = _first_index_on_or_after(rule, start)
    while True:
        try:
            day = occurrence(rule, n)
        except (OverflowError, ValueError):  # past the last representable date
            return found
        if day > last:
            return found
        found.append(day)
        n += 1


def window(day: date, kind: str, before: int = 0, after: int = 0) -> tuple[date, date]:
    """The first and last day an occurrence on `day` may move to."""
    if kind == EXACT:
        return day, day
    if kind == SAME_WEEK:
        monday = _plus(day, -day.weekday())
        return monday, _plus(monday, 6)
    if kind == SAME_MONTH:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if kind == DAYS:
        return _plus(day, -before), _plus(day, after)
    raise ValueError(f"unknown window {kind!r}")


def _plus(day: date, days: int) -> date:
    """`day` moved by `days`, held at the first or last representable date."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


def min_gap_days(unit: str, every: int) -> int | None:
    """The fewest days between two consecutive occurrences (None for a one-off line): n months
    are at least February plus n - 1 thirty-day months, n years at least 365 days each."""
    if unit == ONCE:
        return None
    if unit == DAY:
        return every
    if unit == WEEK:
        return 7 * every
    if unit == MONTH:
        return 28 + 30 * (every - 1)
    return 365 * every


def window_fits(unit: str, every: int, kind: str, before: int = 0, after: int = 0) -> bool:
    """Whether the windows of two consecutive occurrences can never overlap (a wider window
    would let one visit serve two occurrences of the same line)."""
    gap = min_gap_days(unit, every)
    if gap is None or kind == EXACT:
        return True
    if kind == DAYS:
        return before + after < gap
    if kind == SAME_WEEK:
        return gap >= 7
    # Same month: monthly and yearly rules never put two occurrences in one month.
    return unit in (MONTH, YEAR) or gap >= 31
