"""Benchmark: the order list API and a stage change with 100,000 orders of 5 lines each.

Reports p50 and p95 over 50 requests of the first page of GET /api/v1/orders (50 orders with
their lines, as a manager) and of POST /api/v1/orders/{id}/stage (new -> scheduled), through
the full Django stack in process. Target (issue 4): p95 under 100 ms for both, on SQLite and
on PostgreSQL.

Run:
    .venv/bin/python bench/orders.py                       # SQLite in a temp folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_orders .venv/bin/python bench/orders.py
(the PostgreSQL database is created if missing and emptied first). ORDERS=20000 makes it quicker.
"""

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="openservice-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
Path(os.environ["VAR_DIR"], "static").mkdir(exist_ok=True)

ORDERS = int(os.environ.get("ORDERS", "100000"))
LINES_PER_ORDER = 5
REQUESTS = 50
BATCH = 5000


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

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from openservice.core.roles import Role
from openservice.core.services import token_create
from openservice.customers.models import Customer, Site
from openservice.orders.models import OrderLine, ServiceOrder, Stage, StageChange


def load() -> None:
    """Bulk-load the orders (the services would take hours for 100,000; the rows are the same
    shape as theirs: initial stage, a StageChange each, lines with amounts)."""
    customers = Customer.objects.bulk_create(
        Customer(number=f"B{n:05d}", name=f"Bench customer {n}", currency="EUR") for n in range(200)
    )
    sites = Site.objects.bulk_create(
        Site(customer=customer, name=f"Site {customer.number}", city="Helsinki")
        for customer in customers
    )
    new = Stage.objects.get(code="new")
    now = timezone.now()
    for start in range(0, ORDERS, BATCH):
        with transaction.atomic():
            orders = ServiceOrder.objects.bulk_create(
                ServiceOrder(
                    number=f"WO{n + 1:06d}",
                    customer_id=sites[n % len(sites)].customer_id,
                    site=sites[n % len(sites)],
                    description=f"Bench order {n}",
                    stage=new,
                    currency="EUR",
                    reported_at=now - timedelta(minutes=n),
                    service_on=(now + timedelta(days=n % 30)).date(),
                )
                for n in range(start, min(start + BATCH, ORDERS))
            )
            StageChange.objects.bulk_create(
                StageChange(order=order, to_stage=new, at=order.reported_at) for order in orders
            )
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    kind="item",
                    description=f"Line {k}",
                    quantity=Decimal(k + 1),
                    unit_price=Decimal("12.50"),
                    unit_cost=Decimal("7.00"),
                    net_amount=Decimal("12.50") * (k + 1),
                    cost_amount=Decimal("7.00") * (k + 1),
                )
                for order in orders
                for k in range(LINES_PER_ORDER)
            )
    from openservice.core.models import NumberSequence

    NumberSequence.objects.update_or_create(
        code="service_order", defaults={"prefix": "WO", "padding": 6, "next_number": ORDERS + 1}
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def percentiles(timings: list[float]) -> tuple[float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load()
    loaded = time.perf_counter() - started
    manager = get_user_model().objects.create_user("bench-manager", password="x")
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name=Role.MANAGER.value))
    _token, raw = token_create(user=manager)
    client = Client(headers={"Authorization": f"Bearer {raw}"})

    assert client.get("/api/v1/orders").status_code == 200  # warm up
    list_times = []
    for _ in range(REQUESTS):
        begin = time.perf_counter()
        response = client.get("/api/v1/orders")
        list_times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200 and len(response.json()["items"]) == 50

    targets = list(
        ServiceOrder.objects.order_by("-number").values_list("pk", flat=True)[: REQUESTS + 1]
    )
    client.post(
        f"/api/v1/orders/{targets.pop()}/stage",
        {"to": "scheduled"},
        content_type="application/json",
    )  # warm up
    stage_times = []
    for pk in targets:
        begin = time.perf_counter()
        response = client.post(
            f"/api/v1/orders/{pk}/stage", {"to": "scheduled"}, content_type="application/json"
        )
        stage_times.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200, response.content

    list_p50, list_p95 = percentiles(list_times)
    stage_p50, stage_p95 = percentiles(stage_times)
    print(f"database: {connection.vendor}")
    print(f"loaded {ORDERS} orders with {ORDERS * LINES_PER_ORDER} lines in {loaded:.0f} s")
    print(f"GET /api/v1/orders (first page of 50): p50 {list_p50:.1f} ms, p95 {list_p95:.1f} ms")
    print(f"POST /api/v1/orders/{{id}}/stage:       p50 {stage_p50:.1f} ms, p95 {stage_p95:.1f} ms")
    met = list_p95 < 100 and stage_p95 < 100
    print(f"target (p95 < 100 ms for both): {'met' if met else 'NOT met'}")
    if not met:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
