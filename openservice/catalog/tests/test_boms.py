"""Versioned BOMs: numbering, draft-only edits, the cycle check, approval rules, retire, copy."""

import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from openservice.catalog.bom_services import (
    bom_approve,
    bom_copy,
    bom_create,
    bom_line_add,
    bom_line_remove,
    bom_line_update,
    bom_retire,
    bom_update,
    item_contains,
)
from openservice.catalog.errors import (
    BomCycle,
    BomEmpty,
    BomNotApproved,
    BomNotEditable,
    BomValidityOverlap,
)
from openservice.catalog.models import Bom, BomLine, Item
from openservice.catalog.tests.factories import BomFactory, BomLineFactory, ItemFactory
from openservice.core.errors import InvalidInput
from openservice.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def product(**fields) -> Item:
    return ItemFactory(kind=Item.Kind.PRODUCT, **fields)


def approved_bom(item, *lines, valid_from=None, valid_to=None) -> Bom:
    """An approved version of the item's BOM with one line per component item."""
    bom = BomFactory(item=item, valid_from=valid_from, valid_to=valid_to)
    for component in lines:
        BomLineFactory(bom=bom, component_item=component)
    bom.status = Bom.Status.APPROVED
    bom.save()
    return bom


def lines_of(bom) -> list[tuple]:
    return list(
        BomLine.objects.filter(bom=bom)
        .order_by("pk")
        .values_list("component_item_id", "quantity", "position", "parent_id")
    )


def bom_row(bom) -> tuple:
    return Bom.objects.filter(pk=bom.pk).values_list("status", "valid_from", "valid_to", "note")[0]


def events() -> list[tuple]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", "object_id", "data"))


# Version numbering


def test_versions_of_an_item_are_numbered_one_two_three(manager):
    item = product()
    boms = [bom_create(by=manager, item=item) for _ in range(3)]
    assert [bom.version for bom in boms] == [1, 2, 3]
    assert {bom.status for bom in boms} == {Bom.Status.DRAFT}
    assert events() == [
        ("bom.created", str(bom.pk), {"item": item.pk, "version": bom.version}) for bom in boms
    ]
    assert AuditEvent.objects.filter(actor=manager).count() == 3


def test_each_item_numbers_its_own_versions(manager):
    first, second = product(), product()
    assert bom_create(by=manager, item=first).version == 1
    assert bom_create(by=manager, item=second).version == 1
    assert bom_create(by=manager, item=first).version == 2


def test_a_new_version_follows_the_highest_existing_one(manager):
    item = product()
    BomFactory(item=item, version=7)
    assert bom_create(by=manager, item=item).version == 8


def test_create_keeps_validity_and_note(manager):
    bom = bom_create(
        by=manager,
        item=product(),
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        note="Spring model",
    )
    assert bom_row(bom) == ("draft", date(2025, 1, 1), date(2025, 12, 31), "Spring model")


def test_create_refuses_validity_ending_before_it_starts(manager):
    item = product()
    with pytest.raises(InvalidInput) as refused:
        bom_create(by=manager, item=item, valid_from=date(2025, 2, 1), valid_to=date(2025, 1, 31))
    assert refused.value.field_errors == {"__all__": ["Valid to must not be before valid from."]}
    assert not Bom.objects.exists()
    assert events() == []


# Draft edits


def test_a_draft_can_be_changed(manager):
    bom = bom_create(by=manager, item=product())
    updated = bom_update(bom=bom, by=manager, valid_from=date(2025, 1, 1), note="Revised")
    assert bom_row(updated) == ("draft", date(2025, 1, 1), None, "Revised")
    assert events()[-1] == (
        "bom.updated",
        str(bom.pk),
        {"changes": {"valid_from": [None, "2025-01-01"], "note": ["", "Revised"]}},
    )


def test_draft_lines_can_be_added_changed_and_removed(manager):
    bom = bom_create(by=manager, item=product())
    motor, drive, belt = ItemFactory(), ItemFactory(), ItemFactory()
    assembly = bom_line_add(bom=bom, by=manager, component_item=drive, position="DRV")
    nested = bom_line_add(
        bom=bom,
        by=manager,
        component_item=motor,
        quantity=Decimal(2),
        position="MOT",
        parent=assembly,
    )
    assert lines_of(bom) == [
        (drive.pk, Decimal("1.000"), "DRV", None),
        (motor.pk, Decimal("2.000"), "MOT", assembly.pk),
    ]
    bom_line_update(line=nested, by=manager, component_item=belt, quantity=Decimal("12.5"))
    assert lines_of(bom)[1] == (belt.pk, Decimal("12.500"), "MOT", assembly.pk)
    bom_line_update(line=nested, by=manager, parent=None, position="BLT")
    assert lines_of(bom)[1] == (belt.pk, Decimal("12.500"), "BLT", None)
    bom_line_remove(line=assembly, by=manager)
    assert lines_of(bom) == [(belt.pk, Decimal("12.500"), "BLT", None)]
    assert [verb for verb, _id, _data in events()] == [
        "bom.created",
        "bom.line_added",
        "bom.line_added",
        "bom.line_updated",
        "bom.line_updated",
        "bom.line_removed",
    ]


def test_removing_a_line_removes_the_lines_under_it(manager):
    bom = bom_create(by=manager, item=product())
    top = bom_line_add(bom=bom, by=manager, component_item=ItemFactory())
    middle = bom_line_add(bom=bom, by=manager, component_item=ItemFactory(), parent=top)
    bom_line_add(bom=bom, by=manager, component_item=ItemFactory(), parent=middle)
    other = bom_line_add(bom=bom, by=manager, component_item=ItemFactory())
    bom_line_remove(line=top, by=manager)
    assert list(bom.lines.values_list("pk", flat=True)) == [other.pk]


def test_a_line_quantity_must_be_positive(manager):
    bom = bom_create(by=manager, item=product())
    with pytest.raises(InvalidInput) as refused:
        bom_line_add(bom=bom, by=manager, component_item=ItemFactory(), quantity=Decimal(0))
    assert list(refused.value.field_errors) == ["quantity"]
    assert lines_of(bom) == []


@pytest.mark.parametrize("status", [Bom.Status.APPROVED, Bom.Status.RETIRED])
@pytest.mark.parametrize("change", ["update", "line_add", "line_update", "line_remove"])
def test_approved_and_retired_versions_refuse_every_change(manager, status, change):
    bom = BomFactory(note="Frozen")
    line = BomLineFactory(bom=bom, position="A")
    Bom.objects.filter(pk=bom.pk).update(status=status)
    bom.refresh_from_db()
    before = (bom_row(bom), lines_of(bom))
    actions = {
        "update": lambda: bom_update(bom=bom, by=manager, note="Changed"),
        "line_add": lambda: bom_line_add(bom=bom, by=manager, component_item=ItemFactory()),
        "line_update": lambda: bom_line_update(line=line, by=manager, quantity=Decimal(3)),
        "line_remove": lambda: bom_line_remove(line=line, by=manager),
    }
    with pytest.raises(BomNotEditable) as refused:
        actions[change]()
    assert refused.value.code == "catalog.bom_not_editable"
    assert refused.value.details == {"bom_id": bom.pk, "status": status}
    assert (bom_row(bom), lines_of(bom)) == before
    assert events() == []


def test_a_stale_draft_instance_cannot_change_an_approved_version(manager):
    bom = BomFactory()
    BomLineFactory(bom=bom)
    stale = Bom.objects.get(pk=bom.pk)
    bom_approve(bom=bom, by=manager)
    with pytest.raises(BomNotEditable):
        bom_update(bom=stale, by=manager, note="Sneaky")
    assert bom_row(bom)[3] == ""


# The cycle check


def test_an_item_cannot_be_a_component_of_its_own_bom(manager):
    item = product()
    bom = bom_create(by=manager, item=item)
    with pytest.raises(BomCycle) as refused:
        bom_line_add(bom=bom, by=manager, component_item=item)
    assert refused.value.code == "catalog.bom_cycle"
    assert refused.value.details == {"bom_id": bom.pk, "component_item_id": item.pk}
    assert lines_of(bom) == []
    assert [verb for verb, _id, _data in events()] == ["bom.created"]


def test_an_item_cannot_be_a_nested_component_of_its_own_bom(manager):
    item = product()
    bom = bom_create(by=manager, item=item)
    top = bom_line_add(bom=bom, by=manager, component_item=ItemFactory())
    with pytest.raises(BomCycle):
        bom_line_add(bom=bom, by=manager, component_item=item, parent=top)
    assert len(lines_of(bom)) == 1


@pytest.mark.parametrize("status", [Bom.Status.DRAFT, Bom.Status.APPROVED])
def test_a_cycle_through_a_sub_assembly_is_refused(manager, status):
    lift, drive = product(sku="LIFT"), product(sku="DRIVE")
    lift_bom = BomFactory(item=lift, status=status)
    BomLineFactory(bom=lift_bom, component_item=drive)
    drive_bom = bom_create(by=manager, item=drive)
    with pytest.raises(BomCycle):
        bom_line_add(bom=drive_bom, by=manager, component_item=lift)
    assert lines_of(drive_bom) == []


def test_a_cycle_three_levels_deep_is_refused(manager):
    a, b, c = product(), product(), product()
    approved_bom(a, b)
    approved_bom(b, ItemFactory(), c)
    c_bom = bom_create(by=manager, item=c)
    with pytest.raises(BomCycle):
        bom_line_add(bom=c_bom, by=manager, component_item=a)
    assert item_contains(a.pk, c.pk)
    assert not item_contains(c.pk, a.pk)


def test_a_line_update_that_would_make_a_cycle_is_refused(manager):
    lift, drive, motor = product(), product(), ItemFactory()
    approved_bom(lift, drive)
    drive_bom = bom_create(by=manager, item=drive)
    line = bom_line_add(bom=drive_bom, by=manager, component_item=motor, position="M")
    before = lines_of(drive_bom)
    with pytest.raises(BomCycle):
        bom_line_update(line=line, by=manager, component_item=lift)
    with pytest.raises(BomCycle):
        bom_line_update(line=line, by=manager, component_item=drive)
    assert lines_of(drive_bom) == before
    assert [verb for verb, _id, _data in events()][-1] == "bom.line_added"


def test_a_retired_version_does_not_count_for_the_cycle_check(manager):
    lift, drive = product(), product()
    retired = approved_bom(lift, drive)
    Bom.objects.filter(pk=retired.pk).update(status=Bom.Status.RETIRED)
    drive_bom = bom_create(by=manager, item=drive)
    line = bom_line_add(bom=drive_bom, by=manager, component_item=lift)
    assert line.component_item_id == lift.pk


def test_a_shared_component_is_not_a_cycle(manager):
    lift, door, drive, bolt = product(), product(), product(), ItemFactory()
    approved_bom(door, bolt)
    approved_bom(drive, bolt)
    lift_bom = bom_create(by=manager, item=lift)
    bom_line_add(bom=lift_bom, by=manager, component_item=door)
    bom_line_add(bom=lift_bom, by=manager, component_item=drive)
    bom_line_add(bom=lift_bom, by=manager, component_item=bolt)
    assert len(lines_of(lift_bom)) == 3


def test_item_contains_follows_live_boms_at_any_depth():
    a, b, c, d = product(), product(), product(), product()
    approved_bom(a, b)
    draft = BomFactory(item=b)
    BomLineFactory(bom=draft, component_item=c)
    assert item_contains(a.pk, a.pk)
    assert item_contains(a.pk, b.pk)
    assert item_contains(a.pk, c.pk)
    assert not item_contains(a.pk, d.pk)
    assert not item_contains(c.pk, a.pk)


# Parent lines


def test_a_parent_line_of_another_bom_is_refused(manager):
    bom = bom_create(by=manager, item=product())
    foreign = BomLineFactory()
    with pytest.raises(InvalidInput) as refused:
        bom_line_add(bom=bom, by=manager, component_item=ItemFactory(), parent=foreign)
    assert refused.value.field_errors == {
        "parent_line_id": ["The parent line belongs to another BOM."]
    }
    assert lines_of(bom) == []


def test_a_line_update_to_a_parent_of_another_bom_is_refused(manager):
    bom = bom_create(by=manager, item=product())
    line = bom_line_add(bom=bom, by=manager, component_item=ItemFactory())
    with pytest.raises(InvalidInput) as refused:
        bom_line_update(line=line, by=manager, parent=BomLineFactory())
    assert list(refused.value.field_errors) == ["parent_line_id"]
    assert lines_of(bom)[0][3] is None


def test_a_line_cannot_be_placed_under_itself_or_its_descendants(manager):
    bom = bom_create(by=manager, item=product())
    top = bom_line_add(bom=bom, by=manager, component_item=ItemFactory())
    child = bom_line_add(bom=bom, by=manager, component_item=ItemFactory(), parent=top)
    before = lines_of(bom)
    for parent in (top, child):
        with pytest.raises(InvalidInput) as refused:
            bom_line_update(line=top, by=manager, parent=parent)
        assert refused.value.field_errors == {
            "parent_line_id": ["A line cannot be placed under itself."]
        }
    assert lines_of(bom) == before


# Approval


def test_approving_freezes_a_draft(manager):
    bom = BomFactory()
    BomLineFactory(bom=bom)
    moment = timezone.make_aware(datetime(2025, 1, 2, 9, 30))
    approved = bom_approve(bom=bom, by=manager, now=moment)
    bom.refresh_from_db()
    assert (bom.status, bom.approved_at) == (Bom.Status.APPROVED, moment)
    assert approved.status == Bom.Status.APPROVED
    assert events() == [("bom.approved", str(bom.pk), {"version": bom.version})]


def test_approving_an_empty_bom_is_refused(manager):
    bom = BomFactory()
    with pytest.raises(BomEmpty) as refused:
        bom_approve(bom=bom, by=manager)
    assert refused.value.code == "catalog.bom_empty"
    assert refused.value.details == {"bom_id": bom.pk}
    bom.refresh_from_db()
    assert (bom.status, bom.approved_at) == (Bom.Status.DRAFT, None)
    assert events() == []


@pytest.mark.parametrize("status", [Bom.Status.APPROVED, Bom.Status.RETIRED])
def test_only_a_draft_can_be_approved(manager, status):
    bom = BomFactory(status=status)
    BomLineFactory(bom=bom)
    with pytest.raises(BomNotEditable):
        bom_approve(bom=bom, by=manager)
    assert bom_row(bom)[0] == status


JAN_1 = date(2025, 1, 1)
DEC_31 = date(2024, 12, 31)


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((None, DEC_31), (JAN_1, None)),
        ((JAN_1, None), (None, DEC_31)),
        ((date(2024, 1, 1), DEC_31), (JAN_1, date(2025, 12, 31))),
        ((date(2024, 1, 1), date(2024, 1, 1)), (date(2024, 1, 2), date(2024, 1, 2))),
    ],
    ids=["open-start-then-open-end", "open-end-then-open-start", "closed-years", "single-days"],
)
def test_approved_versions_may_touch_without_overlapping(manager, existing, new):
    item = product()
    approved_bom(item, ItemFactory(), valid_from=existing[0], valid_to=existing[1])
    draft = BomFactory(item=item, valid_from=new[0], valid_to=new[1])
    BomLineFactory(bom=draft)
    assert bom_approve(bom=draft, by=manager).status == Bom.Status.APPROVED


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ((None, None), (None, None)),
        ((None, DEC_31), (DEC_31, None)),
        ((JAN_1, None), (None, JAN_1)),
        ((None, None), (date(2030, 1, 1), date(2030, 12, 31))),
        ((date(2030, 1, 1), date(2030, 12, 31)), (None, None)),
        ((date(2024, 1, 1), date(2024, 6, 30)), (date(2024, 3, 1), date(2024, 3, 31))),
        ((date(2024, 3, 1), date(2024, 3, 31)), (date(2024, 1, 1), date(2024, 6, 30))),
        ((date(2024, 1, 1), date(2024, 6, 30)), (date(2024, 6, 30), None)),
    ],
    ids=[
        "equal-open-ranges",
        "sharing-the-last-day",
        "sharing-the-first-day",
        "open-range-covers-year",
        "year-inside-open-range",
        "contained",
        "containing",
        "open-end-from-last-day",
    ],
)
def test_overlapping_approved_versions_are_refused(manager, existing, new):
    item = product()
    first = approved_bom(item, ItemFactory(), valid_from=existing[0], valid_to=existing[1])
    draft = BomFactory(item=item, valid_from=new[0], valid_to=new[1])
    BomLineFactory(bom=draft)
    with pytest.raises(BomValidityOverlap) as refused:
        bom_approve(bom=draft, by=manager)
    assert refused.value.code == "catalog.bom_validity_overlap"
    assert refused.value.details == {
        "bom_id": draft.pk,
        "overlapping_bom_id": first.pk,
        "version": first.version,
    }
    draft.refresh_from_db()
    assert (draft.status, draft.approved_at) == (Bom.Status.DRAFT, None)
    assert events() == []


def test_overlap_ignores_drafts_retired_versions_and_other_items(manager):
    item = product()
    BomLineFactory(bom=BomFactory(item=item))  # another draft
    retired = approved_bom(item, ItemFactory())
    Bom.objects.filter(pk=retired.pk).update(status=Bom.Status.RETIRED)
    approved_bom(product(), ItemFactory())  # another item's open-ended version
    draft = BomFactory(item=item)
    BomLineFactory(bom=draft)
    assert bom_approve(bom=draft, by=manager).status == Bom.Status.APPROVED


# Retiring


def test_retiring_an_approved_version(manager):
    bom = approved_bom(product(), ItemFactory())
    retired = bom_retire(bom=bom, by=manager)
    assert retired.status == bom_row(bom)[0] == Bom.Status.RETIRED
    assert events() == [("bom.retired", str(bom.pk), {"version": bom.version})]


@pytest.mark.parametrize("status", [Bom.Status.DRAFT, Bom.Status.RETIRED])
def test_only_an_approved_version_can_be_retired(manager, status):
    bom = BomFactory(status=status)
    with pytest.raises(BomNotApproved) as refused:
        bom_retire(bom=bom, by=manager)
    assert refused.value.code == "catalog.bom_not_approved"
    assert refused.value.details == {"bom_id": bom.pk, "status": status}
    assert bom_row(bom)[0] == status
    assert events() == []


def test_a_retired_version_frees_its_validity_for_a_new_approval(manager):
    item = product()
    old = approved_bom(item, ItemFactory())
    bom_retire(bom=old, by=manager)
    new = bom_copy(bom=old, by=manager)
    assert bom_approve(bom=new, by=manager).status == Bom.Status.APPROVED


# Copying


def test_copy_creates_the_next_draft_with_the_same_nested_lines(manager):
    item = product()
    drive, motor, fuse, door = ItemFactory(), ItemFactory(), ItemFactory(), ItemFactory()
    source = BomFactory(item=item, valid_from=JAN_1, valid_to=date(2025, 6, 30), note="Base")
    top = BomLineFactory(bom=source, component_item=drive, position="DRV")
    middle = BomLineFactory(
        bom=source, component_item=motor, position="MOT", quantity=Decimal(2), parent=top
    )
    BomLineFactory(bom=source, component_item=fuse, position="F", parent=middle)
    BomLineFactory(bom=source, component_item=door, position="", quantity=Decimal("12.5"))
    bom_approve(bom=source, by=manager)
    BomFactory(item=item)  # version 2, so the copy is version 3

    copy = bom_copy(bom=source, by=manager)

    assert (copy.version, copy.status, copy.copied_from_id) == (3, Bom.Status.DRAFT, source.pk)
    assert bom_row(copy) == ("draft", JAN_1, date(2025, 6, 30), "Base")

    def nested(bom):
        lines = list(bom.lines.order_by("pk"))
        by_id = {line.pk: line for line in lines}

        def path(line):
            return (*(path(by_id[line.parent_id]) if line.parent_id else ()), line.position)

        return sorted(
            (path(line), line.component_item_id, line.quantity, line.position) for line in lines
        )

    assert nested(copy) == nested(source)
    assert not set(copy.lines.values_list("pk", flat=True)) & set(
        source.lines.values_list("pk", flat=True)
    )
    assert bom_row(source)[0] == Bom.Status.APPROVED
    assert events()[-1] == ("bom.copied", str(copy.pk), {"from": source.pk, "version": 3})


def test_a_copy_can_be_edited_and_approved_after_limiting_the_original(manager):
    item = product()
    original = approved_bom(item, ItemFactory(), valid_to=DEC_31)
    copy = bom_copy(bom=original, by=manager)
    bom_update(bom=copy, by=manager, valid_from=JAN_1, valid_to=None)
    bom_line_add(bom=copy, by=manager, component_item=ItemFactory())
    assert bom_approve(bom=copy, by=manager).status == Bom.Status.APPROVED
    assert len(lines_of(copy)) == 2
    assert len(lines_of(original)) == 1


# Concurrency


def approve_at_once(bom_ids: list[int], by) -> list[str]:
    """Approve the BOMs from one thread each, released together; the outcome of each."""
    start = threading.Barrier(len(bom_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(bom_id):
        try:
            start.wait(timeout=10)
            bom_approve(bom=Bom.objects.get(pk=bom_id), by=by)
            outcome = "approved"
        except BomValidityOverlap as exc:
            outcome = exc.code
        except BaseException as exc:  # reported by the caller's assertion
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=approve, args=(bom_id,)) for bom_id in bom_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the item lock (select_for_update) only matters on PostgreSQL; "
    "SQLite serialises writers on the whole database",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_of_overlapping_drafts_approve_exactly_one(manager):
    for _round in range(5):
        item = product()
        drafts = [BomFactory(item=item), BomFactory(item=item, valid_from=JAN_1)]
        for draft in drafts:
            BomLineFactory(bom=draft)

        outcomes = approve_at_once([bom.pk for bom in drafts], manager)

        assert outcomes == ["approved", "catalog.bom_validity_overlap"]
        statuses = sorted(Bom.objects.filter(item=item).values_list("status", flat=True))
        assert statuses == [Bom.Status.APPROVED, Bom.Status.DRAFT]
