"""The /api/v1 sla-policies and sla-assignments resources: the role matrix on every operation
(nothing written on a refusal), the exact output, field errors, assignments to a customer or an
agreement group, and refused deletes."""

import pytest

from openservice.calendars.services import calendar_create
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import AgreementGroupFactory, CustomerFactory
from openservice.sla import services
from openservice.sla.models import SlaAssignment, SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

TARGETS = [
    {"priority": "high", "response_minutes": 120, "resolution_minutes": 480},
    {"priority": "critical", "response_minutes": 60, "resolution_minutes": 240},
    {"priority": "normal", "response_minutes": 480, "resolution_minutes": 2400},
]


def make_calendar(name="Helsinki office", **fields):
    return calendar_create(
        by=None,
        name=name,
        timezone="Europe/Helsinki",
        hours={key: [["08:00", "16:00"]] for key in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="FI",
        **fields,
    )


def make_policy(name="Gold", **fields) -> SlaPolicy:
    fields.setdefault("targets", TARGETS)
    return services.policy_create(by=None, name=name, **fields)


def business_events():
    return AuditEvent.objects.exclude(verb__startswith="api_token.")


def everything() -> tuple:
    """Every SLA row and audit event, to show a refused request wrote nothing."""
    return (
        list(
            SlaPolicy.objects.order_by("pk").values_list(
                "pk", "name", "calendar_id", "warning_percent", "is_default", "is_active"
            )
        ),
        list(
            SlaTarget.objects.order_by("pk").values_list(
                "policy_id", "priority", "response_minutes", "resolution_minutes"
            )
        ),
        list(
            SlaAssignment.objects.order_by("pk").values_list(
                "pk", "policy_id", "customer_id", "agreement_group_id"
            )
        ),
        list(business_events().order_by("pk").values_list("verb", "object_id")),
    )


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("core.invalid_input", "Some fields are not valid.")
    return body["details"]["fields"]


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
READ = (401, 403, 200, 200, 200, 200)
CHANGE = (401, 403, 403, 403, 200, 200)
CREATE = (401, 403, 403, 403, 201, 201)
DELETE = (401, 403, 403, 403, 403, 204)
MATRIX = {
    "policy_list": READ,
    "policy_get": READ,
    "policy_create": CREATE,
    "policy_update": CHANGE,
    "policy_deactivate": CHANGE,
    "policy_activate": CHANGE,
    "policy_delete": DELETE,
    "assignment_list": READ,
    "assignment_get": READ,
    "assignment_create": CREATE,
    "assignment_update": CHANGE,
    # Managers also remove assignments (sla migration 0002: everyday setup work).
    "assignment_delete": (401, 403, 403, 403, 204, 204),
}
ACTIONS = {"list": "view", "get": "view", "create": "add", "delete": "delete"}


def perm_of(endpoint: str) -> str:
    resource, action = endpoint.split("_")
    model = "slapolicy" if resource == "policy" else "slaassignment"
    return f"sla.{ACTIONS.get(action, 'change')}_{model}"


def request_for(endpoint: str) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it."""
    policy = make_policy()
    path = f"sla-policies/{policy.pk}"
    if endpoint == "policy_activate":
        services.policy_set_active(policy=policy, by=None, is_active=False)
    if endpoint.startswith("policy_"):
        return {
            "policy_list": ("get", "sla-policies", None),
            "policy_get": ("get", path, None),
            "policy_create": ("post", "sla-policies", {"name": "Silver", "targets": TARGETS[:1]}),
            "policy_update": ("patch", path, {"warning_percent": 80}),
            "policy_deactivate": ("post", f"{path}/deactivate", None),
            "policy_activate": ("post", f"{path}/activate", None),
            "policy_delete": ("delete", path, None),
        }[endpoint]
    customer = CustomerFactory()
    if endpoint == "assignment_create":
        return "post", "sla-assignments", {"policy_id": policy.pk, "customer_id": customer.pk}
    assignment = services.assignment_create(by=None, policy=policy, customer=customer)
    path = f"sla-assignments/{assignment.pk}"
    return {
        "assignment_list": ("get", "sla-assignments", None),
        "assignment_get": ("get", path, None),
        "assignment_update": ("patch", path, {"policy_id": make_policy("Silver").pk}),
        "assignment_delete": ("delete", path, None),
    }[endpoint]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


SUCCESS = {
    "policy_list": lambda body: [row["name"] for row in body["items"]] == ["Gold"],
    "policy_get": lambda body: (body["name"], len(body["targets"])) == ("Gold", 3),
    "policy_create": lambda body: (body["name"], body["warning_percent"]) == ("Silver", 75),
    "policy_update": lambda body: body["warning_percent"] == 80,
    "policy_deactivate": lambda body: body["is_active"] is False,
    "policy_activate": lambda body: body["is_active"] is True,
    "policy_delete": lambda body: body is None,
    "assignment_list": lambda body: body["count"] == 1,
    "assignment_get": lambda body: body["agreement_group"] is None,
    "assignment_create": lambda body: body["customer_id"] is not None,
    "assignment_update": lambda body: body["policy_id"] == SlaPolicy.objects.get(name="Silver").pk,
    "assignment_delete": lambda body: body is None,
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix_on_every_sla_operation(endpoint, actor, user_of, api_as):
    method, path, body = request_for(endpoint)
    api = api_as(user_of(actor))
    before = everything()

    response = send(api, method, path, body)

    status = MATRIX[endpoint][ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif status == 403:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm_of(endpoint)},
        }
    if status >= 400:
        assert everything() == before
        return
    assert SUCCESS[endpoint](response.json() if response.content else None)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_sla_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if "/sla-policies" in path or "/sla-assignments" in path
        for operation in item.values()
    }
    assert len(operations) == len(MATRIX)


def test_unknown_ids_are_not_found(manager, administrator, api_as):
    policy = make_policy()
    api = api_as(manager)
    before = everything()

    for response, detail in (
        (api.get("sla-policies/999999"), {"policy_id": 999999}),
        (api.patch("sla-policies/999999", {"name": "X"}), {"policy_id": 999999}),
        (api.post("sla-policies/999999/deactivate"), {"policy_id": 999999}),
        (api_as(administrator).delete("sla-policies/999999"), {"policy_id": 999999}),
        (api.get("sla-assignments/999999"), {"assignment_id": 999999}),
        (api.patch("sla-assignments/999999", {"policy_id": policy.pk}), {"assignment_id": 999999}),
        (api_as(administrator).delete("sla-assignments/999999"), {"assignment_id": 999999}),
    ):
        assert response.status_code == 404, response.content
        assert response.json() == {
            "code": "core.not_found",
            "message": "Not found.",
            "details": detail,
        }
    assert everything() == before


# Policies


def test_create_a_policy_with_the_issues_example_answers_the_stored_policy(manager, api_as):
    calendar = make_calendar()
    body = {
        "name": "Gold 24/7",
        "calendar_id": calendar.pk,
        "warning_percent": 80,
        "is_default": True,
        "targets": TARGETS,
    }

    response = api_as(manager).post("sla-policies", body)

    assert response.status_code == 201, response.content
    policy = SlaPolicy.objects.get()
    assert response.json() == {
        "id": policy.pk,
        "name": "Gold 24/7",
        "description": "",
        "calendar_id": calendar.pk,
        "warning_percent": 80,
        "is_default": True,
        "is_active": True,
        "targets": [  # shortest response first
            {"priority": "critical", "response_minutes": 60, "resolution_minutes": 240},
            {"priority": "high", "response_minutes": 120, "resolution_minutes": 480},
            {"priority": "normal", "response_minutes": 480, "resolution_minutes": 2400},
        ],
    }
    assert sorted(
        policy.targets.values_list("priority", "response_minutes", "resolution_minutes")
    ) == [("critical", 60, 240), ("high", 120, 480), ("normal", 480, 2400)]
    assert list(business_events().filter(verb__startswith="sla").values_list("verb", "data")) == [
        ("sla_policy.created", {"name": "Gold 24/7", "targets": ["critical", "high", "normal"]})
    ]
    assert api_as(manager).get(f"sla-policies/{policy.pk}").json() == response.json()


def test_a_policy_without_a_calendar_counts_in_the_default_and_warns_at_75(manager, api_as):
    response = api_as(manager).post("sla-policies", {"name": "Basic", "targets": TARGETS[:1]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["calendar_id"], body["warning_percent"], body["is_default"]) == (None, 75, False)


def test_only_one_policy_is_the_default(manager, api_as):
    first = make_policy(is_default=True)
    api = api_as(manager)

    second = api.post("sla-policies", {"name": "Silver", "is_default": True, "targets": TARGETS})

    assert second.status_code == 201, second.content
    assert api.get(f"sla-policies/{first.pk}").json()["is_default"] is False
    assert list(SlaPolicy.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Silver"
    ]
    third = make_policy("Bronze")
    api.patch(f"sla-policies/{third.pk}", {"is_default": True})
    assert list(SlaPolicy.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Bronze"
    ]


BAD_POLICIES = [
    (
        {"targets": [TARGETS[0], {**TARGETS[1], "priority": "high"}]},
        {"targets": ["Priority high is listed twice."]},
    ),
    (
        {"targets": [{"priority": "high", "response_minutes": 480, "resolution_minutes": 120}]},
        {"targets": ["high: resolution cannot be due before the response."]},
    ),
    ({"warning_percent": 0}, {"warning_percent": ["Input should be greater than or equal to 1"]}),
    ({"warning_percent": 100}, {"warning_percent": ["Input should be less than or equal to 99"]}),
    ({"calendar_id": 999999}, {"calendar_id": ["No such calendar."]}),
    (
        {"targets": [{**TARGETS[0], "priority": "urgent"}]},
        {"targets.0.priority": ["Input should be 'low', 'normal', 'high' or 'critical'"]},
    ),
    ({"targets": []}, {"targets": ["List should have at least 1 item after validation, not 0"]}),
    ({"targets": None}, {"targets": ["Input should be a valid list"]}),
    (
        {"targets": [{**TARGETS[0], "response_minutes": 0}]},
        {"targets.0.response_minutes": ["Input should be greater than or equal to 1"]},
    ),
    ({"name": ""}, {"name": ["String should have at least 1 character"]}),
]


@pytest.mark.parametrize(("change", "errors"), BAD_POLICIES)
def test_bad_policies_are_refused_with_field_errors(change, errors, manager, api_as):
    body = {"name": "Gold", "warning_percent": 80, "targets": TARGETS, **change}
    before = everything()

    response = api_as(manager).post("sla-policies", body)

    assert field_errors(response) == errors
    assert everything() == before


def test_a_target_list_without_targets_is_refused(manager, api_as):
    response = api_as(manager).post("sla-policies", {"name": "Gold"})

    assert field_errors(response) == {"targets": ["Field required"]}
    assert not SlaPolicy.objects.exists()


def test_a_duplicate_policy_name_is_a_field_error(manager, api_as):
    make_policy()
    before = everything()

    response = api_as(manager).post("sla-policies", {"name": "Gold", "targets": TARGETS})

    assert field_errors(response) == {"name": ["SLA policy with this Name already exists."]}
    assert everything() == before


def test_a_bad_policy_patch_changes_nothing(manager, api_as):
    policy = make_policy()
    api = api_as(manager)
    before = everything()

    for change, errors in BAD_POLICIES:
        if change.get("name") == "" or change.get("targets", ...) is None:
            continue
        response = api.patch(f"sla-policies/{policy.pk}", change)
        assert field_errors(response) == errors, change
        assert everything() == before


def test_a_patch_replaces_the_targets_and_sets_the_calendar(manager, api_as):
    policy = make_policy()
    calendar = make_calendar()
    api = api_as(manager)

    response = api.patch(
        f"sla-policies/{policy.pk}",
        {
            "calendar_id": calendar.pk,
            "description": "Business hours",
            "targets": [{"priority": "low", "response_minutes": 960, "resolution_minutes": 4800}],
        },
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": policy.pk,
        "name": "Gold",
        "description": "Business hours",
        "calendar_id": calendar.pk,
        "warning_percent": 75,
        "is_default": False,
        "is_active": True,
        "targets": [{"priority": "low", "response_minutes": 960, "resolution_minutes": 4800}],
    }
    assert list(SlaTarget.objects.values_list("priority", flat=True)) == ["low"]
    cleared = api.patch(f"sla-policies/{policy.pk}", {"calendar_id": None})
    assert cleared.json()["calendar_id"] is None
    assert SlaPolicy.objects.get().calendar is None


def test_an_unused_policy_is_deleted_with_its_targets(administrator, api_as):
    policy = make_policy()

    response = api_as(administrator).delete(f"sla-policies/{policy.pk}")

    assert (response.status_code, response.content) == (204, b"")
    assert not SlaPolicy.objects.exists()
    assert not SlaTarget.objects.exists()
    assert list(business_events().order_by("pk").values_list("verb", flat=True)) == [
        "sla_policy.created",
        "sla_policy.deleted",
    ]


def test_deleting_a_policy_an_order_uses_is_refused(administrator, manager, api_as):
    from openservice.orders.models import ServiceOrder
    from openservice.orders.tests.factories import make_order

    policy = make_policy()
    order = make_order(by=manager, sla_policy=policy, priority="high")
    before = everything()

    response = api_as(administrator).delete(f"sla-policies/{policy.pk}")

    assert response.status_code == 409, response.content
    assert response.json() == {
        "code": "sla.policy_in_use",
        "message": "Orders are measured against this policy; deactivate it instead.",
        "details": {"policy_id": policy.pk},
    }
    assert everything() == before
    assert ServiceOrder.objects.get(pk=order.pk).sla_policy_id == policy.pk


# Assignments


def test_assign_a_policy_to_a_customer(manager, api_as):
    policy = make_policy()
    customer = CustomerFactory()

    response = api_as(manager).post(
        "sla-assignments", {"policy_id": policy.pk, "customer_id": customer.pk}
    )

    assert response.status_code == 201, response.content
    assignment = SlaAssignment.objects.get()
    assert response.json() == {
        "id": assignment.pk,
        "policy_id": policy.pk,
        "customer_id": customer.pk,
        "agreement_group": None,
    }
    assert (assignment.customer, assignment.agreement_group) == (customer, None)
    assert business_events().order_by("pk").values_list("verb", "data").last() == (
        "sla_assignment.created",
        {"policy": policy.pk, "customer": customer.pk, "agreement_group": None},
    )


def test_assign_a_policy_to_an_agreement_group(manager, api_as):
    policy = make_policy()
    group = AgreementGroupFactory(code="GOLD", name="Gold customers")
    api = api_as(manager)

    response = api.post("sla-assignments", {"policy_id": policy.pk, "agreement_group": "GOLD"})

    assert response.status_code == 201, response.content
    assignment = SlaAssignment.objects.get()
    assert response.json() == {
        "id": assignment.pk,
        "policy_id": policy.pk,
        "customer_id": None,
        "agreement_group": "GOLD",
    }
    assert assignment.agreement_group == group
    assert api.get(f"sla-assignments/{assignment.pk}").json() == response.json()
    assert api.get("sla-assignments").json() == {"items": [response.json()], "count": 1}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"customer_id": None, "agreement_group": None},
        {"customer_id": "customer", "agreement_group": "GOLD"},
    ],
)
def test_an_assignment_needs_exactly_one_of_customer_and_group(extra, manager, api_as):
    policy = make_policy()
    AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory()
    if extra.get("customer_id") == "customer":
        extra = {**extra, "customer_id": customer.pk}
    before = everything()

    response = api_as(manager).post("sla-assignments", {"policy_id": policy.pk, **extra})

    message = ["Give either customer_id or agreement_group."]
    assert field_errors(response) == {"customer_id": message, "agreement_group": message}
    assert everything() == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"policy_id": 999999, "customer_id": "customer"}, {"policy_id": ["No such SLA policy."]}),
        ({"policy_id": "policy", "customer_id": 999999}, {"customer_id": ["No such customer."]}),
        (
            {"policy_id": "policy", "agreement_group": "PLATINUM"},
            {"agreement_group": ["No agreement group has this code."]},
        ),
        ({"customer_id": "customer"}, {"policy_id": ["Field required"]}),
    ],
)
def test_an_assignment_to_unknown_records_is_invalid_input(body, errors, manager, api_as):
    policy = make_policy()
    customer = CustomerFactory()
    refs = {"policy": policy.pk, "customer": customer.pk}
    body = {key: refs.get(value, value) for key, value in body.items()}
    before = everything()

    response = api_as(manager).post("sla-assignments", body)

    assert field_errors(response) == errors
    assert everything() == before


def test_a_second_assignment_of_the_same_customer_is_refused(manager, api_as):
    gold, silver = make_policy(), make_policy("Silver")
    customer = CustomerFactory()
    first = services.assignment_create(by=None, policy=gold, customer=customer)
    before = everything()

    response = api_as(manager).post(
        "sla-assignments", {"policy_id": silver.pk, "customer_id": customer.pk}
    )

    assert response.status_code == 409, response.content
    assert response.json() == {
        "code": "sla.already_assigned",
        "message": "A policy is already assigned there; change or remove that assignment.",
        "details": {"assignment_id": first.pk, "policy_id": gold.pk},
    }
    assert everything() == before


def test_a_second_assignment_of_the_same_group_is_refused(manager, api_as):
    gold, silver = make_policy(), make_policy("Silver")
    group = AgreementGroupFactory(code="GOLD")
    services.assignment_create(by=None, policy=gold, agreement_group=group)
    before = everything()

    response = api_as(manager).post(
        "sla-assignments", {"policy_id": silver.pk, "agreement_group": "gold"}
    )

    assert (response.status_code, response.json()["code"]) == (409, "sla.already_assigned")
    assert everything() == before


def test_patch_changes_the_policy_of_an_assignment(manager, api_as):
    gold, silver = make_policy(), make_policy("Silver")
    customer = CustomerFactory()
    assignment = services.assignment_create(by=None, policy=gold, customer=customer)
    api = api_as(manager)

    response = api.patch(f"sla-assignments/{assignment.pk}", {"policy_id": silver.pk})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": assignment.pk,
        "policy_id": silver.pk,
        "customer_id": customer.pk,
        "agreement_group": None,
    }
    assert SlaAssignment.objects.get().policy == silver
    assert business_events().order_by("pk").values_list("verb", "data").last() == (
        "sla_assignment.updated",
        {"policy": [gold.pk, silver.pk]},
    )
    refused = api.patch(f"sla-assignments/{assignment.pk}", {"policy_id": 999999})
    assert field_errors(refused) == {"policy_id": ["No such SLA policy."]}
    assert SlaAssignment.objects.get().policy == silver


def test_delete_removes_an_assignment(administrator, api_as):
    assignment = services.assignment_create(
        by=None, policy=make_policy(), customer=CustomerFactory()
    )

    response = api_as(administrator).delete(f"sla-assignments/{assignment.pk}")

    assert (response.status_code, response.content) == (204, b"")
    assert not SlaAssignment.objects.exists()
    assert SlaPolicy.objects.count() == 1
    assert (
        list(business_events().values_list("verb", flat=True)).count("sla_assignment.deleted") == 1
    )


def test_assignments_are_filtered_by_policy_and_customer(manager, api_as):
    gold, silver = make_policy(), make_policy("Silver")
    customers = [CustomerFactory() for _ in range(3)]
    rows = [
        services.assignment_create(by=None, policy=gold, customer=customers[0]),
        services.assignment_create(by=None, policy=silver, customer=customers[1]),
        services.assignment_create(by=None, policy=gold, customer=customers[2]),
    ]
    api = api_as(manager)

    def ids(params):
        body = api.get("sla-assignments", params).json()
        return [row["id"] for row in body["items"]], body["count"]

    assert ids({}) == ([row.pk for row in rows], 3)
    assert ids({"policy_id": gold.pk}) == ([rows[0].pk, rows[2].pk], 2)
    assert ids({"customer_id": customers[1].pk}) == ([rows[1].pk], 1)
    assert ids({"limit": 1, "offset": 2}) == ([rows[2].pk], 3)
