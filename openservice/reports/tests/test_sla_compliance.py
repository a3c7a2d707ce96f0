"""The SLA compliance report: exact counts per grouping, who may see it, and its page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.orders import services
from openservice.orders.tests.factories import make_order, reason, stage
from openservice.reports.selectors import sla_compliance
from openservice.sla.services import policy_create
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

# No calendar anywhere: the policy counts round the clock (UTC), which keeps the sums simple.
TARGETS = [
    {"priority": "normal", "response_minutes": 60, "resolution_minutes": 240},
    {"priority": "high", "response_minutes": 30, "resolution_minutes": 120},
]
NOW = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)


def utc(day, hour, minute=0):
    return datetime(2027, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(manager):
    policy_create(by=manager, name="Standard", targets=TARGETS, is_default=True)
    gold = AgreementGroupFactory(code="GOLD", name="Gold")
    kone = CustomerFactory(name="Kone Oy", agreement_group=gold)
    otis = CustomerFactory(name="Otis Oy")
    tech = TechnicianFactory(name="Mikko Virtanen")

    def order(customer, reported, *steps, priority="normal", technician=None):
        made = make_order(
            by=manager,
            site=SiteFactory(customer=customer),
            reported_at=reported,
            priority=priority,
            preferred_technician=technician,
            now=reported,
        )
        for code, at in steps:
            services.order_change_stage(order=made, to=stage(code), by=manager, at=at, now=at)
        return made

    # Kone (Gold): met in time; responded late and completed late (both breached); open and
    # fresh (undecided); cancelled (left out).
    order(
        kone,
        utc(4, 8),
        ("scheduled", utc(4, 8, 10)),
        ("in_progress", utc(4, 8, 30)),
        ("completed", utc(4, 10)),
        technician=tech,
    )
    order(
        kone,
        utc(5, 8),
        ("scheduled", utc(5, 8, 10)),
        ("in_progress", utc(5, 10)),
        ("completed", utc(5, 14)),
        technician=tech,
    )
    order(kone, NOW - timedelta(minutes=5))
    cancelled = order(kone, utc(6, 8))
    services.order_cancel(order=cancelled, by=manager, reason=reason(), now=utc(6, 8, 5))
    # Otis: open for weeks (breached), a high-priority order met in time, and one from February
    # (outside the period).
    order(otis, utc(10, 8))
    order(
        otis,
        utc(11, 8),
        ("scheduled", utc(11, 8, 5)),
        ("in_progress", utc(11, 8, 20)),
        ("completed", utc(11, 9)),
        priority="high",
    )
    order(otis, datetime(2027, 2, 1, 8, tzinfo=UTC))
    return {"kone": kone, "otis": otis, "tech": tech, "gold": gold}


def figures(row):
    return (row.orders, row.met, row.breached, row.open, row.compliance_percent)


def report(user, group_by, now=NOW):
    return sla_compliance(
        user=user, group_by=group_by, date_from=date(2027, 1, 1), date_to=date(2027, 1, 31), now=now
    )


def test_compliance_by_customer(world, manager):
    result = report(manager, "customer")
    rows = {row.label: row for row in result.rows}
    assert figures(rows["Kone Oy"]) == (3, 1, 1, 1, 50.0)
    assert figures(rows["Otis Oy"]) == (2, 1, 1, 0, 50.0)
    assert figures(result.total) == (5, 2, 2, 1, 50.0)
    kone = rows["Kone Oy"]
    assert (kone.response_met, kone.response_breached) == (1, 1)
    assert (kone.resolution_met, kone.resolution_breached) == (1, 1)


def test_compliance_by_group_priority_technician_and_month(world, manager):
    by_group = {row.key: figures(row) for row in report(manager, "agreement_group").rows}
    assert by_group == {"GOLD": (3, 1, 1, 1, 50.0), None: (2, 1, 1, 0, 50.0)}
    by_priority = [(row.key, figures(row)) for row in report(manager, "priority").rows]
    assert by_priority == [("high", (1, 1, 0, 0, 100.0)), ("normal", (4, 1, 2, 1, 33.3))]
    by_technician = {row.label: figures(row) for row in report(manager, "technician").rows}
    assert by_technician == {"Mikko Virtanen": (2, 1, 1, 0, 50.0), "—": (3, 1, 1, 1, 50.0)}
    by_month = [(row.key, figures(row)) for row in report(manager, "month").rows]
    assert by_month == [("2027-01", (5, 2, 2, 1, 50.0))]


def test_the_open_order_is_decided_when_its_deadline_passes(world, manager):
    later = report(manager, "customer", now=NOW + timedelta(hours=2))
    assert figures(later.total) == (5, 2, 3, 0, 40.0)


def test_customers_see_only_their_own_orders_in_reports(world, customer_user):
    # Reports read through the order selectors: the customer's own orders only (here none).
    assert report(customer_user, "customer").total.orders == 0


# The API


MATRIX = {  # actor -> status
    "anonymous": 401,
    "customer": 403,
    "technician": 403,
    "dispatcher": 403,
    "manager": 200,
    "administrator": 403,
}


@pytest.mark.parametrize("actor", list(MATRIX))
def test_who_may_read_the_report(actor, world, request, api_as):
    fixture = {
        "anonymous": None,
        "customer": "customer_user",
        "technician": "technician_user",
        "dispatcher": "dispatcher",
        "manager": "manager",
        "administrator": "administrator",
    }[actor]
    user = request.getfixturevalue(fixture) if fixture else None
    response = api_as(user).get(
        "reports/sla-compliance?group_by=customer&from=2027-01-01&to=2027-01-31"
    )
    assert response.status_code == MATRIX[actor], response.content
    if response.status_code == 200:
        body = response.json()
        assert (body["group_by"], body["from"], body["to"]) == (
            "customer",
            "2027-01-01",
            "2027-01-31",
        )
        rows = {row["label"]: row for row in body["rows"]}
        assert rows["Kone Oy"]["orders"] == 3
        assert set(body["total"]) == {
            "orders", "met", "breached", "open", "response_met", "response_breached",
            "resolution_met", "resolution_breached", "compliance_percent",
        }  # fmt: skip


def test_bad_periods_and_groupings_are_422(world, manager, api_as):
    api = api_as(manager)
    for query in ("group_by=site", "from=2027-02-01&to=2027-01-01", "from=notadate"):
        response = api.get(f"reports/sla-compliance?{query}")
        assert (response.status_code, response.json()["code"]) == (422, "core.invalid_input")


def test_the_default_period_is_this_month(world, manager, api_as):
    body = api_as(manager).get("reports/sla-compliance").json()
    today = timezone.localdate()
    assert (body["from"], body["to"]) == (today.replace(day=1).isoformat(), today.isoformat())


# The page


def test_the_page_shows_the_chart_and_the_table(world, client, manager):
    client.force_login(manager)
    response = client.get(
        "/reports/sla-compliance/?group_by=customer&date_from=2027-01-01&date_to=2027-01-31"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "compliance-chart" in html and 'class="bar-met" style="width: 33%"' in html
    assert "Kone Oy" in html and "50.0 %" in html


def test_the_page_shows_a_bad_period_on_the_form(world, client, manager):
    client.force_login(manager)
    response = client.get("/reports/sla-compliance/?date_from=2027-02-01&date_to=2027-01-01")
    assert response.status_code == 422
    assert "The end must not be before the start." in response.content.decode()


@pytest.mark.parametrize("fixture", ["dispatcher", "technician_user", "customer_user"])
def test_the_page_is_for_managers(fixture, world, client, request):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/reports/sla-compliance/").status_code == 403
