"""Business time on a work calendar. Pure Python: no Django, plain values in and out.

A calendar is open during intervals of local wall-clock time: the weekly hours of each weekday
(several intervals a day; an interval whose end is not after its start runs past midnight into
the next day), unless the date is a public holiday of the calendar's country or a custom closed
day, and except for custom open days, which replace everything else for their date with their
own intervals. An interval belongs to the date it starts on, so a night shift that starts on a
working day and ends on a holiday morning is worked in full.

Local times become instants through the calendar's IANA time zone, so an interval's business
minutes are the minutes that really pass: an overnight shift 22:00-06:00 lasts 7 hours on the
night clocks go forward and 9 on the night they go back. A wall-clock time that does not exist
(it falls in the hour skipped in spring) is taken as the instant the clock jumps; one that
exists twice (the hour repeated in autumn) is its first occurrence.

Speed: each UTC year of a calendar is turned once into a sorted table of open intervals with
cumulative business time (built a week at a time: an ordinary week is a copy of the weekly
template shifted by the week's UTC offset; only weeks with a holiday, an exception or a
clock change are worked out day by day). Every query is then a binary search in that table, and
adding time that spans years skips whole years by their totals.
"""

from __future__ import annotations

import bisect
import itertools
import re
import time as _time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as _holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY = 1440  # minutes
WEEK = 7 * DAY
_US = 1_000_000
_MINUTE_US = 60 * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Years with no business time at all after which a search gives up (a calendar that is never
# open again would otherwise be searched until the year 9999).
_MAX_EMPTY_YEARS = 10
# The years business time is counted in: wide enough for any service history and plan, and far
# from the ends of Python's calendar (a table needs its neighbouring years' holidays).
FIRST_YEAR, LAST_YEAR = 1900, 9000
MAX_SPAN_YEARS = 100  # the longest span one query may cover
_MAX_TABLES = 400  # yearly tables a calendar keeps (about 20 kB each)
_CLOCK = re.compile(r"[0-9]{2}:[0-9]{2}", re.ASCII)

Interval = tuple[int, int]
"""Minutes from local midnight of the interval's date: 0 <= start < 1440 and start < end <= start +
1440 (an end past 1440 is on the next day)."""


class CalendarError(ValueError):
    """A calendar definition or a request that cannot be worked out."""


# -- Parsing and validation ---------------------------------------------------------------------


def parse_clock(text: str) -> int:
    """`"08:30"` → 510. Accepts 00:00 to 24:00 (24:00 only makes sense as an end), in ASCII
    digits only."""
    if not isinstance(text, str) or not _CLOCK.fullmatch(text):
        raise CalendarError(f"{text!r} is not a time of day as HH:MM")
    hours, minutes = int(text[:2]), int(text[3:])
    value = hours * 60 + minutes
    if minutes > 59 or value > DAY:
        raise CalendarError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return value


def format_clock(minutes: int) -> str:
    """480 → `"08:00"`; 1440 → `"24:00"`."""
    if minutes == DAY:
        return "24:00"
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_interval(start: str, end: str) -> Interval:
    """An interval from two HH:MM strings; an end at or before the start is on the next day."""
    first, last = parse_clock(start), parse_clock(end)
    if first == DAY:
        raise CalendarError("an interval cannot start at 24:00")
    if last <= first:
        if last == first:
            raise CalendarError(f"{start}-{end} is empty")
        last += DAY
    return (first, last)


def interval_strings(interval: Interval) -> list[str]:
    start, end = interval
    return [format_clock(start), format_clock(end if end <= DAY else end - DAY)]


def _check_no_overlap(intervals: Iterable[tuple[int, int]], where: str) -> None:
    ordered = sorted(intervals)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            raise CalendarError(f"intervals overlap on {where}")


def validate_week(week: Mapping[int, Iterable[Interval]]) -> None:
    """Intervals must not overlap, within a day or across midnight into the next day (the week
    wraps: Sunday's night shift runs into Monday)."""
    flat: list[tuple[int, int]] = []
    for weekday in range(7):
        intervals = list(week.get(weekday, ()))
        for start, end in intervals:
            if not (0 <= start < DAY and start < end <= start + DAY):
                raise CalendarError(f"invalid interval on {WEEKDAYS[weekday]}")
        _check_no_overlap(intervals, WEEKDAYS[weekday])
        for start, end in intervals:
            base = weekday * DAY
            if base + end <= WEEK:
                flat.append((base + start, base + end))
            else:  # Sunday night into Monday: split at the week's end
                flat.append((base + start, WEEK))
                flat.append((0, base + end - WEEK))
    _check_no_overlap(flat, "consecutive days (a night shift runs into the next day's hours)")


def validate_day(intervals: Iterable[Interval], where: str) -> None:
    intervals = list(intervals)
    for start, end in intervals:
        if not (0 <= start < DAY and start < end <= start + DAY):
            raise CalendarError(f"invalid interval on {where}")
    _check_no_overlap(intervals, where)


# -- Public holidays ----------------------------------------------------------------------------


def supported_countries() -> dict[str, list[str]]:
    """Country codes the holidays package knows, each with its subdivisions."""
    return {code: list(subdivisions) for code, subdivisions in _supported().items()}


@lru_cache(maxsize=1)
def _supported() -> dict[str, tuple[str, ...]]:
    return {
        code: tuple(subdivisions)
        for code, subdivisions in _holidays.list_supported_countries().items()
    }


def validate_holidays(country: str | None, subdivision: str | None) -> None:
    if country is None:
        if subdivision:
            raise CalendarError("a subdivision needs a country")
        return
    known = _supported()
    if country not in known:
        raise CalendarError(f"{country!r} is not a country the holidays package knows")
    if subdivision and subdivision not in known[country]:
        raise CalendarError(f"{subdivision!r} is not a subdivision of {country}")


@lru_cache(maxsize=4096)
def holidays_in_year(country: str | None, subdivision: str | None, year: int) -> tuple:
    """The country's default public holidays of a year: sorted (date, name) pairs."""
    if not country:
        return ()
    table = _holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return tuple(sorted((day, name) for day, name in table.items() if day.year == year))


@lru_cache(maxsize=4096)
def _holiday_dates(country: str | None, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(day for day, _ in holidays_in_year(country, subdivision, year))


# -- The calendar -------------------------------------------------------------------------------


@dataclass
class _Year:
    """Open intervals of one UTC year in microseconds since the epoch, with the business time
    before each interval; `total` is the year's business time."""

    starts: list[int]
    ends: list[int]
    before: list[int]
    upto: list[int]  # before[i] + length of interval i
    total: int

    def position(self, t: int) -> int:
        """Business time from the year's start up to the instant t (inside the year)."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.before[i] + (t if t < end else end) - self.starts[i]

    def instant(self, position: int) -> int:
        """The instant at which `position` (0 < position <= total) business time has passed."""
        i = bisect.bisect_left(self.upto, position)
        return self.starts[i] + position - self.before[i]

    def is_open(self, t: int) -> bool:
        i = bisect.bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]


@dataclass(eq=False)
class Calendar:
    """A work calendar as plain values. Build one per definition and reuse it: it caches its
    yearly tables, so the first query in a year costs a millisecond and the rest microseconds."""

    timezone: str
    week: Mapping[int, tuple[Interval, ...]]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closed_days: frozenset[date] = frozenset()
    open_days: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            self.tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(f"{self.timezone!r} is not an IANA time zone") from exc
        self.week = {weekday: tuple(sorted(self.week.get(weekday, ()))) for weekday in range(7)}
        validate_week(self.week)
        validate_holidays(self.holiday_country, self.holiday_subdivision)
        self.closed_days = frozenset(self.closed_days)
        self.open_days = {day: tuple(sorted(iv)) for day, iv in self.open_days.items()}
        for day, intervals in self.open_days.items():
            validate_day(intervals, day.isoformat())
        # The week template: minutes from Monday 00:00 local, merged.
        self._template = _merge(
            (weekday * DAY + start, weekday * DAY + end)
            for weekday, intervals in self.week.items()
            for start, end in intervals
        )
        self.weekly_minutes = sum(end - start for start, end in self._template)

    # -- dates --

    def is_holiday(self, day: date) -> bool:
        return day in _holiday_dates(self.holiday_country, self.holiday_subdivision, day.year)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The intervals that start on a local date."""
        special = self.open_days.get(day)
        if special is not None:
            return special
        if day in self.closed_days or self.is_holiday(day):
            return ()
        return self.week[day.weekday()]

    def _is_ordinary(self, day: date) -> bool:
        return (
            day not in self.open_days and day not in self.closed_days and not self.is_holiday(day)
        )

    # -- instants --

    def _local_us(self, day: date, minutes: int) -> int:
        """The instant (µs since the epoch) of a local wall-clock time `minutes` after midnight
        of `day`. A time skipped by a clock change is the instant of the change."""
        extra, minutes = divmod(minutes, DAY)
        if extra:
            day = day + timedelta(days=extra)
        hour, minute = divmod(minutes, 60)
        local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)
        first = int(local.timestamp())
        later = int(local.replace(fold=1).timestamp())
        if later < first:  # in a gap: fold=0 read it with the old offset, fold=1 with the new
            first = self._transition_between(later, first)
        return first * _US

    def local_instant(self, day: date, minutes: int) -> datetime:
        """The UTC instant of a wall-clock time on a local date (a time skipped by a clock
        change is the instant of the change; a repeated one its first occurrence)."""
        return from_us(self._local_us(day, minutes))

    def _transition_between(self, low: int, high: int) -> int:
        """The first second in [low, high] whose UTC offset is the one after the change."""
        after = self._offset_at(high)
        while low < high:
            middle = (low + high) // 2
            if self._offset_at(middle) == after:
                high = middle
            else:
                low = middle + 1
        return low

    def _offset_at(self, seconds: int) -> timedelta:
        return datetime.fromtimestamp(seconds, UTC).astimezone(self.tz).utcoffset()

    # -- yearly tables --

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise CalendarError(
                    f"business time is counted from {FIRST_YEAR} to {LAST_YEAR}, not in {year}"
                )
            table = self._years[year] = self._build_year(year)
            if len(self._years) > _MAX_TABLES:  # forget the table built longest ago
                del self._years[next(iter(self._years))]
        return table

    def _build_year(self, year: int) -> _Year:
        low = int(datetime(year, 1, 1, tzinfo=UTC).timestamp()) * _US
        high = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()) * _US
        # Local dates whose intervals can reach into the UTC year (zones are within ±14 h and an
        # interval reaches at most into the next day), from the Monday before.
        first = date(year - 1, 12, 29)
        first -= timedelta(days=first.weekday())
        last = date(year + 1, 1, 2)
        pieces: list[tuple[int, int]] = []
        monday = first
        while monday <= last:
            pieces.extend(self._week_pieces(monday))
            monday += timedelta(days=7)
        merged = _merge(
            (max(start, low), min(end, high)) for start, end in pieces if end > low and start < high
        )
        starts, ends, before, upto = [], [], [], []
        total = 0
        for start, end in merged:
            if end <= start:
                continue
            starts.append(start)
            ends.append(end)
            before.append(total)
            total += end - start
            upto.append(total)
        return _Year(starts, ends, before, upto, total)

    def _week_pieces(self, monday: date) -> list[tuple[int, int]]:
        """Open intervals (µs) of the intervals starting in the local week from `monday`. A week
        with no special date and one UTC offset throughout is the template shifted; any other
        week is worked out day by day."""
        days = [monday + timedelta(days=n) for n in range(7)]
        start = self._local_us(monday, 0)
        # The week's intervals can reach Tuesday of the next week (Sunday's night shift).
        end = self._local_us(monday, WEEK + DAY)
        if all(self._is_ordinary(day) for day in days) and (
            (end - start) == (WEEK + DAY) * _MINUTE_US
        ):
            return [(start + a * _MINUTE_US, start + b * _MINUTE_US) for a, b in self._template]
        return [
            (self._local_us(day, a), self._local_us(day, b))
            for day in days
            for a, b in self.intervals_on(day)
        ]

    # -- queries on µs --

    def _position_us(self, t: int) -> tuple[int, _Year, int]:
        year = _year_of(t)
        table = self._year(year)
        return year, table, table.position(t)

    def next_open_us(self, t: int) -> int:
        year = _year_of(t)
        table = self._year(year)
        i = bisect.bisect_right(table.starts, t) - 1
        if i >= 0 and t < table.ends[i]:
            return t
        empty = 0
        while True:
            if i + 1 < len(table.starts):
                return table.starts[i + 1]
            year += 1
            table = self._year(year)
            i = -1
            empty = empty + 1 if not table.starts else 0
            if empty > _MAX_EMPTY_YEARS:
                raise CalendarError("the calendar has no open time after this instant")

    def add_us(self, t: int, amount: int) -> int:
        """The instant at which `amount` µs of business time have passed since t."""
        if amount < 0:
            raise CalendarError("business time to add cannot be negative")
        if amount == 0:
            return t
        year, table, position = self._position_us(t)
        first, empty = year, 0
        while position + amount > table.total:
            amount -= table.total - position
            year += 1
            if year - first > MAX_SPAN_YEARS:
                raise CalendarError(f"the result is more than {MAX_SPAN_YEARS} years away")
            table = self._year(year)
            position = 0
            empty = empty + 1 if table.total == 0 else 0
            if empty > _MAX_EMPTY_YEARS:
                raise CalendarError("the calendar has no open time to add business minutes to")
        return table.instant(position + amount)

    def between_us(self, start: int, end: int) -> int:
        """Business time (µs) from start to end; negative when end is before start."""
        if end < start:
            return -self.between_us(end, start)
        if _year_of(end) - _year_of(start) > MAX_SPAN_YEARS:
            raise CalendarError(f"instants more than {MAX_SPAN_YEARS} years apart")
        year0, table0, position0 = self._position_us(start)
        year1, _, position1 = self._position_us(end)
        if year0 == year1:
            return position1 - position0
        middle = sum(self._year(year).total for year in range(year0 + 1, year1))
        return table0.total - position0 + middle + position1


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _year_of(t: int) -> int:
    return _time.gmtime(t // _US).tm_year


def to_us(instant: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise CalendarError("instants must carry a time zone")
    return int(instant.replace(microsecond=0).timestamp()) * _US + instant.microsecond


def from_us(t: int) -> datetime:
    return _EPOCH + timedelta(microseconds=t)


# -- The four operations ------------------------------------------------------------------------


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The instant (UTC) at which `minutes` business minutes have passed since `start`. Adding
    0 returns `start`; time counts from the next opening when `start` is closed, and a result
    that falls exactly at a closing time is that closing time, not the next opening."""
    if minutes < 0:
        raise CalendarError("business minutes to add cannot be negative")
    return from_us(calendar.add_us(to_us(start), minutes * _MINUTE_US))


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole business minutes from start to end (negative when end is before start)."""
    amount = calendar.between_us(to_us(start), to_us(end))
    if amount < 0:
        return -((-amount) // _MINUTE_US)
    return amount // _MINUTE_US


def next_open_instant(at: datetime, calendar: Calendar) -> datetime:
    """`at` itself when the calendar is open then, else the next opening (UTC)."""
    t = to_us(at)
    opening = calendar.next_open_us(t)
    return at.astimezone(UTC) if opening == t else from_us(opening)


def is_open(at: datetime, calendar: Calendar) -> bool:
    t = to_us(at)
    return calendar._year(_year_of(t)).is_open(t)


def always_open(timezone_name: str = "UTC") -> Calendar:
    """Round the clock, every day: what a policy with no calendar measures against when the
    company has no default calendar."""
    return Calendar(timezone=timezone_name, week=dict.fromkeys(range(7), ((0, DAY),)))
