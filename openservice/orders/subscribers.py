"""What the orders app does when lower apps change: clocks measured on a changed calendar or
policy are recomputed in the same transaction."""

from openservice.calendars.events import CalendarChanged
from openservice.calendars.selectors import calendar_default
from openservice.core.events import subscribe
from openservice.orders.services.sla import open_clocks, orders_sla_recompute
from openservice.sla.events import SlaPolicyChanged
from openservice.sla.selectors import policies_measured_on


def recompute_for_calendar(event: CalendarChanged) -> None:
    default = calendar_default()
    is_default = default is not None and default.pk == event.calendar_id
    policy_ids = policies_measured_on(
        calendar_id=event.calendar_id, or_default=is_default or event.default_changed
    )
    if policy_ids:
        orders_sla_recompute(orders=open_clocks().filter(sla_policy_id__in=policy_ids))


def recompute_for_policy(event: SlaPolicyChanged) -> None:
    orders_sla_recompute(orders=open_clocks().filter(sla_policy_id=event.policy_id))


def register() -> None:
    subscribe(CalendarChanged, recompute_for_calendar)
    subscribe(SlaPolicyChanged, recompute_for_policy)
