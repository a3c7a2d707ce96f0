"""Events of the sla app."""

from dataclasses import dataclass

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class SlaPolicyChanged(DomainEvent):
    """A policy's calendar, targets or warning threshold changed: clocks measured against it
    are recomputed."""

    policy_id: int
