"""Versions of one BOM side by side: one row per place in the structure, one cell per version,
each cell marked against the version before it. Plain data, no Django imports.

A line's place is the path of positions from the top (a line without a position is placed by
its component's SKU), so a sub-assembly's lines sit under it, and a place keeps its row when
the component in it changes. Two lines at the same place in one version get separate rows.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SAME = ""
ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"


@dataclass(frozen=True)
class Entry:
    """What one version has at one place."""

    item_id: int
    sku: str
    name: str
    quantity: Decimal


@dataclass
class Cell:
    version: int
    entry: Entry | None
    change: str = SAME  # against the previous version: SAME, ADDED, REMOVED or CHANGED
    previous: Entry | None = None  # what the previous version had, when it differs


@dataclass
class Row:
    place: tuple[str, ...]
    cells: list[Cell] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.place[-1].split("#")[0]

    @property
    def depth(self) -> int:
        return len(self.place) - 1

    @property
    def path(self) -> str:
        return "/".join(part.split("#")[0] for part in self.place)


@dataclass
class Comparison:
    rows: list[Row]
    changes: list[dict[str, int]]  # per version: how many places were added, removed, changed


def _places(lines: list[Any]) -> dict[tuple[str, ...], Entry]:
    """{place: entry} for a version's lines (`BomLine`s with `component_item` loaded)."""
    by_id = {line.pk: line for line in lines}
    memo: dict[int, tuple[str, ...]] = {}
    taken: set[tuple[str, ...]] = set()

    def place_of(line) -> tuple[str, ...]:
        if line.pk not in memo:
            parent = by_id.get(line.parent_id)
            parent_place = place_of(parent) if parent is not None else ()
            own = line.position or line.component_item.sku
            place, copy = (*parent_place, own), 1
            while place in taken:
                copy += 1
                place = (*parent_place, f"{own}#{copy}")
            taken.add(place)
            memo[line.pk] = place
        return memo[line.pk]

    return {
        place_of(line): Entry(
            line.component_item_id,
            line.component_item.sku,
            line.component_item.name,
            line.quantity,
        )
        for line in sorted(lines, key=lambda line: line.pk)
    }


def _natural(place: tuple[str, ...]) -> tuple:
    """Positions '2' before '10'; a parent before its children."""
    return tuple(
        tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", segment)
            if part
        )
        for segment in place
    )


def compare(versions: list[tuple[int, list[Any]]]) -> Comparison:
    """`versions`: (version number, lines) oldest first."""
    placed = [(number, _places(lines)) for number, lines in versions]
    all_places = sorted({place for _number, places in placed for place in places}, key=_natural)
    rows = [Row(place) for place in all_places]
    changes = []
    previous_places: dict | None = None
    for number, places in placed:
        counts = {ADDED: 0, REMOVED: 0, CHANGED: 0}
        for row in rows:
            entry = places.get(row.place)
            cell = Cell(number, entry)
            if previous_places is not None:
                before = previous_places.get(row.place)
                if before is None and entry is not None:
                    cell.change = ADDED
                elif before is not None and entry is None:
                    cell.change, cell.previous = REMOVED, before
                elif before is not None and (
                    before.item_id != entry.item_id or before.quantity != entry.quantity
                ):
                    cell.change, cell.previous = CHANGED, before
                if cell.change:
                    counts[cell.change] += 1
            row.cells.append(cell)
        changes.append(counts)
        previous_places = places
    return Comparison(rows, changes)
