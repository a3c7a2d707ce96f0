"""Shaping a component tree and its history for the object page: plain data, no queries.

The tree nodes carry item ids only; `named_tree` pairs them with items loaded once for the
whole tree. `timeline` turns component rows into events a person reads: a replacement is one
event (old unit out, new unit in), and the sub-units that came or went with a unit are counted
on that unit's event instead of being listed one by one.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openservice.equipment.tree import Node


@dataclass
class TreeRow:
    node: Node
    item: Any  # catalog.Item, or None when the item is not among those loaded
    children: list["TreeRow"]
    is_open: bool = False  # the focused unit is below this one
    is_focus: bool = False


def named_tree(roots: list[Node], items: dict[int, Any], focus: int | None = None) -> list[TreeRow]:
    """The nodes with their items; the units above the `focus` unit (by id) are open."""
    rows = []
    for node in roots:
        children = named_tree(node.children, items, focus)
        is_open = any(child.is_focus or child.is_open for child in children)
        rows.append(TreeRow(node, items.get(node.item_id), children, is_open, node.id == focus))
    return rows


INSTALLED = "installed"
REPLACED = "replaced"
REMOVED = "removed"
_KIND_ORDER = {REPLACED: 0, INSTALLED: 1, REMOVED: 2}


@dataclass
class Event:
    on: date
    kind: str  # REPLACED, INSTALLED or REMOVED
    component: Any  # the unit installed (replaced, installed) or taken out (removed)
    old: Any = None  # for a replacement, the unit taken out
    reason: str = ""
    parts_installed: int = 0
    parts_removed: int = 0
    key: tuple = field(default=(), repr=False)


def timeline(history: list, built_on: date) -> list[Event]:
    """Events newest first from `component_history` rows (with `item` and `replaces` loaded)."""
    by_pk = {component.pk: component for component in history}

    def came_with_parent(component) -> bool:
        parent = by_pk.get(component.parent_id)
        return parent is not None and parent.installed_on == component.installed_on > built_on

    def went_with_parent(component) -> bool:
        parent = by_pk.get(component.parent_id)
        return parent is not None and parent.removed_on == component.removed_on

    events: dict[tuple, Event] = {}
    replaced: dict[int, Event] = {}  # old unit's pk -> the replacement event
    for component in history:
        if component.installed_on > built_on and not came_with_parent(component):
            old = component.replaces
            if old is not None and old.removed_on == component.installed_on:
                event = Event(component.installed_on, REPLACED, component, old, old.removal_reason)
                replaced[old.pk] = event
            else:
                event = Event(component.installed_on, INSTALLED, component)
            events[("in", component.pk)] = event
    for component in history:
        if (
            component.removed_on is not None
            and not went_with_parent(component)
            and component.pk not in replaced
        ):
            events[("out", component.pk)] = Event(
                component.removed_on, REMOVED, component, reason=component.removal_reason
            )

    def owner(component, moved: str) -> Event | None:
        """The event of the topmost unit that this sub-unit was installed or removed with."""
        node = component
        if moved == "in":
            while came_with_parent(node):
                node = by_pk[node.parent_id]
            return events.get(("in", node.pk))
        while went_with_parent(node):
            node = by_pk[node.parent_id]
        return replaced.get(node.pk) or events.get(("out", node.pk))

    for component in history:
        if component.installed_on > built_on and came_with_parent(component):
            event = owner(component, "in")
            if event is not None:
                event.parts_installed += 1
        if component.removed_on is not None and went_with_parent(component):
            event = owner(component, "out")
            if event is not None:
                event.parts_removed += 1

    return sorted(
        events.values(),
        key=lambda event: (event.on, -_KIND_ORDER[event.kind], event.component.pk),
        reverse=True,
    )
