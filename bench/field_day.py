"""Benchmark: a generated field-service day through the optimiser, then a re-plan (issue 9).

The day (deterministic for a seed): 500 jobs and 50 technicians in a 40 × 40 km square around
Helsinki, 70 % of the jobs in 8 clusters (normal spread, 2 km) and the rest anywhere; travel
1.3 × the straight line at 30 km/h; shifts 08:00-17:00 Helsinki time from and to each
technician's home (anywhere in the square) with a 30-minute lunch between 11:00 and 13:00;
6 skills, each technician holding 2-4 of them, each job needing 1 (10 % of them 2, a pair
that some technician holds); windows: 40 % all day, 40 % a half day (08:00-12:30 or
12:30-17:00), 20 % a two-hour slot; priorities: 10 % critical, 27 % high, the rest normal.
Service times are drawn from 15-90 min in 5-minute steps; when the total service plus a fair
travel allowance (per job, the mean drive to its nearest 10 % of jobs, since a route's next
stop must also suit the technician's skills and the time of day; per technician, the drive from
home to the nearest job and back) exceeds 90 % of the working time (shifts less lunch),
the part of every service time above 15 min is scaled down by one factor to fit.

(a) A proposal with a 10 s limit, checked with `optimiser.check` (every skill, window, break,
    shift and travel time). Target: <= 10 s, no violation, every critical job assigned and at
    least 98 % of all jobs.
(b) The first three jobs of every route become fixed appointments, five urgent orders arrive
    (critical, 30-60 min, any time from 12:00, due by 16:00), and the day is re-planned from
    the plan of (a). Target: <= 1 s, every pin held, every urgent order placed, at most 5 % of
    the other jobs moved to another technician.

Prints one JSON line per part. Run: `.venv/bin/python bench/field_day.py [--seed 42]`.
"""

import argparse
import json
import math
import random
import sys
import time
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openservice.dispatch.optimiser import (
    Break,
    Fixed,
    Job,
    Location,
    Planned,
    Problem,
    Shift,
    Technician,
    check,
    propose,
)
from openservice.dispatch.travel import DETOUR, SPEED_KMH, haversine_km, straight_line_matrix

HELSINKI = ZoneInfo("Europe/Helsinki")
CENTRE = Location(60.1699, 24.9384)
SIDE_KM = 40.0
JOBS, TECHNICIANS, CLUSTERS, SKILLS = 500, 50, 8, 6
DAY = date(2025, 3, 4)  # a Tuesday


def local(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, clock(hour, minute), HELSINKI).astimezone(UTC)


def offset(km_east: float, km_north: float) -> Location:
    """A place `km_east`, `km_north` from the centre (small-area approximation)."""
    lat = CENTRE.lat + km_north / 111.32
    lon = CENTRE.lon + km_east / (111.32 * math.cos(math.radians(CENTRE.lat)))
    return Location(round(lat, 6), round(lon, 6))


def minutes_between(a: Location, b: Location) -> float:
    return haversine_km(a, b) * DETOUR / SPEED_KMH * 60.0


def generate(seed: int) -> Problem:
    rng = random.Random(seed)
    half = SIDE_KM / 2

    def anywhere() -> Location:
        return offset(rng.uniform(-half, half), rng.uniform(-half, half))

    centres = [(rng.uniform(-15, 15), rng.uniform(-15, 15)) for _ in range(CLUSTERS)]
    shift = Shift(local(8), local(17), (Break(local(11), local(13), 30),))
    technicians = []
    for number in range(1, TECHNICIANS + 1):
        held = frozenset(rng.sample(range(1, SKILLS + 1), rng.randint(2, 4)))
        technicians.append(Technician(number, anywhere(), held, (shift,)))
    pairs = sorted({pair for t in technicians for pair in _pairs(t.skills)})

    priorities = ["critical"] * 50 + ["high"] * 135 + ["normal"] * (JOBS - 185)
    rng.shuffle(priorities)
    slots = [(8, 10), (10, 12), (12, 14), (14, 16), (15, 17)]
    drafts = []
    for number in range(1, JOBS + 1):
        if number <= int(JOBS * 0.7):
            cx, cy = rng.choice(centres)
            x = min(max(rng.gauss(cx, 2.0), -half), half)
            y = min(max(rng.gauss(cy, 2.0), -half), half)
            location = offset(x, y)
        else:
            location = anywhere()
        skills = (
            frozenset(rng.choice(pairs))
            if rng.random() < 0.1
            else frozenset({rng.randint(1, SKILLS)})
        )
        kind = rng.random()
        if kind < 0.4:
            windows = ()
        elif kind < 0.8:
            windows = (
                ((local(8), local(12, 30)),)
                if rng.random() < 0.5
                else ((local(12, 30), local(17)),)
            )
        else:
            start, end = rng.choice(slots)
            windows = ((local(start), local(end)),)
        drafts.append([number, location, 15 + 5 * rng.randint(0, 15), windows, skills])
    _fit(drafts, technicians)
    jobs = tuple(
        Job(number, location, minutes, windows, skills, priorities[number - 1])
        for number, location, minutes, windows, skills in drafts
    )
    return Problem(jobs=jobs, technicians=tuple(technicians), time_limit_seconds=10, seed=0)


def _pairs(skills: frozenset[int]) -> list[tuple[int, int]]:
    ordered = sorted(skills)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]


def _fit(drafts: list[list], technicians: list[Technician]) -> None:
    """Scale the part of each service time above 15 min so that service plus the travel
    allowance fits in 90 % of the working time."""
    places = [draft[1] for draft in drafts]
    allowance, share = 0.0, max(1, len(places) // 10)
    for index, here in enumerate(places):
        nearest = sorted(
            minutes_between(here, there) for j, there in enumerate(places) if j != index
        )
        allowance += sum(nearest[:share]) / share
    for technician in technicians:
        allowance += 2 * min(minutes_between(technician.home, there) for there in places)
    working = len(technicians) * (9 * 60 - 30)
    budget = 0.9 * working - allowance
    service = sum(draft[2] for draft in drafts)
    if service > budget:
        factor = (budget - 15 * len(drafts)) / (service - 15 * len(drafts))
        for draft in drafts:
            draft[2] = 15 + 5 * math.floor((draft[2] - 15) * factor / 5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    problem = generate(args.seed)

    started = time.perf_counter()
    plan = propose(problem)
    seconds = time.perf_counter() - started
    violations = check(problem, plan, travel=straight_line_matrix)
    critical = {job.id for job in problem.jobs if job.priority == "critical"}
    assigned = {a.job_id for a in plan.assignments}
    share = len(assigned) / len(problem.jobs)
    print(
        json.dumps(
            {
                "part": "a: propose",
                "jobs": len(problem.jobs),
                "technicians": len(problem.technicians),
                "service_minutes": sum(job.duration_minutes for job in problem.jobs),
                "seconds": round(seconds, 2),
                "assigned": len(assigned),
                "assigned_percent": round(100 * share, 1),
                "critical_assigned": f"{len(critical & assigned)}/{len(critical)}",
                "unassigned_reasons": sorted({u.reason for u in plan.unassigned}),
                "violations": len(violations),
                "travel_minutes": plan.travel_minutes,
                "late_minutes": plan.late_minutes,
                "target_met": seconds <= 10
                and not violations
                and critical <= assigned
                and share >= 0.98,
            }
        ),
        flush=True,
    )
    for violation in violations[:10]:
        print("  violation:", violation)

    by_technician: dict[int, list] = {}
    for assignment in plan.assignments:
        by_technician.setdefault(assignment.technician_id, []).append(assignment)
    pins = [
        Fixed(a.job_id, a.technician_id, a.start, a.end)
        for route in by_technician.values()
        for a in sorted(route, key=lambda a: a.start)[:3]
    ]
    pinned = {pin.job_id for pin in pins}
    rng = random.Random(args.seed + 1)
    urgent = tuple(
        Job(
            10_000 + n,
            offset(rng.uniform(-15, 15), rng.uniform(-15, 15)),
            rng.choice((30, 45, 60)),
            ((local(12), local(17)),),
            frozenset({rng.randint(1, SKILLS)}),
            "critical",
            local(16),
        )
        for n in range(1, 6)
    )
    replan_problem = Problem(
        jobs=problem.jobs + urgent,
        technicians=problem.technicians,
        fixed=tuple(pins),
        current=tuple(
            Planned(a.job_id, a.technician_id, a.start)
            for a in plan.assignments
            if a.job_id not in pinned
        ),
        time_limit_seconds=10,
    )
    started = time.perf_counter()
    replan = propose(replan_problem)
    seconds = time.perf_counter() - started
    violations = check(replan_problem, replan)
    before = {a.job_id: a.technician_id for a in plan.assignments if a.job_id not in pinned}
    after = {a.job_id: a.technician_id for a in replan.assignments}
    moved = sum(1 for job_id, tech in before.items() if job_id in after and after[job_id] != tech)
    dropped = sum(1 for job_id in before if job_id not in after)
    placed = sum(1 for job in urgent if job.id in after)
    pins_held = not any("fixed" in v for v in violations) and not (
        pinned & ({a.job_id for a in replan.assignments} | {u.job_id for u in replan.unassigned})
    )
    print(
        json.dumps(
            {
                "part": "b: re-plan",
                "pinned": len(pins),
                "seconds": round(seconds, 2),
                "pins_held": pins_held,
                "urgent_placed": f"{placed}/{len(urgent)}",
                "other_jobs": len(before),
                "moved_technician": moved,
                "moved_percent": round(100 * moved / max(len(before), 1), 1),
                "dropped": dropped,
                "violations": len(violations),
                "late_minutes": replan.late_minutes,
                "target_met": seconds <= 1
                and pins_held
                and placed == len(urgent)
                and moved <= 0.05 * len(before)
                and not violations,
            }
        ),
        flush=True,
    )
    for violation in violations[:10]:
        print("  violation:", violation)
    return 0


if __name__ == "__main__":
    sys.exit(main())
