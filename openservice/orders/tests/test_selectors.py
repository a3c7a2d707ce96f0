"""Query counts of the order list: a page of 50 costs what a page of 5 does, for every role,
with everything the API reads of an order (stage, lines, objects, tasks) evaluated."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.catalog.tests.factories import ServiceTaskFactory
from openservice.core.roles import roles_of
from openservice.core.schemas import PageIn, paginate
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders.selectors import order_get, order_list
from openservice.orders.tests.factories import add_line, make_order, service_object
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

# The page, its lines, its objects, its tasks, and the total count.
PAGE_QUERIES = 5


def orders_with_everything(by, *, count=55, customer=None, technician=None):
    """Orders with two lines, an object and a task each, on a few customers and sites."""
    customer = customer or CustomerFactory()
    site = SiteFactory(customer=customer)
    objects = [service_object(customer, site=site) for _ in range(3)]
    tasks = [ServiceTaskFactory() for _ in range(3)]
    technician = technician or TechnicianFactory()
    orders = []
    for n in range(count):
        order = make_order(
            by=by,
            customer=customer,
            site=site,
            preferred_technician=technician,
            objects=[objects[n % 3]],
            tasks=[tasks[n % 3]],
        )
        add_line(order, by=by, kind="hour", quantity="1.5", object=objects[n % 3])
        add_line(order, by=by, kind="fee", unit_price=Decimal("35.00"))
        orders.append(order)
    return orders


def read_page(user, size) -> list[tuple]:
    """Everything the order output reads, as the API does."""
    page = paginate(order_list(user=user), PageIn(limit=size))
    assert page["count"] >= size
    return [
        (
            order.number,
            order.stage.code,
            order.stage.name,
            order.customer.name,
            order.site.name,
            order.preferred_technician_id and order.preferred_technician.name,
            sorted(obj.pk for obj in order.objects_covered.all()),
            sorted(task.pk for task in order.tasks.all()),
            [(line.kind, line.net_amount, line.status) for line in order.lines.all()],
        )
        for order in page["items"]
    ]


@pytest.fixture
def shared_orders(manager, technician_user, customer_user):
    """55 orders visible to the manager, technician_user (their preferred technician) and
    customer_user (their customer), and a few that only the manager sees."""
    orders_with_everything(
        manager,
        customer=customer_user.customer_contact.customer,
        technician=TechnicianFactory(user=technician_user),
    )
    orders_with_everything(manager, count=3)
    return {"manager": manager, "technician": technician_user, "customer": customer_user}


def test_order_list_costs_the_same_for_a_page_of_50_as_of_5_for_every_role(
    django_assert_num_queries, shared_orders
):
    for role, user in shared_orders.items():
        roles_of(user)  # read once per request, before the page
        for size in (5, 50):
            with django_assert_num_queries(PAGE_QUERIES):
                rows = read_page(user, size)
            assert len(rows) == size, role
            assert all(len(row[-1]) == 2 and row[-2] and row[-3] for row in rows), role
        assert order_list(user=user).count() == (58 if role == "manager" else 55), role


def test_one_order_is_read_in_a_fixed_number_of_queries(django_assert_num_queries, manager):
    order = orders_with_everything(manager, count=1)[0]
    roles_of(manager)

    with django_assert_num_queries(PAGE_QUERIES - 1):  # no count
        found = order_get(user=manager, order_id=order.pk)
        assert [line.kind for line in found.lines.all()] == ["hour", "fee"]
        assert len(found.objects_covered.all()) == len(found.tasks.all()) == 1
        assert found.stage.code == "new"


def test_the_order_list_endpoint_costs_the_same_for_a_page_of_50_as_of_5(shared_orders, api_as):
    for role, user in shared_orders.items():
        api = api_as(user)
        api.get("orders", {"limit": 1})  # token use is stamped at most once a minute: not counted
        counts = []
        for size in (5, 50):
            with CaptureQueriesContext(connection) as queries:
                response = api.get("orders", {"limit": size})
            assert response.status_code == 200
            items = response.json()["items"]
            assert len(items) == size
            assert all(len(item["lines"]) == 2 and item["object_ids"] for item in items)
            counts.append(len(queries))
        assert counts[0] == counts[1], role
