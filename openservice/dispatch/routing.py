"""The routing core under the optimiser: integer times and matrix indices in, routes out.

This is the only module that knows the solver (VROOM, through pyvroom). Both the app-facing
`optimiser.propose` and the Solomon benchmark call `solve`, so the benchmark measures the code
the app runs. Everything is plain integers: times in seconds from an origin the caller chooses,
places as indices into a square travel-time matrix.

Semantics (VROOM's):
- a stop's window bounds the *start* of its service, and a stop may have several windows;
- a vehicle's window bounds its whole day, from leaving `start` to arriving at `end`;
- a break falls between two stops, possibly in the middle of the drive, its start within one
  of its windows; a used vehicle takes all its breaks;
- the solver first maximises the sum of the priorities of the stops it serves, then the number
  of stops served, then minimises cost (travel time);
- a vehicle serves a stop only when it has every skill the stop asks for;
- `steps` is a vehicle's current route, a starting point the search may change, not a promise.
  When the solver refuses a starting route, the search starts from scratch instead. VROOM 1.15
  checks starting routes with its own break-insertion heuristic, which refuses valid routes
  whose break needs some waiting first (VROOM issue #1251, open), even its own output; so with
  breaks, expect the starting routes to be refused more often than not.

Deterministic: without a time-out the search is the same for the same input and thread count.
The time limit only stops a search that would overrun it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy
import vroom

JOB, BREAK = "job", "break"
MAX_PRIORITY = 100  # the solver's scale is 0..100


@dataclass(frozen=True)
class Stop:
    id: int
    location: int  # index into the matrix
    service: int  # seconds
    windows: tuple[tuple[int, int], ...] = ()  # bounds of the service start; () = any time
    skills: frozenset[int] = frozenset()
    priority: int = 0  # 0..100
    demand: int = 0  # for capacitated problems (the benchmark); 0 = none


@dataclass(frozen=True)
class Rest:
    """A break of a vehicle: `service` seconds starting inside one of `windows`."""

    id: int
    windows: tuple[tuple[int, int], ...]
    service: int


@dataclass(frozen=True)
class Vehicle:
    id: int
    start: int | None  # index of the place the day starts from; None = at the first stop
    end: int | None  # index of the place the day ends at; None = at the last stop
    window: tuple[int, int] | None = None
    skills: frozenset[int] = frozenset()
    breaks: tuple[Rest, ...] = ()
    capacity: int | None = None  # None = unlimited
    steps: tuple[tuple[str, int], ...] = ()  # the current route: (JOB, stop id) / (BREAK, id)


@dataclass(frozen=True)
class Visit:
    kind: str  # JOB or BREAK
    id: int
    arrival: int
    start: int  # arrival + waiting
    end: int  # start + service
    location: int | None  # None for a break (taken where the vehicle is)


@dataclass(frozen=True)
class Route:
    vehicle_id: int
    visits: tuple[Visit, ...]  # in order, breaks included
    travel: int  # seconds driven, back to `end` included


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]  # only vehicles that serve something, in vehicle id order
    unassigned: tuple[int, ...]  # stop ids, ascending
    priority: int  # sum of the priorities served
    cost: int


class RoutingError(Exception):
    """The solver refused the input (a bug in the caller's model, not a hard day)."""


_REFUSED_STEPS = re.compile(r"Infeasible route for vehicle|step out of reach")


def solve(
    matrix: Sequence[Sequence[int]] | numpy.ndarray,
    vehicles: Sequence[Vehicle],
    stops: Sequence[Stop],
    *,
    time_limit: float | None = None,
    threads: int = 2,
    exploration: int = 5,
) -> Solution:
    """Route `stops` onto `vehicles` with travel times `matrix` (whole seconds).

    `exploration` (0..5) trades time for quality; `threads` is fixed by the caller so the
    answer does not depend on the machine; `time_limit` (seconds) stops an overlong search.
    """
    durations = numpy.ascontiguousarray(matrix, dtype="uint32")
    with_steps = any(vehicle.steps for vehicle in vehicles)
    while True:
        problem = _input(durations, vehicles, stops, with_steps)
        try:
            raw = problem.solve(
                exploration_level=exploration,
                nb_threads=threads,
                timeout=None if time_limit is None else timedelta(seconds=max(time_limit, 0.01)),
            )
        except vroom._vroom.VroomInputException as error:
            if not (with_steps and _REFUSED_STEPS.search(str(error))):
                raise RoutingError(str(error)) from error
            with_steps = False  # one refusal names one vehicle; asking again per vehicle costs more
            continue
        return _solution(raw, durations)


def _windows(windows: tuple[tuple[int, int], ...]) -> list[vroom.TimeWindow]:
    return [vroom.TimeWindow(int(start), int(end)) for start, end in windows]


def _input(
    durations: numpy.ndarray,
    vehicles: Sequence[Vehicle],
    stops: Sequence[Stop],
    with_steps: bool,
) -> vroom.Input:
    problem = vroom.Input()
    problem.set_durations_matrix("car", durations)
    capacitated = any(stop.demand for stop in stops) or any(
        vehicle.capacity is not None for vehicle in vehicles
    )
    unlimited = sum(stop.demand for stop in stops) + 1
    for vehicle in vehicles:
        extra = {}
        if capacitated:
            extra["capacity"] = [unlimited if vehicle.capacity is None else vehicle.capacity]
        if vehicle.window is not None:
            extra["time_window"] = vroom.TimeWindow(*map(int, vehicle.window))
        if vehicle.steps and with_steps:
            extra["steps"] = [
                vroom.VehicleStep("single" if kind == JOB else "break", int(ident))
                for kind, ident in vehicle.steps
            ]
        problem.add_vehicle(
            vroom.Vehicle(
                int(vehicle.id),
                start=vehicle.start,
                end=vehicle.end,
                skills=set(vehicle.skills),
                breaks=[
                    vroom.Break(rest.id, time_windows=_windows(rest.windows), service=rest.service)
                    for rest in vehicle.breaks
                ],
                **extra,
            )
        )
    jobs = []
    for stop in stops:
        extra = {"delivery": [stop.demand]} if capacitated else {}
        if stop.windows:
            extra["time_windows"] = _windows(stop.windows)
        jobs.append(
            vroom.Job(
                int(stop.id),
                location=int(stop.location),
                default_service=int(stop.service),
                skills=set(stop.skills),
                priority=int(stop.priority),
                **extra,
            )
        )
    problem.add_job(jobs)
    return problem


def _solution(raw, durations: numpy.ndarray) -> Solution:
    rows = numpy.asarray(raw._routes_numpy())
    by_vehicle: dict[int, list[Visit]] = {}
    places: dict[int, list[int]] = {}
    for row in rows:
        vehicle_id = int(row["vehicle_id"])
        kind = row["type"].decode()
        visits = by_vehicle.setdefault(vehicle_id, [])
        path = places.setdefault(vehicle_id, [])
        if kind in ("start", "end"):
            path.append(int(row["location_index"]))
            continue
        arrival = int(row["arrival"])
        start = arrival + int(row["waiting_time"]) + int(row["setup"])
        location = int(row["location_index"]) if kind == JOB else None
        if location is not None:
            path.append(location)
        visits.append(
            Visit(
                kind=JOB if kind == JOB else BREAK,
                id=int(row["id"]),
                arrival=arrival,
                start=start,
                end=start + int(row["service"]),
                location=location,
            )
        )
    routes = tuple(
        Route(
            vehicle_id=vehicle_id,
            visits=tuple(by_vehicle[vehicle_id]),
            travel=sum(int(durations[a, b]) for a, b in itertools.pairwise(path)),
        )
        for vehicle_id, path in sorted(places.items())
    )
    unassigned = tuple(sorted(int(job._id) for job in raw.unassigned))
    return Solution(
        routes=routes,
        unassigned=unassigned,
        priority=int(raw.summary.priority),
        cost=int(raw.summary.cost),
    )
