"""What the subscriptions app tells the apps above it (billing keeps a draft invoice's line in
step with the open fee it bills). Published inside the use case's transaction."""

from dataclasses import dataclass

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class FeeChanged(DomainEvent):
    """An open fee's period, days or amount changed (a pause, a new end, a price change, an
    adjustment)."""

    fee_id: int


@dataclass(frozen=True)
class FeeWithdrawn(DomainEvent):
    """An open fee is about to be deleted (its days are all gone); published before the delete,
    so that whatever points to it can let go."""

    fee_id: int
