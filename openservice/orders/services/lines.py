"""Order lines: hours, items, expenses and fees, with amounts rounded once per line."""

from decimal import Decimal

from django.db import transaction

from openservice.core.money import round_money
from openservice.core.services import audit, only_fields, save_validated
from openservice.orders.errors import LineNotOpen, ObjectNotRelated
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.services.common import lock_order, require_editable

LINE_FIELDS = (
    "kind",
    "description",
    "task",
    "object",
    "technician",
    "item",
    "quantity",
    "unit",
    "unit_cost",
    "unit_price",
    "is_billable",
    "executed_on",
)


def _check_object(order: ServiceOrder, obj) -> None:
    if obj is not None and not order.objects_covered.filter(pk=obj.pk).exists():
        raise ObjectNotRelated(object_id=obj.pk, order_id=order.pk)


def _defaults(fields: dict) -> dict:
    """Prices, unit and description from the item (or the technician's hourly cost for
    hours) where the caller gave none."""
    item, technician = fields.get("item"), fields.get("technician")
    if item is not None:
        fields.setdefault("unit_price", item.sales_price)
        fields.setdefault("unit_cost", item.cost_price)
        fields.setdefault("unit", item.unit)
        fields.setdefault("description", item.name)
    if fields.get("kind") == OrderLine.Kind.HOUR:
        fields.setdefault("unit", "h")
        if technician is not None:
            fields.setdefault("unit_cost", technician.hourly_cost)
    return fields


def _amounts(line: OrderLine, currency: str) -> None:
    line.net_amount = round_money(Decimal(line.quantity) * Decimal(line.unit_price), currency)
    line.cost_amount = round_money(Decimal(line.quantity) * Decimal(line.unit_cost), currency)


@transaction.atomic
def order_line_add(*, order: ServiceOrder, by, kind: str, quantity: Decimal, **fields) -> OrderLine:
    order = lock_order(order)
    require_editable(order)
    fields = _defaults({"kind": kind, **only_fields(LINE_FIELDS, fields)})
    _check_object(order, fields.get("object"))
    line = OrderLine(order=order, quantity=quantity, **fields)
    _amounts(line, order.currency)
    save_validated(line)
    audit(by, "order.line_added", order, {"line": line.pk, "kind": kind})
    return line


def _open_line(line: OrderLine) -> tuple[ServiceOrder, OrderLine]:
    order = lock_order(line.order)
    require_editable(order)
    line = OrderLine.objects.select_for_update().get(pk=line.pk)
    if line.status != OrderLine.Status.OPEN:
        raise LineNotOpen(line_id=line.pk, status=line.status)
    return order, line


@transaction.atomic
def order_line_update(*, line: OrderLine, by, **changes) -> OrderLine:
    order, line = _open_line(line)
    changes = only_fields(LINE_FIELDS, changes)
    _check_object(order, changes.get("object"))
    changed = {}
    for field, value in changes.items():
        if getattr(line, field) != value:
            changed[field] = str(value) if value is not None else None
            setattr(line, field, value)
    _amounts(line, order.currency)
    save_validated(line)
    audit(by, "order.line_updated", order, {"line": line.pk, "changes": changed})
    return line


@transaction.atomic
def order_line_cancel(*, line: OrderLine, by) -> OrderLine:
    """Lines are cancelled, not deleted, so the record of what was planned stays."""
    order, line = _open_line(line)
    line.status = OrderLine.Status.CANCELLED
    line.save(update_fields=["status", "updated_at"])
    audit(by, "order.line_cancelled", order, {"line": line.pk})
    return line
