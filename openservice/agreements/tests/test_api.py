"""The /api/v1 agreements resources: the role matrix on every operation (nothing written on a
refusal), the exact output, the status actions and renewal, lines with their rules, copying
lines from a template, and template groups."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.agreements import services
from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
    TemplateGroup,
)
from openservice.agreements.tests.factories import TemplateGroupFactory
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.equipment.tests.factories import ServiceObjectFactory
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

YEAR = {"starts_on": date(2027, 1, 1), "ends_on": date(2027, 12, 31)}


def business_events():
    return AuditEvent.objects.exclude(verb__startswith="api_token.")


def everything() -> tuple:
    """Every agreement row and audit event, to show a refused request wrote nothing."""
    return (
        list(
            ServiceAgreement.objects.order_by("pk").values_list(
                "pk",
                "number",
                "status",
                "customer_id",
                "site_id",
                "description",
                "note",
                "grouping",
                "starts_on",
                "ends_on",
                "template_group_id",
                "renewed_from_id",
            )
        ),
        list(
            AgreementLine.objects.order_by("pk").values_list(
                "pk",
                "agreement_id",
                "kind",
                "description",
                "task_id",
                "object_id",
                "quantity",
                "interval_unit",
                "interval_every",
                "window",
                "window_days_before",
                "window_days_after",
                "starts_on",
                "ends_on",
                "is_stopped",
            )
        ),
        list(
            AgreementObject.objects.order_by("pk").values_list(
                "agreement_id", "object_id", "internal_note", "external_note"
            )
        ),
        list(
            AgreementTask.objects.order_by("pk").values_list(
                "agreement_id", "task_id", "internal_note", "external_note"
            )
        ),
        list(TemplateGroup.objects.order_by("pk").values_list("pk", "code", "name", "parent_id")),
        list(business_events().order_by("pk").values_list("verb", "object_id")),
    )


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


def draft(customer=None, **fields) -> ServiceAgreement:
    """A draft agreement of 2027 made through the service."""
    customer = customer or CustomerFactory()
    fields.setdefault("site", SiteFactory(customer=customer))
    fields.setdefault("description", "Lift care")
    for key, value in YEAR.items():
        fields.setdefault(key, value)
    return services.agreement_create(by=None, customer=customer, **fields)


def template(**fields) -> ServiceAgreement:
    fields.setdefault("template_group", TemplateGroupFactory(code="LIFTS", name="Lifts"))
    fields.setdefault("description", "Lift template")
    fields.setdefault("starts_on", date(2020, 1, 1))
    return services.agreement_create(by=None, **fields)


def add_line(agreement, **fields) -> AgreementLine:
    fields.setdefault("kind", "hour")
    fields.setdefault("interval_unit", "week")
    return services.agreement_line_create(agreement=agreement, by=None, **fields)


def act(agreement, action: str) -> ServiceAgreement:
    return services.agreement_change_status(agreement=agreement, by=None, action=action)


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
READ = (401, 403, 403, 200, 200, 200)
CHANGE = (401, 403, 403, 403, 200, 403)
CREATE = (401, 403, 403, 403, 201, 403)
DELETE = (401, 403, 403, 403, 204, 403)
# operation id: (statuses in ACTORS order, the permission a refusal names)
MATRIX = {
    "list_agreements": (READ, "view_serviceagreement"),
    "get_agreement": (READ, "view_serviceagreement"),
    "create_agreement": (CREATE, "add_serviceagreement"),
    "update_agreement": (CHANGE, "change_serviceagreement"),
    "delete_agreement": (DELETE, "delete_serviceagreement"),
    "activate_agreement": (CHANGE, "change_serviceagreement"),
    "suspend_agreement": (CHANGE, "change_serviceagreement"),
    "resume_agreement": (CHANGE, "change_serviceagreement"),
    "cancel_agreement": (CHANGE, "change_serviceagreement"),
    "renew_agreement": (CHANGE, "change_serviceagreement"),
    "list_agreement_lines": (READ, "view_serviceagreement"),
    "get_agreement_line": (READ, "view_agreementline"),
    "create_agreement_line": (CREATE, "add_agreementline"),
    "update_agreement_line": (CHANGE, "change_agreementline"),
    "delete_agreement_line": (DELETE, "delete_agreementline"),
    "copy_agreement_lines": (CHANGE, "add_agreementline"),
    "list_template_groups": (READ, "view_templategroup"),
    "create_template_group": (CREATE, "add_templategroup"),
    "update_template_group": (CHANGE, "change_templategroup"),
}


def request_for(operation: str) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it."""
    if operation == "list_template_groups":
        TemplateGroupFactory(code="LIFTS")
        return "get", "agreement-template-groups", None
    if operation == "create_template_group":
        return "post", "agreement-template-groups", {"code": "DOORS", "name": "Doors"}
    if operation == "update_template_group":
        group = TemplateGroupFactory(code="LIFTS")
        return "patch", f"agreement-template-groups/{group.pk}", {"name": "Lifts and escalators"}
    if operation == "create_agreement":
        site = SiteFactory()
        body = {
            "customer_id": site.customer_id,
            "site_id": site.pk,
            "description": "Door care",
            "starts_on": "2027-01-01",
        }
        return "post", "agreements", body
    agreement = draft()
    path = f"agreements/{agreement.pk}"
    line = add_line(agreement, description="Inspection")
    if operation in ("suspend_agreement", "cancel_agreement", "renew_agreement"):
        act(agreement, "activate")
    if operation == "resume_agreement":
        act(act(agreement, "activate"), "suspend")
    if operation == "copy_agreement_lines":
        source = template()
        add_line(source, description="Yearly check", interval_unit="year")
        return "post", f"{path}/copy-lines", {"from_agreement_id": source.pk}
    return {
        "list_agreements": ("get", "agreements", None),
        "get_agreement": ("get", path, None),
        "update_agreement": ("patch", path, {"description": "Lift and door care"}),
        "delete_agreement": ("delete", path, None),
        "activate_agreement": ("post", f"{path}/activate", None),
        "suspend_agreement": ("post", f"{path}/suspend", None),
        "resume_agreement": ("post", f"{path}/resume", None),
        "cancel_agreement": ("post", f"{path}/cancel", None),
        "renew_agreement": ("post", f"{path}/renew", {}),
        "list_agreement_lines": ("get", f"{path}/lines", None),
        "get_agreement_line": ("get", f"{path}/lines/{line.pk}", None),
        "create_agreement_line": ("post", f"{path}/lines", {"kind": "fee"}),
        "update_agreement_line": ("patch", f"{path}/lines/{line.pk}", {"quantity": "2"}),
        "delete_agreement_line": ("delete", f"{path}/lines/{line.pk}", None),
    }[operation]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


# What a successful answer shows, per operation.
SUCCESS = {
    "list_agreements": lambda body: [row["description"] for row in body["items"]] == ["Lift care"],
    "get_agreement": lambda body: (body["description"], body["status"]) == ("Lift care", "draft"),
    "create_agreement": lambda body: (
        (body["description"], body["status"]) == ("Door care", "draft")
    ),
    "update_agreement": lambda body: body["description"] == "Lift and door care",
    "delete_agreement": lambda body: body is None,
    "activate_agreement": lambda body: body["status"] == "active",
    "suspend_agreement": lambda body: body["status"] == "suspended",
    "resume_agreement": lambda body: body["status"] == "active",
    "cancel_agreement": lambda body: body["status"] == "cancelled",
    "renew_agreement": lambda body: (body["status"], body["starts_on"]) == ("draft", "2028-01-01"),
    "list_agreement_lines": lambda body: [row["description"] for row in body] == ["Inspection"],
    "get_agreement_line": lambda body: body["description"] == "Inspection",
    "create_agreement_line": lambda body: (body["kind"], body["interval_unit"]) == ("fee", None),
    "update_agreement_line": lambda body: body["quantity"] == "2.000",
    "delete_agreement_line": lambda body: body is None,
    "copy_agreement_lines": lambda body: [row["description"] for row in body] == ["Yearly check"],
    "list_template_groups": lambda body: [row["code"] for row in body] == ["LIFTS"],
    "create_template_group": lambda body: (body["code"], body["parent_id"]) == ("DOORS", None),
    "update_template_group": lambda body: body["name"] == "Lifts and escalators",
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_every_agreements_operation(operation, actor, user_of, api_as):
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
            "details": {"perm": f"agreements.{perm}"},
        }
    if status >= 400:
        assert everything() == before
        return
    assert SUCCESS[operation](response.json() if response.content else None)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_agreements_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith(("/api/v1/agreements", "/api/v1/agreement-template-groups"))
        for operation in item.values()
    }
    # Generation and the forecast are the orders app's (orders/tests/test_generation_api.py).
    assert operations - {"generate_orders", "forecast_agreement"} == set(MATRIX)


# Creating and reading


def test_an_agreement_is_created_as_a_draft_with_exactly_its_documented_fields(manager, api_as):
    group = AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory(agreement_group=group)
    site = SiteFactory(customer=customer)
    lift = ServiceObjectFactory(customer=customer, site=site)
    task = ServiceTaskFactory(name="Lift inspection")
    technician = TechnicianFactory()

    response = api_as(manager).post(
        "agreements",
        {
            "customer_id": customer.pk,
            "site_id": site.pk,
            "description": "  Lift care  ",
            "note": "Keys at the lobby desk",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
            "grouping": "task",
            "preferred_technician_id": technician.pk,
            "responsible_id": manager.pk,
            "objects": [
                {"object_id": lift.pk, "internal_note": "Noisy door", "external_note": "A lift"}
            ],
            "tasks": [{"task_id": task.pk, "internal_note": "Bring the key"}],
        },
    )

    assert response.status_code == 201, response.content
    agreement = ServiceAgreement.objects.get()
    assert response.json() == {
        "id": agreement.pk,
        "number": "SA000001",
        "status": "draft",
        "is_template": False,
        "template_group_id": None,
        "customer_id": customer.pk,
        "site_id": site.pk,
        "description": "Lift care",
        "note": "Keys at the lobby desk",
        "agreement_group": "GOLD",
        "sla_policy_id": None,
        "calendar_id": None,
        "preferred_technician_id": technician.pk,
        "responsible_id": manager.pk,
        "grouping": "task",
        "currency": "EUR",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "renewed_from_id": None,
        "objects": [
            {"object_id": lift.pk, "internal_note": "Noisy door", "external_note": "A lift"}
        ],
        "tasks": [{"task_id": task.pk, "internal_note": "Bring the key", "external_note": ""}],
    }
    assert api_as(manager).get(f"agreements/{agreement.pk}").json() == response.json()
    assert list(business_events().values_list("verb", "object_id", "data")) == [
        ("agreement.created", str(agreement.pk), {"number": "SA000001"})
    ]


def test_a_template_needs_no_customer_or_site(manager, api_as):
    group = TemplateGroupFactory(code="LIFTS")

    response = api_as(manager).post(
        "agreements",
        {"description": "Lift template", "starts_on": "2020-01-01", "template_group_id": group.pk},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["is_template"], body["template_group_id"], body["status"]) == (
        True,
        group.pk,
        "draft",
    )
    assert (body["customer_id"], body["site_id"], body["currency"]) == (None, None, "EUR")


def test_an_agreement_that_is_not_a_template_needs_a_customer_and_site(manager, api_as):
    before = everything()

    response = api_as(manager).post(
        "agreements", {"description": "Lift care", "starts_on": "2027-01-01"}
    )

    assert set(field_errors(response)) == {"customer_id", "site_id"}
    site = SiteFactory()
    response = api_as(manager).post(
        "agreements",
        {"customer_id": site.customer_id, "description": "Lift care", "starts_on": "2027-01-01"},
    )
    assert list(field_errors(response)) == ["site_id"]
    assert everything()[0] == before[0] == []


def test_creating_an_agreement_against_the_rules_is_refused_and_writes_nothing(manager, api_as):
    customer = CustomerFactory()
    other_site = SiteFactory()
    api = api_as(manager)
    before = everything()

    response = api.post(
        "agreements",
        {
            "customer_id": customer.pk,
            "site_id": other_site.pk,
            "description": "Lift care",
            "starts_on": "2027-01-01",
        },
    )
    assert error_of(response) == (409, "agreements.customer_mismatch")
    response = api.post(
        "agreements",
        {
            "customer_id": other_site.customer_id,
            "site_id": other_site.pk,
            "description": "Lift care",
            "starts_on": "2027-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert field_errors(response) == {"__all__": ["The agreement cannot end before it starts."]}
    response = api.post(
        "agreements",
        {
            "customer_id": other_site.customer_id,
            "site_id": other_site.pk,
            "description": "Lift care",
            "starts_on": "2027-01-01",
            "agreement_group": "NOPE",
        },
    )
    assert field_errors(response) == {"agreement_group": ["No agreement group NOPE."]}
    assert everything() == before


@pytest.fixture
def listed():
    """a: draft of customer A; b: active of GOLD customer B; c: a template; d: cancelled of A."""
    customer_a = CustomerFactory()
    customer_b = CustomerFactory(agreement_group=AgreementGroupFactory(code="GOLD"))
    agreements = {
        "a": draft(customer_a, description="A"),
        "b": act(draft(customer_b, description="B"), "activate"),
        "c": template(description="C"),
        "d": act(draft(customer_a, description="D"), "cancel"),
    }
    names = {agreement.pk: name for name, agreement in agreements.items()}
    return agreements, names, customer_a, customer_b


def names_of(response, names) -> list[str]:
    assert response.status_code == 200, response.content
    return [names[row["id"]] for row in response.json()["items"]]


def test_the_list_filters_by_customer_status_group_and_template(listed, dispatcher, api_as):
    agreements, names, customer_a, customer_b = listed
    api = api_as(dispatcher)
    cases = [
        ({}, ["d", "c", "b", "a"]),  # newest number first
        ({"customer_id": customer_a.pk}, ["d", "a"]),
        ({"customer_id": customer_b.pk}, ["b"]),
        ({"status": "draft"}, ["c", "a"]),
        ({"status": "active"}, ["b"]),
        ({"status": "cancelled"}, ["d"]),
        ({"status": "expired"}, []),
        ({"group": "GOLD"}, ["b"]),
        ({"group": "SILVER"}, []),
        ({"is_template": "true"}, ["c"]),
        ({"is_template": "false"}, ["d", "b", "a"]),
        ({"template_group_id": agreements["c"].template_group_id}, ["c"]),
        ({"customer_id": customer_a.pk, "status": "draft"}, ["a"]),
        ({"order_by": "number"}, ["a", "b", "c", "d"]),
        ({"q": agreements["b"].number}, ["b"]),
    ]
    for params, expected in cases:
        response = api.get("agreements", params)
        assert names_of(response, names) == expected, params
        assert response.json()["count"] == len(expected), params


def test_bad_list_parameters_are_invalid_input(manager, api_as):
    api = api_as(manager)
    for params, field in [
        ({"status": "paused"}, "status"),
        ({"customer_id": "0"}, "customer_id"),
        ({"is_template": "maybe"}, "is_template"),
        ({"order_by": "secret"}, "order_by"),
    ]:
        assert list(field_errors(api.get("agreements", params))) == [field], params


def test_unknown_ids_are_not_found(manager, api_as):
    api = api_as(manager)
    agreement = draft()
    for path in ("agreements/999999", f"agreements/{agreement.pk}/lines/999999"):
        assert error_of(api.get(path)) == (404, "core.not_found"), path
    assert error_of(api.post("agreements/999999/activate")) == (404, "core.not_found")


# Status actions


def test_each_status_action_answers_with_the_agreement(manager, api_as):
    agreement = draft()
    api = api_as(manager)

    for action, status in [
        ("activate", "active"),
        ("suspend", "suspended"),
        ("resume", "active"),
        ("cancel", "cancelled"),
    ]:
        response = api.post(f"agreements/{agreement.pk}/{action}")
        assert response.status_code == 200, response.content
        assert (response.json()["id"], response.json()["status"]) == (agreement.pk, status)

    assert list(
        business_events()
        .filter(object_id=str(agreement.pk))
        .order_by("pk")
        .values_list("verb", "data")
    ) == [
        ("agreement.created", {"number": agreement.number}),
        ("agreement.activated", {"from": "draft", "to": "active"}),
        ("agreement.suspended", {"from": "active", "to": "suspended"}),
        ("agreement.resumed", {"from": "suspended", "to": "active"}),
        ("agreement.cancelled", {"from": "active", "to": "cancelled"}),
    ]


INVALID_CHANGES = [
    ("draft", "suspend"),
    ("draft", "resume"),
    ("active", "activate"),
    ("active", "resume"),
    ("suspended", "activate"),
    ("suspended", "suspend"),
    ("cancelled", "activate"),
    ("cancelled", "suspend"),
    ("cancelled", "resume"),
    ("cancelled", "cancel"),
    ("expired", "activate"),
    ("expired", "resume"),
    ("expired", "cancel"),
]
PATH_TO = {
    "draft": [],
    "active": ["activate"],
    "suspended": ["activate", "suspend"],
    "cancelled": ["cancel"],
}


@pytest.mark.parametrize(("status", "action"), INVALID_CHANGES)
def test_an_action_the_status_does_not_allow_is_refused(status, action, manager, api_as):
    agreement = draft()
    for step in PATH_TO.get(status, ["activate"]):
        agreement = act(agreement, step)
    if status == "expired":
        services.agreements_expire(today=date(2028, 1, 1))
    before = everything()

    response = api_as(manager).post(f"agreements/{agreement.pk}/{action}")

    assert error_of(response) == (409, "agreements.invalid_status_change")
    assert response.json()["details"] == {
        "agreement_id": agreement.pk,
        "status": status,
        "action": action,
    }
    assert everything() == before


def test_a_template_is_never_activated(manager, api_as):
    made = template()
    before = everything()

    for action in ("activate", "resume"):
        response = api_as(manager).post(f"agreements/{made.pk}/{action}")
        assert error_of(response) == (409, "agreements.is_template"), action

    assert everything() == before


# Renewal


def test_renewing_makes_a_new_draft_for_the_next_period_with_lines_and_relations(manager, api_as):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    lift = ServiceObjectFactory(customer=customer, site=site)
    task = ServiceTaskFactory(name="Lift inspection")
    agreement = services.agreement_create(
        by=None,
        customer=customer,
        site=site,
        description="Lift care",
        note="Keys at the desk",
        grouping="object",
        objects=[(lift, "Noisy door", "Your lift")],
        tasks=[(task, "Bring the key", "Yearly check")],
        **YEAR,
    )
    weekly = add_line(
        agreement, task=task, object=lift, starts_on=date(2027, 3, 15), unit_price=Decimal("50")
    )
    monthly = add_line(
        agreement,
        kind="fee",
        description="Monthly fee",
        interval_unit="month",
        starts_on=date(2027, 1, 31),
        ends_on=date(2027, 6, 30),
    )
    add_line(agreement, description="Stopped", is_stopped=True)
    act(agreement, "activate")

    response = api_as(manager).post(f"agreements/{agreement.pk}/renew", {})

    assert response.status_code == 200, response.content
    renewal = ServiceAgreement.objects.get(renewed_from=agreement)
    body = response.json()
    assert body == {
        **body,
        "id": renewal.pk,
        "status": "draft",
        "customer_id": customer.pk,
        "site_id": site.pk,
        "description": "Lift care",
        "note": "Keys at the desk",
        "grouping": "object",
        "starts_on": "2028-01-01",
        "ends_on": "2028-12-31",
        "renewed_from_id": agreement.pk,
        "objects": [
            {"object_id": lift.pk, "internal_note": "Noisy door", "external_note": "Your lift"}
        ],
        "tasks": [
            {"task_id": task.pk, "internal_note": "Bring the key", "external_note": "Yearly check"}
        ],
    }
    assert body["number"] != agreement.number
    assert list(
        renewal.lines.order_by("pk").values_list(
            "kind", "task_id", "object_id", "unit_price", "interval_unit", "starts_on", "ends_on"
        )
    ) == [
        ("hour", task.pk, lift.pk, Decimal("50.00"), "week", date(2028, 3, 15), date(2028, 12, 31)),
        ("fee", None, None, None, "month", date(2028, 1, 31), date(2028, 6, 30)),
    ]
    # The renewed agreement is unchanged and still active.
    agreement.refresh_from_db()
    assert (agreement.status, agreement.lines.count()) == ("active", 3)
    assert {weekly.pk, monthly.pk} <= set(agreement.lines.values_list("pk", flat=True))
    assert business_events().filter(verb="agreement.renewed").get().data == {
        "renewal": renewal.pk,
        "lines": 2,
    }


def test_a_renewal_period_can_be_given(manager, api_as):
    agreement = act(draft(), "activate")

    response = api_as(manager).post(
        f"agreements/{agreement.pk}/renew", {"starts_on": "2028-03-01", "ends_on": "2028-06-30"}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["starts_on"], response.json()["ends_on"]) == (
        "2028-03-01",
        "2028-06-30",
    )


def test_renewing_is_refused_for_a_draft_a_cancelled_agreement_a_template_or_a_bad_period(
    manager, api_as
):
    api = api_as(manager)
    running = act(draft(), "activate")
    cancelled = act(draft(), "cancel")
    drafted = draft()
    made = template()
    before = everything()

    for refused in (drafted, cancelled):
        assert error_of(api.post(f"agreements/{refused.pk}/renew", {})) == (
            409,
            "agreements.invalid_status_change",
        )
    assert error_of(api.post(f"agreements/{made.pk}/renew", {})) == (409, "agreements.is_template")
    response = api.post(f"agreements/{running.pk}/renew", {"starts_on": "2027-12-31"})
    assert field_errors(response, "agreements.renewal_period_invalid") == {
        "starts_on": ["The renewal must start after the end."]
    }
    response = api.post(
        f"agreements/{running.pk}/renew", {"starts_on": "2028-02-01", "ends_on": "2028-01-31"}
    )
    assert field_errors(response, "agreements.renewal_period_invalid") == {
        "ends_on": ["The renewal cannot end before it starts."]
    }
    assert everything() == before


# Changing and deleting


def test_changing_the_header_answers_with_the_agreement(manager, api_as):
    agreement = draft()
    other_site = SiteFactory(customer=agreement.customer)

    response = api_as(manager).patch(
        f"agreements/{agreement.pk}",
        {"site_id": other_site.pk, "ends_on": None, "grouping": "technician"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["site_id"], body["ends_on"], body["grouping"]) == (
        other_site.pk,
        None,
        "technician",
    )
    assert body["description"] == "Lift care"  # not sent: unchanged


def test_moving_the_validity_so_a_line_falls_outside_is_refused(manager, api_as):
    agreement = draft()
    add_line(agreement, starts_on=date(2027, 2, 1), ends_on=date(2027, 10, 31))
    api = api_as(manager)
    before = everything()

    for change in ({"starts_on": "2027-03-01"}, {"ends_on": "2027-09-30"}):
        response = api.patch(f"agreements/{agreement.pk}", change)
        assert list(field_errors(response, "agreements.line_outside_validity")) == ["starts_on"]

    assert everything() == before
    response = api.patch(f"agreements/{agreement.pk}", {"starts_on": "2027-02-01"})
    assert response.status_code == 200, response.content


def test_a_cancelled_agreement_is_read_only(manager, api_as):
    agreement = act(draft(), "cancel")
    line = AgreementLine.objects.create(
        agreement=agreement, kind="hour", starts_on=date(2027, 1, 1)
    )
    api = api_as(manager)
    before = everything()

    for method, path, body in [
        ("patch", f"agreements/{agreement.pk}", {"description": "New"}),
        ("post", f"agreements/{agreement.pk}/lines", {"kind": "hour"}),
        ("patch", f"agreements/{agreement.pk}/lines/{line.pk}", {"quantity": "3"}),
        ("delete", f"agreements/{agreement.pk}/lines/{line.pk}", None),
    ]:
        response = send(api, method, path, body)
        assert error_of(response) == (409, "agreements.read_only"), path

    assert everything() == before


def test_deleting_a_draft_removes_it_with_its_lines(manager, api_as):
    agreement = draft()
    add_line(agreement)

    response = api_as(manager).delete(f"agreements/{agreement.pk}")

    assert (response.status_code, response.content) == (204, b"")
    assert (ServiceAgreement.objects.count(), AgreementLine.objects.count()) == (0, 0)


def test_deleting_a_running_agreement_or_one_with_orders_is_refused(manager, api_as):
    running = act(draft(), "activate")
    suspended = act(act(draft(), "activate"), "suspend")
    with_orders = act(draft(), "activate")
    add_line(with_orders, starts_on=date(2027, 1, 4))
    orders_generate_from_agreements(
        date_from=date(2027, 1, 1), date_to=date(2027, 1, 10), agreements=[with_orders]
    )
    act(with_orders, "cancel")
    api = api_as(manager)
    before = everything()

    for agreement, status in ((running, "active"), (suspended, "suspended")):
        response = api.delete(f"agreements/{agreement.pk}")
        assert error_of(response) == (409, "agreements.invalid_status_change")
        assert response.json()["details"] == {
            "agreement_id": agreement.pk,
            "status": status,
            "action": "delete",
        }
    response = api.delete(f"agreements/{with_orders.pk}")
    assert error_of(response) == (409, "agreements.in_use")

    assert everything() == before


# Lines


LINE_BODY = {
    "kind": "item",
    "description": "Door roller",
    "quantity": "1.5",
    "unit": "pcs",
    "unit_price": "45.5",
    "is_billable": False,
    "interval_unit": "month",
    "interval_every": 3,
    "window": "days",
    "window_days_before": 2,
    "window_days_after": 5,
    "starts_on": "2027-02-01",
    "ends_on": "2027-11-30",
    "earliest_time": "08:00",
    "latest_time": "12:30",
}


def test_a_line_is_created_and_read_with_exactly_its_documented_fields(manager, api_as):
    customer = CustomerFactory()
    lift = ServiceObjectFactory(customer=customer)
    task = ServiceTaskFactory()
    technician = TechnicianFactory()
    item = ItemFactory(name="Door roller", unit="pcs")
    agreement = draft(customer, objects=[lift])
    api = api_as(manager)

    response = api.post(
        f"agreements/{agreement.pk}/lines",
        {
            **LINE_BODY,
            "task_id": task.pk,
            "object_id": lift.pk,
            "technician_id": technician.pk,
            "item_id": item.pk,
        },
    )

    assert response.status_code == 201, response.content
    line = AgreementLine.objects.get()
    expected = {
        "id": line.pk,
        "agreement_id": agreement.pk,
        "kind": "item",
        "description": "Door roller",
        "task_id": task.pk,
        "object_id": lift.pk,
        "technician_id": technician.pk,
        "item_id": item.pk,
        "quantity": "1.500",
        "unit": "pcs",
        "unit_price": "45.50",
        "is_billable": False,
        "interval_unit": "month",
        "interval_every": 3,
        "window": "days",
        "window_days_before": 2,
        "window_days_after": 5,
        "starts_on": "2027-02-01",
        "ends_on": "2027-11-30",
        "earliest_time": "08:00",
        "latest_time": "12:30",
        "is_stopped": False,
    }
    assert response.json() == expected
    assert api.get(f"agreements/{agreement.pk}/lines/{line.pk}").json() == expected
    assert api.get(f"agreements/{agreement.pk}/lines").json() == [expected]


def test_a_line_without_interval_occurs_once_from_the_agreements_start(manager, api_as):
    agreement = draft()

    response = api_as(manager).post(f"agreements/{agreement.pk}/lines", {"kind": "fee"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        **body,
        "kind": "fee",
        "description": "",
        "quantity": "1.000",
        "unit_price": None,
        "is_billable": True,
        "interval_unit": None,
        "interval_every": 1,
        "window": "exact",
        "starts_on": "2027-01-01",
        "ends_on": None,
        "earliest_time": None,
        "latest_time": None,
        "is_stopped": False,
    }
    assert AgreementLine.objects.get().interval_unit == ""


def test_a_line_describes_itself_by_its_item_or_task_unless_described(manager, api_as):
    agreement = draft()
    item = ItemFactory(name="Door roller", unit="pcs")
    task = ServiceTaskFactory(name="Lift inspection")
    api = api_as(manager)

    rows = [
        api.post(f"agreements/{agreement.pk}/lines", body).json()
        for body in (
            {"kind": "item", "item_id": item.pk},
            {"kind": "hour", "task_id": task.pk},
            {"kind": "item", "item_id": item.pk, "description": "Spare roller", "unit": "box"},
        )
    ]

    assert [(row["description"], row["unit"]) for row in rows] == [
        ("Door roller", "pcs"),
        ("Lift inspection", ""),
        ("Spare roller", "box"),
    ]


def test_a_line_is_changed_and_deleted(manager, api_as):
    agreement = draft()
    line = add_line(agreement, description="Inspection")
    api = api_as(manager)

    response = api.patch(
        f"agreements/{agreement.pk}/lines/{line.pk}",
        {"interval_unit": None, "is_stopped": True, "latest_time": "16:00"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["interval_unit"], body["is_stopped"], body["latest_time"]) == (
        None,
        True,
        "16:00",
    )
    assert body["description"] == "Inspection"

    response = api.delete(f"agreements/{agreement.pk}/lines/{line.pk}")
    assert response.status_code == 204
    assert not AgreementLine.objects.exists()
    assert list(
        business_events()
        .filter(verb__startswith="agreement.line")
        .order_by("pk")
        .values_list("verb", "data")
    ) == [
        ("agreement.line_added", {"line": line.pk, "kind": "hour"}),
        (
            "agreement.line_updated",
            {
                "line": line.pk,
                "changes": {"interval_unit": "", "is_stopped": "True", "latest_time": "16:00:00"},
            },
        ),
        ("agreement.line_deleted", {"line": line.pk}),
    ]


def test_a_line_of_another_agreement_is_not_found(manager, api_as):
    line = add_line(draft())
    other = draft()

    response = api_as(manager).get(f"agreements/{other.pk}/lines/{line.pk}")

    assert error_of(response) == (404, "core.not_found")


BAD_LINES = [
    ({"starts_on": "2026-12-31"}, "agreements.line_outside_validity", ["starts_on"]),
    ({"starts_on": "2028-01-01"}, "agreements.line_outside_validity", ["starts_on"]),
    ({"ends_on": "2028-01-31"}, "agreements.line_outside_validity", ["ends_on"]),
    ({"interval_every": 0}, "agreements.interval_not_positive", ["interval_every"]),
    ({"interval_every": -2}, "agreements.interval_not_positive", ["interval_every"]),
    (
        {"interval_unit": "day", "window": "same_week"},
        "agreements.window_wider_than_interval",
        ["window"],
    ),
    (
        {
            "interval_unit": "week",
            "window": "days",
            "window_days_before": 4,
            "window_days_after": 3,
        },
        "agreements.window_wider_than_interval",
        ["window"],
    ),
    (
        {"interval_unit": "week", "window": "same_month"},
        "agreements.window_wider_than_interval",
        ["window"],
    ),
    ({"object_id": "uncovered"}, "agreements.object_not_covered", ["object_id"]),
    ({"window": "exact", "window_days_after": 2}, "core.invalid_input", ["__all__"]),
    ({"earliest_time": "12:00", "latest_time": "08:00"}, "core.invalid_input", ["__all__"]),
    ({"quantity": "0"}, "core.invalid_input", ["quantity"]),
    ({"interval_unit": "fortnight"}, "core.invalid_input", ["interval_unit"]),
    ({"object_id": "of_another_customer"}, "core.invalid_input", ["object_id"]),
]


@pytest.mark.parametrize(("change", "code", "fields"), BAD_LINES)
def test_a_line_breaking_a_rule_is_refused_with_its_code(change, code, fields, manager, api_as):
    agreement = draft()
    covered = ServiceObjectFactory(customer=agreement.customer)
    services.agreement_update(agreement=agreement, by=None, objects=[covered])
    uncovered = ServiceObjectFactory(customer=agreement.customer)
    objects = {"uncovered": uncovered.pk, "of_another_customer": 999999}
    line = add_line(agreement, starts_on=date(2027, 2, 1))
    change = {key: objects.get(value, value) for key, value in change.items()}
    api = api_as(manager)
    before = everything()

    created = api.post(f"agreements/{agreement.pk}/lines", {"kind": "hour", **change})
    changed = api.patch(f"agreements/{agreement.pk}/lines/{line.pk}", change)

    for response in (created, changed):
        assert list(field_errors(response, code)) == fields, response.content
    assert everything() == before


def test_a_window_narrower_than_the_interval_is_accepted(manager, api_as):
    agreement = draft()
    api = api_as(manager)

    for body in [
        {
            "interval_unit": "week",
            "window": "days",
            "window_days_before": 3,
            "window_days_after": 3,
        },
        {"interval_unit": "week", "window": "same_week"},
        {"interval_unit": "month", "window": "same_month"},
        {"interval_unit": "day", "window": "exact"},
        {"window": "same_month"},  # once: nothing to overlap
    ]:
        response = api.post(f"agreements/{agreement.pk}/lines", {"kind": "hour", **body})
        assert response.status_code == 201, (body, response.content)


def test_a_line_that_generated_orders_is_not_deleted(manager, api_as):
    agreement = draft()
    line = add_line(agreement, starts_on=date(2027, 1, 4))
    act(agreement, "activate")
    orders_generate_from_agreements(
        date_from=date(2027, 1, 1), date_to=date(2027, 1, 10), agreements=[agreement]
    )
    before = everything()

    response = api_as(manager).delete(f"agreements/{agreement.pk}/lines/{line.pk}")

    assert error_of(response) == (409, "agreements.line_in_use")
    assert response.json()["details"] == {"line_id": line.pk}
    assert everything() == before


# Copying lines


def test_copying_lines_from_a_template_copies_them_with_their_relations(manager, api_as):
    customer = CustomerFactory()
    own = ServiceObjectFactory(customer=customer)
    foreign = ServiceObjectFactory()
    task = ServiceTaskFactory(name="Lift inspection")
    source = template(
        objects=[(own, "Check the door", "Your lift"), (foreign, "Not theirs", "")],
        tasks=[(task, "Bring the key", "Yearly check")],
    )
    inspection = add_line(source, task=task, object=own, starts_on=date(2020, 3, 1))
    add_line(
        source,
        kind="fee",
        description="Call-out",
        object=foreign,
        interval_unit="month",
        starts_on=date(2020, 1, 1),
    )
    agreement = draft(customer)

    response = api_as(manager).post(
        f"agreements/{agreement.pk}/copy-lines", {"from_agreement_id": source.pk}
    )

    assert response.status_code == 200, response.content
    assert [
        (row["kind"], row["description"], row["task_id"], row["object_id"], row["starts_on"])
        for row in response.json()
    ] == [
        ("hour", "Lift inspection", task.pk, own.pk, "2027-03-01"),
        ("fee", "Call-out", None, None, "2027-01-01"),
    ]
    assert [row["ends_on"] for row in response.json()] == ["2027-12-31", "2027-12-31"]
    assert list(
        agreement.object_relations.values_list("object_id", "internal_note", "external_note")
    ) == [(own.pk, "Check the door", "Your lift")]
    assert list(
        agreement.task_relations.values_list("task_id", "internal_note", "external_note")
    ) == [(task.pk, "Bring the key", "Yearly check")]
    # The template is unchanged.
    assert list(source.lines.values_list("object_id", flat=True).order_by("pk")) == [
        own.pk,
        foreign.pk,
    ]
    assert inspection.agreement_id == source.pk


def test_copying_chosen_lines_copies_only_those(manager, api_as):
    source = template()
    add_line(source, description="Weekly")
    chosen = add_line(source, description="Yearly", interval_unit="year")
    agreement = draft()

    response = api_as(manager).post(
        f"agreements/{agreement.pk}/copy-lines",
        {"from_agreement_id": source.pk, "line_ids": [chosen.pk]},
    )

    assert [row["description"] for row in response.json()] == ["Yearly"]
    assert agreement.lines.count() == 1


def test_copying_lines_is_refused_for_unknown_sources_or_lines(manager, api_as):
    source = template()
    add_line(source)
    foreign_line = add_line(template(template_group=TemplateGroupFactory(code="DOORS")))
    agreement = draft()
    api = api_as(manager)
    before = everything()

    response = api.post(f"agreements/{agreement.pk}/copy-lines", {"from_agreement_id": 999999})
    assert list(field_errors(response)) == ["from_agreement_id"]
    response = api.post(
        f"agreements/{agreement.pk}/copy-lines",
        {"from_agreement_id": source.pk, "line_ids": [foreign_line.pk]},
    )
    assert field_errors(response) == {
        "line_ids": [f"Lines [{foreign_line.pk}] are not lines of that agreement."]
    }

    assert everything() == before


# Template groups


def test_template_groups_are_listed_created_and_changed(manager, dispatcher, api_as):
    api = api_as(manager)
    lifts = TemplateGroupFactory(code="LIFTS", name="Lifts")

    response = api.post(
        "agreement-template-groups",
        {"code": "PASSENGER", "name": "Passenger lifts", "parent_id": lifts.pk},
    )
    assert response.status_code == 201, response.content
    passenger = TemplateGroup.objects.get(code="PASSENGER")
    assert response.json() == {
        "id": passenger.pk,
        "code": "PASSENGER",
        "name": "Passenger lifts",
        "parent_id": lifts.pk,
    }

    response = api.patch(f"agreement-template-groups/{passenger.pk}", {"parent_id": None})
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] is None

    assert api_as(dispatcher).get("agreement-template-groups").json() == [
        {"id": lifts.pk, "code": "LIFTS", "name": "Lifts", "parent_id": None},
        {"id": passenger.pk, "code": "PASSENGER", "name": "Passenger lifts", "parent_id": None},
    ]


def test_a_template_group_cannot_sit_inside_itself(manager, api_as):
    lifts = TemplateGroupFactory(code="LIFTS")
    passenger = TemplateGroupFactory(code="PASSENGER", parent=lifts)
    small = TemplateGroupFactory(code="SMALL", parent=passenger)
    api = api_as(manager)
    before = everything()

    for parent in (lifts, small):
        response = api.patch(f"agreement-template-groups/{lifts.pk}", {"parent_id": parent.pk})
        assert list(field_errors(response)) == ["parent"], parent.code

    assert everything() == before


def test_a_template_group_code_is_unique(manager, api_as):
    TemplateGroupFactory(code="LIFTS")
    before = everything()

    response = api_as(manager).post("agreement-template-groups", {"code": "LIFTS", "name": "Again"})

    assert list(field_errors(response)) == ["code"]
    assert everything() == before
