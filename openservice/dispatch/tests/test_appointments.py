"""Appointments: the conflict rules (each refusal writes nothing), the warnings, the order stage
they drive, the cancellation subscriber, and who may do what."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openservice.calendars.arithmetic import Calendar, always_open, business_minutes_between
from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.catalog.tests.factories import ServiceTaskFactory, TaskSkillFactory
from openservice.core.errors import InvalidInput, NotFound, PermissionDenied
from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import SiteFactory
from openservice.dispatch import conflicts, selectors, services
from openservice.dispatch.errors import (
    AppointmentConflict,
    InvalidStatus,
    NotMovable,
    OrderClosed,
    TechnicianInactive,
)
from openservice.dispatch.models import Appointment
from openservice.dispatch.tests.factories import (
    appointment,
    at,
    espoo_site,
    order,
    technician,
)
from openservice.orders import services as orders
from openservice.orders.models import ServiceOrder, Stage
from openservice.orders.selectors import order_list
from openservice.orders.tests.factories import order_in_stage, reason, stage
from openservice.workforce.tests.factories import SkillFactory

S = Appointment.Status
MINUTE = timedelta(minutes=1)


def stage_of(an_order) -> str:
    return ServiceOrder.objects.select_related("stage").get(pk=an_order.pk).stage.code


def create(dispatcher, an_order, person, start, end, **fields):
    return services.appointment_create(
        order=an_order, technician=person, starts_at=start, ends_at=end, by=dispatcher, **fields
    )


def refused(exc_info) -> list[tuple]:
    """The codes and ids of a refusal's conflicts (messages checked separately)."""
    return [
        tuple((key, value) for key, value in item.items() if key != "message")
        for item in exc_info.value.details
    ]


@pytest.fixture
def anna(make_user):
    return technician(user=make_user(Role.TECHNICIAN, username="anna"), name="Anna")


# Creating and the hard conflicts


def test_create_books_the_technician_and_schedules_a_new_order(dispatcher, anna):
    job = order(by=dispatcher)

    made, warnings = create(dispatcher, job, anna, at(9), at(10), note="Gate code 1234")

    made.refresh_from_db()
    assert (made.order, made.technician, made.status, made.is_pinned) == (
        job,
        anna,
        S.CONFIRMED,
        False,
    )
    assert (made.starts_at, made.ends_at) == (at(9), at(10))
    assert (made.note, made.created_by, made.travel_minutes) == ("Gate code 1234", dispatcher, 0)
    assert warnings == []
    assert stage_of(job) == "scheduled"
    assert AuditEvent.objects.filter(verb="appointment.created", object_id=made.pk).count() == 1


def test_a_second_appointment_leaves_the_stage_alone(dispatcher, anna):
    job = order(by=dispatcher)
    create(dispatcher, job, anna, at(9), at(10))
    orders.order_change_stage(order=job, to=stage("new"), by=dispatcher)

    create(dispatcher, job, anna, at(11), at(12))

    assert stage_of(job) == "new"


def test_overlap_with_another_appointment_is_refused_and_nothing_written(dispatcher, anna):
    first = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    second = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(11), ends_at=at(12)
    )
    job = order(by=dispatcher)

    with pytest.raises(AppointmentConflict) as caught:
        create(dispatcher, job, anna, at(9, 30), at(11, 30))

    assert caught.value.code == "dispatch.conflict"
    assert caught.value.details == [
        {
            "code": "overlap",
            "message": "The technician has another appointment at that time.",
            "appointment_ids": [first.pk, second.pk],
        }
    ]
    assert Appointment.objects.count() == 2
    assert stage_of(job) == "new"


def test_back_to_back_cancelled_and_other_technicians_do_not_overlap(dispatcher, anna):
    bert = technician(name="Bert")
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    cancelled = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(10), ends_at=at(12)
    )
    services.appointment_cancel(appointment=cancelled, by=dispatcher)
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=bert, starts_at=at(10), ends_at=at(11)
    )

    made, _ = create(dispatcher, order(by=dispatcher), anna, at(10), at(11))

    assert made.pk


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(7, 30), at(8, 30)),  # starts before opening
        (at(15, 30), at(16, 1)),  # runs past closing
        (at(18), at(19)),  # evening
        (at(9, day=5), at(10, day=5)),  # Saturday
        (at(15), at(9, day=1)),  # over the night
    ],
)
def test_outside_working_time_is_refused(dispatcher, anna, start, end):
    job = order(by=dispatcher)

    with pytest.raises(AppointmentConflict) as caught:
        create(dispatcher, job, anna, start, end)

    assert refused(caught) == [(("code", "outside_working_time"),)]
    assert caught.value.details[0]["message"] == (
        "The appointment is outside the technician's working time."
    )
    assert not Appointment.objects.exists()


def test_the_whole_working_day_is_allowed(dispatcher, anna):
    made, _ = create(dispatcher, order(by=dispatcher), anna, at(8), at(16))

    assert made.pk


def test_a_technician_without_calendar_works_the_company_default(dispatcher):
    WorkCalendarFactory(name="Company", hours={"mon": [["12:00", "14:00"]]}, is_default=True)
    person = technician(calendar=None)

    with pytest.raises(AppointmentConflict):
        create(dispatcher, order(by=dispatcher), person, at(9), at(10))
    made, _ = create(dispatcher, order(by=dispatcher), person, at(12), at(14))

    assert made.pk


def test_without_any_calendar_the_technician_works_round_the_clock(dispatcher):
    person = technician(calendar=None)

    made, _ = create(dispatcher, order(by=dispatcher), person, at(22), at(2, day=1))

    assert made.pk


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        (at(10), at(11), True),
        (at(10), at(12), True),
        (at(9, 59), at(11), False),
        (at(11), at(12, 1), False),
    ],
)
def test_the_requested_window_is_enforced(dispatcher, anna, start, end, allowed):
    job = order(by=dispatcher, requested_start=at(10), requested_end=at(12))

    if allowed:
        assert create(dispatcher, job, anna, start, end)[0].pk
        return
    with pytest.raises(AppointmentConflict) as caught:
        create(dispatcher, job, anna, start, end)
    assert refused(caught) == [
        (
            ("code", "outside_requested_window"),
            ("requested_start", "2027-03-01T08:00:00+00:00"),
            ("requested_end", "2027-03-01T10:00:00+00:00"),
        )
    ]
    assert not Appointment.objects.exists()


def test_all_hard_conflicts_are_listed_together(dispatcher, anna):
    other = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(15), ends_at=at(16)
    )
    job = order(by=dispatcher, requested_end=at(12))

    with pytest.raises(AppointmentConflict) as caught:
        create(dispatcher, job, anna, at(15, 30), at(17))

    assert [item["code"] for item in caught.value.details] == [
        "overlap",
        "outside_working_time",
        "outside_requested_window",
    ]
    assert caught.value.details[0]["appointment_ids"] == [other.pk]


def test_an_appointment_must_end_after_it_starts(dispatcher, anna):
    with pytest.raises(InvalidInput) as caught:
        create(dispatcher, order(by=dispatcher), anna, at(10), at(10))

    assert list(caught.value.field_errors) == ["ends_at"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("code", ["completed", "closed", "cancelled"])
def test_a_finished_order_cannot_be_scheduled(manager, anna, code):
    job = order_in_stage(code, by=manager)

    with pytest.raises(OrderClosed) as caught:
        create(manager, job, anna, at(9), at(10))

    assert caught.value.code == "dispatch.order_closed"
    assert not Appointment.objects.exists()


def test_an_inactive_technician_cannot_be_booked(dispatcher):
    person = technician(is_active=False)

    with pytest.raises(TechnicianInactive):
        create(dispatcher, order(by=dispatcher), person, at(9), at(10))

    assert not Appointment.objects.exists()


@pytest.mark.parametrize("role", ["technician_user", "administrator", "customer_user"])
def test_only_planners_create(request, dispatcher, anna, role):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        create(user, order(by=dispatcher), anna, at(9), at(10))

    assert not Appointment.objects.exists()


# Warnings


def test_missing_skills_are_warned_with_levels(dispatcher):
    person = technician(skills={"ELEC": 2, "GAS": 4})
    elec, gas, water = (
        SkillFactory(code="ELEC"),
        SkillFactory(code="GAS"),
        SkillFactory(code="WATER"),
    )
    wiring, plumbing = ServiceTaskFactory(), ServiceTaskFactory()
    TaskSkillFactory(task=wiring, skill=elec, min_level=3)
    TaskSkillFactory(task=wiring, skill=gas, min_level=2)
    TaskSkillFactory(task=plumbing, skill=water, min_level=1)
    TaskSkillFactory(task=plumbing, skill=gas, min_level=4)
    job = order(by=dispatcher, tasks=[wiring, plumbing])

    made, warnings = create(dispatcher, job, person, at(9), at(10))

    message = "The technician lacks a required skill at the required level."
    assert made.pk
    assert warnings == [
        {
            "code": "missing_skill",
            "message": message,
            "skill": "ELEC",
            "required_level": 3,
            "level": 2,
        },
        {
            "code": "missing_skill",
            "message": message,
            "skill": "WATER",
            "required_level": 1,
            "level": None,
        },
    ]


def test_sla_due_before_the_end_is_warned(dispatcher, anna):
    job = order(by=dispatcher)
    ServiceOrder.objects.filter(pk=job.pk).update(sla_resolution_due_at=at(9, 30))

    _, warnings = create(dispatcher, job, anna, at(9), at(10))
    _, on_time = create(dispatcher, job, anna, at(8), at(9))

    assert warnings == [
        {
            "code": "sla_due_before_end",
            "message": "The order's SLA resolution falls due before the appointment ends.",
            "sla_resolution_due_at": "2027-03-01T07:30:00+00:00",
        }
    ]
    assert on_time == []


def test_travel_that_does_not_fit_after_the_previous_appointment_is_warned(dispatcher, anna):
    previous = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(8), ends_at=at(9)
    )
    job = order(by=dispatcher, site=espoo_site())

    made, warnings = create(dispatcher, job, anna, at(9, 10), at(10))
    _, fits = create(dispatcher, order(by=dispatcher, site=espoo_site()), anna, at(11), at(12))

    # Helsinki centre to Espoo: 16.1 km straight, × 1.3 at 30 km/h = 42 minutes (rounded up).
    assert warnings == [
        {
            "code": "travel_time",
            "message": "The travel from the previous appointment does not fit in before it.",
            "previous_appointment_id": previous.pk,
            "travel_minutes": 42,
            "arrives_at": "2027-03-01T07:42:00+00:00",
        }
    ]
    assert made.travel_minutes == 42
    assert fits == []


def test_travel_speed_comes_from_settings(dispatcher, anna, settings):
    settings.DISPATCH_TRAVEL_SPEED_KMH = 90
    settings.DISPATCH_DETOUR_FACTOR = 1.0
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(8), ends_at=at(9)
    )

    made, warnings = create(
        dispatcher, order(by=dispatcher, site=espoo_site()), anna, at(9, 15), at(10)
    )

    assert (made.travel_minutes, warnings) == (11, [])


def test_travel_is_not_checked_without_coordinates(dispatcher, anna):
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(8), ends_at=at(9)
    )
    nowhere = SiteFactory(latitude=None, longitude=None)

    made, warnings = create(dispatcher, order(by=dispatcher, site=nowhere), anna, at(9), at(10))

    assert (made.travel_minutes, warnings) == (0, [])


# Moving and cancelling


def test_move_checks_the_rules_without_the_appointment_itself(dispatcher, anna):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )

    _, warnings = services.appointment_move(
        appointment=made, starts_at=at(9, 30), ends_at=at(10, 30), by=dispatcher
    )

    made.refresh_from_db()
    assert (made.starts_at, made.ends_at, warnings) == (at(9, 30), at(10, 30), [])
    assert AuditEvent.objects.filter(verb="appointment.moved", object_id=made.pk).count() == 1


def test_move_to_another_technician(dispatcher, anna):
    bert = technician(name="Bert")
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )

    services.appointment_move(
        appointment=made, starts_at=at(9), ends_at=at(10), technician=bert, by=dispatcher
    )

    made.refresh_from_db()
    assert made.technician == bert


def test_a_refused_move_changes_nothing(dispatcher, anna):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    other = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(11), ends_at=at(12)
    )

    with pytest.raises(AppointmentConflict) as caught:
        services.appointment_move(
            appointment=made, starts_at=at(10, 30), ends_at=at(11, 30), by=dispatcher
        )

    assert refused(caught) == [(("code", "overlap"), ("appointment_ids", [other.pk]))]
    made.refresh_from_db()
    assert (made.starts_at, made.ends_at) == (at(9), at(10))


@pytest.mark.parametrize("status", [S.TRAVELLING, S.ON_SITE, S.DONE, S.CANCELLED])
def test_only_tentative_or_confirmed_appointments_move(dispatcher, anna, status):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    Appointment.objects.filter(pk=made.pk).update(status=status)

    with pytest.raises(NotMovable) as caught:
        services.appointment_move(appointment=made, starts_at=at(11), ends_at=at(12), by=dispatcher)

    assert caught.value.code == "dispatch.not_movable"
    made.refresh_from_db()
    assert made.starts_at == at(9)


def test_cancel_frees_the_time(dispatcher, anna):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )

    services.appointment_cancel(appointment=made, by=dispatcher)

    made.refresh_from_db()
    assert made.status == S.CANCELLED and made.cancelled_at is not None
    assert create(dispatcher, order(by=dispatcher), anna, at(9), at(10))[0].pk
    with pytest.raises(InvalidStatus):
        services.appointment_cancel(appointment=made, by=dispatcher)


# Status and the order's stage


def _own_job(dispatcher, person, **fields):
    """An order whose preferred technician is `person`, with their appointment 9-10."""
    job = order(by=dispatcher, preferred_technician=person, **fields)
    return job, appointment(
        by=dispatcher, order=job, technician=person, starts_at=at(9), ends_at=at(10)
    )


def test_the_visit_drives_the_order_to_in_progress_and_completed(dispatcher, anna):
    job, made = _own_job(dispatcher, anna)
    user = anna.user
    seen = []

    for to in (S.TRAVELLING, S.ON_SITE, S.DONE):
        made, warnings = services.appointment_set_status(appointment=made, to=to, by=user)
        seen.append((made.status, stage_of(job), warnings))

    assert seen == [
        (S.TRAVELLING, "scheduled", []),
        (S.ON_SITE, "in_progress", []),
        (S.DONE, "completed", []),
    ]


def test_the_order_completes_only_with_its_last_open_appointment(dispatcher, anna):
    job, first = _own_job(dispatcher, anna)
    second = appointment(
        by=dispatcher, order=job, technician=anna, starts_at=at(11), ends_at=at(12)
    )
    services.appointment_set_status(appointment=first, to=S.ON_SITE, by=dispatcher)

    services.appointment_set_status(appointment=first, to=S.DONE, by=dispatcher)
    assert stage_of(job) == "in_progress"
    services.appointment_set_status(appointment=second, to=S.ON_SITE, by=dispatcher)
    services.appointment_set_status(appointment=second, to=S.DONE, by=dispatcher)

    assert stage_of(job) == "completed"


def test_a_workflow_refusal_leaves_the_appointment_done_with_a_warning(dispatcher, anna):
    job, made = _own_job(dispatcher, anna)
    services.appointment_set_status(appointment=made, to=S.ON_SITE, by=dispatcher)
    Stage.objects.filter(code="completed").update(requires_reason=True)

    made, warnings = services.appointment_set_status(appointment=made, to=S.DONE, by=dispatcher)

    made.refresh_from_db()
    assert (made.status, stage_of(job)) == (S.DONE, "in_progress")
    assert warnings == [
        {
            "code": "order_stage_unchanged",
            "message": "The order's stage did not change: This stage change needs a reason code.",
            "to_category": "completed",
            "reason": "orders.reason_required",
        }
    ]


def test_arriving_where_the_workflow_has_no_way_on_warns(dispatcher, anna):
    job, made = _own_job(dispatcher, anna)
    orders.order_change_stage(order=job, to=stage("new"), by=dispatcher)

    made, warnings = services.appointment_set_status(appointment=made, to=S.ON_SITE, by=dispatcher)

    assert (made.status, stage_of(job)) == (S.ON_SITE, "new")
    assert [(w["code"], w["reason"]) for w in warnings] == [
        ("order_stage_unchanged", "orders.invalid_transition")
    ]


def test_the_booked_technician_moves_the_stage_of_an_order_not_preferred_to_them(dispatcher, anna):
    job = order(by=dispatcher)
    assert job.preferred_technician_id is None
    made = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))

    made, warnings = services.appointment_set_status(appointment=made, to=S.ON_SITE, by=anna.user)

    assert (made.status, stage_of(job), warnings) == (S.ON_SITE, "in_progress", [])


def test_an_appointment_gives_the_technician_the_order_until_it_is_cancelled(
    dispatcher, anna, make_user
):
    bert = technician(name="Bert", user=make_user(Role.TECHNICIAN, username="bert"))
    job = order(by=dispatcher)
    made = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))

    assert list(order_list(user=anna.user).values_list("pk", flat=True)) == [job.pk]
    assert list(order_list(user=bert.user)) == []

    services.appointment_cancel(appointment=made, by=dispatcher)

    assert list(order_list(user=anna.user)) == []


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.TENTATIVE, S.ON_SITE),
        (S.CONFIRMED, S.DONE),
        (S.CONFIRMED, S.TENTATIVE),
        (S.ON_SITE, S.TRAVELLING),
        (S.DONE, S.ON_SITE),
        (S.CANCELLED, S.CONFIRMED),
        (S.CONFIRMED, S.CANCELLED),
        (S.CONFIRMED, "bogus"),
    ],
)
def test_invalid_status_changes_are_refused(dispatcher, anna, start, to):
    _, made = _own_job(dispatcher, anna)
    Appointment.objects.filter(pk=made.pk).update(status=start)

    with pytest.raises(InvalidStatus) as caught:
        services.appointment_set_status(appointment=made, to=to, by=dispatcher)

    assert caught.value.code == "dispatch.invalid_status"
    made.refresh_from_db()
    assert made.status == start


def test_confirming_a_tentative_appointment(dispatcher, anna):
    _, made = _own_job(dispatcher, anna)
    Appointment.objects.filter(pk=made.pk).update(status=S.TENTATIVE)

    made, warnings = services.appointment_set_status(
        appointment=made, to=S.CONFIRMED, by=dispatcher
    )

    assert (made.status, warnings) == (S.CONFIRMED, [])


def test_a_technician_changes_only_their_own_appointments(dispatcher, anna, make_user):
    bert = technician(user=make_user(Role.TECHNICIAN, username="bert"), name="Bert")
    _, annas = _own_job(dispatcher, anna)

    with pytest.raises(NotFound):
        services.appointment_set_status(appointment=annas, to=S.TRAVELLING, by=bert.user)
    annas.refresh_from_db()
    assert annas.status == S.CONFIRMED
    with pytest.raises(PermissionDenied):
        services.appointment_move(appointment=annas, starts_at=at(11), ends_at=at(12), by=anna.user)
    with pytest.raises(PermissionDenied):
        services.appointment_cancel(appointment=annas, by=anna.user)


def test_administrators_only_read(dispatcher, anna, administrator):
    _, made = _own_job(dispatcher, anna)

    with pytest.raises(PermissionDenied):
        services.appointment_set_status(appointment=made, to=S.TRAVELLING, by=administrator)

    assert list(selectors.appointment_list(user=administrator)) == [made]


def test_a_technician_sees_only_their_own_appointments(dispatcher, anna, customer_user):
    _, annas = _own_job(dispatcher, anna)
    bert = technician(name="Bert")
    berts = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=bert, starts_at=at(9), ends_at=at(10)
    )

    assert list(selectors.appointment_list(user=anna.user)) == [annas]
    assert list(selectors.appointment_list(user=dispatcher)) == [annas, berts]
    assert list(selectors.appointment_list(user=customer_user)) == []
    with pytest.raises(NotFound):
        selectors.appointment_get(user=anna.user, appointment_id=berts.pk)


def test_the_list_costs_the_same_queries_for_few_and_many(
    dispatcher, anna, django_assert_num_queries
):
    def read() -> list[tuple]:
        return [
            (row.order.number, row.order.site.name, row.order.stage.code, row.technician.name)
            for row in selectors.appointment_list(user=dispatcher, date_from=at(0).date())
        ]

    def book(*hours: int) -> None:
        for hour in hours:
            appointment(
                by=dispatcher,
                order=order(by=dispatcher),
                technician=anna,
                starts_at=at(hour),
                ends_at=at(hour + 1),
            )

    book(8, 9)
    with django_assert_num_queries(1):
        assert len(read()) == 2
    book(10, 11, 12)
    with django_assert_num_queries(1):
        assert len(read()) == 5


def test_the_list_filters_by_day_technician_and_status(dispatcher, anna):
    monday = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    tuesday = appointment(
        by=dispatcher,
        order=order(by=dispatcher),
        technician=anna,
        starts_at=at(9, day=1),
        ends_at=at(10, day=1),
    )
    services.appointment_cancel(appointment=tuesday, by=dispatcher)

    def listed(**filters) -> list:
        return list(selectors.appointment_list(user=dispatcher, **filters))

    assert listed(date_from=at(0, day=1).date()) == [tuesday]
    assert listed(date_to=at(0).date()) == [monday]
    assert listed(status=S.CANCELLED) == [tuesday]
    assert listed(technician_id=anna.pk + 1000) == []


# The order's cancellation


def test_cancelling_the_order_cancels_its_open_appointments(dispatcher, anna):
    job, done = _own_job(dispatcher, anna)
    services.appointment_set_status(appointment=done, to=S.ON_SITE, by=dispatcher)
    services.appointment_set_status(appointment=done, to=S.DONE, by=dispatcher)
    orders.order_change_stage(order=job, to=stage("in_progress"), by=dispatcher)
    orders.order_change_stage(order=job, to=stage("on_hold"), by=dispatcher, reason=reason())
    later = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(11), ends_at=at(12))
    elsewhere = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(13), ends_at=at(14)
    )

    orders.order_cancel(order=job, by=dispatcher, reason=reason())

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses == {done.pk: S.DONE, later.pk: S.CANCELLED, elsewhere.pk: S.CONFIRMED}
    assert list(
        AuditEvent.objects.filter(verb="appointment.cancelled_with_order").values_list(
            "object_id", flat=True
        )
    ) == [str(later.pk)]


# The pure rules


instants = st.integers(min_value=0, max_value=7 * 24 * 60).map(
    lambda minutes: datetime(2027, 3, 1, tzinfo=UTC) + timedelta(minutes=minutes)
)
durations = st.integers(min_value=1, max_value=600).map(lambda m: timedelta(minutes=m))


@given(instants, durations, instants, durations)
def test_overlap_is_symmetric_and_matches_a_common_minute(a, a_length, b, b_length):
    both = conflicts.overlaps(a, a + a_length, b, b + b_length)

    assert both == conflicts.overlaps(b, b + b_length, a, a + a_length)
    assert both == (max(a, b) < min(a + a_length, b + b_length))


WEEKDAYS_8_16 = Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(5), ((480, 960),)))


@given(
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=480, max_value=959),
    st.integers(min_value=1, max_value=480),
)
def test_an_interval_inside_working_hours_is_never_flagged(day, start_minute, length):
    length = min(length, 960 - start_minute)
    start = at(0, day=day) + timedelta(minutes=start_minute)

    found = conflicts.hard_conflicts(
        starts_at=start,
        ends_at=start + timedelta(minutes=length),
        others=[],
        calendar=WEEKDAYS_8_16,
        requested_start=None,
        requested_end=None,
    )

    assert found == []


@given(instants, durations)
def test_working_time_is_flagged_exactly_when_business_time_falls_short(start, length):
    """Whole-minute intervals anywhere in a week: flagged iff some minute is not worked."""
    found = conflicts.hard_conflicts(
        starts_at=start,
        ends_at=start + length,
        others=[],
        calendar=WEEKDAYS_8_16,
        requested_start=None,
        requested_end=None,
    )

    worked = business_minutes_between(start, start + length, WEEKDAYS_8_16)
    assert (found == [{"code": "outside_working_time"}]) == (worked != length // MINUTE)
    assert conflicts.within_working_time(start, start + length, always_open())
