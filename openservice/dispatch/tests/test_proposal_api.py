"""The proposals API: /dispatch/optimize, reading, accepting (200 with the appointments; 409
with the changes when stale) and discarding, with the role matrix and the refusals' codes."""

from datetime import UTC
from decimal import Decimal

import pytest

from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.tests.factories import MONDAY, appointment, at, order, technician
from openservice.orders.models import ServiceOrder

HOME = {"home_latitude": Decimal("60.169900"), "home_longitude": Decimal("24.938400")}
DAY = MONDAY.isoformat()


def z(hour: int, minute: int = 0) -> str:
    return at(hour, minute).astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def anna(db):
    return technician(name="Anna", **HOME)


def optimize(client, **body):
    return client.post(
        "dispatch/optimize",
        {"date_from": DAY, "date_to": DAY, "time_limit_seconds": 2, **body},
    )


def test_optimize_returns_the_proposal_and_changes_nothing(api_as, dispatcher, anna):
    job = order(by=dispatcher)

    response = optimize(api_as(dispatcher))

    assert response.status_code == 200, response.content
    body = response.json()
    proposal = Proposal.objects.get()
    assert body["id"] == proposal.pk
    assert body["status"] == "open"
    assert body["assignments"] == [
        {
            "order_id": job.pk,
            "technician_id": anna.pk,
            "starts_at": z(8),
            "ends_at": z(9),
            "travel_minutes": 0,
            "appointment_id": None,
        }
    ]
    assert (body["unassigned"], body["travel_minutes"], body["late_minutes"]) == ([], 0, 0)
    assert Appointment.objects.count() == 0
    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "new"


def test_get_accept_and_the_closed_refusal(api_as, dispatcher, anna):
    job = order(by=dispatcher)
    client = api_as(dispatcher)
    proposal_id = optimize(client).json()["id"]

    assert client.get(f"dispatch/proposals/{proposal_id}").json()["status"] == "open"
    response = client.post(f"dispatch/proposals/{proposal_id}/accept")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["proposal"]["status"] == "accepted"
    [booked] = body["appointments"]
    made = Appointment.objects.get()
    assert booked["appointment"]["id"] == made.pk
    assert (booked["appointment"]["order_id"], booked["appointment"]["status"]) == (
        job.pk,
        "confirmed",
    )
    assert booked["warnings"] == []

    again = client.post(f"dispatch/proposals/{proposal_id}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "dispatch.proposal_closed")
    assert Appointment.objects.count() == 1


def test_a_stale_proposal_is_refused_with_the_changes_listed(api_as, dispatcher, anna):
    order(by=dispatcher)
    client = api_as(dispatcher)
    proposal_id = optimize(client).json()["id"]
    other = order(by=dispatcher)
    appointment(by=dispatcher, order=other, technician=anna, starts_at=at(13), ends_at=at(14))

    response = client.post(f"dispatch/proposals/{proposal_id}/accept")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "dispatch.proposal_stale"
    assert body["details"] == [
        {
            "code": "schedule_changed",
            "message": "The technician's appointments changed after the plan was proposed.",
            "technician_id": anna.pk,
        }
    ]
    assert Appointment.objects.count() == 1
    assert Proposal.objects.get().status == "open"


def test_discard(api_as, dispatcher, anna):
    order(by=dispatcher)
    client = api_as(dispatcher)
    proposal_id = optimize(client).json()["id"]

    response = client.post(f"dispatch/proposals/{proposal_id}/discard")

    assert (response.status_code, response.json()["status"]) == (200, "discarded")
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"date_to": "2027-02-28"}, "dispatch.empty_range", "date_to"),
        ({"date_to": "2027-03-15"}, "dispatch.range_too_long", "date_to"),
        ({"time_limit_seconds": 61}, "dispatch.time_limit_too_long", "time_limit_seconds"),
        ({"time_limit_seconds": 0}, "core.invalid_input", "time_limit_seconds"),
        ({"technician_ids": [999999]}, "core.invalid_input", "technician_ids.0"),
        ({"order_ids": [999999]}, "core.invalid_input", "order_ids.0"),
        ({"date_from": "someday"}, "core.invalid_input", "date_from"),
    ],
)
def test_bad_input_is_refused_with_its_code(api_as, dispatcher, anna, body, code, field):
    order(by=dispatcher)

    response = optimize(api_as(dispatcher), **body)

    assert response.status_code == 422
    assert response.json()["code"] == code
    assert list(response.json()["details"]["fields"]) == [field]
    assert Proposal.objects.count() == 0


def test_no_technicians_is_a_conflict(api_as, dispatcher, anna):
    response = optimize(api_as(dispatcher), technician_ids=[])

    assert (response.status_code, response.json()["code"]) == (409, "dispatch.no_technicians")
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "propose", "read", "decide"),
    [
        ("manager", 200, 200, 200),
        ("dispatcher", 200, 200, 200),
        ("administrator", 403, 200, 403),
        ("technician_user", 403, 403, 403),
        ("customer_user", 403, 403, 403),
        (None, 401, 401, 401),
    ],
)
def test_role_matrix(request, api_as, dispatcher, anna, who, propose, read, decide):
    order(by=dispatcher)
    proposal_id = optimize(api_as(dispatcher)).json()["id"]
    client = api_as(request.getfixturevalue(who) if who else None)

    assert optimize(client).status_code == propose
    assert client.get(f"dispatch/proposals/{proposal_id}").status_code == read
    assert client.post(f"dispatch/proposals/{proposal_id}/discard").status_code == decide
    accepted = client.post(f"dispatch/proposals/{proposal_id}/accept")
    if decide == 200:  # discarded just before: closed
        assert (accepted.status_code, accepted.json()["code"]) == (409, "dispatch.proposal_closed")
        assert Proposal.objects.get(pk=proposal_id).status == "discarded"
    else:
        assert accepted.status_code == decide
        assert Proposal.objects.get(pk=proposal_id).status == "open"
    assert Appointment.objects.count() == 0
