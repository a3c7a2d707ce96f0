"""Gapless invoice numbers under concurrent posting (PostgreSQL: real row locks between
connections). Posters that roll back give their numbers back."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from openservice.billing import services
from openservice.billing.models import Invoice
from openservice.customers.tests.factories import CustomerFactory


class Rollback(Exception):
    pass


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks only matter on PostgreSQL; SQLite serialises writers on the whole database",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_posting_numbers_without_gaps_or_duplicates():
    threads, per_thread = 6, 6
    customer = CustomerFactory()
    drafts = []
    for _ in range(threads * per_thread):
        draft = services.invoice_create(by=None, customer=customer)
        services.invoice_line_add(
            invoice=draft,
            by=None,
            description="Call-out",
            quantity=Decimal(1),
            unit_price=Decimal(90),
        )
        drafts.append(draft.pk)
    start = threading.Barrier(threads)
    errors: list[BaseException] = []
    rolled_back: list[int] = []
    lock = threading.Lock()

    def worker(index: int):
        try:
            start.wait(timeout=10)
            for n, pk in enumerate(drafts[index::threads]):
                invoice = Invoice.objects.get(pk=pk)
                if n == 2:  # one poster in each thread fails after taking its number
                    try:
                        with transaction.atomic():
                            services.invoice_post(invoice=invoice, by=None, on=date(2027, 3, 1))
                            raise Rollback
                    except Rollback:
                        with lock:
                            rolled_back.append(pk)
                    continue
                services.invoice_post(invoice=invoice, by=None, on=date(2027, 3, 1))
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)

    assert errors == []
    posted = sorted(Invoice.objects.filter(status="posted").values_list("number", flat=True))
    count = threads * (per_thread - 1)
    assert posted == [f"2027-{n:06d}" for n in range(1, count + 1)]
    assert set(Invoice.objects.filter(status="draft").values_list("pk", flat=True)) == set(
        rolled_back
    )
    assert len(rolled_back) == threads
