"""The technician's day: whose appointments it shows and in what order, the status button (with
htmx: the card alone, with the outcome in it; without: a redirect), the hours, parts and
expenses recorded from the card, the customer's sign-off, the calendar feed link and who may
open what. Appointments are on Monday 1 March 2027 in Helsinki (the factories' week)."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openservice.catalog.models import Item
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory
from openservice.core.roles import Role
from openservice.customers.tests.factories import SiteFactory
from openservice.dispatch import services
from openservice.dispatch.day_views import maps_url
from openservice.dispatch.models import Appointment, CalendarFeed
from openservice.dispatch.tests.factories import MONDAY, appointment, at, order, technician
from openservice.orders import services as orders
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.tests.factories import stage

S = Appointment.Status
DAY = f"/dispatch/day/?date={MONDAY.isoformat()}"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def anna(make_user):
    return technician(user=make_user(Role.TECHNICIAN, username="anna"), name="Anna Asentaja")


@pytest.fixture
def bob(make_user):
    return technician(user=make_user(Role.TECHNICIAN, username="bob"), name="Bob Berg")


def book(dispatcher, person, start, end, **order_fields):
    return appointment(
        by=dispatcher,
        order=order(by=dispatcher, **order_fields),
        technician=person,
        starts_at=start,
        ends_at=end,
    )


def cards(html: str) -> list[int]:
    """The appointment ids of the page's cards, top to bottom."""
    return [
        int(pk) for pk in re.findall(r'<article class="appt[^"]*"\s+id="appointment-(\d+)"', html)
    ]


def card_of(html: str, pk: int) -> str:
    match = re.search(rf'<article[^>]*id="appointment-{pk}".*?</article>', html, re.S)
    assert match, f"no card of appointment {pk}"
    return match.group(0)


def get(client, user, url: str = DAY):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def status(client, appointment_pk: int, to: str, **headers):
    return client.post(
        f"/dispatch/day/{appointment_pk}/status/", {"to": to, "expanded": "1"}, **headers
    )


def stage_of(an_order) -> str:
    return ServiceOrder.objects.select_related("stage").get(pk=an_order.pk).stage.code


# What the day shows


def test_technician_sees_exactly_their_appointments_of_the_day_in_time_order(
    client, dispatcher, anna, bob
):
    afternoon = book(dispatcher, anna, at(13), at(14))
    morning = book(dispatcher, anna, at(8), at(9, 30))
    noon = book(dispatcher, anna, at(10), at(12))
    book(dispatcher, anna, at(9, day=1), at(10, day=1))  # Tuesday
    cancelled = book(dispatcher, anna, at(14, 30), at(15))
    services.appointment_cancel(appointment=cancelled, by=dispatcher)
    book(dispatcher, bob, at(9), at(10))  # someone else's

    html = get(client, anna.user)

    assert cards(html) == [morning.pk, noon.pk, afternoon.pk]
    assert "<h1>My day</h1>" in html
    assert "3 appointments" in html
    assert re.search(r"08:00</time>–<time[^>]*>09:30</time>", card_of(html, morning.pk))


def test_the_card_shows_where_to_go_and_what_to_do(client, dispatcher, anna):
    task = ServiceTaskFactory(name="Annual lift inspection", internal_note="Bring the load weights")
    site = SiteFactory(access_notes="Key at the janitor")
    job = order(by=dispatcher, site=site, description="Door does not close", priority="high")
    job.tasks.add(task)
    made = appointment(
        by=dispatcher,
        order=job,
        technician=anna,
        starts_at=at(9),
        ends_at=at(10),
        note="Call 10 min before",
    )

    card = card_of(get(client, anna.user), made.pk)

    assert site.customer.name in card and site.name in card
    assert "Mannerheimintie 1, 00100 Helsinki" in card
    assert "https://www.google.com/maps/search/?api=1&amp;query=60.169900%2C24.938400" in card
    assert f'href="/orders/{job.pk}/"' in card and job.number in card
    assert 'data-priority="high"' in card
    assert 'data-stage="scheduled"' in card
    assert "Door does not close" in card
    assert "Annual lift inspection" in card and "Bring the load weights" in card
    assert "Call 10 min before" in card and "Key at the janitor" in card
    assert 'data-field="status">Confirmed<' in card
    # The next step is the big button; from confirmed also straight to on site.
    assert re.findall(r'data-to="(\w+)"', card) == ["travelling", "on_site"]
    assert 'class="button primary status-button" data-to="travelling"' in card


def test_the_page_costs_the_same_queries_for_few_or_many_appointments(client, dispatcher, anna):
    client.force_login(anna.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DAY).status_code == 200
        return len(captured)

    task = ServiceTaskFactory()
    for hour in (8, 9):
        book(dispatcher, anna, at(hour), at(hour, 45)).order.tasks.add(task)
    few = queries()
    for hour in (10, 11, 12, 13):
        book(dispatcher, anna, at(hour), at(hour, 45)).order.tasks.add(task)

    assert queries() == few


def test_the_maps_link_uses_coordinates_else_the_address():
    with_coordinates = SiteFactory.build(
        latitude=Decimal("60.205500"), longitude=Decimal("24.655900")
    )
    without = SiteFactory.build(latitude=None, longitude=None, address="Tapiontori 3")
    empty = SiteFactory.build(
        latitude=None, longitude=None, address="", postcode="", city="", country=""
    )

    assert maps_url(with_coordinates) == (
        "https://www.google.com/maps/search/?api=1&query=60.205500%2C24.655900"
    )
    assert parse_qs(urlparse(maps_url(without)).query) == {
        "api": ["1"],
        "query": ["Tapiontori 3, 00100 Helsinki, FI"],
    }
    assert maps_url(empty) is None


def test_a_site_in_another_time_zone_also_shows_its_local_time(client, dispatcher, anna):
    made = book(dispatcher, anna, at(10), at(11), site=SiteFactory(timezone="Europe/Stockholm"))

    card = card_of(get(client, anna.user), made.pk)

    assert re.search(r">10:00</time>–<time[^>]*>11:00</time>", card)
    assert "09:00–10:00 at the site (Europe/Stockholm)" in card


def test_the_card_under_way_is_open_else_the_next_one(client, dispatcher, anna):
    done = book(dispatcher, anna, at(8), at(9))
    for to in (S.ON_SITE, S.DONE):
        services.appointment_set_status(appointment=done, to=to, by=dispatcher)
    later = book(dispatcher, anna, at(12), at(13))
    nxt = book(dispatcher, anna, at(10), at(11))

    html = get(client, anna.user)
    assert f'id="appointment-{nxt.pk}-record"' in html
    assert html.count('class="appt-record"') == 1

    services.appointment_set_status(appointment=later, to=S.ON_SITE, by=dispatcher)
    html = get(client, anna.user)
    assert f'id="appointment-{later.pk}-record"' in html

    # ?open= opens another card (the "Record work" link of a closed one).
    assert f"?date={MONDAY.isoformat()}&amp;open={done.pk}#appointment-{done.pk}" in card_of(
        html, done.pk
    )
    html = get(client, anna.user, f"{DAY}&open={done.pk}")
    assert f'id="appointment-{done.pk}-record"' in html
    assert html.count('class="appt-record"') == 1


def test_previous_and_next_day_links_and_an_empty_day(client, anna):
    html = get(client, anna.user)

    assert 'href="/dispatch/day/?date=2027-02-28" rel="prev"' in html
    assert 'href="/dispatch/day/?date=2027-03-02" rel="next"' in html
    assert "Monday" in html and "1 March 2027" in html
    assert "Nothing is booked for you on this day." in html


def test_without_a_date_the_day_is_today_and_a_bad_date_is_ignored(client, dispatcher, anna):
    anna.calendar = None  # round the clock: book today whatever the day
    anna.save()
    start = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    made = book(dispatcher, anna, start, start + timedelta(minutes=30))

    for url in ("/dispatch/day/", "/dispatch/day/?date=yesterday"):
        html = get(client, anna.user, url)
        assert cards(html) == [made.pk]
        assert ">Today<" in html


def test_a_user_without_a_technician_record_is_told_so(client, technician_user):
    html = get(client, technician_user)

    assert "not linked to a technician record" in html


# The status button


def test_status_button_moves_the_status_and_the_order_stage(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    client.force_login(anna.user)

    response = status(client, made.pk, S.TRAVELLING, **HTMX)
    card = response.content.decode()
    assert response.status_code == 200
    assert card.lstrip().startswith("<article") and "<html" not in card  # the card alone
    assert 'data-field="status">Travelling<' in card
    assert re.findall(r'data-to="(\w+)"', card) == ["on_site"]
    assert 'data-stage="scheduled"' in card

    card = status(client, made.pk, S.ON_SITE, **HTMX).content.decode()
    assert 'data-field="status">On site<' in card
    assert 'data-stage="in_progress"' in card
    assert re.findall(r'data-to="(\w+)"', card) == ["done"]

    card = status(client, made.pk, S.DONE, **HTMX).content.decode()
    assert 'data-field="status">Done<' in card
    assert 'data-stage="completed"' in card
    assert "data-to=" not in card
    made.refresh_from_db()
    assert made.status == S.DONE
    assert stage_of(made.order) == "completed"


def test_a_refusal_rerenders_the_card_with_its_message_and_changes_nothing(
    client, dispatcher, anna
):
    made = book(dispatcher, anna, at(9), at(10))
    client.force_login(anna.user)

    response = status(client, made.pk, S.DONE, **HTMX)

    card = response.content.decode()
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert 'data-outcome="refusal">The appointment cannot change to that status.<' in card
    assert 'data-field="status">Confirmed<' in card
    made.refresh_from_db()
    assert made.status == S.CONFIRMED
    assert stage_of(made.order) == "scheduled"


def test_a_warning_is_shown_in_the_card(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    orders.order_change_stage(order=made.order, to=stage("new"), by=dispatcher)
    client.force_login(anna.user)

    card = status(client, made.pk, S.ON_SITE, **HTMX).content.decode()

    assert 'data-field="status">On site<' in card
    assert 'data-code="order_stage_unchanged"' in card
    assert "The order&#x27;s stage did not change" in card


def test_without_htmx_the_status_button_redirects_back_to_the_card(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    client.force_login(anna.user)

    response = status(client, made.pk, S.TRAVELLING)
    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/dispatch/day/?date=2027-03-01&open={made.pk}#appointment-{made.pk}"
    )
    html = client.get(response["Location"]).content.decode()
    assert f"{made.order.number}: Travelling." in html

    response = status(client, made.pk, S.TRAVELLING)  # pressed twice
    html = client.get(response["Location"]).content.decode()
    assert "The appointment cannot change to that status." in html
    made.refresh_from_db()
    assert made.status == S.TRAVELLING


def test_an_unknown_step_is_refused_in_the_card(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    client.force_login(anna.user)

    card = status(client, made.pk, "flying", **HTMX).content.decode()

    assert 'data-outcome="refusal">Choose the appointment&#x27;s next step.<' in card
    made.refresh_from_db()
    assert made.status == S.CONFIRMED


# Who may


def test_another_technicians_appointment_is_not_found(client, dispatcher, anna, bob):
    theirs = book(dispatcher, bob, at(9), at(10))
    client.force_login(anna.user)

    assert status(client, theirs.pk, S.TRAVELLING, **HTMX).status_code == 404
    assert client.get(f"{DAY}&technician={bob.pk}").status_code == 404
    assert client.post(f"/dispatch/day/{theirs.pk}/sign-off/", {}).status_code == 404
    assert client.post(f"/dispatch/day/{theirs.pk}/hours/", {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.CONFIRMED


def test_a_dispatcher_opens_a_technicians_day(client, dispatcher, anna, bob):
    own = book(dispatcher, anna, at(9), at(10))
    book(dispatcher, bob, at(9), at(10))

    html = get(client, dispatcher, f"{DAY}&technician={anna.pk}")

    assert cards(html) == [own.pk]
    assert "Day of Anna Asentaja" in html
    assert f'<option value="{anna.pk}" selected>Anna Asentaja</option>' in html
    assert f'href="/dispatch/day/?date=2027-03-02&amp;technician={anna.pk}" rel="next"' in html


def test_a_dispatcher_without_a_technician_chooses_one(client, dispatcher, anna):
    html = get(client, dispatcher)

    assert "Choose a technician to see their day." in html
    assert f'<option value="{anna.pk}">Anna Asentaja</option>' in html


def test_a_dispatcher_reports_status_and_returns_to_that_technicians_day(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    client.force_login(dispatcher)

    response = status(client, made.pk, S.ON_SITE)

    assert response["Location"] == (
        f"/dispatch/day/?date=2027-03-01&technician={anna.pk}&open={made.pk}#appointment-{made.pk}"
    )
    made.refresh_from_db()
    assert made.status == S.ON_SITE


def test_customers_may_not_open_the_day(client, customer_user):
    client.force_login(customer_user)

    assert client.get(DAY).status_code == 403
    assert client.post("/dispatch/day/1/status/", {"to": "travelling"}).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get(DAY)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/dispatch/day/")


# Recording the visit


@pytest.fixture
def on_site(dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))
    services.appointment_set_status(appointment=made, to=S.ON_SITE, by=anna.user)
    return made


def test_hours_part_and_expense_from_the_day(client, anna, on_site):
    rate = ItemFactory(
        sku="SRV-HOUR",
        name="Technician hour",
        kind=Item.Kind.SERVICE,
        unit="h",
        sales_price=Decimal("89.00"),
    )
    ItemFactory(sku="SRV-INSP", kind=Item.Kind.SERVICE, unit="pcs")  # not an hourly rate
    roller = ItemFactory(sku="LFT-ROLLER", name="Door roller set", sales_price=Decimal("64.00"))
    client.force_login(anna.user)
    base = f"/dispatch/day/{on_site.pk}"

    html = get(client, anna.user)
    assert f'<option value="{rate.pk}" selected>SRV-HOUR Technician hour</option>' in html
    assert "SRV-INSP" not in card_of(html, on_site.pk).split("Add part")[0]

    card = client.post(
        f"{base}/hours/",
        {"quantity": "1.5", "item": rate.pk, "description": "Replaced rollers"},
        **HTMX,
    ).content.decode()
    assert 'data-outcome="notice">Recorded: Replaced rollers.<' in card
    client.post(f"{base}/parts/", {"item": roller.pk, "quantity": "2"}, **HTMX)
    card = client.post(
        f"{base}/expenses/", {"description": "Parking", "unit_price": "6.50"}, **HTMX
    ).content.decode()

    lines = list(OrderLine.objects.filter(order=on_site.order).order_by("pk"))
    assert [(line.kind, line.description, line.quantity, line.unit_price) for line in lines] == [
        ("hour", "Replaced rollers", Decimal("1.500"), Decimal("89.00")),
        ("item", "Door roller set", Decimal("2.000"), Decimal("64.00")),
        ("expense", "Parking", Decimal("1.000"), Decimal("6.50")),
    ]
    assert lines[0].technician == anna and lines[0].unit == "h"
    assert {line.executed_on for line in lines} == {MONDAY}
    assert "Parking" in card and "Door roller set" in card
    assert re.search(r'data-total="net">€268\.00<', card)  # 133.50 + 128.00 + 6.50


def test_a_line_without_htmx_redirects_to_the_open_card(client, anna, on_site):
    client.force_login(anna.user)

    response = client.post(
        f"/dispatch/day/{on_site.pk}/expenses/", {"description": "Ferry", "unit_price": "12"}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"open={on_site.pk}#appointment-{on_site.pk}")
    assert OrderLine.objects.get(order=on_site.order).description == "Ferry"


def test_a_line_with_errors_comes_back_on_its_form_and_nothing_is_saved(client, anna, on_site):
    client.force_login(anna.user)

    card = client.post(
        f"/dispatch/day/{on_site.pk}/parts/", {"quantity": "0"}, **HTMX
    ).content.decode()
    assert 'data-record="item" open' in card
    assert "Choose the part that was used." in card

    response = client.post(f"/dispatch/day/{on_site.pk}/expenses/", {"unit_price": "5"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-record="expense" open' in card_of(html, on_site.pk)
    assert "Say what the expense was for." in html
    assert not OrderLine.objects.filter(order=on_site.order).exists()


def test_a_refused_line_shows_the_services_message(client, manager, anna, on_site):
    """The page was opened before the order was closed: the refusal comes back on the form."""
    for code in ("completed", "closed"):
        orders.order_change_stage(order=on_site.order, to=stage(code), by=manager)
    client.force_login(anna.user)

    card = client.post(
        f"/dispatch/day/{on_site.pk}/expenses/",
        {"description": "Late parking", "unit_price": "3"},
        **HTMX,
    ).content.decode()

    assert 'data-record="expense" open' in card
    assert re.search(r'class="error-summary".*?does not allow', card, re.S)
    assert not OrderLine.objects.filter(order=on_site.order).exists()


def test_the_part_picker_narrows_as_you_type(client, anna, on_site):
    roller = ItemFactory(sku="LFT-ROLLER", name="Door roller set")
    ItemFactory(sku="LFT-DOOR-OP", name="Landing door operator")
    ItemFactory(sku="FEE-TRAVEL", name="Travel fee", kind=Item.Kind.FEE)
    client.force_login(anna.user)
    url = f"/dispatch/day/{on_site.pk}/parts/search/"

    html = client.get(url, {"q": "door"}, **HTMX).content.decode()
    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html) == [
        "LFT-DOOR-OP Landing door operator",
        "LFT-ROLLER Door roller set",
    ]
    assert f'id="day-{on_site.pk}-item-item"' in html

    html = client.get(url, {"q": "roller door"}, **HTMX).content.decode()  # every word
    assert re.findall(r"<option[^>]*>[^<]*</option>", html) == [
        f'<option value="{roller.pk}" selected>LFT-ROLLER Door roller set</option>'
    ]

    html = client.get(url, {"q": "travel"}, **HTMX).content.decode()  # fees are not parts
    assert "No part matches “travel”." in html


def test_sign_off_from_the_day_then_the_work_receipt(client, anna, on_site):
    client.force_login(anna.user)
    url = f"/dispatch/day/{on_site.pk}/sign-off/"

    card = client.post(url, {"signer_name": "Kaisa Kiinteistö"}, **HTMX).content.decode()
    assert "The customer must confirm the work to sign off." in card
    assert ServiceOrder.objects.get(pk=on_site.order_id).signed_off_at is None

    card = client.post(
        url, {"signer_name": "Kaisa Kiinteistö", "confirm": "on"}, **HTMX
    ).content.decode()

    signed = ServiceOrder.objects.get(pk=on_site.order_id)
    assert (signed.signer_name, signed.signed_off_by) == ("Kaisa Kiinteistö", anna.user)
    assert "Signed off by Kaisa Kiinteistö." in card
    assert f'href="/orders/{signed.pk}/work-receipt/" data-action="receipt">Work receipt<' in card
    assert "Record sign-off" not in card


def test_sign_off_waits_until_the_work_is_under_way(client, dispatcher, anna):
    made = book(dispatcher, anna, at(9), at(10))

    card = card_of(get(client, anna.user), made.pk)

    assert "Record sign-off" not in card
    assert "press On site first" in card


# The calendar feed and the home


def test_the_calendar_feed_link_shows_the_feed_address(client, anna):
    html = get(client, anna.user)
    assert f'href="/dispatch/day/calendar-feed/?technician={anna.pk}"' in html

    html = get(client, anna.user, f"/dispatch/day/calendar-feed/?technician={anna.pk}")

    token = CalendarFeed.objects.get(technician=anna).token
    assert f"http://testserver/api/v1/technicians/{anna.pk}/calendar.ics?token={token}" in html
    assert (
        f'href="webcal://testserver/api/v1/technicians/{anna.pk}/calendar.ics?token={token}"'
        in html
    )


def test_another_technicians_feed_is_not_found(client, anna, bob):
    client.force_login(anna.user)

    assert client.get(f"/dispatch/day/calendar-feed/?technician={bob.pk}").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_the_home_lists_todays_appointments_above_the_orders(client, dispatcher, anna):
    anna.calendar = None
    anna.save()
    start = timezone.localtime().replace(hour=0, minute=5, second=0, microsecond=0)
    made = book(dispatcher, anna, start + timedelta(hours=1), start + timedelta(hours=2))
    first = book(dispatcher, anna, start, start + timedelta(minutes=30))

    html = get(client, anna.user, "/")

    today = re.search(r'id="my-appointments".*?</section>', html, re.S).group(0)
    assert re.findall(r'data-appointment="(\d+)"', today) == [str(first.pk), str(made.pk)]
    assert f'href="/dispatch/day/#appointment-{made.pk}"' in today
    assert "Open my day" in today
    assert html.index('id="my-appointments"') < html.index('id="my-day"')
