"""Which visits a set of agreement occurrences becomes. Pure: plain values in, plain values out.

Within one agreement, occurrences with the same grouping key share a visit (an order) when they
share a date. Each occurrence may move inside its window (already clipped to its line's period
and the agreement's validity), and the plan:

1. puts an occurrence on an existing order of the same key whose date lies in its window (a
   visit that costs nothing more), the closest one, ties to the earlier date (an order on a
   closed day takes only occurrences of that day that have no open day to move to);
2. keeps an occurrence whose window holds no open day on its own date, in a visit flagged
   `calendar_conflict`;
3. covers the rest with as few visits as possible, all on open days: sorted by the end of their
   windows, the first occurrence not yet covered opens a visit on the latest open day of its
   window, which takes every uncovered occurrence whose window holds that day (the classic
   greedy cover of intervals by points, which is optimal); then the visit moves, inside the
   window all its occurrences share, to the open day closest to their own dates (fewest days
   moved in total, ties to the earlier day), which keeps the count and puts visits where the
   agreement meant them.

Every choice breaks ties on dates and ids, so the same input always gives the same plan.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Occurrence:
    line_id: int
    on: date  # the occurrence's own date, before any move
    key: str  # the grouping key within the agreement ("agreement", "task:12", ...)
    first: date  # the window, clipped to the line's period and the agreement's validity
    last: date


@dataclass(frozen=True)
class Existing:
    """An order already made for the agreement (in its initial stage) that visits may join."""

    order_id: int
    key: str
    on: date


@dataclass
class Visit:
    key: str
    on: date
    occurrences: list[Occurrence] = field(default_factory=list)
    order_id: int | None = None  # set when the occurrences join an existing order
    calendar_conflict: bool = False


def _sort_key(occurrence: Occurrence) -> tuple:
    return (occurrence.last, occurrence.first, occurrence.on, occurrence.line_id)


class _OpenDays:
    """is_open per date, asked once per date."""

    def __init__(self, is_open: Callable[[date], bool]) -> None:
        self._is_open = is_open
        self._known: dict[date, bool] = {}

    def __call__(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = bool(self._is_open(day))
        return known

    def latest(self, first: date, last: date) -> date | None:
        day = last
        while day >= first:
            if self(day):
                return day
            day -= ONE_DAY
        return None


def plan(
    occurrences: Iterable[Occurrence],
    *,
    is_open: Callable[[date], bool],
    existing: Iterable[Existing] = (),
) -> list[Visit]:
    """The visits of one agreement's occurrences, ordered by date, key and order."""
    open_days = _OpenDays(is_open)
    by_key: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        by_key[occurrence.key].append(occurrence)
    existing_by_key: dict[str, list[Existing]] = defaultdict(list)
    for order in existing:
        existing_by_key[order.key].append(order)
    visits: list[Visit] = []
    for key in sorted(by_key):
        visits.extend(
            _plan_key(
                key,
                sorted(by_key[key], key=_sort_key),
                sorted(existing_by_key.get(key, []), key=lambda e: (e.on, e.order_id)),
                open_days,
            )
        )
    return sorted(visits, key=lambda v: (v.on, v.key, v.order_id or 0))


def _join_existing(
    occurrence: Occurrence, existing: list[Existing], dates: list[date], open_days: _OpenDays
) -> Existing | None:
    """The closest existing order in the window (ties to the earlier date, then the lower id).
    A closed day is joined only by an occurrence of that very day whose window has no open day
    at all: the order of an earlier calendar conflict on the same date."""
    best, best_rank = None, None
    window = existing[bisect_left(dates, occurrence.first) : bisect_right(dates, occurrence.last)]
    for order in window:
        if not open_days(order.on) and not (
            order.on == occurrence.on
            and open_days.latest(occurrence.first, occurrence.last) is None
        ):
            continue
        rank = (abs((order.on - occurrence.on).days), order.on, order.order_id)
        if best_rank is None or rank < best_rank:
            best, best_rank = order, rank
    return best


def _best_day(members: list[Occurrence], open_days: _OpenDays) -> date:
    first = max(m.first for m in members)
    last = min(m.last for m in members)
    if first == last:
        return first
    best, best_rank = None, None
    day = first
    while day <= last:
        if open_days(day):
            rank = (sum(abs((day - m.on).days) for m in members), day)
            if best_rank is None or rank < best_rank:
                best, best_rank = day, rank
        day += ONE_DAY
    return best


def _plan_key(
    key: str, occurrences: list[Occurrence], existing: list[Existing], open_days: _OpenDays
) -> list[Visit]:
    joined: dict[int, Visit] = {}
    conflicts: dict[date, Visit] = {}
    rest: list[Occurrence] = []
    dates = [order.on for order in existing]
    for occurrence in occurrences:
        order = _join_existing(occurrence, existing, dates, open_days) if existing else None
        if order is not None:
            visit = joined.setdefault(order.order_id, Visit(key, order.on, order_id=order.order_id))
            visit.occurrences.append(occurrence)
        elif open_days.latest(occurrence.first, occurrence.last) is None:
            visit = conflicts.setdefault(
                occurrence.on, Visit(key, occurrence.on, calendar_conflict=True)
            )
            visit.occurrences.append(occurrence)
        else:
            rest.append(occurrence)
    visits = list(joined.values()) + list(conflicts.values())
    widest = max(((o.last - o.first) for o in rest), default=timedelta(0))
    covered = [False] * len(rest)
    for i, occurrence in enumerate(rest):
        if covered[i]:
            continue
        point = open_days.latest(occurrence.first, occurrence.last)
        members = []
        for j in range(i, len(rest)):
            other = rest[j]
            if other.last - widest > point:
                break  # sorted by the window's end: no later window can reach back to `point`
            if not covered[j] and other.first <= point <= other.last:
                covered[j] = True
                members.append(other)
        visits.append(Visit(key, _best_day(members, open_days), members))
    return visits
