"""What the optimiser takes and gives: frozen dataclasses, instants as aware datetimes (UTC).

A job's windows bound its whole visit (the requested window already intersected with the site's
service hours by the caller); a break is `minutes` of rest lying wholly between `earliest` and
`latest`; a fixed appointment stays exactly where it is. Construction refuses naive instants,
empty intervals and unknown priorities, so the optimiser never sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openservice.dispatch.travel import Location

__all__ = [
    "NO_CAPACITY",
    "NO_SKILLS",
    "NO_WINDOW",
    "PRIORITIES",
    "Assignment",
    "Break",
    "Fixed",
    "Job",
    "Location",
    "Planned",
    "PlannedBreak",
    "Problem",
    "Proposal",
    "Shift",
    "Technician",
    "Unassigned",
]

# The weight of a job by priority: one critical job outweighs three high ones, one high job
# three normal ones, one normal job three low ones.
PRIORITIES = {"low": 1, "normal": 4, "high": 15, "critical": 50}
NO_SKILLS = "no technician has the skills"
NO_WINDOW = "no window fits a shift"
NO_CAPACITY = "no capacity left"


def utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Job:
    id: int
    location: Location
    duration_minutes: int
    # Where the whole visit may lie: the requested window already intersected with the site's
    # service hours by the caller. Empty: any time within a shift.
    windows: tuple[tuple[datetime, datetime], ...] = ()
    skills: frozenset[int] = frozenset()
    priority: str = "normal"
    due: datetime | None = None  # the SLA resolution due instant

    def __post_init__(self) -> None:
        if self.duration_minutes <= 0:
            raise ValueError(f"job {self.id}: the duration must be positive")
        if self.priority not in PRIORITIES:
            raise ValueError(f"job {self.id}: unknown priority {self.priority!r}")
        for start, end in self.windows:
            if utc(end, "a window") <= utc(start, "a window"):
                raise ValueError(f"job {self.id}: a window ends before it starts")
        if self.due is not None:
            utc(self.due, "the due instant")


@dataclass(frozen=True)
class Break:
    """`minutes` of rest lying wholly between `earliest` and `latest`."""

    earliest: datetime
    latest: datetime
    minutes: int

    def __post_init__(self) -> None:
        span = utc(self.latest, "a break") - utc(self.earliest, "a break")
        if self.minutes <= 0 or span < timedelta(minutes=self.minutes):
            raise ValueError("a break must be positive and fit between its earliest and latest")


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    breaks: tuple[Break, ...] = ()

    def __post_init__(self) -> None:
        if utc(self.end, "a shift") <= utc(self.start, "a shift"):
            raise ValueError("a shift ends before it starts")
        if any(b.earliest < self.start or b.latest > self.end for b in self.breaks):
            raise ValueError("a break must lie within its shift")


@dataclass(frozen=True)
class Technician:
    id: int
    home: Location
    skills: frozenset[int] = frozenset()
    shifts: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class Fixed:
    """An appointment that must stay exactly where it is. Its place is the job's location
    (when the job is in the problem) or `location`."""

    job_id: int
    technician_id: int
    start: datetime
    end: datetime
    location: Location | None = None

    def __post_init__(self) -> None:
        if utc(self.end, "a fixed appointment") <= utc(self.start, "a fixed appointment"):
            raise ValueError(f"fixed appointment of job {self.job_id} ends before it starts")


@dataclass(frozen=True)
class Planned:
    """A job in the current plan: the starting point of a re-plan."""

    job_id: int
    technician_id: int
    start: datetime


@dataclass(frozen=True)
class Problem:
    jobs: tuple[Job, ...]
    technicians: tuple[Technician, ...]
    fixed: tuple[Fixed, ...] = ()
    current: tuple[Planned, ...] = ()
    time_limit_seconds: float = 10
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_seconds <= 0:
            raise ValueError("the time limit must be positive")


@dataclass(frozen=True)
class Assignment:
    job_id: int
    technician_id: int
    start: datetime
    end: datetime
    travel_minutes: int  # from the previous place (home, a job or a fixed appointment)


@dataclass(frozen=True)
class Unassigned:
    job_id: int
    reason: str


@dataclass(frozen=True)
class PlannedBreak:
    technician_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Proposal:
    assignments: tuple[Assignment, ...]  # by technician, then start
    unassigned: tuple[Unassigned, ...]  # by job id
    travel_minutes: int  # all driving, home and back included
    late_minutes: int  # sum over assignments of the minutes past the due instant
    breaks: tuple[PlannedBreak, ...] = ()  # where the breaks fall in the days with work
