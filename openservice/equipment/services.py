"""Writes for service objects and their as-maintained component trees.

Invariants: component rows are never deleted or reopened; a unit is present on a day when it
was installed on or before it and not removed by it; a removed unit's sub-units are removed
with it; all writes to one object's tree happen under a lock on the object.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.catalog.bom_services import bom_create, bom_lines_create, item_contains
from openservice.catalog.errors import BomCycle
from openservice.catalog.models import Bom, Item
from openservice.catalog.selectors import bom_current, bom_lines, bom_valid_on
from openservice.core.services import (
    audit,
    only_fields,
    record_create,
    record_update,
    sequence_next,
)
from openservice.customers.errors import CustomerInactive
from openservice.equipment.errors import (
    BomNotApplicable,
    ComponentNotInstalled,
    CustomerMismatch,
    NothingToSave,
    ObjectRetired,
    ReplacementBeforeInstallation,
    ReplacementInFuture,
    SerialInUse,
)
from openservice.equipment.models import Component, ObjectGroup, ServiceObject
from openservice.equipment.tree import slot_of, structure_diff, units

OBJECT_FIELDS = ("site", "serial_number", "warranty_ends_on", "group", "note", "installed_on")
MAX_DEPTH = 12


COUNTABLE_UNITS = {"pcs", "set", "pc", "ea", "unit"}


def _countable(item: Item) -> bool:
    """Whether a line's quantity is a number of separate units (pieces, sets, serialized
    items) rather than an amount of bulk material (metres of rope, litres of oil)."""
    return item.is_serialized or item.unit.lower() in COUNTABLE_UNITS


@dataclass
class PlannedUnit:
    item_id: int
    position: str
    slot: str
    quantity: Decimal
    children: list["PlannedUnit"] = field(default_factory=list)


class _SubBoms:
    """Approved BOMs valid on one day, looked up once per item."""

    def __init__(self, day: date):
        self.day = day
        self.cache: dict[int, list] = {}

    def lines_of(self, item_id: int) -> list:
        if item_id not in self.cache:
            bom = bom_valid_on(item_id, self.day)
            self.cache[item_id] = bom_lines(bom) if bom is not None else []
        return self.cache[item_id]


def plan_structure(
    lines: list, sub_boms: _SubBoms, parent_slot: str = "", path=(), under_line: int | None = None
) -> list:
    """Units for BOM lines: a line with nested lines takes them as its sub-units; a line
    without takes the approved BOM of its own item (multi-level expansion). `under_line`
    plans only the lines nested under that line."""
    children_of: dict[int | None, list] = {}
    for line in lines:
        children_of.setdefault(line.parent_id, []).append(line)

    def plan(parent_id, parent_slot, path):
        planned = []
        for line in children_of.get(parent_id, []):
            slot = slot_of(parent_slot, line.position, line.component_item.sku)
            for quantity in units(line.quantity, countable=_countable(line.component_item)):
                unit = PlannedUnit(line.component_item_id, line.position, slot, quantity)
                if line.pk in children_of:
                    unit.children = plan(line.pk, slot, path)
                elif line.component_item_id not in path and len(path) < MAX_DEPTH:
                    unit.children = plan_structure(
                        sub_boms.lines_of(line.component_item_id),
                        sub_boms,
                        slot,
                        (*path, line.component_item_id),
                    )
                planned.append(unit)
        return planned

    return plan(under_line, parent_slot, path)


def install_units(
    obj: ServiceObject, planned: list[PlannedUnit], on: date, parent: Component | None = None
) -> list[Component]:
    """Create the planned units (and their sub-units) installed on the day; one insert a level."""
    level = [(unit, parent) for unit in planned]
    created_all = []
    while level:
        created = Component.objects.bulk_create(
            [
                Component(
                    object=obj,
                    parent=parent_component,
                    item_id=unit.item_id,
                    position=unit.position,
                    slot=unit.slot,
                    quantity=unit.quantity,
                    installed_on=on,
                )
                for unit, parent_component in level
            ]
        )
        created_all.extend(created)
        level = [
            (child, component)
            for (unit, _parent), component in zip(level, created, strict=True)
            for child in unit.children
        ]
    return created_all


def _lock(obj: ServiceObject) -> ServiceObject:
    return ServiceObject.objects.select_for_update().get(pk=obj.pk)


def _require_active(obj: ServiceObject) -> None:
    if obj.status != ServiceObject.Status.ACTIVE:
        raise ObjectRetired(object_id=obj.pk)


def _check_site(customer, site) -> None:
    if site is not None and site.customer_id != customer.pk:
        raise CustomerMismatch(site_id=site.pk, customer_id=customer.pk)


@transaction.atomic
def object_create(
    *,
    by,
    customer,
    item: Item,
    installed_on: date,
    site=None,
    serial_number: str = "",
    warranty_ends_on: date | None = None,
    group=None,
    note: str = "",
) -> ServiceObject:
    """A new object; its tree is a copy of the item's approved BOM valid on `installed_on`."""
    if not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    _check_site(customer, site)
    bom = bom_valid_on(item.pk, installed_on)
    obj = ServiceObject(
        number=sequence_next("service_object", prefix="SO", padding=5),
        customer=customer,
        site=site,
        item=item,
        serial_number=serial_number,
        installed_on=installed_on,
        warranty_ends_on=warranty_ends_on,
        group=group,
        note=note,
        bom=bom,
    )
    record_create(obj, by=by, verb="object.created", data={"number": obj.number})
    if bom is not None:
        planned = plan_structure(bom_lines(bom), _SubBoms(installed_on), "", (item.pk,))
        components = install_units(obj, planned, installed_on)
        audit(by, "object.tree_built", obj, {"bom": bom.pk, "components": len(components)})
    return obj


@transaction.atomic
def object_update(*, obj: ServiceObject, by, **changes) -> ServiceObject:
    """Change the object's own fields. The installation date moves only while no unit has
    changed since the tree was built (history would otherwise precede the object)."""
    changes = only_fields(OBJECT_FIELDS, changes)
    locked = _lock(obj)
    if "site" in changes:
        _check_site(locked.customer, changes["site"])
    if "installed_on" in changes and changes["installed_on"] != locked.installed_on:
        if locked.components.exclude(installed_on=locked.installed_on).exists() or (
            locked.components.filter(removed_on__isnull=False).exists()
        ):
            raise ReplacementBeforeInstallation(
                _("Components have changed since installation; the date can no longer move.")
            )
        locked.components.update(installed_on=changes["installed_on"])
    return record_update(locked, by=by, verb="object.updated", changes=changes)


@transaction.atomic
def object_set_status(*, obj: ServiceObject, by, status: str) -> ServiceObject:
    return record_update(obj, by=by, verb=f"object.{status}", changes={"status": status})


def _open_components(obj: ServiceObject) -> list[Component]:
    return list(obj.components.filter(removed_on__isnull=True).order_by("pk"))


def _subtree(root: Component) -> list[Component]:
    """The unit and every open unit below it: one query per level below it (none for a leaf
    beyond the first), so replacing a part costs the same in a tree of ten or ten thousand."""
    result, frontier = [root], [root.pk]
    while frontier:
        below = list(Component.objects.filter(parent_id__in=frontier, removed_on__isnull=True))
        result.extend(below)
        frontier = [component.pk for component in below]
    return result


def _remove(subtree: list[Component], on: date, reason: str) -> None:
    root, *below = subtree
    latest = max(unit.installed_on for unit in subtree)
    if on < latest:
        raise ReplacementBeforeInstallation(
            component_id=root.pk, installed_on=latest.isoformat(), on=on.isoformat()
        )
    Component.objects.filter(pk=root.pk).update(removed_on=on, removal_reason=reason)
    if below:
        Component.objects.filter(pk__in=[c.pk for c in below]).update(
            removed_on=on, removal_reason=_("Removed with %(slot)s") % {"slot": root.slot}
        )


def _check_serial(item: Item, serial: str) -> None:
    if (
        serial
        and Component.objects.filter(item=item, serial=serial, removed_on__isnull=True).exists()
    ):
        raise SerialInUse(item_id=item.pk, serial=serial)


def _replace_unit(
    obj: ServiceObject,
    old: Component,
    *,
    item_id: int,
    serial: str,
    reason: str,
    on: date,
    children: list[PlannedUnit],
) -> Component:
    subtree = _subtree(old)
    latest = max(unit.installed_on for unit in subtree)
    if on < latest:
        raise ReplacementBeforeInstallation(
            component_id=old.pk, installed_on=latest.isoformat(), on=on.isoformat()
        )
    _remove(subtree, on, reason)
    new = Component.objects.create(
        object=obj,
        parent_id=old.parent_id,
        item_id=item_id,
        serial=serial,
        position=old.position,
        slot=old.slot,
        quantity=old.quantity,
        installed_on=on,
        replaces=old,
    )
    install_units(obj, children, on, parent=new)
    return new


def _sub_units_for(obj: ServiceObject, slot: str, item: Item, sub_boms: "_SubBoms") -> list:
    """The sub-units a new unit in `slot` gets: the lines the object's own BOM nests under
    that slot when the item is the one the BOM has there (e.g. a door operator's roller set),
    otherwise the units of the item's own approved BOM. Plans only that slot's subtree."""
    path = (obj.item_id, item.pk)
    if obj.bom_id is not None:
        lines = bom_lines(obj.bom)
        nested = {line.parent_id for line in lines}
        slots = _line_slots(lines)
        for line in lines:
            if slots[line.pk][0] == slot and line.component_item_id == item.pk:
                if line.pk in nested:
                    return plan_structure(lines, sub_boms, slot, path, under_line=line.pk)
                break
    return plan_structure(sub_boms.lines_of(item.pk), sub_boms, slot, path)


@transaction.atomic
def component_replace(
    *,
    obj: ServiceObject,
    component: Component,
    by,
    item: Item,
    serial: str = "",
    reason: str = "",
    on: date,
    today: date | None = None,
) -> Component:
    """Close a unit (with its sub-units) on `on` and install the new unit in its place.

    The new unit takes the old one's parent, position and slot; its own sub-units come from
    its item's approved BOM valid on `on`.
    """
    obj = _lock(obj)
    _require_active(obj)
    today = today or timezone.localdate()
    old = Component.objects.filter(pk=component.pk, object=obj).first()
    if old is None or old.removed_on is not None:
        raise ComponentNotInstalled(component_id=component.pk)
    if on > today:
        raise ReplacementInFuture(on=on.isoformat())
    if item.pk == obj.item_id or item_contains(item.pk, obj.item_id):
        raise BomCycle(component_item_id=item.pk)
    _check_serial(item, serial)
    sub_boms = _SubBoms(on)
    new = _replace_unit(
        obj,
        old,
        item_id=item.pk,
        serial=serial,
        reason=reason or _("Replaced"),
        on=on,
        children=_sub_units_for(obj, old.slot, item, sub_boms),
    )
    audit(
        by,
        "object.component_replaced",
        obj,
        {"old": old.pk, "new": new.pk, "item": item.pk, "on": on.isoformat(), "reason": reason},
    )
    return new


def _line_slots(lines: list) -> dict[int, tuple[str, int]]:
    """{line id: (slot, units)} for a BOM's own lines, units multiplied through parents."""
    by_id = {line.pk: line for line in lines}
    memo: dict[int, tuple[str, int]] = {}

    def slot_and_count(line) -> tuple[str, int]:
        if line.pk not in memo:
            parent_slot, parent_count = (
                slot_and_count(by_id[line.parent_id]) if line.parent_id else ("", 1)
            )
            memo[line.pk] = (
                slot_of(parent_slot, line.position, line.component_item.sku),
                parent_count * len(units(line.quantity, countable=_countable(line.component_item))),
            )
        return memo[line.pk]

    return {line.pk: slot_and_count(line) for line in lines}


def bom_slots(bom: Bom | None) -> dict[str, tuple[int, int]]:
    """{slot: (item, units)} for the lines a BOM itself defines (nested lines included; the
    content of components' own BOMs is not), units multiplied through parent lines."""
    if bom is None:
        return {}
    lines = bom_lines(bom)
    slots = _line_slots(lines)
    result = {}
    for line in lines:
        slot, count = slots[line.pk]
        _item, before = result.get(slot, (line.component_item_id, 0))
        result[slot] = (line.component_item_id, before + count)
    return result


def _planned_by_slot(planned: list[PlannedUnit]) -> dict[str, PlannedUnit]:
    result, stack = {}, list(planned)
    while stack:
        unit = stack.pop()
        result.setdefault(unit.slot, unit)
        stack.extend(unit.children)
    return result


def _under(slot: str, handled: set[str]) -> bool:
    return any(slot.startswith(f"{done}/") for done in handled)


@transaction.atomic
def object_upgrade_bom(
    *, obj: ServiceObject, to_bom: Bom, by, on: date | None = None, today: date | None = None
) -> dict[str, int]:
    """Bring the tree from the object's BOM version to another approved version of its item,
    recording each difference on `on`: a slot whose item changed is a replacement, a new slot
    an addition, a dropped slot a removal (a changed unit count adds or removes units)."""
    obj = _lock(obj)
    _require_active(obj)
    today = today or timezone.localdate()
    on = on or today
    if on > today:
        raise ReplacementInFuture(on=on.isoformat())
    to_bom = bom_current(to_bom)
    if to_bom.item_id != obj.item_id or to_bom.status != Bom.Status.APPROVED:
        raise BomNotApplicable(bom_id=to_bom.pk, item_id=obj.item_id)
    counts = {"replaced": 0, "added": 0, "removed": 0}
    if obj.bom_id == to_bom.pk:
        return counts
    if on < obj.installed_on:  # additions would predate the object
        raise ReplacementBeforeInstallation(
            object_id=obj.pk, installed_on=obj.installed_on.isoformat(), on=on.isoformat()
        )
    diff = structure_diff(bom_slots(obj.bom), bom_slots(to_bom))
    sub_boms = _SubBoms(on)
    new_units = _planned_by_slot(plan_structure(bom_lines(to_bom), sub_boms, "", (obj.item_id,)))
    reason = _("Upgrade to BOM version %(version)s") % {"version": to_bom.version}
    handled: set[str] = set()  # slots whose whole subtree is already dealt with
    for slot in sorted(diff.replaced.keys() | diff.removed.keys() | diff.added.keys()):
        if _under(slot, handled):
            continue
        here = [c for c in _open_components(obj) if c.slot == slot]
        if slot in diff.replaced:
            unit = new_units[slot]
            for old in here:
                _replace_unit(
                    obj,
                    old,
                    item_id=unit.item_id,
                    serial="",
                    reason=reason,
                    on=on,
                    children=unit.children,
                )
                counts["replaced"] += 1
            handled.add(slot)
            here = [c for c in _open_components(obj) if c.slot == slot]
        if slot in diff.removed:
            for old in here[len(here) - diff.removed[slot] :]:
                _remove(_subtree(old), on, reason)
                counts["removed"] += 1
            handled.add(slot)
        if slot in diff.added:
            _item, missing = diff.added[slot]
            parent_slot = slot.rpartition("/")[0]
            parents = [c for c in _open_components(obj) if c.slot == parent_slot] or [None]
            for index in range(missing):
                install_units(obj, [new_units[slot]], on, parent=parents[index % len(parents)])
            counts["added"] += missing
            handled.add(slot)
    ServiceObject.objects.filter(pk=obj.pk).update(bom=to_bom)
    audit(by, "object.bom_upgraded", obj, {"from": obj.bom_id, "to": to_bom.pk, **counts})
    return counts


@transaction.atomic
def object_save_as_bom(*, obj: ServiceObject, by) -> Bom:
    """The object's current tree as a new draft version of its item's BOM (nested lines,
    units of one item in one slot merged into one line)."""
    obj = _lock(obj)
    open_components = _open_components(obj)
    if not open_components:
        raise NothingToSave(object_id=obj.pk)
    for item_id in {c.item_id for c in open_components}:
        if item_id == obj.item_id or item_contains(item_id, obj.item_id):
            raise BomCycle(component_item_id=item_id)
    children: dict[int | None, list[Component]] = {}
    for component in open_components:
        children.setdefault(component.parent_id, []).append(component)

    def rows(parent_id) -> list[dict]:
        merged: dict[tuple, dict] = {}
        for component in children.get(parent_id, []):
            key = (component.position, component.item_id, component.slot)
            row = merged.get(key)
            if row is None:
                merged[key] = {
                    "component_item_id": component.item_id,
                    "quantity": component.quantity,
                    "position": component.position,
                    "children": rows(component.pk),
                }
            else:
                row["quantity"] += component.quantity
        return list(merged.values())

    bom = bom_create(by=by, item=obj.item, note=_("Saved from object %s") % obj.number)
    bom_lines_create(bom, rows(None))
    audit(by, "object.saved_as_bom", obj, {"bom": bom.pk, "version": bom.version})
    return bom


@transaction.atomic
def object_group_create(*, by, code: str, name: str) -> ObjectGroup:
    group = ObjectGroup(code=code.upper(), name=name)
    return record_create(group, by=by, verb="object_group.created", data={"code": group.code})
