"""The pure component-tree calculations: units, slots, presence, trees and structure diffs."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from openservice.equipment.tree import (
    MAX_UNITS_PER_LINE,
    Node,
    StructureDiff,
    build_tree,
    flatten,
    is_present,
    slot_counts,
    slot_of,
    structure_diff,
    units,
)

D = date(2025, 3, 10)


def node(id, slot, parent_id=None, **fields) -> Node:
    return Node(
        id=id,
        item_id=fields.get("item_id", 1),
        serial=fields.get("serial", ""),
        position=fields.get("position", slot.rpartition("/")[2]),
        slot=slot,
        quantity=Decimal(1),
        installed_on=D,
        removed_on=None,
        parent_id=parent_id,
    )


def shape(roots: list[Node]) -> list:
    return [(n.id, shape(n.children)) for n in roots]


# units


def test_a_whole_quantity_gives_one_unit_of_one_per_piece():
    assert units(Decimal(2)) == [Decimal(1), Decimal(1)]
    assert units(Decimal("3.000")) == [Decimal(1)] * 3
    assert units(Decimal(1)) == [Decimal(1)]


def test_a_fractional_quantity_is_one_unit_of_that_quantity():
    assert units(Decimal("12.5")) == [Decimal("12.5")]
    assert units(Decimal("0.5")) == [Decimal("0.5")]


def test_a_bulk_material_is_one_unit_of_its_whole_amount():
    assert units(Decimal(2), countable=False) == [Decimal(2)]
    assert units(Decimal("12.5"), countable=False) == [Decimal("12.5")]


def test_a_count_above_the_limit_is_one_bulk_unit():
    assert units(Decimal(MAX_UNITS_PER_LINE)) == [Decimal(1)] * 500
    assert units(Decimal(501)) == [Decimal(501)]


# slots


def test_slot_of_a_root_line_is_its_position():
    assert slot_of("", "DRV", "MOTOR-1") == "DRV"


def test_slot_of_a_line_without_position_falls_back_to_the_sku():
    assert slot_of("", "", "MOTOR-1") == "MOTOR-1"
    assert slot_of("DRV", "", "CTRL-9") == "DRV/CTRL-9"


def test_slot_of_a_nested_line_joins_the_positions_from_the_root():
    assert slot_of("DRV", "CTRL", "CTRL-9") == "DRV/CTRL"
    assert slot_of("DRV/CTRL", "FUSE", "F-1") == "DRV/CTRL/FUSE"


# presence


def test_a_unit_is_present_from_its_installation_day():
    assert not is_present(D, None, D - timedelta(days=1))
    assert is_present(D, None, D)
    assert is_present(D, None, D + timedelta(days=3650))


def test_a_unit_removed_on_a_day_is_absent_on_that_day():
    removed = D + timedelta(days=5)
    assert is_present(D, removed, removed - timedelta(days=1))
    assert not is_present(D, removed, removed)
    assert not is_present(D, removed, removed + timedelta(days=1))


def test_a_unit_installed_and_removed_on_one_day_is_never_present():
    assert not is_present(D, D, D - timedelta(days=1))
    assert not is_present(D, D, D)
    assert not is_present(D, D, D + timedelta(days=1))


# trees


def test_build_tree_orders_each_level_by_slot_then_id():
    nodes = [
        node(5, "B"),
        node(2, "A/Y", parent_id=3),
        node(3, "A"),
        node(4, "A/X", parent_id=3),
        node(1, "B"),
        node(6, "A/X", parent_id=3),
    ]
    assert shape(build_tree(nodes)) == [(3, [(4, []), (6, []), (2, [])]), (1, []), (5, [])]


def test_build_tree_makes_a_node_with_an_absent_parent_a_root():
    nodes = [node(1, "A"), node(2, "A/X", parent_id=1), node(3, "B/Y", parent_id=99)]
    assert shape(build_tree(nodes)) == [(1, [(2, [])]), (3, [])]


def test_build_tree_of_nothing_is_empty():
    assert build_tree([]) == []
    assert flatten([]) == []


def test_flatten_lists_parents_before_their_children_in_tree_order():
    nodes = [
        node(1, "A"),
        node(2, "A/X", parent_id=1),
        node(3, "A/X/Q", parent_id=2),
        node(4, "A/Y", parent_id=1),
        node(5, "B"),
    ]
    assert [n.id for n in flatten(build_tree(list(reversed(nodes))))] == [1, 2, 3, 4, 5]


@given(
    parents=st.lists(st.integers(min_value=-2, max_value=40), max_size=40),
    slots=st.lists(st.sampled_from(["A", "B", "C"]), min_size=40, max_size=40),
)
def test_build_tree_shows_every_node_exactly_once(parents, slots):
    # Node i's parent is an earlier node, none (-1), or an id that is not there (-2).
    nodes = []
    for index, pick in enumerate(parents, start=1):
        if pick == -1:
            parent_id = None
        elif pick == -2:
            parent_id = 1000 + index
        else:
            parent_id = pick % index or None
        nodes.append(node(index, slots[index - 1], parent_id=parent_id))
    flat = flatten(build_tree(nodes))
    assert sorted(n.id for n in flat) == [n.id for n in nodes]
    for tree_node in flat:
        for child in tree_node.children:
            assert child.parent_id == tree_node.id


# structure differences


def test_equal_structures_have_no_difference():
    counts = {"A": (1, 2), "A/X": (3, 1)}
    diff = structure_diff(counts, dict(counts))
    assert diff == StructureDiff(replaced={}, added={}, removed={})
    assert diff.is_empty


def test_another_item_in_a_slot_is_a_replacement():
    diff = structure_diff({"A": (1, 2)}, {"A": (7, 2)})
    assert diff == StructureDiff(replaced={"A": (1, 7)}, added={}, removed={})
    assert not diff.is_empty


def test_a_slot_only_in_the_new_structure_is_an_addition():
    diff = structure_diff({"A": (1, 1)}, {"A": (1, 1), "B": (2, 3)})
    assert diff == StructureDiff(replaced={}, added={"B": (2, 3)}, removed={})


def test_a_slot_only_in_the_old_structure_is_a_removal():
    diff = structure_diff({"A": (1, 1), "B": (2, 3)}, {"A": (1, 1)})
    assert diff == StructureDiff(replaced={}, added={}, removed={"B": 3})


def test_a_raised_count_adds_the_missing_units():
    assert structure_diff({"A": (1, 2)}, {"A": (1, 5)}) == StructureDiff(
        replaced={}, added={"A": (1, 3)}, removed={}
    )


def test_a_lowered_count_removes_the_extra_units():
    assert structure_diff({"A": (1, 5)}, {"A": (1, 2)}) == StructureDiff(
        replaced={}, added={}, removed={"A": 3}
    )


def test_a_replacement_with_another_count_also_adds_or_removes():
    assert structure_diff({"A": (1, 2)}, {"A": (4, 3)}) == StructureDiff(
        replaced={"A": (1, 4)}, added={"A": (4, 1)}, removed={}
    )
    assert structure_diff({"A": (1, 3)}, {"A": (4, 1)}) == StructureDiff(
        replaced={"A": (1, 4)}, added={}, removed={"A": 2}
    )


def test_diff_from_or_to_nothing():
    counts = {"A": (1, 1), "A/X": (2, 2)}
    assert structure_diff({}, counts) == StructureDiff(
        replaced={}, added={"A": (1, 1), "A/X": (2, 2)}, removed={}
    )
    assert structure_diff(counts, {}) == StructureDiff(
        replaced={}, added={}, removed={"A": 1, "A/X": 2}
    )


def test_diff_lists_slots_in_sorted_order():
    diff = structure_diff({"C": (1, 1), "A": (1, 1)}, {"B": (1, 1), "D": (1, 1)})
    assert list(diff.added) == ["B", "D"]
    assert list(diff.removed) == ["A", "C"]


def test_slot_counts_counts_units_per_slot_and_the_last_item_wins():
    assert slot_counts([("A", 1), ("B", 2), ("A", 1), ("A/X", 3)]) == {
        "A": (1, 2),
        "B": (2, 1),
        "A/X": (3, 1),
    }
    assert slot_counts([("A", 1), ("A", 5)]) == {"A": (5, 2)}
    assert slot_counts([]) == {}


structures = st.dictionaries(
    keys=st.sampled_from(["A", "B", "C", "A/X", "A/Y", "B/X", "C/Z/Q"]),
    values=st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=6)),
)


def apply_diff(old: dict, diff: StructureDiff) -> dict:
    result = dict(old)
    for slot, (_old_item, new_item) in diff.replaced.items():
        result[slot] = (new_item, result[slot][1])
    for slot, (item, count) in diff.added.items():
        result[slot] = (item, result.get(slot, (item, 0))[1] + count)
    for slot, count in diff.removed.items():
        item, before = result[slot]
        if before == count:
            del result[slot]
        else:
            result[slot] = (item, before - count)
    return result


@given(old=structures, new=structures)
def test_applying_the_diff_to_the_old_counts_gives_the_new_counts(old, new):
    assert apply_diff(old, structure_diff(old, new)) == new


@given(old=structures, new=structures)
def test_diff_parts_are_consistent(old, new):
    diff = structure_diff(old, new)
    assert not diff.added.keys() & diff.removed.keys()
    assert diff.replaced.keys() <= old.keys() & new.keys()
    for slot, (old_item, new_item) in diff.replaced.items():
        assert (old_item, new_item) == (old[slot][0], new[slot][0]) and old_item != new_item
    assert all(count > 0 for _item, count in diff.added.values())
    assert all(count > 0 for count in diff.removed.values())
    assert diff.is_empty == (old == new)


@given(counts=structures)
def test_slot_counts_round_trips_one_entry_per_unit(counts):
    entries = [(slot, item) for slot, (item, n) in counts.items() for _ in range(n)]
    assert slot_counts(entries) == counts
