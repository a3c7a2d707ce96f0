"""Service objects: building the tree from BOMs, replacements, history, upgrades, save as BOM."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from openservice.catalog.errors import BomCycle
from openservice.catalog.models import Bom, Item
from openservice.catalog.tests.factories import BomFactory, BomLineFactory, ItemFactory
from openservice.core.errors import InvalidInput
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.core.tests.factories import UserFactory
from openservice.customers.errors import CustomerInactive
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
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
from openservice.equipment.models import Component, ServiceObject
from openservice.equipment.selectors import component_history, component_tree
from openservice.equipment.services import (
    bom_slots,
    component_replace,
    object_create,
    object_save_as_bom,
    object_set_status,
    object_update,
    object_upgrade_bom,
)
from openservice.equipment.tests.factories import ObjectGroupFactory
from openservice.equipment.tree import flatten

INSTALLED = date(2024, 6, 1)
TODAY = date(2025, 6, 1)


def product(sku, **fields) -> Item:
    return ItemFactory(sku=sku, kind=Item.Kind.PRODUCT, **fields)


def make_bom(item, lines, *, status=Bom.Status.APPROVED, valid_from=None, valid_to=None) -> Bom:
    """A BOM version from (position, component, quantity[, nested lines]) tuples."""
    bom = BomFactory(item=item, status=status, valid_from=valid_from, valid_to=valid_to)

    def add(rows, parent=None):
        for position, component, quantity, *nested in rows:
            line = BomLineFactory(
                bom=bom,
                component_item=component,
                quantity=Decimal(quantity),
                position=position,
                parent=parent,
            )
            add(nested[0] if nested else [], line)

    add(lines)
    return bom


def shape(roots) -> list:
    """The tree without ids and dates: (slot, item, quantity, children) per node."""
    return [(n.slot, n.item_id, n.quantity, shape(n.children)) for n in roots]


def rows(obj) -> list[tuple]:
    return list(
        Component.objects.filter(object=obj)
        .order_by("pk")
        .values_list(
            "pk", "parent_id", "item_id", "slot", "installed_on", "removed_on", "removal_reason"
        )
    )


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


@pytest.fixture
def customer():
    return CustomerFactory()


@pytest.fixture
def lift(db):
    """LIFT: DRV (DRIVE: CTRL (CTRL: FUSE) and FAN × 2) and DR (DOOR × 2)."""
    items = {sku: product(sku) for sku in ("LIFT", "DRIVE", "CTRL", "FUSE", "FAN", "DOOR")}
    make_bom(items["CTRL"], [("F", items["FUSE"], 1)])
    make_bom(items["DRIVE"], [("CTRL", items["CTRL"], 1), ("FAN", items["FAN"], 2)])
    make_bom(items["LIFT"], [("DRV", items["DRIVE"], 1), ("DR", items["DOOR"], 2)])
    return items


def lift_shape(items, drive="DRIVE") -> list:
    one = Decimal(1)
    return [
        ("DR", items["DOOR"].pk, one, []),
        ("DR", items["DOOR"].pk, one, []),
        (
            "DRV",
            items[drive].pk,
            one,
            [
                ("DRV/CTRL", items["CTRL"].pk, one, [("DRV/CTRL/F", items["FUSE"].pk, one, [])]),
                ("DRV/FAN", items["FAN"].pk, one, []),
                ("DRV/FAN", items["FAN"].pk, one, []),
            ],
        ),
    ]


def create(manager, customer, item, **fields) -> ServiceObject:
    return object_create(by=manager, customer=customer, item=item, installed_on=INSTALLED, **fields)


def unit(obj, slot, on=TODAY) -> Component:
    """The one unit present in a slot on a day."""
    (node,) = [n for n in flatten(component_tree(obj, on=on)) if n.slot == slot]
    return Component.objects.get(pk=node.id)


# Creating objects


def test_object_create_copies_the_approved_bom_into_the_tree(manager, customer, lift):
    site = SiteFactory(customer=customer)
    group = ObjectGroupFactory(code="LIFTS")
    obj = create(
        manager,
        customer,
        lift["LIFT"],
        site=site,
        serial_number="L-100",
        warranty_ends_on=date(2026, 5, 31),
        group=group,
        note="Main entrance",
    )
    obj.refresh_from_db()
    lift_bom = Bom.objects.get(item=lift["LIFT"])
    assert (obj.number, obj.status, obj.customer, obj.site, obj.item) == (
        "SO00001",
        ServiceObject.Status.ACTIVE,
        customer,
        site,
        lift["LIFT"],
    )
    assert (obj.serial_number, obj.installed_on, obj.warranty_ends_on, obj.group, obj.note) == (
        "L-100",
        INSTALLED,
        date(2026, 5, 31),
        group,
        "Main entrance",
    )
    assert obj.bom == lift_bom
    assert shape(component_tree(obj, on=INSTALLED)) == lift_shape(lift)
    assert component_tree(obj, on=INSTALLED - timedelta(days=1)) == []
    components = Component.objects.filter(object=obj)
    assert components.count() == 7
    assert set(components.values_list("installed_on", "removed_on", "serial")) == {
        (INSTALLED, None, "")
    }
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", "object_id", "data")) == [
        ("object.created", str(obj.pk), {"number": "SO00001"}),
        ("object.tree_built", str(obj.pk), {"bom": lift_bom.pk, "components": 7}),
    ]


def test_objects_are_numbered_in_sequence(manager, customer):
    item = product("PUMP")
    numbers = [create(manager, customer, item).number for _ in range(3)]
    assert numbers == ["SO00001", "SO00002", "SO00003"]


def test_object_create_picks_the_version_valid_on_the_installation_day(manager, customer):
    lift, old_motor, new_motor, door = (
        product("LIFT"),
        product("M1"),
        product("M2"),
        product("DOOR"),
    )
    v1 = make_bom(lift, [("MOT", old_motor, 1)], valid_to=date(2024, 12, 31))
    v2 = make_bom(lift, [("MOT", new_motor, 1), ("DR", door, 1)], valid_from=date(2025, 1, 1))
    make_bom(lift, [("X", door, 5)], status=Bom.Status.DRAFT)
    make_bom(lift, [("Y", door, 5)], status=Bom.Status.RETIRED)
    one = Decimal(1)

    before = object_create(
        by=manager, customer=customer, item=lift, installed_on=date(2024, 12, 31)
    )
    after = object_create(by=manager, customer=customer, item=lift, installed_on=date(2025, 1, 1))

    assert before.bom == v1
    assert shape(component_tree(before, on=TODAY)) == [("MOT", old_motor.pk, one, [])]
    assert after.bom == v2
    assert shape(component_tree(after, on=TODAY)) == [
        ("DR", door.pk, one, []),
        ("MOT", new_motor.pk, one, []),
    ]


def test_sub_assemblies_expand_only_through_boms_valid_on_the_installation_day(manager, customer):
    lift, drive, ctrl = product("LIFT"), product("DRIVE"), product("CTRL")
    make_bom(lift, [("DRV", drive, 1)])
    make_bom(drive, [("CTRL", ctrl, 1)], valid_from=date(2025, 1, 1))
    early = create(manager, customer, lift)
    late = object_create(by=manager, customer=customer, item=lift, installed_on=date(2025, 2, 1))
    one = Decimal(1)
    assert shape(component_tree(early, on=TODAY)) == [("DRV", drive.pk, one, [])]
    assert shape(component_tree(late, on=TODAY)) == [
        ("DRV", drive.pk, one, [("DRV/CTRL", ctrl.pk, one, [])])
    ]


def test_a_line_of_two_gives_two_units_and_a_fraction_gives_one(manager, customer):
    lift, door, rope = product("LIFT"), product("DOOR"), product("ROPE")
    make_bom(lift, [("DR", door, 2), ("", rope, "12.5")])
    obj = create(manager, customer, lift)
    one = Decimal(1)
    assert shape(component_tree(obj, on=INSTALLED)) == [
        ("DR", door.pk, one, []),
        ("DR", door.pk, one, []),
        ("ROPE", rope.pk, Decimal("12.5"), []),
    ]


def test_a_bulk_material_line_is_one_unit_and_a_serialized_item_is_counted(manager, customer):
    lift, oil, rope, cable = product("LIFT"), product("OIL"), product("ROPE"), product("CABLE")
    Item.objects.filter(pk=oil.pk).update(unit="l")
    Item.objects.filter(pk=rope.pk).update(unit="m")
    Item.objects.filter(pk=cable.pk).update(unit="m", is_serialized=True)
    make_bom(lift, [("OIL", oil, 4), ("ROPE", rope, 30), ("CBL", cable, 2)])
    obj = create(manager, customer, lift)
    one = Decimal(1)
    assert shape(component_tree(obj, on=INSTALLED)) == [
        ("CBL", cable.pk, one, []),
        ("CBL", cable.pk, one, []),
        ("OIL", oil.pk, Decimal(4), []),
        ("ROPE", rope.pk, Decimal(30), []),
    ]


def test_explicit_nested_lines_win_over_the_components_own_bom(manager, customer):
    lift, drive, ctrl, belt = product("LIFT"), product("DRIVE"), product("CTRL"), product("BELT")
    make_bom(drive, [("CTRL", ctrl, 1)])
    make_bom(lift, [("DRV", drive, 1, [("B", belt, 2)])])
    obj = create(manager, customer, lift)
    one = Decimal(1)
    assert shape(component_tree(obj, on=INSTALLED)) == [
        ("DRV", drive.pk, one, [("DRV/B", belt.pk, one, []), ("DRV/B", belt.pk, one, [])])
    ]


def test_nested_units_hang_under_each_unit_of_their_parent_line(manager, customer):
    lift, door, hinge = product("LIFT"), product("DOOR"), product("HINGE")
    make_bom(lift, [("DR", door, 2, [("H", hinge, 2)])])
    obj = create(manager, customer, lift)
    roots = component_tree(obj, on=INSTALLED)
    assert [len(root.children) for root in roots] == [2, 2]
    assert Component.objects.filter(object=obj, item=hinge).count() == 4


def test_an_item_without_an_approved_bom_gives_an_empty_tree(manager, customer):
    pump = product("PUMP")
    make_bom(pump, [("IMP", product("IMPELLER"), 1)], status=Bom.Status.DRAFT)
    obj = create(manager, customer, pump)
    assert obj.bom is None
    assert component_tree(obj, on=TODAY) == []
    assert verbs() == ["object.created"]


def test_a_serial_is_unique_per_item(manager, customer):
    pump, fan = product("PUMP"), product("FAN")
    create(manager, customer, pump, serial_number="S-1")
    with pytest.raises(InvalidInput) as refused:
        create(manager, CustomerFactory(), pump, serial_number="S-1")
    assert refused.value.field_errors == {
        "__all__": ["Another object of this item has this serial number."]
    }
    assert ServiceObject.objects.count() == 1
    assert verbs() == ["object.created"]
    assert create(manager, customer, fan, serial_number="S-1").serial_number == "S-1"
    assert create(manager, customer, pump, serial_number="").serial_number == ""
    assert create(manager, customer, pump, serial_number="").number == "SO00004"


def test_a_site_of_another_customer_is_refused(manager, customer, lift):
    other_site = SiteFactory()
    with pytest.raises(CustomerMismatch) as refused:
        create(manager, customer, lift["LIFT"], site=other_site)
    assert refused.value.code == "equipment.site_of_another_customer"
    assert refused.value.details == {"site_id": other_site.pk, "customer_id": customer.pk}
    assert not ServiceObject.objects.exists()
    assert not Component.objects.exists()
    assert verbs() == []
    assert create(manager, customer, lift["LIFT"]).number == "SO00001"


def test_an_inactive_customer_gets_no_new_objects(manager, lift):
    inactive = CustomerFactory(is_active=False)
    with pytest.raises(CustomerInactive) as refused:
        create(manager, inactive, lift["LIFT"])
    assert refused.value.code == "customers.customer_inactive"
    assert not ServiceObject.objects.exists()
    assert not Component.objects.exists()
    assert verbs() == []


def test_a_warranty_cannot_end_before_installation(manager, customer, lift):
    with pytest.raises(InvalidInput) as refused:
        create(manager, customer, lift["LIFT"], warranty_ends_on=INSTALLED - timedelta(days=1))
    assert refused.value.field_errors == {
        "__all__": ["The warranty cannot end before installation."]
    }
    assert not ServiceObject.objects.exists()
    assert not Component.objects.exists()


# Updating objects


def test_object_update_changes_the_own_fields(manager, customer):
    obj = create(manager, customer, product("PUMP"), serial_number="A")
    site = SiteFactory(customer=customer)
    updated = object_update(
        obj=obj, by=manager, site=site, serial_number="B", warranty_ends_on=date(2027, 1, 1)
    )
    assert (updated.site, updated.serial_number, updated.warranty_ends_on) == (
        site,
        "B",
        date(2027, 1, 1),
    )
    assert AuditEvent.objects.order_by("pk").last().data == {
        "changes": {
            "site": [None, site.pk],
            "serial_number": ["A", "B"],
            "warranty_ends_on": [None, "2027-01-01"],
        }
    }


def test_object_update_refuses_a_site_of_another_customer(manager, customer):
    obj = create(manager, customer, product("PUMP"))
    with pytest.raises(CustomerMismatch):
        object_update(obj=obj, by=manager, site=SiteFactory())
    obj.refresh_from_db()
    assert obj.site is None
    assert verbs() == ["object.created"]


def test_moving_the_installation_date_moves_an_untouched_tree(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    object_update(obj=obj, by=manager, installed_on=date(2024, 5, 1))
    assert set(Component.objects.filter(object=obj).values_list("installed_on", flat=True)) == {
        date(2024, 5, 1)
    }
    assert shape(component_tree(obj, on=date(2024, 5, 1))) == lift_shape(lift)


def test_the_installation_date_is_fixed_once_the_tree_has_history(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    component_replace(
        obj=obj, component=unit(obj, "DRV/CTRL"), by=manager, item=lift["CTRL"], on=TODAY
    )
    before = rows(obj)
    with pytest.raises(ReplacementBeforeInstallation):
        object_update(obj=obj, by=manager, installed_on=date(2024, 5, 1))
    obj.refresh_from_db()
    assert obj.installed_on == INSTALLED
    assert rows(obj) == before


# Replacing components


def test_replacing_a_unit_closes_it_with_its_sub_units_and_opens_the_new_one(
    manager, customer, lift
):
    new_drive, new_ctrl = product("DRIVE2"), product("CTRL2")
    make_bom(new_drive, [("CTRL", new_ctrl, 1)])
    obj = create(manager, customer, lift["LIFT"])
    old = unit(obj, "DRV")
    below = [n.id for n in flatten(component_tree(obj, on=INSTALLED)) if n.slot.startswith("DRV/")]
    day = date(2025, 3, 1)

    new = component_replace(
        obj=obj,
        component=old,
        by=manager,
        item=new_drive,
        serial="D2-9",
        reason="Bearing failure",
        on=day,
        today=TODAY,
    )

    old.refresh_from_db()
    assert (old.removed_on, old.removal_reason) == (day, "Bearing failure")
    assert set(
        Component.objects.filter(pk__in=below).values_list("removed_on", "removal_reason")
    ) == {(day, "Removed with DRV")}
    assert (new.parent_id, new.item, new.serial, new.position, new.slot) == (
        None,
        new_drive,
        "D2-9",
        "DRV",
        "DRV",
    )
    assert (new.installed_on, new.removed_on, new.replaces) == (day, None, old)
    one = Decimal(1)
    assert shape(component_tree(obj, on=day)) == [
        *lift_shape(lift)[:2],
        ("DRV", new_drive.pk, one, [("DRV/CTRL", new_ctrl.pk, one, [])]),
    ]
    assert shape(component_tree(obj, on=day - timedelta(days=1))) == lift_shape(lift)
    event = AuditEvent.objects.order_by("pk").last()
    assert (event.verb, event.actor, event.data) == (
        "object.component_replaced",
        manager,
        {
            "old": old.pk,
            "new": new.pk,
            "item": new_drive.pk,
            "on": "2025-03-01",
            "reason": "Bearing failure",
        },
    )


def test_a_replaced_nested_unit_keeps_its_parent_and_slot(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    old = unit(obj, "DRV/CTRL")
    new = component_replace(
        obj=obj, component=old, by=manager, item=lift["CTRL"], on=TODAY, today=TODAY
    )
    assert (new.parent_id, new.slot, new.position) == (old.parent_id, "DRV/CTRL", "CTRL")
    assert Component.objects.get(pk=old.pk).removal_reason == "Replaced"
    # The new controller gets its own BOM's fuse; the old fuse went with the old controller.
    assert shape(component_tree(obj, on=TODAY)) == lift_shape(lift)
    assert unit(obj, "DRV/CTRL/F").parent_id == new.pk


def test_a_replacement_may_be_dated_on_the_installation_day(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    door = next(n for n in component_tree(obj, on=INSTALLED) if n.slot == "DR")
    new = component_replace(
        obj=obj,
        component=Component.objects.get(pk=door.id),
        by=manager,
        item=lift["DOOR"],
        on=INSTALLED,
        today=TODAY,
    )
    ids = [n.id for n in component_tree(obj, on=INSTALLED) if n.slot == "DR"]
    assert door.id not in ids and new.pk in ids


def test_a_replacement_before_installation_is_refused(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    before, events = rows(obj), verbs()
    with pytest.raises(ReplacementBeforeInstallation) as refused:
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["DRIVE"],
            on=INSTALLED - timedelta(days=1),
            today=TODAY,
        )
    assert refused.value.code == "equipment.replacement_before_installation"
    assert rows(obj) == before
    assert verbs() == events


def test_a_replacement_before_a_sub_unit_was_installed_is_refused(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    component_replace(
        obj=obj,
        component=unit(obj, "DRV/CTRL"),
        by=manager,
        item=lift["CTRL"],
        on=date(2025, 3, 1),
        today=TODAY,
    )
    before = rows(obj)
    with pytest.raises(ReplacementBeforeInstallation) as refused:
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["DRIVE"],
            on=date(2025, 2, 1),
            today=TODAY,
        )
    assert refused.value.details["installed_on"] == "2025-03-01"
    assert rows(obj) == before


def test_a_replacement_in_the_future_is_refused(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    before, events = rows(obj), verbs()
    with pytest.raises(ReplacementInFuture) as refused:
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["DRIVE"],
            on=TODAY + timedelta(days=1),
            today=TODAY,
        )
    assert refused.value.code == "equipment.replacement_in_future"
    assert rows(obj) == before
    assert verbs() == events
    new = component_replace(
        obj=obj, component=unit(obj, "DRV"), by=manager, item=lift["DRIVE"], on=TODAY, today=TODAY
    )
    assert new.installed_on == TODAY


def test_a_removed_component_cannot_be_replaced(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    old = unit(obj, "DRV")
    fuse = unit(obj, "DRV/CTRL/F")
    component_replace(obj=obj, component=old, by=manager, item=lift["DRIVE"], on=TODAY)
    before, events = rows(obj), verbs()
    for removed in (old, fuse):
        with pytest.raises(ComponentNotInstalled) as refused:
            component_replace(obj=obj, component=removed, by=manager, item=lift["DRIVE"], on=TODAY)
        assert refused.value.code == "equipment.component_not_installed"
        assert refused.value.details == {"component_id": removed.pk}
    assert rows(obj) == before
    assert verbs() == events


def test_a_component_of_another_object_cannot_be_replaced_through_this_one(manager, customer, lift):
    obj, other = create(manager, customer, lift["LIFT"]), create(manager, customer, lift["LIFT"])
    with pytest.raises(ComponentNotInstalled):
        component_replace(
            obj=obj, component=unit(other, "DRV"), by=manager, item=lift["DRIVE"], on=TODAY
        )
    assert Component.objects.filter(removed_on__isnull=False).count() == 0


def test_a_serial_already_installed_is_refused(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    other = create(manager, customer, lift["LIFT"])
    component_replace(
        obj=other,
        component=unit(other, "DRV/CTRL"),
        by=manager,
        item=lift["CTRL"],
        serial="C-7",
        on=date(2025, 1, 1),
    )
    before, events = rows(obj), verbs()
    with pytest.raises(SerialInUse) as refused:
        component_replace(
            obj=obj,
            component=unit(obj, "DRV/CTRL"),
            by=manager,
            item=lift["CTRL"],
            serial="C-7",
            on=TODAY,
        )
    assert refused.value.code == "equipment.serial_in_use"
    assert refused.value.details == {"item_id": lift["CTRL"].pk, "serial": "C-7"}
    assert rows(obj) == before
    assert verbs() == events
    # The same serial on another item is another unit; a removed unit frees its serial.
    assert (
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["DRIVE"],
            serial="C-7",
            on=TODAY,
        ).serial
        == "C-7"
    )
    component_replace(
        obj=other, component=unit(other, "DRV/CTRL"), by=manager, item=lift["CTRL"], on=TODAY
    )
    moved = component_replace(
        obj=obj,
        component=unit(obj, "DRV/CTRL"),
        by=manager,
        item=lift["CTRL"],
        serial="C-7",
        on=TODAY,
    )
    assert moved.serial == "C-7"


def test_component_history_lists_changes_after_installation_newest_first(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    fans = [n.id for n in flatten(component_tree(obj, on=INSTALLED)) if n.slot == "DRV/FAN"]
    first = component_replace(
        obj=obj,
        component=Component.objects.get(pk=fans[0]),
        by=manager,
        item=lift["FAN"],
        on=date(2025, 1, 10),
    )
    second = component_replace(
        obj=obj, component=unit(obj, "DRV/CTRL"), by=manager, item=lift["CTRL"], on=date(2025, 2, 1)
    )
    fuse = [c.pk for c in Component.objects.filter(object=obj, slot="DRV/CTRL/F").order_by("pk")]
    history = component_history(obj)
    assert [(c.pk, c.installed_on, c.removed_on) for c in history] == [
        (fuse[1], date(2025, 2, 1), None),
        (second.pk, date(2025, 2, 1), None),
        (first.pk, date(2025, 1, 10), None),
        (fuse[0], INSTALLED, date(2025, 2, 1)),
        (fans[0], INSTALLED, date(2025, 1, 10)),
        (second.replaces_id, INSTALLED, date(2025, 2, 1)),
    ]
    assert fuse[0] > fans[0] > second.replaces_id  # built level by level: same day, newest id first


# The property: the tree on each day is what was installed and not yet removed


class Rollback(Exception):
    pass


# Units each item brings with it (itself and its BOM's units), for the replacement log.
SUBTREE_SIZES = {"FAN": 1, "FUSE": 1, "DOOR": 1, "CTRL": 2, "DRIVE": 5, "PLAIN": 1}


@pytest.mark.django_db
@settings(max_examples=25)  # each example builds an object and reads ~30 trees
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=1_000),  # which unit (any ever installed)
            st.integers(min_value=0, max_value=3),  # days after the previous step
            st.sampled_from(["FAN", "CTRL", "DRIVE", "PLAIN"]),  # the new unit's item
        ),
        max_size=8,
    )
)
def test_the_tree_on_each_day_is_what_was_installed_and_not_removed(steps):
    with pytest.raises(Rollback), transaction.atomic():
        user = UserFactory(username="prop-manager", roles=[Role.MANAGER])
        items = {
            sku: product(f"P-{sku}")
            for sku in ("LIFT", "DRIVE", "CTRL", "FUSE", "FAN", "DOOR", "PLAIN")
        }
        make_bom(items["CTRL"], [("F", items["FUSE"], 1)])
        make_bom(items["DRIVE"], [("CTRL", items["CTRL"], 1), ("FAN", items["FAN"], 2)])
        make_bom(items["LIFT"], [("DRV", items["DRIVE"], 1), ("DR", items["DOOR"], 2)])
        obj = object_create(
            by=user, customer=CustomerFactory(), item=items["LIFT"], installed_on=INSTALLED
        )

        # The log: unit id -> [parent id, installed on, removed on], kept by the test itself.
        log = {
            pk: [parent_id, installed_on, None]
            for pk, parent_id, installed_on in Component.objects.filter(object=obj).values_list(
                "pk", "parent_id", "installed_on"
            )
        }
        assert len(log) == 7
        day = INSTALLED
        for pick, gap, sku in steps:
            day += timedelta(days=gap)
            chosen = sorted(log)[pick % len(log)]
            if log[chosen][2] is not None:
                with pytest.raises(ComponentNotInstalled):
                    component_replace(
                        obj=obj,
                        component=Component(pk=chosen),
                        by=user,
                        item=items[sku],
                        on=day,
                        today=day,
                    )
                continue
            new = component_replace(
                obj=obj,
                component=Component(pk=chosen),
                by=user,
                item=items[sku],
                on=day,
                today=day,
            )
            # The chosen unit and every unit still open below it close on the day.
            closing = [chosen]
            while closing:
                pk = closing.pop()
                log[pk][2] = day
                closing += [k for k, (parent, _on, off) in log.items() if parent == pk and not off]
            # The new unit takes the old one's parent; its item's BOM brings the units below.
            log[new.pk] = [log[chosen][0], day, None]
            opened, frontier = [new.pk], [new.pk]
            while frontier:
                below = list(
                    Component.objects.filter(parent_id=frontier.pop()).values_list("pk", flat=True)
                )
                for pk in below:
                    log[pk] = [
                        Component.objects.values_list("parent_id", flat=True).get(pk=pk),
                        day,
                        None,
                    ]
                opened += below
                frontier += below
            assert len(opened) == SUBTREE_SIZES[sku]

        for offset in range(-1, (day - INSTALLED).days + 2):
            on = INSTALLED + timedelta(days=offset)
            expected = {
                pk: parent
                for pk, (parent, installed_on, removed_on) in log.items()
                if installed_on <= on and (removed_on is None or on < removed_on)
            }
            roots = component_tree(obj, on=on)
            shown = {root.id: None for root in roots}
            for tree_node in flatten(roots):
                shown.update({child.id: tree_node.id for child in tree_node.children})
            assert shown == expected, on
        assert set(
            Component.objects.filter(object=obj).values_list(
                "pk", "parent_id", "installed_on", "removed_on"
            )
        ) == {
            (pk, parent, installed_on, removed_on)
            for pk, (parent, installed_on, removed_on) in log.items()
        }
        raise Rollback


# Upgrading to another BOM version


@pytest.fixture
def versions(db):
    """LIFT v1 (to 2024-12-31) and v2 (from 2025-01-01): DRV changes item, CAB goes, LT comes,
    RL goes from 2 to 4 units, DR stays."""
    items = {
        sku: product(sku)
        for sku in ("LIFT", "DRIVE", "DRIVE2", "CTRL", "CTRL2", "DOOR", "CABIN", "ROLLER", "LIGHT")
    }
    make_bom(items["DRIVE"], [("CTRL", items["CTRL"], 1)])
    make_bom(items["DRIVE2"], [("CTRL", items["CTRL2"], 1)])
    v1 = make_bom(
        items["LIFT"],
        [
            ("DRV", items["DRIVE"], 1),
            ("DR", items["DOOR"], 1),
            ("CAB", items["CABIN"], 1),
            ("RL", items["ROLLER"], 2),
        ],
        valid_to=date(2024, 12, 31),
    )
    v2 = make_bom(
        items["LIFT"],
        [
            ("DRV", items["DRIVE2"], 1),
            ("DR", items["DOOR"], 1),
            ("RL", items["ROLLER"], 4),
            ("LT", items["LIGHT"], 1),
        ],
        valid_from=date(2025, 1, 1),
    )
    return items, v1, v2


def test_bom_slots_lists_the_boms_own_lines_with_unit_counts(versions):
    items, v1, _v2 = versions
    nested = make_bom(
        product("GATE"), [("G", items["DOOR"], 2, [("H", items["ROLLER"], 3)])], valid_from=None
    )
    assert bom_slots(v1) == {
        "DRV": (items["DRIVE"].pk, 1),
        "DR": (items["DOOR"].pk, 1),
        "CAB": (items["CABIN"].pk, 1),
        "RL": (items["ROLLER"].pk, 2),
    }
    assert bom_slots(nested) == {"G": (items["DOOR"].pk, 2), "G/H": (items["ROLLER"].pk, 6)}
    assert bom_slots(None) == {}


def test_upgrade_applies_the_difference_as_recorded_changes(manager, customer, versions):
    items, v1, v2 = versions
    obj = create(manager, customer, items["LIFT"])
    assert obj.bom == v1
    v1_tree = shape(component_tree(obj, on=INSTALLED))
    old_drive, cabin = unit(obj, "DRV"), unit(obj, "CAB")
    day = date(2025, 3, 1)

    counts = object_upgrade_bom(obj=obj, to_bom=v2, by=manager, on=day)

    assert counts == {"replaced": 1, "added": 3, "removed": 1}
    obj.refresh_from_db()
    assert obj.bom == v2
    reference = object_create(by=manager, customer=customer, item=items["LIFT"], installed_on=day)
    assert reference.bom == v2
    assert shape(component_tree(obj, on=day)) == shape(component_tree(reference, on=day))
    assert shape(component_tree(obj, on=day - timedelta(days=1))) == v1_tree
    reason = "Upgrade to BOM version 2"
    old_drive.refresh_from_db()
    cabin.refresh_from_db()
    assert (old_drive.removed_on, old_drive.removal_reason) == (day, reason)
    assert (cabin.removed_on, cabin.removal_reason) == (day, reason)
    new_drive = unit(obj, "DRV", day)
    assert (new_drive.item, new_drive.replaces, new_drive.installed_on) == (
        items["DRIVE2"],
        old_drive,
        day,
    )
    assert Component.objects.get(slot="DRV/CTRL", item=items["CTRL"]).removal_reason == (
        "Removed with DRV"
    )
    assert AuditEvent.objects.filter(verb="object.bom_upgraded").get().data == {
        "from": v1.pk,
        "to": v2.pk,
        "replaced": 1,
        "added": 3,
        "removed": 1,
    }


def test_upgrade_removes_units_when_a_count_falls(manager, customer):
    lift, roller, hinge, door = product("LIFT"), product("ROLLER"), product("HINGE"), product("D")
    v1 = make_bom(
        lift, [("RL", roller, 3), ("DR", door, 1, [("H", hinge, 1)])], valid_to=date(2024, 12, 31)
    )
    v2 = make_bom(
        lift, [("RL", roller, 1), ("DR", door, 1, [("H", hinge, 3)])], valid_from=date(2025, 1, 1)
    )
    obj = create(manager, customer, lift)
    assert obj.bom == v1
    counts = object_upgrade_bom(obj=obj, to_bom=v2, by=manager, on=TODAY)
    assert counts == {"replaced": 0, "added": 2, "removed": 2}
    one = Decimal(1)
    assert shape(component_tree(obj, on=TODAY)) == [
        ("DR", door.pk, one, [("DR/H", hinge.pk, one, [])] * 3),
        ("RL", roller.pk, one, []),
    ]


def test_upgrading_an_object_without_a_bom_installs_the_whole_version(manager, customer):
    pump, impeller, seal = product("PUMP"), product("IMP"), product("SEAL")
    obj = create(manager, customer, pump)
    bom = make_bom(pump, [("IMP", impeller, 1, [("S", seal, 2)])])
    counts = object_upgrade_bom(obj=obj, to_bom=bom, by=manager, on=TODAY)
    assert counts == {"replaced": 0, "added": 1, "removed": 0}
    one = Decimal(1)
    assert shape(component_tree(obj, on=TODAY)) == [
        ("IMP", impeller.pk, one, [("IMP/S", seal.pk, one, [])] * 2)
    ]


def test_upgrading_to_the_same_version_changes_nothing(manager, customer, versions):
    items, v1, _v2 = versions
    obj = create(manager, customer, items["LIFT"])
    before, events = rows(obj), verbs()
    assert object_upgrade_bom(obj=obj, to_bom=v1, by=manager, on=TODAY) == {
        "replaced": 0,
        "added": 0,
        "removed": 0,
    }
    assert rows(obj) == before
    assert verbs() == events


@pytest.mark.parametrize("case", ["other-item", "draft", "retired"])
def test_upgrading_to_an_inapplicable_bom_is_refused(manager, customer, versions, case):
    items, v1, _v2 = versions
    obj = create(manager, customer, items["LIFT"])
    target = {
        "other-item": lambda: make_bom(product("OTHER"), [("X", items["DOOR"], 1)]),
        "draft": lambda: make_bom(items["LIFT"], [("X", items["DOOR"], 1)], status="draft"),
        "retired": lambda: make_bom(items["LIFT"], [("X", items["DOOR"], 1)], status="retired"),
    }[case]()
    before, events = rows(obj), verbs()
    with pytest.raises(BomNotApplicable) as refused:
        object_upgrade_bom(obj=obj, to_bom=target, by=manager, on=TODAY)
    assert refused.value.code == "equipment.bom_not_applicable"
    assert refused.value.details == {"bom_id": target.pk, "item_id": items["LIFT"].pk}
    obj.refresh_from_db()
    assert obj.bom == v1
    assert rows(obj) == before
    assert verbs() == events


def test_upgrading_with_a_stale_approved_instance_checks_the_stored_status(
    manager, customer, versions
):
    items, _v1, v2 = versions
    obj = create(manager, customer, items["LIFT"])
    Bom.objects.filter(pk=v2.pk).update(status=Bom.Status.RETIRED)
    with pytest.raises(BomNotApplicable):
        object_upgrade_bom(obj=obj, to_bom=v2, by=manager, on=TODAY)


def test_an_upgrade_dated_before_the_installation_is_refused_and_writes_nothing(
    manager, customer, versions
):
    items, v1, v2 = versions
    obj = create(manager, customer, items["LIFT"])
    before, events = rows(obj), verbs()
    with pytest.raises(ReplacementBeforeInstallation):
        object_upgrade_bom(obj=obj, to_bom=v2, by=manager, on=INSTALLED - timedelta(days=1))
    obj.refresh_from_db()
    assert obj.bom == v1
    assert rows(obj) == before
    assert verbs() == events


def test_an_upgrade_removing_a_unit_installed_after_its_date_is_refused(
    manager, customer, versions
):
    items, v1, v2 = versions
    obj = create(manager, customer, items["LIFT"])
    component_replace(
        obj=obj, component=unit(obj, "CAB"), by=manager, item=items["CABIN"], on=date(2025, 4, 1)
    )
    before, events = rows(obj), verbs()
    with pytest.raises(ReplacementBeforeInstallation) as refused:
        object_upgrade_bom(obj=obj, to_bom=v2, by=manager, on=date(2025, 3, 1))
    assert refused.value.details["installed_on"] == "2025-04-01"
    obj.refresh_from_db()
    assert obj.bom == v1
    assert rows(obj) == before
    assert verbs() == events


# Saving a tree as a BOM version


def test_save_as_bom_makes_a_draft_version_of_the_current_tree(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    new_ctrl = product("CTRL2")
    component_replace(obj=obj, component=unit(obj, "DRV/CTRL"), by=manager, item=new_ctrl, on=TODAY)

    bom = object_save_as_bom(obj=obj, by=manager)

    assert (bom.item, bom.version, bom.status, bom.copied_from) == (
        lift["LIFT"],
        2,
        Bom.Status.DRAFT,
        None,
    )
    assert bom.note == f"Saved from object {obj.number}"
    lines = list(bom.lines.order_by("pk"))
    by_id = {line.pk: line for line in lines}

    def path(line):
        return (*(path(by_id[line.parent_id]) if line.parent_id else ()), line.position)

    assert sorted((path(line), line.component_item_id, line.quantity) for line in lines) == [
        (("DR",), lift["DOOR"].pk, Decimal(2)),
        (("DRV",), lift["DRIVE"].pk, Decimal(1)),
        (("DRV", "CTRL"), new_ctrl.pk, Decimal(1)),
        (("DRV", "FAN"), lift["FAN"].pk, Decimal(2)),
    ]
    assert bom_slots(bom) == {
        "DR": (lift["DOOR"].pk, 2),
        "DRV": (lift["DRIVE"].pk, 1),
        "DRV/CTRL": (new_ctrl.pk, 1),
        "DRV/FAN": (lift["FAN"].pk, 2),
    }
    assert verbs()[-2:] == ["bom.created", "object.saved_as_bom"]
    assert AuditEvent.objects.order_by("pk").last().data == {"bom": bom.pk, "version": 2}


def test_an_object_saved_as_bom_builds_the_same_tree_again(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    bom = object_save_as_bom(obj=obj, by=manager)
    Bom.objects.filter(item=lift["LIFT"]).exclude(pk=bom.pk).update(status=Bom.Status.RETIRED)
    Bom.objects.filter(pk=bom.pk).update(status=Bom.Status.APPROVED)
    again = create(manager, customer, lift["LIFT"])
    assert again.bom == bom
    assert shape(component_tree(again, on=INSTALLED)) == lift_shape(lift)


def test_an_object_with_an_empty_tree_cannot_be_saved_as_bom(manager, customer):
    obj = create(manager, customer, product("PUMP"))
    with pytest.raises(NothingToSave) as refused:
        object_save_as_bom(obj=obj, by=manager)
    assert refused.value.code == "equipment.empty_tree"
    assert not Bom.objects.exists()
    assert verbs() == ["object.created"]


def test_a_unit_cannot_be_replaced_by_the_objects_own_item(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    before = list(Component.objects.filter(object=obj).values_list("pk", "removed_on"))
    with pytest.raises(BomCycle):
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["LIFT"],
            on=TODAY,
            today=TODAY,
        )
    assert list(Component.objects.filter(object=obj).values_list("pk", "removed_on")) == before


def test_a_retired_object_refuses_replacements(manager, customer, lift):
    obj = create(manager, customer, lift["LIFT"])
    object_set_status(obj=obj, by=manager, status="retired")
    with pytest.raises(ObjectRetired):
        component_replace(
            obj=obj,
            component=unit(obj, "DRV"),
            by=manager,
            item=lift["DRIVE"],
            on=TODAY,
            today=TODAY,
        )


def test_a_replacement_keeps_the_sub_units_the_objects_bom_nests_under_its_slot(manager, customer):
    items = {sku: product(sku) for sku in ("CAR", "DOOR", "ROLLER", "DRIVE")}
    make_bom(items["CAR"], [("DR", items["DOOR"], 1, [("ROLL", items["ROLLER"], 2)])])
    obj = create(manager, customer, items["CAR"])

    new = component_replace(
        obj=obj,
        component=unit(obj, "DR"),
        by=manager,
        item=items["DOOR"],
        on=TODAY,
        today=TODAY,
    )

    tree = component_tree(obj, on=TODAY)
    [door] = tree
    assert door.id == new.pk
    assert [(child.slot, child.item_id) for child in door.children] == [
        ("DR/ROLL", items["ROLLER"].pk),
        ("DR/ROLL", items["ROLLER"].pk),
    ]
    assert all(child.installed_on == TODAY for child in door.children)


def test_a_replacement_by_another_item_takes_that_items_own_bom(manager, customer):
    items = {sku: product(sku) for sku in ("CAR", "DOOR", "ROLLER", "DOOR2", "BELT")}
    make_bom(items["CAR"], [("DR", items["DOOR"], 1, [("ROLL", items["ROLLER"], 2)])])
    make_bom(items["DOOR2"], [("B", items["BELT"], 1)])
    obj = create(manager, customer, items["CAR"])

    component_replace(
        obj=obj,
        component=unit(obj, "DR"),
        by=manager,
        item=items["DOOR2"],
        on=TODAY,
        today=TODAY,
    )

    [door] = component_tree(obj, on=TODAY)
    assert [(child.slot, child.item_id) for child in door.children] == [("DR/B", items["BELT"].pk)]
