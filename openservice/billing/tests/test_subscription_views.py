"""The accrual partial billing serves into the subscription page: who may read it."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def accruing():
    plan = services.plan_create(
        by=None, name="Quarterly", period="quarter", accrue=True, accrual_period="month"
    )
    return services.subscription_create(
        by=None,
        customer=CustomerFactory(),
        plan=plan,
        description="Monitoring",
        base_price=Decimal("100.00"),
        starts_on=date(2027, 1, 15),
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("manager", 200),
        ("administrator", 200),
        ("dispatcher", 403),
        ("technician_user", 403),
        ("customer_user", 403),
    ],
)
def test_the_accrual_partial_follows_the_roles(client, request, accruing, role, status):
    client.force_login(request.getfixturevalue(role))

    response = client.get(f"/subscriptions/{accruing.pk}/accruals/")

    assert response.status_code == status
    if status == 200:
        assert "Nothing accrued yet" in response.content.decode()


def test_an_unknown_subscription_is_not_found(client, manager):
    client.force_login(manager)

    assert client.get("/subscriptions/999999/accruals/").status_code == 404
