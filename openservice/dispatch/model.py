"""A problem turned into the optimiser's terms, and the timing of a route. Pure: no Django.

Instants become whole seconds from an origin (the earliest shift start), places become indices
into one travel matrix (rounded up to whole minutes), and each shift becomes a `Day`: where and
when it really starts and ends once fixed appointments at its edges are taken into account,
which breaks it must take (with the start windows left around fixed appointments), and which
fixed appointments lie inside it. Jobs that no day can take are set aside with their reason.

`time_route` gives the earliest times of a sequence of stops and breaks under the solver's rules
(a break may fall anywhere between two places, even in the middle of a drive), or None when the
sequence breaks a hard rule; the proposal's times come from it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from openservice.dispatch.problem import NO_SKILLS, NO_WINDOW, Fixed, Job, Problem, Technician, utc
from openservice.dispatch.travel import Location, Matrix

JOB, FIXED, REST = "job", "fixed", "rest"
FIXED_REST_IDS = 1_000_000  # a fixed appointment turned into a break gets this id + its index

Travel = Callable[[Sequence[Location]], Matrix]
Windows = tuple[tuple[int, int], ...]
Rest = tuple[int, Windows, int]  # (id, start windows, seconds)


def minute_matrix(travel: Travel, locations: Sequence[Location]) -> Matrix:
    """Travel seconds rounded up to whole minutes: the times the optimiser plans with."""
    if not locations:
        return []
    return [[-(-seconds // 60) * 60 for seconds in row] for row in travel(locations)]


@dataclass
class Day:
    """One shift as the solver sees it (a vehicle)."""

    id: int
    technician: Technician
    start_place: int
    start: int
    end_place: int
    end: int
    breaks: list[Rest]
    fixed: list[int]  # indices into Model.fixed, inside the day


@dataclass
class Model:
    problem: Problem
    origin: datetime
    matrix: Matrix
    jobs: list[Job]  # in the order they reach the solver
    places: list[int]  # per job
    windows: list[Windows] = field(default_factory=list)  # per job: bounds of the service start
    fixed: list[tuple[Fixed, int, int, int]] = field(
        default_factory=list
    )  # (it, place, start, end)
    days: list[Day] = field(default_factory=list)
    skill_of: dict[int, int] = field(default_factory=dict)
    technician_skill: dict[int, int] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)  # job index -> why it is left out
    as_breaks: set[int] = field(default_factory=set)  # fixed ones the solver must take as breaks

    def seconds(self, instant: datetime) -> int:
        return int((utc(instant, "an instant") - self.origin).total_seconds())

    def instant(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=seconds)

    def due(self, index: int) -> int | None:
        due = self.jobs[index].due
        return None if due is None else self.seconds(due)

    def service(self, index: int) -> int:
        return self.jobs[index].duration_minutes * 60

    def rests(self, day: Day) -> list[Rest]:
        """The day's breaks, and the fixed appointments the solver takes as breaks."""
        rests = list(day.breaks)
        for index in day.fixed:
            if index in self.as_breaks:
                _f, _place, start, end = self.fixed[index]
                rests.append((FIXED_REST_IDS + index, ((start, start),), end - start))
        return rests


def build(problem: Problem, travel: Travel) -> Model:
    technicians = sorted(problem.technicians, key=lambda t: t.id)
    if len({t.id for t in technicians}) != len(technicians):
        raise ValueError("two technicians share an id")
    jobs = sorted(problem.jobs, key=lambda j: j.id)
    if len({j.id for j in jobs}) != len(jobs):
        raise ValueError("two jobs share an id")
    job_by_id = {job.id: job for job in jobs}
    fixed_ids = {f.job_id for f in problem.fixed}
    if len(fixed_ids) != len(problem.fixed):
        raise ValueError("a job is fixed twice")
    jobs = [job for job in jobs if job.id not in fixed_ids]
    if problem.seed:
        random.Random(problem.seed).shuffle(jobs)
    starts = [utc(s.start, "a shift") for t in technicians for s in t.shifts]
    origin = min(starts, default=datetime(2000, 1, 1, tzinfo=UTC)).replace(second=0, microsecond=0)

    places: dict[tuple[float, float], int] = {}

    def place(location: Location) -> int:
        return places.setdefault((location.lat, location.lon), len(places))

    homes = {t.id: place(t.home) for t in technicians}
    fixed = []
    for appointment in sorted(problem.fixed, key=lambda f: (f.technician_id, f.start, f.job_id)):
        if appointment.technician_id not in homes:
            raise ValueError(f"fixed job {appointment.job_id}: unknown technician")
        job = job_by_id.get(appointment.job_id)
        location = appointment.location or (job.location if job else None)
        if location is None:
            raise ValueError(f"fixed job {appointment.job_id}: no location")
        fixed.append((appointment, place(location)))
    job_places = [place(job.location) for job in jobs]
    matrix = minute_matrix(travel, [Location(lat, lon) for lat, lon in places])
    model = Model(problem, origin, matrix, jobs, job_places)
    model.fixed = [(f, at, model.seconds(f.start), model.seconds(f.end)) for f, at in fixed]
    for (before, *_b), (after, *_a) in zip(model.fixed, model.fixed[1:], strict=False):
        if before.technician_id == after.technician_id and after.start < before.end:
            raise ValueError(
                f"fixed appointments of jobs {before.job_id} and {after.job_id} overlap"
            )
    skills = sorted(
        {s for t in technicians for s in t.skills} | {s for j in jobs for s in j.skills}
    )
    model.skill_of = {skill: index for index, skill in enumerate(skills)}
    model.technician_skill = {t.id: len(skills) + n for n, t in enumerate(technicians)}
    _build_days(model, technicians, homes)
    horizon = max((day.end for day in model.days), default=0)
    for index, job in enumerate(jobs):
        spans = job.windows or ((origin, model.instant(horizon)),)
        bounds = []
        for start, end in spans:
            low = max(model.seconds(start), 0)
            high = min(model.seconds(end), horizon) - model.service(index)
            if low <= high:
                bounds.append((low, high))
        model.windows.append(tuple(sorted(bounds)))
        reason = _reason(model, index)
        if reason:
            model.reasons[index] = reason
    return model


def _subtract(windows: list[tuple[int, int]], low: int, high: int) -> list[tuple[int, int]]:
    """Start windows without the starts in the open interval (low, high)."""
    kept = []
    for start, end in windows:
        if start <= low:
            kept.append((start, min(end, low)))
        if end >= high:
            kept.append((max(start, high), end))
    return kept


def _build_days(model: Model, technicians: list[Technician], homes: dict[int, int]) -> None:
    matrix = model.matrix
    by_technician: dict[int, list[int]] = {}
    for index, (appointment, *_rest) in enumerate(model.fixed):
        by_technician.setdefault(appointment.technician_id, []).append(index)
    rest_id = 0
    for technician in technicians:
        for shift in sorted(technician.shifts, key=lambda s: s.start):
            low, high = model.seconds(shift.start), model.seconds(shift.end)
            inside = [
                i
                for i in by_technician.get(technician.id, [])
                if model.fixed[i][3] > low and model.fixed[i][2] < high
            ]
            start_place = end_place = homes[technician.id]
            start, end = low, high
            first, last = 0, len(inside)
            # A fixed appointment with no time to get there from home starts the day there
            # (one that began before the shift, too); likewise at the end of the day.
            while first < last:
                _f, at, f_start, f_end = model.fixed[inside[first]]
                if f_start >= start + matrix[start_place][at]:
                    break
                start_place, start, first = at, max(start, f_end), first + 1
            while last > first:
                _f, at, f_start, f_end = model.fixed[inside[last - 1]]
                if f_end + matrix[at][end_place] <= end:
                    break
                end_place, end, last = at, min(end, f_start), last - 1
            if start >= end:
                continue
            day = Day(len(model.days), technician, start_place, start, end_place, end, [], [])
            day.fixed = inside[first:last]
            for rest in shift.breaks:
                seconds = rest.minutes * 60
                windows = [
                    (
                        max(model.seconds(rest.earliest), start),
                        min(model.seconds(rest.latest), end) - seconds,
                    )
                ]
                for i in day.fixed:
                    windows = _subtract(windows, model.fixed[i][2] - seconds, model.fixed[i][3])
                windows = [(a, b) for a, b in windows if a <= b]
                if windows:  # else a fixed appointment covers the break
                    rest_id += 1
                    day.breaks.append((rest_id, tuple(windows), seconds))
            model.days.append(day)


def _reason(model: Model, index: int) -> str | None:
    """Why no day can take the job at all (skills, then windows and travel), or None."""
    job = model.jobs[index]
    if not any(job.skills <= t.skills for t in model.problem.technicians):
        return NO_SKILLS
    service, at, matrix = model.service(index), model.places[index], model.matrix
    for day in model.days:
        if not job.skills <= day.technician.skills:
            continue
        earliest = day.start + matrix[day.start_place][at]
        latest = day.end - matrix[at][day.end_place] - service
        if any(max(a, earliest) <= min(b, latest) for a, b in model.windows[index]):
            return None
    return NO_WINDOW


def cut(model: Model, index: int, slack: int | None) -> Windows:
    """The job's start windows so that it ends at most `slack` seconds after its due instant."""
    due = model.due(index)
    if due is None or slack is None:
        return model.windows[index]
    latest = due + slack - model.service(index)
    return tuple((a, min(b, latest)) for a, b in model.windows[index] if a <= min(b, latest))


# --- timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    kind: str  # JOB, FIXED or REST
    index: int  # job index, fixed index or break id
    start: int
    end: int
    travel: int  # driven to get here (0 for a break)


def time_route(
    model: Model, day: Day, items: Sequence[tuple[str, int]]
) -> tuple[list[Timed], int] | None:
    """Earliest times for a route, with the seconds driven (back home included); None when a
    window, the day's end, a fixed instant or a break's window cannot be kept."""
    matrix = model.matrix
    rests = {rest[0]: rest for rest in model.rests(day)}
    clock, here, driven = day.start, day.start_place, 0
    timed: list[Timed] = []
    pending: list[Rest] = []

    def drive(to: int) -> int | None:
        """Breaks pending on the way are taken as early as their windows allow; the drive
        fills the time before them."""
        nonlocal clock, driven
        remaining = matrix[here][to]
        driven += remaining
        for rest_id, windows, seconds in pending:
            window = next(((a, b) for a, b in windows if b >= clock), None)
            if window is None:
                return None
            begin = max(clock, window[0])
            remaining -= min(remaining, begin - clock)
            clock = begin + seconds
            timed.append(Timed(REST, rest_id, begin, clock, 0))
        pending.clear()
        return clock + remaining

    for kind, index in items:
        if kind == REST:
            pending.append(rests[index])
            continue
        if kind == JOB:
            at = model.places[index]
            leg = matrix[here][at]
            arrival = drive(at)
            if arrival is None:
                return None
            start = next(
                (max(arrival, a) for a, b in model.windows[index] if max(arrival, a) <= b), None
            )
            if start is None:
                return None
            end = start + model.service(index)
        else:
            _f, at, start, end = model.fixed[index]
            leg = matrix[here][at]
            arrival = drive(at)
            if arrival is None or arrival > start:
                return None
        timed.append(Timed(kind, index, start, end, leg))
        clock, here = end, at
    arrival = drive(day.end_place)
    if arrival is None or arrival > day.end:
        return None
    return timed, driven


def lateness(model: Model, timed: Sequence[Timed]) -> tuple[int, int]:
    """(total, largest) seconds past the due instants."""
    late = [
        max(0, item.end - model.due(item.index))
        for item in timed
        if item.kind == JOB and model.jobs[item.index].due is not None
    ]
    return sum(late), max(late, default=0)
