from decimal import Decimal

import pytest

from openservice.catalog.models import Item, ServiceTask, TaskSkill
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory, TaskSkillFactory
from openservice.core.models import AuditEvent
from openservice.workforce.tests.factories import SkillFactory

READERS = ["technician_user", "dispatcher", "manager", "administrator"]
WRITERS = ["manager", "administrator"]
REFUSED_WRITERS = [
    (None, 401),
    ("customer_user", 403),
    ("technician_user", 403),
    ("dispatcher", 403),
]
REFUSED_READERS = [(None, 401), ("customer_user", 403)]


@pytest.fixture
def api_for(request, api_as):
    """api_for("manager") -> ApiClient as that fixture's user; api_for(None) is anonymous."""

    def make(role):
        return api_as(None if role is None else request.getfixturevalue(role))

    return make


def item_body(item, *, cost_price="60.00", **overrides) -> dict:
    return {
        "id": item.pk,
        "sku": item.sku,
        "name": item.name,
        "description": item.description,
        "kind": item.kind,
        "unit": item.unit,
        "sales_price": f"{item.sales_price:.2f}",
        "cost_price": cost_price,
        "is_serialized": item.is_serialized,
        "vat_rate": None,
        "is_active": item.is_active,
        **overrides,
    }


def business_events():
    """Audit events other than the API tokens the test clients create."""
    return AuditEvent.objects.exclude(verb__startswith="api_token.").order_by("id")


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("core.invalid_input", "Some fields are not valid.")
    return body["details"]["fields"]


def assert_refused(response, status: int, perm: str | None = None) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    if status == 401:
        assert body == {
            "code": "core.not_authenticated",
            "message": "Log in or send a bearer token.",
            "details": {},
        }
    else:
        assert body == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm},
        }


# Items: reading


def test_item_list_returns_exact_fields_for_a_manager(api_as, manager):
    item = ItemFactory(sku="PUMP-01", name="Pump", kind="product", is_serialized=True)

    response = api_as(manager).get("items")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": item.pk,
                "sku": "PUMP-01",
                "name": "Pump",
                "description": "",
                "kind": "product",
                "unit": "pcs",
                "sales_price": "100.00",
                "cost_price": "60.00",
                "is_serialized": True,
                "vat_rate": None,
                "is_active": True,
            }
        ],
        "count": 1,
    }


@pytest.mark.parametrize(
    ("role", "cost_price"),
    [
        ("manager", "60.00"),
        ("dispatcher", "60.00"),
        ("administrator", "60.00"),
        ("technician_user", None),
    ],
)
def test_item_cost_price_is_shown_only_to_roles_that_see_costs(api_for, db, role, cost_price):
    item = ItemFactory()
    api = api_for(role)

    listed = api.get("items").json()["items"]
    single = api.get(f"items/{item.pk}").json()

    assert listed == [item_body(item, cost_price=cost_price)]
    assert single == item_body(item, cost_price=cost_price)


@pytest.mark.parametrize("role", READERS)
def test_staff_read_items(api_for, db, role):
    item = ItemFactory()
    api = api_for(role)

    assert api.get("items").status_code == 200
    assert api.get(f"items/{item.pk}").status_code == 200


@pytest.mark.parametrize(("role", "status"), REFUSED_READERS)
def test_items_are_not_readable_without_view_permission(api_for, db, role, status):
    item = ItemFactory()
    api = api_for(role)

    assert_refused(api.get("items"), status, "catalog.view_item")
    assert_refused(api.get(f"items/{item.pk}"), status, "catalog.view_item")


def test_item_list_paginates_with_limit_and_offset(api_as, manager):
    for n in range(7):
        ItemFactory(sku=f"SKU-{n}")
    api = api_as(manager)

    page = api.get("items", {"limit": 2, "offset": 2}).json()
    last = api.get("items", {"limit": 5, "offset": 5}).json()
    beyond = api.get("items", {"offset": 10}).json()

    assert [row["sku"] for row in page["items"]] == ["SKU-2", "SKU-3"]
    assert page["count"] == 7
    assert [row["sku"] for row in last["items"]] == ["SKU-5", "SKU-6"]
    assert beyond == {"items": [], "count": 7}


def test_item_list_filters_and_orders(api_as, manager):
    ItemFactory(sku="A-1", name="Pump", kind="product", sales_price=Decimal("300.00"))
    ItemFactory(sku="A-2", name="Small pump", kind="part", is_serialized=True)
    ItemFactory(sku="A-3", name="Valve", kind="part", sales_price=Decimal("5.00"))
    ItemFactory(sku="A-4", name="Old pump", kind="part", is_active=False)
    api = api_as(manager)

    def skus(params):
        response = api.get("items", params)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == len(body["items"])
        return [row["sku"] for row in body["items"]]

    assert skus({"q": "PUMP"}) == ["A-1", "A-2", "A-4"]
    assert skus({"kind": "part"}) == ["A-2", "A-3", "A-4"]
    assert skus({"is_serialized": "true"}) == ["A-2"]
    assert skus({"is_active": "false"}) == ["A-4"]
    assert skus({"q": "pump", "kind": "part", "is_active": "true"}) == ["A-2"]
    assert skus({"order_by": "-sales_price"}) == ["A-1", "A-4", "A-2", "A-3"]  # ties: -id
    assert skus({"order_by": "name"}) == ["A-4", "A-1", "A-2", "A-3"]


def test_item_list_count_is_the_filtered_total(api_as, manager):
    ItemFactory.create_batch(3, kind="fee")
    ItemFactory.create_batch(2, kind="part")

    body = api_as(manager).get("items", {"kind": "fee", "limit": 1}).json()

    assert (len(body["items"]), body["count"]) == (1, 3)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"order_by": "bogus"}, "order_by"),
        ({"order_by": "cost_price"}, "order_by"),
        ({"kind": "gizmo"}, "kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_item_list_refuses_bad_filters(api_as, manager, params, field):
    assert list(field_errors(api_as(manager).get("items", params))) == [field]


def test_item_get_unknown_id_is_404(api_as, manager):
    response = api_as(manager).get("items/999999")

    assert response.status_code == 404
    assert response.json() == {
        "code": "core.not_found",
        "message": "Not found.",
        "details": {"item_id": 999999},
    }


# Items: writing


@pytest.mark.parametrize("role", WRITERS)
def test_item_create_returns_201_with_the_item(api_for, db, role):
    response = api_for(role).post(
        "items",
        {
            "sku": "PUMP-01",
            "name": "Circulation pump",
            "description": "Grundfos",
            "kind": "product",
            "unit": "pcs",
            "sales_price": "250.00",
            "cost_price": "120.50",
            "is_serialized": True,
            "vat_rate": "14.00",
        },
    )

    assert response.status_code == 201, response.content
    item = Item.objects.get()
    assert response.json() == {
        "id": item.pk,
        "sku": "PUMP-01",
        "name": "Circulation pump",
        "description": "Grundfos",
        "kind": "product",
        "unit": "pcs",
        "sales_price": "250.00",
        "cost_price": "120.50",
        "is_serialized": True,
        "vat_rate": "14.00",
        "is_active": True,
    }
    assert (item.sales_price, item.cost_price, item.vat_rate) == (
        Decimal("250.00"),
        Decimal("120.50"),
        Decimal("14.00"),
    )
    assert business_events().get().verb == "item.created"


def test_item_create_applies_defaults_and_strips_text(api_as, manager):
    response = api_as(manager).post("items", {"sku": "  FEE-1 ", "name": "Call-out fee"})

    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["kind"], body["unit"], body["sales_price"], body["cost_price"]) == (
        "FEE-1",
        "part",
        "pcs",
        "0.00",
        "0.00",
    )


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_item_create_is_refused_without_add_permission(api_for, db, role, status):
    response = api_for(role).post("items", {"sku": "PUMP-01", "name": "Pump"})

    assert_refused(response, status, "catalog.add_item")
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gizmo"}, "kind"),
        ({"sales_price": "-1.00"}, "sales_price"),
        ({"cost_price": -5}, "cost_price"),
        ({"sales_price": "10.005"}, "sales_price"),
        ({"sales_price": "NaN"}, "sales_price"),
        ({"sku": ""}, "sku"),
        ({"sku": "   "}, "sku"),
        ({"sku": "x" * 41}, "sku"),
        ({"name": "Pump\x00"}, "name"),
        ({"unit": "x" * 11}, "unit"),
    ],
)
def test_item_create_refuses_invalid_input_and_writes_nothing(api_as, manager, changes, field):
    response = api_as(manager).post("items", {"sku": "PUMP-01", "name": "Pump", **changes})

    assert list(field_errors(response)) == [field]
    assert not Item.objects.exists()
    assert not business_events().exists()


def test_item_create_refuses_missing_required_fields(api_as, manager):
    fields = field_errors(api_as(manager).post("items", {}))

    assert sorted(fields) == ["name", "sku"]
    assert not Item.objects.exists()


def test_item_create_refuses_duplicate_sku_as_field_error(api_as, manager):
    ItemFactory(sku="PUMP-01")

    response = api_as(manager).post("items", {"sku": "PUMP-01", "name": "Another"})

    assert field_errors(response) == {"sku": ["Item with this SKU already exists."]}
    assert Item.objects.count() == 1


def test_item_create_with_idempotency_key_creates_once(api_as, manager):
    api = api_as(manager)
    body = {"sku": "PUMP-01", "name": "Pump"}

    first = api.post("items", body, **{"Idempotency-Key": "k-1"})
    retry = api.post("items", body, **{"Idempotency-Key": "k-1"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Item.objects.count() == 1


@pytest.mark.parametrize("role", WRITERS)
def test_item_patch_changes_only_given_fields(api_for, db, role):
    item = ItemFactory(sku="PUMP-01", name="Pump", description="Old")

    response = api_for(role).patch(
        f"items/{item.pk}", {"name": "Big pump", "sales_price": "120.00"}
    )

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert response.json() == item_body(item, name="Big pump", sales_price="120.00")
    assert (item.name, item.description, item.sales_price) == ("Big pump", "Old", Decimal("120"))
    assert business_events().get().verb == "item.updated"


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_item_patch_is_refused_without_change_permission(api_for, db, role, status):
    item = ItemFactory(name="Pump")

    response = api_for(role).patch(f"items/{item.pk}", {"name": "Hacked"})

    assert_refused(response, status, "catalog.change_item")
    item.refresh_from_db()
    assert item.name == "Pump"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "gizmo"}, "kind"),
        ({"sales_price": "-0.01"}, "sales_price"),
        ({"cost_price": "1.001"}, "cost_price"),
        ({"sku": ""}, "sku"),
        ({"name": "a\x00"}, "name"),
        ({"name": None}, "name"),
    ],
)
def test_item_patch_refuses_invalid_input_and_changes_nothing(api_as, manager, changes, field):
    item = ItemFactory(sku="PUMP-01", name="Pump")

    response = api_as(manager).patch(f"items/{item.pk}", {"description": "changed", **changes})

    assert list(field_errors(response)) == [field]
    item.refresh_from_db()
    assert (item.sku, item.name, item.kind, item.description) == ("PUMP-01", "Pump", "part", "")
    assert not business_events().exists()


def test_item_patch_refuses_duplicate_sku(api_as, manager):
    ItemFactory(sku="PUMP-01")
    item = ItemFactory(sku="PUMP-02")

    response = api_as(manager).patch(f"items/{item.pk}", {"sku": "PUMP-01"})

    assert field_errors(response) == {"sku": ["Item with this SKU already exists."]}
    item.refresh_from_db()
    assert item.sku == "PUMP-02"


def test_item_patch_with_empty_body_changes_nothing(api_as, manager):
    item = ItemFactory(sku="PUMP-01", name="Pump")

    response = api_as(manager).patch(f"items/{item.pk}", {})

    assert response.status_code == 200
    assert response.json() == item_body(item)
    assert not business_events().exists()


def test_item_patch_unknown_id_is_404(api_as, manager):
    response = api_as(manager).patch("items/999999", {"name": "X"})

    assert response.status_code == 404
    assert response.json()["code"] == "core.not_found"


@pytest.mark.parametrize("role", WRITERS)
def test_item_deactivate_and_activate(api_for, db, role):
    item = ItemFactory()
    api = api_for(role)

    deactivated = api.post(f"items/{item.pk}/deactivate")
    assert deactivated.status_code == 200, deactivated.content
    assert deactivated.json() == item_body(item, is_active=False)
    assert Item.objects.get(pk=item.pk).is_active is False

    activated = api.post(f"items/{item.pk}/activate")
    assert activated.status_code == 200
    assert activated.json() == item_body(item, is_active=True)
    assert Item.objects.get(pk=item.pk).is_active is True
    assert list(business_events().values_list("verb", flat=True)) == [
        "item.deactivated",
        "item.activated",
    ]


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
@pytest.mark.parametrize("action", ["deactivate", "activate"])
def test_item_activation_is_refused_without_change_permission(api_for, db, role, status, action):
    item = ItemFactory(is_active=action == "activate")

    response = api_for(role).post(f"items/{item.pk}/{action}")

    assert_refused(response, status, "catalog.change_item")
    assert Item.objects.get(pk=item.pk).is_active is (action == "activate")


def test_item_deactivate_unknown_id_is_404(api_as, manager):
    assert api_as(manager).post("items/999999/deactivate").status_code == 404


# Service tasks


def task_body(task, required_skills, **overrides) -> dict:
    return {
        "id": task.pk,
        "code": task.code,
        "name": task.name,
        "default_duration_minutes": task.default_duration_minutes,
        "required_skills": required_skills,
        "internal_note": task.internal_note,
        "external_note": task.external_note,
        "is_active": task.is_active,
        **overrides,
    }


@pytest.fixture
def skills(db):
    return SkillFactory(code="ELEC"), SkillFactory(code="GAS")


@pytest.mark.parametrize("role", READERS)
def test_task_list_and_get_return_required_skills(api_for, skills, role):
    electric, gas = skills
    task = ServiceTaskFactory(code="LIFT", name="Lift inspection", internal_note="Key at desk")
    TaskSkillFactory(task=task, skill=gas, min_level=1)
    TaskSkillFactory(task=task, skill=electric, min_level=3)
    expected = task_body(
        task,
        [
            {"skill_id": electric.pk, "code": "ELEC", "min_level": 3},
            {"skill_id": gas.pk, "code": "GAS", "min_level": 1},
        ],
    )
    api = api_for(role)

    assert api.get("tasks").json() == {"items": [expected], "count": 1}
    assert api.get(f"tasks/{task.pk}").json() == expected


@pytest.mark.parametrize(("role", "status"), REFUSED_READERS)
def test_tasks_are_not_readable_without_view_permission(api_for, db, role, status):
    task = ServiceTaskFactory()
    api = api_for(role)

    assert_refused(api.get("tasks"), status, "catalog.view_servicetask")
    assert_refused(api.get(f"tasks/{task.pk}"), status, "catalog.view_servicetask")


def test_task_list_filters_orders_and_paginates(api_as, manager, skills):
    electric, _gas = skills
    for code, minutes in [("A", 90), ("B", 30), ("C", 60), ("D", 120)]:
        ServiceTaskFactory(code=code, name=f"Task {code}", default_duration_minutes=minutes)
    TaskSkillFactory(task=ServiceTask.objects.get(code="B"), skill=electric)
    TaskSkillFactory(task=ServiceTask.objects.get(code="D"), skill=electric)
    ServiceTask.objects.filter(code="C").update(is_active=False)
    api = api_as(manager)

    def codes(params):
        response = api.get("tasks", params)
        assert response.status_code == 200, response.content
        return [row["code"] for row in response.json()["items"]], response.json()["count"]

    assert codes({"skill_id": electric.pk}) == (["B", "D"], 2)
    assert codes({"is_active": "false"}) == (["C"], 1)
    assert codes({"q": "task b"}) == (["B"], 1)
    assert codes({"order_by": "duration"}) == (["B", "C", "A", "D"], 4)
    assert codes({"order_by": "-code", "limit": 2, "offset": 1}) == (["C", "B"], 4)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"order_by": "bogus"}, "order_by"), ({"skill_id": 0}, "skill_id"), ({"limit": 0}, "limit")],
)
def test_task_list_refuses_bad_filters(api_as, manager, params, field):
    assert list(field_errors(api_as(manager).get("tasks", params))) == [field]


def test_task_get_unknown_id_is_404(api_as, manager):
    response = api_as(manager).get("tasks/999999")

    assert response.status_code == 404
    assert response.json()["details"] == {"task_id": 999999}


@pytest.mark.parametrize("role", WRITERS)
def test_task_create_uppercases_code_and_sets_skills(api_for, skills, role):
    electric, gas = skills

    response = api_for(role).post(
        "tasks",
        {
            "code": "lift",
            "name": "Lift inspection",
            "default_duration_minutes": 90,
            "required_skills": [
                {"skill_id": gas.pk, "min_level": 2},
                {"skill_id": electric.pk},
            ],
            "internal_note": "Key at desk",
            "external_note": "Lift stops",
        },
    )

    assert response.status_code == 201, response.content
    task = ServiceTask.objects.get()
    assert response.json() == {
        "id": task.pk,
        "code": "LIFT",
        "name": "Lift inspection",
        "default_duration_minutes": 90,
        "required_skills": [
            {"skill_id": electric.pk, "code": "ELEC", "min_level": 1},
            {"skill_id": gas.pk, "code": "GAS", "min_level": 2},
        ],
        "internal_note": "Key at desk",
        "external_note": "Lift stops",
        "is_active": True,
    }


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_task_create_is_refused_without_add_permission(api_for, db, role, status):
    response = api_for(role).post("tasks", {"code": "LIFT", "name": "Lift"})

    assert_refused(response, status, "catalog.add_servicetask")
    assert not ServiceTask.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": ""}, "code"),
        ({"name": "x\x00"}, "name"),
        ({"default_duration_minutes": 0}, "default_duration_minutes"),
        ({"default_duration_minutes": 7 * 24 * 60 + 1}, "default_duration_minutes"),
        (
            {"required_skills": [{"skill_id": "SKILL", "min_level": 6}]},
            "required_skills.0.min_level",
        ),
        (
            {"required_skills": [{"skill_id": "SKILL", "min_level": 0}]},
            "required_skills.0.min_level",
        ),
        ({"required_skills": [{"skill_id": 999999}]}, "required_skills"),
        ({"required_skills": [{"skill_id": 0}]}, "required_skills.0.skill_id"),
    ],
)
def test_task_create_refuses_invalid_input_and_writes_nothing(
    api_as, manager, skills, changes, field
):
    if "required_skills" in changes and changes["required_skills"][0]["skill_id"] == "SKILL":
        changes["required_skills"][0]["skill_id"] = skills[0].pk

    response = api_as(manager).post("tasks", {"code": "LIFT", "name": "Lift", **changes})

    assert list(field_errors(response)) == [field]
    assert not ServiceTask.objects.exists()
    assert not TaskSkill.objects.exists()
    assert not business_events().exists()


def test_task_create_refuses_duplicate_code_in_other_case(api_as, manager):
    ServiceTaskFactory(code="LIFT")

    response = api_as(manager).post("tasks", {"code": "lift", "name": "Lift"})

    assert field_errors(response) == {"code": ["Service task with this Code already exists."]}
    assert ServiceTask.objects.count() == 1


def test_task_patch_replaces_required_skills(api_as, manager, skills):
    electric, gas = skills
    task = ServiceTaskFactory(code="LIFT")
    TaskSkillFactory(task=task, skill=electric, min_level=3)

    response = api_as(manager).patch(
        f"tasks/{task.pk}", {"name": "Lift check", "required_skills": [{"skill_id": gas.pk}]}
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Lift check"
    assert response.json()["required_skills"] == [
        {"skill_id": gas.pk, "code": "GAS", "min_level": 1}
    ]
    assert list(TaskSkill.objects.values_list("skill__code", "min_level")) == [("GAS", 1)]


def test_task_patch_without_required_skills_keeps_them(api_as, manager, skills):
    need = TaskSkillFactory(skill=skills[0], min_level=3)

    response = api_as(manager).patch(f"tasks/{need.task.pk}", {"code": "new"})

    assert response.status_code == 200
    assert response.json()["code"] == "NEW"
    assert response.json()["required_skills"] == [
        {"skill_id": skills[0].pk, "code": "ELEC", "min_level": 3}
    ]


def test_task_patch_refuses_unknown_skill_and_changes_nothing(api_as, manager, skills):
    need = TaskSkillFactory(skill=skills[0], min_level=3, task__name="Lift")

    response = api_as(manager).patch(
        f"tasks/{need.task.pk}",
        {"name": "Renamed", "required_skills": [{"skill_id": 999999, "min_level": 1}]},
    )

    assert field_errors(response) == {"required_skills": ["No skill has the id 999999."]}
    need.task.refresh_from_db()
    assert need.task.name == "Lift"
    assert list(TaskSkill.objects.values_list("pk", "min_level")) == [(need.pk, 3)]


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_task_patch_is_refused_without_change_permission(api_for, db, role, status):
    task = ServiceTaskFactory(name="Lift")

    response = api_for(role).patch(f"tasks/{task.pk}", {"name": "Hacked"})

    assert_refused(response, status, "catalog.change_servicetask")
    task.refresh_from_db()
    assert task.name == "Lift"


@pytest.mark.parametrize("role", WRITERS)
def test_task_deactivate_and_activate(api_for, db, role):
    task = ServiceTaskFactory()
    api = api_for(role)

    assert api.post(f"tasks/{task.pk}/deactivate").json()["is_active"] is False
    assert ServiceTask.objects.get(pk=task.pk).is_active is False
    assert api.post(f"tasks/{task.pk}/activate").json()["is_active"] is True
    assert ServiceTask.objects.get(pk=task.pk).is_active is True


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_task_deactivate_is_refused_without_change_permission(api_for, db, role, status):
    task = ServiceTaskFactory()

    response = api_for(role).post(f"tasks/{task.pk}/deactivate")

    assert_refused(response, status, "catalog.change_servicetask")
    assert ServiceTask.objects.get(pk=task.pk).is_active is True
