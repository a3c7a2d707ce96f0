"""Repair codes and objects with a component tree, built through the services (numbers, trees
and audit events come with them)."""

from datetime import date
from decimal import Decimal

from openservice.catalog.models import Bom, Item
from openservice.catalog.tests.factories import BomFactory, BomLineFactory, ItemFactory
from openservice.equipment.models import Component
from openservice.equipment.services import object_create
from openservice.orders.tests.factories import make_order
from openservice.repairs import services
from openservice.repairs.models import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)

INSTALLED = date(2024, 6, 1)


def make_codes(by=None) -> dict:
    """A small code set: DOOR and DRIVE symptom areas with a code each, ELEC with a diagnosis,
    a condition, REPLACED and ADJUSTED, and the stages OPEN and DONE (finished)."""
    door = services.code_create(SymptomArea, by=by, code="DOOR", name="Door")
    drive = services.code_create(SymptomArea, by=by, code="DRIVE", name="Drive")
    elec = services.code_create(DiagnosisArea, by=by, code="ELEC", name="Electrical")
    return {
        "door": door,
        "drive": drive,
        "not_closing": services.code_create(
            SymptomCode, by=by, code="DOOR_NOT_CLOSING", name="Does not close", area=door
        ),
        "drive_noise": services.code_create(
            SymptomCode, by=by, code="DRIVE_NOISE", name="Noise", area=drive
        ),
        "elec": elec,
        "sensor": services.code_create(
            DiagnosisCode, by=by, code="ELEC_SENSOR", name="Sensor", area=elec
        ),
        "normal": services.code_create(Condition, by=by, code="NORMAL_USE", name="Normal use"),
        "replaced": services.code_create(Resolution, by=by, code="REPLACED", name="Replaced"),
        "adjusted": services.code_create(Resolution, by=by, code="ADJUSTED", name="Adjusted"),
        "open": services.code_create(RepairStage, by=by, code="OPEN", name="Open", sort_order=1),
        "done": services.code_create(
            RepairStage, by=by, code="DONE", name="Done", is_finished=True, sort_order=9
        ),
    }


def lift_items() -> dict:
    """LIFT, approved from the start: DRV (a DRIVE with a CTRL in it). DRIVE2 is a newer drive
    (480.00) with no BOM of its own."""
    items = {
        sku: ItemFactory(sku=sku, name=f"{sku.title()} unit", kind=Item.Kind.PRODUCT)
        for sku in ("LIFT", "DRIVE", "DRIVE2", "CTRL")
    }
    items["DRIVE2"].sales_price = Decimal("480.00")
    items["DRIVE2"].save()
    bom = BomFactory(item=items["LIFT"], status=Bom.Status.APPROVED)
    drive = BomLineFactory(bom=bom, component_item=items["DRIVE"], position="DRV")
    BomLineFactory(bom=bom, component_item=items["CTRL"], position="CTRL", parent=drive)
    return items


def lift_object(customer, items: dict, *, by=None, site=None, serial_number: str = ""):
    return object_create(
        by=by,
        customer=customer,
        site=site,
        item=items["LIFT"],
        serial_number=serial_number,
        installed_on=INSTALLED,
    )


def unit(obj, slot: str) -> Component:
    """The unit installed in a slot now."""
    return Component.objects.get(object=obj, slot=slot, removed_on__isnull=True)


def order_on(obj, by, **fields):
    """A new order covering the object, at its customer and site."""
    return make_order(by=by, customer=obj.customer, site=obj.site, objects=[obj], **fields)
