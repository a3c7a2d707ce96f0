"""core.bulk: multi-row inserts store what the ORM would, and give the ids back in row order."""

import gc
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import IntegrityError, connection, transaction

from openservice.core.bulk import Table, gc_paused, insert_rows, update_rows
from openservice.core.models import AuditEvent, NumberSequence

pytestmark = pytest.mark.django_db


def test_ids_come_back_in_the_order_of_the_rows_across_statements(monkeypatch):
    monkeypatch.setattr("openservice.core.bulk.MAX_PARAMETERS", 8)  # 2 rows a statement
    codes = [f"seq-{n}" for n in (5, 1, 4, 2, 3)]

    ids = insert_rows(
        NumberSequence,
        ("code", "prefix", "next_number", "padding"),
        [(code, "", 1, 5) for code in codes],
        returning="code",
    )

    assert [NumberSequence.objects.get(pk=pk).code for pk in ids] == codes
    assert insert_rows(NumberSequence, ("code",), []) == []


def test_a_table_fills_defaults_and_stamps_instants_as_the_orm_reads_them():
    now = datetime(2027, 3, 28, 0, 59, 59, 123456, tzinfo=UTC)
    helsinki = timezone(timedelta(hours=3))
    table = Table(AuditEvent, now=now)
    table.add(verb="x.done", object_type="core.thing", object_id="7", data={"a": [1, "b"]})
    table.add(
        verb="x.again",
        object_type="core.thing",
        object_id="8",
        at=datetime(2027, 3, 28, 4, 0, tzinfo=helsinki),
    )

    table.insert()

    first, second = AuditEvent.objects.order_by("pk")
    assert (first.verb, first.actor_id, first.data, first.at) == (
        "x.done",
        None,
        {"a": [1, "b"]},
        now,
    )
    assert second.at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert second.data == {}
    assert table.rows == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite adapter refuses naive times")
def test_a_naive_instant_is_refused_on_sqlite():
    with pytest.raises(ValueError):
        insert_rows(
            AuditEvent,
            ("verb", "object_type", "object_id", "data", "at"),
            [("v", "t", "1", "{}", datetime(2027, 1, 1))],
        )


def test_a_unique_violation_is_djangos_integrity_error_and_the_savepoint_recovers():
    insert_rows(NumberSequence, ("code", "prefix", "next_number", "padding"), [("dup", "", 1, 5)])

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(
            NumberSequence,
            ("code", "prefix", "next_number", "padding"),
            [("fresh", "", 1, 5), ("dup", "", 1, 5)],
        )

    assert list(NumberSequence.objects.order_by("code").values_list("code", flat=True)) == ["dup"]


def test_a_table_refuses_a_column_its_model_does_not_have():
    table = Table(NumberSequence, now=datetime(2027, 1, 1, tzinfo=UTC))

    with pytest.raises(TypeError, match=r"NumberSequence has no columns \['nmber'\]"):
        table.add(code="x", nmber=1)

    assert table.rows == []


def test_the_collector_is_paused_inside_and_left_as_it_was_after():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()

    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()


def test_update_rows_sets_each_rows_own_values_in_chunks(monkeypatch):
    monkeypatch.setattr("openservice.core.bulk.MAX_PARAMETERS", 6)  # 2 rows a statement
    ids = insert_rows(
        NumberSequence,
        ("code", "prefix", "next_number", "padding"),
        [(f"s{n}", "", 1, 5) for n in range(5)],
        returning="code",
    )

    update_rows(
        NumberSequence,
        ("prefix", "next_number"),
        [(pk, f"P{n}-", 10 * n + 1) for n, pk in enumerate(ids) if n != 2],
    )
    update_rows(NumberSequence, ("prefix",), [])

    assert list(
        NumberSequence.objects.order_by("code").values_list("code", "prefix", "next_number")
    ) == [
        ("s0", "P0-", 1),
        ("s1", "P1-", 11),
        ("s2", "", 1),
        ("s3", "P3-", 31),
        ("s4", "P4-", 41),
    ]


def test_update_rows_adapts_instants_and_nulls():
    at = datetime(2027, 3, 28, 4, 0, tzinfo=timezone(timedelta(hours=3)))
    table = Table(AuditEvent, now=at)
    table.add(verb="a", object_type="t", object_id="1")
    table.add(verb="b", object_type="t", object_id="2")
    table.insert()
    first, second = AuditEvent.objects.order_by("pk")

    update_rows(AuditEvent, ("at", "actor"), [(first.pk, at + timedelta(hours=1), None)])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.at, second.at) == (datetime(2027, 3, 28, 2, 0, tzinfo=UTC), at)
