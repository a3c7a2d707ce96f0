"""Order pages about generation from agreements: the "Generate orders" page (preview writes
nothing, a run makes exactly the planned orders, refusals stay on the form), and the agreement
page's generated-orders list and 12-month forecast calendar (loaded there with htmx)."""

import re
from datetime import date, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from openservice.agreements import services as agreements
from openservice.calendars.services import calendar_create
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.services.generation import orders_generate_from_agreements

pytestmark = pytest.mark.django_db

GENERATE_URL = "/orders/generate/"
WEEKDAYS = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def agreement(*, activate=True, customer_name="Kiinteistö Oy Esimerkki", **fields):
    customer = CustomerFactory(name=customer_name)
    fields.setdefault("starts_on", date(2027, 1, 1))
    fields.setdefault("ends_on", date(2027, 12, 31))
    made = agreements.agreement_create(
        by=None,
        customer=customer,
        site=SiteFactory(customer=customer),
        description="Lift care",
        **fields,
    )
    if activate:
        made = agreements.agreement_change_status(agreement=made, by=None, action="activate")
    return made


def line(of, **fields):
    fields.setdefault("kind", "hour")
    fields.setdefault("interval_unit", "week")
    return agreements.agreement_line_create(agreement=of, by=None, **fields)


def office_calendar():
    """Weekdays 08:00–16:00, no holidays: every Saturday and Sunday is closed."""
    return calendar_create(by=None, name="Office", timezone="Europe/Helsinki", hours=WEEKDAYS)


def run_form(**fields) -> dict:
    return {
        "from": "2027-01-01",
        "to": "2027-01-31",
        "kinds": ["hour", "item", "expense", "fee"],
        "action": "preview",
        **fields,
    }


def html(response) -> str:
    return response.content.decode()


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def field_errors(response, field: str) -> list[str]:
    block = re.search(
        rf'<div class="field[^"]*has-error">\s*<label for="id_{field}">.*?</div>',
        html(response),
        re.S,
    )
    assert block, f"no errors on {field}"
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', block.group(0))


def preview_rows(response) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-agreement="([^"]+)">(.*?)</tr>', html(response), re.S)
    return {
        number: [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][2:]
        for number, row in rows
    }


def result(response) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in re.findall(r'data-result="(\w+)">(\d+)<', html(response))
    }


@pytest.fixture
def mondays():
    """An active agreement with an hour line every Monday of 2027 from 4 January (four in
    January), and a monthly fee on the 1st (a Friday in January)."""
    made = agreement()
    line(made, description="Round", starts_on=date(2027, 1, 4))
    line(made, kind="fee", description="Fee", interval_unit="month")
    return made


# -- Who may generate --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "dispatcher"])
def test_managers_and_dispatchers_open_the_generate_page(client, request, role, mondays):
    client.force_login(request.getfixturevalue(role))

    response = client.get(GENERATE_URL)

    body = html(response)
    assert response.status_code == 200
    assert f'<option value="{mondays.pk}">{mondays.number}' in body
    assert re.findall(r'name="kinds" value="(\w+)"[^>]*checked', body) == [
        "hour",
        "item",
        "expense",
        "fee",
    ]
    next_month = timezone.localdate().replace(day=1) + relativedelta(months=1)
    assert f'name="from" value="{next_month.isoformat()}"' in body
    assert 'name="action" value="preview"' in body and 'name="action" value="generate"' in body


def test_drafts_and_templates_are_not_offered(client, manager):
    draft = agreement(activate=False)
    client.force_login(manager)

    response = client.get(GENERATE_URL)

    assert f'<option value="{draft.pk}">' not in html(response)
    invalid = client.post(GENERATE_URL, run_form(agreements=[draft.pk], action="generate"))
    assert invalid.status_code == 200
    assert "Select a valid choice." in html(invalid)
    assert ServiceOrder.objects.count() == 0


@pytest.mark.parametrize("role", ["technician_user", "customer_user"])
def test_technicians_and_customers_may_not_generate(client, request, role, mondays):
    client.force_login(request.getfixturevalue(role))

    assert client.get(GENERATE_URL).status_code == 403
    assert client.post(GENERATE_URL, run_form(action="generate")).status_code == 403
    assert ServiceOrder.objects.count() == 0


# -- Preview and run ---------------------------------------------------------------------------


def test_preview_shows_the_visits_per_agreement_and_writes_nothing(client, dispatcher, mondays):
    idle = agreement(customer_name="Idle Oy")  # no lines: nothing to show
    client.force_login(dispatcher)
    audits = AuditEvent.objects.count()

    response = client.post(GENERATE_URL, run_form())

    assert response.status_code == 200
    assert preview_rows(response) == {
        # New orders, joining, lines, closed days, visits: the fee on Friday the 1st and four
        # Mondays.
        mondays.number: ["5", "0", "5", "0", "Jan. 1, 2027 – Jan. 25, 2027"],
    }
    assert idle.number not in preview_rows(response)
    assert "5 new orders, 5 lines." in text(html(response))
    assert (ServiceOrder.objects.count(), OrderLine.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == audits


def test_preview_follows_the_chosen_agreements_and_kinds(client, manager, mondays):
    other = agreement(customer_name="Other Oy")
    line(other, starts_on=date(2027, 1, 5))
    client.force_login(manager)

    everything = client.post(GENERATE_URL, run_form())
    chosen = client.post(GENERATE_URL, run_form(agreements=[mondays.pk], kinds=["fee"]))

    assert set(preview_rows(everything)) == {mondays.number, other.number}
    assert preview_rows(chosen) == {mondays.number: ["1", "0", "1", "0", "Jan. 1, 2027"]}


def test_generate_makes_exactly_the_planned_orders_and_shows_the_result(
    client, dispatcher, mondays
):
    client.force_login(dispatcher)

    response = client.post(GENERATE_URL, run_form(action="generate"))

    assert response.status_code == 200
    assert result(response) == {
        "orders_created": 5,
        "lines_created": 5,
        "orders_joined": 0,
        "conflicts": 0,
    }
    orders = ServiceOrder.objects.filter(agreement=mondays).order_by("service_on")
    assert [order.service_on for order in orders] == [
        date(2027, 1, 1),
        date(2027, 1, 4),
        date(2027, 1, 11),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    assert ServiceOrder.objects.count() == 5
    assert {order.origin for order in orders} == {"agreement"}
    again = client.post(GENERATE_URL, run_form(action="generate"))
    assert result(again)["orders_created"] == 0
    assert "Everything in the period was generated already." in html(again)
    assert ServiceOrder.objects.count() == 5


def test_generate_limited_to_kinds_and_agreements(client, manager, mondays):
    other = agreement(customer_name="Other Oy")
    line(other, starts_on=date(2027, 1, 5))
    client.force_login(manager)

    response = client.post(
        GENERATE_URL, run_form(action="generate", agreements=[mondays.pk], kinds=["hour"])
    )

    assert result(response)["orders_created"] == 4
    assert set(OrderLine.objects.values_list("kind", flat=True)) == {"hour"}
    assert not ServiceOrder.objects.filter(agreement=other).exists()


def test_a_run_lists_the_orders_that_fell_on_a_closed_day(client, manager):
    made = agreement(calendar=office_calendar())
    line(made, description="Saturday round", starts_on=date(2027, 1, 2))  # exact: stays put
    client.force_login(manager)

    preview = client.post(GENERATE_URL, run_form())
    response = client.post(GENERATE_URL, run_form(action="generate"))

    assert preview_rows(preview)[made.number][:4] == ["5", "0", "5", "⚠ 5"]
    conflicts = ServiceOrder.objects.filter(calendar_conflict=True).order_by("service_on")
    assert result(response)["conflicts"] == 5 == conflicts.count()
    first = conflicts.first()
    assert re.search(
        rf'<tr data-order="{first.number}">\s*<td[^>]*><a href="/orders/{first.pk}/">',
        html(response),
    )
    assert f'<a href="/agreements/{made.pk}/">{made.number}</a>' in html(response)


@pytest.mark.parametrize("action", ["preview", "generate"])
def test_a_reversed_period_is_shown_on_the_form_and_nothing_is_made(
    client, manager, mondays, action
):
    client.force_login(manager)

    response = client.post(GENERATE_URL, run_form(action=action, **{"from": "2027-02-01"}))

    assert response.status_code == 200
    assert field_errors(response, "from") == ["The start is after the end."]
    assert 'id="preview"' not in html(response) and 'id="result"' not in html(response)
    assert ServiceOrder.objects.count() == 0


def test_form_errors_are_shown_next_to_their_fields(client, manager, mondays):
    client.force_login(manager)

    no_end = client.post(GENERATE_URL, run_form(to="", action="generate"))
    no_kind = client.post(GENERATE_URL, run_form(kinds=[], action="generate"))
    no_start = client.post(GENERATE_URL, run_form(**{"from": ""}, action="generate"))
    preview_without_start = client.post(GENERATE_URL, run_form(**{"from": ""}, continuous="on"))

    assert field_errors(no_end, "to") == ["This field is required."]
    assert "Choose at least one kind of line." in html(no_kind)
    assert field_errors(no_start, "from") == ["Say from which date to generate."]
    assert field_errors(preview_without_start, "from") == ["The preview needs a start date."]
    assert ServiceOrder.objects.count() == 0


def test_a_continuous_run_needs_no_start(client, manager, mondays):
    client.force_login(manager)

    response = client.post(
        GENERATE_URL, run_form(**{"from": ""}, to="2027-01-10", continuous="on", action="generate")
    )

    assert result(response)["orders_created"] == 2  # the fee on 1 Jan, the round on 4 Jan


# -- The agreement's orders and forecast -------------------------------------------------------


def test_agreement_orders_lists_its_orders_latest_first_with_conflicts(client, dispatcher):
    made = agreement(calendar=office_calendar())
    line(made, starts_on=date(2027, 1, 4))
    line(made, kind="fee", description="Saturday fee", interval_unit="", starts_on=date(2027, 1, 9))
    orders_generate_from_agreements(date_from=date(2027, 1, 1), date_to=date(2027, 1, 20))
    other = agreement(customer_name="Other Oy")
    line(other, starts_on=date(2027, 1, 4))
    orders_generate_from_agreements(date_from=date(2027, 1, 1), date_to=date(2027, 1, 20))
    client.force_login(dispatcher)

    response = client.get(f"/agreements/{made.pk}/orders/")

    body = html(response)
    numbers = re.findall(r'<tr data-order="([^"]+)"', body)
    expected = ServiceOrder.objects.filter(agreement=made).order_by("-service_on", "-pk")
    assert numbers == [order.number for order in expected]
    assert len(numbers) == 4
    saturday = expected.get(service_on=date(2027, 1, 9))
    row = re.search(
        rf'<tr data-order="{saturday.number}" class="conflict-row">(.*?)</tr>', body, re.S
    )
    assert "On a closed day" in text(row.group(1))
    assert "<html" not in body
    assert "4 orders generated" in body


def test_agreement_orders_paginate_within_the_partial(client, manager):
    made = agreement()
    line(made, interval_unit="day", starts_on=date(2027, 1, 1))
    orders_generate_from_agreements(date_from=date(2027, 1, 1), date_to=date(2027, 1, 12))
    client.force_login(manager)

    first = html(client.get(f"/agreements/{made.pk}/orders/"))
    second = html(client.get(f"/agreements/{made.pk}/orders/", {"page": "2"}))

    assert len(re.findall(r"<tr data-order=", first)) == 10
    assert len(re.findall(r"<tr data-order=", second)) == 2
    assert f'hx-get="/agreements/{made.pk}/orders/?page=2" hx-target="#agreement-orders"' in first


def test_a_draft_without_orders_says_what_to_do(client, manager):
    draft = agreement(activate=False)
    client.force_login(manager)

    response = client.get(f"/agreements/{draft.pk}/orders/")

    assert "No orders generated yet. Activate the agreement, then generate its orders." in text(
        html(response)
    )


def forecast_days(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-day="([\d-]+)" class="day-\w+" data-state="(\w+)"', body))


def test_forecast_shows_twelve_months_of_planned_visits_conflicts_and_generated_orders(
    client, dispatcher
):
    first = timezone.localdate().replace(day=1)
    made = agreement(calendar=office_calendar(), starts_on=first, ends_on=None)
    # Every 4 weeks from the first Saturday of this month (exact window: kept on a closed day),
    # and monthly on the first Monday's date (which stays on Mondays only by chance: exact).
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    line(made, description="Saturday check", interval_every=4, starts_on=saturday)
    monday = first + timedelta(days=(0 - first.weekday()) % 7)
    line(made, description="Monday round", interval_every=4, starts_on=monday)
    generated = orders_generate_from_agreements(date_from=monday, date_to=monday)
    client.force_login(dispatcher)

    response = client.get(f"/agreements/{made.pk}/forecast/")

    body = html(response)
    assert response.status_code == 200
    months = re.findall(r'data-month="([\d-]+)"', body)
    assert months == [(first + relativedelta(months=n)).strftime("%Y-%m") for n in range(12)]
    days = forecast_days(body)
    assert days[saturday.isoformat()] == "conflict"
    assert days[(saturday + timedelta(weeks=4)).isoformat()] == "conflict"
    assert days[monday.isoformat()] == "generated"
    assert days[(monday + timedelta(weeks=4)).isoformat()] == "visit"
    assert generated.orders_created == 1
    last = first + relativedelta(months=12) - timedelta(days=1)
    saturdays = len(range(0, (last - saturday).days + 1, 28))
    mondays_left = len(range(28, (last - monday).days + 1, 28))
    assert set(days.values()) == {"conflict", "visit", "generated"}
    assert list(days.values()).count("conflict") == saturdays
    assert list(days.values()).count("visit") == mondays_left
    counts = [int(n) for n in re.findall(r'class="forecast-count" data-count="(\d+)"', body)]
    assert sum(counts) == saturdays + mondays_left
    assert f'data-visits="{saturdays + mondays_left}"' in body
    assert "Planned visit on a closed day" in body and "Order already generated" in body
    assert "on a closed day" in re.search(
        rf'data-day="{saturday.isoformat()}"[^>]*>(.*?)</td>', body, re.S
    ).group(1)


def test_forecast_of_a_template_or_a_cancelled_agreement_is_a_note(client, manager):
    group = agreements.template_group_create(by=None, code="LIFTS", name="Lifts")
    template = agreements.agreement_create(
        by=None, template_group=group, description="Lift", starts_on=date(2027, 1, 1)
    )
    line(template)
    cancelled = agreement()
    line(cancelled)
    agreements.agreement_change_status(agreement=cancelled, by=None, action="cancel")
    client.force_login(manager)

    template_forecast = html(client.get(f"/agreements/{template.pk}/forecast/"))
    cancelled_forecast = html(client.get(f"/agreements/{cancelled.pk}/forecast/"))
    template_orders = html(client.get(f"/agreements/{template.pk}/orders/"))

    assert 'data-forecast="template"' in template_forecast
    assert "A template never generates orders" in template_forecast
    assert "data-month" not in template_forecast
    assert "A cancelled agreement generates no more orders." in cancelled_forecast
    assert "A template has no orders" in template_orders


def test_a_draft_is_forecast_as_if_it_were_active(client, manager):
    first = timezone.localdate().replace(day=1)
    draft = agreement(activate=False, starts_on=first, ends_on=None)
    line(draft, interval_unit="month", starts_on=first)
    client.force_login(manager)

    body = html(client.get(f"/agreements/{draft.pk}/forecast/"))

    assert "A draft generates nothing yet" in body
    assert re.findall(r'class="forecast-count" data-count="(\d+)"', body) == ["1"] * 12
    assert ServiceOrder.objects.count() == 0


@pytest.mark.parametrize("role", ["technician_user", "customer_user"])
def test_technicians_and_customers_cannot_see_an_agreements_orders_or_forecast(
    client, request, role, mondays
):
    client.force_login(request.getfixturevalue(role))

    assert client.get(f"/agreements/{mondays.pk}/orders/").status_code == 403
    assert client.get(f"/agreements/{mondays.pk}/forecast/").status_code == 403


def test_an_unknown_agreements_orders_are_404(client, manager):
    client.force_login(manager)

    assert client.get("/agreements/999999/orders/").status_code == 404
    assert client.get("/agreements/999999/forecast/").status_code == 404


def test_a_line_with_generated_orders_cannot_be_deleted_from_the_agreement_page(
    client, manager, mondays
):
    round_line = mondays.lines.get(description="Round")
    orders_generate_from_agreements(date_from=date(2027, 1, 1), date_to=date(2027, 1, 10))
    client.force_login(manager)

    response = client.post(f"/agreements/{mondays.pk}/lines/{round_line.pk}/delete/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Orders were generated from this line; stop it instead of deleting it."
    ]
    assert mondays.lines.filter(pk=round_line.pk).exists()


def test_times_of_day_of_lines_reach_the_preview_unchanged(client, manager):
    made = agreement()
    line(made, starts_on=date(2027, 1, 4), earliest_time=time(8), latest_time=time(12))
    client.force_login(manager)

    response = client.post(GENERATE_URL, run_form(to="2027-01-10"))

    assert preview_rows(response)[made.number] == ["1", "0", "1", "0", "Jan. 4, 2027"]
