"""Orders and agreements through the API: generating orders and forecasting visits (role matrix,
a worked case, idempotency, the refusals), orders made under an agreement (agreement_id on
create, change, filter and output; ORDERS_REQUIRE_AGREEMENT), and moving lines between orders
of one agreement."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.agreements import services as agreements
from openservice.agreements.tests.factories import TemplateGroupFactory, active_agreement
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.tests.factories import ServiceObjectFactory
from openservice.orders import services
from openservice.orders.errors import AgreementRequired
from openservice.orders.models import OrderLine, ServiceOrder, StageChange
from openservice.orders.services.generation import orders_generate_from_agreements
from openservice.orders.tests.factories import add_line, make_order, reason
from openservice.sla.services import policy_create

pytestmark = pytest.mark.django_db

FEBRUARY = {"from": "2027-02-01", "to": "2027-02-28"}


def everything() -> tuple:
    """Every order row and business audit event, to show a refused request wrote nothing."""
    return (
        list(
            ServiceOrder.objects.order_by("pk").values_list(
                "pk", "agreement_id", "service_on", "stage__code", "version"
            )
        ),
        list(
            OrderLine.objects.order_by("pk").values_list(
                "pk", "order_id", "status", "agreement_line_id", "occurrence_on"
            )
        ),
        StageChange.objects.count(),
        list(
            ServiceOrder.objects_covered.through.objects.order_by("pk").values_list(
                "serviceorder_id", "serviceobject_id"
            )
        ),
        list(
            AuditEvent.objects.exclude(verb__startswith="api_token.")
            .order_by("pk")
            .values_list("verb", "object_id")
        ),
    )


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


def plan_of(agreement) -> list[tuple[date, list[tuple[int, date]]]]:
    """Each order of the agreement: its date and its (agreement line, occurrence) pairs."""
    return [
        (
            order.service_on,
            sorted(order.lines.values_list("agreement_line_id", "occurrence_on")),
        )
        for order in ServiceOrder.objects.filter(agreement=agreement).order_by("service_on", "pk")
    ]


@pytest.fixture
def user_of(request):
    def get(actor):
        if actor == "anonymous":
            return None
        fixture = {"customer": "customer_user", "technician": "technician_user"}.get(actor, actor)
        return request.getfixturevalue(fixture)

    return get


@pytest.fixture
def lift_care():
    """Mondays from 4 Jan 2027 (exact), and a door roller every month from Wednesday 20 Jan
    that may move within its week."""
    roller = ItemFactory(name="Door roller", unit="pcs", sales_price=Decimal("12.40"))
    agreement = active_agreement(
        lines=(
            {"description": "Inspection", "starts_on": date(2027, 1, 4)},
            {
                "kind": "item",
                "description": "",
                "item": roller,
                "interval_unit": "month",
                "window": "same_week",
                "starts_on": date(2027, 1, 20),
            },
        )
    )
    weekly, monthly = agreement.lines.order_by("pk")
    return agreement, weekly, monthly


# The role matrix

ACTORS = ["anonymous", "customer", "technician", "dispatcher", "manager", "administrator"]
MATRIX = {
    "generate_orders": ((401, 403, 403, 200, 200, 403), "orders.generate_serviceorder"),
    "forecast_agreement": ((401, 403, 403, 200, 200, 200), "agreements.view_serviceagreement"),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_generation_and_forecast(operation, actor, user_of, lift_care, api_as):
    agreement, _weekly, _monthly = lift_care
    api = api_as(user_of(actor))
    before = everything()

    if operation == "generate_orders":
        response = api.post("agreements/generate", FEBRUARY)
    else:
        response = api.get(f"agreements/{agreement.pk}/forecast", FEBRUARY)

    statuses, perm = MATRIX[operation]
    status = statuses[ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif status == 403:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm},
        }
    if status != 200 or operation == "forecast_agreement":
        assert everything() == before
    else:
        assert response.json()["orders_created"] == 4
        assert ServiceOrder.objects.count() == 4


# Generating


def test_generating_a_month_answers_with_what_was_made(lift_care, dispatcher, api_as):
    agreement, weekly, monthly = lift_care

    response = api_as(dispatcher).post("agreements/generate", FEBRUARY)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "agreements": 1,
        "orders_created": 4,
        "lines_created": 5,
        "orders_joined": 0,
        "conflicts": [],
        "skipped": [],
    }
    # Saturday 20 Feb's roller joins Monday 15 Feb's visit, within its week.
    assert plan_of(agreement) == [
        (date(2027, 2, 1), [(weekly.pk, date(2027, 2, 1))]),
        (date(2027, 2, 8), [(weekly.pk, date(2027, 2, 8))]),
        (date(2027, 2, 15), [(weekly.pk, date(2027, 2, 15)), (monthly.pk, date(2027, 2, 20))]),
        (date(2027, 2, 22), [(weekly.pk, date(2027, 2, 22))]),
    ]
    orders = ServiceOrder.objects.filter(agreement=agreement)
    assert set(orders.values_list("origin", "stage__code", "customer_id", "site_id")) == {
        ("agreement", "new", agreement.customer_id, agreement.site_id)
    }
    roller = OrderLine.objects.get(agreement_line=monthly)
    assert (roller.description, roller.unit, roller.unit_price) == (
        "Door roller",
        "pcs",
        Decimal("12.40"),
    )
    audit = AuditEvent.objects.get(verb="agreement.orders_generated", actor=dispatcher)
    assert len(audit.data["orders"]) == 4


def test_generating_again_makes_nothing_new(lift_care, manager, api_as):
    api = api_as(manager)
    api.post("agreements/generate", FEBRUARY)
    before = everything()

    response = api.post("agreements/generate", FEBRUARY)

    assert response.json() == {
        "agreements": 1,
        "orders_created": 0,
        "lines_created": 0,
        "orders_joined": 0,
        "conflicts": [],
        "skipped": [],
    }
    assert everything() == before


def test_lines_of_another_kind_generated_later_join_the_existing_visits(lift_care, manager, api_as):
    agreement, weekly, monthly = lift_care
    api = api_as(manager)

    first = api.post("agreements/generate", {**FEBRUARY, "kinds": ["hour"]})
    second = api.post("agreements/generate", {**FEBRUARY, "kinds": ["item", "fee"]})

    assert [first.json()[key] for key in ("orders_created", "lines_created", "orders_joined")] == [
        4,
        4,
        0,
    ]
    assert [second.json()[key] for key in ("orders_created", "lines_created", "orders_joined")] == [
        0,
        1,
        1,
    ]
    joined = ServiceOrder.objects.get(agreement=agreement, service_on=date(2027, 2, 15))
    assert joined.version == 2
    assert sorted(joined.lines.values_list("agreement_line_id", "occurrence_on")) == [
        (weekly.pk, date(2027, 2, 15)),
        (monthly.pk, date(2027, 2, 20)),
    ]


def test_a_continuous_run_fills_the_gap_since_the_last_run(lift_care, manager, api_as):
    agreement, _weekly, _monthly = lift_care
    api = api_as(manager)
    api.post("agreements/generate", {"from": "2027-01-01", "to": "2027-01-12", "kinds": ["hour"]})

    response = api.post(
        "agreements/generate", {"to": "2027-01-31", "continuous": True, "kinds": ["hour"]}
    )

    assert response.json()["orders_created"] == 2
    assert [on for on, _lines in plan_of(agreement)] == [
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]


def test_generation_is_limited_to_the_agreements_named(lift_care, manager, api_as):
    agreement, _weekly, _monthly = lift_care
    other = active_agreement()
    suspended = agreements.agreement_change_status(
        agreement=active_agreement(), by=None, action="suspend"
    )
    api = api_as(manager)

    response = api.post("agreements/generate", {**FEBRUARY, "agreement_ids": [other.pk]})
    assert (response.json()["agreements"], response.json()["orders_created"]) == (1, 4)
    assert not ServiceOrder.objects.filter(agreement=agreement).exists()

    response = api.post("agreements/generate", {**FEBRUARY, "agreement_ids": [suspended.pk]})
    assert (response.json()["agreements"], response.json()["orders_created"]) == (0, 0)
    assert not ServiceOrder.objects.filter(agreement=suspended).exists()


def test_a_reversed_period_is_refused_and_writes_nothing(lift_care, manager, api_as):
    before = everything()

    response = api_as(manager).post(
        "agreements/generate", {"from": "2027-03-01", "to": "2027-02-28"}
    )

    assert field_errors(response, "orders.generation_period_reversed") == {
        "from": ["The start is after the end."]
    }
    assert everything() == before


def test_a_template_among_the_agreements_is_refused_and_writes_nothing(lift_care, manager, api_as):
    agreement, _weekly, _monthly = lift_care
    template = agreements.agreement_create(
        by=None,
        description="Lift template",
        starts_on=date(2020, 1, 1),
        template_group=TemplateGroupFactory(code="LIFTS"),
    )
    before = everything()

    response = api_as(manager).post(
        "agreements/generate", {**FEBRUARY, "agreement_ids": [agreement.pk, template.pk]}
    )

    assert error_of(response) == (409, "orders.generation_on_template")
    assert response.json()["details"] == {"agreement_ids": [template.pk]}
    assert everything() == before


BAD_GENERATE = [
    (
        {**FEBRUARY, "agreement_ids": [999999]},
        "core.invalid_input",
        {"agreement_ids": ["No agreement 999999."]},
    ),
    ({"from": "2027-02-01"}, "core.invalid_input", {"to": ["Field required"]}),
    ({"to": "2027-02-28"}, "core.invalid_input", {"from": ["Say from which date to generate."]}),
    (
        {"from": "2017-01-01", "to": "2027-02-28"},
        "orders.generation_period_too_long",
        {"to": ["Generate at most ten years at a time."]},
    ),
    ({**FEBRUARY, "kinds": ["visit"]}, "core.invalid_input", None),
    ({"from": "1.2.2027", "to": "2027-02-28"}, "core.invalid_input", None),
]


@pytest.mark.parametrize(("body", "code", "fields"), BAD_GENERATE)
def test_bad_generation_input_is_refused_and_writes_nothing(
    body, code, fields, lift_care, manager, api_as
):
    before = everything()

    response = api_as(manager).post("agreements/generate", body)

    errors = field_errors(response, code)
    if fields is not None:
        assert errors == fields
    assert everything() == before


# Forecasting


def test_the_forecast_shows_the_visits_without_writing(lift_care, dispatcher, api_as):
    agreement, weekly, monthly = lift_care
    before = everything()

    response = api_as(dispatcher).get(f"agreements/{agreement.pk}/forecast", FEBRUARY)

    assert response.status_code == 200, response.content

    def visit(on, *lines):
        return {
            "service_on": on,
            "grouping_key": "agreement",
            "order_id": None,
            "calendar_conflict": False,
            "lines": [{"agreement_line_id": pk, "occurrence_on": day} for pk, day in lines],
        }

    assert response.json() == {
        "agreement_id": agreement.pk,
        "visits": [
            visit("2027-02-01", (weekly.pk, "2027-02-01")),
            visit("2027-02-08", (weekly.pk, "2027-02-08")),
            visit("2027-02-15", (weekly.pk, "2027-02-15"), (monthly.pk, "2027-02-20")),
            visit("2027-02-22", (weekly.pk, "2027-02-22")),
        ],
    }
    assert everything() == before


def test_the_forecast_of_a_draft_shows_its_visits_as_if_active(manager, api_as):
    agreement = agreements.agreement_create(
        by=None,
        customer=(customer := CustomerFactory()),
        site=SiteFactory(customer=customer),
        description="Lift care",
        starts_on=date(2027, 1, 1),
    )
    agreements.agreement_line_create(
        agreement=agreement, by=None, kind="fee", starts_on=date(2027, 2, 10)
    )

    response = api_as(manager).get(f"agreements/{agreement.pk}/forecast", FEBRUARY)

    assert [v["service_on"] for v in response.json()["visits"]] == ["2027-02-10"]
    assert not ServiceOrder.objects.exists()


def test_the_forecast_shows_only_what_is_still_to_generate(lift_care, manager, api_as):
    agreement, _weekly, monthly = lift_care
    api = api_as(manager)
    api.post("agreements/generate", {**FEBRUARY, "kinds": ["hour"]})

    response = api.get(f"agreements/{agreement.pk}/forecast", FEBRUARY)

    joined = ServiceOrder.objects.get(agreement=agreement, service_on=date(2027, 2, 15))
    assert [(v["service_on"], v["order_id"], v["lines"]) for v in response.json()["visits"]] == [
        (
            "2027-02-15",
            joined.pk,
            [{"agreement_line_id": monthly.pk, "occurrence_on": "2027-02-20"}],
        )
    ]


def test_the_forecast_refuses_a_template_a_reversed_period_and_unknown_agreements(manager, api_as):
    template = agreements.agreement_create(
        by=None,
        description="Lift template",
        starts_on=date(2020, 1, 1),
        template_group=TemplateGroupFactory(code="LIFTS"),
    )
    agreement = active_agreement()
    api = api_as(manager)

    response = api.get(f"agreements/{template.pk}/forecast", FEBRUARY)
    assert error_of(response) == (409, "orders.generation_on_template")
    response = api.get(
        f"agreements/{agreement.pk}/forecast", {"from": "2027-03-01", "to": "2027-02-28"}
    )
    assert field_errors(response, "orders.generation_period_reversed") == {
        "from": ["The start is after the end."]
    }
    response = api.get(f"agreements/{agreement.pk}/forecast", {"to": "2027-02-28"})
    assert field_errors(response) == {"from": ["Field required"]}
    assert error_of(api.get("agreements/999999/forecast", FEBRUARY)) == (404, "core.not_found")
    assert not ServiceOrder.objects.exists()


# Orders made under an agreement


@pytest.fixture
def contract():
    """An active 2027 agreement with an SLA policy, its customer and site."""
    policy = policy_create(
        by=None,
        name="Gold",
        targets=[{"priority": "normal", "response_minutes": 240, "resolution_minutes": 960}],
    )
    agreement = active_agreement(sla_policy=policy, lines=())
    return agreement, agreement.customer, agreement.site


def order_body(customer, site, **fields) -> dict:
    return {"customer_id": customer.pk, "site_id": site.pk, "service_on": "2027-03-01", **fields}


def test_an_order_is_made_under_an_agreement(contract, dispatcher, api_as):
    agreement, customer, site = contract

    response = api_as(dispatcher).post(
        "orders", order_body(customer, site, agreement_id=agreement.pk)
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["agreement_id"], body["origin"], body["sla_policy_id"]) == (
        agreement.pk,
        "api",
        agreement.sla_policy_id,
    )
    assert ServiceOrder.objects.get().agreement_id == agreement.pk


def test_an_agreement_the_order_cannot_be_made_under_is_refused(contract, manager, api_as):
    agreement, customer, site = contract
    draft = agreements.agreement_create(
        by=None, customer=customer, site=site, description="Draft", starts_on=date(2027, 1, 1)
    )
    template = agreements.agreement_create(
        by=None,
        description="Template",
        starts_on=date(2020, 1, 1),
        template_group=TemplateGroupFactory(code="LIFTS"),
    )
    foreign = active_agreement(lines=())
    api = api_as(manager)
    before = everything()

    for used, service_on, status in [
        (draft, "2027-03-01", "draft"),
        (template, "2027-03-01", "draft"),
        (foreign, "2027-03-01", "active"),
        (agreement, "2028-01-01", "active"),  # after the agreement ends
        (agreement, "2026-12-31", "active"),  # before it starts
    ]:
        response = api.post(
            "orders", order_body(customer, site, agreement_id=used.pk, service_on=service_on)
        )
        assert error_of(response) == (409, "orders.agreement_not_usable"), used.description
        assert response.json()["details"] == {"agreement_id": used.pk, "status": status}
    response = api.post("orders", order_body(customer, site, agreement_id=999999))
    assert field_errors(response) == {"agreement_id": ["No such record is visible to you."]}

    assert everything() == before


def test_an_orders_agreement_is_changed_and_refused_when_not_usable(contract, manager, api_as):
    agreement, customer, site = contract
    order = make_order(by=manager, customer=customer, site=site, service_on=date(2027, 3, 1))
    suspended = agreements.agreement_change_status(
        agreement=active_agreement(customer=customer, site=site, lines=()),
        by=None,
        action="suspend",
    )
    api = api_as(manager)

    response = api.patch(f"orders/{order.pk}", {"version": 1, "agreement_id": suspended.pk})
    assert error_of(response) == (409, "orders.agreement_not_usable")
    assert ServiceOrder.objects.get(pk=order.pk).agreement_id is None

    response = api.patch(f"orders/{order.pk}", {"version": 1, "agreement_id": agreement.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["agreement_id"], response.json()["version"]) == (agreement.pk, 2)

    response = api.patch(f"orders/{order.pk}", {"version": 2, "agreement_id": None})
    assert response.status_code == 200, response.content
    assert response.json()["agreement_id"] is None


def test_orders_are_filtered_by_agreement(contract, lift_care, manager, api_as):
    agreement, customer, site = contract
    made = make_order(
        by=manager, customer=customer, site=site, agreement=agreement, service_on=date(2027, 3, 1)
    )
    make_order(by=manager, customer=customer, site=site)
    other, _weekly, _monthly = lift_care
    orders_generate_from_agreements(
        date_from=date(2027, 2, 1), date_to=date(2027, 2, 7), agreements=[other]
    )
    generated = ServiceOrder.objects.get(agreement=other)
    api = api_as(manager)

    for agreement_id, expected in [(agreement.pk, [made.pk]), (other.pk, [generated.pk])]:
        body = api.get("orders", {"agreement_id": agreement_id}).json()
        assert [row["id"] for row in body["items"]] == expected
        assert [row["agreement_id"] for row in body["items"]] == [agreement_id]
    assert api.get(f"orders/{generated.pk}").json()["agreement_id"] == other.pk


def test_with_agreements_required_an_order_must_name_one(contract, settings, manager, api_as):
    settings.ORDERS_REQUIRE_AGREEMENT = True
    agreement, customer, site = contract
    api = api_as(manager)
    before = everything()

    response = api.post("orders", order_body(customer, site))

    assert response.json() == {
        "code": "orders.agreement_required",
        "message": "Orders must name the service agreement they are made under.",
        "details": {
            "fields": {"agreement_id": ["Name the service agreement the order is made under."]}
        },
    }
    assert response.status_code == 422
    assert everything() == before
    response = api.post("orders", order_body(customer, site, agreement_id=agreement.pk))
    assert response.status_code == 201, response.content
    order = response.json()
    response = api.patch(f"orders/{order['id']}", {"version": 1, "agreement_id": None})
    assert field_errors(response, "orders.agreement_required") == {
        "agreement_id": ["Name the service agreement the order is made under."]
    }
    assert ServiceOrder.objects.get(pk=order["id"]).agreement_id == agreement.pk


def test_with_agreements_required_only_manual_and_api_orders_must_name_one(
    contract, settings, manager
):
    settings.ORDERS_REQUIRE_AGREEMENT = True
    _agreement, customer, site = contract

    with pytest.raises(AgreementRequired):
        make_order(by=manager, customer=customer, site=site)
    portal = make_order(by=manager, customer=customer, site=site, origin="portal")
    returned = make_order(by=manager, customer=customer, site=site, origin="return")

    assert (portal.agreement_id, returned.agreement_id) == (None, None)
    assert ServiceOrder.objects.count() == 2


def test_without_the_setting_an_order_needs_no_agreement(contract, manager, api_as):
    _agreement, customer, site = contract

    response = api_as(manager).post("orders", order_body(customer, site))

    assert response.status_code == 201, response.content
    assert response.json()["agreement_id"] is None


# Moving lines


@pytest.fixture
def visits(manager):
    """A generated visit on Monday 4 Jan 2027 with an inspection of the lift, and an order of
    the same agreement (made by hand, covering no object) to move it to."""
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    lift = ServiceObjectFactory(customer=customer, site=site)
    agreement = active_agreement(
        customer=customer,
        site=site,
        objects=[lift],
        lines=({"object": lift, "starts_on": date(2027, 1, 4)},),
    )
    orders_generate_from_agreements(
        date_from=date(2027, 1, 4), date_to=date(2027, 1, 4), agreements=[agreement]
    )
    source = ServiceOrder.objects.get(agreement=agreement)
    target = make_order(
        by=manager, customer=customer, site=site, agreement=agreement, service_on=date(2027, 1, 5)
    )
    return source, target, source.lines.get(), lift


def test_moving_lines_moves_them_with_their_objects_to_the_other_order(visits, dispatcher, api_as):
    source, target, line, lift = visits
    extra = add_line(source, by=dispatcher)
    source.refresh_from_db()
    assert list(target.objects_covered.all()) == []

    response = api_as(dispatcher).post(
        f"orders/{source.pk}/move-lines", {"to_order_id": target.pk, "line_ids": [line.pk]}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["version"]) == (source.pk, source.version + 1)
    assert [row["id"] for row in body["lines"]] == [extra.pk]
    moved = OrderLine.objects.get(pk=line.pk)
    assert (moved.order_id, moved.agreement_line_id, moved.occurrence_on) == (
        target.pk,
        line.agreement_line_id,
        date(2027, 1, 4),
    )
    target.refresh_from_db()
    assert target.version == 2
    assert list(target.objects_covered.values_list("pk", flat=True)) == [lift.pk]
    assert [
        (verb, data)
        for verb, data in AuditEvent.objects.filter(verb__startswith="order.lines_")
        .order_by("pk")
        .values_list("verb", "data")
    ] == [
        ("order.lines_moved", {"to": target.pk, "lines": [line.pk]}),
        ("order.lines_received", {"from": source.pk, "lines": [line.pk]}),
    ]


def test_a_moved_occurrence_is_not_generated_again(visits, manager, api_as):
    source, target, line, _lift = visits
    api_as(manager).post(
        f"orders/{source.pk}/move-lines", {"to_order_id": target.pk, "line_ids": [line.pk]}
    )

    result = orders_generate_from_agreements(
        date_from=date(2027, 1, 1), date_to=date(2027, 1, 10), agreements=[source.agreement_id]
    )

    assert (result.orders_created, result.lines_created) == (0, 0)


def test_moving_lines_is_refused_for_other_roles(visits, technician_user, customer_user, api_as):
    source, target, line, _lift = visits
    before = everything()

    for user in (technician_user, customer_user):
        response = api_as(user).post(
            f"orders/{source.pk}/move-lines", {"to_order_id": target.pk, "line_ids": [line.pk]}
        )
        assert error_of(response) == (403, "core.permission_denied")

    assert everything() == before


def test_moving_lines_against_the_rules_is_refused_and_changes_nothing(visits, manager, api_as):
    source, target, line, _lift = visits
    customer, site = source.customer, source.site
    manual = make_order(by=manager, customer=customer, site=site)
    manual_line = add_line(manual, by=manager)
    other_agreement = active_agreement(customer=customer, site=site, lines=())
    elsewhere = make_order(
        by=manager,
        customer=customer,
        site=site,
        agreement=other_agreement,
        service_on=date(2027, 1, 5),
    )
    cancelled_line = add_line(source, by=manager)
    services.order_line_cancel(line=cancelled_line, by=manager)
    target_line = add_line(target, by=manager)
    closed_target = make_order(
        by=manager,
        customer=customer,
        site=site,
        agreement=source.agreement,
        service_on=date(2027, 1, 6),
    )
    services.order_cancel(order=closed_target, by=manager, reason=reason())
    api = api_as(manager)
    before = everything()

    cases = [
        (manual, target, [manual_line.pk], 409, "orders.no_agreement"),
        (source, elsewhere, [line.pk], 409, "orders.other_agreement"),
        (source, manual, [line.pk], 409, "orders.other_agreement"),
        (source, target, [cancelled_line.pk], 409, "orders.lines_not_movable"),
        (source, target, [target_line.pk], 409, "orders.lines_not_movable"),
        (source, target, [line.pk, 999999], 409, "orders.lines_not_movable"),
        (source, source, [line.pk], 409, "orders.lines_not_movable"),
        (source, closed_target, [line.pk], 409, "orders.stage_read_only"),
    ]
    for order, to, line_ids, status, code in cases:
        response = api.post(
            f"orders/{order.pk}/move-lines", {"to_order_id": to.pk, "line_ids": line_ids}
        )
        assert error_of(response) == (status, code), (order.pk, to.pk, line_ids)
    response = api.post(
        f"orders/{source.pk}/move-lines", {"to_order_id": 999999, "line_ids": [line.pk]}
    )
    assert field_errors(response) == {"to_order_id": ["No such record is visible to you."]}

    assert everything() == before


def test_a_read_only_source_order_keeps_its_lines(visits, manager, api_as):
    source, target, line, _lift = visits
    services.order_cancel(order=source, by=manager, reason=reason())
    before = everything()

    response = api_as(manager).post(
        f"orders/{source.pk}/move-lines", {"to_order_id": target.pk, "line_ids": [line.pk]}
    )

    assert error_of(response) == (409, "orders.stage_read_only")
    assert everything() == before
