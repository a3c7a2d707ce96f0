from dataclasses import dataclass
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from openservice.core import events
from openservice.core.events import (
    DomainEvent,
    EventOutsideTransaction,
    publish,
    subscribe,
    subscriptions,
    unsubscribe,
)
from openservice.core.models import AuditEvent
from openservice.customers.events import CustomerDeactivated
from openservice.customers.models import Customer
from openservice.customers.services import customer_set_active
from openservice.customers.tests.factories import CustomerFactory


@dataclass(frozen=True)
class ThingHappened(DomainEvent):
    thing_id: int


@dataclass(frozen=True)
class SpecialThingHappened(ThingHappened):
    how: str = "specially"


class HandlerFailed(Exception):
    pass


@pytest.fixture
def subscribed():
    """subscribed(event_type, handler): subscribe for this test only."""
    added = []

    def add(event_type, handler):
        subscribe(event_type, handler)
        added.append((event_type, handler))

    yield add
    for event_type, handler in added:
        unsubscribe(event_type, handler)


def test_handlers_run_in_registration_order(db, subscribed):
    calls = []
    subscribed(ThingHappened, lambda event: calls.append(("first", event.thing_id)))
    subscribed(ThingHappened, lambda event: calls.append(("second", event.thing_id)))

    publish(ThingHappened(thing_id=7))

    assert calls == [("first", 7), ("second", 7)]


def test_base_class_subscription_receives_subclass_events(db, subscribed):
    calls = []
    subscribed(ThingHappened, lambda event: calls.append(("base", type(event).__name__)))
    subscribed(SpecialThingHappened, lambda event: calls.append(("special", event.how)))

    publish(SpecialThingHappened(thing_id=1))
    publish(ThingHappened(thing_id=2))

    # The event's own type first, then its bases (method resolution order).
    assert calls == [
        ("special", "specially"),
        ("base", "SpecialThingHappened"),
        ("base", "ThingHappened"),
    ]


def test_subscribing_the_same_handler_twice_runs_it_once(db, subscribed):
    calls = []

    def handler(event):
        calls.append(event.thing_id)

    subscribed(ThingHappened, handler)
    subscribed(ThingHappened, handler)

    publish(ThingHappened(thing_id=3))

    assert calls == [3]


def test_unsubscribed_handler_no_longer_runs(db):
    calls = []

    def handler(event):
        calls.append(event.thing_id)

    subscribe(ThingHappened, handler)
    unsubscribe(ThingHappened, handler)
    unsubscribe(ThingHappened, handler)  # a second time is harmless

    publish(ThingHappened(thing_id=4))

    assert calls == []


def test_publish_outside_a_transaction_is_refused(subscribed):
    calls = []
    subscribed(ThingHappened, calls.append)

    with pytest.raises(EventOutsideTransaction, match="ThingHappened must be published inside"):
        publish(ThingHappened(thing_id=5))

    assert calls == []


def test_publish_inside_atomic_runs_handlers_in_that_transaction(db, subscribed):
    seen = []
    subscribed(
        ThingHappened,
        lambda event: seen.append(transaction.get_connection().in_atomic_block),
    )
    with transaction.atomic():
        publish(ThingHappened(thing_id=6))
    assert seen == [True]


def test_failing_handler_rolls_back_the_whole_use_case(db, manager, subscribed):
    customer = CustomerFactory(name="Kone Oy")

    def refuse(event):
        raise HandlerFailed(event.customer_id)

    subscribed(CustomerDeactivated, refuse)

    with pytest.raises(HandlerFailed):
        customer_set_active(customer=customer, by=manager, is_active=False)

    assert Customer.objects.get(pk=customer.pk).is_active is True
    assert not AuditEvent.objects.filter(
        object_type="customers.customer", object_id=str(customer.pk)
    ).exists()


def test_handler_writes_commit_with_the_use_case(db, manager, subscribed):
    customer = CustomerFactory(name="Kone Oy")
    received = []
    subscribed(CustomerDeactivated, lambda event: received.append(event.customer_id))

    customer_set_active(customer=customer, by=manager, is_active=False)

    assert received == [customer.pk]
    assert Customer.objects.get(pk=customer.pk).is_active is False
    assert AuditEvent.objects.filter(
        verb="customer.deactivated", object_id=str(customer.pk)
    ).exists()


def test_subscriptions_lists_dotted_names(subscribed):
    def on_thing(event):
        pass

    subscribed(ThingHappened, on_thing)

    assert (
        f"{__name__}.ThingHappened",
        f"{__name__}.test_subscriptions_lists_dotted_names.<locals>.on_thing",
    ) in subscriptions()


def test_events_command_lists_a_subscription(subscribed):
    def on_thing(event):
        pass

    subscribed(ThingHappened, on_thing)
    out = StringIO()

    call_command("events", stdout=out)

    lines = out.getvalue().splitlines()
    expected_handler = f"{__name__}.test_events_command_lists_a_subscription.<locals>.on_thing"
    matching = [line for line in lines if line.endswith(f"->  {expected_handler}")]
    assert len(matching) == 1
    assert matching[0].startswith(f"{__name__}.ThingHappened ")


def test_events_command_says_when_there_are_no_subscriptions(monkeypatch):
    # An empty registry: other apps' real subscriptions must not leak into this case.
    monkeypatch.setattr(events, "_subscriptions", {})
    out = StringIO()

    call_command("events", stdout=out)

    assert out.getvalue() == "No subscriptions.\n"
