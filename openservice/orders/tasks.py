"""Job entry points: plain functions a scheduler calls (cron through `openservice sla-scan`, or a
Celery beat schedule wrapping them with `app.task(sla_scan_task)`); each calls a service."""

from datetime import date, datetime

from openservice.orders.services import orders_sla_recompute, sla_scan
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.orders.services.sla import open_clocks


def sla_scan_task(now: datetime | None = None) -> dict:
    """Record the SLA warnings and breaches that happened since the last run (run it every
    minute; running it twice, late, or after downtime records each event once)."""
    return {"events": sla_scan(now=now).events}


def sla_recompute_task(
    *, calendar_id: int | None = None, policy_id: int | None = None, now: datetime | None = None
) -> int:
    """Recompute the clocks of open orders (all, or those of one policy or measured on one
    calendar's policies); returns how many were recomputed."""
    orders = open_clocks()
    if policy_id is not None:
        orders = orders.filter(sla_policy_id=policy_id)
    if calendar_id is not None:
        orders = orders.filter(sla_policy__calendar_id=calendar_id)
    return orders_sla_recompute(orders=orders, now=now)


def generate_orders_task(
    *, date_to: date, date_from: date | None = None, continuous: bool = True
) -> dict:
    """Generate agreement orders up to `date_to` (nightly: `continuous` fills every gap since
    each line's last generated occurrence, so a missed night is caught up). Idempotent."""
    result = orders_generate_from_agreements(
        date_from=date_from, date_to=date_to, continuous=continuous
    )
    return {
        "orders_created": result.orders_created,
        "lines_created": result.lines_created,
        "conflicts": len(result.conflicts),
    }
