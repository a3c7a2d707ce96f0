"""The /api/v1 calendars resources: the role matrix on every operation (nothing written on a
refusal), the exact output, field errors for bad definitions, the single company default,
refused deletes, and the two calculators and the holiday list on a Finnish calendar.

Helsinki is UTC+2 in winter: 15:00+02:00 is 13:00Z. The Finnish calendar here is open Mon-Fri
08:00-12:00 and 12:30-16:30 (480 business minutes a day, 2400 a week) with Finnish public
holidays; in 2027 Epiphany is Wednesday 6 January and Independence Day Monday 6 December.
"""

from datetime import date

import pytest

from openservice.calendars import services
from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar
from openservice.core.models import AuditEvent

pytestmark = pytest.mark.django_db

WORKDAY = [["08:00", "12:00"], ["12:30", "16:30"]]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NO_HOURS = {"sat": [], "sun": []}
# The example body of the issue: Mon-Fri with a lunch break, Finnish holidays, one closed
# Thursday (the day after Epiphany) and one Saturday opened in the morning.
EXAMPLE = {
    "name": "Helsinki office",
    "timezone": "Europe/Helsinki",
    "hours": dict.fromkeys(WEEKDAYS, WORKDAY),
    "holiday_country": "FI",
    "holiday_subdivision": None,
    "closed_days": ["2027-01-07"],
    "open_days": [{"on": "2027-01-09", "hours": [["09:00", "13:00"]]}],
}


def finnish_calendar(**fields) -> WorkCalendar:
    """The example calendar made through the service (fields override the example)."""
    values = {
        "name": EXAMPLE["name"],
        "timezone": EXAMPLE["timezone"],
        "hours": EXAMPLE["hours"],
        "holiday_country": "FI",
        "closed_days": [date(2027, 1, 7)],
        "open_days": [{"on": date(2027, 1, 9), "hours": [["09:00", "13:00"]]}],
        **fields,
    }
    return services.calendar_create(by=None, **values)


def business_events():
    """Audit events other than the API tokens the test clients create."""
    return AuditEvent.objects.exclude(verb__startswith="api_token.")


def everything() -> tuple:
    """Every calendar row and audit event, to show a refused request wrote nothing."""
    return (
        list(
            WorkCalendar.objects.order_by("pk").values_list(
                "pk",
                "name",
                "timezone",
                "hours",
                "holiday_country",
                "holiday_subdivision",
                "is_default",
                "is_active",
                "updated_at",
            )
        ),
        list(ClosedDay.objects.order_by("pk").values_list("calendar_id", "on")),
        list(OpenDay.objects.order_by("pk").values_list("calendar_id", "on", "hours")),
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
MATRIX = {
    "list": READ,
    "get": READ,
    "create": (401, 403, 403, 403, 201, 201),
    "update": CHANGE,
    "deactivate": CHANGE,
    "activate": CHANGE,
    "delete": (401, 403, 403, 403, 403, 204),
    "due": READ,
    "business_minutes": READ,
    "holidays": READ,
}
PERMS = {
    "create": "calendars.add_workcalendar",
    "update": "calendars.change_workcalendar",
    "deactivate": "calendars.change_workcalendar",
    "activate": "calendars.change_workcalendar",
    "delete": "calendars.delete_workcalendar",
}


def request_for(endpoint: str) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it."""
    if endpoint == "list":
        finnish_calendar()
        return "get", "calendars", None
    if endpoint == "create":
        return "post", "calendars", EXAMPLE
    calendar = finnish_calendar()
    path = f"calendars/{calendar.pk}"
    if endpoint == "activate":
        services.calendar_set_active(calendar=calendar, by=None, is_active=False)
    return {
        "get": ("get", path, None),
        "update": ("patch", path, {"name": "Helsinki HQ"}),
        "deactivate": ("post", f"{path}/deactivate", None),
        "activate": ("post", f"{path}/activate", None),
        "delete": ("delete", path, None),
        "due": ("post", f"{path}/due", {"start": "2027-01-15T15:00:00+02:00", "minutes": 120}),
        "business_minutes": (
            "post",
            f"{path}/business-minutes",
            {"start": "2027-12-03T12:00:00+02:00", "end": "2027-12-07T12:00:00+02:00"},
        ),
        "holidays": ("get", f"{path}/holidays?year=2027", None),
    }[endpoint]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


SUCCESS = {
    "list": lambda body: [row["name"] for row in body["items"]] == ["Helsinki office"],
    "get": lambda body: (body["name"], body["weekly_minutes"]) == ("Helsinki office", 2400),
    "create": lambda body: (
        (body["name"], body["closed_days"]) == ("Helsinki office", ["2027-01-07"])
    ),
    "update": lambda body: body["name"] == "Helsinki HQ",
    "deactivate": lambda body: body["is_active"] is False,
    "activate": lambda body: body["is_active"] is True,
    "delete": lambda body: body is None,
    "due": lambda body: body == {"due_at": "2027-01-18T06:30:00Z"},
    "business_minutes": lambda body: body == {"minutes": 480},
    "holidays": lambda body: {"on": "2027-12-06", "name": "Independence Day"} in body,
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix_on_every_calendar_operation(endpoint, actor, user_of, api_as):
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
            "details": {"perm": PERMS.get(endpoint, "calendars.view_workcalendar")},
        }
    if status >= 400:
        assert everything() == before
        return
    assert SUCCESS[endpoint](response.json() if response.content else None)
    if method == "get" or endpoint in ("due", "business_minutes"):
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_calendars_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if "/calendars" in path
        for operation in item.values()
    }
    assert operations == {
        "list_calendars",
        "get_calendar",
        "create_calendar",
        "update_calendar",
        "deactivate_calendar",
        "activate_calendar",
        "delete_calendar",
        "calendar_due",
        "calendar_business_minutes",
        "calendar_holidays",
    }
    assert len(operations) == len(MATRIX)


def test_unknown_calendar_ids_are_not_found(manager, administrator, api_as):
    api = api_as(manager)
    before = everything()

    for response in (
        api.get("calendars/999999"),
        api.patch("calendars/999999", {"name": "X"}),
        api.post("calendars/999999/deactivate"),
        api.post("calendars/999999/due", {"start": "2027-01-15T15:00:00+02:00", "minutes": 1}),
        api.get("calendars/999999/holidays", {"year": 2027}),
        api_as(administrator).delete("calendars/999999"),
    ):
        assert response.status_code == 404, response.content
        assert response.json() == {
            "code": "core.not_found",
            "message": "Not found.",
            "details": {"calendar_id": 999999},
        }
    assert everything() == before


# Create and output


def test_create_with_the_issues_example_answers_the_stored_calendar(manager, api_as):
    response = api_as(manager).post("calendars", EXAMPLE)

    assert response.status_code == 201, response.content
    calendar = WorkCalendar.objects.get()
    assert response.json() == {
        "id": calendar.pk,
        "name": "Helsinki office",
        "timezone": "Europe/Helsinki",
        "hours": {**dict.fromkeys(WEEKDAYS, WORKDAY), **NO_HOURS},
        "holiday_country": "FI",
        "holiday_subdivision": None,
        "closed_days": ["2027-01-07"],
        "open_days": [{"on": "2027-01-09", "hours": [["09:00", "13:00"]], "note": ""}],
        "weekly_minutes": 2400,
        "is_default": False,
        "is_active": True,
    }
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("FI", "")
    assert [row.on for row in calendar.closed_days.all()] == [date(2027, 1, 7)]
    assert [(row.on, row.hours) for row in calendar.open_days.all()] == [
        (date(2027, 1, 9), [["09:00", "13:00"]])
    ]
    assert list(business_events().values_list("verb", "data")) == [
        ("calendar.created", {"name": "Helsinki office", "is_default": False})
    ]
    assert api_as(manager).get(f"calendars/{calendar.pk}").json() == response.json()


def test_hours_for_a_subset_of_weekdays_are_stored_for_all_seven(manager, api_as):
    body = {
        "name": "Weekend on call",
        "timezone": "Europe/Helsinki",
        "hours": {"sun": [["10:00", "14:00"]], "sat": [["16:00", "18:00"], ["09:00", "12:00"]]},
    }

    response = api_as(manager).post("calendars", body)

    assert response.status_code == 201, response.content
    assert response.json()["hours"] == {
        **{key: [] for key in WEEKDAYS},
        "sat": [["09:00", "12:00"], ["16:00", "18:00"]],
        "sun": [["10:00", "14:00"]],
    }
    assert response.json()["weekly_minutes"] == 180 + 120 + 240
    # Every weekday is a key (PostgreSQL's jsonb does not keep the keys' order).
    assert sorted(WorkCalendar.objects.get().hours) == sorted([*WEEKDAYS, "sat", "sun"])


def test_a_calendar_without_holidays_and_without_hours(manager, api_as):
    body = {"name": "Plain", "timezone": "UTC", "holiday_country": None}

    response = api_as(manager).post("calendars", body)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["holiday_country"], body["holiday_subdivision"]) == (None, None)
    assert body["hours"] == {**{key: [] for key in WEEKDAYS}, **NO_HOURS}
    assert (body["closed_days"], body["open_days"], body["weekly_minutes"]) == ([], [], 0)
    assert api_as(manager).get(f"calendars/{body['id']}/holidays", {"year": 2027}).json() == []


def test_a_night_shift_and_a_subdivision_are_accepted(manager, api_as):
    body = {
        "name": "Munich nights",
        "timezone": "Europe/Berlin",
        "hours": {"mon": [["22:00", "06:00"]], "tue": [["06:00", "10:00"]]},
        "holiday_country": "DE",
        "holiday_subdivision": "BY",
    }

    response = api_as(manager).post("calendars", body)

    assert response.status_code == 201, response.content
    assert response.json()["hours"]["mon"] == [["22:00", "06:00"]]
    assert (response.json()["holiday_country"], response.json()["holiday_subdivision"]) == (
        "DE",
        "BY",
    )
    assert response.json()["weekly_minutes"] == 480 + 240


BAD_CALENDARS = [
    (
        {"hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}},
        {"hours": ["intervals overlap on mon"]},
    ),
    (
        {"hours": {"mon": [["22:00", "06:00"]], "tue": [["05:00", "10:00"]]}},
        {
            "hours": [
                "intervals overlap on consecutive days (a night shift runs into the next "
                "day's hours)"
            ]
        },
    ),
    (
        {"hours": {"sun": [["22:00", "06:00"]], "mon": [["05:00", "10:00"]]}},
        {
            "hours": [
                "intervals overlap on consecutive days (a night shift runs into the next "
                "day's hours)"
            ]
        },
    ),
    (
        {"hours": {"mon": WORKDAY, "xyz": WORKDAY}},
        {"hours.xyz.[key]": ["Input should be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun'"]},
    ),
    (
        {"hours": {"mon": [["08:00", "25:00"]]}},
        {"hours.mon.0.1": ["String should match pattern '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$'"]},
    ),
    ({"hours": {"mon": [["08:00", "08:00"]]}}, {"hours": ["mon: 08:00-08:00 is empty"]}),
    (
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": ["unknown IANA time zone: Mars/Olympus_Mons"]},
    ),
    (
        {"holiday_country": "XX"},
        {"holiday_country": ["'XX' is not a country the holidays package knows"]},
    ),
    ({"holiday_subdivision": "BY"}, {"holiday_subdivision": ["'BY' is not a subdivision of FI"]}),
    (
        {"holiday_country": None, "holiday_subdivision": "BY"},
        {"holiday_country": ["a subdivision needs a country"]},
    ),
    (
        {"closed_days": ["2027-01-07", "2027-01-09"]},
        {"open_days": ["2027-01-09 is both a closed and an open day."]},
    ),
    (
        {"open_days": [{"on": "2027-01-09", "hours": [["09:00", "13:00"]]}] * 2},
        {"open_days": ["2027-01-09 is listed twice."]},
    ),
    ({"name": ""}, {"name": ["String should have at least 1 character"]}),
]


@pytest.mark.parametrize(("change", "errors"), BAD_CALENDARS)
def test_bad_calendars_are_refused_with_field_errors(change, errors, manager, api_as):
    before = everything()

    response = api_as(manager).post("calendars", {**EXAMPLE, **change})

    assert field_errors(response) == errors
    assert everything() == before


def test_a_duplicate_name_is_a_field_error(manager, api_as):
    finnish_calendar()
    before = everything()

    response = api_as(manager).post("calendars", EXAMPLE)

    assert field_errors(response) == {"name": ["Work calendar with this Name already exists."]}
    assert everything() == before


def test_a_bad_patch_is_refused_and_changes_nothing(manager, api_as):
    calendar = finnish_calendar()
    api = api_as(manager)
    before = everything()

    for change, errors in BAD_CALENDARS:
        if change.get("name") == "":
            continue
        assert field_errors(api.patch(f"calendars/{calendar.pk}", change)) == errors, change
        assert everything() == before


# The single company default


def test_only_one_calendar_is_the_default_and_a_new_default_takes_it_over(manager, api_as):
    api = api_as(manager)
    first = api.post("calendars", {**EXAMPLE, "is_default": True}).json()
    assert first["is_default"] is True

    second = api.post("calendars", {**EXAMPLE, "name": "Tampere", "is_default": True})

    assert second.status_code == 201, second.content
    assert second.json()["is_default"] is True
    assert api.get(f"calendars/{first['id']}").json()["is_default"] is False
    assert list(WorkCalendar.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Tampere"
    ]


def test_patching_is_default_moves_the_default(manager, api_as):
    first = finnish_calendar(is_default=True)
    second = finnish_calendar(name="Tampere")
    api = api_as(manager)

    response = api.patch(f"calendars/{second.pk}", {"is_default": True})

    assert response.json()["is_default"] is True
    assert api.get(f"calendars/{first.pk}").json()["is_default"] is False
    assert WorkCalendar.objects.filter(is_default=True).get() == second


# Delete


def test_an_unused_calendar_is_deleted_with_its_days(administrator, api_as):
    calendar = finnish_calendar()

    response = api_as(administrator).delete(f"calendars/{calendar.pk}")

    assert (response.status_code, response.content) == (204, b"")
    assert not WorkCalendar.objects.exists()
    assert not ClosedDay.objects.exists()
    assert not OpenDay.objects.exists()
    assert list(business_events().order_by("pk").values_list("verb", flat=True)) == [
        "calendar.created",
        "calendar.deleted",
    ]


def test_deleting_a_calendar_an_sla_policy_uses_is_refused(administrator, api_as):
    from openservice.sla.services import policy_create

    calendar = finnish_calendar()
    policy_create(
        by=None,
        name="Gold",
        calendar=calendar,
        targets=[{"priority": "high", "response_minutes": 60, "resolution_minutes": 240}],
    )
    before = everything()

    response = api_as(administrator).delete(f"calendars/{calendar.pk}")

    assert response.status_code == 409, response.content
    assert response.json() == {
        "code": "calendars.in_use",
        "message": "The calendar is in use and cannot be deleted; deactivate it instead.",
        "details": {"calendar_id": calendar.pk},
    }
    assert everything() == before


def test_deleting_the_default_calendar_is_refused(administrator, api_as):
    calendar = finnish_calendar(is_default=True)
    before = everything()

    response = api_as(administrator).delete(f"calendars/{calendar.pk}")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "calendars.in_use"
    assert response.json()["details"] == {"calendar_id": calendar.pk, "reason": "default"}
    assert everything() == before


# The calculators


DUE_CASES = [
    # Friday 15 Jan 15:00: 90 minutes to 16:30, the weekend is closed, 30 more from Monday
    # 08:00 is Monday 18 Jan 08:30+02:00 = 06:30Z.
    ("2027-01-15T15:00:00+02:00", 120, "2027-01-18T06:30:00Z"),
    # Friday 16:00: 30 minutes on Friday, 90 on Monday from 08:00 = 09:30+02:00 = 07:30Z.
    ("2027-01-15T16:00:00+02:00", 120, "2027-01-18T07:30:00Z"),
    # Friday 8 Jan 15:00: 90 on Friday, and Saturday 9 Jan is an open day from 09:00: 09:30.
    ("2027-01-08T15:00:00+02:00", 120, "2027-01-09T07:30:00Z"),
    # Tuesday 5 Jan 16:00: 30 on Tuesday; Wednesday is Epiphany, Thursday a closed day, so
    # 90 more from Friday 8 Jan 08:00 is 09:30+02:00.
    ("2027-01-05T16:00:00+02:00", 120, "2027-01-08T07:30:00Z"),
    # The same instant written in UTC, and 0 minutes from an open instant is that instant.
    ("2027-01-15T13:00:00Z", 120, "2027-01-18T06:30:00Z"),
    ("2027-01-15T10:00:00+02:00", 0, "2027-01-15T08:00:00Z"),
    # Through the lunch break: 11:00 + 120 = 12:00, lunch, 12:30 + 60 = 13:30.
    ("2027-01-15T11:00:00+02:00", 120, "2027-01-15T11:30:00Z"),
]


@pytest.mark.parametrize(("start", "minutes", "due_at"), DUE_CASES)
def test_due_adds_business_minutes_on_the_finnish_calendar(
    start, minutes, due_at, technician_user, api_as
):
    calendar = finnish_calendar()

    response = api_as(technician_user).post(
        f"calendars/{calendar.pk}/due", {"start": start, "minutes": minutes}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"due_at": due_at}


BUSINESS_MINUTES_CASES = [
    # Friday 3 Dec 12:00 (lunch) to Tuesday 7 Dec 12:00: 12:30-16:30 on Friday (240), the
    # weekend closed, Monday 6 Dec Independence Day closed, Tuesday 08:00-12:00 (240).
    ("2027-12-03T12:00:00+02:00", "2027-12-07T12:00:00+02:00", 480),
    # Backwards: the same, negative.
    ("2027-12-07T12:00:00+02:00", "2027-12-03T12:00:00+02:00", -480),
    # Friday 16:00 to Monday 29 Nov 09:00: 30 + 60 (an ordinary weekend).
    ("2027-11-26T16:00:00+02:00", "2027-11-29T09:00:00+02:00", 90),
    # The whole week of 6-10 Dec: 4 working days.
    ("2027-12-06T00:00:00+02:00", "2027-12-11T00:00:00+02:00", 4 * 480),
    # Within the week of the closed and open days: Mon 4 Jan - Sun 10 Jan 2027 has Mon, Tue
    # and Fri (3 x 480) plus Saturday's 4 open hours.
    ("2027-01-04T00:00:00+02:00", "2027-01-11T00:00:00+02:00", 3 * 480 + 240),
    ("2027-01-15T10:00:00+02:00", "2027-01-15T10:00:00+02:00", 0),
]


@pytest.mark.parametrize(("start", "end", "minutes"), BUSINESS_MINUTES_CASES)
def test_business_minutes_across_weekends_and_finnish_holidays(
    start, end, minutes, dispatcher, api_as
):
    calendar = finnish_calendar()

    response = api_as(dispatcher).post(
        f"calendars/{calendar.pk}/business-minutes", {"start": start, "end": end}
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"minutes": minutes}


@pytest.mark.parametrize(
    ("path", "body", "errors"),
    [
        (
            "due",
            {"start": "2027-01-15T15:00:00", "minutes": 120},
            {"start": ["Input should have timezone info"]},
        ),
        (
            "due",
            {"start": "2027-01-15T15:00:00+02:00", "minutes": -1},
            {"minutes": ["Input should be greater than or equal to 0"]},
        ),
        ("due", {"minutes": 1}, {"start": ["Field required"]}),
        (
            "business-minutes",
            {"start": "2027-12-03T12:00:00", "end": "2027-12-07T12:00:00+02:00"},
            {"start": ["Input should have timezone info"]},
        ),
        (
            "business-minutes",
            {"start": "2027-12-03T12:00:00+02:00", "end": "2027-12-07T12:00:00"},
            {"end": ["Input should have timezone info"]},
        ),
    ],
)
def test_naive_and_missing_instants_are_invalid_input(path, body, errors, manager, api_as):
    calendar = finnish_calendar()

    response = api_as(manager).post(f"calendars/{calendar.pk}/{path}", body)

    assert field_errors(response) == errors


def test_a_calendar_that_is_never_open_has_no_due_instant(manager, api_as):
    calendar = services.calendar_create(by=None, name="Closed", timezone="UTC")

    response = api_as(manager).post(
        f"calendars/{calendar.pk}/due", {"start": "2027-01-15T15:00:00+02:00", "minutes": 1}
    )

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "calendars.no_open_time"
    assert response.json()["details"] == {"calendar_id": calendar.pk}


def test_holidays_of_2027_list_the_finnish_public_holidays(technician_user, api_as):
    calendar = finnish_calendar()

    response = api_as(technician_user).get(f"calendars/{calendar.pk}/holidays", {"year": 2027})

    assert response.status_code == 200, response.content
    assert {"on": "2027-12-06", "name": "Independence Day"} in response.json()
    assert response.json() == [
        {"on": "2027-01-01", "name": "New Year's Day"},
        {"on": "2027-01-06", "name": "Epiphany"},
        {"on": "2027-03-26", "name": "Good Friday"},
        {"on": "2027-03-28", "name": "Easter Sunday"},
        {"on": "2027-03-29", "name": "Easter Monday"},
        {"on": "2027-05-01", "name": "May Day"},
        {"on": "2027-05-06", "name": "Ascension Day"},
        {"on": "2027-05-16", "name": "Pentecost"},
        {"on": "2027-06-25", "name": "Midsummer Eve"},
        {"on": "2027-06-26", "name": "Midsummer Day"},
        {"on": "2027-11-06", "name": "All Saints' Day"},
        {"on": "2027-12-06", "name": "Independence Day"},
        {"on": "2027-12-24", "name": "Christmas Eve"},
        {"on": "2027-12-25", "name": "Christmas Day"},
        {"on": "2027-12-26", "name": "Second Day of Christmas"},
    ]


@pytest.mark.parametrize(
    ("params", "field"), [({}, "year"), ({"year": "1899"}, "year"), ({"year": "x"}, "year")]
)
def test_holidays_need_a_sensible_year(params, field, manager, api_as):
    calendar = finnish_calendar()

    response = api_as(manager).get(f"calendars/{calendar.pk}/holidays", params)

    assert list(field_errors(response)) == [field]


# Lists


def test_the_list_filters_by_text_and_active_flag(manager, api_as):
    finnish_calendar()
    services.calendar_create(by=None, name="New York office", timezone="America/New_York")
    tampere = services.calendar_create(by=None, name="Tampere", timezone="Europe/Helsinki")
    services.calendar_set_active(calendar=tampere, by=None, is_active=False)
    api = api_as(manager)

    def names(params):
        body = api.get("calendars", params).json()
        return [row["name"] for row in body["items"]], body["count"]

    assert names({}) == (["Helsinki office", "New York office", "Tampere"], 3)
    assert names({"q": "helsinki"}) == (["Helsinki office", "Tampere"], 2)
    assert names({"q": "office", "is_active": "true"}) == (
        ["Helsinki office", "New York office"],
        2,
    )
    assert names({"is_active": "false"}) == (["Tampere"], 1)
    assert names({"limit": 1, "offset": 1}) == (["New York office"], 3)


# Instants at the ends of the datetime range. The schema accepts any aware instant, so the
# calculators must answer 409 (no open time) or 422, never a server error. BUG: the yearly
# tables are built with the neighbouring year (arithmetic.py `_build_year`: date(year - 1, 12,
# 29), datetime(year, 1, 1)), which raises ValueError for year 0 or 10000; the API catches only
# CalendarError and OverflowError, so these answer 500.
EDGE_INSTANTS = [
    ("due", {"start": "0001-01-01T00:00:00Z", "minutes": 1}),
    ("due", {"start": "9999-12-31T00:00:00Z", "minutes": 1}),  # a Friday: next open in 10000
    ("due", {"start": "9999-12-31T23:30:00-01:00", "minutes": 1}),
    ("business-minutes", {"start": "0001-01-01T00:00:00Z", "end": "0001-01-02T00:00:00Z"}),
    ("business-minutes", {"start": "0001-01-01T00:30:00+01:00", "end": "2027-01-01T00:00:00Z"}),
    ("business-minutes", {"start": "2027-01-01T00:00:00Z", "end": "9999-12-31T23:00:00Z"}),
]


@pytest.mark.parametrize(("path", "body"), EDGE_INSTANTS)
def test_instants_at_the_ends_of_the_range_are_refused_not_a_server_error(
    path, body, client, manager, api_as
):
    client.raise_request_exception = False
    calendar = finnish_calendar()

    response = api_as(manager).post(f"calendars/{calendar.pk}/{path}", body)

    assert response.status_code in (409, 422), (response.status_code, response.content[:200])
    assert response.json()["code"] in ("calendars.no_open_time", "core.invalid_input")
