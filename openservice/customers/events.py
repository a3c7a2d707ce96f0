"""Events the customers app publishes for higher apps (agreements, orders, portal)."""

from dataclasses import dataclass

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class CustomerDeactivated(DomainEvent):
    customer_id: int


@dataclass(frozen=True)
class SiteDeactivated(DomainEvent):
    site_id: int
    customer_id: int
