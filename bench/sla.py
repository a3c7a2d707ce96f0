"""Benchmark: business-time arithmetic, recomputing SLA clocks, and the SLA scan (issue 5).

(a) `add_business_minutes` calls per second on the Finnish office calendar (Mon-Fri 08:00-12:00
    and 12:30-16:30, Finnish holidays) for random starts over three years and random targets up
    to 30 business days; also one cold call adding 10,000 business hours on a fresh calendar.
    Target: at least 50,000 calls per second.
(b) Changing the calendar's hours through `calendar_update` with 100,000 open orders measured on
    it: the change recomputes every clock from its stage history in the same transaction.
    Target: at most 60 s.
(c) PostgreSQL only: `sla_scan` over 1,000,000 open orders (4,000,000 scheduled warning and
    breach events) of which 1% crossed a warning threshold since the previous scan.
    Target: at most 1 s (the partial index on the instants of events not yet recorded).

Run:
    .venv/bin/python bench/sla.py                                          # (a) and (b) on SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sla .venv/bin/python bench/sla.py
(the PostgreSQL database is created if missing and emptied first). ORDERS=20000 SCAN_ORDERS=100000
make it quicker; PARTS=c runs only (c), PARTS=ab skips it.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="openservice-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
Path(os.environ["VAR_DIR"], "static").mkdir(exist_ok=True)

ORDERS = int(os.environ.get("ORDERS", "100000"))
SCAN_ORDERS = int(os.environ.get("SCAN_ORDERS", "1000000"))
PARTS = os.environ.get("PARTS", "abc")  # which of (a), (b), (c) to run
CALLS = 200_000
MINUTES = 5  # consecutive scans measured in (c)
BATCH = 10_000
OFFICE = {
    day: [["08:00", "12:00"], ["12:30", "16:30"]] for day in ("mon", "tue", "wed", "thu", "fri")
}


def ensure_postgres_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


ensure_postgres_database()

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from openservice.calendars import arithmetic
from openservice.calendars.services import calendar_create, calendar_update, week_from_hours
from openservice.customers.models import Customer, Site
from openservice.orders.models import ServiceOrder, Stage, StageChange
from openservice.orders.services import orders_sla_recompute, sla_scan
from openservice.sla.services import policy_create

RESULTS: list[tuple[str, bool]] = []


def report(label: str, ok: bool) -> None:
    RESULTS.append((label, ok))


def bench_arithmetic() -> None:
    calendar = arithmetic.Calendar(
        timezone="Europe/Helsinki", week=week_from_hours(OFFICE), holiday_country="FI"
    )
    rng = random.Random(5)
    origin = datetime(2026, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds())
    starts = [origin + timedelta(seconds=rng.randrange(span)) for _ in range(CALLS)]
    minutes = [rng.randint(1, 30 * 480) for _ in range(CALLS)]
    for year in range(2026, 2031):  # build the yearly tables once, as a running process has
        arithmetic.add_business_minutes(datetime(year, 6, 1, tzinfo=UTC), 1, calendar)
    began = time.perf_counter()
    for start, amount in zip(starts, minutes, strict=True):
        arithmetic.add_business_minutes(start, amount, calendar)
    elapsed = time.perf_counter() - began
    rate = CALLS / elapsed
    fresh = arithmetic.Calendar(
        timezone="Europe/Helsinki", week=week_from_hours(OFFICE), holiday_country="FI"
    )
    began = time.perf_counter()
    due = arithmetic.add_business_minutes(origin, 600_000, fresh)
    cold = (time.perf_counter() - began) * 1000
    print(f"(a) add_business_minutes: {rate:,.0f} calls/s ({CALLS:,} calls, {elapsed:.2f} s)")
    print(f"    10,000 business hours on a cold calendar: {cold:.1f} ms (due {due:%Y-%m-%d %H:%M})")
    report("(a) >= 50,000 calls/s", rate >= 50_000)


def _places() -> tuple[list[Site], dict[str, Stage]]:
    customers = Customer.objects.bulk_create(
        Customer(number=f"B{n:05d}", name=f"Bench customer {n}", currency="EUR") for n in range(200)
    )
    sites = Site.objects.bulk_create(
        Site(customer=customer, name=f"Site {customer.number}", city="Helsinki")
        for customer in customers
    )
    return sites, {stage.code: stage for stage in Stage.objects.all()}


def bench_recompute(sites, stages):
    calendar = calendar_create(
        by=None,
        name="Bench office",
        timezone="Europe/Helsinki",
        hours=OFFICE,
        holiday_country="FI",
        is_default=True,
    )
    policy = policy_create(
        by=None,
        name="Bench policy",
        calendar=calendar,
        targets=[
            {"priority": p, "response_minutes": r, "resolution_minutes": r * 4}
            for p, r in (("critical", 60), ("high", 120), ("normal", 240), ("low", 480))
        ],
    )
    now = timezone.now()
    began = time.perf_counter()
    # Open orders with 1 to 4 stage entries each: new; scheduled; in progress; on hold.
    paths = [
        ["new"],
        ["new", "scheduled"],
        ["new", "scheduled", "in_progress"],
        ["new", "scheduled", "in_progress", "on_hold"],
    ]
    for start in range(0, ORDERS, BATCH):
        with transaction.atomic():
            batch = range(start, min(start + BATCH, ORDERS))
            orders = ServiceOrder.objects.bulk_create(
                ServiceOrder(
                    number=f"WO{n + 1:07d}",
                    customer_id=sites[n % len(sites)].customer_id,
                    site=sites[n % len(sites)],
                    stage=stages[paths[n % 4][-1]],
                    priority=("low", "normal", "high", "critical")[n % 4],
                    currency="EUR",
                    reported_at=now - timedelta(minutes=200 + 7 * n % 43_200),
                    sla_policy=policy,
                )
                for n in batch
            )
            StageChange.objects.bulk_create(
                StageChange(
                    order=order,
                    to_stage=stages[code],
                    at=order.reported_at + timedelta(minutes=35 * step),
                )
                for n, order in zip(batch, orders, strict=True)
                for step, code in enumerate(paths[n % 4])
            )
            orders_sla_recompute(orders=ServiceOrder.objects.filter(pk__in=[o.pk for o in orders]))
    print(
        f"(b) loaded {ORDERS:,} open orders with their stage history in "
        f"{time.perf_counter() - began:.0f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now
    due = dict(ServiceOrder.objects.values_list("pk", "sla_resolution_due_at"))
    longer = dict(OFFICE, sat=[["09:00", "13:00"]])  # open Saturday mornings from now on
    began = time.perf_counter()
    calendar_update(calendar=calendar, by=None, hours=longer)
    elapsed = time.perf_counter() - began
    after = dict(ServiceOrder.objects.values_list("pk", "sla_resolution_due_at"))
    moved = sum(1 for pk, value in after.items() if value != due[pk])
    print(
        f"(b) calendar change recomputed {ORDERS:,} open orders in {elapsed:.1f} s "
        f"({ORDERS / elapsed:,.0f} orders/s; {moved:,} resolution deadlines moved)"
    )
    report("(b) <= 60 s", elapsed <= 60)
    return policy


def bench_scan(sites, stages, policy) -> None:
    if connection.vendor != "postgresql":
        print("(c) skipped: the scan benchmark runs on PostgreSQL (set DATABASE_URL)")
        return
    ServiceOrder.objects.all().delete()
    start = timezone.now().replace(microsecond=0) - timedelta(minutes=MINUTES)
    began = time.perf_counter()
    # Generated in the database (this part runs on PostgreSQL only): during each of the last
    # few minutes a different hundredth of the orders crossed its warning threshold; the other
    # orders cross theirs later.
    site = sites[0]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO orders_serviceorder (
                created_at, updated_at, number, customer_id, site_id, description, priority,
                stage_id, origin, currency, reported_at, calendar_conflict, signer_name, version,
                sla_policy_id, sla_state, sla_clock, sla_used_seconds, sla_running_since,
                sla_response_due_at, sla_resolution_due_at, sla_due_at, sla_response_warning_at,
                sla_response_breach_at, sla_resolution_warning_at, sla_resolution_breach_at)
            SELECT %(now)s, %(now)s, 'WS' || lpad(n::text, 7, '0'), %(customer)s, %(site)s, '',
                'normal', %(stage)s, 'api', 'EUR', %(now)s - interval '1 hour', false, '', 1,
                %(policy)s, 'on_track', 'run', 0, %(now)s - interval '1 hour',
                w + interval '2 hours', w + interval '8 hours', w + interval '2 hours', w,
                w + interval '2 hours', w + interval '6 hours', w + interval '8 hours'
            FROM (
                SELECT n, CASE WHEN n %% 100 < %(minutes)s
                    THEN %(start)s + (n %% 100) * interval '1 minute'
                        + ((n / 100) %% 60 + 1) * interval '1 second'
                    ELSE %(now)s + ((n::bigint * 7919) %% 20000 + 1) * interval '1 minute' END AS w
                FROM generate_series(1, %(count)s) AS n
            ) AS generated
            """,
            {
                "now": start + timedelta(minutes=MINUTES),
                "start": start,
                "minutes": MINUTES,
                "customer": site.customer_id,
                "site": site.pk,
                "stage": stages["new"].pk,
                "policy": policy.pk,
                "count": SCAN_ORDERS,
            },
        )
        # Each open order's four crossings are scheduled events until the scan records them.
        for kind, column in (
            ("response_warning", "sla_response_warning_at"),
            ("response_breach", "sla_response_breach_at"),
            ("resolution_warning", "sla_resolution_warning_at"),
            ("resolution_breach", "sla_resolution_breach_at"),
        ):
            cursor.execute(
                f"INSERT INTO orders_slaevent (order_id, kind, at) "
                f"SELECT id, %s, {column} FROM orders_serviceorder",
                [kind],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_serviceorder")
        cursor.execute("VACUUM ANALYZE orders_slaevent")
    print(
        f"(c) loaded {SCAN_ORDERS:,} open orders with {4 * SCAN_ORDERS:,} scheduled SLA events "
        f"in {time.perf_counter() - began:.0f} s"
    )
    # The job runs every minute: the first scan finds nothing, each later one the hundredth of
    # the orders that crossed during the minute before.
    assert sla_scan(now=start).events == 0
    timings, counts = [], []
    for minute in range(1, MINUTES + 1):
        began = time.perf_counter()
        counts.append(sla_scan(now=start + timedelta(minutes=minute)).events)
        timings.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    again = sla_scan(now=start + timedelta(minutes=MINUTES))
    rerun = (time.perf_counter() - began) * 1000
    median, slowest = statistics.median(timings), max(timings)
    print(
        f"(c) {MINUTES} scans a minute apart recorded {counts} events in "
        f"{', '.join(f'{t:.0f}' for t in timings)} ms (median {median:.0f} ms, slowest "
        f"{slowest:.0f} ms: the first, on a cold cache); the same scan again: {again.events} "
        f"events in {rerun:.0f} ms"
    )
    expected = [SCAN_ORDERS // 100] * MINUTES
    report("(c) <= 1 s", slowest <= 1000 and counts == expected and again.events == 0)


def main() -> None:
    if "a" in PARTS:
        bench_arithmetic()
    call_command("migrate", verbosity=0)
    sites, stages = _places()
    if "b" in PARTS:
        policy = bench_recompute(sites, stages)
    else:
        policy = policy_create(
            by=None,
            name="Bench policy",
            targets=[{"priority": "normal", "response_minutes": 120, "resolution_minutes": 480}],
        )
    if "c" in PARTS:
        bench_scan(sites, stages, policy)
    print(f"database: {connection.vendor}")
    for label, ok in RESULTS:
        print(f"target {label}: {'met' if ok else 'NOT met'}")
    if not all(ok for _label, ok in RESULTS):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
