"""Technicians' iCalendar feeds: the pure writer (parses back, stable UIDs, UTC instants, text
round trips), the token services (made once, reset locks out the old one, who may), and the
feed over HTTP (exactly the technician's appointments, every wrong address the same 404)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from openservice.core.errors import NotFound, PermissionDenied
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.dispatch import feeds, services
from openservice.dispatch.models import Appointment, CalendarFeed
from openservice.dispatch.services.feeds import feed_reset, feed_token
from openservice.dispatch.tests.factories import HELSINKI, appointment, at, order, technician
from openservice.workforce.models import Technician

S = Appointment.Status
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=HELSINKI)


def row(id=1, **fields) -> feeds.FeedAppointment:
    values = {
        "starts_at": T0,
        "ends_at": T0 + timedelta(hours=1),
        "status": "confirmed",
        "created_at": datetime(2027, 2, 20, 12, 0, tzinfo=UTC),
        "updated_at": datetime(2027, 2, 21, 12, 30, tzinfo=UTC),
        "order_number": "WO000042",
        "customer_name": "Kone Oy",
    }
    return feeds.FeedAppointment(id=id, **{**values, **fields})


def parsed(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


# -- The pure writer -----------------------------------------------------------------------------


def test_one_event_per_appointment_in_utc_with_its_uid():
    body = feeds.calendar_feed(
        "Anna Virtanen",
        [
            row(
                7,
                description="Lift 2 stops between floors",
                note="Gate code 1234",
                address="Keilasatama 3",
                postcode="02150",
                city="Espoo",
                latitude=Decimal("60.175600"),
                longitude=Decimal("24.827900"),
            ),
            row(8, starts_at=T0 + timedelta(days=1), ends_at=T0 + timedelta(days=1, hours=2)),
        ],
    )

    calendar = parsed(body)
    assert (str(calendar["version"]), str(calendar["prodid"])) == ("2.0", feeds.PRODID)
    assert str(calendar["x-wr-calname"]) == "Anna Virtanen"
    found = events(calendar)
    assert list(found) == ["appointment-7@openservice", "appointment-8@openservice"]
    first = found["appointment-7@openservice"]
    assert first["dtstart"].to_ical() == b"20270301T070000Z"
    assert first["dtend"].to_ical() == b"20270301T080000Z"
    assert first.decoded("dtstart") == datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    assert str(first["summary"]) == "WO000042 · Kone Oy"
    assert str(first["location"]) == "Keilasatama 3, 02150 Espoo"
    assert str(first["description"]) == "Lift 2 stops between floors\n\nGate code 1234"
    assert first["geo"].latitude == pytest.approx(60.1756)
    assert first["geo"].longitude == pytest.approx(24.8279)
    assert str(first["status"]) == "CONFIRMED"
    assert first["dtstamp"].to_ical() == b"20270221T123000Z"
    assert first["last-modified"].to_ical() == b"20270221T123000Z"
    assert first["created"].to_ical() == b"20270220T120000Z"
    second = found["appointment-8@openservice"]
    assert second["dtend"].to_ical() == b"20270302T090000Z"
    assert not {"LOCATION", "GEO", "DESCRIPTION"} & set(second)


@pytest.mark.parametrize(
    "status, shown",
    [
        ("tentative", "TENTATIVE"),
        ("confirmed", "CONFIRMED"),
        ("travelling", "CONFIRMED"),
        ("on_site", "CONFIRMED"),
        ("done", "CONFIRMED"),
    ],
)
def test_tentative_appointments_are_tentative_the_rest_confirmed(status, shown):
    event = parsed(feeds.calendar_feed("Anna", [row(status=status)])).walk("VEVENT")[0]

    assert str(event["status"]) == shown


def test_the_same_appointments_give_the_same_bytes():
    rows = [row(1), row(2, starts_at=T0 + timedelta(hours=2), ends_at=T0 + timedelta(hours=3))]

    assert feeds.calendar_feed("Anna", rows) == feeds.calendar_feed("Anna", list(rows))


def test_an_empty_feed_is_still_a_calendar():
    calendar = parsed(feeds.calendar_feed("Anna", []))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["refresh-interval"].to_ical(), "ascii") == "PT1H"


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        feeds.calendar_feed("Anna", [row(starts_at=datetime(2027, 3, 1, 9, 0))])


def test_form_line_breaks_and_control_characters_are_cleaned():
    body = feeds.calendar_feed("Anna", [row(description="Line 1\r\nLine 2\rLine 3\x07;, end\t.")])

    event = parsed(body).walk("VEVENT")[0]
    assert str(event["description"]) == "Line 1\nLine 2\nLine 3;, end\t."


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@given(number=TEXT, customer=TEXT, description=TEXT, address=TEXT, name=TEXT)
def test_any_text_reads_back_as_written(number, customer, description, address, name):
    appointment = row(
        order_number=number, customer_name=customer, description=description, address=address
    )

    calendar = parsed(feeds.calendar_feed(name, [appointment]))

    event = calendar.walk("VEVENT")[0]
    assert str(calendar["x-wr-calname"]) == feeds.one_line(name)
    assert str(event["summary"]) == feeds.summary(appointment)
    assert str(event.get("description", "")) == feeds.description(appointment)
    assert str(event.get("location", "")) == feeds.location(appointment)


# -- The token services --------------------------------------------------------------------------


@pytest.fixture
def anna(technician_user):
    return technician(user=technician_user, name="Anna")


@pytest.fixture
def bert(make_user):
    return technician(user=make_user(Role.TECHNICIAN, username="bert"), name="Bert")


@pytest.mark.django_db
def test_the_token_is_made_once_long_and_random(anna, bert, manager):
    first = feed_token(anna, by=anna.user)
    again = feed_token(anna, by=manager)
    berts = feed_token(technician=bert, by=bert.user)

    assert again.pk == first.pk and again.token == first.token
    assert len(first.token) >= 43 and first.token != berts.token
    assert list(
        AuditEvent.objects.filter(verb="calendar_feed.created")
        .order_by("pk")
        .values_list("object_id", "data")
    ) == [(str(first.pk), {"technician_id": anna.pk}), (str(berts.pk), {"technician_id": bert.pk})]


@pytest.mark.django_db
def test_a_reset_gives_a_new_token(anna, dispatcher):
    old = feed_token(anna, by=anna.user).token

    reset = feed_reset(anna, by=dispatcher)
    made = feed_reset(technician(name="No feed yet"), by=dispatcher)

    assert reset.token != old and len(reset.token) >= 43
    assert CalendarFeed.objects.get(technician=anna).token == reset.token
    assert made.token
    assert AuditEvent.objects.filter(verb="calendar_feed.reset").count() == 2
    assert old not in str(list(AuditEvent.objects.values_list("data", flat=True)))


@pytest.mark.django_db
@pytest.mark.parametrize("action", [feed_token, feed_reset])
@pytest.mark.parametrize(
    "who, refusal",
    [
        ("bert", NotFound),  # another technician: not there for them
        ("administrator", PermissionDenied),
        ("customer_user", PermissionDenied),
        ("unlinked_technician", NotFound),  # a technician login with no technician record
    ],
)
def test_only_the_technician_or_a_planner_has_the_token(
    action, who, refusal, anna, bert, make_user, request
):
    if who == "bert":
        user = bert.user
    elif who == "unlinked_technician":
        user = make_user(Role.TECHNICIAN, username="nobody")
    else:
        user = request.getfixturevalue(who)

    with pytest.raises(refusal):
        action(anna, by=user)

    assert not CalendarFeed.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="calendar_feed.").exists()


# -- The feed over HTTP --------------------------------------------------------------------------


def feed_path(api, person) -> str:
    """The feed's address as the API gives it, less the host."""
    response = api.get(f"technicians/{person.pk}/calendar-feed")
    assert response.status_code == 200, response.content
    url = urlsplit(response.json()["url"])
    return f"{url.path}?{url.query}"


def shifted(made: Appointment, start: datetime, *, status=None) -> Appointment:
    """Move an appointment into the past (services only book working time ahead)."""
    start = start.replace(microsecond=0)  # iCalendar counts whole seconds
    changes = {"starts_at": start, "ends_at": start + timedelta(hours=1)}
    if status:
        changes["status"] = status
    Appointment.objects.filter(pk=made.pk).update(**changes)
    made.refresh_from_db()
    return made


@pytest.mark.django_db
def test_the_feed_holds_exactly_the_technicians_appointments(anna, bert, dispatcher, api_as):
    site = SiteFactory(
        customer=CustomerFactory(name="Kone Oy"),
        address="Keilasatama 3",
        postcode="02150",
        city="Espoo",
    )
    job = order(by=dispatcher, site=site, description="Lift 2 stops between floors")
    monday = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))

    def annas(day, **fields):
        return appointment(
            by=dispatcher,
            order=order(by=dispatcher),
            technician=anna,
            starts_at=at(9, day=day),
            ends_at=at(10, day=day),
            **fields,
        )

    tentative = annas(1, status="tentative")
    cancelled = annas(2)
    services.appointment_cancel(appointment=cancelled, by=dispatcher)
    now = timezone.now()
    done = shifted(annas(3), now - timedelta(days=10), status=S.DONE)
    recent = shifted(annas(4), now - timedelta(days=29))
    too_old = shifted(annas(4), now - timedelta(days=31))
    appointment(  # bert's at the same time as anna's: not in her feed
        by=dispatcher, order=order(by=dispatcher), technician=bert, starts_at=at(9), ends_at=at(10)
    )

    response = api_as(None).get(feed_path(api_as(anna.user), anna))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parsed(response.content)
    assert str(calendar["x-wr-calname"]) == "Anna"
    found = events(calendar)
    assert set(found) == {feeds.uid(made.pk) for made in (monday, tentative, done, recent)}, (
        f"cancelled {cancelled.pk} and too old {too_old.pk} are left out"
    )
    event = found[feeds.uid(monday.pk)]
    assert event["dtstart"].to_ical() == b"20270301T070000Z"
    assert event["dtend"].to_ical() == b"20270301T080000Z"
    assert str(event["summary"]) == f"{job.number} · Kone Oy"
    assert str(event["location"]) == "Keilasatama 3, 02150 Espoo"
    assert str(event["description"]) == "Lift 2 stops between floors"
    assert str(event["status"]) == "CONFIRMED"
    assert str(found[feeds.uid(tentative.pk)]["status"]) == "TENTATIVE"
    assert found[feeds.uid(done.pk)].decoded("dtstart") == done.starts_at.astimezone(UTC)


@pytest.mark.django_db
def test_a_moved_appointment_keeps_its_event(anna, dispatcher, api_as):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    path = feed_path(api_as(anna.user), anna)
    services.appointment_move(appointment=made, starts_at=at(13), ends_at=at(14), by=dispatcher)

    found = events(parsed(api_as(None).get(path).content))

    assert list(found) == [feeds.uid(made.pk)]
    assert found[feeds.uid(made.pk)]["dtstart"].to_ical() == b"20270301T110000Z"


@pytest.mark.django_db
def test_every_wrong_address_is_the_same_404(anna, bert, dispatcher, api_as):
    path = feed_path(api_as(anna.user), anna)
    token = path.split("token=")[1]
    bert_path = feed_path(api_as(bert.user), bert)
    retired = technician(name="Retired")
    retired_path = feed_path(api_as(dispatcher), retired)
    Technician.objects.filter(pk=retired.pk).update(is_active=False)
    anonymous = api_as(None)

    answers = [
        anonymous.get(f"/api/v1/technicians/{anna.pk}/calendar.ics?token=wrong"),
        anonymous.get(f"/api/v1/technicians/{anna.pk}/calendar.ics"),
        anonymous.get(f"/api/v1/technicians/{anna.pk}/calendar.ics?token="),
        anonymous.get(f"/api/v1/technicians/{anna.pk}/calendar.ics?token={token}x"),
        anonymous.get(f"/api/v1/technicians/{anna.pk}/calendar.ics?token=%C3%A4%00"),
        anonymous.get(f"/api/v1/technicians/{bert.pk}/calendar.ics?token={token}"),  # not bert's
        anonymous.get(f"/api/v1/technicians/999999999/calendar.ics?token={token}"),
        anonymous.get(f"/api/v1/technicians/{technician(name='No feed').pk}/calendar.ics"),
        anonymous.get(retired_path),  # an inactive technician's feed stops
    ]

    assert {(answer.status_code, answer.content) for answer in answers} == {
        (404, b'{"code": "core.not_found", "message": "Not found.", "details": {}}')
    }
    assert anonymous.get(path).status_code == 200
    assert anonymous.get(bert_path).status_code == 200


@pytest.mark.django_db
def test_a_reset_locks_out_the_old_address(anna, api_as):
    api = api_as(anna.user)
    old = feed_path(api, anna)

    reset = api.post(f"technicians/{anna.pk}/calendar-feed/reset")

    assert reset.status_code == 200, reset.content
    new = urlsplit(reset.json()["url"])
    assert api_as(None).get(old).status_code == 404
    assert api_as(None).get(f"{new.path}?{new.query}").status_code == 200
    assert feed_path(api, anna) == f"{new.path}?{new.query}"


@pytest.mark.django_db
def test_the_feed_address_by_own_login_only(
    anna, bert, dispatcher, administrator, customer_user, api_as
):
    own = feed_path(api_as(anna.user), anna)

    assert feed_path(api_as(dispatcher), anna) == own  # planners hand it out too
    assert api_as(anna.user).get(f"technicians/{bert.pk}/calendar-feed").status_code == 404
    assert api_as(anna.user).post(f"technicians/{bert.pk}/calendar-feed/reset").status_code == 404
    assert api_as(administrator).get(f"technicians/{anna.pk}/calendar-feed").status_code == 403
    assert api_as(customer_user).get(f"technicians/{anna.pk}/calendar-feed").status_code == 403
    assert api_as(None).get(f"technicians/{anna.pk}/calendar-feed").status_code == 401
    assert api_as(dispatcher).get("technicians/999999999/calendar-feed").status_code == 404
    assert not CalendarFeed.objects.filter(technician=bert).exists()
    url = api_as(anna.user).get(f"technicians/{anna.pk}/calendar-feed").json()
    assert url["url"].startswith("http://testserver/api/v1/technicians/")
    assert url["webcal_url"] == url["url"].replace("http://", "webcal://", 1)
