"""Replacing a component from a repair line (domain.md §5): the component tree is changed by
equipment's `component_replace`, the replacement is recorded against the repair line, and the
new unit can be billed as an item line on the order — all in one transaction, so a refusal
anywhere (the order's stage, the technician's orders, a serial in use, a future date) leaves
everything as it was.

The repair line keeps pointing at the unit it repaired (the one taken out); the new unit is
reached through the replacement (`component.repair_installation`)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput
from openservice.core.services import audit
from openservice.equipment.models import Component
from openservice.equipment.services import component_replace
from openservice.orders.models import OrderLine
from openservice.orders.services import order_line_add
from openservice.repairs.errors import ComponentNotOfObject, ComponentRequired
from openservice.repairs.models import ComponentReplacement, RepairLine, Resolution
from openservice.repairs.services.lines import _order_for

# The resolution a line without one gets when a component is replaced on it (if it exists).
REPLACED = "REPLACED"
REASON_LENGTH = Component._meta.get_field("removal_reason").max_length


def _reason(reason: str, line: RepairLine, order) -> str:
    """What the tree records as the removal reason: the caller's, else the repair's
    description, always naming the order."""
    if reason:
        return reason[:REASON_LENGTH]
    if line.description:
        text = _("Order %(number)s: %(description)s") % {
            "number": order.number,
            "description": line.description,
        }
    else:
        text = _("Replaced on order %(number)s") % {"number": order.number}
    return text[:REASON_LENGTH]


@transaction.atomic
def repair_component_replace(
    *,
    line: RepairLine,
    by,
    component: Component | None = None,
    item,
    serial: str = "",
    reason: str = "",
    on: date | None = None,
    bill: bool = False,
    unit_price: Decimal | None = None,
    today: date | None = None,
) -> ComponentReplacement:
    """Replace `component` (default: the line's) of the line's object with a new unit of
    `item` on `on` (default today), record it on the line, and with `bill` add an item line
    (quantity 1, `unit_price` or the item's sales price) to the order.

    A line without a component is set to the replaced unit; a line without a resolution gets
    the active `REPLACED` resolution when there is one."""
    order = _order_for(by, line.order)
    # No joins in the locking query (PostgreSQL refuses FOR UPDATE on an outer join's
    # nullable side); the object, component and technician load after the lock.
    line = RepairLine.objects.select_for_update().get(pk=line.pk)
    component = component or line.component
    if component is None:
        raise ComponentRequired({"component": [_("The repair line names no component.")]})
    if component.object_id != line.object_id:
        raise ComponentNotOfObject(component_id=component.pk, object_id=line.object_id)
    if unit_price is not None and not bill:
        raise InvalidInput({"unit_price": [_("A price is only used when the item is billed.")]})
    today = today or timezone.localdate()
    on = on or today
    installed = component_replace(
        obj=line.object,
        component=component,
        by=by,
        item=item,
        serial=serial,
        reason=_reason(reason, line, order),
        on=on,
        today=today,
    )
    component.refresh_from_db(fields=["removed_on", "removal_reason"])
    order_line = None
    if bill:
        prices = {} if unit_price is None else {"unit_price": unit_price}
        order_line = order_line_add(
            order=order,
            by=by,
            kind=OrderLine.Kind.ITEM,
            quantity=Decimal(1),
            item=item,
            object=line.object,
            technician=line.technician,
            executed_on=on,
            is_billable=True,
            **prices,
        )
    replacement = ComponentReplacement.objects.create(
        repair_line=line,
        removed=component,
        installed=installed,
        order_line=order_line,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    changed = []
    if line.component_id is None:
        line.component = component
        changed.append("component")
    if line.resolution_id is None:
        line.resolution = Resolution.objects.filter(code=REPLACED, is_active=True).first()
        if line.resolution is not None:
            changed.append("resolution")
    if changed:
        line.save(update_fields=[*changed, "updated_at"])
    audit(
        by,
        "order.component_replaced",
        order,
        {
            "repair_line": line.pk,
            "removed": component.pk,
            "installed": installed.pk,
            "item": item.pk,
            "on": on.isoformat(),
            "order_line": order_line and order_line.pk,
        },
    )
    return replacement
