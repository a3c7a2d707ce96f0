"""A generation run killed midway (SIGKILL, a real subprocess) and run again finds exactly the
expected orders: no occurrence lost, none twice. Runs on the suite's database: SQLite (the test
database is copied to a file the subprocess opens) or PostgreSQL (the subprocess opens the test
database itself)."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from openservice.agreements import recurrence
from openservice.agreements import services as agreements
from openservice.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PERIOD = ("2027-01-01", "2027-12-31")
AGREEMENTS = 60


def _build() -> tuple[set[tuple[int, date]], set[tuple[int, date]]]:
    """Agreements with a weekly and a monthly line (exact windows, round-the-clock calendar);
    returns the expected (line, occurrence) pairs and (agreement, visit date) orders."""
    pairs, visits = set(), set()
    for n in range(AGREEMENTS):
        customer = CustomerFactory()
        made = agreements.agreement_create(
            by=None,
            customer=customer,
            site=SiteFactory(customer=customer),
            description=f"Care {n}",
            starts_on=date(2027, 1, 1),
            ends_on=date(2027, 12, 31),
        )
        for unit, start in (("week", date(2027, 1, 4)), ("month", date(2027, 1, 4 + n % 20))):
            line = agreements.agreement_line_create(
                agreement=made, by=None, kind="hour", interval_unit=unit, starts_on=start
            )
            rule = recurrence.Rule(start, unit, 1, None)
            for day in recurrence.occurrences(rule, date(2027, 1, 1), date(2027, 12, 31)):
                pairs.add((line.pk, day))
                visits.add((made.pk, day))
        agreements.agreement_change_status(agreement=made, by=None, action="activate")
    return pairs, visits


class _Database:
    """The suite's database as a subprocess reaches it, and plain queries on it."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {**os.environ, "VAR_DIR": str(tmp_path)}
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            self.path = tmp_path / "crash.sqlite3"
            target = sqlite3.connect(self.path)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.env["DATABASE_URL"] = f"sqlite:///{self.path}"
        else:
            self.path = None
            self.env["DATABASE_URL"] = (
                f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )

    def rows(self, sql: str) -> list[tuple]:
        if self.path is not None:
            with sqlite3.connect(self.path) as db:
                return db.execute(sql).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def pairs(self) -> list[tuple[int, date]]:
        return [
            (line_id, on if isinstance(on, date) else date.fromisoformat(on))
            for line_id, on in self.rows(
                "SELECT agreement_line_id, occurrence_on FROM orders_orderline"
            )
        ]

    def count(self, table: str) -> int:
        return self.rows(f"SELECT COUNT(*) FROM {table}")[0][0]


def _command(*extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "openservice",
        "generate-orders",
        "--from",
        PERIOD[0],
        "--to",
        PERIOD[1],
        *extra,
    ]


def test_a_run_killed_midway_then_rerun_generates_every_occurrence_exactly_once(tmp_path):
    expected_pairs, expected_visits = _build()
    db = _Database(tmp_path)

    run = subprocess.Popen(
        _command("--batch-size", "2"),
        env=db.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while db.count("orders_serviceorder") == 0 and run.poll() is None:
        assert time.monotonic() < deadline, "the run made no order in two minutes"
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert run.returncode == -signal.SIGKILL, run.stderr.read().decode()

    partial = db.pairs()
    # Killed midway: some batches committed, the one in flight rolled back whole.
    assert 0 < len(partial) < len(expected_pairs)
    assert len(set(partial)) == len(partial) and set(partial) <= expected_pairs
    partial_orders = db.count("orders_serviceorder")
    assert db.count("orders_stagechange") == partial_orders

    rerun = subprocess.run(_command(), env=db.env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr

    final = db.pairs()
    assert len(final) == len(set(final)) == len(expected_pairs)
    assert set(final) == expected_pairs
    orders = db.rows("SELECT agreement_id, service_on FROM orders_serviceorder")
    dates = {(a, on if isinstance(on, date) else date.fromisoformat(on)) for a, on in orders}
    assert len(orders) == len(dates) == len(expected_visits) and dates == expected_visits
    assert db.count("orders_stagechange") == len(orders)
    # Each order line sits on the order of its own agreement and date.
    assert not db.rows(
        "SELECT l.id FROM orders_orderline l "
        "JOIN orders_serviceorder o ON o.id = l.order_id "
        "JOIN agreements_agreementline a ON a.id = l.agreement_line_id "
        "WHERE o.agreement_id <> a.agreement_id OR o.service_on <> l.occurrence_on"
    )
    numbers = [row[0] for row in db.rows("SELECT number FROM orders_serviceorder")]
    assert len(set(numbers)) == len(numbers)

    again = subprocess.run(_command(), env=db.env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("0 orders and 0 lines created")
    assert len(db.pairs()) == len(expected_pairs)
