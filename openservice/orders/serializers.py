"""A fast, plain-Python rendering of orders for the list endpoint.

The order list is the busiest read in the system; validating 50 orders with their lines
through the schema's attribute getters costs more than the queries. This builds the same
JSON-ready structure as `schemas.OrderOut` directly; `tests/test_serializers.py` checks that the
two agree field for field, so the OpenAPI document stays true.
"""

from datetime import datetime
from decimal import Decimal

from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.selectors import sla_state_now

QUANTUM = Decimal("0.001")
ZERO = Decimal("0.00")


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def line_dict(line: OrderLine, *, show_cost: bool) -> dict:
    return {
        "id": line.pk,
        "kind": line.kind,
        "description": line.description,
        "task_id": line.task_id,
        "object_id": line.object_id,
        "technician_id": line.technician_id,
        "item_id": line.item_id,
        "quantity": Decimal(line.quantity).quantize(QUANTUM),
        "unit": line.unit,
        "unit_price": _money(line.unit_price),
        "unit_cost": _money(line.unit_cost) if show_cost else None,
        "net_amount": _money(line.net_amount),
        "cost_amount": _money(line.cost_amount) if show_cost else None,
        "is_billable": line.is_billable,
        "status": line.status,
        "executed_on": line.executed_on,
        "agreement_line_id": line.agreement_line_id,
        "occurrence_on": line.occurrence_on,
    }


def order_dict(order: ServiceOrder, *, show_cost: bool, now: datetime) -> dict:
    lines = list(order.lines.all())
    live = [line for line in lines if line.status != OrderLine.Status.CANCELLED]
    cost = sum((line.cost_amount for line in live), ZERO)
    return {
        "id": order.pk,
        "number": order.number,
        "stage": {"code": order.stage.code, "name": order.stage.name},
        "priority": order.priority,
        "origin": order.origin,
        "customer_id": order.customer_id,
        "site_id": order.site_id,
        "agreement_id": order.agreement_id,
        "description": order.description,
        "currency": order.currency,
        "reported_at": order.reported_at,
        "service_on": order.service_on,
        "requested_start": order.requested_start,
        "requested_end": order.requested_end,
        "preferred_technician_id": order.preferred_technician_id,
        "calendar_conflict": order.calendar_conflict,
        "version": order.version,
        "signed_off_at": order.signed_off_at,
        "signer_name": order.signer_name,
        "posted_at": order.posted_at,
        "sla_policy_id": order.sla_policy_id,
        "sla_state": sla_state_now(order, now) or None,
        "sla_due_at": order.sla_due_at,
        "object_ids": sorted(obj.pk for obj in order.objects_covered.all()),
        "task_ids": sorted(task.pk for task in order.tasks.all()),
        "totals": {
            "net_amount": _money(sum((line.net_amount for line in live), ZERO)),
            "cost_amount": _money(cost) if show_cost else None,
        },
        "lines": [line_dict(line, show_cost=show_cost) for line in lines],
    }
