"""Pure component-tree calculations: units of a BOM line, slots, trees from rows, and the
difference between two structures. No Django imports."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

MAX_UNITS_PER_LINE = 500


def units(quantity: Decimal, countable: bool = True) -> list[Decimal]:
    """One entry per physical unit: a line of 2 gives two units of 1; a line of 12.5, or of a
    bulk material (`countable` false: metres of rope, litres of oil), is one unit of that
    amount. Counts above MAX_UNITS_PER_LINE stay one unit, as bulk stock."""
    if (
        countable
        and quantity == quantity.to_integral_value()
        and 1 <= quantity <= MAX_UNITS_PER_LINE
    ):
        return [Decimal(1)] * int(quantity)
    return [quantity]


def slot_of(parent_slot: str, position: str, fallback: str) -> str:
    """A unit's place in the structure: the positions from the root, joined by '/'."""
    own = position or fallback
    return f"{parent_slot}/{own}" if parent_slot else own


def is_present(installed_on: date, removed_on: date | None, on: date) -> bool:
    """Installed on or before the day and not removed by it (removal takes effect that day)."""
    return installed_on <= on and (removed_on is None or removed_on > on)


@dataclass
class Node:
    id: int
    item_id: int
    serial: str
    position: str
    slot: str
    quantity: Decimal
    installed_on: date
    removed_on: date | None
    parent_id: int | None = None
    children: list["Node"] = field(default_factory=list)


def build_tree(nodes: list[Node]) -> list[Node]:
    """Roots with their children attached, each level in slot then id order. A node whose
    parent is not among the nodes becomes a root, so nothing present is ever hidden."""
    by_id = {node.id: node for node in nodes}
    roots = []
    for node in sorted(nodes, key=lambda n: (n.slot, n.id)):
        parent = by_id.get(node.parent_id)
        (parent.children if parent is not None else roots).append(node)
    return roots


def flatten(roots: list[Node]) -> list[Node]:
    result, stack = [], list(reversed(roots))
    while stack:
        node = stack.pop()
        result.append(node)
        stack.extend(reversed(node.children))
    return result


@dataclass(frozen=True)
class StructureDiff:
    """Per slot: which item, and how many units, changes between two structures."""

    replaced: dict[str, tuple[int, int]]  # slot -> (old item, new item)
    added: dict[str, tuple[int, int]]  # slot -> (item, units to add)
    removed: dict[str, int]  # slot -> units to remove

    @property
    def is_empty(self) -> bool:
        return not (self.replaced or self.added or self.removed)


def structure_diff(
    old: dict[str, tuple[int, int]], new: dict[str, tuple[int, int]]
) -> StructureDiff:
    """Compare {slot: (item, units)} maps. A slot in both with another item is a replacement
    (units beyond the old count are added, fewer are removed); a slot only in one is an
    addition or a removal."""
    replaced, added, removed = {}, {}, {}
    for slot in sorted(old.keys() | new.keys()):
        if slot not in new:
            removed[slot] = old[slot][1]
            continue
        new_item, new_count = new[slot]
        if slot not in old:
            added[slot] = (new_item, new_count)
            continue
        old_item, old_count = old[slot]
        if old_item != new_item:
            replaced[slot] = (old_item, new_item)
        if new_count > old_count:
            added[slot] = (new_item, new_count - old_count)
        elif new_count < old_count:
            removed[slot] = old_count - new_count
    return StructureDiff(replaced=replaced, added=added, removed=removed)


def slot_counts(entries: list[tuple[str, int]]) -> dict[str, tuple[int, int]]:
    """(slot, item) pairs, one per unit, as {slot: (item, units)}; the last item wins a slot."""
    counts = Counter(slot for slot, _item in entries)
    items = dict(entries)
    return {slot: (items[slot], counts[slot]) for slot in counts}
