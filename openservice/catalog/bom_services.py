"""Writes for versioned bills of materials.

Invariants: versions of an item are numbered 1, 2, … (assigned under a lock on the item);
approved and retired versions never change; at most one approved version of an item is valid on
any date (checked under the same lock, so two concurrent approvals cannot both pass); no BOM
contains its own item, directly or through the BOMs of its components.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.catalog.errors import (
    BomCycle,
    BomEmpty,
    BomNotApproved,
    BomNotEditable,
    BomValidityOverlap,
)
from openservice.catalog.models import Bom, BomLine, Item
from openservice.core.errors import InvalidInput
from openservice.core.services import audit, only_fields, record_update, save_validated

BOM_FIELDS = ("valid_from", "valid_to", "note")
LINE_FIELDS = ("component_item", "quantity", "position", "parent")


def _lock_item(item_id: int) -> Item:
    return Item.objects.select_for_update().get(pk=item_id)


def _next_version(item: Item) -> int:
    return (Bom.objects.filter(item=item).aggregate(top=Max("version"))["top"] or 0) + 1


def _editable(bom: Bom) -> Bom:
    """The BOM locked for writing; refuses anything but a draft."""
    locked = Bom.objects.select_for_update().get(pk=bom.pk)
    if not locked.is_editable:
        raise BomNotEditable(bom_id=bom.pk, status=locked.status)
    return locked


def item_contains(item_id: int, target_id: int) -> bool:
    """Whether any live (draft or approved) BOM of `item_id` contains `target_id`, at any depth.

    One query per level of the structure; `seen` stops at items already expanded.
    """
    frontier, seen = {item_id}, set()
    while frontier:
        if target_id in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                BomLine.objects.filter(bom__item_id__in=frontier)
                .exclude(bom__status=Bom.Status.RETIRED)
                .values_list("component_item_id", flat=True)
            )
            - seen
        )
    return False


def _check_line(bom: Bom, component_item: Item, parent: BomLine | None) -> None:
    if parent is not None and parent.bom_id != bom.pk:
        raise InvalidInput({"parent_line_id": [_("The parent line belongs to another BOM.")]})
    if item_contains(component_item.pk, bom.item_id):
        raise BomCycle(bom_id=bom.pk, component_item_id=component_item.pk)


@transaction.atomic
def bom_create(*, by, item: Item, valid_from=None, valid_to=None, note: str = "") -> Bom:
    """A new draft version of the item's BOM, numbered after the highest existing version."""
    item = _lock_item(item.pk)
    bom = Bom(
        item=item,
        version=_next_version(item),
        valid_from=valid_from,
        valid_to=valid_to,
        note=note,
    )
    save_validated(bom)
    audit(by, "bom.created", bom, {"item": item.pk, "version": bom.version})
    return bom


@transaction.atomic
def bom_update(*, bom: Bom, by, **changes) -> Bom:
    _editable(bom)
    return record_update(bom, by=by, verb="bom.updated", changes=only_fields(BOM_FIELDS, changes))


@transaction.atomic
def bom_line_add(
    *,
    bom: Bom,
    by,
    component_item: Item,
    quantity: Decimal = Decimal(1),
    position: str = "",
    parent: BomLine | None = None,
) -> BomLine:
    bom = _editable(bom)
    _check_line(bom, component_item, parent)
    line = BomLine(
        bom=bom, component_item=component_item, quantity=quantity, position=position, parent=parent
    )
    save_validated(line)
    audit(by, "bom.line_added", bom, {"line": line.pk, "component_item": component_item.pk})
    return line


@transaction.atomic
def bom_line_update(*, line: BomLine, by, **changes) -> BomLine:
    bom = _editable(line.bom)
    changes = only_fields(LINE_FIELDS, changes)
    parent = changes.get("parent", line.parent)
    if parent is not None and _is_descendant(parent, line):
        raise InvalidInput({"parent_line_id": [_("A line cannot be placed under itself.")]})
    _check_line(bom, changes.get("component_item", line.component_item), parent)
    updated = record_update(line, by=by, verb="bom.line_updated", changes=changes)
    return updated


def _is_descendant(candidate: BomLine, line: BomLine) -> bool:
    node = candidate
    while node is not None:
        if node.pk == line.pk:
            return True
        node = node.parent
    return False


@transaction.atomic
def bom_line_remove(*, line: BomLine, by) -> None:
    """Remove a draft line and the lines nested under it."""
    bom = _editable(line.bom)
    audit(by, "bom.line_removed", bom, {"line": line.pk})
    line.delete()


@transaction.atomic
def bom_approve(*, bom: Bom, by, now=None) -> Bom:
    """Freeze a draft. Refused when another approved version overlaps its validity."""
    _lock_item(bom.item_id)  # serialises approvals of one item's versions
    bom = _editable(bom)
    if not bom.lines.exists():
        raise BomEmpty(bom_id=bom.pk)
    overlapping = Bom.objects.filter(item_id=bom.item_id, status=Bom.Status.APPROVED).exclude(
        pk=bom.pk
    )
    if bom.valid_to is not None:
        overlapping = overlapping.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=bom.valid_to)
        )
    if bom.valid_from is not None:
        overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=bom.valid_from))
    clash = overlapping.order_by("version").first()
    if clash is not None:
        raise BomValidityOverlap(bom_id=bom.pk, overlapping_bom_id=clash.pk, version=clash.version)
    bom.status = Bom.Status.APPROVED
    bom.approved_at = now or timezone.now()
    bom.save(update_fields=["status", "approved_at", "updated_at"])
    audit(by, "bom.approved", bom, {"version": bom.version})
    return bom


@transaction.atomic
def bom_retire(*, bom: Bom, by) -> Bom:
    """An approved version stops being used for new objects; existing objects keep it."""
    bom = Bom.objects.select_for_update().get(pk=bom.pk)
    if bom.status != Bom.Status.APPROVED:
        raise BomNotApproved(bom_id=bom.pk, status=bom.status)
    bom.status = Bom.Status.RETIRED
    bom.save(update_fields=["status", "updated_at"])
    audit(by, "bom.retired", bom, {"version": bom.version})
    return bom


@transaction.atomic
def bom_copy(*, bom: Bom, by) -> Bom:
    """A new draft version with the same lines (and nesting), to change an approved structure."""
    item = _lock_item(bom.item_id)
    copy = Bom.objects.create(
        item=item,
        version=_next_version(item),
        valid_from=bom.valid_from,
        valid_to=bom.valid_to,
        note=bom.note,
        copied_from=bom,
    )
    bom_lines_create(copy, _line_rows(bom))
    audit(by, "bom.copied", copy, {"from": bom.pk, "version": copy.version})
    return copy


def _line_rows(bom: Bom) -> list[dict]:
    """The BOM's lines as nested plain rows (item, quantity, position, children)."""
    lines = list(bom.lines.order_by("pk"))
    children: dict[int | None, list[BomLine]] = {}
    for line in lines:
        children.setdefault(line.parent_id, []).append(line)

    def rows(parent_id):
        return [
            {
                "component_item_id": line.component_item_id,
                "quantity": line.quantity,
                "position": line.position,
                "children": rows(line.pk),
            }
            for line in children.get(parent_id, [])
        ]

    return rows(None)


def bom_lines_create(bom: Bom, rows: list[dict], parent: BomLine | None = None) -> None:
    """Create nested line rows under a (new, draft) BOM: one insert per level."""
    level = [(row, parent) for row in rows]
    while level:
        created = BomLine.objects.bulk_create(
            [
                BomLine(
                    bom=bom,
                    component_item_id=row["component_item_id"],
                    quantity=row["quantity"],
                    position=row["position"],
                    parent=parent_line,
                )
                for row, parent_line in level
            ]
        )
        level = [
            (child, line)
            for (row, _parent), line in zip(level, created, strict=True)
            for child in row["children"]
        ]
