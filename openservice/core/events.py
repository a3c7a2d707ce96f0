"""Domain events: how a lower app moves a higher one without importing it.

A service publishes an event inside its transaction; subscribers (registered in their app's
`AppConfig.ready()`) run synchronously in that same transaction, so the whole use case commits
or rolls back together. Work that leaves the database belongs in `transaction.on_commit`.
`openservice events` lists the subscriptions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import transaction


@dataclass(frozen=True)
class DomainEvent:
    """Base class: events are small frozen dataclasses of ids and values, never model instances."""


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[E], None]

_subscriptions: dict[type[DomainEvent], list[Callable]] = {}


class EventOutsideTransaction(RuntimeError):
    """Publishing outside a transaction would let a handler's writes commit separately."""


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Register a handler; registering the same handler twice has no effect."""
    handlers = _subscriptions.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[DomainEvent], handler: Callable) -> None:
    handlers = _subscriptions.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def publish(event: DomainEvent, *, using: str = "default") -> None:
    """Run every handler of the event's type (and of its base types) in registration order."""
    if not transaction.get_connection(using).in_atomic_block:
        raise EventOutsideTransaction(
            f"{type(event).__name__} must be published inside the use case's transaction"
        )
    for event_type in type(event).__mro__:
        for handler in list(_subscriptions.get(event_type, [])):
            handler(event)


def subscriptions() -> list[tuple[str, str]]:
    """(event, handler) pairs as dotted names, sorted, for `openservice events`."""
    rows = []
    for event_type, handlers in _subscriptions.items():
        for handler in handlers:
            rows.append(
                (
                    f"{event_type.__module__}.{event_type.__qualname__}",
                    f"{handler.__module__}.{handler.__qualname__}",
                )
            )
    return sorted(rows)
