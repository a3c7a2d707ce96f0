"""The /api/v1 appointments and calendar-feed addresses: the role matrix on every operation
(nothing written on a refusal; a technician reads and reports on their own appointments only,
someone else's is not found), the exact output of an appointment, conflicts as 409 with their
list, warnings in the body, each refusal's code with nothing changed, filters and pages."""

from datetime import UTC

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.catalog.tests.factories import ServiceTaskFactory, TaskSkillFactory
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.dispatch import services
from openservice.dispatch.models import Appointment, CalendarFeed
from openservice.dispatch.services.feeds import feed_token
from openservice.dispatch.tests.factories import appointment, at, order, technician
from openservice.orders import services as orders
from openservice.orders.models import ServiceOrder
from openservice.orders.tests.factories import order_in_stage, stage
from openservice.workforce.models import Technician
from openservice.workforce.tests.factories import SkillFactory

pytestmark = pytest.mark.django_db

S = Appointment.Status


def instant(value) -> str:
    """An instant as the API writes it (in UTC)."""
    return DjangoJSONEncoder().default(value.astimezone(UTC))


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


def everything() -> tuple:
    """Every appointment, feed, order stage and business audit event, to show that a refused
    request wrote nothing."""
    return (
        list(Appointment.objects.order_by("pk").values()),
        list(CalendarFeed.objects.order_by("pk").values()),
        list(ServiceOrder.objects.order_by("pk").values_list("pk", "stage_id", "version")),
        list(
            AuditEvent.objects.exclude(verb__startswith="api_token.")
            .order_by("pk")
            .values_list("verb", "object_id")
        ),
    )


@pytest.fixture
def anna(technician_user):
    """The technician of the `technician_user` login."""
    return technician(user=technician_user, name="Anna")


@pytest.fixture
def bert(make_user):
    return technician(user=make_user(Role.TECHNICIAN, username="bert"), name="Bert")


def booked(by, person, start=None, end=None, **fields) -> Appointment:
    """An appointment of `person` (9-10 on Monday unless given) for a new order."""
    return appointment(
        by=by,
        order=order(by=by),
        technician=person,
        starts_at=start or at(9),
        ends_at=end or at(10),
        **fields,
    )


# -- The role matrix -----------------------------------------------------------------------------

ACTORS = [
    "anonymous",
    "customer",
    "technician",  # on their own appointment or feed
    "technician_other",  # on another technician's
    "dispatcher",
    "manager",
    "administrator",
]
READ = (401, 403, 200, 404, 200, 200, 200)
LIST = (401, 403, 200, 200, 200, 200, 200)
PLAN = (401, 403, 403, 403, 200, 200, 403)
CREATE = (401, 403, 403, 403, 201, 201, 403)
REPORT = (401, 403, 200, 404, 200, 200, 403)
FEED = (401, 403, 200, 404, 200, 200, 403)
ICS = (200,) * len(ACTORS)  # the token is the key: no login needed, any login ignored
# operation id: (statuses in ACTORS order, the permission a refusal names)
MATRIX = {
    "list_appointments": (LIST, "view_appointment"),
    "get_appointment": (READ, "view_appointment"),
    "create_appointment": (CREATE, "add_appointment"),
    "update_appointment": (PLAN, "add_appointment"),
    "move_appointment": (PLAN, "add_appointment"),
    "cancel_appointment": (PLAN, "add_appointment"),
    "set_appointment_status": (REPORT, "change_appointment"),
    "get_technician_calendar_feed": (FEED, "change_calendarfeed"),
    "reset_technician_calendar_feed": (FEED, "change_calendarfeed"),
    "get_technician_calendar_ics": (ICS, None),
}


@pytest.fixture
def user_of(request):
    def get(actor):
        if actor == "anonymous":
            return None
        fixture = {
            "customer": "customer_user",
            "technician": "technician_user",
            "technician_other": "technician_user",
        }.get(actor, actor)
        return request.getfixturevalue(fixture)

    return get


def request_for(operation: str, person: Technician, manager) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it, on
    `person`'s appointment (9-10) or feed."""
    if operation == "list_appointments":
        booked(manager, person)
        return "get", "appointments", None
    if operation == "create_appointment":
        job = order(by=manager)
        body = {
            "order_id": job.pk,
            "technician_id": person.pk,
            "starts_at": at(11).isoformat(),
            "ends_at": at(12).isoformat(),
        }
        return "post", "appointments", body
    feed = f"technicians/{person.pk}"
    if operation == "get_technician_calendar_feed":
        return "get", f"{feed}/calendar-feed", None
    if operation == "reset_technician_calendar_feed":
        return "post", f"{feed}/calendar-feed/reset", None
    if operation == "get_technician_calendar_ics":
        token = feed_token(person, by=manager).token
        return "get", f"{feed}/calendar.ics?token={token}", None
    made = booked(manager, person)
    path = f"appointments/{made.pk}"
    return {
        "get_appointment": ("get", path, None),
        "update_appointment": ("patch", path, {"is_pinned": True, "note": "Gate 12"}),
        "move_appointment": (
            "post",
            f"{path}/move",
            {"starts_at": at(13).isoformat(), "ends_at": at(14).isoformat()},
        ),
        "cancel_appointment": ("post", f"{path}/cancel", None),
        "set_appointment_status": ("post", f"{path}/status", {"status": "travelling"}),
    }[operation]


def _feed_url(body, person) -> bool:
    token = CalendarFeed.objects.get(technician=person).token
    url = f"http://testserver/api/v1/technicians/{person.pk}/calendar.ics?token={token}"
    return body == {"url": url, "webcal_url": url.replace("http://", "webcal://")}


# What a successful answer shows, per operation, for `person`'s appointment or feed.
SUCCESS = {
    "get_appointment": lambda body, person: (
        (body["technician_id"], body["status"]) == (person.pk, "confirmed")
    ),
    "create_appointment": lambda body, person: (
        (body["appointment"]["technician_id"], body["appointment"]["starts_at"], body["warnings"])
        == (person.pk, instant(at(11)), [])
    ),
    "update_appointment": lambda body, person: (
        (body["is_pinned"], body["note"]) == (True, "Gate 12")
    ),
    "move_appointment": lambda body, person: (
        (body["appointment"]["starts_at"], body["appointment"]["ends_at"], body["warnings"])
        == (instant(at(13)), instant(at(14)), [])
    ),
    "cancel_appointment": lambda body, person: (
        body["status"] == "cancelled" and body["cancelled_at"] is not None
    ),
    "set_appointment_status": lambda body, person: (
        (body["appointment"]["status"], body["warnings"]) == ("travelling", [])
    ),
    "get_technician_calendar_feed": _feed_url,
    "reset_technician_calendar_feed": _feed_url,
}


def send(api, method, path, body):
    if method == "get":
        return api.get(path)
    return getattr(api, method)(path, body)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_every_dispatch_operation(
    operation, actor, user_of, anna, bert, manager, api_as
):
    user = user_of(actor)
    person = bert if actor == "technician_other" else anna
    method, path, body = request_for(operation, person, manager)
    booked(manager, bert, at(9, day=1), at(10, day=1))  # someone else's, never listed for anna
    api = api_as(user)
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
            "details": {"perm": f"dispatch.{perm}"},
        }
    elif status == 404:
        assert response.json()["code"] == "core.not_found"
    if status >= 400:
        assert everything() == before
        return
    if operation == "get_technician_calendar_ics":
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert b"BEGIN:VCALENDAR" in response.content
    elif operation == "list_appointments":  # staff see both of bert's; anna only her own
        own = {"technician": [anna.pk], "technician_other": []}
        expected = own.get(actor, [person.pk, bert.pk])
        assert [row["technician_id"] for row in response.json()["items"]] == expected
    else:
        assert SUCCESS[operation](response.json(), person), response.json()
    if operation == "get_technician_calendar_feed":  # made on first use
        assert CalendarFeed.objects.filter(technician=person).exists()
    elif method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_appointment_and_feed_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/appointments")
        or (path.startswith("/api/v1/technicians") and "/calendar" in path)
        for operation in item.values()
    }
    assert operations == set(MATRIX)


# -- Reading -------------------------------------------------------------------------------------


def test_an_appointment_with_exactly_its_documented_fields(dispatcher, anna, api_as):
    customer = CustomerFactory(name="Kone Oy")
    site = SiteFactory(
        customer=customer,
        name="Head office",
        address="Keilasatama 3",
        postcode="02150",
        city="Espoo",
    )
    job = order(by=dispatcher, site=site, description="Lift 2 stops between floors")
    job.refresh_from_db()

    response = api_as(dispatcher).post(
        "appointments",
        {
            "order_id": job.pk,
            "technician_id": anna.pk,
            "starts_at": "2027-03-01T09:00:00+02:00",
            "ends_at": "2027-03-01T10:30:00+02:00",
            "is_pinned": True,
            "status": "tentative",
            "note": " Gate code 1234 ",
        },
    )

    assert response.status_code == 201, response.content
    made = Appointment.objects.get()
    assert response.json() == {
        "appointment": {
            "id": made.pk,
            "order_id": job.pk,
            "order_number": job.number,
            "order_description": "Lift 2 stops between floors",
            "priority": "normal",
            "customer_id": customer.pk,
            "customer_name": "Kone Oy",
            "site_id": site.pk,
            "site_name": "Head office",
            "site_address": "Keilasatama 3",
            "site_postcode": "02150",
            "site_city": "Espoo",
            "technician_id": anna.pk,
            "technician_name": "Anna",
            "starts_at": "2027-03-01T07:00:00Z",
            "ends_at": "2027-03-01T08:30:00Z",
            "status": "tentative",
            "is_pinned": True,
            "travel_minutes": 0,
            "note": "Gate code 1234",
            "created_at": instant(made.created_at),
            "updated_at": instant(made.updated_at),
            "cancelled_at": None,
        },
        "warnings": [],
    }
    assert made.created_by == dispatcher
    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "scheduled"
    got = api_as(dispatcher).get(f"appointments/{made.pk}")
    assert got.json() == response.json()["appointment"]


def test_a_technician_lists_only_their_own_appointments(dispatcher, anna, bert, api_as):
    annas = [booked(dispatcher, anna, at(9, day=day), at(10, day=day)) for day in (1, 0)]
    berts = booked(dispatcher, bert)

    mine = api_as(anna.user).get("appointments")
    others = api_as(anna.user).get("appointments", {"technician_id": bert.pk})
    one_of_berts = api_as(anna.user).get(f"appointments/{berts.pk}")

    assert mine.json()["count"] == 2
    assert [row["id"] for row in mine.json()["items"]] == [annas[1].pk, annas[0].pk]
    assert others.json() == {"items": [], "count": 0}
    assert error_of(one_of_berts) == (404, "core.not_found")


def test_filters_and_pages(dispatcher, anna, bert, api_as):
    job = order(by=dispatcher)
    monday = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))
    tuesday = booked(dispatcher, anna, at(9, day=1), at(10, day=1), status="tentative")
    wednesday = booked(dispatcher, bert, at(9, day=2), at(10, day=2))
    cancelled = booked(dispatcher, bert, at(11, day=2), at(12, day=2))
    services.appointment_cancel(appointment=cancelled, by=dispatcher)
    api = api_as(dispatcher)

    def ids(**params):
        response = api.get("appointments", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["items"]]

    assert ids() == [monday.pk, tuesday.pk, wednesday.pk, cancelled.pk]
    assert ids(technician_id=anna.pk) == [monday.pk, tuesday.pk]
    assert ids(order_id=job.pk) == [monday.pk]
    assert ids(date_from="2027-03-02") == [tuesday.pk, wednesday.pk, cancelled.pk]
    assert ids(date_to="2027-03-02") == [monday.pk, tuesday.pk]
    assert ids(date_from="2027-03-02", date_to="2027-03-02") == [tuesday.pk]
    assert ids(status="tentative") == [tuesday.pk]
    assert ids(status="cancelled", technician_id=bert.pk) == [cancelled.pk]
    assert ids(date_from="2027-03-05") == []
    page = api.get("appointments", {"limit": 2, "offset": 1}).json()
    assert ([row["id"] for row in page["items"]], page["count"]) == (
        [tuesday.pk, wednesday.pk],
        4,
    )
    assert field_errors(api.get("appointments", {"status": "lost"})).keys() == {"status"}
    assert field_errors(api.get("appointments", {"date_from": "2027-02-30"})).keys() == {
        "date_from"
    }


def test_a_page_of_many_costs_the_queries_of_a_page_of_one(dispatcher, anna, bert, api_as):
    api = api_as(dispatcher)
    booked(dispatcher, anna)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("appointments").status_code == 200
        return len(captured)

    queries()  # the first request of a login caches its permissions
    one = queries()
    for day in range(1, 5):
        booked(dispatcher, anna, at(9, day=day), at(10, day=day))
        booked(dispatcher, bert, at(9, day=day), at(10, day=day))

    assert queries() == one


# -- Creating, moving, editing: conflicts, warnings and refusals --------------------------------


def test_an_overlap_answers_409_with_the_list_of_conflicts(dispatcher, anna, api_as):
    first = booked(dispatcher, anna)
    job = order(by=dispatcher)
    before = everything()

    response = api_as(dispatcher).post(
        "appointments",
        {
            "order_id": job.pk,
            "technician_id": anna.pk,
            "starts_at": at(9, 30).isoformat(),
            "ends_at": at(10, 30).isoformat(),
        },
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "dispatch.conflict",
        "message": "The appointment conflicts with the technician's schedule or the order.",
        "details": [
            {
                "code": "overlap",
                "message": "The technician has another appointment at that time.",
                "appointment_ids": [first.pk],
            }
        ],
    }
    assert everything() == before


def test_every_conflict_of_a_move_is_listed(dispatcher, anna, api_as):
    first = booked(dispatcher, anna)
    second = booked(dispatcher, anna, at(11), at(12))
    window = (at(10), at(14))
    ServiceOrder.objects.filter(pk=second.order_id).update(
        requested_start=window[0], requested_end=window[1]
    )
    before = everything()

    response = api_as(dispatcher).post(
        f"appointments/{second.pk}/move",
        {"starts_at": at(7, 30).isoformat(), "ends_at": at(9, 30).isoformat()},
    )

    assert error_of(response) == (409, "dispatch.conflict")
    assert response.json()["details"] == [
        {
            "code": "overlap",
            "message": "The technician has another appointment at that time.",
            "appointment_ids": [first.pk],
        },
        {
            "code": "outside_working_time",
            "message": "The appointment is outside the technician's working time.",
        },
        {
            "code": "outside_requested_window",
            "message": "The appointment is outside the order's requested window.",
            "requested_start": "2027-03-01T08:00:00+00:00",
            "requested_end": "2027-03-01T12:00:00+00:00",
        },
    ]
    assert everything() == before


def _skilled_order(dispatcher):
    """An order whose task needs ELEC at level 3."""
    task = ServiceTaskFactory()
    TaskSkillFactory(task=task, skill=SkillFactory(code="ELEC"), min_level=3)
    return order(by=dispatcher, tasks=[task])


MISSING_ELEC = {
    "code": "missing_skill",
    "message": "The technician lacks a required skill at the required level.",
    "skill": "ELEC",
    "required_level": 3,
    "level": None,
}


def test_warnings_come_back_in_the_body_of_a_create(dispatcher, anna, api_as):
    job = _skilled_order(dispatcher)

    response = api_as(dispatcher).post(
        "appointments",
        {
            "order_id": job.pk,
            "technician_id": anna.pk,
            "starts_at": at(9).isoformat(),
            "ends_at": at(10).isoformat(),
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["warnings"] == [MISSING_ELEC]
    assert Appointment.objects.get().technician == anna


def test_a_move_to_another_technician_warns_and_moves(dispatcher, api_as):
    skilled = technician(name="Sähkö", skills={"ELEC": 3})
    other = technician(name="Other")
    made = appointment(
        by=dispatcher,
        order=_skilled_order(dispatcher),
        technician=skilled,
        starts_at=at(9),
        ends_at=at(10),
    )

    response = api_as(dispatcher).post(
        f"appointments/{made.pk}/move",
        {
            "starts_at": at(10).isoformat(),
            "ends_at": at(11).isoformat(),
            "technician_id": other.pk,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["warnings"] == [MISSING_ELEC]
    assert (body["appointment"]["technician_id"], body["appointment"]["technician_name"]) == (
        other.pk,
        "Other",
    )
    made.refresh_from_db()
    assert (made.technician, made.starts_at, made.ends_at) == (other, at(10), at(11))
    assert AuditEvent.objects.filter(verb="appointment.moved", object_id=made.pk).count() == 1


def test_status_warnings_come_back_in_the_body(dispatcher, anna, api_as):
    # Put back to `new`, the order has no way from there to in progress.
    made = booked(dispatcher, anna)
    orders.order_change_stage(order=made.order, to=stage("new"), by=dispatcher)

    response = api_as(anna.user).post(f"appointments/{made.pk}/status", {"status": "on_site"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["appointment"]["status"] == "on_site"
    assert [(w["code"], w["to_category"], w["reason"]) for w in body["warnings"]] == [
        ("order_stage_unchanged", "in_progress", "orders.invalid_transition")
    ]


def test_a_technician_reports_their_visit_through_to_done(dispatcher, anna, api_as):
    job = order(by=dispatcher, preferred_technician=anna)
    made = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))
    api = api_as(anna.user)

    for step in ("travelling", "on_site", "done"):
        response = api.post(f"appointments/{made.pk}/status", {"status": step})
        assert response.status_code == 200, response.content
        assert (response.json()["appointment"]["status"], response.json()["warnings"]) == (
            step,
            [],
        )

    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "completed"


def test_pin_and_note_are_changed_separately(dispatcher, anna, api_as):
    made = booked(dispatcher, anna, note="Ring twice")
    api = api_as(dispatcher)

    pinned = api.patch(f"appointments/{made.pk}", {"is_pinned": True})
    noted = api.patch(f"appointments/{made.pk}", {"note": "  Ask for Matti "})
    audited = AuditEvent.objects.filter(verb="appointment.updated", object_id=made.pk)
    count = audited.count()
    unchanged = api.patch(f"appointments/{made.pk}", {"note": "Ask for Matti"})

    assert (pinned.json()["is_pinned"], pinned.json()["note"]) == (True, "Ring twice")
    assert (noted.json()["is_pinned"], noted.json()["note"]) == (True, "Ask for Matti")
    assert unchanged.status_code == 200
    assert [event.data for event in audited.order_by("pk")] == [
        {"fields": ["is_pinned"], "is_pinned": True},
        {"fields": ["note"]},
    ]
    assert count == audited.count() == 2
    made.refresh_from_db()
    assert (made.is_pinned, made.note, made.starts_at) == (True, "Ask for Matti", at(9))
    assert field_errors(api.patch(f"appointments/{made.pk}", {"is_pinned": None})).keys() == {
        "is_pinned"
    }


def test_cancelling_frees_the_time(dispatcher, anna, api_as):
    made = booked(dispatcher, anna)
    api = api_as(dispatcher)

    cancelled = api.post(f"appointments/{made.pk}/cancel")
    again = api.post(
        "appointments",
        {
            "order_id": order(by=dispatcher).pk,
            "technician_id": anna.pk,
            "starts_at": at(9).isoformat(),
            "ends_at": at(10).isoformat(),
        },
    )

    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert again.status_code == 201, again.content


def test_a_retried_create_with_an_idempotency_key_books_once(dispatcher, anna, api_as):
    body = {
        "order_id": order(by=dispatcher).pk,
        "technician_id": anna.pk,
        "starts_at": at(9).isoformat(),
        "ends_at": at(10).isoformat(),
    }
    api = api_as(dispatcher)

    first = api.post("appointments", body, **{"Idempotency-Key": "book-anna-1"})
    second = api.post("appointments", body, **{"Idempotency-Key": "book-anna-1"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert Appointment.objects.count() == 1


def _create_body(job, person, start=None, end=None, **fields) -> dict:
    return {
        "order_id": job.pk,
        "technician_id": person.pk,
        "starts_at": (start or at(9)).isoformat(),
        "ends_at": (end or at(10)).isoformat(),
        **fields,
    }


def test_unknown_ids_are_field_errors_and_write_nothing(dispatcher, anna, api_as):
    job = order(by=dispatcher)
    made = booked(dispatcher, anna, at(11), at(12))
    api = api_as(dispatcher)
    before = everything()
    message = ["No such record is visible to you."]

    no_order = api.post("appointments", {**_create_body(job, anna), "order_id": 10**9})
    no_technician = api.post("appointments", {**_create_body(job, anna), "technician_id": 10**9})
    bad_move = api.post(
        f"appointments/{made.pk}/move",
        {"starts_at": at(13).isoformat(), "ends_at": at(14).isoformat(), "technician_id": 10**9},
    )

    assert field_errors(no_order) == {"order_id": message}
    assert field_errors(no_technician) == {"technician_id": message}
    assert field_errors(bad_move) == {"technician_id": message}
    assert error_of(api.get("appointments/999999999")) == (404, "core.not_found")
    assert error_of(api.post("appointments/999999999/cancel")) == (404, "core.not_found")
    assert everything() == before


def test_bad_instants_are_refused_with_422(dispatcher, anna, api_as):
    job = order(by=dispatcher)
    api = api_as(dispatcher)
    before = everything()

    naive = api.post(
        "appointments", {**_create_body(job, anna), "starts_at": "2027-03-01T09:00:00"}
    )
    backwards = api.post("appointments", _create_body(job, anna, at(10), at(9)))
    empty = api.post("appointments", _create_body(job, anna, at(9), at(9)))
    bad_status = api.post("appointments", _create_body(job, anna, status="travelling"))

    assert field_errors(naive).keys() == {"starts_at"}
    assert field_errors(backwards, "dispatch.ends_before_start") == {
        "ends_at": ["The appointment must end after it starts."]
    }
    assert field_errors(empty, "dispatch.ends_before_start").keys() == {"ends_at"}
    assert field_errors(bad_status).keys() == {"status"}
    assert everything() == before


def _inactive(dispatcher, anna):
    Technician.objects.filter(pk=anna.pk).update(is_active=False)
    return "post", "appointments", _create_body(order(by=dispatcher), anna)


def _closed_order(dispatcher, anna):
    job = order_in_stage("completed", by=dispatcher)
    return "post", "appointments", _create_body(job, anna)


def _not_movable(dispatcher, anna):
    made = booked(dispatcher, anna)
    Appointment.objects.filter(pk=made.pk).update(status=S.TRAVELLING)
    body = {"starts_at": at(11).isoformat(), "ends_at": at(12).isoformat()}
    return "post", f"appointments/{made.pk}/move", body


def _backwards_status(dispatcher, anna):
    made = booked(dispatcher, anna)
    Appointment.objects.filter(pk=made.pk).update(status=S.ON_SITE)
    return "post", f"appointments/{made.pk}/status", {"status": "travelling"}


def _skipped_status(dispatcher, anna):
    made = booked(dispatcher, anna)
    return "post", f"appointments/{made.pk}/status", {"status": "done"}


def _cancelled_by_status(dispatcher, anna):
    made = booked(dispatcher, anna)
    return "post", f"appointments/{made.pk}/status", {"status": "cancelled"}


def _cancel_twice(dispatcher, anna):
    made = booked(dispatcher, anna)
    services.appointment_cancel(appointment=made, by=dispatcher)
    return "post", f"appointments/{made.pk}/cancel", None


def _cancel_done(dispatcher, anna):
    made = booked(dispatcher, anna)
    Appointment.objects.filter(pk=made.pk).update(status=S.DONE)
    return "post", f"appointments/{made.pk}/cancel", None


@pytest.mark.parametrize(
    "situation, code",
    [
        (_inactive, "dispatch.technician_inactive"),
        (_closed_order, "dispatch.order_closed"),
        (_not_movable, "dispatch.not_movable"),
        (_backwards_status, "dispatch.invalid_status"),
        (_skipped_status, "dispatch.invalid_status"),
        (_cancelled_by_status, "dispatch.invalid_status"),
        (_cancel_twice, "dispatch.invalid_status"),
        (_cancel_done, "dispatch.invalid_status"),
    ],
)
def test_each_refusal_has_its_code_and_writes_nothing(situation, code, manager, anna, api_as):
    method, path, body = situation(manager, anna)
    before = everything()

    response = getattr(api_as(manager), method)(path, body)

    assert error_of(response) == (409, code), response.content
    assert response.json()["message"]
    assert everything() == before


def test_instants_keep_their_instant_whatever_the_offset(dispatcher, anna, api_as):
    body = _create_body(order(by=dispatcher), anna)
    body |= {"starts_at": "2027-03-01T07:00:00Z", "ends_at": "2027-03-01T13:00:00+05:00"}

    response = api_as(dispatcher).post("appointments", body)

    assert response.status_code == 201, response.content
    made = Appointment.objects.get()
    assert (made.starts_at, made.ends_at) == (at(9), at(10))
    assert response.json()["appointment"]["ends_at"] == "2027-03-01T08:00:00Z"
