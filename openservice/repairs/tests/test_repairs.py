"""Repair lines (codes within their areas, objects the order covers, finished stamps, who may
record them) and resolution suggestions ranked by how often the fix held."""

from datetime import UTC, date, datetime, timedelta

import pytest

from openservice.core.errors import NotFound
from openservice.customers.tests.factories import CustomerFactory
from openservice.equipment.models import Component
from openservice.orders.tests.factories import make_order, service_object
from openservice.repairs import selectors, services
from openservice.repairs.errors import CodeNotInArea, ComponentNotOfObject, ObjectNotOnOrder
from openservice.repairs.models import (
    DiagnosisArea,
    RepairLine,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def codes():
    door = services.code_create(SymptomArea, by=None, code="DOOR", name="Door")
    drive = services.code_create(SymptomArea, by=None, code="DRIVE", name="Drive")
    return {
        "door": door,
        "drive": drive,
        "not_closing": services.code_create(
            SymptomCode, by=None, code="DOOR_NOT_CLOSING", name="Does not close", area=door
        ),
        "drive_noise": services.code_create(
            SymptomCode, by=None, code="DRIVE_NOISE", name="Noise", area=drive
        ),
        "elec": services.code_create(DiagnosisArea, by=None, code="ELEC", name="Electrical"),
        "replaced": services.code_create(Resolution, by=None, code="REPLACED", name="Replaced"),
        "adjusted": services.code_create(Resolution, by=None, code="ADJUSTED", name="Adjusted"),
        "open": services.code_create(RepairStage, by=None, code="OPEN", name="Open"),
        "done": services.code_create(
            RepairStage, by=None, code="DONE", name="Done", is_finished=True, sort_order=9
        ),
    }


def order_on(obj, by, **fields):
    return make_order(by=by, customer=obj.customer, site=obj.site, objects=[obj], **fields)


def test_a_repair_line_takes_its_area_from_its_code_and_the_first_open_stage(codes, manager):
    obj = service_object(CustomerFactory())
    order = order_on(obj, manager)

    line = services.repair_line_create(
        order=order, by=manager, object=obj, symptom_code=codes["not_closing"], now=NOW
    )

    assert (line.symptom_area, line.stage, line.finished_at) == (codes["door"], codes["open"], None)


def test_a_code_from_another_area_is_refused_and_nothing_is_written(codes, manager):
    obj = service_object(CustomerFactory())
    order = order_on(obj, manager)

    with pytest.raises(CodeNotInArea):
        services.repair_line_create(
            order=order,
            by=manager,
            object=obj,
            symptom_area=codes["door"],
            symptom_code=codes["drive_noise"],
        )

    assert RepairLine.objects.count() == 0


def test_only_objects_the_order_covers_and_their_installed_components(codes, manager):
    customer = CustomerFactory()
    obj, other = service_object(customer), service_object(customer)
    order = order_on(obj, manager)
    foreign = Component.objects.create(object=other, item=other.item, installed_on=date(2024, 1, 1))
    removed = Component.objects.create(
        object=obj, item=obj.item, installed_on=date(2024, 1, 1), removed_on=date(2025, 1, 1)
    )
    installed = Component.objects.create(object=obj, item=obj.item, installed_on=date(2025, 1, 1))

    with pytest.raises(ObjectNotOnOrder):
        services.repair_line_create(order=order, by=manager, object=other)
    for component in (foreign, removed):
        with pytest.raises(ComponentNotOfObject):
            services.repair_line_create(order=order, by=manager, object=obj, component=component)
    assert RepairLine.objects.count() == 0

    line = services.repair_line_create(order=order, by=manager, object=obj, component=installed)
    assert line.component == installed


def test_a_finished_stage_stamps_the_line_and_going_back_clears_it(codes, manager):
    obj = service_object(CustomerFactory())
    line = services.repair_line_create(order=order_on(obj, manager), by=manager, object=obj)

    done = services.repair_line_update(line=line, by=manager, stage=codes["done"], now=NOW)
    again = services.repair_line_update(
        line=line, by=manager, stage=codes["done"], now=NOW + timedelta(hours=2)
    )
    reopened = services.repair_line_update(line=line, by=manager, stage=codes["open"])

    assert (done.finished_at, again.finished_at, reopened.finished_at) == (NOW, NOW, None)


def test_technicians_record_repairs_on_their_own_orders_only(codes, manager, technician_user):
    obj = service_object(CustomerFactory())
    mine = order_on(obj, manager, preferred_technician=TechnicianFactory(user=technician_user))
    theirs = order_on(obj, manager, preferred_technician=TechnicianFactory())

    line = services.repair_line_create(order=mine, by=technician_user, object=obj)
    with pytest.raises(NotFound):
        services.repair_line_create(order=theirs, by=technician_user, object=obj)

    assert line.technician.user == technician_user
    assert list(RepairLine.objects.values_list("order_id", flat=True)) == [mine.pk]


def test_history_per_object_and_technician_newest_first(codes, manager):
    obj = service_object(CustomerFactory())
    technician = TechnicianFactory()
    first = services.repair_line_create(
        order=order_on(obj, manager, preferred_technician=technician), by=manager, object=obj
    )
    second = services.repair_line_create(order=order_on(obj, manager), by=manager, object=obj)

    assert list(selectors.repair_history_of_object(obj)) == [second, first]
    assert list(selectors.repair_history_of_technician(technician)) == [first]


def test_suggestions_rank_resolutions_by_how_often_the_fix_held(codes, manager):
    """Three objects of one model with a door that does not close: replacing held twice of
    twice; adjusting held twice of three times (on one object a new repair came 10 days later;
    on another 40 days later, which does not count). Equal counts: the better rate first."""
    customer = CustomerFactory()
    first = service_object(customer)
    objects = [first, *(service_object(customer, site=first.site) for _ in range(2))]
    for obj in objects[1:]:
        obj.item = first.item
        obj.save()

    def fix(obj, resolution, at):
        order = order_on(obj, manager)
        line = services.repair_line_create(
            order=order,
            by=manager,
            object=obj,
            symptom_code=codes["not_closing"],
            resolution=codes[resolution],
            stage=codes["done"],
            now=at,
        )
        RepairLine.objects.filter(pk=line.pk).update(created_at=at)
        return line

    fix(objects[0], "adjusted", NOW)
    fix(objects[0], "replaced", NOW + timedelta(days=10))  # the adjustment did not hold
    fix(objects[1], "adjusted", NOW)
    fix(objects[1], "replaced", NOW + timedelta(days=40))  # outside the 30 days: it held
    fix(objects[2], "adjusted", NOW + timedelta(days=100))

    found = selectors.resolution_suggestions(
        item_id=first.item_id, symptom_code_id=codes["not_closing"].pk
    )

    assert [(s.code, s.used, s.held) for s in found] == [("REPLACED", 2, 2), ("ADJUSTED", 3, 2)]
    assert [round(s.held_rate, 2) for s in found] == [1.0, 0.67]
    assert (
        selectors.resolution_suggestions(
            item_id=first.item_id, symptom_code_id=codes["drive_noise"].pk
        )
        == []
    )


def test_without_any_repair_stage_a_repair_is_refused_with_its_own_code(manager):
    from openservice.repairs.errors import NoRepairStage

    obj = service_object(CustomerFactory())
    order = order_on(obj, manager)

    with pytest.raises(NoRepairStage) as refused:
        services.repair_line_create(order=order, by=manager, object=obj)

    assert refused.value.code == "repairs.no_stage"
    assert RepairLine.objects.count() == 0
