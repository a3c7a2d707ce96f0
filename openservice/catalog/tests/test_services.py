from decimal import Decimal

import pytest

from openservice.catalog import services
from openservice.catalog.models import Item, ServiceTask, TaskSkill
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory, TaskSkillFactory
from openservice.core.errors import InvalidInput
from openservice.core.models import AuditEvent
from openservice.workforce.tests.factories import SkillFactory


def events_of(obj) -> list[tuple[str, dict]]:
    rows = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")
    return [(event.verb, event.data) for event in rows]


# Items


def test_item_create_saves_fields_and_audits(manager):
    item = services.item_create(
        by=manager,
        sku="PUMP-01",
        name="Circulation pump",
        description="Grundfos",
        kind="product",
        unit="pcs",
        sales_price=Decimal("250.00"),
        cost_price=Decimal("120.50"),
        is_serialized=True,
    )

    item.refresh_from_db()
    assert (item.sku, item.name, item.description, item.kind, item.unit) == (
        "PUMP-01",
        "Circulation pump",
        "Grundfos",
        "product",
        "pcs",
    )
    assert item.sales_price == Decimal("250.00")
    assert item.cost_price == Decimal("120.50")
    assert item.is_serialized is True
    assert item.is_active is True
    assert events_of(item) == [("item.created", {"sku": "PUMP-01"})]
    assert AuditEvent.objects.get(verb="item.created").actor == manager


def test_item_create_defaults(manager):
    item = services.item_create(by=manager, sku="FEE-1", name="Call-out fee")

    item.refresh_from_db()
    assert (item.kind, item.unit, item.sales_price, item.cost_price, item.is_serialized) == (
        "part",
        "pcs",
        Decimal("0"),
        Decimal("0"),
        False,
    )


def test_item_create_refuses_duplicate_sku(manager):
    ItemFactory(sku="PUMP-01")

    with pytest.raises(InvalidInput) as refused:
        services.item_create(by=manager, sku="PUMP-01", name="Another pump")

    assert list(refused.value.field_errors) == ["sku"]
    assert Item.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="item.created").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "gizmo"}, "kind"),
        ({"sales_price": Decimal("-1.00")}, "sales_price"),
        ({"cost_price": Decimal("-0.01")}, "cost_price"),
        ({"sales_price": Decimal("1.005")}, "sales_price"),
        ({"unit": "x" * 11}, "unit"),
    ],
)
def test_item_create_refuses_invalid_fields(manager, fields, field):
    with pytest.raises(InvalidInput) as refused:
        services.item_create(by=manager, sku="BAD-1", name="Bad", **fields)

    assert field in refused.value.field_errors
    assert not Item.objects.exists()
    assert not AuditEvent.objects.exists()


def test_item_create_refuses_empty_sku(manager):
    with pytest.raises(InvalidInput) as refused:
        services.item_create(by=manager, sku="", name="No SKU")

    assert list(refused.value.field_errors) == ["sku"]
    assert not Item.objects.exists()


def test_item_create_rejects_fields_it_does_not_own(manager):
    with pytest.raises(TypeError):
        services.item_create(by=manager, sku="X-1", name="X", is_active=False)

    assert not Item.objects.exists()


def test_item_update_changes_fields_and_audits_old_and_new(manager):
    item = ItemFactory(sku="PUMP-01", name="Pump", sales_price=Decimal("100.00"))

    updated = services.item_update(
        item=item, by=manager, name="Big pump", sales_price=Decimal("120.00")
    )

    updated.refresh_from_db()
    assert updated.name == "Big pump"
    assert updated.sales_price == Decimal("120.00")
    assert events_of(item) == [
        (
            "item.updated",
            {"changes": {"name": ["Pump", "Big pump"], "sales_price": ["100.00", "120.00"]}},
        )
    ]


def test_item_update_without_changes_writes_no_audit_event(manager):
    item = ItemFactory(name="Pump")

    services.item_update(item=item, by=manager, name="Pump")

    assert events_of(item) == []


def test_item_update_refuses_duplicate_sku_and_keeps_the_row(manager):
    ItemFactory(sku="PUMP-01")
    item = ItemFactory(sku="PUMP-02", name="Second")

    with pytest.raises(InvalidInput) as refused:
        services.item_update(item=item, by=manager, sku="PUMP-01", name="Renamed")

    assert list(refused.value.field_errors) == ["sku"]
    item.refresh_from_db()
    assert (item.sku, item.name) == ("PUMP-02", "Second")
    assert events_of(item) == []


def test_item_update_refuses_negative_price_and_keeps_the_row(manager):
    item = ItemFactory(sales_price=Decimal("100.00"))

    with pytest.raises(InvalidInput) as refused:
        services.item_update(item=item, by=manager, sales_price=Decimal("-5.00"))

    assert "sales_price" in refused.value.field_errors
    item.refresh_from_db()
    assert item.sales_price == Decimal("100.00")
    assert events_of(item) == []


def test_item_set_active_deactivates_and_reactivates_with_audit(manager):
    item = ItemFactory()

    item = services.item_set_active(item=item, by=manager, is_active=False)
    assert Item.objects.get(pk=item.pk).is_active is False
    item = services.item_set_active(item=item, by=manager, is_active=True)
    assert Item.objects.get(pk=item.pk).is_active is True

    assert events_of(item) == [
        ("item.deactivated", {"is_active": False}),
        ("item.activated", {"is_active": True}),
    ]


def test_item_set_active_twice_audits_once(manager):
    item = ItemFactory()

    services.item_set_active(item=item, by=manager, is_active=False)
    services.item_set_active(item=item, by=manager, is_active=False)

    assert events_of(item) == [("item.deactivated", {"is_active": False})]


# Service tasks


def test_task_create_uppercases_code_and_sets_required_skills(manager):
    electric = SkillFactory(code="ELEC")
    gas = SkillFactory(code="GAS")

    task = services.task_create(
        by=manager,
        code="lift-inspect",
        name="Annual lift inspection",
        default_duration_minutes=90,
        internal_note="Bring the key",
        external_note="Lift is stopped for 90 minutes",
        required_skills=[(electric, 3), (gas, 1)],
    )

    task.refresh_from_db()
    assert task.code == "LIFT-INSPECT"
    assert task.name == "Annual lift inspection"
    assert task.default_duration_minutes == 90
    assert (task.internal_note, task.external_note) == (
        "Bring the key",
        "Lift is stopped for 90 minutes",
    )
    assert [(need.skill.code, need.min_level) for need in task.skill_needs.all()] == [
        ("ELEC", 3),
        ("GAS", 1),
    ]
    assert events_of(task) == [
        ("task.created", {"code": "LIFT-INSPECT"}),
        ("task.skills_set", {"skills": {"ELEC": 3, "GAS": 1}}),
    ]


def test_task_create_without_skills_audits_only_creation(manager):
    task = services.task_create(by=manager, code="clean", name="Cleaning")

    assert task.code == "CLEAN"
    assert task.default_duration_minutes == 60
    assert not task.skill_needs.exists()
    assert events_of(task) == [("task.created", {"code": "CLEAN"})]


@pytest.mark.parametrize("level", [0, 6, -1])
def test_task_create_refuses_skill_level_outside_1_to_5(manager, level):
    skill = SkillFactory(code="ELEC")

    with pytest.raises(InvalidInput) as refused:
        services.task_create(by=manager, code="T1", name="Task", required_skills=[(skill, level)])

    assert refused.value.field_errors == {"required_skills": ["Skill levels run from 1 to 5."]}
    assert not ServiceTask.objects.exists()
    assert not TaskSkill.objects.exists()
    assert not AuditEvent.objects.exists()


def test_task_create_refuses_duplicate_code_case_insensitively(manager):
    ServiceTaskFactory(code="CLEAN")

    with pytest.raises(InvalidInput) as refused:
        services.task_create(by=manager, code="clean", name="Cleaning again")

    assert list(refused.value.field_errors) == ["code"]
    assert ServiceTask.objects.count() == 1


@pytest.mark.parametrize("minutes", [0, 7 * 24 * 60 + 1])
def test_task_create_refuses_duration_out_of_range(manager, minutes):
    with pytest.raises(InvalidInput) as refused:
        services.task_create(by=manager, code="T1", name="Task", default_duration_minutes=minutes)

    assert list(refused.value.field_errors) == ["default_duration_minutes"]
    assert not ServiceTask.objects.exists()


def test_task_update_replaces_required_skills_as_a_whole(manager):
    electric, gas, water = (
        SkillFactory(code="ELEC"),
        SkillFactory(code="GAS"),
        SkillFactory(code="WATER"),
    )
    task = ServiceTaskFactory(code="T1")
    TaskSkillFactory(task=task, skill=electric, min_level=2)
    TaskSkillFactory(task=task, skill=gas, min_level=2)

    services.task_update(task=task, by=manager, required_skills=[(gas, 4), (water, 1)])

    assert sorted(TaskSkill.objects.values_list("skill__code", "min_level")) == [
        ("GAS", 4),
        ("WATER", 1),
    ]
    assert events_of(task) == [("task.skills_set", {"skills": {"GAS": 4, "WATER": 1}})]


def test_task_update_with_empty_skills_removes_them_all(manager):
    task = TaskSkillFactory().task

    services.task_update(task=task, by=manager, required_skills=[])

    assert not TaskSkill.objects.exists()
    assert events_of(task) == [("task.skills_set", {"skills": {}})]


def test_task_update_without_skills_keeps_them(manager):
    need = TaskSkillFactory(min_level=2)

    services.task_update(task=need.task, by=manager, name="Renamed")

    assert list(TaskSkill.objects.values_list("pk", "min_level")) == [(need.pk, 2)]


def test_task_update_uppercases_code_and_audits_change(manager):
    task = ServiceTaskFactory(code="T1", name="Task")

    services.task_update(task=task, by=manager, code="lift")

    task.refresh_from_db()
    assert task.code == "LIFT"
    assert events_of(task) == [("task.updated", {"changes": {"code": ["T1", "LIFT"]}})]


def test_task_update_refuses_bad_skill_level_and_changes_nothing(manager):
    skill = SkillFactory(code="ELEC")
    need = TaskSkillFactory(skill=skill, min_level=2, task__name="Task")
    task = need.task

    with pytest.raises(InvalidInput):
        services.task_update(task=task, by=manager, name="Renamed", required_skills=[(skill, 6)])

    task.refresh_from_db()
    assert task.name == "Task"
    assert list(TaskSkill.objects.values_list("skill__code", "min_level")) == [("ELEC", 2)]
    assert events_of(task) == []


def test_task_set_active_audits_each_change(manager):
    task = ServiceTaskFactory()

    services.task_set_active(task=task, by=manager, is_active=False)
    services.task_set_active(task=task, by=manager, is_active=True)

    task.refresh_from_db()
    assert task.is_active is True
    assert events_of(task) == [
        ("task.deactivated", {"is_active": False}),
        ("task.activated", {"is_active": True}),
    ]
