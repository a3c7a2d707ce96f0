"""Plan proposals from the database: the problem built from orders, calendars and appointments,
the proposal stored without changing anything, accepting it (and refusing a stale one, with
nothing changed) and discarding it. Times are in the week of 2027-03-01 in Helsinki."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.catalog.tests.factories import ServiceTaskFactory, TaskSkillFactory
from openservice.core.errors import InvalidInput, PermissionDenied
from openservice.core.roles import Role
from openservice.customers.tests.factories import SiteFactory
from openservice.dispatch import services
from openservice.dispatch.errors import (
    AppointmentConflict,
    NoTechnicians,
    ProposalClosed,
    ProposalStale,
)
from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.tests.factories import (
    MONDAY,
    appointment,
    at,
    espoo_site,
    order,
    technician,
)
from openservice.orders import services as orders
from openservice.orders.models import ServiceOrder
from openservice.workforce.models import Skill
from openservice.workforce.tests.factories import SkillFactory

S = Appointment.Status
HOME = {"home_latitude": Decimal("60.169900"), "home_longitude": Decimal("24.938400")}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BEFORE_WORK = at(7)  # Monday 07:00 Helsinki: the whole day is ahead


def iso(hour: int, minute: int = 0, *, day: int = 0) -> str:
    """The proposal's spelling of a Helsinki wall-clock time (UTC, `Z`)."""
    instant = at(hour, minute, day=day).astimezone(UTC)
    return instant.isoformat().replace("+00:00", "Z")


def datetime_of(text: str) -> datetime:
    return datetime.fromisoformat(text)


def propose(by, **fields):
    fields.setdefault("date_from", MONDAY)
    fields.setdefault("date_to", MONDAY)
    fields.setdefault("time_limit_seconds", 2)
    fields.setdefault("now", BEFORE_WORK)
    return services.proposal_create(by=by, **fields)


@pytest.fixture
def anna(make_user):
    """A technician living at the sites' address (no travel), Mon-Fri 08:00-16:00."""
    return technician(user=make_user(Role.TECHNICIAN, username="anna"), name="Anna", **HOME)


def snapshot():
    return (
        list(Appointment.objects.values_list("pk", "technician_id", "starts_at", "status")),
        list(ServiceOrder.objects.values_list("pk", "stage__code", "version")),
    )


# Proposing


def test_a_proposal_plans_the_queue_and_changes_nothing(dispatcher, anna):
    first = order(by=dispatcher, priority="high")
    second = order(by=dispatcher)
    before = snapshot()

    proposal = propose(dispatcher)

    assert proposal.status == Proposal.Status.OPEN
    rows = proposal.result["assignments"]
    assert sorted(a["order_id"] for a in rows) == [first.pk, second.pk]
    assert [(a["technician_id"], a["starts_at"], a["ends_at"]) for a in rows] == [
        (anna.pk, iso(8), iso(9)),
        (anna.pk, iso(9), iso(10)),
    ]
    assert {(a["travel_minutes"], a["appointment_id"]) for a in rows} == {(0, None)}
    assert proposal.result["unassigned"] == []
    assert (proposal.travel_minutes, proposal.late_minutes) == (0, 0)
    assert snapshot() == before


def test_skills_are_respected(dispatcher, anna):
    bert = technician(name="Bert", skills={"GAS": 3}, **HOME)
    gas = ServiceTaskFactory(default_duration_minutes=90)
    TaskSkillFactory(task=gas, skill=Skill.objects.get(code="GAS"), min_level=3)
    job = order(by=dispatcher, tasks=[gas])

    proposal = propose(dispatcher)

    [assignment] = proposal.result["assignments"]
    assert (assignment["order_id"], assignment["technician_id"]) == (job.pk, bert.pk)
    assert (assignment["starts_at"], assignment["ends_at"]) == (iso(8), iso(9, 30))


def test_a_skill_level_below_the_need_leaves_the_job_out(dispatcher, anna):
    technician(name="Bert", skills={"GAS": 2}, **HOME)
    gas = ServiceTaskFactory()
    TaskSkillFactory(task=gas, skill=Skill.objects.get(code="GAS"), min_level=3)
    job = order(by=dispatcher, tasks=[gas])

    proposal = propose(dispatcher)

    assert proposal.result["assignments"] == []
    assert proposal.result["unassigned"] == [
        {
            "order_id": job.pk,
            "reason": "no_skills",
            "message": "No technician in the plan has the skills the work needs.",
            "appointment_id": None,
        }
    ]


def test_pinned_and_started_appointments_stay_and_are_planned_around(dispatcher, anna):
    pinned = appointment(
        by=dispatcher,
        order=order(by=dispatcher),
        technician=anna,
        starts_at=at(8),
        ends_at=at(10),
        is_pinned=True,
    )
    started = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(10), ends_at=at(11)
    )
    services.appointment_set_status(appointment=started, to=S.TRAVELLING, by=dispatcher)
    job = order(by=dispatcher)

    proposal = propose(dispatcher)

    [assignment] = proposal.result["assignments"]
    assert assignment["order_id"] == job.pk
    assert (assignment["starts_at"], assignment["ends_at"]) == (iso(11), iso(12))
    pinned.refresh_from_db()
    assert (pinned.starts_at, pinned.ends_at) == (at(8), at(10))


def test_the_lunch_gap_of_the_calendar_is_a_break(dispatcher, make_user):
    lunch = WorkCalendarFactory(
        hours={day: [["08:00", "11:30"], ["12:00", "16:00"]] for day in WEEKDAYS}
    )
    person = technician(name="Carl", calendar=lunch, **HOME)
    long = ServiceTaskFactory(default_duration_minutes=240)
    job = order(by=dispatcher, tasks=[long])

    proposal = propose(dispatcher)

    assert proposal.result["assignments"][0] | {"appointment_id": None} == {
        "order_id": job.pk,
        "technician_id": person.pk,
        "starts_at": iso(12),
        "ends_at": iso(16),
        "travel_minutes": 0,
        "appointment_id": None,
    }


def test_a_critical_job_is_preferred_over_a_low_one_when_only_one_fits(dispatcher):
    short = WorkCalendarFactory(hours={"mon": [["08:00", "09:00"]]})
    person = technician(name="Dora", calendar=short, **HOME)
    low = order(by=dispatcher, priority="low")
    critical = order(by=dispatcher, priority="critical")

    proposal = propose(dispatcher)

    assert [(a["order_id"], a["technician_id"]) for a in proposal.result["assignments"]] == [
        (critical.pk, person.pk)
    ]
    assert [(u["order_id"], u["reason"]) for u in proposal.result["unassigned"]] == [
        (low.pk, "no_capacity")
    ]


def test_a_requested_window_bounds_the_visit(dispatcher, anna):
    job = order(by=dispatcher, requested_start=at(13), requested_end=at(15))

    proposal = propose(dispatcher)

    [assignment] = proposal.result["assignments"]
    assert (assignment["order_id"], assignment["starts_at"]) == (job.pk, iso(13))


def test_a_site_without_coordinates_is_left_out_with_its_reason(dispatcher, anna):
    job = order(by=dispatcher, site=SiteFactory(latitude=None, longitude=None))

    proposal = propose(dispatcher)

    assert proposal.result["unassigned"] == [
        {
            "order_id": job.pk,
            "reason": "no_location",
            "message": "The site has no coordinates.",
            "appointment_id": None,
        }
    ]


def test_technician_and_order_selection(dispatcher, anna):
    bert = technician(name="Bert", **HOME)
    mine, other = order(by=dispatcher), order(by=dispatcher)

    proposal = propose(dispatcher, technician_ids=[bert.pk], order_ids=[mine.pk])

    assert [(a["order_id"], a["technician_id"]) for a in proposal.result["assignments"]] == [
        (mine.pk, bert.pk)
    ]
    assert other.pk not in {u["order_id"] for u in proposal.result["unassigned"]}


# Refusals of a proposal request


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"date_to": MONDAY - timedelta(days=1)}, "dispatch.empty_range", "date_to"),
        ({"date_to": MONDAY + timedelta(days=14)}, "dispatch.range_too_long", "date_to"),
        ({"time_limit_seconds": 61}, "dispatch.time_limit_too_long", "time_limit_seconds"),
    ],
)
def test_bad_requests_are_refused_with_their_codes(dispatcher, anna, fields, code, field):
    order(by=dispatcher)

    with pytest.raises(InvalidInput) as caught:
        propose(dispatcher, **fields)

    assert caught.value.code == code
    assert list(caught.value.field_errors) == [field]
    assert Proposal.objects.count() == 0


def test_no_technician_with_a_home_base_is_refused(dispatcher):
    technician(name="Homeless")
    order(by=dispatcher)

    with pytest.raises(NoTechnicians) as caught:
        propose(dispatcher)

    assert caught.value.code == "dispatch.no_technicians"
    assert Proposal.objects.count() == 0


def test_only_planners_propose(technician_user, anna):
    with pytest.raises(PermissionDenied):
        propose(technician_user)
    assert Proposal.objects.count() == 0


# Accepting and discarding


def test_accepting_books_the_plan(dispatcher, anna):
    job = order(by=dispatcher)
    proposal = propose(dispatcher)

    booked = services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    [(made, warnings)] = booked
    assert (made.order_id, made.technician_id, made.starts_at, made.ends_at, made.status) == (
        job.pk,
        anna.pk,
        at(8),
        at(9),
        S.CONFIRMED,
    )
    assert warnings == []
    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "scheduled"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (Proposal.Status.ACCEPTED, dispatcher)

    with pytest.raises(ProposalClosed):
        services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 31))
    assert Appointment.objects.count() == 1


def test_a_replan_moves_the_current_appointments_instead_of_booking_twice(dispatcher, anna):
    planned = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(14), ends_at=at(15)
    )
    urgent = order(by=dispatcher, priority="critical")
    proposal = propose(dispatcher)
    by_order = {a["order_id"]: a for a in proposal.result["assignments"]}
    assert by_order[planned.order_id]["appointment_id"] == planned.pk
    assert by_order[urgent.pk]["appointment_id"] is None

    services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    rows = Appointment.objects.filter(status__in=Appointment.ACTIVE)
    assert sorted(rows.values_list("order_id", flat=True)) == sorted([planned.order_id, urgent.pk])
    planned.refresh_from_db()
    assert (planned.technician_id, planned.status) == (anna.pk, S.CONFIRMED)
    assert planned.starts_at == datetime_of(by_order[planned.order_id]["starts_at"])


@pytest.mark.parametrize("change", ["order", "booking", "started"])
def test_a_stale_proposal_is_refused_and_nothing_changes(dispatcher, anna, change):
    job = order(by=dispatcher)
    other = order(by=dispatcher, site=SiteFactory(latitude=None, longitude=None))
    proposal = propose(dispatcher)
    if change == "order":
        orders.order_update(order=job, by=dispatcher, version=job.version, description="Changed")
        expected = [
            {
                "code": "order_changed",
                "message": "The order changed after the plan was proposed.",
                "order_id": job.pk,
            }
        ]
    elif change == "booking":
        appointment(by=dispatcher, order=other, technician=anna, starts_at=at(8), ends_at=at(9))
        expected = [
            {
                "code": "order_changed",
                "message": "The order changed after the plan was proposed.",
                "order_id": other.pk,
            },
            {
                "code": "schedule_changed",
                "message": "The technician's appointments changed after the plan was proposed.",
                "technician_id": anna.pk,
            },
        ]
    else:
        expected = [
            {
                "code": "starts_in_past",
                "message": "The plan would book this visit in the past: propose again.",
                "order_id": job.pk,
            }
        ]
    before = snapshot()

    with pytest.raises(ProposalStale) as caught:
        services.proposal_accept(
            proposal=proposal, by=dispatcher, now=at(8, 30) if change == "started" else at(7, 30)
        )

    assert caught.value.code == "dispatch.proposal_stale"
    assert caught.value.details == expected
    assert snapshot() == before
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN


def test_discarding_sets_it_aside(dispatcher, anna):
    order(by=dispatcher)
    proposal = propose(dispatcher)

    services.proposal_discard(proposal=proposal, by=dispatcher)

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DISCARDED
    with pytest.raises(ProposalClosed):
        services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))
    assert Appointment.objects.count() == 0


def test_only_planners_accept(dispatcher, technician_user, anna):
    order(by=dispatcher)
    proposal = propose(dispatcher)

    with pytest.raises(PermissionDenied):
        services.proposal_accept(proposal=proposal, by=technician_user, now=at(7, 30))
    assert Appointment.objects.count() == 0


def test_an_overlap_left_after_the_moves_refuses_the_whole_acceptance(dispatcher, anna):
    job = order(by=dispatcher)
    proposal = propose(dispatcher)
    # Forge an impossible plan: the same slot twice.
    twin = order(by=dispatcher)
    proposal.result["assignments"].append(
        {**proposal.result["assignments"][0], "order_id": twin.pk}
    )
    proposal.snapshot["orders"][str(twin.pk)] = twin.version
    proposal.save()

    with pytest.raises(AppointmentConflict):
        services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    assert Appointment.objects.count() == 0
    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "new"


def test_a_booked_visit_is_moved_rather_than_dropped_for_queue_work(dispatcher):
    short = WorkCalendarFactory(hours={"mon": [["08:00", "10:00"]]})
    person = technician(name="Eero", calendar=short, **HOME)
    booked = appointment(
        by=dispatcher,
        order=order(by=dispatcher),
        technician=person,
        starts_at=at(9),
        ends_at=at(10),
    )
    first, second = order(by=dispatcher, priority="high"), order(by=dispatcher, priority="high")

    proposal = propose(dispatcher)

    kept = [a for a in proposal.result["assignments"] if a["appointment_id"] == booked.pk]
    assert len(kept) == 1
    assert len(proposal.result["assignments"]) == 2
    [left] = proposal.result["unassigned"]
    assert (left["order_id"] in {first.pk, second.pk}, left["reason"]) == (True, "no_capacity")


def test_a_day_under_way_goes_on_from_the_last_visit_not_from_home(dispatcher, anna):
    there = espoo_site()
    done = appointment(
        by=dispatcher,
        order=order(by=dispatcher, site=there),
        technician=anna,
        starts_at=at(8),
        ends_at=at(9),
    )
    services.appointment_set_status(appointment=done, to=S.ON_SITE, by=dispatcher)
    services.appointment_set_status(appointment=done, to=S.DONE, by=dispatcher)
    job = order(by=dispatcher, site=there)

    proposal = propose(dispatcher, now=at(9))

    [assignment] = proposal.result["assignments"]
    assert (assignment["order_id"], assignment["starts_at"], assignment["travel_minutes"]) == (
        job.pk,
        iso(9, 2),  # the plan starts a minute from now; the technician is there by then
        0,
    )


# Found in review


def test_an_overrunning_visit_still_on_site_does_not_break_proposing(dispatcher, anna):
    visit = appointment(
        by=dispatcher,
        order=order(by=dispatcher, site=espoo_site()),
        technician=anna,
        starts_at=at(8),
        ends_at=at(9),
    )
    services.appointment_set_status(appointment=visit, to=S.ON_SITE, by=dispatcher)
    order(by=dispatcher)

    proposal = propose(dispatcher, now=at(9, 30))

    assert len(proposal.result["assignments"]) == 1


def test_accept_does_not_cancel_a_visit_started_while_it_was_checking(
    dispatcher, anna, monkeypatch
):
    from openservice.dispatch.services import proposals

    visit = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(14), ends_at=at(15)
    )
    proposal = propose(dispatcher)
    [row] = [a for a in proposal.result["assignments"] if a["appointment_id"] == visit.pk]
    proposal.result["assignments"].remove(row)  # a plan that drops the visit
    proposal.result["unassigned"].append(
        {
            "order_id": visit.order_id,
            "reason": "no_capacity",
            "message": "x",
            "appointment_id": visit.pk,
        }
    )
    proposal.save()
    compare = proposals._changes

    def changes_then_a_concurrent_report(*args, **kwargs):
        found = compare(*args, **kwargs)
        Appointment.objects.filter(pk=visit.pk).update(status=S.ON_SITE)
        return found

    monkeypatch.setattr(proposals, "_changes", changes_then_a_concurrent_report)

    with pytest.raises(ProposalStale) as caught:
        services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    assert [c["code"] for c in caught.value.details] == ["schedule_changed"]
    visit.refresh_from_db()  # the simulated report rolled back with the refusal; not cancelled
    assert (visit.status, visit.cancelled_at) == (S.CONFIRMED, None)


def test_a_visit_booked_despite_a_skill_warning_stays_booked_on_a_replan(dispatcher, anna):
    gas = ServiceTaskFactory()
    TaskSkillFactory(task=gas, skill=SkillFactory(code="GAS"), min_level=1)
    visit, warnings = services.appointment_create(
        order=order(by=dispatcher, tasks=[gas]),
        technician=anna,
        starts_at=at(13),
        ends_at=at(14),
        by=dispatcher,
    )
    assert [w["code"] for w in warnings] == ["missing_skill"]
    order(by=dispatcher, priority="critical")

    proposal = propose(dispatcher)
    services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    visit.refresh_from_db()
    assert (visit.status, visit.starts_at) == (S.CONFIRMED, at(13))
    assert visit.order_id not in {u["order_id"] for u in proposal.result["unassigned"]}


def test_a_replan_keeps_the_length_of_a_booked_visit(dispatcher, anna):
    booked = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(13), ends_at=at(16)
    )

    proposal = propose(dispatcher)

    [row] = proposal.result["assignments"]
    assert row["appointment_id"] == booked.pk
    length = datetime_of(row["ends_at"]) - datetime_of(row["starts_at"])
    assert length == timedelta(hours=3)


def test_a_booked_visit_at_a_site_without_coordinates_stays_and_is_not_listed(dispatcher, anna):
    nowhere = SiteFactory(latitude=None, longitude=None)
    booked = appointment(
        by=dispatcher,
        order=order(by=dispatcher, site=nowhere),
        technician=anna,
        starts_at=at(13),
        ends_at=at(14),
    )
    job = order(by=dispatcher)

    proposal = propose(dispatcher)
    services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    assert proposal.result["unassigned"] == []
    assert [a["order_id"] for a in proposal.result["assignments"]] == [job.pk]
    booked.refresh_from_db()
    assert (booked.status, booked.starts_at) == (S.CONFIRMED, at(13))


def test_a_change_of_the_company_default_calendar_makes_the_proposal_stale(dispatcher, manager):
    from openservice.calendars.services import calendar_update

    default = WorkCalendarFactory(is_default=True)
    technician(name="Default", calendar=None, **HOME)
    order(by=dispatcher)
    proposal = propose(dispatcher)
    calendar_update(calendar=default, by=manager, hours={"mon": [["12:00", "16:00"]]})

    with pytest.raises(ProposalStale) as caught:
        services.proposal_accept(proposal=proposal, by=dispatcher, now=at(7, 30))

    assert [c["code"] for c in caught.value.details] == ["calendar_changed"]
    assert Appointment.objects.count() == 0


def test_planning_costs_the_same_queries_for_more_orders_under_agreements(dispatcher, anna):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openservice.agreements.tests.factories import AgreementFactory
    from openservice.dispatch import planning

    agreement = AgreementFactory(calendar=WorkCalendarFactory())

    def add(count):
        for _ in range(count):
            ServiceOrder.objects.filter(pk=order(by=dispatcher).pk).update(agreement=agreement)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            planning.build(date_from=MONDAY, date_to=MONDAY, time_limit_seconds=1, now=at(7))
        return len(captured)

    add(2)
    queries()  # warm the calendar cache
    few = queries()
    add(4)

    assert queries() == few
