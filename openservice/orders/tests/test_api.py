"""The /api/v1 orders resources: the role matrix on every endpoint, row-level visibility, list
filters, the output shape, bad input and Idempotency-Key."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openservice.agreements import services as agreement_services
from openservice.catalog.tests.factories import ServiceTaskFactory
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders import services
from openservice.orders.models import OrderLine, ServiceOrder, SlaClockChange, StageChange
from openservice.orders.tests.factories import (
    add_line,
    make_order,
    move_to,
    order_in_stage,
    service_object,
    signed_off_order,
    stage,
)
from openservice.sla.models import SlaPolicy
from openservice.sla.services import policy_create
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

ACTORS = ["customer", "tech_own", "tech_other", "dispatcher", "manager", "administrator"]
# Status per actor, in ACTORS order. A technician's "other" order is one whose preferred
# technician is someone else: invisible (404) where the role has the permission at all.
MATRIX = {
    "list": (200, 200, 200, 200, 200, 200),
    "get": (200, 200, 404, 200, 200, 200),
    "create": (403, 403, 403, 201, 201, 403),
    "update": (403, 403, 403, 200, 200, 403),
    "delete": (403, 403, 403, 204, 204, 403),
    "line_add": (403, 201, 404, 201, 201, 403),
    "line_update": (403, 200, 404, 200, 200, 403),
    "line_cancel": (403, 200, 404, 200, 200, 403),
    "stage": (403, 200, 404, 200, 200, 403),
    "cancel": (403, 403, 403, 200, 200, 403),
    "revoke_cancel": (403, 403, 403, 200, 200, 403),
    "sign_off": (403, 200, 404, 200, 200, 403),
    "post": (403, 403, 403, 403, 200, 200),
    "copy_lines": (403, 403, 403, 200, 200, 403),
    "copy_agreement_lines": (403, 403, 403, 200, 200, 403),
    "move_lines": (403, 403, 403, 409, 409, 403),
    "history": (403, 200, 404, 200, 200, 200),
    "stages": (403, 200, 200, 200, 200, 200),
    "reason_codes": (403, 200, 200, 200, 200, 200),
    "sla": (200, 200, 404, 200, 200, 200),
    "sla_stop": (403, 403, 403, 200, 200, 403),
    "sla_start": (403, 403, 403, 200, 200, 403),
    "sla_cancel": (403, 403, 403, 200, 200, 403),
}
ERROR_CODES = {
    401: "core.not_authenticated",
    403: "core.permission_denied",
    404: "core.not_found",
    409: "orders.no_agreement",
}
# The stage change is open to every role that reads orders; the workflow refuses the rest.
STAGE_REFUSAL = "orders.transition_not_allowed"

ORDER_FIELDS = {
    "id",
    "number",
    "stage",
    "priority",
    "origin",
    "customer_id",
    "site_id",
    "agreement_id",
    "description",
    "currency",
    "reported_at",
    "service_on",
    "requested_start",
    "requested_end",
    "preferred_technician_id",
    "calendar_conflict",
    "version",
    "signed_off_at",
    "signer_name",
    "posted_at",
    "sla_policy_id",
    "sla_state",
    "sla_due_at",
    "object_ids",
    "task_ids",
    "totals",
    "lines",
}
LINE_FIELDS = {
    "id",
    "kind",
    "description",
    "task_id",
    "object_id",
    "technician_id",
    "item_id",
    "quantity",
    "unit",
    "unit_price",
    "unit_cost",
    "net_amount",
    "cost_amount",
    "is_billable",
    "status",
    "executed_on",
    "agreement_line_id",
    "occurrence_on",
}


def everything() -> tuple:
    """Every order-related row, to show a refused request wrote nothing."""
    return (
        list(ServiceOrder.objects.order_by("pk").values_list("pk", "stage__code", "version")),
        list(OrderLine.objects.order_by("pk").values_list("pk", "status", "quantity")),
        StageChange.objects.count(),
        AuditEvent.objects.filter(verb__startswith="order.").count(),
        list(SlaClockChange.objects.order_by("pk").values_list("order_id", "action")),
        list(ServiceOrder.objects.order_by("pk").values_list("sla_state", "sla_clock")),
    )


@pytest.fixture
def world(manager, technician_user, customer_user, make_user):
    """customer_user's customer, technician_user's Technician, another technician."""
    customer = customer_user.customer_contact.customer
    return {
        "customer": customer,
        "site": SiteFactory(customer=customer),
        "mine": TechnicianFactory(user=technician_user),
        "theirs": TechnicianFactory(user=make_user(Role.TECHNICIAN, username="othertech")),
    }


@pytest.fixture
def user_of(request):
    def get(actor):
        return {
            "anonymous": None,
            "customer": request.getfixturevalue("customer_user"),
            "tech_own": request.getfixturevalue("technician_user"),
            "tech_other": request.getfixturevalue("technician_user"),
            "dispatcher": request.getfixturevalue("dispatcher"),
            "manager": request.getfixturevalue("manager"),
            "administrator": request.getfixturevalue("administrator"),
        }[actor]

    return get


def request_for(endpoint: str, actor: str, world: dict, by) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it, on an
    order of customer_user's customer assigned to technician_user only for `tech_own`."""
    technician = world["mine"] if actor == "tech_own" else world["theirs"]

    def order(code="new", **fields):
        return order_in_stage(
            code,
            by=by,
            customer=world["customer"],
            site=world["site"],
            preferred_technician=technician,
            **fields,
        )

    if endpoint.startswith("sla"):
        # Measured round the clock (no calendar, no default calendar): just reported, on track.
        measured = order(sla_policy=sla_policy())
        if endpoint == "sla_start":
            services.order_sla_stop(order=measured, by=by)
        action = endpoint.removeprefix("sla").replace("_", "/")
        body = {"reason": "CUSTOMER_REQUEST"} if endpoint == "sla_cancel" else None
        return ("get" if endpoint == "sla" else "post"), f"orders/{measured.pk}/sla{action}", body

    if endpoint == "list":
        order()
        return "get", "orders", None
    if endpoint == "create":
        body = {"customer_id": world["customer"].pk, "site_id": world["site"].pk}
        return "post", "orders", body
    if endpoint in ("stages", "reason_codes"):
        return "get", endpoint.replace("_", "-"), None
    if endpoint == "stage":
        return "post", f"orders/{order('scheduled').pk}/stage", {"to": "in_progress"}
    if endpoint == "cancel":
        return "post", f"orders/{order().pk}/cancel", {"reason": "CUSTOMER_REQUEST"}
    if endpoint == "revoke_cancel":
        return "post", f"orders/{order('cancelled').pk}/revoke-cancel", {}
    if endpoint == "sign_off":
        return "post", f"orders/{order('in_progress').pk}/sign-off", {"signer_name": "Maija"}
    if endpoint == "post":
        signed = signed_off_order(
            "completed", by=by, customer=world["customer"], preferred_technician=technician
        )
        return "post", f"orders/{signed.pk}/post", None
    target = order()
    if endpoint == "get":
        return "get", f"orders/{target.pk}", None
    if endpoint == "history":
        return "get", f"orders/{target.pk}/history", None
    if endpoint == "update":
        return "patch", f"orders/{target.pk}", {"version": target.version, "priority": "high"}
    if endpoint == "delete":
        return "delete", f"orders/{target.pk}", None
    if endpoint == "line_add":
        return "post", f"orders/{target.pk}/lines", {"kind": "hour", "quantity": "1.5"}
    line = add_line(target, by=by)
    if endpoint == "line_update":
        return "patch", f"orders/{target.pk}/lines/{line.pk}", {"quantity": "2"}
    if endpoint == "line_cancel":
        return "delete", f"orders/{target.pk}/lines/{line.pk}", None
    if endpoint == "copy_lines":
        return "post", f"orders/{order().pk}/copy-lines", {"from_order_id": target.pk}
    if endpoint == "copy_agreement_lines":
        template = agreement_services.agreement_create(
            by=None,
            description="Template",
            starts_on=date(2027, 1, 1),
            template_group=agreement_services.template_group_create(
                by=None, code="T", name="Templates"
            ),
        )
        agreement_services.agreement_line_create(agreement=template, by=None, kind="hour")
        return (
            "post",
            f"orders/{target.pk}/copy-agreement-lines",
            {"from_agreement_id": template.pk},
        )
    if endpoint == "move_lines":
        other = order()
        return (
            "post",
            f"orders/{target.pk}/move-lines",
            {"to_order_id": other.pk, "line_ids": [line.pk]},
        )
    raise AssertionError(endpoint)


def sla_policy():
    """The one policy of these tests (made on first use)."""
    return SlaPolicy.objects.filter(name="Gold").first() or policy_create(
        by=None,
        name="Gold",
        targets=[{"priority": "normal", "response_minutes": 240, "resolution_minutes": 960}],
    )


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


# What a successful answer shows, per endpoint.
SUCCESS = {
    "list": lambda body, actor: body["count"] == (0 if actor == "tech_other" else 1),
    "get": lambda body, actor: body["stage"] == {"code": "new", "name": "New"},
    "create": lambda body, actor: (body["origin"], body["stage"]["code"]) == ("api", "new"),
    "update": lambda body, actor: (body["priority"], body["version"]) == ("high", 2),
    "delete": lambda body, actor: body is None,
    "line_add": lambda body, actor: (body["kind"], body["quantity"]) == ("hour", "1.500"),
    "line_update": lambda body, actor: body["quantity"] == "2.000",
    "line_cancel": lambda body, actor: body["status"] == "cancelled",
    "stage": lambda body, actor: body["stage"]["code"] == "in_progress",
    "cancel": lambda body, actor: body["stage"]["code"] == "cancelled",
    "revoke_cancel": lambda body, actor: body["stage"]["code"] == "new",
    "sign_off": lambda body, actor: body["signer_name"] == "Maija",
    "post": lambda body, actor: [line["status"] for line in body["lines"]] == ["posted"],
    "copy_lines": lambda body, actor: [line["kind"] for line in body["lines"]] == ["fee"],
    "copy_agreement_lines": lambda body, actor: (
        [line["kind"] for line in body["lines"]] == ["fee", "hour"]
    ),
    "history": lambda body, actor: [entry["verb"] for entry in body] == ["order.created"],
    "stages": lambda body, actor: len(body) == 7,
    "reason_codes": lambda body, actor: len(body) == 5,
    "sla": lambda body, actor: (
        (body["state"], body["clock"], body["response_minutes"]) == ("on_track", "run", 240)
    ),
    "sla_stop": lambda body, actor: (body["state"], body["clock"]) == ("met", "stop"),
    "sla_start": lambda body, actor: (body["state"], body["clock"]) == ("on_track", "run"),
    "sla_cancel": lambda body, actor: (body["state"], body["clock"]) == ("cancelled", "stop"),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix_on_every_endpoint(endpoint, actor, world, user_of, manager, api_as):
    method, path, body = request_for(endpoint, actor, world, manager)
    before = everything()

    response = send(api_as(user_of(actor)), method, path, body)

    status = MATRIX[endpoint][ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status >= 400:
        code = STAGE_REFUSAL if endpoint == "stage" and status == 403 else ERROR_CODES[status]
        assert response.json()["code"] == code
        assert everything() == before
        return
    assert SUCCESS[endpoint](response.json() if response.content else None, actor)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_a_customer_or_administrator_changing_the_stage_is_refused_by_the_workflow(
    world, customer_user, administrator, manager, api_as
):
    order = order_in_stage("scheduled", by=manager, customer=world["customer"])
    before = everything()
    for user in (customer_user, administrator):
        response = api_as(user).post(f"orders/{order.pk}/stage", {"to": "in_progress"})
        assert (response.status_code, response.json()["code"]) == (403, STAGE_REFUSAL)
    assert everything() == before


def test_anonymous_requests_are_refused_on_every_endpoint(world, manager, api_as):
    anonymous = api_as(None)
    before = None
    for endpoint in MATRIX:
        method, path, body = request_for(endpoint, "manager", world, manager)
        before = everything()

        response = send(anonymous, method, path, body)

        assert (response.status_code, response.json()["code"]) == (
            401,
            "core.not_authenticated",
        ), endpoint
        assert everything() == before


def test_the_matrix_names_every_orders_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        # The repairs app serves an order's repairs and its own repair stages.
        if "/repair" not in path
        and ("/orders" in path or path.endswith(("/stages", "/reason-codes")))
        for operation in item.values()
    }
    assert len(operations) == len(MATRIX)


# Visibility


def test_customer_users_see_only_their_customers_orders(world, customer_user, manager, api_as):
    own = [make_order(by=manager, customer=world["customer"]) for _ in range(2)]
    other = make_order(by=manager)
    api = api_as(customer_user)

    listed = api.get("orders").json()

    assert listed["count"] == 2
    assert {item["id"] for item in listed["items"]} == {o.pk for o in own}
    assert api.get(f"orders/{other.pk}").status_code == 404
    assert api.get(f"orders/{other.pk}/history").status_code == 403  # staff only
    assert api.get("orders", {"customer_id": other.customer_id}).json()["count"] == 0


def test_an_inactive_contact_sees_no_orders(world, customer_user, manager, api_as):
    order = make_order(by=manager, customer=world["customer"])
    contact = customer_user.customer_contact
    contact.is_active = False
    contact.save(update_fields=["is_active"])
    api = api_as(customer_user)

    assert api.get("orders").json() == {"items": [], "count": 0}
    assert api.get(f"orders/{order.pk}").status_code == 404


def test_technicians_see_only_orders_they_are_the_preferred_technician_of(
    world, technician_user, manager, api_as
):
    mine = [make_order(by=manager, preferred_technician=world["mine"]) for _ in range(2)]
    theirs = make_order(by=manager, preferred_technician=world["theirs"])
    unassigned = make_order(by=manager)
    api = api_as(technician_user)

    listed = api.get("orders").json()

    assert listed["count"] == 2
    assert {item["id"] for item in listed["items"]} == {o.pk for o in mine}
    for hidden in (theirs, unassigned):
        assert api.get(f"orders/{hidden.pk}").status_code == 404
        response = api.post(f"orders/{hidden.pk}/lines", {"kind": "hour", "quantity": "1"})
        assert response.status_code == 404
    assert not OrderLine.objects.exists()


def test_a_technician_without_a_technician_record_sees_no_orders(make_user, manager, api_as):
    make_order(by=manager, preferred_technician=TechnicianFactory())
    user = make_user(Role.TECHNICIAN, username="newhire")

    assert api_as(user).get("orders").json() == {"items": [], "count": 0}


@pytest.mark.parametrize("role", ["dispatcher", "manager", "administrator"])
def test_office_roles_see_every_order(role, request, world, manager, api_as):
    orders = [
        make_order(by=manager, customer=world["customer"]),
        make_order(by=manager, preferred_technician=world["mine"]),
        make_order(by=manager),
    ]

    listed = api_as(request.getfixturevalue(role)).get("orders").json()

    assert listed["count"] == 3
    assert [item["id"] for item in listed["items"]] == [o.pk for o in reversed(orders)]


# List filters


@pytest.fixture
def listed(manager, world):
    """Five orders with distinct attributes, by name, and a lookup of ids back to names."""
    other_customer = CustomerFactory(name="Wärtsilä Oyj")
    other_site = SiteFactory(customer=other_customer, name="Vaasa works")
    orders = {
        "a": make_order(
            by=manager,
            customer=world["customer"],
            site=world["site"],
            description="Lift stuck on floor 3",
            priority="high",
            service_on=date(2025, 3, 1),
            preferred_technician=world["mine"],
        ),
        "b": make_order(
            by=manager,
            customer=world["customer"],
            description="Annual inspection",
            priority="low",
            service_on=date(2025, 3, 10),
        ),
        "c": make_order(
            by=manager,
            customer=other_customer,
            site=other_site,
            description="Door sensor",
            priority="critical",
            service_on=date(2025, 3, 20),
            preferred_technician=world["theirs"],
        ),
        "d": make_order(by=manager, customer=other_customer, site=other_site, priority="high"),
        "e": make_order(by=manager, customer=world["customer"], service_on=date(2025, 4, 1)),
    }
    move_to(orders["b"], "scheduled", by=manager)
    move_to(orders["c"], "in_progress", by=manager)
    move_to(orders["d"], "on_hold", by=manager)
    names = {order.pk: name for name, order in orders.items()}
    return orders, names, other_customer, other_site


def names_of(response, names) -> list[str]:
    assert response.status_code == 200, response.json()
    body = response.json()
    return [names[item["id"]] for item in body["items"]]


def test_the_list_is_newest_number_first_by_default(listed, manager, api_as):
    _orders, names, *_ = listed
    assert names_of(api_as(manager).get("orders"), names) == ["e", "d", "c", "b", "a"]


FILTER_CASES = [
    ({"stage": "new"}, ["e", "a"]),
    ({"stage": "on_hold"}, ["d"]),
    ({"stage": "closed"}, []),
    ({"category": "in_progress"}, ["c"]),
    ({"priority": "high"}, ["d", "a"]),
    ({"priority": "critical"}, ["c"]),
    ({"service_on_from": "2025-03-10"}, ["e", "c", "b"]),
    ({"service_on_to": "2025-03-10"}, ["b", "a"]),
    ({"service_on_from": "2025-03-02", "service_on_to": "2025-03-31"}, ["c", "b"]),
    ({"q": "floor 3"}, ["a"]),
    ({"q": "wärtsilä"}, ["d", "c"]),
    ({"q": "VAASA"}, ["d", "c"]),
    ({"origin": "manual"}, ["e", "d", "c", "b", "a"]),
    ({"origin": "api"}, []),
    ({"agreement_id": 1}, []),  # none of these orders is made under an agreement
    ({"order_by": "service_on"}, ["a", "b", "c", "e", "d"]),  # no date sorts last
    ({"order_by": "-service_on"}, ["e", "c", "b", "a", "d"]),
    ({"order_by": "priority", "priority": "high"}, ["a", "d"]),
    ({"order_by": "stage"}, ["a", "e", "b", "c", "d"]),
    ({"order_by": "number"}, ["a", "b", "c", "d", "e"]),
    ({"order_by": "customer"}, ["a", "b", "e", "c", "d"]),  # pk breaks ties
    ({"order_by": "-customer"}, ["d", "c", "e", "b", "a"]),
    ({"stage": "new", "priority": "high"}, ["a"]),
]


def test_list_filters_and_sorting(listed, manager, api_as):
    _orders, names, *_ = listed
    api = api_as(manager)
    for params, expected in FILTER_CASES:
        response = api.get("orders", params)
        assert names_of(response, names) == expected, params
        assert response.json()["count"] == len(expected), params


def test_the_list_is_paginated_with_the_total_count(listed, manager, api_as):
    _orders, names, *_ = listed

    response = api_as(manager).get("orders", {"limit": 2, "offset": 1})

    assert names_of(response, names) == ["d", "c"]
    assert response.json()["count"] == 5


def test_list_filters_by_customer_site_and_technician(listed, world, manager, api_as):
    _orders, names, other_customer, other_site = listed
    api = api_as(manager)

    assert names_of(api.get("orders", {"customer_id": other_customer.pk}), names) == ["d", "c"]
    assert names_of(api.get("orders", {"site_id": other_site.pk}), names) == ["d", "c"]
    assert names_of(api.get("orders", {"site_id": world["site"].pk}), names) == ["a"]
    assert names_of(api.get("orders", {"technician_id": world["mine"].pk}), names) == ["a"]
    assert names_of(api.get("orders", {"technician_id": world["theirs"].pk}), names) == ["c"]
    assert names_of(
        api.get("orders", {"customer_id": world["customer"].pk, "priority": "high"}), names
    ) == ["a"]


def test_a_technicians_filters_stay_within_their_orders(listed, world, technician_user, api_as):
    _orders, names, other_customer, _site = listed
    api = api_as(technician_user)

    assert names_of(api.get("orders", {"customer_id": other_customer.pk}), names) == []
    assert names_of(api.get("orders", {"technician_id": world["theirs"].pk}), names) == []
    assert names_of(api.get("orders", {"priority": "high"}), names) == ["a"]


BAD_LIST_PARAMS = [
    ({"priority": "urgent"}, "priority"),
    ({"order_by": "secret"}, "order_by"),
    ({"order_by": "-"}, "order_by"),
    ({"service_on_from": "1.3.2025"}, "service_on_from"),
    ({"customer_id": "0"}, "customer_id"),
    ({"technician_id": "x"}, "technician_id"),
    ({"origin": "fax"}, "origin"),
    ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"),
    ({"offset": "-1"}, "offset"),
]


def test_bad_list_parameters_are_invalid_input(manager, api_as):
    api = api_as(manager)
    for params, field in BAD_LIST_PARAMS:
        response = api.get("orders", params)

        assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")
        assert list(response.json()["details"]["fields"]) == [field], params


# Output


def test_an_order_is_output_with_exactly_its_documented_fields(world, manager, api_as):
    reported_at = timezone.now().replace(microsecond=0) - timedelta(days=1)
    obj = service_object(world["customer"], site=world["site"])
    task = ServiceTaskFactory()
    order = make_order(
        by=manager,
        customer=world["customer"],
        site=world["site"],
        description="Lift stuck",
        priority="high",
        reported_at=reported_at,
        service_on=date(2025, 5, 2),
        preferred_technician=world["mine"],
        objects=[obj],
        tasks=[task],
    )
    line = add_line(
        order,
        by=manager,
        kind="hour",
        quantity="1.5",
        unit_price=Decimal("80.00"),
        unit_cost=Decimal("40.00"),
        object=obj,
        task=task,
        technician=world["mine"],
        executed_on=date(2025, 5, 2),
    )

    body = api_as(manager).get(f"orders/{order.pk}").json()

    assert set(body) == ORDER_FIELDS
    assert {key: body[key] for key in ORDER_FIELDS - {"lines", "reported_at"}} == {
        "id": order.pk,
        "number": order.number,
        "stage": {"code": "new", "name": "New"},
        "priority": "high",
        "origin": "manual",
        "customer_id": world["customer"].pk,
        "site_id": world["site"].pk,
        "agreement_id": None,
        "description": "Lift stuck",
        "currency": "EUR",
        "service_on": "2025-05-02",
        "requested_start": None,
        "requested_end": None,
        "preferred_technician_id": world["mine"].pk,
        "calendar_conflict": False,
        "version": 1,
        "signed_off_at": None,
        "signer_name": "",
        "posted_at": None,
        "sla_policy_id": None,
        "sla_state": None,
        "sla_due_at": None,
        "object_ids": [obj.pk],
        "task_ids": [task.pk],
        "totals": {"net_amount": "120.00", "cost_amount": "60.00"},
    }
    assert body["number"].startswith("WO")
    assert timezone.datetime.fromisoformat(body["reported_at"]) == reported_at
    assert body["lines"] == [
        {
            "id": line.pk,
            "kind": "hour",
            "description": "",
            "task_id": task.pk,
            "object_id": obj.pk,
            "technician_id": world["mine"].pk,
            "item_id": None,
            "quantity": "1.500",
            "unit": "h",
            "unit_price": "80.00",
            "unit_cost": "40.00",
            "net_amount": "120.00",
            "cost_amount": "60.00",
            "is_billable": True,
            "status": "open",
            "executed_on": "2025-05-02",
            "agreement_line_id": None,
            "occurrence_on": None,
        }
    ]
    assert set(body["lines"][0]) == LINE_FIELDS


def test_list_items_carry_the_same_fields_as_the_order(world, manager, api_as):
    order = make_order(by=manager, customer=world["customer"])
    add_line(order, by=manager)
    api = api_as(manager)

    item = api.get("orders").json()["items"][0]

    assert item == api.get(f"orders/{order.pk}").json()


def test_a_line_reads_the_same_after_a_write_as_on_a_read(manager, api_as):
    order = make_order(by=manager)
    api = api_as(manager)

    added = api.post(f"orders/{order.pk}/lines", {"kind": "fee", "quantity": "1.5"}).json()
    changed = api.patch(f"orders/{order.pk}/lines/{added['id']}", {"quantity": "2.25"}).json()

    assert added["quantity"] == "1.500"
    assert changed == api.get(f"orders/{order.pk}").json()["lines"][0]
    assert changed["quantity"] == "2.250"


def test_technicians_see_their_order_without_costs(world, technician_user, manager, api_as):
    order = make_order(by=manager, preferred_technician=world["mine"])
    add_line(order, by=manager, unit_price=Decimal("80.00"), unit_cost=Decimal("40.00"))

    body = api_as(technician_user).get(f"orders/{order.pk}").json()

    assert body["totals"] == {"net_amount": "80.00", "cost_amount": None}
    assert (body["lines"][0]["unit_cost"], body["lines"][0]["cost_amount"]) == (None, None)
    assert set(body["lines"][0]) == LINE_FIELDS


def test_an_order_created_through_the_api_has_origin_api_and_its_lines(world, dispatcher, api_as):
    obj = service_object(world["customer"], site=world["site"])
    task = ServiceTaskFactory()

    response = api_as(dispatcher).post(
        "orders",
        {
            "customer_id": world["customer"].pk,
            "site_id": world["site"].pk,
            "description": "Noisy motor",
            "priority": "critical",
            "requested_start": "2025-06-02T08:00:00+03:00",
            "requested_end": "2025-06-02T16:00:00+03:00",
            "service_on": "2025-06-02",
            "preferred_technician_id": world["mine"].pk,
            "object_ids": [obj.pk],
            "task_ids": [task.pk],
            "lines": [
                {"kind": "hour", "quantity": "2", "object_id": obj.pk, "unit_price": "75.00"},
                {"kind": "fee", "quantity": "1", "unit_price": "35.00", "is_billable": False},
            ],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["origin"], body["stage"], body["priority"], body["version"]) == (
        "api",
        {"code": "new", "name": "New"},
        "critical",
        1,
    )
    assert body["requested_start"] == "2025-06-02T05:00:00Z"
    assert (body["object_ids"], body["task_ids"]) == ([obj.pk], [task.pk])
    assert [(ln["kind"], ln["net_amount"], ln["is_billable"]) for ln in body["lines"]] == [
        ("hour", "150.00", True),
        ("fee", "35.00", False),
    ]
    assert body["totals"]["net_amount"] == "185.00"
    order = ServiceOrder.objects.get(pk=body["id"])
    assert StageChange.objects.filter(order=order, from_stage=None).count() == 1
    assert order.reported_at <= timezone.now()


def test_stages_are_listed_with_their_flags_in_workflow_order(technician_user, api_as):
    body = api_as(technician_user).get("stages").json()

    assert [s["code"] for s in body] == [
        "new",
        "scheduled",
        "in_progress",
        "on_hold",
        "completed",
        "closed",
        "cancelled",
    ]
    assert body[3] == {
        "code": "on_hold",
        "name": "On hold",
        "category": "on_hold",
        "sla_clock": "pause",
        "is_initial": False,
        "allows_edit": True,
        "allows_delete": False,
        "allows_cancel": True,
        "allows_posting": False,
        "requires_reason": True,
    }


def test_reason_codes_are_listed_and_filtered_by_purpose(dispatcher, api_as):
    from openservice.core.models import ReasonCode

    ReasonCode.objects.filter(code="NO_ACCESS").update(for_cancel=False)
    ReasonCode.objects.filter(code="DUPLICATE").update(is_active=False)
    api = api_as(dispatcher)

    everything_active = api.get("reason-codes").json()
    for_cancel = api.get("reason-codes", {"purpose": "cancel"}).json()

    assert [r["code"] for r in everything_active] == [
        "CUSTOMER_REQUEST",
        "LATE_ARRIVAL",
        "NO_ACCESS",
        "PARTS_MISSING",
    ]
    assert [r["code"] for r in for_cancel] == ["CUSTOMER_REQUEST", "LATE_ARRIVAL", "PARTS_MISSING"]
    assert everything_active[0] == {
        "code": "CUSTOMER_REQUEST",
        "description": "The customer asked for it",
        "for_stage_change": True,
        "for_cancel": True,
        "for_sla_stop": True,
        "for_sla_cancel": True,
        "for_note": True,
    }
    response = api.get("reason-codes", {"purpose": "fun"})
    assert (response.status_code, list(response.json()["details"]["fields"])) == (422, ["purpose"])


def test_history_lists_stage_changes_and_audited_actions_oldest_first(manager, api_as):
    now = timezone.now()
    order = make_order(by=manager, reported_at=now - timedelta(days=2))
    services.order_change_stage(
        order=order, to=stage("scheduled"), by=manager, at=now - timedelta(days=1)
    )
    add_line(order, by=manager)

    body = api_as(manager).get(f"orders/{order.pk}/history").json()

    assert [(e["kind"], e["verb"], e.get("from_stage"), e.get("to_stage")) for e in body] == [
        ("stage", "order.created", None, "new"),
        ("stage", "order.stage_changed", "new", "scheduled"),
        ("audit", "order.line_added", None, None),
    ]
    assert {e["by"] for e in body} == {"manager"}


# Bad input: 422 for shape (with details.fields), 409 for rules, nothing written


BAD_CREATE_INPUT = [
    ({"customer_id": None}, "customer_id"),
    ({"site_id": "x"}, "site_id"),
    ({"priority": "urgent"}, "priority"),
    ({"description": "x" * 5001}, "description"),
    ({"description": "nul\x00byte"}, "description"),
    ({"reported_at": "2025-01-01T10:00:00"}, "reported_at"),
    ({"requested_start": "tomorrow"}, "requested_start"),
    ({"service_on": "2025-02-30"}, "service_on"),
    ({"object_ids": [0]}, "object_ids.0"),
    ({"lines": [{"kind": "fee", "quantity": "0"}]}, "lines.0.quantity"),
    ({"lines": [{"kind": "fee", "quantity": "-1"}]}, "lines.0.quantity"),
    ({"lines": [{"kind": "fee", "quantity": "1.0001"}]}, "lines.0.quantity"),
    ({"lines": [{"kind": "gift", "quantity": "1"}]}, "lines.0.kind"),
    ({"lines": [{"kind": "fee", "quantity": "1", "unit_price": "-1"}]}, "lines.0.unit_price"),
    (
        {"lines": [{"kind": "fee", "quantity": "1", "unit_price": "1.001"}]},
        "lines.0.unit_price",
    ),
    ({"customer_id": 2**62}, "customer_id"),
    ({"preferred_technician_id": 2**62}, "preferred_technician_id"),
    ({"task_ids": [2**62]}, "task_ids"),
    ({"lines": [{"kind": "item", "quantity": "1", "item_id": 2**62}]}, "item_id"),
]


def test_creating_an_order_with_bad_input_is_refused_and_writes_nothing(world, manager, api_as):
    api = api_as(manager)
    before = everything()
    for change, field in BAD_CREATE_INPUT:
        body = {"customer_id": world["customer"].pk, "site_id": world["site"].pk, **change}

        response = api.post("orders", body)

        assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")
        assert list(response.json()["details"]["fields"]) == [field], change
        assert everything() == before


def test_a_requested_end_before_the_start_is_invalid_input(world, manager, api_as):
    before = everything()

    response = api_as(manager).post(
        "orders",
        {
            "customer_id": world["customer"].pk,
            "site_id": world["site"].pk,
            "requested_start": "2025-06-02T16:00:00+00:00",
            "requested_end": "2025-06-02T08:00:00+00:00",
        },
    )

    assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")
    assert response.json()["details"]["fields"] == {
        "__all__": ["The requested end must not be before the start."]
    }
    assert everything() == before


def test_creating_an_order_against_the_rules_is_refused_and_writes_nothing(world, manager, api_as):
    foreign_site = SiteFactory()
    obj = service_object(world["customer"])
    other_obj = service_object(world["customer"])
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    base = {"customer_id": world["customer"].pk, "site_id": world["site"].pk}
    api = api_as(manager)
    before = everything()

    for change, code in [
        ({"site_id": foreign_site.pk}, "orders.customer_mismatch"),
        ({"object_ids": [service_object(CustomerFactory()).pk]}, "orders.customer_mismatch"),
        ({"reported_at": future}, "orders.reported_in_future"),
        (
            {
                "object_ids": [obj.pk],
                "lines": [
                    {"kind": "fee", "quantity": "1"},
                    {"kind": "hour", "quantity": "1", "object_id": other_obj.pk},
                ],
            },
            "orders.object_not_related",
        ),
    ]:
        response = api.post("orders", {**base, **change})
        assert (response.status_code, response.json()["code"]) == (409, code), change
        assert everything() == before

    created = api.post("orders", base).json()
    assert created["number"] == "WO000001"  # refused creations gave their numbers back


def test_an_inactive_customer_gets_no_new_orders(world, manager, api_as):
    world["customer"].is_active = False
    world["customer"].save(update_fields=["is_active"])
    before = everything()

    response = api_as(manager).post(
        "orders", {"customer_id": world["customer"].pk, "site_id": world["site"].pk}
    )

    assert (response.status_code, response.json()["code"]) == (409, "customers.customer_inactive")
    assert everything() == before


BAD_UPDATE_INPUT = [
    ({"description": "no version"}, "version"),
    ({"version": 0}, "version"),
    ({"version": "one"}, "version"),
    ({"version": 1, "priority": "urgent"}, "priority"),
    ({"version": 1, "site_id": 2**62}, "site_id"),
    ({"version": 1, "requested_end": "2025-06-02T08:00:00"}, "requested_end"),
    ({"version": 1, "object_ids": [2**62]}, "object_ids"),
]


def test_patching_an_order_with_bad_input_is_refused(manager, api_as):
    order = make_order(by=manager)
    api = api_as(manager)
    before = everything()
    for body, field in BAD_UPDATE_INPUT:
        response = api.patch(f"orders/{order.pk}", body)

        assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")
        assert list(response.json()["details"]["fields"]) == [field], body
        assert everything() == before


BAD_ACTION_INPUT = [
    ("stage", {}, "to"),
    ("stage", {"to": ""}, "to"),
    ("stage", {"to": "scheduled", "at": "yesterday"}, "at"),
    ("stage", {"to": "scheduled", "note": "x" * 2001}, "note"),
    ("cancel", {"reason": ""}, "reason"),
    ("sign-off", {"signer_name": "  "}, "signer_name"),
    ("sign-off", {}, "signer_name"),
    ("copy-lines", {"from_order_id": 2**62}, "from_order_id"),
    ("copy-lines", {}, "from_order_id"),
    ("move-lines", {"to_order_id": 1, "line_ids": []}, "line_ids"),
    ("lines", {"kind": "fee"}, "quantity"),
    ("lines", {"kind": "fee", "quantity": "1", "object_id": 2**62}, "object_id"),
    ("lines", {"kind": "hour", "quantity": "1", "technician_id": 2**62}, "technician_id"),
    ("lines", {"kind": "fee", "quantity": "1", "unit": ""}, "unit"),
]


def test_actions_with_bad_input_are_refused(manager, api_as):
    order = order_in_stage("in_progress", by=manager)
    api = api_as(manager)
    before = everything()
    for path, body, field in BAD_ACTION_INPUT:
        response = api.post(f"orders/{order.pk}/{path}", body)

        assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")
        assert list(response.json()["details"]["fields"]) == [field], (path, body)
        assert everything() == before


def test_unknown_ids_are_not_found(manager, api_as):
    order = make_order(by=manager)
    other_line = add_line(make_order(by=manager), by=manager)
    api = api_as(manager)
    before = everything()

    for response in (
        api.get("orders/999999"),
        api.patch("orders/999999", {"version": 1}),
        api.post("orders/999999/stage", {"to": "scheduled"}),
        api.patch(f"orders/{order.pk}/lines/{other_line.pk}", {"quantity": "2"}),
        api.delete(f"orders/{order.pk}/lines/999999"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "core.not_found")
    assert everything() == before


# Idempotency-Key


def test_the_same_idempotency_key_creates_one_order(world, dispatcher, api_as):
    api = api_as(dispatcher)
    body = {
        "customer_id": world["customer"].pk,
        "site_id": world["site"].pk,
        "lines": [{"kind": "fee", "quantity": "1", "unit_price": "35.00"}],
    }
    key = {"Idempotency-Key": "portal-call-42"}

    first = api.post("orders", body, **key)
    second = api.post("orders", body, **key)
    third = api.post("orders", body, **{"Idempotency-Key": "portal-call-43"})

    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 201)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert third.json()["id"] != first.json()["id"]
    assert ServiceOrder.objects.count() == 2
    assert OrderLine.objects.count() == 2
    assert StageChange.objects.count() == 2
