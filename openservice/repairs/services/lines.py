"""Repair lines on an order: created and changed by the order's technician or a manager, for an
object the order covers (and optionally one of its installed components); each code within its
area (an area left out is taken from its code); `finished_at` stamped when a finished stage is
chosen and cleared when the line goes back."""

from datetime import datetime

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.services import audit, only_fields, save_validated
from openservice.orders.selectors import order_get
from openservice.orders.services.common import lock_order, require_editable
from openservice.repairs.errors import (
    CodeNotInArea,
    ComponentNotOfObject,
    LineHasReplacements,
    NoRepairStage,
    ObjectNotOnOrder,
)
from openservice.repairs.models import RepairLine, RepairStage

LINE_FIELDS = (
    "object",
    "component",
    "condition",
    "symptom_area",
    "symptom_code",
    "diagnosis_area",
    "diagnosis_code",
    "resolution",
    "stage",
    "technician",
    "description",
    "note",
)


def _first_stage() -> RepairStage | None:
    return (
        RepairStage.objects.filter(is_active=True, is_finished=False)
        .order_by("sort_order", "code")
        .first()
        or RepairStage.objects.order_by("sort_order", "code").first()
    )


def _check(order, line: RepairLine, *, component_chosen: bool = True) -> None:
    """`component_chosen`: the component is being set now, so it must still be installed (a
    line keeps the unit it repaired after that unit is replaced)."""
    if not order.objects_covered.filter(pk=line.object_id).exists():
        raise ObjectNotOnOrder(order_id=order.pk, object_id=line.object_id)
    component = line.component
    if component is not None and (
        component.object_id != line.object_id
        or (component_chosen and component.removed_on is not None)
    ):
        raise ComponentNotOfObject(component_id=component.pk, object_id=line.object_id)
    for area_field, code_field in (
        ("symptom_area", "symptom_code"),
        ("diagnosis_area", "diagnosis_code"),
    ):
        code = getattr(line, code_field)
        if code is None:
            continue
        if getattr(line, f"{area_field}_id") is None:
            setattr(line, area_field, code.area)
        elif code.area_id != getattr(line, f"{area_field}_id"):
            raise CodeNotInArea(
                {code_field: [_("%(code)s is not a code of this area.") % {"code": code.code}]}
            )


def _stamp(line: RepairLine, now: datetime) -> None:
    if line.stage.is_finished and line.finished_at is None:
        line.finished_at = now
    elif not line.stage.is_finished:
        line.finished_at = None


def _order_for(by, order):
    """The order, as `by` may see it (a technician: only their own), locked and editable."""
    visible = order_get(user=by, order_id=order.pk)
    locked = lock_order(visible)
    require_editable(locked)
    return locked


@transaction.atomic
def repair_line_create(*, order, by, object, now: datetime | None = None, **fields) -> RepairLine:
    order = _order_for(by, order)
    fields = only_fields(LINE_FIELDS, fields)
    line = RepairLine(order=order, object=object, created_by=by, **fields)
    if line.stage_id is None:
        stage = _first_stage()
        if stage is None:
            raise NoRepairStage()
        line.stage = stage
    if line.technician_id is None and order.preferred_technician_id is not None:
        line.technician_id = order.preferred_technician_id
    _check(order, line)
    _stamp(line, now or timezone.now())
    save_validated(line)
    audit(by, "order.repair_added", order, {"repair_line": line.pk, "object": object.pk})
    return line


@transaction.atomic
def repair_line_update(
    *, line: RepairLine, by, now: datetime | None = None, **changes
) -> RepairLine:
    order = _order_for(by, line.order)
    changes = only_fields(LINE_FIELDS, changes)
    line = RepairLine.objects.select_for_update().get(pk=line.pk)
    component_before = line.component_id
    for name, value in changes.items():
        setattr(line, name, value)
    if "symptom_code" in changes and "symptom_area" not in changes and line.symptom_code:
        line.symptom_area = line.symptom_code.area
    if "diagnosis_code" in changes and "diagnosis_area" not in changes and line.diagnosis_code:
        line.diagnosis_area = line.diagnosis_code.area
    _check(order, line, component_chosen=line.component_id != component_before)
    _stamp(line, now or timezone.now())
    save_validated(line)
    audit(by, "order.repair_changed", order, {"repair_line": line.pk, "fields": sorted(changes)})
    return line


@transaction.atomic
def repair_line_delete(*, line: RepairLine, by) -> None:
    """A line with component replacements stays: it is their record on the order."""
    order = _order_for(by, line.order)
    audit(by, "order.repair_removed", order, {"repair_line": line.pk})
    try:
        with transaction.atomic():
            line.delete()
    except ProtectedError as exc:
        raise LineHasReplacements(repair_line_id=line.pk) from exc
