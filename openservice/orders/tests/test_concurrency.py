"""Two stage changes of one order at once (PostgreSQL, real threads and connections): the
order row lock makes them queue, so one wins, the other finds the stage moved, and the log and
the version agree with what happened.

A subscriber to OrderStageChanged sleeps inside the winner's transaction, so the other request
is certainly waiting on the lock rather than running after the winner has finished."""

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from openservice.core.errors import DomainError
from openservice.core.events import subscribe, unsubscribe
from openservice.orders import services
from openservice.orders.events import OrderStageChanged
from openservice.orders.models import ServiceOrder, Stage, StageChange
from openservice.orders.tests.factories import order_in_stage, reason

HOLD_LOCK_SECONDS = 0.2

pytestmark = [
    # Decided at collection, so SQLite runs skip without the transactional test's flush.
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (select_for_update) only matter on PostgreSQL; "
        "SQLite serialises writers on the whole database",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def slow_subscriber(event):
    time.sleep(HOLD_LOCK_SECONDS)


@pytest.fixture
def lock_held_after_each_change():
    subscribe(OrderStageChanged, slow_subscriber)
    yield
    unsubscribe(OrderStageChanged, slow_subscriber)


def run_at_once(*jobs) -> list[str]:
    """Run each job in its own thread and connection, started together; return 'ok' or the
    error code of each, in job order."""
    start = threading.Barrier(len(jobs))
    outcomes: list[str | None] = [None] * len(jobs)

    def run(index, job):
        try:
            start.wait(timeout=10)
            job()
            outcomes[index] = "ok"
        except DomainError as exc:
            outcomes[index] = exc.code
        except BaseException as exc:  # reported by the caller's assertion
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def change_stage(order_id: int, user_id: int, to: str):
    """A stage change as a request would make it: everything loaded in the thread."""

    def job():
        order = ServiceOrder.objects.get(pk=order_id)
        target = Stage.objects.get(code=to)
        services.order_change_stage(
            order=order,
            to=target,
            by=get_user_model().objects.get(pk=user_id),
            reason=reason() if target.requires_reason else None,
        )

    return job


def log_of(order: ServiceOrder) -> list[tuple]:
    return list(
        StageChange.objects.filter(order=order)
        .order_by("at", "pk")
        .values_list("from_stage__code", "to_stage__code")
    )


def test_two_identical_stage_changes_at_once_make_one_change(
    manager, dispatcher, lock_held_after_each_change
):
    for _round in range(2):
        order = order_in_stage("scheduled", by=manager)
        version = order.version
        changes = log_of(order)

        outcomes = run_at_once(
            change_stage(order.pk, manager.pk, "in_progress"),
            change_stage(order.pk, dispatcher.pk, "in_progress"),
        )

        assert sorted(outcomes) == ["ok", "orders.invalid_transition"]
        order.refresh_from_db()
        assert order.stage.code == "in_progress"
        assert order.version == version + 1
        assert log_of(order) == [*changes, ("scheduled", "in_progress")]


def test_hold_and_complete_at_once_end_in_exactly_one_of_them(
    manager, dispatcher, lock_held_after_each_change
):
    for _round in range(2):
        order = order_in_stage("in_progress", by=manager)
        version = order.version
        changes = log_of(order)

        outcomes = run_at_once(
            change_stage(order.pk, manager.pk, "on_hold"),
            change_stage(order.pk, dispatcher.pk, "completed"),
        )

        assert sorted(outcomes) == ["ok", "orders.invalid_transition"]
        winner = "on_hold" if outcomes[0] == "ok" else "completed"
        order.refresh_from_db()
        assert order.stage.code == winner
        assert order.version == version + 1
        assert log_of(order) == [*changes, ("in_progress", winner)]
        ats = list(StageChange.objects.filter(order=order).values_list("at", flat=True))
        assert ats == sorted(ats)


def test_a_header_update_racing_a_stage_change_never_loses_either(
    manager, dispatcher, lock_held_after_each_change
):
    for _round in range(2):
        order = order_in_stage("scheduled", by=manager, description="As reported")
        version = order.version

        def update(order_id=order.pk, read_version=version):
            services.order_update(
                order=ServiceOrder.objects.get(pk=order_id),
                by=get_user_model().objects.get(pk=dispatcher.pk),
                version=read_version,
                description="Updated",
            )

        outcomes = run_at_once(change_stage(order.pk, manager.pk, "in_progress"), update)

        order.refresh_from_db()
        assert outcomes[0] == "ok"
        assert order.stage.code == "in_progress"
        if outcomes[1] == "ok":  # the update went first; the stage change followed it
            assert (order.description, order.version) == ("Updated", version + 2)
        else:  # the stage change went first; the update had read an older version
            assert outcomes[1] == "orders.stale_version"
            assert (order.description, order.version) == ("As reported", version + 1)
