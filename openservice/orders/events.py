"""Events the orders app publishes (dispatch, returns and SLA tracking subscribe)."""

from dataclasses import dataclass
from datetime import datetime

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class OrderStageChanged(DomainEvent):
    order_id: int
    from_stage: str | None
    to_stage: str
    to_category: str
    at: datetime


@dataclass(frozen=True)
class OrderCancelled(DomainEvent):
    order_id: int
    reason: str
    at: datetime
