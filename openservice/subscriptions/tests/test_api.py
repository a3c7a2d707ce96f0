"""The /api/v1 subscription plans, subscriptions and fees: the role matrix on every operation
(nothing written on a refusal), the exact output, filters and pages, the status actions with
their day, fee generation (twice is once, also through a retried request), fees and their
adjustment, indexation and the price history, and each refusal's code."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from openservice.agreements.tests.factories import active_agreement
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services
from openservice.subscriptions.models import (
    Fee,
    PriceChange,
    Subscription,
    SubscriptionPause,
    SubscriptionPlan,
)

pytestmark = pytest.mark.django_db


def business_events():
    return AuditEvent.objects.exclude(verb__startswith="api_token.")


def everything() -> tuple:
    """Every plan, subscription, fee, pause, price change and audit event, to show a refused
    request wrote nothing."""
    return (
        list(
            SubscriptionPlan.objects.order_by("pk").values_list(
                "pk",
                "name",
                "period",
                "billing",
                "align_to_calendar",
                "accrue",
                "accrual_period",
                "is_active",
            )
        ),
        list(
            Subscription.objects.order_by("pk").values_list(
                "pk",
                "number",
                "customer_id",
                "plan_id",
                "agreement_id",
                "description",
                "base_price",
                "index",
                "currency",
                "starts_on",
                "ends_on",
                "status",
                "fees_pending_from",
            )
        ),
        list(
            Fee.objects.order_by("pk").values_list(
                "pk",
                "subscription_id",
                "period_start",
                "period_end",
                "days",
                "base_price",
                "index",
                "amount",
                "status",
            )
        ),
        list(
            SubscriptionPause.objects.order_by("pk").values_list(
                "subscription_id", "starts_on", "ends_on"
            )
        ),
        list(
            PriceChange.objects.order_by("pk").values_list(
                "subscription_id", "method", "value", "effective_on", "base_price", "index"
            )
        ),
        list(business_events().order_by("pk").values_list("verb", "object_id")),
    )


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


def plan(name="Monthly", period="month", **fields) -> SubscriptionPlan:
    return services.plan_create(by=None, name=name, period=period, **fields)


def subscribe(of_plan=None, starts_on=date(2027, 1, 1), base_price="100.00", **fields):
    return services.subscription_create(
        by=None,
        customer=fields.pop("customer", None) or CustomerFactory(),
        plan=of_plan or plan(),
        description=fields.pop("description", "Remote monitoring"),
        base_price=Decimal(base_price),
        starts_on=starts_on,
        **fields,
    )


def generate(through: date):
    return services.subscriptions_generate_fees(through=through)


@pytest.fixture
def user_of(request):
    def get(actor):
        if actor == "anonymous":
            return None
        fixture = {"customer": "customer_user", "technician": "technician_user"}.get(actor, actor)
        return request.getfixturevalue(fixture)

    return get


# The role matrix

ACTORS = ["anonymous", "customer", "technician", "dispatcher", "manager", "administrator"]
READ = (401, 403, 403, 403, 200, 200)
CHANGE = (401, 403, 403, 403, 200, 403)
CREATE = (401, 403, 403, 403, 201, 403)
DELETE = (401, 403, 403, 403, 204, 403)
# operation id: (statuses in ACTORS order, the permission a refusal names)
MATRIX = {
    "list_subscription_plans": (READ, "view_subscriptionplan"),
    "get_subscription_plan": (READ, "view_subscriptionplan"),
    "create_subscription_plan": (CREATE, "add_subscriptionplan"),
    "update_subscription_plan": (CHANGE, "change_subscriptionplan"),
    "delete_subscription_plan": (DELETE, "delete_subscriptionplan"),
    "generate_subscription_fees": (CHANGE, "add_fee"),
    "list_subscriptions": (READ, "view_subscription"),
    "get_subscription": (READ, "view_subscription"),
    "create_subscription": (CREATE, "add_subscription"),
    "update_subscription": (CHANGE, "change_subscription"),
    "delete_subscription": (DELETE, "delete_subscription"),
    "pause_subscription": (CHANGE, "change_subscription"),
    "resume_subscription": (CHANGE, "change_subscription"),
    "cancel_subscription": (CHANGE, "change_subscription"),
    "index_subscription": (CHANGE, "change_subscription"),
    "list_subscription_price_changes": (READ, "view_pricechange"),
    "list_subscription_fees": (READ, "view_fee"),
    "adjust_subscription_fee": (CHANGE, "change_fee"),
}


def request_for(operation: str) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it."""
    monthly = plan()
    if operation == "list_subscription_plans":
        return "get", "subscription-plans", None
    if operation == "get_subscription_plan":
        return "get", f"subscription-plans/{monthly.pk}", None
    if operation == "create_subscription_plan":
        return "post", "subscription-plans", {"name": "Yearly", "period": "year"}
    if operation == "update_subscription_plan":
        return "patch", f"subscription-plans/{monthly.pk}", {"name": "Monthly service"}
    if operation == "delete_subscription_plan":
        return "delete", f"subscription-plans/{monthly.pk}", None
    if operation == "create_subscription":
        body = {
            "customer_id": CustomerFactory().pk,
            "plan_id": monthly.pk,
            "description": "Alarm line",
            "base_price": "50.00",
            "starts_on": "2027-01-01",
        }
        return "post", "subscriptions", body
    subscription = subscribe(monthly)
    path = f"subscriptions/{subscription.pk}"
    if operation == "resume_subscription":
        services.subscription_pause(subscription=subscription, by=None, on=date(2027, 2, 1))
    if operation == "list_subscription_price_changes":
        services.subscription_change_price(
            subscription=subscription,
            by=None,
            method="index_percent",
            value=Decimal("5"),
            effective_on=date(2027, 3, 1),
        )
    if operation in ("list_subscription_fees", "adjust_subscription_fee"):
        generate(date(2027, 1, 1))
    fee = subscription.fees.first()
    return {
        "generate_subscription_fees": (
            "post",
            "subscriptions/fees/generate",
            {"through": "2027-01-01"},
        ),
        "list_subscriptions": ("get", "subscriptions", None),
        "get_subscription": ("get", path, None),
        "update_subscription": ("patch", path, {"description": "Remote monitoring 24/7"}),
        "delete_subscription": ("delete", path, None),
        "pause_subscription": ("post", f"{path}/pause", {"on": "2027-02-01"}),
        "resume_subscription": ("post", f"{path}/resume", {"on": "2027-03-01"}),
        "cancel_subscription": ("post", f"{path}/cancel", {"on": "2027-06-30"}),
        "index_subscription": (
            "post",
            f"{path}/index",
            {"method": "index_percent", "value": "10", "effective_on": "2027-02-01"},
        ),
        "list_subscription_price_changes": ("get", f"{path}/price-changes", None),
        "list_subscription_fees": ("get", f"{path}/fees", None),
        "adjust_subscription_fee": (
            "patch",
            f"{path}/fees/{fee.pk if fee else 0}",
            {"amount": "90.00"},
        ),
    }[operation]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


# What a successful answer shows, per operation.
SUCCESS = {
    "list_subscription_plans": lambda body: [row["name"] for row in body["items"]] == ["Monthly"],
    "get_subscription_plan": lambda body: (body["name"], body["period"]) == ("Monthly", "month"),
    "create_subscription_plan": lambda body: (body["name"], body["period"]) == ("Yearly", "year"),
    "update_subscription_plan": lambda body: body["name"] == "Monthly service",
    "delete_subscription_plan": lambda body: body is None,
    "generate_subscription_fees": lambda body: (
        body == {"fees_created": 1, "subscriptions": 1, "ended": 0}
    ),
    "list_subscriptions": lambda body: (
        [row["description"] for row in body["items"]] == ["Remote monitoring"]
    ),
    "get_subscription": lambda body: body["description"] == "Remote monitoring",
    "create_subscription": lambda body: (
        (body["description"], body["status"]) == ("Alarm line", "active")
    ),
    "update_subscription": lambda body: body["description"] == "Remote monitoring 24/7",
    "delete_subscription": lambda body: body is None,
    "pause_subscription": lambda body: body["status"] == "paused",
    "resume_subscription": lambda body: body["status"] == "active",
    "cancel_subscription": lambda body: (
        (body["status"], body["ends_on"]) == ("cancelled", "2027-06-30")
    ),
    "index_subscription": lambda body: body["index"] == "110.0000",
    "list_subscription_price_changes": lambda body: [row["index"] for row in body] == ["105.0000"],
    "list_subscription_fees": lambda body: [row["period_start"] for row in body] == ["2027-01-01"],
    "adjust_subscription_fee": lambda body: body["amount"] == "90.00",
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_every_subscriptions_operation(operation, actor, user_of, api_as):
    method, path, body = request_for(operation)
    api = api_as(user_of(actor))
    before = everything()

    response = send(api, method, path, body)

    statuses, perm = MATRIX[operation]
    status = statuses[ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif status == 403:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": f"subscriptions.{perm}"},
        }
    if status >= 400:
        assert everything() == before
        return
    assert SUCCESS[operation](response.json() if response.content else None)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_subscriptions_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith(("/api/v1/subscriptions", "/api/v1/subscription-plans"))
        for operation in item.values()
    }
    assert operations == set(MATRIX)


# Plans


def test_a_plan_is_created_with_exactly_its_documented_fields(manager, api_as):
    api = api_as(manager)

    response = api.post(
        "subscription-plans",
        {
            "name": "  Quarterly accruing  ",
            "period": "quarter",
            "billing": "arrears",
            "align_to_calendar": True,
            "accrue": True,
            "accrual_period": "month",
        },
    )

    assert response.status_code == 201, response.content
    created = SubscriptionPlan.objects.get()
    assert response.json() == {
        "id": created.pk,
        "name": "Quarterly accruing",
        "period": "quarter",
        "billing": "arrears",
        "align_to_calendar": True,
        "accrue": True,
        "accrual_period": "month",
        "is_active": True,
        "subscription_count": 0,
    }
    assert api.get(f"subscription-plans/{created.pk}").json() == response.json()
    assert list(business_events().values_list("verb", "object_id")) == [
        ("subscription_plan.created", str(created.pk))
    ]


def test_a_plan_that_does_not_accrue_has_no_accrual_period_and_may_start_inactive(manager, api_as):
    response = api_as(manager).post(
        "subscription-plans",
        {"name": "Weekly", "period": "week", "accrual_period": "", "is_active": False},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["billing"], body["accrue"], body["accrual_period"], body["is_active"]) == (
        "advance",
        False,
        None,
        False,
    )
    assert SubscriptionPlan.objects.get().is_active is False


def test_plans_are_listed_by_name_filtered_and_paged(manager, api_as):
    plan("Yearly", "year")
    plan("Monthly", "month")
    retired = plan("Weekly", "week")
    services.plan_update(plan=retired, by=None, is_active=False)
    api = api_as(manager)

    def names(params):
        response = api.get("subscription-plans", params)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["items"]], response.json()["count"]

    assert names({}) == (["Monthly", "Weekly", "Yearly"], 3)
    assert names({"is_active": "true"}) == (["Monthly", "Yearly"], 2)
    assert names({"is_active": "false"}) == (["Weekly"], 1)
    assert names({"limit": 1, "offset": 1}) == (["Weekly"], 3)


def test_bad_plans_are_refused_with_their_codes_and_write_nothing(manager, api_as):
    plan("Monthly")
    api = api_as(manager)
    before = everything()

    longer = api.post(
        "subscription-plans",
        {"name": "M", "period": "month", "accrue": True, "accrual_period": "quarter"},
    )
    assert field_errors(longer, "subscriptions.accrual_longer_than_period") == {
        "accrual_period": ["The accrual period may not be longer than the invoicing period."]
    }
    missing = api.post("subscription-plans", {"name": "M", "period": "month", "accrue": True})
    assert list(field_errors(missing)) == ["accrual_period"]
    assert list(
        field_errors(api.post("subscription-plans", {"name": "Monthly", "period": "month"}))
    ) == ["name"]
    assert list(field_errors(api.post("subscription-plans", {"name": "D", "period": "day"}))) == [
        "period"
    ]
    assert list(
        field_errors(
            api.post("subscription-plans", {"name": "A", "period": "month", "billing": "later"})
        )
    ) == ["billing"]
    assert everything() == before


def test_a_plan_in_use_keeps_its_terms_and_is_not_deleted(manager, api_as):
    used = plan()
    subscribe(used)
    api = api_as(manager)
    before = everything()

    assert error_of(api.patch(f"subscription-plans/{used.pk}", {"period": "year"})) == (
        409,
        "subscriptions.plan_in_use",
    )
    assert error_of(api.delete(f"subscription-plans/{used.pk}")) == (
        409,
        "subscriptions.plan_in_use",
    )
    assert everything() == before
    renamed = api.patch(
        f"subscription-plans/{used.pk}", {"name": "Monthly (old)", "is_active": False}
    )
    assert renamed.status_code == 200, renamed.content
    assert (
        renamed.json()["name"],
        renamed.json()["is_active"],
        renamed.json()["subscription_count"],
    ) == (
        "Monthly (old)",
        False,
        1,
    )


def test_an_unused_plan_changes_its_terms_and_stops_accruing(manager, api_as):
    accruing = plan("Q", "quarter", accrue=True, accrual_period="month")

    response = api_as(manager).patch(
        f"subscription-plans/{accruing.pk}", {"accrue": False, "period": "year"}
    )

    assert response.status_code == 200, response.content
    assert (
        response.json()["period"],
        response.json()["accrue"],
        response.json()["accrual_period"],
    ) == (
        "year",
        False,
        None,
    )


# Subscriptions


def test_a_subscription_is_created_with_exactly_its_documented_fields(manager, api_as):
    customer = CustomerFactory(name="Kone Oy", currency="SEK")
    agreement = active_agreement(customer=customer)
    monthly = plan()

    response = api_as(manager).post(
        "subscriptions",
        {
            "customer_id": customer.pk,
            "plan_id": monthly.pk,
            "agreement_id": agreement.pk,
            "description": "  Remote monitoring  ",
            "base_price": "120.5",
            "starts_on": "2027-01-15",
            "ends_on": "2027-12-31",
        },
    )

    assert response.status_code == 201, response.content
    created = Subscription.objects.get()
    assert response.json() == {
        "id": created.pk,
        "number": "SU000001",
        "customer_id": customer.pk,
        "customer_name": "Kone Oy",
        "plan_id": monthly.pk,
        "plan_name": "Monthly",
        "agreement_id": agreement.pk,
        "description": "Remote monitoring",
        "base_price": "120.50",
        "index": "100.0000",
        "currency": "SEK",
        "starts_on": "2027-01-15",
        "ends_on": "2027-12-31",
        "status": "active",
        "fees_pending_from": "2027-01-15",
    }
    assert api_as(manager).get(f"subscriptions/{created.pk}").json() == response.json()
    assert list(
        business_events()
        .filter(verb__startswith="subscription.")
        .values_list("verb", "object_id", "data")
    ) == [("subscription.created", str(created.pk), {"number": "SU000001"})]


def test_a_subscription_takes_an_index_and_a_currency_of_its_own(manager, api_as):
    response = api_as(manager).post(
        "subscriptions",
        {
            "customer_id": CustomerFactory().pk,
            "plan_id": plan().pk,
            "description": "Alarm line",
            "base_price": "100",
            "index": "104.25",
            "currency": "USD",
            "starts_on": "2027-01-01",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["index"], body["currency"], body["ends_on"], body["agreement_id"]) == (
        "104.2500",
        "USD",
        None,
        None,
    )


def test_creating_a_subscription_against_the_rules_is_refused_and_writes_nothing(manager, api_as):
    customer, other = CustomerFactory(), CustomerFactory()
    inactive = CustomerFactory(is_active=False)
    others_agreement = active_agreement(customer=other)
    monthly = plan()
    api = api_as(manager)
    valid = {
        "customer_id": customer.pk,
        "plan_id": monthly.pk,
        "description": "Remote monitoring",
        "base_price": "100.00",
        "starts_on": "2027-01-01",
    }
    before = everything()

    assert field_errors(
        api.post("subscriptions", {**valid, "base_price": "-1.00"}), "subscriptions.negative_price"
    ) == {"base_price": ["A price must not be negative."]}
    assert field_errors(
        api.post("subscriptions", {**valid, "index": "0"}), "subscriptions.invalid_index"
    ) == {"index": ["The index must be above zero."]}
    assert field_errors(
        api.post("subscriptions", {**valid, "ends_on": "2026-12-31"}),
        "subscriptions.end_before_start",
    ) == {"ends_on": ["The end must not be before the start."]}
    assert error_of(api.post("subscriptions", {**valid, "agreement_id": others_agreement.pk})) == (
        409,
        "subscriptions.customer_mismatch",
    )
    assert error_of(api.post("subscriptions", {**valid, "customer_id": inactive.pk})) == (
        409,
        "subscriptions.customer_inactive",
    )
    for field in ("customer_id", "plan_id", "agreement_id"):
        assert field_errors(api.post("subscriptions", {**valid, field: 999999})) == {
            field: ["No such record is visible to you."]
        }, field
    for bad in (
        {"base_price": "1.005"},
        {"base_price": "NaN"},
        {"index": "1000000"},
        {"currency": "eur"},
        {"description": ""},
        {"starts_on": "0999-01-01"},
    ):
        assert list(field_errors(api.post("subscriptions", {**valid, **bad}))) == list(bad), bad
    huge = api.post("subscriptions", {**valid, "base_price": "999999999999.99", "index": "200"})
    assert list(field_errors(huge)) == ["__all__"]
    assert everything() == before


@pytest.fixture
def listed():
    """a, b of customer A (b paused, on the yearly plan); c of Beta Oy under an agreement."""
    customer_a = CustomerFactory(name="Alpha Oy")
    customer_b = CustomerFactory(name="Beta Oy")
    monthly, yearly = plan("Monthly", "month"), plan("Yearly", "year")
    agreement = active_agreement(customer=customer_b)
    subscriptions = {
        "a": subscribe(monthly, customer=customer_a, description="Alarm line", base_price="30"),
        "b": subscribe(yearly, customer=customer_a, description="Lift phone", base_price="10"),
        "c": subscribe(
            monthly,
            customer=customer_b,
            agreement=agreement,
            description="Remote monitoring",
            base_price="20",
        ),
    }
    services.subscription_pause(subscription=subscriptions["b"], by=None, on=date(2027, 2, 1))
    names = {subscription.pk: name for name, subscription in subscriptions.items()}
    return subscriptions, names, customer_a, yearly, agreement


def test_the_list_filters_sorts_and_pages(listed, administrator, api_as):
    subscriptions, names, customer_a, yearly, agreement = listed
    api = api_as(administrator)
    cases = [
        ({}, ["c", "b", "a"]),  # newest number first
        ({"customer_id": customer_a.pk}, ["b", "a"]),
        ({"plan_id": yearly.pk}, ["b"]),
        ({"agreement_id": agreement.pk}, ["c"]),
        ({"status": "paused"}, ["b"]),
        ({"status": "cancelled"}, []),
        ({"q": "beta"}, ["c"]),
        ({"q": subscriptions["a"].number}, ["a"]),
        ({"order_by": "base_price"}, ["b", "c", "a"]),
        ({"order_by": "customer"}, ["a", "b", "c"]),  # ties: the older first
        ({"order_by": "-base_price"}, ["a", "c", "b"]),
        ({"customer_id": customer_a.pk, "status": "active"}, ["a"]),
    ]
    for params, expected in cases:
        response = api.get("subscriptions", params)
        assert response.status_code == 200, response.content
        assert [names[row["id"]] for row in response.json()["items"]] == expected, params
        assert response.json()["count"] == len(expected), params
    page = api.get("subscriptions", {"limit": 1, "offset": 1}).json()
    assert ([names[row["id"]] for row in page["items"]], page["count"]) == (["b"], 3)


def test_bad_list_parameters_are_invalid_input(manager, api_as):
    api = api_as(manager)
    for params, field in [
        ({"status": "open"}, "status"),
        ({"customer_id": "0"}, "customer_id"),
        ({"order_by": "secret"}, "order_by"),
        ({"order_by": "-secret"}, "order_by"),
        ({"limit": "0"}, "limit"),
    ]:
        assert list(field_errors(api.get("subscriptions", params))) == [field], params


def test_unknown_ids_are_not_found(manager, api_as):
    api = api_as(manager)
    subscription = subscribe()
    for path in (
        "subscriptions/999999",
        "subscription-plans/999999",
        "subscriptions/999999/fees",
        "subscriptions/999999/price-changes",
    ):
        assert error_of(api.get(path)) == (404, "core.not_found"), path
    assert error_of(api.post("subscriptions/999999/pause")) == (404, "core.not_found")
    assert error_of(
        api.patch(f"subscriptions/{subscription.pk}/fees/999999", {"amount": "1.00"})
    ) == (404, "core.not_found")


def test_a_change_of_terms_is_refused_once_fees_exist_and_the_description_is_not(manager, api_as):
    subscription = subscribe()
    generate(date(2027, 1, 1))
    yearly = plan("Yearly", "year")
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"
    before = everything()

    for change, field in (
        ({"base_price": "150.00"}, "base_price"),
        ({"index": "110"}, "index"),
        ({"starts_on": "2027-02-01"}, "starts_on"),
        ({"currency": "USD"}, "currency"),
        ({"plan_id": yearly.pk}, "plan"),
    ):
        response = api.patch(path, change)
        assert error_of(response) == (409, "subscriptions.has_fees"), change
        assert response.json()["details"]["fields"] == [field], change
    assert error_of(api.delete(path)) == (409, "subscriptions.has_fees")
    assert everything() == before

    response = api.patch(path, {"description": "Remote monitoring 24/7", "ends_on": "2027-01-20"})
    assert response.status_code == 200, response.content
    assert (response.json()["description"], response.json()["ends_on"]) == (
        "Remote monitoring 24/7",
        "2027-01-20",
    )
    fee = subscription.fees.get()
    assert (fee.period_end, fee.days, fee.amount) == (date(2027, 1, 20), 20, Decimal("64.52"))


def test_terms_change_before_the_first_fee_and_a_subscription_without_fees_is_deleted(
    manager, api_as
):
    subscription = subscribe()
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"

    response = api.patch(
        path, {"base_price": "150", "index": "102", "starts_on": "2027-02-01", "agreement_id": None}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["base_price"], body["index"], body["starts_on"], body["fees_pending_from"]) == (
        "150.00",
        "102.0000",
        "2027-02-01",
        "2027-02-01",
    )
    assert field_errors(api.patch(path, {"base_price": "-5"}), "subscriptions.negative_price")
    assert list(field_errors(api.patch(path, {"description": None}))) == ["description"]

    assert api.delete(path).status_code == 204
    assert not Subscription.objects.exists()


# Status actions


def test_pause_resume_and_cancel_answer_with_the_subscription_on_the_given_days(manager, api_as):
    subscription = subscribe(base_price="310.00", of_plan=plan(align_to_calendar=True))
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"

    paused = api.post(f"{path}/pause", {"on": "2027-01-11"})
    resumed = api.post(f"{path}/resume", {"on": "2027-01-21"})
    cancelled = api.post(f"{path}/cancel", {"on": "2027-02-14"})

    assert [r.status_code for r in (paused, resumed, cancelled)] == [200, 200, 200]
    assert [r.json()["status"] for r in (paused, resumed, cancelled)] == [
        "paused",
        "active",
        "cancelled",
    ]
    assert cancelled.json()["ends_on"] == "2027-02-14"
    assert list(subscription.pauses.values_list("starts_on", "ends_on")) == [
        (date(2027, 1, 11), date(2027, 1, 20))
    ]
    generate(date(2027, 12, 31))
    assert [
        (row["period_start"], row["period_end"], row["days"], row["amount"])
        for row in api.get(f"{path}/fees").json()
    ] == [
        ("2027-01-01", "2027-01-31", 21, "210.00"),  # 10 paused days of 31
        ("2027-02-01", "2027-02-14", 14, "155.00"),  # 310 × 14/28
    ]


def test_a_status_action_without_a_day_takes_today_in_the_company_zone(manager, api_as):
    subscription = subscribe(starts_on=date(2020, 1, 1))
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"
    today = timezone.localdate()

    assert api.post(f"{path}/pause").json()["status"] == "paused"
    assert list(subscription.pauses.values_list("starts_on", "ends_on")) == [(today, None)]
    assert api.post(f"{path}/resume", {}).json()["status"] == "active"  # the same day: undone
    assert not subscription.pauses.exists()
    response = api.post(f"{path}/cancel", {"on": None})
    assert (response.json()["status"], response.json()["ends_on"]) == (
        "cancelled",
        today.isoformat(),
    )


def test_status_actions_the_status_or_the_day_refuses_write_nothing(manager, api_as):
    subscription = subscribe(ends_on=date(2027, 12, 31))
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"
    before = everything()

    assert error_of(api.post(f"{path}/resume", {"on": "2027-02-01"})) == (
        409,
        "subscriptions.invalid_status_change",
    )
    assert field_errors(
        api.post(f"{path}/pause", {"on": "2026-12-31"}), "subscriptions.end_before_start"
    ) == {"on": ["The day must lie between the subscription's start and end."]}
    assert field_errors(
        api.post(f"{path}/cancel", {"on": "2028-01-01"}), "subscriptions.end_before_start"
    )
    assert list(field_errors(api.post(f"{path}/pause", {"on": "someday"}))) == ["on"]
    assert everything() == before

    api.post(f"{path}/cancel", {"on": "2027-06-30"})
    after_cancel = everything()
    for action in ("pause", "resume", "cancel"):
        assert error_of(api.post(f"{path}/{action}", {"on": "2027-03-01"})) == (
            409,
            "subscriptions.invalid_status_change",
        ), action
    assert error_of(api.patch(path, {"ends_on": "2027-09-30"})) == (
        409,
        "subscriptions.invalid_status_change",
    )
    assert everything() == after_cancel


# Fees


def test_fee_generation_answers_with_counts_and_twice_is_once(manager, api_as):
    subscribe(plan(align_to_calendar=True), starts_on=date(2027, 1, 15))
    subscribe(plan("Quarterly", "quarter"), ends_on=date(2027, 2, 10))
    api = api_as(manager)

    first = api.post("subscriptions/fees/generate", {"through": "2027-02-01"})
    made = everything()
    again = api.post("subscriptions/fees/generate", {"through": "2027-02-01"})

    assert first.status_code == 200, first.content
    assert first.json() == {"fees_created": 3, "subscriptions": 2, "ended": 1}
    assert again.json() == {"fees_created": 0, "subscriptions": 0, "ended": 0}
    assert everything() == made
    assert Fee.objects.count() == 3


def test_a_retried_fee_generation_replays_the_first_answer(manager, api_as):
    subscribe()
    api = api_as(manager)
    key = {"Idempotency-Key": "fees-2027-03"}

    first = api.post("subscriptions/fees/generate", {"through": "2027-03-01"}, **key)
    made = everything()
    retry = api.post("subscriptions/fees/generate", {"through": "2027-03-01"}, **key)

    assert first.json() == {"fees_created": 3, "subscriptions": 1, "ended": 0}
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert everything() == made


def test_fee_generation_needs_a_valid_day(manager, api_as):
    subscribe()
    api = api_as(manager)
    before = everything()

    assert list(field_errors(api.post("subscriptions/fees/generate", {}))) == ["through"]
    assert list(
        field_errors(api.post("subscriptions/fees/generate", {"through": "2027-02-30"}))
    ) == ["through"]
    assert everything() == before


def test_the_fees_of_a_subscription_with_exactly_their_fields(manager, api_as):
    subscription = subscribe(
        plan(align_to_calendar=True), starts_on=date(2027, 1, 15), base_price="310.00"
    )
    generate(date(2027, 2, 1))
    january, february = subscription.fees.order_by("period_start")
    services.fees_mark_invoiced(fee_ids=[january.pk])
    api = api_as(manager)

    response = api.get(f"subscriptions/{subscription.pk}/fees")

    assert response.status_code == 200, response.content
    assert response.json() == [
        {
            "id": january.pk,
            "period_start": "2027-01-15",
            "period_end": "2027-01-31",
            "days": 17,
            "full_days": 31,
            "base_price": "310.00",
            "index": "100.0000",
            "amount": "170.00",
            "currency": "EUR",
            "status": "invoiced",
        },
        {
            "id": february.pk,
            "period_start": "2027-02-01",
            "period_end": "2027-02-28",
            "days": 28,
            "full_days": 28,
            "base_price": "310.00",
            "index": "100.0000",
            "amount": "310.00",
            "currency": "EUR",
            "status": "open",
        },
    ]
    opened = api.get(f"subscriptions/{subscription.pk}/fees", {"status": "open"}).json()
    assert [row["id"] for row in opened] == [february.pk]
    assert list(
        field_errors(api.get(f"subscriptions/{subscription.pk}/fees", {"status": "x"}))
    ) == ["status"]


def test_an_open_fee_is_adjusted_and_an_invoiced_one_never_changes(manager, api_as):
    subscription = subscribe()
    generate(date(2027, 2, 1))
    january, february = subscription.fees.order_by("period_start")
    services.fees_mark_invoiced(fee_ids=[january.pk])
    other = subscribe(customer=subscription.customer, of_plan=subscription.plan)
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}/fees"
    before = everything()

    assert error_of(api.patch(f"{path}/{january.pk}", {"amount": "50.00"})) == (
        409,
        "subscriptions.fee_invoiced",
    )
    assert field_errors(
        api.patch(f"{path}/{february.pk}", {"amount": "-1.00"}), "subscriptions.negative_price"
    ) == {"amount": ["A fee must not be negative."]}
    assert list(field_errors(api.patch(f"{path}/{february.pk}", {"amount": "1.001"}))) == ["amount"]
    assert error_of(api.patch(f"subscriptions/{other.pk}/fees/{february.pk}", {"amount": "1"})) == (
        404,
        "core.not_found",
    )
    assert everything() == before

    response = api.patch(f"{path}/{february.pk}", {"amount": "75", "note": "Goodwill"})

    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["amount"], response.json()["status"]) == (
        february.pk,
        "75.00",
        "open",
    )
    assert business_events().filter(verb="subscription.fee_adjusted").get().data == {
        "fee": february.pk,
        "from": "100.00",
        "to": "75.00",
        "note": "Goodwill",
    }


# Indexation


def test_indexation_compounds_reprices_open_fees_and_is_recorded(manager, api_as):
    subscription = subscribe(base_price="310.00")
    generate(date(2027, 3, 1))
    january = subscription.fees.get(period_start=date(2027, 1, 1))
    services.fees_mark_invoiced(fee_ids=[january.pk])
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}"

    first = api.post(
        f"{path}/index", {"method": "index_percent", "value": "10", "effective_on": "2027-01-01"}
    )
    second = api.post(
        f"{path}/index", {"method": "index_percent", "value": "10", "effective_on": "2027-03-01"}
    )
    base = api.post(
        f"{path}/index", {"method": "base_to", "value": "320", "effective_on": "2027-04-01"}
    )

    assert [r.status_code for r in (first, second, base)] == [200, 200, 200]
    assert (first.json()["index"], second.json()["index"]) == ("110.0000", "121.0000")
    assert (base.json()["base_price"], base.json()["index"]) == ("320.00", "121.0000")
    fees = api.get(f"{path}/fees").json()
    assert [(row["period_start"], row["index"], row["amount"], row["status"]) for row in fees] == [
        ("2027-01-01", "100.0000", "310.00", "invoiced"),  # invoiced: never changes
        ("2027-02-01", "110.0000", "341.00", "open"),
        ("2027-03-01", "121.0000", "375.10", "open"),
    ]
    history = api.get(f"{path}/price-changes")
    assert history.status_code == 200, history.content
    changes = list(subscription.price_changes.order_by("pk"))
    assert history.json() == [
        {
            "id": changes[0].pk,
            "method": "index_percent",
            "value": "10.0000",
            "effective_on": "2027-01-01",
            "base_price_before": "310.00",
            "index_before": "100.0000",
            "base_price": "310.00",
            "index": "110.0000",
            "by_id": manager.pk,
            "at": history.json()[0]["at"],
        },
        {
            "id": changes[1].pk,
            "method": "index_percent",
            "value": "10.0000",
            "effective_on": "2027-03-01",
            "base_price_before": "310.00",
            "index_before": "110.0000",
            "base_price": "310.00",
            "index": "121.0000",
            "by_id": manager.pk,
            "at": history.json()[1]["at"],
        },
        {
            "id": changes[2].pk,
            "method": "base_to",
            "value": "320.0000",
            "effective_on": "2027-04-01",
            "base_price_before": "310.00",
            "index_before": "121.0000",
            "base_price": "320.00",
            "index": "121.0000",
            "by_id": manager.pk,
            "at": history.json()[2]["at"],
        },
    ]


def test_bad_price_changes_are_refused_with_their_codes_and_write_nothing(manager, api_as):
    subscription = subscribe()
    services.subscription_change_price(
        subscription=subscription,
        by=None,
        method="index_to",
        value=Decimal("105"),
        effective_on=date(2027, 6, 1),
    )
    api = api_as(manager)
    path = f"subscriptions/{subscription.pk}/index"
    valid = {"method": "index_percent", "value": "10", "effective_on": "2027-07-01"}
    before = everything()

    assert error_of(api.post(path, {**valid, "effective_on": "2027-05-01"})) == (
        409,
        "subscriptions.change_before_last",
    )
    assert field_errors(api.post(path, {**valid, "value": "-100"}), "subscriptions.invalid_index")
    assert field_errors(
        api.post(path, {**valid, "method": "base_to", "value": "-1"}),
        "subscriptions.negative_price",
    )
    assert list(field_errors(api.post(path, {**valid, "method": "double"}))) == ["method"]
    assert list(field_errors(api.post(path, {**valid, "value": "1e400"}))) == ["value"]
    assert list(field_errors(api.post(path, {"method": "index_to", "value": "110"}))) == [
        "effective_on"
    ]
    assert everything() == before
    services.subscription_cancel(subscription=subscription, by=None, on=date(2027, 12, 31))
    cancelled = everything()
    assert error_of(api.post(path, valid)) == (409, "subscriptions.invalid_status_change")
    assert everything() == cancelled
