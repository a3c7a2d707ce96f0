"""Benchmark: reading an object's component tree on a past date.

Builds an object whose item has a 5-level BOM (4 × 4 × 5 × 5 × 4 = 2,100 components, each level
a sub-assembly with its own BOM), then records 5,000 replacements of leaf components over about
seven years through `component_replace`, and measures `component_tree(obj, on=day)` for days
across that history: queries per read and time per read (median, p95, max).

Target (issue 3): at most 3 queries and under 200 ms per read on SQLite on this machine.
Run: `.venv/bin/python bench/component_tree.py` (a throwaway SQLite database in a temp folder).
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="openservice-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
if "DATABASE_URL" in os.environ:
    raise SystemExit("bench uses its own SQLite database; unset DATABASE_URL")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from openservice.catalog import bom_services
from openservice.catalog import services as catalog_services
from openservice.customers import services as customer_services
from openservice.equipment import selectors, services
from openservice.equipment.models import Component
from openservice.equipment.tree import flatten

FAN_OUT = [4, 4, 5, 5, 4]  # units per level, root to leaves
REPLACEMENTS = 5_000
READS = 40
INSTALLED_ON = date(2018, 1, 1)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(user):
    levels = [
        catalog_services.item_create(by=user, sku=f"BENCH-L{depth}", name=f"Level {depth} unit")
        for depth in range(len(FAN_OUT) + 1)
    ]
    # Each level's item has a BOM of the next level's item, so the tree expands 5 levels deep.
    for parent, child, count in zip(levels, levels[1:], FAN_OUT, strict=False):
        bom = bom_services.bom_create(by=user, item=parent)
        bom_services.bom_line_add(
            bom=bom, by=user, component_item=child, quantity=Decimal(count), position="U"
        )
        bom_services.bom_approve(bom=bom, by=user)
    customer = customer_services.customer_create(by=user, name="Bench customer")
    return services.object_create(
        by=user, customer=customer, item=levels[0], installed_on=INSTALLED_ON
    ), levels[-1]


def replace_leaves(user, obj, leaf_item):
    rng = random.Random(7)
    day = INSTALLED_ON
    leaves = list(Component.objects.filter(object=obj, item=leaf_item, removed_on__isnull=True))
    started = time.perf_counter()
    for number in range(REPLACEMENTS):
        day += timedelta(days=rng.choice((0, 0, 1)))
        slot = rng.randrange(len(leaves))
        leaves[slot] = services.component_replace(
            obj=obj,
            component=leaves[slot],
            by=user,
            item=leaf_item,
            reason=f"bench {number}",
            on=day,
            today=date(2100, 1, 1),
        )
    return day, time.perf_counter() - started


def main() -> None:
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="x", is_superuser=True)
    started = time.perf_counter()
    obj, leaf_item = build(user)
    built = time.perf_counter() - started
    last_day, replacing = replace_leaves(user, obj, leaf_item)
    rows = Component.objects.filter(object=obj).count()
    rng = random.Random(11)
    span = (last_day - INSTALLED_ON).days
    days = [INSTALLED_ON + timedelta(days=rng.randrange(span + 1)) for _ in range(READS)]

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        sizes = {len(flatten(selectors.component_tree(obj, on=days[0])))}
    queries = counter.count
    timings = []
    for day in days:
        started = time.perf_counter()
        sizes.add(len(flatten(selectors.component_tree(obj, on=day))))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()

    print(f"database: {connection.vendor}")
    print(f"object built with {sum_units()} components in {built:.1f} s")
    print(f"{REPLACEMENTS} replacements recorded in {replacing:.1f} s; {rows} component rows")
    print(f"tree sizes on the sampled days: {sorted(sizes)}")
    print(f"queries per read: {queries}")
    print(
        f"read time over {READS} past dates: median {statistics.median(timings):.1f} ms, "
        f"p95 {timings[int(READS * 0.95) - 1]:.1f} ms, max {timings[-1]:.1f} ms"
    )
    ok = queries <= 3 and timings[-1] < 200
    print(f"target (<= 3 queries, < 200 ms): {'met' if ok else 'NOT met'}")
    sys.stdout.flush()
    if not ok:
        raise SystemExit(1)


def sum_units() -> int:
    total, level = 0, 1
    for count in FAN_OUT:
        level *= count
        total += level
    return total


if __name__ == "__main__":
    main()
