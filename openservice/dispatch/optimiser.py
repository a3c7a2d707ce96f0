"""The schedule optimiser: open jobs onto technicians' days. Pure: dataclasses in and out.

The model. A technician's shift is one vehicle of a vehicle-routing problem (VROOM, through
pyvroom, behind `routing.py`): it leaves home at the shift's start, comes back by its end, and
takes each of the shift's breaks. A job is a stop with a service time, the windows its whole
visit must lie in, the skills it needs and a priority. Travel times come from a `locations ->
matrix` callable (`travel.py`: great-circle by default, OSRM when configured), rounded up to
whole minutes, so every planned instant falls on a minute when the inputs do.

The objective, in this order:
1. the most important work gets done: each job weighs by its priority (`PRIORITIES`: one
   critical job outweighs three high ones, and so on down) and the solver first maximises the
   weight served, then the number of jobs;
2. lateness against the SLA due instants. The solver has no soft deadlines, so jobs are first
   planned with their windows cut to end by their due instant; only the jobs that cannot be on
   time are then let in with 1 h, then 4 h, then unlimited lateness, while the jobs already
   placed keep the bound they were placed with. Each route is then polished: a late job moves
   earlier in its route when that lowers the total lateness (then the largest), so of two jobs
   that cannot both be on time the one due first goes first;
3. travel time.

Fixed appointments (pinned or started) stay exactly where they are: each is a stop that only its
technician's shift can serve, at one instant, weighing more than any job (if the solver still
drops one, it becomes a break of that shift: its time is blocked either way). One that leaves no
time to come from home (or go home after) makes the day start (or end) at its site. They are not
in the proposal: it plans around them and lists neither them nor their jobs.

Re-planning from the current plan (`Problem.current`): its jobs are locked to their technician
(free to move within the day) and its routes are the solver's starting point; work the lock
leaves out frees the day passing nearest to it, and jobs that still ended on another technician
go back to their own where there is room (see `search.py`). So an urgent order moves other jobs
between technicians only where it has to.

Deterministic: the same problem and seed give the same proposal (fixed thread count, an effort
level chosen from the problem's size, not the clock; the time limit only stops a search that
would overrun it). The seed changes the order in which jobs reach the solver, which breaks its
ties differently.

`check(problem, proposal)` lists every hard rule a proposal breaks, with the same travel times;
the tests and benchmarks use it.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from openservice.dispatch import search
from openservice.dispatch.model import FIXED, JOB, Travel, minute_matrix
from openservice.dispatch.problem import (
    NO_CAPACITY,
    NO_SKILLS,
    NO_WINDOW,
    PRIORITIES,
    Assignment,
    Break,
    Fixed,
    Job,
    Location,
    Planned,
    PlannedBreak,
    Problem,
    Proposal,
    Shift,
    Technician,
    Unassigned,
)
from openservice.dispatch.travel import straight_line_matrix

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
    "check",
    "propose",
]

THREADS = 2


def propose(
    problem: Problem,
    *,
    travel: Travel = straight_line_matrix,
    threads: int = THREADS,
    exploration: int | None = None,
) -> Proposal:
    """The proposed plan for `problem`, the fixed appointments left as they are.

    `travel` gives the seconds between places (`travel.straight_line_matrix` by default, or a
    closure over `travel.osrm_matrix`); `exploration` (0-5) is the solver's effort, by default
    the largest whose expected time on two cores fits in 40 % of the time limit.
    """
    return search.plan(problem, travel, threads=threads, exploration=exploration)


# --- check ---------------------------------------------------------------------------------


def check(
    problem: Problem, proposal: Proposal, *, travel: Travel = straight_line_matrix
) -> list[str]:
    """Every hard rule the proposal breaks, as sentences (empty: none). Rules: each job exactly
    once (assigned or unassigned, fixed ones neither), skills, durations, windows, shifts, no
    overlap with another job, a fixed appointment or a break, time to drive between places,
    every break of a day with work taken inside its bounds, and the lateness figure."""
    violations: list[str] = []
    jobs = {job.id: job for job in problem.jobs}
    technicians = {t.id: t for t in problem.technicians}
    fixed_ids = {f.job_id for f in problem.fixed}
    counts: dict[int, int] = {}
    for job_id in [a.job_id for a in proposal.assignments] + [
        u.job_id for u in proposal.unassigned
    ]:
        counts[job_id] = counts.get(job_id, 0) + 1
    for job_id, count in sorted(counts.items()):
        if job_id not in jobs:
            violations.append(f"job {job_id} is not in the problem")
        elif job_id in fixed_ids:
            violations.append(f"fixed job {job_id} was planned again")
        elif count > 1:
            violations.append(f"job {job_id} appears {count} times")
    violations += [
        f"job {job_id} is neither assigned nor unassigned"
        for job_id in sorted(jobs)
        if job_id not in fixed_ids and job_id not in counts
    ]
    violations += [
        f"job {u.job_id} is unassigned without a reason"
        for u in proposal.unassigned
        if not u.reason
    ]

    places: dict[tuple[float, float], int] = {}

    def place(location: Location) -> int:
        return places.setdefault((location.lat, location.lon), len(places))

    homes = {t.id: place(t.home) for t in problem.technicians}
    fixed_places = {
        f.job_id: place(f.location or jobs[f.job_id].location)
        for f in problem.fixed
        if f.location or f.job_id in jobs
    }
    job_places = {job.id: place(job.location) for job in problem.jobs}
    matrix = minute_matrix(travel, [Location(lat, lon) for lat, lon in places])

    late = timedelta(0)
    valid = []
    for a in proposal.assignments:
        job, technician = jobs.get(a.job_id), technicians.get(a.technician_id)
        if job is None or technician is None:
            violations.append(f"job {a.job_id}: unknown job or technician {a.technician_id}")
            continue
        valid.append(a)
        if not job.skills <= technician.skills:
            violations.append(f"job {job.id}: technician {technician.id} lacks skills")
        if a.end - a.start != timedelta(minutes=job.duration_minutes):
            violations.append(
                f"job {job.id}: lasts {a.end - a.start}, not {job.duration_minutes} min"
            )
        if job.windows and not any(s <= a.start and a.end <= e for s, e in job.windows):
            violations.append(f"job {job.id}: {a.start:%H:%M}-{a.end:%H:%M} is outside its windows")
        if not any(s.start <= a.start and a.end <= s.end for s in technician.shifts):
            violations.append(f"job {job.id}: outside technician {technician.id}'s shifts")
        if job.due is not None and a.end > job.due:
            late += a.end - job.due
    if -(-int(late.total_seconds()) // 60) != proposal.late_minutes:
        violations.append(f"late_minutes is {proposal.late_minutes}, the plan makes {late}")

    for technician in problem.technicians:
        for shift in technician.shifts:
            violations += _check_day(
                technician, shift, problem, proposal, valid, matrix, homes, job_places, fixed_places
            )
    return violations


def _check_day(
    technician, shift, problem, proposal, valid, matrix, homes, job_places, fixed_places
):
    violations = []
    work = [
        (a.start, a.end, job_places[a.job_id], JOB, a.job_id)
        for a in valid
        if a.technician_id == technician.id and shift.start <= a.start and a.end <= shift.end
    ]
    rests = [
        b
        for b in proposal.breaks
        if b.technician_id == technician.id and shift.start <= b.start and b.end <= shift.end
    ]
    fixed = [
        (f.start, f.end, fixed_places.get(f.job_id), FIXED, f.job_id)
        for f in problem.fixed
        if f.technician_id == technician.id and f.end > shift.start and f.start < shift.end
    ]
    if not work:
        return violations
    who = f"technician {technician.id}"
    timeline = sorted(work + fixed)
    for before, after in itertools.pairwise(timeline):
        if after[0] < before[1] and JOB in (before[3], after[3]):
            violations.append(f"{who}: job {after[4]} overlaps {before[3]} {before[4]}")
    for rest in rests:
        for start, end, _place, kind, ident in timeline:
            if rest.start < end and start < rest.end:
                violations.append(f"{who}: the break at {rest.start:%H:%M} overlaps {kind} {ident}")
    home = homes[technician.id]
    located = [
        (shift.start, shift.start, home, "home", 0),
        *timeline,
        (shift.end, shift.end, home, "home", 0),
    ]
    for before, after in itertools.pairwise(located):
        if JOB not in (before[3], after[3]) or before[2] is None or after[2] is None:
            continue
        resting = sum(
            (r.end - r.start for r in rests if before[1] <= r.start and r.end <= after[0]),
            timedelta(0),
        )
        need = timedelta(seconds=matrix[before[2]][after[2]]) + resting
        if after[0] - before[1] < need:
            violations.append(
                f"{who}: no time to drive from {before[3]} {before[4]} to {after[3]} {after[4]}"
            )
    unused = list(rests)
    for rest in sorted(shift.breaks, key=lambda b: b.earliest):
        match = next(
            (
                r
                for r in unused
                if r.end - r.start == timedelta(minutes=rest.minutes)
                and rest.earliest <= r.start
                and r.end <= rest.latest
            ),
            None,
        )
        if match is not None:
            unused.remove(match)
        elif not any(f[1] > rest.earliest and f[0] < rest.latest for f in fixed):
            violations.append(
                f"{who}: the break between {rest.earliest:%H:%M} and {rest.latest:%H:%M} is missing"
            )
    violations += [
        f"{who}: a break at {r.start:%H:%M} that the shift does not have" for r in unused
    ]
    return violations
