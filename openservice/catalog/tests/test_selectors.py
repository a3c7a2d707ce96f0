from decimal import Decimal

import pytest

from openservice.catalog import selectors
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory, TaskSkillFactory
from openservice.core.errors import NotFound
from openservice.workforce.tests.factories import SkillFactory


def skus(items) -> list[str]:
    return [item.sku for item in items]


def codes(tasks) -> list[str]:
    return [task.code for task in tasks]


@pytest.fixture
def items(db):
    return {
        "pump": ItemFactory(
            sku="P-100", name="Pump", kind="product", sales_price=Decimal("300.00")
        ),
        "valve": ItemFactory(
            sku="P-200",
            name="Valve",
            description="brass pump valve",
            kind="part",
            sales_price=Decimal("20.00"),
            is_serialized=True,
        ),
        "hour": ItemFactory(sku="S-100", name="Labour hour", kind="service", sales_price=0),
        "fee": ItemFactory(
            sku="F-100", name="Call-out", kind="fee", sales_price=Decimal("50.00"), is_active=False
        ),
    }


def test_item_list_defaults_to_sku_order_with_inactive_included(manager, items):
    assert skus(selectors.item_list(user=manager)) == ["F-100", "P-100", "P-200", "S-100"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("pump", ["P-100", "P-200"]),  # name, and description of the valve
        ("p-2", ["P-200"]),  # SKU, case-insensitively
        ("LABOUR", ["S-100"]),
        ("nothing", []),
        ("", ["F-100", "P-100", "P-200", "S-100"]),
    ],
)
def test_item_list_searches_sku_name_and_description(manager, items, q, expected):
    assert skus(selectors.item_list(user=manager, q=q)) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "part"}, ["P-200"]),
        ({"kind": "fee"}, ["F-100"]),
        ({"is_serialized": True}, ["P-200"]),
        ({"is_serialized": False}, ["F-100", "P-100", "S-100"]),
        ({"is_active": True}, ["P-100", "P-200", "S-100"]),
        ({"is_active": False}, ["F-100"]),
        ({"kind": "product", "is_active": True, "q": "pump"}, ["P-100"]),
    ],
)
def test_item_list_filters(manager, items, filters, expected):
    assert skus(selectors.item_list(user=manager, **filters)) == expected


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("name", ["F-100", "S-100", "P-100", "P-200"]),
        ("-name", ["P-200", "P-100", "S-100", "F-100"]),
        ("sales_price", ["S-100", "P-200", "F-100", "P-100"]),
        ("-sales_price", ["P-100", "F-100", "P-200", "S-100"]),
        ("kind", ["F-100", "P-200", "P-100", "S-100"]),
        ("-sku", ["S-100", "P-200", "P-100", "F-100"]),
    ],
)
def test_item_list_orders_by_allowed_keys(manager, items, order_by, expected):
    assert skus(selectors.item_list(user=manager, order_by=order_by)) == expected


def test_item_list_breaks_ties_by_id(manager):
    first = ItemFactory(sku="B", sales_price=Decimal("10.00"))
    second = ItemFactory(sku="A", sales_price=Decimal("10.00"))

    assert list(selectors.item_list(user=manager, order_by="sales_price")) == [first, second]
    assert list(selectors.item_list(user=manager, order_by="-sales_price")) == [second, first]


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "administrator"])
def test_item_list_is_read_by_all_staff(request, items, role):
    user = request.getfixturevalue(role)

    assert skus(selectors.item_list(user=user)) == ["F-100", "P-100", "P-200", "S-100"]


def test_item_list_shows_customers_nothing(customer_user, items):
    assert list(selectors.item_list(user=customer_user)) == []


def test_item_list_shows_users_without_role_nothing(make_user, items):
    assert list(selectors.item_list(user=make_user())) == []


def test_item_get_returns_the_item(manager, items):
    assert selectors.item_get(user=manager, item_id=items["pump"].pk) == items["pump"]


def test_item_get_unknown_id_is_not_found(manager, items):
    with pytest.raises(NotFound) as refused:
        selectors.item_get(user=manager, item_id=999_999)

    assert refused.value.details == {"item_id": 999_999}


def test_item_get_hides_items_from_customers(customer_user, items):
    with pytest.raises(NotFound):
        selectors.item_get(user=customer_user, item_id=items["pump"].pk)


@pytest.mark.parametrize("page_size", [5, 50])
def test_item_list_page_costs_the_same_queries_at_any_size(
    manager, django_assert_num_queries, page_size
):
    ItemFactory.create_batch(55)

    with django_assert_num_queries(2):  # the user's roles, the page
        page = list(selectors.item_list(user=manager)[:page_size])
        fields = [
            (item.sku, item.name, item.kind, item.unit, item.sales_price, item.cost_price)
            for item in page
        ]

    assert len(fields) == page_size


# Service tasks


@pytest.fixture
def tasks(db):
    electric, gas = SkillFactory(code="ELEC"), SkillFactory(code="GAS")
    lift = ServiceTaskFactory(code="LIFT", name="Lift inspection", default_duration_minutes=90)
    boiler = ServiceTaskFactory(code="BOILER", name="Boiler service", default_duration_minutes=120)
    clean = ServiceTaskFactory(code="CLEAN", name="Cleaning", default_duration_minutes=30)
    old = ServiceTaskFactory(
        code="OLD", name="Old inspection", default_duration_minutes=60, is_active=False
    )
    TaskSkillFactory(task=lift, skill=electric, min_level=3)
    TaskSkillFactory(task=boiler, skill=gas, min_level=2)
    TaskSkillFactory(task=boiler, skill=electric, min_level=1)
    return {"electric": electric, "gas": gas, "lift": lift, "clean": clean, "old": old}


def test_task_list_defaults_to_code_order(manager, tasks):
    assert codes(selectors.task_list(user=manager)) == ["BOILER", "CLEAN", "LIFT", "OLD"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [("inspection", ["LIFT", "OLD"]), ("boil", ["BOILER"]), ("clean", ["CLEAN"]), ("zzz", [])],
)
def test_task_list_searches_code_and_name(manager, tasks, q, expected):
    assert codes(selectors.task_list(user=manager, q=q)) == expected


def test_task_list_filters_by_required_skill(manager, tasks):
    assert codes(selectors.task_list(user=manager, skill_id=tasks["electric"].pk)) == [
        "BOILER",
        "LIFT",
    ]
    assert codes(selectors.task_list(user=manager, skill_id=tasks["gas"].pk)) == ["BOILER"]


def test_task_list_filters_by_active(manager, tasks):
    assert codes(selectors.task_list(user=manager, is_active=True)) == ["BOILER", "CLEAN", "LIFT"]
    assert codes(selectors.task_list(user=manager, is_active=False)) == ["OLD"]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("name", ["BOILER", "CLEAN", "LIFT", "OLD"]),
        ("-name", ["OLD", "LIFT", "CLEAN", "BOILER"]),
        ("duration", ["CLEAN", "OLD", "LIFT", "BOILER"]),
        ("-duration", ["BOILER", "LIFT", "OLD", "CLEAN"]),
        ("-code", ["OLD", "LIFT", "CLEAN", "BOILER"]),
    ],
)
def test_task_list_orders_by_allowed_keys(manager, tasks, order_by, expected):
    assert codes(selectors.task_list(user=manager, order_by=order_by)) == expected


def test_task_list_carries_required_skills_in_code_order(manager, tasks):
    lift = selectors.task_get(user=manager, task_id=tasks["lift"].pk)
    assert [(n.skill.code, n.min_level) for n in lift.skill_needs.all()] == [("ELEC", 3)]

    boiler = selectors.task_list(user=manager, q="boiler").get()
    assert [(n.skill.code, n.min_level) for n in boiler.skill_needs.all()] == [
        ("ELEC", 1),
        ("GAS", 2),
    ]


def test_task_list_shows_customers_nothing(customer_user, tasks):
    assert list(selectors.task_list(user=customer_user)) == []


def test_task_get_unknown_id_is_not_found(manager, tasks):
    with pytest.raises(NotFound) as refused:
        selectors.task_get(user=manager, task_id=999_999)

    assert refused.value.details == {"task_id": 999_999}


def test_task_get_hides_tasks_from_customers(customer_user, tasks):
    with pytest.raises(NotFound):
        selectors.task_get(user=customer_user, task_id=tasks["lift"].pk)


@pytest.mark.parametrize("page_size", [5, 50])
def test_task_list_page_costs_the_same_queries_at_any_size(
    manager, django_assert_num_queries, page_size
):
    skills = [SkillFactory(code=f"S{n}") for n in range(3)]
    for task in ServiceTaskFactory.create_batch(55):
        for level, skill in enumerate(skills, start=1):
            TaskSkillFactory(task=task, skill=skill, min_level=level)

    with django_assert_num_queries(3):  # the user's roles, the page, its required skills
        page = list(selectors.task_list(user=manager)[:page_size])
        needs = [
            [(need.skill_id, need.skill.code, need.min_level) for need in task.skill_needs.all()]
            for task in page
        ]

    assert len(needs) == page_size
    assert needs[0] == [(skills[0].pk, "S0", 1), (skills[1].pk, "S1", 2), (skills[2].pk, "S2", 3)]
