"""Benchmark: a monthly billing run over 100,000 subscriptions (issue 7).

100,000 customers, each with one monthly subscription billed in advance and accruing monthly
(anchored on 2027-01-01; written with `bulk_create`, with the values `subscription_create`
stores). Three steps, each timed over everything the service writes:

1. `subscriptions_generate_fees(through=2027-01-01)`: one fee per subscription (January);
2. `invoices_propose(through=2027-01-01)`: one draft invoice with one line per customer;
3. `invoices_post(...)` of every draft: numbers 2027-000001 .. 2027-100000 in id order (checked:
   gapless), issue and due dates, the customer's details, one accrual entry per fee.

Each step is compared with a `bulk_create` baseline writing the same rows and nothing else, in
the same transaction batches: the fees; the invoices and their lines; for posting, a
`bulk_update` of the posted fields of the same invoices plus the same accrual entries.

Target: each step at most 60 s, on SQLite and on PostgreSQL.

Run:
    .venv/bin/python bench/billing.py                                            # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_billing \\
        .venv/bin/python bench/billing.py
(the PostgreSQL database is created if missing and emptied first). SIZES=10000 changes the
number of subscriptions (SIZES=10000,100000 runs both, adding customers in between); PROFILE=1,3
runs those steps under cProfile and prints where their time goes (the times then include the
profiler's overhead).
"""

import cProfile
import os
import pstats
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

SIZES = [int(n) for n in os.environ.get("SIZES", "100000").split(",")]
MONTH = date(2027, 1, 1)
TARGET_SECONDS = 60
CUSTOMER_CHUNK = 5000
PROFILE = {int(n) for n in os.environ.get("PROFILE", "").split(",") if n}


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
from django.db.models import Q

from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.billing.services import drafts as billing_drafts
from openservice.billing.services import invoices_post, invoices_propose
from openservice.billing.services import posting as billing_posting
from openservice.core.models import AuditEvent, NumberSequence
from openservice.core.services import sequence_take
from openservice.customers.models import Customer
from openservice.subscriptions.models import Fee, Subscription
from openservice.subscriptions.services import fees as subscription_fees
from openservice.subscriptions.services import plan_create, subscriptions_generate_fees

RESULTS: list[tuple[str, bool]] = []


def report(label: str, ok: bool) -> None:
    RESULTS.append((label, ok))
    print(f"  {'PASS' if ok else 'FAIL'}  {label}")


def analyse() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def add_subscriptions(count: int, plan) -> None:
    """`count` customers, each with one active monthly subscription from MONTH, as
    `subscription_create` would store it (numbered from the same sequence)."""
    start = Customer.objects.count()
    for offset in range(0, count, CUSTOMER_CHUNK):
        n = min(CUSTOMER_CHUNK, count - offset)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    number=f"B{start + offset + i + 1:07d}",
                    name=f"Customer {start + offset + i + 1}",
                    billing_address=f"Street {i % 97}\n00{100 + i % 900} Helsinki",
                    vat_id=f"FI{start + offset + i + 1:08d}",
                )
                for i in range(n)
            )
            numbers = sequence_take("subscription", n, prefix="SU", padding=6)
            Subscription.objects.bulk_create(
                Subscription(
                    number=number,
                    customer=customer,
                    plan=plan,
                    description="Remote monitoring",
                    base_price=Decimal("49.90"),
                    index=Decimal("100"),
                    currency=customer.currency,
                    starts_on=MONTH,
                    fees_pending_from=MONTH,
                    status=Subscription.Status.ACTIVE,
                )
                for customer, number in zip(customers, numbers, strict=True)
            )


def wipe_billing() -> None:
    """Back to subscriptions without fees (between sizes)."""
    with transaction.atomic():
        AccrualEntry.objects.all().delete()
        InvoiceLine.objects.all().delete()
        Invoice.objects.all().delete()
        Fee.objects.all().delete()
        NumberSequence.objects.filter(code__startswith="invoice-").delete()
        AuditEvent.objects.filter(
            Q(verb__startswith="invoice.") | Q(verb__startswith="subscriptions.")
        ).delete()
        Subscription.objects.update(fees_pending_from=MONTH, status=Subscription.Status.ACTIVE)


def values_of(model, queryset, skip=("id",)) -> list[dict]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
    return list(queryset.order_by("pk").values(*fields))


def batches(rows: list, size: int):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def timed(number: int, step):
    analyse()
    profiler = cProfile.Profile() if number in PROFILE else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = step()
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
    return result, elapsed


def line(
    label: str, rows: int, seconds: float, base_seconds: float, unit: str, orm="bulk_create"
) -> None:
    rate, base = rows / seconds, rows / base_seconds
    print(
        f"  {label}: {rows:,} {unit} in {seconds:.1f} s ({rate:,.0f} {unit}/s); "
        f"{orm} baseline {base_seconds:.1f} s ({base:,.0f} {unit}/s); "
        f"service / {orm} = {rate / base:.2f}"
    )
    report(f"{label} within {TARGET_SECONDS} s ({seconds:.1f} s)", seconds <= TARGET_SECONDS)


def baseline_fees(fees: list[dict]) -> float:
    """The same fees, in generation's batches of subscriptions."""
    Fee.objects.all().delete()
    started = time.perf_counter()
    for batch in batches(fees, subscription_fees.BATCH_SIZE):
        with transaction.atomic():
            Fee.objects.bulk_create([Fee(**row) for row in batch], batch_size=2000)
    return time.perf_counter() - started


def baseline_invoices(invoices: list[dict], lines: list[dict]) -> float:
    """The same invoices and lines, in the proposal's batches of customers (one invoice
    each here)."""
    lines_of: dict[int, list[dict]] = {}
    for row in lines:
        lines_of.setdefault(row["invoice_id"], []).append(row)
    InvoiceLine.objects.all().delete()
    Invoice.objects.all().delete()
    started = time.perf_counter()
    for batch in batches(invoices, billing_drafts.BATCH_SIZE):
        with transaction.atomic():
            made = Invoice.objects.bulk_create(
                [Invoice(**{k: v for k, v in row.items() if k != "id"}) for row in batch],
                batch_size=1000,
            )
            InvoiceLine.objects.bulk_create(
                [
                    InvoiceLine(**{**line, "invoice_id": invoice.pk})
                    for invoice, row in zip(made, batch, strict=True)
                    for line in lines_of[row["id"]]
                ],
                batch_size=2000,
            )
    return time.perf_counter() - started


# What posting writes on an invoice.
POSTED_FIELDS = (
    "number",
    "status",
    "issued_on",
    "due_on",
    "customer_name",
    "billing_address",
    "vat_id",
    "posted_at",
    "posted_by",
    "updated_at",
)


def baseline_posting(entries: list[dict]) -> float:
    """The posted fields written again on the same invoices with `bulk_update`, and the same
    accrual entries, in posting's batches."""
    invoices = list(Invoice.objects.order_by("pk"))
    AccrualEntry.objects.all().delete()
    entries_of: dict[int, list[dict]] = {}
    line_invoice = dict(InvoiceLine.objects.values_list("pk", "invoice_id"))
    for row in entries:
        entries_of.setdefault(line_invoice[row["invoice_line_id"]], []).append(row)
    started = time.perf_counter()
    for batch in batches(invoices, billing_posting.BATCH_SIZE):
        with transaction.atomic():
            Invoice.objects.bulk_update(batch, POSTED_FIELDS, batch_size=500)
            AccrualEntry.objects.bulk_create(
                [AccrualEntry(**row) for i in batch for row in entries_of.get(i.pk, [])],
                batch_size=2000,
            )
    return time.perf_counter() - started


def check_numbers(size: int) -> None:
    numbers = list(
        Invoice.objects.filter(status=Invoice.Status.POSTED)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    expected = [f"{MONTH.year}-{n:06d}" for n in range(1, size + 1)]
    report(f"numbers {expected[0]} .. {expected[-1]} gapless in id order", numbers == expected)


def run(size: int) -> None:
    print(f"Billing run for {MONTH:%B %Y} over {size:,} monthly subscriptions:")

    run_fees, seconds = timed(1, lambda: subscriptions_generate_fees(through=MONTH))
    fees = values_of(Fee, Fee.objects.all())
    assert run_fees.fees_created == len(fees) == size, (run_fees.fees_created, len(fees))
    line("1. generate fees", size, seconds, baseline_fees(fees), "fees")

    proposal, seconds = timed(2, lambda: invoices_propose(by=None, through=MONTH))
    assert proposal.created == proposal.lines == size, proposal
    invoices = values_of(Invoice, Invoice.objects.all(), skip=())
    lines = values_of(InvoiceLine, InvoiceLine.objects.all())
    line("2. propose invoices", size, seconds, baseline_invoices(invoices, lines), "invoices")

    drafts = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))
    posted, seconds = timed(3, lambda: invoices_post(invoice_ids=drafts, by=None, on=MONTH))
    assert len(posted) == size, len(posted)
    check_numbers(size)
    entries = values_of(AccrualEntry, AccrualEntry.objects.all())
    assert len(entries) == size, len(entries)
    line("3. post invoices", size, seconds, baseline_posting(entries), "invoices", "bulk_update")


def main() -> int:
    print(f"Database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    plan = plan_create(by=None, name="Monthly", period="month", accrue=True, accrual_period="month")
    total = 0
    for size in SIZES:
        started = time.perf_counter()
        add_subscriptions(size - total, plan)
        total = size
        wipe_billing()
        print(f"  (setup {time.perf_counter() - started:.1f} s)")
        run(size)
    return 0 if all(ok for _label, ok in RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
