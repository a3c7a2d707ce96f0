"""Benchmark: generating service orders from agreements (issue 6).

10,000 agreements, each with 3 lines (weekly hours, a monthly part in a same-week window, a
quarterly fee), one covered object and one covered task, measured against an SLA policy on the
Finnish office calendar, generated over one quarter (2027-01-01 to 2027-03-31): 13 visits and
17 order lines per agreement. Printed: order lines created per second, counting the time of
everything generation writes (orders, lines, object and task relations, stage entries, SLA event
rows, an audit row per agreement), then the same for 100,000 agreements to show the cost grows
linearly.

Two baselines write the same orders and lines on the same database, in the same batches, and
nothing else: Django `bulk_create` (the ORM floor) and a raw `executemany` (the driver floor).

Targets: at least 10,000 order lines per second on SQLite, and at least 0.5 of the bulk_create
baseline on SQLite and on PostgreSQL.

Run:
    .venv/bin/python bench/generate_orders.py                                    # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_generate \
        .venv/bin/python bench/generate_orders.py
(the PostgreSQL database is created if missing and emptied first). SIZES=2000,20000 changes the
numbers of agreements; the baselines run at the first size.
"""

import os
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="openservice-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
Path(os.environ["VAR_DIR"], "static").mkdir(exist_ok=True)

SIZES = [int(n) for n in os.environ.get("SIZES", "10000,100000").split(",")]
PERIOD = (date(2027, 1, 1), date(2027, 3, 31))
CHUNK = 250  # agreements per transaction, as generation batches them
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

from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
)
from openservice.calendars.services import calendar_create
from openservice.catalog.models import Item, ServiceTask
from openservice.core.models import AuditEvent
from openservice.customers.models import Customer, Site
from openservice.equipment.models import ServiceObject
from openservice.orders.models import OrderLine, ServiceOrder, SlaEvent, StageChange
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.sla.services import policy_create

RESULTS: list[tuple[str, bool]] = []
ORDER_TABLES = (
    ServiceOrder,
    OrderLine,
    StageChange,
    SlaEvent,
    ServiceOrder.objects_covered.through,
    ServiceOrder.tasks.through,
)


def report(label: str, ok: bool) -> None:
    RESULTS.append((label, ok))
    print(f"  {'PASS' if ok else 'FAIL'}  {label}")


def setup_master_data() -> tuple[Item, ServiceTask]:
    call_command("migrate", verbosity=0)
    calendar_create(
        by=None,
        name="Finnish office",
        timezone="Europe/Helsinki",
        hours=OFFICE,
        holiday_country="FI",
        is_default=True,
    )
    targets = [
        {"priority": p, "response_minutes": 240, "resolution_minutes": 1920}
        for p in ("low", "normal", "high", "critical")
    ]
    policy_create(by=None, name="Standard", targets=targets, is_default=True)
    item = Item.objects.create(
        sku="ROLLER", name="Door roller", kind="part", unit="pcs", sales_price=Decimal("12.40")
    )
    task = ServiceTask.objects.create(
        code="INSPECT", name="Inspection", default_duration_minutes=60
    )
    return item, task


def add_agreements(count: int, item: Item, task: ServiceTask) -> None:
    """`count` active agreements with their customer, site, object and three lines."""
    start = Customer.objects.count()
    for offset in range(0, count, 5000):
        n = min(5000, count - offset)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(number=f"B{start + offset + i:07d}", name=f"Customer {i}")
                for i in range(n)
            )
            sites = Site.objects.bulk_create(
                Site(customer=c, name="Main", timezone="Europe/Helsinki") for c in customers
            )
            objects = ServiceObject.objects.bulk_create(
                ServiceObject(
                    number=f"OB{c.pk:08d}",
                    customer=c,
                    site=s,
                    item=item,
                    installed_on=date(2020, 1, 1),
                )
                for c, s in zip(customers, sites, strict=True)
            )
            agreements = ServiceAgreement.objects.bulk_create(
                ServiceAgreement(
                    number=f"SA{c.pk:08d}",
                    customer=c,
                    site=s,
                    description="Lift maintenance",
                    currency="EUR",
                    starts_on=date(2027, 1, 1),
                    ends_on=date(2027, 12, 31),
                    status="active",
                )
                for c, s in zip(customers, sites, strict=True)
            )
            AgreementObject.objects.bulk_create(
                AgreementObject(agreement=a, object=o)
                for a, o in zip(agreements, objects, strict=True)
            )
            AgreementTask.objects.bulk_create(
                AgreementTask(agreement=a, task=task) for a in agreements
            )
            AgreementLine.objects.bulk_create(
                line
                for a in agreements
                for line in (
                    AgreementLine(
                        agreement=a,
                        kind="hour",
                        task=task,
                        quantity=Decimal("1.5"),
                        unit_price=Decimal("80.00"),
                        interval_unit="week",
                        starts_on=date(2027, 1, 4),
                    ),
                    AgreementLine(
                        agreement=a,
                        kind="item",
                        item=item,
                        interval_unit="month",
                        window="same_week",
                        starts_on=date(2027, 1, 4),
                    ),
                    AgreementLine(
                        agreement=a,
                        kind="fee",
                        description="Quarterly fee",
                        unit_price=Decimal("150.00"),
                        interval_unit="month",
                        interval_every=3,
                        starts_on=date(2027, 1, 4),
                    ),
                )
            )


def wipe_orders() -> None:
    with transaction.atomic():
        AuditEvent.objects.filter(verb="agreement.orders_generated").delete()
        for model in reversed(ORDER_TABLES):
            model.objects.all().delete() if model is not ServiceOrder else None
        OrderLine.objects.all().delete()
        ServiceOrder.objects.all().delete()


def rows_written() -> int:
    return (
        sum(model.objects.count() for model in ORDER_TABLES)
        + AuditEvent.objects.filter(verb="agreement.orders_generated").count()
    )


def analyse() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure_generation(agreements: int) -> tuple[float, int]:
    analyse()
    started = time.perf_counter()
    result = orders_generate_from_agreements(date_from=PERIOD[0], date_to=PERIOD[1])
    elapsed = time.perf_counter() - started
    rows = rows_written()
    rate = result.lines_created / elapsed
    print(
        f"  {agreements:,} agreements: {result.orders_created:,} orders, "
        f"{result.lines_created:,} lines, {rows:,} rows in all, {elapsed:.1f} s: "
        f"{rate:,.0f} order lines/s ({rows / elapsed:,.0f} rows/s)"
    )
    return rate, result.lines_created


def snapshot() -> list[tuple[dict, list[dict]]]:
    """The generated orders and lines as plain values, grouped in generation's batches."""
    skip_order = {"id", "number"}
    order_fields = [
        f.attname for f in ServiceOrder._meta.concrete_fields if f.attname not in skip_order
    ]
    line_fields = [
        f.attname for f in OrderLine._meta.concrete_fields if f.attname not in ("id", "order_id")
    ]
    lines: dict[int, list[dict]] = {}
    for row in OrderLine.objects.order_by("pk").values("order_id", *line_fields):
        lines.setdefault(row.pop("order_id"), []).append(row)
    orders = []
    for row in ServiceOrder.objects.order_by("agreement_id", "pk").values(
        "id", "number", *order_fields
    ):
        orders.append((row, lines.get(row["id"], [])))
    return orders


def chunks(orders, agreements_per_chunk=CHUNK):
    batch, seen = [], set()
    for order, lines in orders:
        seen.add(order["agreement_id"])
        if len(seen) > agreements_per_chunk:
            yield batch
            batch, seen = [], {order["agreement_id"]}
        batch.append((order, lines))
    if batch:
        yield batch


def baseline_bulk_create(orders) -> float:
    started = time.perf_counter()
    for batch in chunks(orders):
        with transaction.atomic():
            made = ServiceOrder.objects.bulk_create(
                [ServiceOrder(**{k: v for k, v in o.items() if k != "id"}) for o, _l in batch],
                batch_size=1000,
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(order_id=order.pk, **line)
                    for order, (_o, lines) in zip(made, batch, strict=True)
                    for line in lines
                ],
                batch_size=2000,
            )
    return time.perf_counter() - started


def baseline_executemany(orders) -> float:
    """INSERTs with the driver's executemany: ids assigned up front, values adapted once."""
    ops, quote = connection.ops, connection.ops.quote_name

    def statement(model, fields):
        columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"

    def adapt(model, fields):
        adapters = []
        for name in fields:
            kind = model._meta.get_field(name).get_internal_type()
            if kind == "DateTimeField":
                adapters.append(ops.adapt_datetimefield_value)
            elif kind == "DateField":
                adapters.append(ops.adapt_datefield_value)
            elif kind == "TimeField":
                adapters.append(ops.adapt_timefield_value)
            elif kind == "DecimalField":
                adapters.append(lambda v: v if v is None else str(v))
            else:
                adapters.append(None)
        return adapters

    order_fields = list(orders[0][0])
    line_fields = ["order_id", *orders[0][1][0]]
    order_sql, line_sql = statement(ServiceOrder, order_fields), statement(OrderLine, line_fields)
    order_adapt, line_adapt = adapt(ServiceOrder, order_fields), adapt(OrderLine, line_fields)

    def values(row, fields, adapters):
        return [a(row[f]) if a else row[f] for f, a in zip(fields, adapters, strict=True)]

    started = time.perf_counter()
    for batch in chunks(orders):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(order_sql, [values(o, order_fields, order_adapt) for o, _l in batch])
            cursor.executemany(
                line_sql,
                [
                    values({"order_id": o["id"], **line}, line_fields, line_adapt)
                    for o, lines in batch
                    for line in lines
                ],
            )
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (ServiceOrder, OrderLine):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
    return elapsed


def main() -> int:
    print(f"Database: {connection.vendor}")
    item, task = setup_master_data()
    total = 0
    rates = []
    for size in SIZES:
        add_agreements(size - total, item, task)
        total = size
        wipe_orders()
        print(f"Generation over {PERIOD[0]} .. {PERIOD[1]}:")
        rate, lines = measure_generation(size)
        rates.append((size, rate))
        if size == SIZES[0]:
            orders = snapshot()
            wipe_orders()
            bulk = lines / baseline_bulk_create(orders)
            wipe_orders()
            raw = lines / baseline_executemany(orders)
            wipe_orders()
            print(
                f"  baselines, same orders and lines only: bulk_create {bulk:,.0f} lines/s, "
                f"executemany {raw:,.0f} lines/s"
            )
            print(
                f"  generation / bulk_create = {rate / bulk:.2f}, "
                f"generation / executemany = {rate / raw:.2f}, "
                f"bulk_create / executemany = {bulk / raw:.2f}"
            )
            report(
                f"generation at least 0.5 of bulk_create ({rate / bulk:.2f})", rate / bulk >= 0.5
            )
            if connection.vendor == "sqlite":
                report(f"at least 10,000 order lines/s on SQLite ({rate:,.0f})", rate >= 10_000)
    if len(rates) > 1:
        (small, first), (large, last) = rates[0], rates[-1]
        print(
            f"  linear growth: {large // small}x the agreements at {last / first:.2f}x the "
            "rate per line (1.00 = perfectly linear)"
        )
    return 0 if all(ok for _label, ok in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
