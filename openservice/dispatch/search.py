"""How the optimiser searches: solver passes for lateness, re-plan stages, and the last touches.

`plan` runs, in order:
1. the solver with each job's windows cut to end by its due instant, then (only for jobs still
   out) with 1 h, 4 h and unlimited lateness, jobs already placed keeping their bound;
2. on a re-plan, that search with the current plan's jobs locked to their technician (a skill
   only that technician's shifts have) and its routes as the starting point; then one repair
   round for the work the lock left out (jobs of the current plan, or high and critical ones):
   the jobs it competes with (on the day able to take it whose route passes nearest, served at a
   time it could be) are set free, the rest stay locked to the technician they have. The round's
   plan is kept only when it serves more weight, or as much with more jobs, or less lateness;
3. on a re-plan, jobs that ended on another technician go back to their own when that day still
   has room for them without more lateness, and jobs of the current plan left out go back into
   their technician's day, or else the nearest day that has room (three passes at most);
4. in each route, late jobs move earlier when that lowers (total lateness, largest lateness,
   driving); the route's times are its earliest ones (`model.time_route`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from openservice.dispatch import routing
from openservice.dispatch.model import (
    FIXED,
    FIXED_REST_IDS,
    JOB,
    REST,
    Model,
    Timed,
    Travel,
    Windows,
    build,
    cut,
    lateness,
    time_route,
)
from openservice.dispatch.problem import (
    NO_CAPACITY,
    PRIORITIES,
    Assignment,
    PlannedBreak,
    Problem,
    Proposal,
    Unassigned,
)

FIXED_WEIGHT = routing.MAX_PRIORITY  # a fixed appointment outweighs any job
LATENESS_TIERS = (0, 3600, 4 * 3600, None)  # seconds past due allowed, pass after pass
REPAIR_ROUNDS = 1  # re-plans: rounds that free the jobs competing with work left out
HIGH = PRIORITIES["high"]
RESTORE_PASSES = 3  # re-plans: passes bringing moved jobs back to their technician
# Seconds per (job × shift) at each exploration level, measured on two cores (field-day bench).
SECONDS_PER_PAIR = (5e-5, 1.2e-4, 3.2e-4, 5e-4, 1e-3, 2.3e-3)

Item = tuple[str, int]  # (JOB, job index) / (FIXED, fixed index) / (REST, break id)
Steps = dict[int, list[tuple[str, int]]]  # day id -> solver steps


@dataclass
class Search:
    model: Model
    deadline: float
    threads: int
    exploration: int

    def stop_id(self, kind: str, index: int) -> int:
        return index + 1 if kind == JOB else len(self.model.jobs) + 1 + index

    def decode(self, visit: routing.Visit) -> Item:
        jobs = len(self.model.jobs)
        if visit.kind == routing.JOB:
            return (JOB, visit.id - 1) if visit.id <= jobs else (FIXED, visit.id - jobs - 1)
        return (REST, visit.id)

    def solve(self, windows: dict[int, Windows], locked: dict[int, int], steps: Steps):
        model = self.model
        day_skill = len(model.skill_of) + len(model.technician_skill)
        stops = [
            routing.Stop(
                id=self.stop_id(JOB, index),
                location=model.places[index],
                service=model.service(index),
                windows=window,
                skills=frozenset(model.skill_of[s] for s in model.jobs[index].skills)
                | ({locked[index]} if index in locked else set()),
                priority=PRIORITIES[model.jobs[index].priority],
            )
            for index, window in windows.items()
            if window
        ]
        for day in model.days:
            for index in day.fixed:
                if index not in model.as_breaks:
                    _f, at, start, end = model.fixed[index]
                    stops.append(
                        routing.Stop(
                            id=self.stop_id(FIXED, index),
                            location=at,
                            service=end - start,
                            windows=((start, start),),
                            skills=frozenset({day_skill + day.id}),
                            priority=FIXED_WEIGHT,
                        )
                    )
        present = {(routing.JOB, stop.id) for stop in stops}
        vehicles = []
        for day in model.days:
            rests = model.rests(day)
            known = present | {(routing.BREAK, rest[0]) for rest in rests}
            vehicles.append(
                routing.Vehicle(
                    id=day.id,
                    start=day.start_place,
                    end=day.end_place,
                    window=(day.start, day.end),
                    skills=frozenset(model.skill_of[s] for s in day.technician.skills)
                    | {model.technician_skill[day.technician.id], day_skill + day.id},
                    breaks=tuple(routing.Rest(*rest) for rest in rests),
                    steps=tuple(step for step in steps.get(day.id, ()) if step in known),
                )
            )
        if not stops or not vehicles:
            return routing.Solution((), tuple(sorted(stop.id for stop in stops)), 0, 0)
        return routing.solve(
            model.matrix,
            vehicles,
            stops,
            time_limit=max(self.deadline - time.monotonic(), 0.05),
            threads=self.threads,
            exploration=self.exploration,
        )

    def tiers(self, locked: dict[int, int], steps: Steps) -> routing.Solution:
        """Solve with each job's windows cut to its due instant plus each lateness allowance
        in turn; a job keeps the windows it was placed with."""
        model = self.model
        solvable = [i for i in range(len(model.jobs)) if i not in model.reasons]
        placed: dict[int, Windows] = {}
        solution, previous = None, None
        for slack in LATENESS_TIERS:
            tier = {i: cut(model, i, slack) for i in solvable}
            waiting = [i for i in solvable if i not in placed]
            if solution is not None and all(tier[i] == previous[i] for i in waiting):
                continue  # nothing waiting gains a window: the pass would change nothing
            previous = tier
            windows = {i: placed.get(i, tier[i]) for i in solvable}
            solution = self.solve(windows, locked, steps)
            placed = {i: windows[i] for i in served(self, solution)}
            steps = steps_of(solution)
            if len(placed) == len(solvable):
                break
        return solution

    def run(self, locked: dict[int, int], steps: Steps) -> routing.Solution:
        """The tiers; again with any fixed appointment the solver dropped as a stop (no time to
        reach it, say) turned into a break of its technician: its time is blocked either way."""
        while True:
            solution = self.tiers(locked, steps)
            kept = {index for kind, index in self.items(solution) if kind == FIXED}
            lost = {
                index
                for day in self.model.days
                for index in day.fixed
                if index not in self.model.as_breaks and index not in kept
            }
            if not lost:
                return solution
            self.model.as_breaks |= lost

    def items(self, solution: routing.Solution) -> list[Item]:
        return [self.decode(visit) for route in solution.routes for visit in route.visits]


def steps_of(solution: routing.Solution) -> Steps:
    return {
        route.vehicle_id: [(visit.kind, visit.id) for visit in route.visits]
        for route in solution.routes
    }


def served(search: Search, solution: routing.Solution) -> set[int]:
    return {index for kind, index in search.items(solution) if kind == JOB}


def plan(problem: Problem, travel: Travel, *, threads: int, exploration: int | None) -> Proposal:
    deadline = time.monotonic() + problem.time_limit_seconds
    model = build(problem, travel)
    if exploration is None:
        pairs = max(1, (len(model.jobs) - len(model.reasons)) * len(model.days))
        budget = 0.4 * problem.time_limit_seconds
        exploration = max(
            (level for level, cost in enumerate(SECONDS_PER_PAIR) if cost * pairs <= budget),
            default=0,
        )
    search = Search(model, deadline, threads, exploration)
    locked, home, steps = _current(search)
    solution = search.run(locked, steps)
    for _round in range(REPAIR_ROUNDS if locked else 0):
        out = [
            ident - 1
            for ident in solution.unassigned
            if ident <= len(model.jobs)
            and (ident - 1 in locked or PRIORITIES[model.jobs[ident - 1].priority] >= HIGH)
        ]
        if not out:
            break
        freed = _freed(search, solution, out)
        # The others stay with the technician they have now (a moved job stays moved).
        still = {
            index: model.technician_skill[model.days[route.vehicle_id].technician.id]
            for route in solution.routes
            for visit in route.visits
            for kind, index in [search.decode(visit)]
            if kind == JOB and index in locked and index not in freed
        }
        solution = _better(search, search.run(still, steps_of(solution)), solution)
    routes = {
        route.vehicle_id: [search.decode(visit) for visit in route.visits]
        for route in solution.routes
    }
    for _pass in range(RESTORE_PASSES if home else 0):
        if not _restore(model, routes, home):
            break
    return _proposal(model, routes, {route.vehicle_id: route for route in solution.routes})


def _current(search: Search) -> tuple[dict[int, int], dict[int, int], Steps]:
    """The current plan: its jobs locked to their technicians (job index -> skill), who that
    is (job index -> technician id), and its routes as the solver's starting steps."""
    model = search.model
    index_of = {job.id: index for index, job in enumerate(model.jobs)}
    entries: dict[int, list[tuple[int, str, int]]] = {}
    locked: dict[int, int] = {}
    home: dict[int, int] = {}
    for planned in model.problem.current:
        index = index_of.get(planned.job_id)
        if index is None or index in model.reasons or index in locked:
            continue
        at = model.seconds(planned.start)
        day = next(
            (
                d
                for d in model.days
                if d.technician.id == planned.technician_id and d.start <= at < d.end
            ),
            None,
        )
        if day is None or not model.jobs[index].skills <= day.technician.skills:
            continue  # not a place the job can keep
        locked[index] = model.technician_skill[planned.technician_id]
        home[index] = planned.technician_id
        entries.setdefault(day.id, []).append((at, JOB, index))
    steps: Steps = {}
    for day_id, planned in entries.items():
        day = model.days[day_id]
        ordered = sorted(planned + [(model.fixed[i][2], FIXED, i) for i in day.fixed])
        items: list[Item] = [(kind, index) for _at, kind, index in ordered]
        for rest_id, _windows, _seconds in model.rests(day):
            for position in range(len(items) + 1):
                candidate = [*items[:position], (REST, rest_id), *items[position:]]
                if time_route(model, day, candidate) is not None:
                    items = candidate
                    break
        steps[day_id] = [
            (routing.BREAK, index) if kind == REST else (routing.JOB, search.stop_id(kind, index))
            for kind, index in items
        ]
    return locked, home, steps


def _freed(search: Search, solution: routing.Solution, jobs: list[int]) -> set[int]:
    """For each job left out, the jobs it competes with: on the day able to take it whose route
    passes nearest to its site, those served at a time the job could be."""
    model, matrix = search.model, search.model.matrix
    places = {day.id: {day.start_place, day.end_place} for day in model.days}
    for route in solution.routes:
        places[route.vehicle_id] |= {v.location for v in route.visits if v.location is not None}
    visits = {route.vehicle_id: route.visits for route in solution.routes}
    freed: set[int] = set()
    for index in jobs:
        job, at = model.jobs[index], model.places[index]
        able = [day for day in model.days if job.skills <= day.technician.skills]
        if not able:
            continue
        day = min(able, key=lambda d: (min(matrix[p][at] for p in places[d.id]), d.id))
        spans = [(a, b + model.service(index)) for a, b in model.windows[index]]
        for visit in visits.get(day.id, ()):
            kind, other = search.decode(visit)
            if kind == JOB and any(visit.start < b and a < visit.end for a, b in spans):
                freed.add(other)
    return freed


def _better(
    search: Search, candidate: routing.Solution, incumbent: routing.Solution
) -> routing.Solution:
    """The candidate when it serves more weight, or as much with more jobs, or less lateness."""
    model = search.model

    def key(solution: routing.Solution) -> tuple[int, int, int]:
        jobs = served(search, solution)
        late = 0
        for route in solution.routes:
            for visit in route.visits:
                kind, index = search.decode(visit)
                if kind == JOB and model.jobs[index].due is not None:
                    late += max(0, visit.end - model.due(index))
        return (sum(PRIORITIES[model.jobs[i].priority] for i in jobs), len(jobs), -late)

    return candidate if key(candidate) > key(incumbent) else incumbent


def _restore(model: Model, routes: dict[int, list[Item]], home: dict[int, int]) -> bool:
    """Jobs of the current plan that the search moved to another technician go back into their
    own technician's day where it has room without more lateness; jobs of the current plan it
    left out go back in the same way, or else into any day able to take them. The cheapest
    place in driving wins. Routes the timing cannot follow (the solver's own) are left alone.
    True when anything changed."""
    timing = {
        day_id: time_route(model, model.days[day_id], items) for day_id, items in routes.items()
    }
    where = {
        index: day_id for day_id, items in routes.items() for kind, index in items if kind == JOB
    }
    days_of: dict[int, list[int]] = {}
    for day in model.days:
        days_of.setdefault(day.technician.id, []).append(day.id)
    candidates = sorted(
        index
        for index, technician in home.items()
        if index not in where or model.days[where[index]].technician.id != technician
    )
    changed = False
    for index in candidates:
        source, gain = where.get(index), 0
        if source is not None:
            without = [item for item in routes[source] if item != (JOB, index)]
            left = time_route(model, model.days[source], without)
            if timing[source] is None or left is None:
                continue
            gain = lateness(model, timing[source][0])[0] - lateness(model, left[0])[0]
        best = _insertion(model, routes, timing, index, days_of.get(home[index], []), gain)
        if best is None and source is None:
            best = _insertion(model, routes, timing, index, _nearby(model, routes, index), gain)
        if best is None:
            continue
        day_id, trial, result = best
        if source is not None:
            routes[source], timing[source] = without, left
        routes[day_id], timing[day_id] = trial, result
        where[index] = day_id
        changed = True
    return changed


def _nearby(model: Model, routes: dict[int, list[Item]], index: int, count: int = 10) -> list[int]:
    """The days able to take the job whose routes pass nearest to its site."""
    matrix, at, skills = model.matrix, model.places[index], model.jobs[index].skills

    def distance(day) -> int:
        places = {day.start_place, day.end_place}
        places |= {model.places[i] for kind, i in routes.get(day.id, ()) if kind == JOB}
        return min(matrix[p][at] for p in places)

    able = [day for day in model.days if skills <= day.technician.skills]
    return [day.id for day in sorted(able, key=lambda d: (distance(d), d.id))[:count]]


def _insertion(model: Model, routes, timing, index: int, day_ids: list[int], allowance: int):
    """The cheapest feasible place for the job in those days adding at most `allowance`
    seconds of lateness: (day id, items, timing), or None."""
    best = None
    for day_id in day_ids:
        day = model.days[day_id]
        if not model.jobs[index].skills <= day.technician.skills:
            continue
        if day_id in routes:
            items, base = routes[day_id], timing[day_id]
        else:  # an unused day: its breaks (in window order) and nothing else yet
            rests = sorted(model.rests(day), key=lambda rest: rest[1][0])
            items = [(REST, rest[0]) for rest in rests]
            base = time_route(model, day, items)
        if base is None:
            continue
        base_late = lateness(model, base[0])[0]
        for position in range(len(items) + 1):
            trial = [*items[:position], (JOB, index), *items[position:]]
            result = time_route(model, day, trial)
            if result is None:
                continue
            added = lateness(model, result[0])[0] - base_late
            if added > allowance:
                continue
            rank = (added, result[1] - base[1], day_id, position)
            if best is None or rank < best[0]:
                best = (rank, day_id, trial, result)
    return None if best is None else best[1:]


def _polish(model: Model, day, items: list[Item], timed: list[Timed], driven: int):
    """Move late jobs earlier in their route while that lowers (total lateness, largest
    lateness, driving)."""
    best = (*lateness(model, timed), driven)
    for _round in range(4 * len(items)):
        if best[0] == 0:
            break
        late = {
            t.index
            for t in timed
            if t.kind == JOB and model.jobs[t.index].due is not None and t.end > model.due(t.index)
        }
        improved = None
        for position, item in enumerate(items):
            if item[0] != JOB or item[1] not in late:
                continue
            for target in range(position):
                trial = [*items[:target], item, *items[target:position], *items[position + 1 :]]
                result = time_route(model, day, trial)
                if result is None:
                    continue
                key = (*lateness(model, result[0]), result[1])
                if key < best:
                    best, improved = key, (trial, result)
        if improved is None:
            break
        items, (timed, driven) = improved
    return timed, driven


def _proposal(
    model: Model, routes: dict[int, list[Item]], solver_routes: dict[int, routing.Route]
) -> Proposal:
    assignments, breaks = [], []
    driven_total = late_total = 0
    for day_id, items in sorted(routes.items()):
        if not any(kind != REST for kind, _index in items):
            continue  # a day left with nothing but its breaks
        day = model.days[day_id]
        result = time_route(model, day, items)
        if result is None:  # the timing cannot follow this route: keep the solver's times
            route = solver_routes[day_id]
            timed = [
                Timed(kind, index, visit.start, visit.end, 0)
                for (kind, index), visit in zip(items, route.visits, strict=True)
            ]
            driven = route.travel
        else:
            timed, driven = _polish(model, day, items, *result)
        driven_total += driven
        late_total += lateness(model, timed)[0]
        for item in timed:
            if item.kind == JOB:
                assignments.append(
                    Assignment(
                        job_id=model.jobs[item.index].id,
                        technician_id=day.technician.id,
                        start=model.instant(item.start),
                        end=model.instant(item.end),
                        travel_minutes=-(-item.travel // 60),
                    )
                )
            elif item.kind == REST and item.index < FIXED_REST_IDS:
                breaks.append(
                    PlannedBreak(
                        day.technician.id, model.instant(item.start), model.instant(item.end)
                    )
                )
    assigned = {a.job_id for a in assignments}
    unassigned = [
        Unassigned(job.id, model.reasons.get(index, NO_CAPACITY))
        for index, job in enumerate(model.jobs)
        if job.id not in assigned
    ]
    return Proposal(
        assignments=tuple(sorted(assignments, key=lambda a: (a.technician_id, a.start))),
        unassigned=tuple(sorted(unassigned, key=lambda u: u.job_id)),
        travel_minutes=-(-driven_total // 60),
        late_minutes=-(-late_total // 60),
        breaks=tuple(sorted(breaks, key=lambda b: (b.technician_id, b.start))),
    )
