"""Events the workforce app publishes for higher apps (dispatch unassigns, orders reassign)."""

from dataclasses import dataclass

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class TechnicianDeactivated(DomainEvent):
    technician_id: int
