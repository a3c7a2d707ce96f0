"""Query counts of the equipment reads: a page of 50 objects costs what a page of 5 does, and a
tree on any day is one query however long its history."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.catalog.tests.factories import BomFactory, ItemFactory
from openservice.core.roles import is_staff_member
from openservice.core.schemas import PageIn, paginate
from openservice.equipment.models import Component
from openservice.equipment.selectors import component_history, component_tree, object_list
from openservice.equipment.tests.factories import ObjectGroupFactory, ServiceObjectFactory
from openservice.equipment.tree import flatten

DAY = date(2025, 6, 1)

pytestmark = pytest.mark.django_db


def objects_for(customer=None, count=60):
    group = ObjectGroupFactory(code="LIFTS")
    bom = BomFactory()
    extra = {"customer": customer} if customer is not None else {}
    return [
        ServiceObjectFactory(group=group, bom=bom, item=bom.item, **extra) for _ in range(count)
    ]


def read_page(user, size):
    page = paginate(object_list(user=user), PageIn(limit=size))
    return [
        (
            obj.customer.name,
            obj.site.name,
            obj.item.sku,
            obj.group.code,
            obj.bom.version,
        )
        for obj in page["items"]
    ]


def test_object_list_costs_the_same_for_a_page_of_50_as_of_5(django_assert_num_queries, manager):
    objects_for()
    assert is_staff_member(manager)  # roles are read once per user, before counting
    for size in (5, 50):
        with django_assert_num_queries(2):  # the page and the count
            rows = read_page(manager, size)
        assert len(rows) == size


def test_a_customers_object_list_costs_the_same_for_50_as_for_5(
    django_assert_num_queries, customer_user
):
    objects_for(customer_user.customer_contact.customer)
    objects_for(count=5)  # another customer's, not visible
    assert not is_staff_member(customer_user)
    for size in (5, 50):
        with django_assert_num_queries(2):
            rows = read_page(customer_user, size)
        assert len(rows) == size
    assert object_list(user=customer_user).count() == 60


def test_object_list_endpoint_costs_the_same_for_a_page_of_50_as_of_5(api_as, manager):
    objects_for()
    api = api_as(manager)
    api.get("objects")  # token use is stamped at most once a minute; leave it out of the counts
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("objects", {"limit": size, "warranty": "none"})
        assert len(response.json()["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_component_tree_is_one_query_for_200_units_with_history(django_assert_num_queries):
    obj = ServiceObjectFactory(installed_on=date(2020, 1, 1))
    part = ItemFactory()

    def unit(slot, parent=None, installed_on=date(2020, 1, 1), removed_on=None):
        return Component(
            object=obj,
            parent=parent,
            item=part,
            position=slot.rpartition("/")[2],
            slot=slot,
            installed_on=installed_on,
            removed_on=removed_on,
        )

    roots = Component.objects.bulk_create([unit(f"R{n:02d}") for n in range(20)])
    Component.objects.bulk_create(
        [unit(f"{root.slot}/C{n}", root) for root in roots for n in range(9)]
    )
    # History: units removed before the day, and units installed after it.
    Component.objects.bulk_create(
        [
            unit(f"{root.slot}/OLD{n}", root, removed_on=DAY - timedelta(days=n + 1))
            for root in roots
            for n in range(5)
        ]
        + [unit(f"{root.slot}/NEW", root, installed_on=DAY + timedelta(days=1)) for root in roots]
        + [unit(f"{root.slot}/GONE", root, removed_on=DAY) for root in roots]
    )
    assert Component.objects.filter(object=obj).count() == 340

    with django_assert_num_queries(1):
        tree = component_tree(obj, on=DAY)

    assert len(tree) == 20
    assert [len(root.children) for root in tree] == [9] * 20
    assert len(flatten(tree)) == 200
    assert {node.slot.rpartition("/")[2] for node in flatten(tree)} - {
        root.slot for root in tree
    } == {f"C{n}" for n in range(9)}
    with django_assert_num_queries(1):
        assert len(flatten(component_tree(obj, on=DAY + timedelta(days=1)))) == 220


def test_component_history_is_one_query(django_assert_num_queries):
    obj = ServiceObjectFactory(installed_on=date(2020, 1, 1))
    old = Component.objects.create(
        object=obj,
        item=ItemFactory(),
        slot="A",
        installed_on=date(2020, 1, 1),
        removed_on=date(2021, 1, 1),
    )
    for n in range(10):
        Component.objects.create(
            object=obj,
            item=ItemFactory(),
            slot=f"B{n}",
            installed_on=date(2021, 1, 1),
            replaces=old,
        )
    with django_assert_num_queries(1):
        history = component_history(obj)
        labels = [(c.item.sku, c.replaces and c.replaces.item.sku) for c in history]
    assert len(labels) == 11
