"""Benchmark: the optimiser's routing core on the Solomon VRPTW instances (issue 9).

Reads one instance in the classic Solomon text format, or every `*.txt` in a directory, and
solves each with `openservice.dispatch.routing.solve`, the function the app's `propose()` runs:
the instance's fleet with its capacity, one skill for all, hard time windows. The solver needs
whole numbers, so times are scaled by 1,000 and travel times rounded *up*: a plan that keeps its
windows with the rounded times keeps them with the exact ones. Each plan is then checked again
with exact (float) Euclidean times, capacities and "every customer exactly once".

Prints one JSON line per instance:
    {"instance", "vehicles", "distance", "feasible", "seconds", "routes"}
with the distance as the sum of the Euclidean edge lengths in the instance's units and the
routes as lists of customer numbers (depot excluded). With a directory, a last line sums up:
the mean gap to the best-known distance (`distance_bks` in bks.json beside the files, the
minimum-distance objective that VROOM's travel-cost objective matches), per class as well.

Target: mean gap <= 2.5 % within 10 s per instance over all 56.
Run: `.venv/bin/python bench/solomon.py ../shared/data/solomon/ [--seconds 10]`
(without PATH it reads ../shared/data/solomon/).
"""

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy

from openservice.dispatch.routing import Stop, Vehicle, solve

SCALE = 1000  # time units -> solver units
DEFAULT_PATH = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "solomon"
THREADS = 2  # this machine's cores


def parse(path: Path) -> dict:
    """The classic format: a name line, VEHICLE (NUMBER, CAPACITY), CUSTOMER rows of
    number, x, y, demand, ready time, due date, service time; customer 0 is the depot."""
    lines = path.read_text().splitlines()
    name = next(line.strip() for line in lines if line.strip())
    numeric = [
        line.split()
        for line in lines
        if line.split() and all(re.fullmatch(r"-?\d+(\.\d+)?", t) for t in line.split())
    ]
    fleet, capacity = (int(value) for value in numeric[0])
    rows = [[float(value) for value in row] for row in numeric[1:] if len(row) == 7]
    if not rows or rows[0][0] != 0:
        raise SystemExit(f"{path}: not a Solomon instance (no depot row)")
    return {"name": name, "fleet": fleet, "capacity": capacity, "rows": rows}


def euclidean(rows: list[list[float]]) -> numpy.ndarray:
    points = numpy.array([[row[1], row[2]] for row in rows])
    return numpy.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=-1))


def solve_instance(instance: dict, seconds: float) -> dict:
    rows = instance["rows"]
    exact = euclidean(rows)
    matrix = numpy.ceil(exact * SCALE - 1e-9).astype(numpy.int64)
    depot = rows[0]
    vehicles = [
        Vehicle(
            id=number,
            start=0,
            end=0,
            window=(round(depot[4] * SCALE), round(depot[5] * SCALE)),
            skills=frozenset({0}),
            capacity=instance["capacity"],
        )
        for number in range(instance["fleet"])
    ]
    stops = [
        Stop(
            id=int(row[0]),
            location=index,
            service=round(row[6] * SCALE),
            windows=((round(row[4] * SCALE), round(row[5] * SCALE)),),
            skills=frozenset({0}),
            demand=int(row[3]),
        )
        for index, row in enumerate(rows)
        if index > 0
    ]
    started = time.perf_counter()
    solution = solve(matrix, vehicles, stops, time_limit=seconds, threads=THREADS)
    elapsed = time.perf_counter() - started
    index_of = {int(row[0]): index for index, row in enumerate(rows)}
    routes = [
        [visit.id for visit in route.visits if visit.kind == "job"] for route in solution.routes
    ]
    routes = [route for route in routes if route]
    distance = sum(
        float(exact[a, b])
        for route in routes
        for a, b in zip([0, *map(index_of.get, route)], [*map(index_of.get, route), 0], strict=True)
    )
    return {
        "instance": instance["name"],
        "vehicles": len(routes),
        "distance": round(distance, 2),
        "feasible": not solution.unassigned and feasible(instance, exact, routes, index_of),
        "seconds": round(elapsed, 2),
        "routes": routes,
    }


def feasible(instance: dict, exact: numpy.ndarray, routes: list[list[int]], index_of) -> bool:
    """Every customer exactly once; capacity; windows and the depot's closing with exact times."""
    rows = instance["rows"]
    served = sorted(customer for route in routes for customer in route)
    if served != sorted(int(row[0]) for row in rows[1:]):
        return False
    if len(routes) > instance["fleet"]:
        return False
    for route in routes:
        if sum(rows[index_of[customer]][3] for customer in route) > instance["capacity"]:
            return False
        clock, here = rows[0][4], 0
        for customer in route:
            there = index_of[customer]
            clock = max(clock + exact[here, there], rows[there][4])
            if clock > rows[there][5] + 1e-9:
                return False
            clock += rows[there][6]
            here = there
        if clock + exact[here, 0] > rows[0][5] + 1e-9:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per instance")
    args = parser.parse_args()
    files = sorted(args.path.glob("*.txt")) if args.path.is_dir() else [args.path]
    files = [file for file in files if file.name.lower() != "readme.txt"]
    bks_file = (args.path if args.path.is_dir() else args.path.parent) / "bks.json"
    bks = json.loads(bks_file.read_text()) if bks_file.exists() else {}
    gaps: dict[str, float] = {}
    results = []
    for file in files:
        result = solve_instance(parse(file), args.seconds)
        results.append(result)
        print(json.dumps(result), flush=True)
        best = bks.get(result["instance"], {}).get("distance_bks")
        if best and result["feasible"]:
            gaps[result["instance"]] = 100.0 * (result["distance"] / best - 1.0)
    if args.path.is_dir():
        families: dict[str, list[float]] = {}
        for name, gap in gaps.items():
            families.setdefault(re.sub(r"\d{2}$", "", name), []).append(gap)
        summary = {
            "instances": len(results),
            "feasible": sum(result["feasible"] for result in results),
            "compared": len(gaps),
            "mean_gap_percent": round(statistics.fmean(gaps.values()), 2) if gaps else None,
            "gap_percent_by_class": {
                family: round(statistics.fmean(values), 2)
                for family, values in sorted(families.items())
            },
            "max_gap_percent": round(max(gaps.values()), 2) if gaps else None,
            "mean_seconds": round(statistics.fmean(r["seconds"] for r in results), 2),
            "max_seconds": max(r["seconds"] for r in results),
            "target_met": bool(gaps)
            and len(gaps) == len(results)
            and statistics.fmean(gaps.values()) <= 2.5
            and max(r["seconds"] for r in results) <= args.seconds + 0.5,
        }
        print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
