"""Replacing a component from a repair line: the tree changes, the replacement is recorded on the
line, the new unit is billed when asked, and any refusal (equipment's, the order's, the
technician's) leaves everything as it was."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.core.errors import InvalidInput, NotFound
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory
from openservice.equipment.errors import (
    ComponentNotInstalled,
    ReplacementBeforeInstallation,
    ReplacementInFuture,
    SerialInUse,
)
from openservice.equipment.models import Component
from openservice.equipment.selectors import component_tree
from openservice.orders import services as order_services
from openservice.orders.errors import DeleteNotAllowed, StageReadOnly
from openservice.orders.models import OrderLine
from openservice.orders.tests.factories import move_to
from openservice.repairs import selectors, services
from openservice.repairs.errors import ComponentNotOfObject, ComponentRequired, LineHasReplacements
from openservice.repairs.models import ComponentReplacement, RepairLine, Resolution
from openservice.repairs.tests.factories import lift_items, lift_object, make_codes, order_on, unit
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

ON = date(2025, 3, 1)
TODAY = date(2025, 3, 10)


@pytest.fixture
def codes():
    return make_codes()


@pytest.fixture
def items():
    return lift_items()


@pytest.fixture
def technician(technician_user):
    return TechnicianFactory(user=technician_user)


@pytest.fixture
def lift(items, manager):
    return lift_object(CustomerFactory(), items, by=manager)


@pytest.fixture
def line(codes, lift, manager, technician):
    """A repair of the lift's drive on an order assigned to technician_user."""
    order = order_on(lift, manager, preferred_technician=technician)
    return services.repair_line_create(
        order=order,
        by=manager,
        object=lift,
        component=unit(lift, "DRV"),
        symptom_code=codes["drive_noise"],
        description="Drive grinds",
    )


def everything() -> tuple:
    """Every row a replacement could write, to show a refused one wrote nothing."""
    return (
        list(
            Component.objects.order_by("pk").values_list(
                "pk", "item_id", "serial", "installed_on", "removed_on", "removal_reason"
            )
        ),
        list(OrderLine.objects.order_by("pk").values_list("pk", "item_id", "unit_price")),
        list(ComponentReplacement.objects.values_list("pk", flat=True)),
        list(RepairLine.objects.order_by("pk").values_list("pk", "component_id", "resolution_id")),
        list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)),
    )


def replace(line, by, **fields):
    return services.repair_component_replace(line=line, by=by, today=TODAY, **fields)


def test_a_replacement_changes_the_tree_and_is_recorded_on_the_line(
    line, items, codes, manager, lift
):
    old_drive, old_ctrl = unit(lift, "DRV"), unit(lift, "DRV/CTRL")

    replacement = services.repair_component_replace(
        line=line, by=manager, item=items["DRIVE2"], serial="D2-001", on=ON, today=TODAY
    )

    new = Component.objects.get(pk=replacement.installed_id)
    old_drive.refresh_from_db()
    old_ctrl.refresh_from_db()
    line.refresh_from_db()
    assert (replacement.repair_line, replacement.removed, replacement.order_line) == (
        line,
        old_drive,
        None,
    )
    assert replacement.created_by == manager
    assert (new.item, new.serial, new.slot, new.installed_on, new.replaces) == (
        items["DRIVE2"],
        "D2-001",
        "DRV",
        ON,
        old_drive,
    )
    order_number = line.order.number
    assert (old_drive.removed_on, old_drive.removal_reason) == (
        ON,
        f"Order {order_number}: Drive grinds",
    )
    assert (old_ctrl.removed_on, old_ctrl.removal_reason) == (ON, "Removed with DRV")
    assert [(node.item_id, node.slot) for node in component_tree(lift, on=TODAY)] == [
        (items["DRIVE2"].pk, "DRV")
    ]
    # The line keeps the unit it repaired and is resolved as replaced; nothing is billed.
    assert (line.component, line.resolution) == (old_drive, codes["replaced"])
    assert not OrderLine.objects.exists()
    event = AuditEvent.objects.filter(verb="order.component_replaced").get()
    assert (event.object_type, event.object_id) == ("orders.serviceorder", str(line.order_id))
    assert event.data == {
        "repair_line": line.pk,
        "removed": old_drive.pk,
        "installed": new.pk,
        "item": items["DRIVE2"].pk,
        "on": "2025-03-01",
        "order_line": None,
    }
    # The history reaches the repair from the new unit.
    assert new.repair_installation == replacement
    assert list(old_drive.repair_removals.all()) == [replacement]
    assert selectors.replacements_of_object(lift) == {new.pk: replacement}


def test_billing_adds_an_item_line_at_the_items_price(line, items, manager, technician, lift):
    replacement = replace(line, manager, item=items["DRIVE2"], on=ON, bill=True)

    order_line = OrderLine.objects.get()
    assert replacement.order_line == order_line
    assert (
        order_line.order_id,
        order_line.kind,
        order_line.item,
        order_line.description,
        order_line.quantity,
        order_line.unit,
        order_line.unit_price,
        order_line.unit_cost,
        order_line.net_amount,
        order_line.is_billable,
        order_line.status,
        order_line.object,
        order_line.technician,
        order_line.executed_on,
    ) == (
        line.order_id,
        "item",
        items["DRIVE2"],
        "Drive2 unit",
        Decimal("1.000"),
        "pcs",
        Decimal("480.00"),
        Decimal("60.00"),
        Decimal("480.00"),
        True,
        "open",
        lift,
        technician,
        ON,
    )
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs[-2:] == ["order.line_added", "order.component_replaced"]
    assert AuditEvent.objects.get(verb="order.component_replaced").data["order_line"] == (
        order_line.pk
    )


def test_billing_at_a_given_price(line, items, manager):
    replace(line, manager, item=items["DRIVE2"], on=ON, bill=True, unit_price=Decimal("350.50"))

    assert OrderLine.objects.values_list("quantity", "unit_price", "net_amount").get() == (
        Decimal("1.000"),
        Decimal("350.50"),
        Decimal("350.50"),
    )


def test_the_date_defaults_to_today(line, items, manager):
    replacement = replace(line, manager, item=items["DRIVE2"])

    assert replacement.installed.installed_on == TODAY
    assert replacement.removed.removed_on == TODAY


def test_a_given_reason_and_resolution_are_kept(line, items, codes, manager):
    services.repair_line_update(line=line, by=manager, resolution=codes["adjusted"])

    replacement = replace(line, manager, item=items["DRIVE2"], on=ON, reason="Worn bearings")

    line.refresh_from_db()
    assert line.resolution == codes["adjusted"]
    assert replacement.removed.removal_reason == "Worn bearings"


def test_without_a_replaced_resolution_the_line_stays_unresolved(line, items, manager):
    Resolution.objects.filter(code="REPLACED").update(is_active=False)

    replace(line, manager, item=items["DRIVE2"], on=ON)

    line.refresh_from_db()
    assert line.resolution is None


def test_a_line_without_a_component_needs_one_and_then_names_it(codes, items, lift, manager):
    order = order_on(lift, manager)
    line = services.repair_line_create(order=order, by=manager, object=lift)
    before = everything()

    with pytest.raises(ComponentRequired) as refused:
        replace(line, manager, item=items["DRIVE2"], on=ON)

    assert refused.value.code == "repairs.component_required"
    assert refused.value.status == 422
    assert everything() == before

    drive = unit(lift, "DRV")
    replacement = replace(line, manager, component=drive, item=items["DRIVE2"], on=ON)
    line.refresh_from_db()
    assert (replacement.removed, line.component) == (drive, drive)
    assert replacement.removed.removal_reason == f"Replaced on order {order.number}"


def test_a_component_of_another_object_is_refused(line, items, manager):
    other = lift_object(line.object.customer, items, by=manager)
    before = everything()

    with pytest.raises(ComponentNotOfObject):
        replace(line, manager, component=unit(other, "DRV"), item=items["DRIVE2"], on=ON)

    assert everything() == before


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"on": date(2025, 3, 11)}, ReplacementInFuture),
        ({"on": date(2024, 5, 31)}, ReplacementBeforeInstallation),
        ({"serial": "TAKEN"}, SerialInUse),
    ],
    ids=["future", "before-installation", "serial-in-use"],
)
def test_equipments_refusals_pass_through_and_nothing_changes(line, items, manager, fields, error):
    other = lift_object(line.object.customer, items, by=manager)
    replace(
        services.repair_line_create(
            order=order_on(other, manager), by=manager, object=other, component=unit(other, "DRV")
        ),
        manager,
        item=items["DRIVE2"],
        serial="TAKEN",
        on=ON,
    )
    before = everything()

    with pytest.raises(error):
        replace(line, manager, item=items["DRIVE2"], bill=True, **{"on": ON, **fields})

    assert everything() == before


def test_an_already_replaced_unit_is_refused(line, items, manager):
    replace(line, manager, item=items["DRIVE2"], on=ON)
    before = everything()

    with pytest.raises(ComponentNotInstalled):
        replace(line, manager, item=items["DRIVE2"], on=ON, bill=True)

    assert everything() == before


def test_a_price_without_billing_is_refused(line, items, manager):
    before = everything()

    with pytest.raises(InvalidInput) as refused:
        replace(line, manager, item=items["DRIVE2"], on=ON, unit_price=Decimal("1.00"))

    assert refused.value.field_errors.keys() == {"unit_price"}
    assert everything() == before


def test_an_order_that_is_no_longer_editable_is_refused(line, items, manager):
    move_to(line.order, "closed", by=manager)
    before = everything()

    with pytest.raises(StageReadOnly):
        replace(line, manager, item=items["DRIVE2"], on=ON, bill=True)

    assert everything() == before


def test_technicians_replace_only_on_their_own_orders(line, items, lift, technician_user, manager):
    theirs = services.repair_line_create(
        order=order_on(lift, manager, preferred_technician=TechnicianFactory()),
        by=manager,
        object=lift,
        component=unit(lift, "DRV/CTRL"),
    )
    before = everything()

    with pytest.raises(NotFound):
        replace(theirs, technician_user, item=items["CTRL"], on=ON)
    assert everything() == before

    replacement = replace(line, technician_user, item=items["DRIVE2"], on=ON, bill=True)
    assert replacement.created_by == technician_user
    assert replacement.order_line.technician.user == technician_user


def test_a_line_with_replacements_is_kept_and_can_still_be_finished(line, items, codes, manager):
    replace(line, manager, item=items["DRIVE2"], on=ON)
    before = everything()

    with pytest.raises(LineHasReplacements):
        services.repair_line_delete(line=line, by=manager)
    with pytest.raises(DeleteNotAllowed):
        order_services.order_delete(order=line.order, by=manager)

    assert everything() == before
    # The line still names the (now removed) unit it repaired; changing its stage is fine.
    finished = services.repair_line_update(line=line, by=manager, stage=codes["done"])
    assert finished.finished_at is not None
    # Choosing a removed unit anew is still refused.
    removed = Component.objects.get(pk=line.component_id)
    with pytest.raises(ComponentNotOfObject):
        services.repair_line_create(
            order=line.order, by=manager, object=line.object, component=removed
        )
