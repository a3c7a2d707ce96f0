"""Work calendar pages: the list, one calendar (week grid, holidays, exceptions, due calculator),
the form that creates and changes a calendar, and who may open them."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.calendars import services
from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar
from openservice.core.roles import Role

pytestmark = pytest.mark.django_db

LIST_URL = "/calendars/"
NEW_URL = "/calendars/new/"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_HOURS = {
    **{day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [],
    "sun": [],
}


def make_calendar(**fields) -> WorkCalendar:
    values = {
        "name": "Helsinki office",
        "timezone": "Europe/Helsinki",
        "hours": OFFICE_HOURS,
        "holiday_country": "FI",
        **fields,
    }
    return services.calendar_create(by=None, **values)


def calendar_form(**fields) -> dict:
    """The POST of the calendar form: Helsinki office hours unless told otherwise."""
    return {
        "name": "Helsinki office",
        "timezone": "Europe/Helsinki",
        "holiday_country": "FI",
        "holiday_subdivision": "",
        **{f"hours_{day}": "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri")},
        "hours_sat": "",
        "hours_sun": "",
        "closed_days": "",
        "open_days": "",
        **fields,
    }


def html(response) -> str:
    return response.content.decode()


def listed_names(response) -> list[str]:
    return re.findall(r'<a href="/calendars/\d+/">([^<]+)</a>', html(response))


def field_errors(response, field: str) -> list[str]:
    """The messages shown next to one field of a form."""
    return re.findall(rf'<p class="field-error" id="id_{field}-error">([^<]+)</p>', html(response))


def day_column(response, day: str) -> str:
    match = re.search(
        rf'<div class="week-day" data-day="{day}">(.*?)<p class="day-hours">', html(response), re.S
    )
    assert match, day
    return match.group(1)


def block_labels(response, day: str) -> list[str]:
    return [
        " ".join(label.split())
        for label in re.findall(
            r'<span class="work-block-label">(.*?)</span>', day_column(response, day), re.S
        )
    ]


def day_hours(response, day: str) -> str:
    match = re.search(
        rf'<div class="week-day" data-day="{day}">.*?<p class="day-hours">(.*?)</p>',
        html(response),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# List


def test_calendar_list_shows_zone_holidays_weekly_hours_default_and_status(client, manager):
    make_calendar(is_default=True)
    make_calendar(
        name="Munich depot",
        timezone="Europe/Berlin",
        holiday_country="DE",
        holiday_subdivision="BY",
        hours={"mon": [["07:00", "11:30"], ["12:00", "15:30"]], "sat": [["22:00", "06:00"]]},
    )
    retired = make_calendar(name="Old office", holiday_country=None)
    services.calendar_set_active(calendar=retired, by=None, is_active=False)
    client.force_login(manager)

    response = client.get(LIST_URL)

    body = html(response)
    assert response.status_code == 200
    assert listed_names(response) == ["Helsinki office", "Munich depot", "Old office"]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]
    cells = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]
    assert cells == [
        ["Helsinki office Company default", "Europe/Helsinki", "FI", "40 h", "Active"],
        ["Munich depot", "Europe/Berlin", "DE / BY", "16 h", "Active"],
        ["Old office", "Europe/Helsinki", "—", "40 h", "Inactive"],
    ]
    assert '<a class="button primary" href="/calendars/new/">New calendar</a>' in body
    assert 'data-nav="calendars"' in body


def test_calendar_list_searches_by_name_or_zone_and_filters_by_status(client, manager):
    make_calendar()
    make_calendar(name="Munich depot", timezone="Europe/Berlin", holiday_country="DE")
    retired = make_calendar(name="Old office")
    services.calendar_set_active(calendar=retired, by=None, is_active=False)
    client.force_login(manager)

    assert listed_names(client.get(LIST_URL, {"q": "berlin"})) == ["Munich depot"]
    assert listed_names(client.get(LIST_URL, {"q": "office", "is_active": "true"})) == [
        "Helsinki office"
    ]
    assert listed_names(client.get(LIST_URL, {"is_active": "false"})) == ["Old office"]
    empty = client.get(LIST_URL, {"q": "nowhere"})
    assert "No calendars match. Clear the filters or create a calendar." in html(empty)


def test_calendar_list_htmx_request_returns_only_the_rows(client, manager):
    make_calendar()
    client.force_login(manager)

    response = client.get(LIST_URL, {"q": "hel"}, headers={"HX-Request": "true"})

    assert listed_names(response) == ["Helsinki office"]
    assert html(response).lstrip().startswith("<table")
    assert "<html" not in html(response)


@pytest.mark.parametrize("role", ["dispatcher", "technician_user"])
def test_staff_who_only_read_see_calendars_without_change_buttons(client, request, role):
    calendar = make_calendar()
    client.force_login(request.getfixturevalue(role))

    listing = client.get(LIST_URL)
    detail = client.get(f"/calendars/{calendar.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert listed_names(listing) == ["Helsinki office"]
    assert "New calendar" not in html(listing)
    assert "No calendars match. Clear the filters." not in html(listing)
    assert f'href="/calendars/{calendar.pk}/edit/"' not in html(detail)
    assert 'data-nav="calendars"' not in html(listing)


@pytest.mark.parametrize("role", ["dispatcher", "technician_user", "customer_user"])
def test_roles_that_do_not_manage_calendars_get_403_on_the_form(client, request, role):
    calendar = make_calendar()
    client.force_login(request.getfixturevalue(role))
    edit_url = f"/calendars/{calendar.pk}/edit/"

    assert client.get(NEW_URL).status_code == 403
    assert client.post(NEW_URL, calendar_form(name="Sneaky")).status_code == 403
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, calendar_form(name="Renamed")).status_code == 403
    assert list(WorkCalendar.objects.values_list("name", flat=True)) == ["Helsinki office"]


def test_customers_get_403_on_the_calendar_pages(client, customer_user):
    calendar = make_calendar()
    client.force_login(customer_user)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/calendars/{calendar.pk}/").status_code == 403


def test_calendar_pages_send_anonymous_users_to_the_login(client):
    calendar = make_calendar()

    for url in (LIST_URL, f"/calendars/{calendar.pk}/", NEW_URL, f"/calendars/{calendar.pk}/edit/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


def test_unknown_calendar_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/calendars/999999/").status_code == 404
    assert client.get("/calendars/999999/edit/").status_code == 404


def test_calendar_list_costs_the_same_queries_for_2_or_20_rows(
    client, manager, django_assert_num_queries
):
    def add_calendars(first, count):
        for n in range(first, first + count):
            calendar = make_calendar(
                name=f"Calendar {n:02d}",
                open_days=[{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}],
            )
            services.calendar_update(calendar=calendar, by=None, closed_days=[date(2027, 1, 7)])

    client.force_login(manager)
    add_calendars(0, 2)
    with CaptureQueriesContext(connection) as two:
        assert len(listed_names(client.get(LIST_URL))) == 2
    add_calendars(2, 18)

    # session, user, roles, permissions, the count, the page, its closed days and open days
    with django_assert_num_queries(len(two)):
        assert len(listed_names(client.get(LIST_URL))) == 20
    assert len(two) == 9


# Detail


def test_week_grid_draws_each_interval_with_its_labels(client, manager):
    calendar = make_calendar(
        hours={
            "mon": [["08:00", "12:00"], ["12:30", "16:30"]],
            "wed": [["22:00", "06:00"]],
            "sun": [["20:00", "02:00"]],
        }
    )
    client.force_login(manager)

    response = client.get(f"/calendars/{calendar.pk}/")

    assert response.status_code == 200
    assert block_labels(response, "mon") == ["← 20:00–02:00", "08:00–12:00", "12:30–16:30"]
    assert block_labels(response, "tue") == []
    assert block_labels(response, "wed") == ["22:00–06:00 → next day"]
    assert block_labels(response, "thu") == ["← 22:00–06:00"]
    assert block_labels(response, "sun") == ["20:00–02:00 → next day"]
    # Blocks are placed by time: 08:00 is a third of the day down, 4 hours a sixth of it long.
    assert 'style="--start: 33.3333%; --length: 16.6667%"' in day_column(response, "mon")
    assert 'style="--start: 91.6667%; --length: 8.3333%"' in day_column(response, "wed")
    assert 'style="--start: 0.0000%; --length: 25.0000%"' in day_column(response, "thu")
    assert day_hours(response, "mon") == "← 20:00–02:00 from Sun, 08:00–12:00, 12:30–16:30"
    assert day_hours(response, "thu") == "← 22:00–06:00 from Wed"
    assert day_hours(response, "wed") == "22:00–06:00 → next day"
    assert day_hours(response, "tue") == "Closed"
    assert '<dd data-field="weekly">22 h</dd>' in html(response)


def test_calendar_detail_lists_the_public_holidays_of_a_year(client, manager):
    calendar = make_calendar()
    client.force_login(manager)

    response = client.get(f"/calendars/{calendar.pk}/", {"year": 2027})

    body = html(response)
    assert "Public holidays 2027" in body
    assert (
        '<tr><td data-label="Date">2027-12-06</td><td data-label="Weekday">Mon</td>'
        '<td data-label="Holiday">Independence Day</td></tr>'
    ) in body
    assert '<td data-label="Holiday">Midsummer Eve</td>' in body
    assert '<a class="button small" href="?year=2026#holidays" rel="prev">← 2026</a>' in body
    assert '<a class="button small" href="?year=2028#holidays" rel="next">2028 →</a>' in body
    assert "2028-12-06" in html(client.get(f"/calendars/{calendar.pk}/", {"year": 2028}))


def test_calendar_detail_ignores_an_unreadable_year(client, manager):
    calendar = make_calendar()
    client.force_login(manager)

    response = client.get(f"/calendars/{calendar.pk}/", {"year": "soon"})

    assert response.status_code == 200
    assert "Independence Day" in html(response)


def test_calendar_without_a_country_says_it_follows_no_holidays(client, manager):
    calendar = make_calendar(holiday_country=None)
    client.force_login(manager)

    body = html(client.get(f"/calendars/{calendar.pk}/"))

    assert "follows no country's public holidays. Edit it to choose a country." in body
    assert '<dd data-field="holidays">None</dd>' in body


def test_calendar_detail_shows_zone_closed_and_open_days_and_the_edit_button(client, manager):
    calendar = make_calendar(
        closed_days=[date(2027, 1, 7)],
        open_days=[{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"], ["14:00", "16:00"]]}],
    )
    client.force_login(manager)

    body = html(client.get(f"/calendars/{calendar.pk}/"))

    assert '<dd data-field="timezone">Europe/Helsinki</dd>' in body
    assert '<li>2027-01-07 <span class="muted">Thu</span></li>' in body
    assert '<li>2027-01-09 <span class="muted">Sat</span> 09:00–13:00, 14:00–16:00</li>' in body
    assert f'<a class="button" href="/calendars/{calendar.pk}/edit/">Edit</a>' in body


def test_due_calculator_shows_the_due_instant_in_the_calendars_zone(client, manager):
    calendar = make_calendar()
    client.force_login(manager)

    # Friday 15:00 + 120 business minutes: one hour on Friday, one on Monday from 08:00.
    response = client.get(
        f"/calendars/{calendar.pk}/", {"start": "2027-01-08T15:00", "minutes": "120"}
    )

    assert response.status_code == 200
    assert (
        '<strong data-field="due">Mon 2027-01-11 09:00</strong>'
        ' <span class="muted">Europe/Helsinki</span>' in html(response)
    )


def test_due_calculator_counts_in_the_calendars_zone_not_the_users(client, manager):
    calendar = make_calendar(
        name="New York office", timezone="America/New_York", holiday_country="US"
    )
    client.force_login(manager)

    # Monday 2027-01-11 15:30 New York + 60 min: 30 min on Monday, 30 on Tuesday from 08:00.
    response = client.get(
        f"/calendars/{calendar.pk}/", {"start": "2027-01-11T15:30", "minutes": "60"}
    )

    assert '<strong data-field="due">Tue 2027-01-12 08:30</strong>' in html(response)


def test_due_calculator_shows_bad_input_as_messages_on_the_page(client, manager):
    calendar = make_calendar()
    closed = make_calendar(name="Never open", hours={})
    client.force_login(manager)

    unreadable = client.get(f"/calendars/{calendar.pk}/", {"start": "friday", "minutes": "lots"})
    negative = client.get(
        f"/calendars/{calendar.pk}/", {"start": "2027-01-08T15:00", "minutes": "-5"}
    )
    never = client.get(f"/calendars/{closed.pk}/", {"start": "2027-01-08T15:00", "minutes": "60"})

    assert (unreadable.status_code, negative.status_code, never.status_code) == (200, 200, 200)
    assert "Enter a valid date/time." in html(unreadable)
    assert "Enter a whole number." in html(unreadable)
    assert "Ensure this value is greater than or equal to 0." in html(negative)
    assert "The calendar has no open time to count business minutes in." in html(never)
    for response in (unreadable, negative, never):
        assert 'data-field="due"' not in html(response)


# Create and edit


def test_manager_creates_a_calendar_through_the_form(client, manager):
    client.force_login(manager)

    form = client.get(NEW_URL)
    response = client.post(
        NEW_URL,
        calendar_form(
            name="Tampere workshop",
            hours_mon="12:30-16:30, 8:00-12:00",
            hours_tue="08:00 – 12:00",
            hours_fri="22:00-06:00",
            hours_sat="",
            closed_days="2027-12-31\n\n2027-01-07\n",
            open_days="2027-01-09 09:00-13:00, 14:00-16:00\n2027-01-10 10:00-12:00",
            is_default="on",
        ),
    )

    calendar = WorkCalendar.objects.get(name="Tampere workshop")
    assert form.status_code == 200
    assert '<option value="FI">FI — Finland</option>' in html(form)
    assert (response.status_code, response["Location"]) == (302, f"/calendars/{calendar.pk}/")
    assert calendar.hours == {
        "mon": [["08:00", "12:00"], ["12:30", "16:30"]],
        "tue": [["08:00", "12:00"]],
        "wed": [["08:00", "16:00"]],
        "thu": [["08:00", "16:00"]],
        "fri": [["22:00", "06:00"]],
        "sat": [],
        "sun": [],
    }
    assert (calendar.timezone, calendar.holiday_country, calendar.is_default) == (
        "Europe/Helsinki",
        "FI",
        True,
    )
    assert list(ClosedDay.objects.filter(calendar=calendar).values_list("on", flat=True)) == [
        date(2027, 1, 7),
        date(2027, 12, 31),
    ]
    assert [(row.on, row.hours) for row in OpenDay.objects.filter(calendar=calendar)] == [
        (date(2027, 1, 9), [["09:00", "13:00"], ["14:00", "16:00"]]),
        (date(2027, 1, 10), [["10:00", "12:00"]]),
    ]
    assert "Calendar Tampere workshop created." in html(client.get(response["Location"]))


def test_overlapping_intervals_are_shown_next_to_their_day_and_nothing_is_saved(client, manager):
    client.force_login(manager)

    response = client.post(NEW_URL, calendar_form(hours_mon="08:00-12:00, 11:00-13:00"))

    body = html(response)
    assert response.status_code == 200
    assert field_errors(response, "hours_mon") == ["08:00-12:00 and 11:00-13:00 overlap."]
    assert '<div class="error-summary" role="alert">' in body
    assert 'value="08:00-12:00, 11:00-13:00"' in body
    assert not WorkCalendar.objects.exists()


def test_unreadable_hours_and_dates_are_shown_next_to_their_fields(client, manager):
    client.force_login(manager)

    response = client.post(
        NEW_URL,
        calendar_form(
            hours_tue="8-12",
            hours_wed="08:00-25:00",
            hours_thu="09:00-09:00",
            closed_days="2027-01-07\n2027-13-01",
            open_days="2027-01-09",
        ),
    )

    assert field_errors(response, "hours_tue") == ["“8-12” is not an interval like 08:00-16:00."]
    assert field_errors(response, "hours_wed") == [
        "“08:00-25:00” is not a valid interval:"
        " &#x27;25:00&#x27; is not a time of day between 00:00 and 24:00."
    ]
    assert field_errors(response, "hours_thu") == [
        "“09:00-09:00” is not a valid interval: 09:00-09:00 is empty."
    ]
    assert field_errors(response, "closed_days") == [
        "Line 2: “2027-13-01” is not a date as YYYY-MM-DD."
    ]
    assert field_errors(response, "open_days") == [
        "Line 1: give a date and its hours, like 2027-01-09 09:00-13:00."
    ]
    assert not WorkCalendar.objects.exists()


def test_refusals_of_the_service_are_shown_next_to_their_fields(client, manager):
    make_calendar(name="Helsinki office")
    client.force_login(manager)

    taken = client.post(NEW_URL, calendar_form(name="Helsinki office"))
    subdivision = client.post(NEW_URL, calendar_form(name="Other", holiday_subdivision="xx"))
    both = client.post(
        NEW_URL,
        calendar_form(name="Other", closed_days="2027-01-09", open_days="2027-01-09 09:00-12:00"),
    )
    twice = client.post(
        NEW_URL,
        calendar_form(name="Other", open_days="2027-01-09 09:00-12:00\n2027-01-09 13:00-14:00"),
    )

    assert field_errors(taken, "name") == ["Work calendar with this Name already exists."]
    assert field_errors(subdivision, "holiday_subdivision") == [
        "&#x27;XX&#x27; is not a subdivision of FI"
    ]
    assert field_errors(both, "open_days") == ["2027-01-09 is both a closed and an open day."]
    assert field_errors(twice, "open_days") == ["2027-01-09 is listed twice."]
    assert list(WorkCalendar.objects.values_list("name", flat=True)) == ["Helsinki office"]


def test_a_night_shift_running_into_the_next_days_hours_is_refused_at_the_top(client, manager):
    client.force_login(manager)

    response = client.post(NEW_URL, calendar_form(hours_mon="22:00-06:00", hours_tue="05:00-10:00"))

    summary = re.search(
        r'<div class="error-summary" role="alert">(.*?)</div>', html(response), re.S
    ).group(1)
    assert "intervals overlap on consecutive days" in summary
    assert not WorkCalendar.objects.exists()


def test_manager_edits_a_calendar_through_the_form(client, manager):
    calendar = make_calendar(
        hours={**OFFICE_HOURS, "mon": [["08:00", "12:00"], ["12:30", "16:30"]]},
        closed_days=[date(2027, 1, 7)],
        open_days=[{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}],
    )
    url = f"/calendars/{calendar.pk}/edit/"
    client.force_login(manager)

    form = client.get(url)
    response = client.post(
        url,
        calendar_form(
            name="Helsinki HQ",
            timezone="Europe/Stockholm",
            holiday_country="SE",
            hours_mon="07:00-11:00",
            hours_wed="",
            hours_sun="10:00-14:00",
            closed_days="2027-12-31",
            open_days="",
        ),
    )

    body = html(form)
    assert form.status_code == 200
    assert 'name="hours_mon" value="08:00-12:00, 12:30-16:30"' in body
    assert 'name="hours_sat" value=""' not in body and 'name="hours_sat"' in body
    assert ">\n2027-01-07</textarea>" in body
    assert ">\n2027-01-09 09:00-13:00</textarea>" in body
    assert '<option value="Europe/Helsinki" selected>Europe/Helsinki</option>' in body
    assert (response.status_code, response["Location"]) == (302, f"/calendars/{calendar.pk}/")
    calendar.refresh_from_db()
    assert calendar.hours == {
        "mon": [["07:00", "11:00"]],
        "tue": [["08:00", "16:00"]],
        "wed": [],
        "thu": [["08:00", "16:00"]],
        "fri": [["08:00", "16:00"]],
        "sat": [],
        "sun": [["10:00", "14:00"]],
    }
    assert (calendar.name, calendar.timezone, calendar.holiday_country) == (
        "Helsinki HQ",
        "Europe/Stockholm",
        "SE",
    )
    assert list(calendar.closed_days.values_list("on", flat=True)) == [date(2027, 12, 31)]
    assert not calendar.open_days.exists()


def test_a_new_default_calendar_takes_over_from_the_old_one(client, administrator):
    old = make_calendar(is_default=True)
    client.force_login(administrator)

    response = client.post(
        NEW_URL, calendar_form(name="Stockholm", timezone="Europe/Stockholm", is_default="on")
    )

    assert response.status_code == 302
    assert list(WorkCalendar.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Stockholm"
    ]
    old.refresh_from_db()
    assert old.is_default is False


def test_calendar_navigation_is_shown_to_managers_and_administrators(client, make_user):
    for role, shown in ((Role.MANAGER, True), (Role.ADMINISTRATOR, True), (Role.DISPATCHER, False)):
        client.force_login(make_user(role))
        assert ('data-nav="calendars"' in html(client.get("/"))) is shown, role
