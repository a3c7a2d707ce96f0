"""The dispatch board's pages: rows, working time and cards placed exactly, utilisation and the
travel summary, the day and week layouts, the queue and the filters, placing and moving cards
(exact times; each refusal shown in its row with nothing changed), cancel and pin, plan
proposals through the pages, and who may see and use the board."""

import re
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.catalog.tests.factories import ServiceTaskFactory, TaskSkillFactory
from openservice.dispatch.models import Appointment, Proposal
from openservice.dispatch.tests.factories import MONDAY, appointment, at, order, technician
from openservice.orders.models import ServiceOrder
from openservice.workforce.tests.factories import DispatchTeamFactory, SkillFactory

pytestmark = pytest.mark.django_db

HOME = {"home_latitude": Decimal("60.169900"), "home_longitude": Decimal("24.938400")}
HTMX = {"HX-Request": "true"}
DAY = MONDAY.isoformat()


def url(name: str, *args) -> str:
    return reverse(f"dispatch:{name}", args=args)


def get(client, user, **params):
    client.force_login(user)
    return client.get(url("board"), {"date": DAY, **params})


def page(client, user, **params) -> str:
    response = get(client, user, **params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def row(html: str, person) -> str:
    """The HTML of a technician's row (up to the next row)."""
    start = html.index(f'id="row-{person.pk}"')
    end = html.find('<div class="board-row', start)
    return html[start : end if end != -1 else len(html)]


def place(html: str, marker: str) -> tuple[str, str]:
    """(left, width) of the element carrying `marker` in its tag."""
    found = re.search(rf'{marker}[^>]*?style="left: ([\d.]+)%; width: ([\d.]+)%"', html)
    assert found, marker
    return found.group(1), found.group(2)


def work(html: str) -> list[tuple[str, str]]:
    return re.findall(r'class="row-work" style="left: ([\d.]+)%; width: ([\d.]+)%"', html)


def queue(html: str) -> list[str]:
    return re.findall(r'<li class="queue-card[^"]*" data-order="([^"]+)"', html)


def state(**fields) -> dict:
    """What the board posts with every action (the day view of MONDAY by default)."""
    return {"date": DAY, "view": "day", "layout": f"{DAY}|360-1200", **fields}


@pytest.fixture
def calendar(db):
    """Monday to Friday 08:00-16:00 in Helsinki, shared by the technicians of a test."""
    return WorkCalendarFactory()


@pytest.fixture
def anna(calendar):
    return technician(name="Anna Aalto", calendar=calendar, skills={"LIFT": 3}, **HOME)


@pytest.fixture
def ben(calendar):
    return technician(name="Ben Berg", calendar=calendar, skills={"HVAC": 2}, **HOME)


# Rows and cards


def test_rows_show_working_time_and_cards_placed_by_time(client, dispatcher, anna, ben):
    first = order(by=dispatcher, priority="high")
    second = order(by=dispatcher)
    appointment(by=dispatcher, order=first, technician=anna, starts_at=at(9), ends_at=at(10))
    appointment(by=dispatcher, order=second, technician=anna, starts_at=at(13), ends_at=at(14, 30))

    html = page(client, dispatcher)

    mine = row(html, anna)
    # 06:00-20:00 is 840 minutes: 09:00 is 180 in, an hour is 60 of them.
    assert place(mine, f'data-order="{first.number}"') == ("21.4286", "7.1429")
    assert place(mine, f'data-order="{second.number}"') == ("50.0000", "10.7143")
    assert work(mine) == [("14.2857", "57.1429")]  # 08:00-16:00
    assert 'data-utilisation="31"' in mine  # 150 of 480 minutes
    assert "2 visits · 0 min driving · 09:00–14:30" in mine
    assert "prio-high status-confirmed" in mine
    assert '<span class="chip" title="Skill LIFT">LIFT&nbsp;3</span>' in mine
    theirs = row(html, ben)
    assert 'data-utilisation="0"' in theirs
    assert "No visits" in theirs
    assert html.index('id="row-' + str(anna.pk)) < html.index('id="row-' + str(ben.pk))
    assert "<strong>Monday</strong>" not in html and "Monday" in html
    assert f"date={(MONDAY - timedelta(days=1)).isoformat()}" in html  # previous day
    assert f"date={(MONDAY + timedelta(days=1)).isoformat()}" in html  # next day


def test_week_view_shows_monday_to_friday_side_by_side(client, dispatcher, anna):
    job = order(by=dispatcher)
    appointment(
        by=dispatcher, order=job, technician=anna, starts_at=at(9, day=1), ends_at=at(10, day=1)
    )

    html = page(client, dispatcher, view="week", date=(MONDAY + timedelta(days=3)).isoformat())

    assert re.findall(r'class="board-day[^"]*"[^>]*data-day="([\d-]+)"', html) == [
        (MONDAY + timedelta(days=n)).isoformat() for n in range(5)
    ]
    # Five days of 840 minutes: Tuesday 09:00 is 840 + 180 minutes in.
    assert place(row(html, anna), f'data-order="{job.number}"') == ("24.2857", "1.4286")
    assert work(row(html, anna))[1] == ("22.8571", "11.4286")  # Tuesday 08:00-16:00
    assert 'data-utilisation="2"' in row(html, anna)  # 60 of 2,400 minutes
    assert "Week 9" in html
    tuesday = (MONDAY + timedelta(days=1)).isoformat()
    assert f'<a class="board-day-name" href="/dispatch/?date={tuesday}"' in html
    assert f"date={(MONDAY - timedelta(days=4)).isoformat()}&amp;view=week" in html


def test_week_shows_a_weekend_day_someone_works(client, dispatcher, anna):
    weekend = WorkCalendarFactory(hours={"sat": [["09:00", "13:00"]]})
    technician(name="Sam Saturday", calendar=weekend, **HOME)

    html = page(client, dispatcher, view="week")

    days = re.findall(r'class="board-day[^"]*"[^>]*data-day="([\d-]+)"', html)
    assert days == [(MONDAY + timedelta(days=n)).isoformat() for n in range(6)]


def test_hours_widen_to_hold_an_evening_visit(client, dispatcher):
    night = WorkCalendarFactory(hours={"mon": [["00:00", "24:00"]]})
    owl = technician(name="Olli Owl", calendar=night, **HOME)
    job = order(by=dispatcher)
    appointment(by=dispatcher, order=job, technician=owl, starts_at=at(20), ends_at=at(21, 30))

    html = page(client, dispatcher)

    # 06:00-22:00 now: 960 minutes, 20:00 is 840 in.
    assert place(row(html, owl), f'data-order="{job.number}"') == ("87.5000", "9.3750")
    assert 'data-last="1320"' in html
    assert ">21</span>" in html


def test_card_marks_sla_at_risk_and_late(client, dispatcher, anna):
    late = order(by=dispatcher)
    tight = order(by=dispatcher)
    fine = order(by=dispatcher)
    appointment(by=dispatcher, order=late, technician=anna, starts_at=at(8), ends_at=at(10))
    appointment(by=dispatcher, order=tight, technician=anna, starts_at=at(10), ends_at=at(11))
    appointment(by=dispatcher, order=fine, technician=anna, starts_at=at(11), ends_at=at(12))
    # Set after booking: scheduling the orders recomputes their SLA (none without a policy).
    ServiceOrder.objects.filter(pk=late.pk).update(sla_resolution_due_at=at(9, 30))
    ServiceOrder.objects.filter(pk=tight.pk).update(sla_resolution_due_at=at(12, 30))
    ServiceOrder.objects.filter(pk=fine.pk).update(sla_resolution_due_at=at(16))

    html = row(page(client, dispatcher), anna)

    assert re.search(rf'risk-late"[^>]*data-order="{late.number}"', html)
    assert re.search(rf'risk-at_risk"[^>]*data-order="{tight.number}"', html)  # due 1.5 h after
    assert re.search(rf'status-confirmed"[^>]*data-order="{fine.number}"', html)  # due 4 h after
    assert "Ends after SLA due" in html and "SLA at risk" in html


def test_status_and_pin_show_on_the_card(client, dispatcher, anna):
    job = order(by=dispatcher)
    appointment(
        by=dispatcher,
        order=job,
        technician=anna,
        starts_at=at(9),
        ends_at=at(10),
        status="tentative",
        is_pinned=True,
    )

    html = row(page(client, dispatcher), anna)

    assert "status-tentative is-pinned" in html
    assert "Tentative</span>" in html
    assert '<span class="visually-hidden">Pinned</span>' in html
    assert 'draggable="true"' in html


def test_the_board_costs_the_same_queries_for_more_rows(client, dispatcher, calendar):
    def count() -> int:
        client.force_login(dispatcher)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("board"), {"date": DAY}).status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            person = technician(calendar=calendar, skills={"LIFT": 2}, **HOME)
            job = order(by=dispatcher)
            appointment(
                by=dispatcher, order=job, technician=person, starts_at=at(9), ends_at=at(10)
            )
            order(by=dispatcher)

    add(2)
    small = count()
    add(4)
    assert count() == small


# The queue and the filters


def test_queue_lists_orders_to_plan_most_urgent_first(client, dispatcher, anna):
    low = order(by=dispatcher, priority="low")
    critical = order(by=dispatcher, priority="critical")
    due_soon = order(by=dispatcher, priority="normal")
    ServiceOrder.objects.filter(pk=due_soon.pk).update(sla_resolution_due_at=at(12))
    booked = order(by=dispatcher, priority="critical")
    appointment(by=dispatcher, order=booked, technician=anna, starts_at=at(9), ends_at=at(10))

    html = page(client, dispatcher)

    assert queue(html) == [due_soon.number, critical.number, low.number]
    assert 'data-queue-count="3"' in html
    assert f'data-order="{due_soon.number}" data-order-id="{due_soon.pk}" data-minutes="60"' in html


def test_skill_filter_narrows_rows_and_queue_and_team_filter_the_rows(
    client, dispatcher, anna, ben
):
    lift = SkillFactory(code="LIFT")
    task = ServiceTaskFactory(default_duration_minutes=90)
    TaskSkillFactory(task=task, skill=lift, min_level=2)
    lift_job = order(by=dispatcher, tasks=[task])
    other_job = order(by=dispatcher)

    html = page(client, dispatcher, skill=lift.pk)

    assert f'id="row-{anna.pk}"' in html and f'id="row-{ben.pk}"' not in html
    assert queue(html) == [lift_job.number]
    assert f'data-order="{lift_job.number}" data-order-id="{lift_job.pk}" data-minutes="90"' in html

    html = page(client, dispatcher, team=ben.team_id)
    assert f'id="row-{anna.pk}"' not in html and f'id="row-{ben.pk}"' in html
    assert queue(html) == [lift_job.number, other_job.number]


def test_filters_reload_the_board_in_place_for_htmx(client, dispatcher, anna):
    client.force_login(dispatcher)

    response = client.get(url("board"), {"date": DAY, "view": "week"}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board" class="board is-week')
    assert "<html" not in html


def test_unparsable_filters_fall_back_to_the_defaults(client, dispatcher, anna):
    html = page(client, dispatcher, date="someday", view="month", team="x")

    assert 'id="board-view-day" checked' in html
    assert f'id="row-{anna.pk}"' in html


# Placing, moving, cancelling, pinning


def test_dropping_an_order_books_it_at_the_snapped_start(client, dispatcher, anna):
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    response = client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T09:15"),
        headers=HTMX,
    )

    assert response.status_code == 200
    made = Appointment.objects.get()
    assert (made.order, made.technician, made.starts_at, made.ends_at) == (
        job,
        anna,
        at(9, 15),
        at(10, 15),
    )
    html = response.content.decode()
    assert f"{job.number} booked for Anna Aalto, Mon 1 Mar 09:15–10:15." in html
    # The row and the queue come back as out-of-band swaps.
    assert f'id="row-{anna.pk}" data-technician="{anna.pk}" hx-swap-oob="true"' in html
    assert place(html, f'data-order="{job.number}"') == ("23.2143", "7.1429")
    assert '<aside id="queue" class="board-queue"' in html and 'hx-swap-oob="true">' in html
    assert queue(html) == []


def test_a_visit_lasts_the_orders_planned_duration(client, dispatcher, anna):
    task = ServiceTaskFactory(default_duration_minutes=150)
    job = order(by=dispatcher, tasks=[task])
    client.force_login(dispatcher)

    client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T08:00"),
        headers=HTMX,
    )

    assert Appointment.objects.get().ends_at == at(10, 30)


def test_warnings_come_back_with_the_booking(client, dispatcher, ben):
    lift = SkillFactory(code="LIFT")
    task = ServiceTaskFactory()
    TaskSkillFactory(task=task, skill=lift, min_level=2)
    job = order(by=dispatcher, tasks=[task])
    client.force_login(dispatcher)

    response = client.post(
        url("board_assign"),
        state(order=job.pk, technician=ben.pk, starts_at="2027-03-01T09:00"),
        headers=HTMX,
    )

    assert response.status_code == 200
    assert (
        "The technician lacks a required skill at the required level." in response.content.decode()
    )


def test_a_refused_drop_shows_the_conflicts_in_the_row_and_changes_nothing(
    client, dispatcher, anna
):
    booked = order(by=dispatcher)
    appointment(by=dispatcher, order=booked, technician=anna, starts_at=at(15), ends_at=at(16))
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    response = client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T15:30"),
        headers=HTMX,
    )

    assert response.status_code == 409
    html = response.content.decode()
    refused = row(html, anna)
    assert "data-refusal" in refused and 'style="--at: 67.8571%"' in refused
    assert "<li>The technician has another appointment at that time.</li>" in refused
    assert "<li>The appointment is outside the technician&#x27;s working time.</li>" in refused
    assert f"{job.number} was not booked: The appointment conflicts" in html
    assert queue(html) == [job.number]
    assert Appointment.objects.count() == 1
    assert ServiceOrder.objects.get(pk=job.pk).stage.code == "new"


def test_without_htmx_a_drop_redirects_and_a_refusal_shows_the_whole_board(
    client, dispatcher, anna
):
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    refused = client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T17:00"),
    )
    assert refused.status_code == 409
    assert "<html" in refused.content.decode() and "data-refusal" in row(
        refused.content.decode(), anna
    )
    assert not Appointment.objects.exists()

    done = client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T10:00"),
        follow=True,
    )
    assert done.redirect_chain == [(f"{url('board')}?date={DAY}", 302)]
    assert f"{job.number} booked for Anna Aalto" in done.content.decode()


def test_unreadable_input_is_refused_with_422(client, dispatcher, anna):
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    response = client.post(
        url("board_assign"), state(order=job.pk, technician=anna.pk, starts_at="soon"), headers=HTMX
    )

    assert response.status_code == 422
    assert "Start: Enter a valid date/time." in response.content.decode()
    assert not Appointment.objects.exists()


def test_moving_a_card_to_another_row_keeps_its_length(client, dispatcher, anna, ben):
    job = order(by=dispatcher)
    made = appointment(
        by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10, 30)
    )
    client.force_login(dispatcher)

    response = client.post(
        url("board_move", made.pk),
        state(technician=ben.pk, starts_at="2027-03-01T13:45"),
        headers=HTMX,
    )

    assert response.status_code == 200
    made.refresh_from_db()
    assert (made.technician, made.starts_at, made.ends_at) == (ben, at(13, 45), at(15, 15))
    html = response.content.decode()
    assert f'data-order="{job.number}"' not in row(html, anna)
    assert place(row(html, ben), f'data-order="{job.number}"') == ("55.3571", "10.7143")
    assert f"{job.number} moved to Ben Berg, Mon 1 Mar 13:45–15:15." in html


def test_a_refused_move_leaves_the_card_where_it_was(client, dispatcher, anna, ben):
    mine = order(by=dispatcher)
    theirs = order(by=dispatcher)
    made = appointment(by=dispatcher, order=mine, technician=anna, starts_at=at(9), ends_at=at(10))
    appointment(by=dispatcher, order=theirs, technician=ben, starts_at=at(9), ends_at=at(11))
    client.force_login(dispatcher)

    response = client.post(
        url("board_move", made.pk),
        state(technician=ben.pk, starts_at="2027-03-01T10:00"),
        headers=HTMX,
    )

    assert response.status_code == 409
    assert "The technician has another appointment at that time." in row(
        response.content.decode(), ben
    )
    made.refresh_from_db()
    assert (made.technician, made.starts_at) == (anna, at(9))


def test_a_move_that_changes_the_layout_redraws_the_whole_board(client, dispatcher):
    night = WorkCalendarFactory(hours={"mon": [["00:00", "24:00"]]})
    owl = technician(name="Olli Owl", calendar=night, **HOME)
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=owl, starts_at=at(9), ends_at=at(10)
    )
    client.force_login(dispatcher)

    response = client.post(
        url("board_move", made.pk),
        state(technician=owl.pk, starts_at="2027-03-01T21:00"),
        headers=HTMX,
    )

    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#board", "outerHTML")
    assert 'data-last="1320"' in response.content.decode()


def test_cancelling_puts_the_order_back_in_the_queue(client, dispatcher, anna):
    job = order(by=dispatcher)
    made = appointment(by=dispatcher, order=job, technician=anna, starts_at=at(9), ends_at=at(10))
    client.force_login(dispatcher)

    response = client.post(url("board_cancel", made.pk), state(), headers=HTMX)

    assert response.status_code == 200
    made.refresh_from_db()
    assert made.status == "cancelled"
    html = response.content.decode()
    assert f"The visit to {job.number} on Mon 1 Mar 09:00–10:00 is cancelled." in html
    assert queue(html) == [job.number]


def test_pin_and_unpin(client, dispatcher, anna):
    made = appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )
    client.force_login(dispatcher)

    client.post(url("board_pin", made.pk), state(is_pinned="1"), headers=HTMX)
    made.refresh_from_db()
    assert made.is_pinned

    response = client.post(url("board_pin", made.pk), state(is_pinned="0"), headers=HTMX)
    made.refresh_from_db()
    assert not made.is_pinned
    assert "is no longer pinned." in response.content.decode()


# Plan proposals


def propose(client, user, **fields):
    client.force_login(user)
    data = state(**{"time_limit_seconds": 2, **fields})
    return client.post(url("board_propose"), data, headers=HTMX)


def test_propose_shows_the_plan_as_ghost_cards_and_changes_nothing(client, dispatcher, anna):
    job = order(by=dispatcher)

    response = propose(client, dispatcher)

    assert response.status_code == 200, response.content
    proposal = Proposal.objects.get()
    assert response["HX-Push-Url"] == f"{url('board')}?date={DAY}&proposal={proposal.pk}"
    html = response.content.decode()
    assert place(row(html, anna), f'data-ghost="{job.pk}"') == ("14.2857", "7.1429")  # 08:00
    assert 'data-figure="assigned">1<' in html and 'data-figure="unassigned">0<' in html
    assert 'class="board is-day has-proposal' in html
    assert not Appointment.objects.exists()
    # Reloading the board with the proposal shows it again.
    assert f'data-ghost="{job.pk}"' in page(client, dispatcher, proposal=proposal.pk)


def test_accept_books_the_ghost_cards(client, dispatcher, anna):
    job = order(by=dispatcher)
    propose(client, dispatcher)
    proposal = Proposal.objects.get()

    response = client.post(
        url("board_accept", proposal.pk), state(proposal=proposal.pk), headers=HTMX
    )

    assert response.status_code == 200
    made = Appointment.objects.get()
    assert (made.order, made.technician, made.starts_at) == (job, anna, at(8))
    html = response.content.decode()
    assert "Plan accepted: 1 visit booked." in html
    assert place(row(html, anna), f'data-order="{job.number}"') == ("14.2857", "7.1429")
    assert "data-ghost" not in html
    assert response["HX-Push-Url"] == f"{url('board')}?date={DAY}"
    proposal.refresh_from_db()
    assert proposal.status == "accepted"


def test_a_stale_proposal_is_refused_in_place_and_keeps_its_ghosts(client, dispatcher, anna):
    job = order(by=dispatcher)
    propose(client, dispatcher)
    proposal = Proposal.objects.get()
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(13), ends_at=at(14)
    )

    response = client.post(
        url("board_accept", proposal.pk), state(proposal=proposal.pk), headers=HTMX
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-refusal="proposal"' in html
    changed = "The technician&#x27;s appointments changed after the plan was proposed."
    assert f"<li>Anna Aalto: {changed}</li>" in html
    assert f'data-ghost="{job.pk}"' in html
    assert Appointment.objects.count() == 1
    assert Proposal.objects.get().status == "open"


def test_discard_removes_the_ghost_cards(client, dispatcher, anna):
    order(by=dispatcher)
    propose(client, dispatcher)
    proposal = Proposal.objects.get()

    response = client.post(
        url("board_discard", proposal.pk), state(proposal=proposal.pk), headers=HTMX
    )

    assert response.status_code == 200
    assert "The proposal is discarded." in response.content.decode()
    assert "data-ghost" not in response.content.decode()
    assert Proposal.objects.get().status == "discarded"
    assert not Appointment.objects.exists()


def test_propose_plans_the_rows_and_the_queue_the_filters_show(client, dispatcher, anna, ben):
    lift = SkillFactory(code="LIFT")
    task = ServiceTaskFactory()
    TaskSkillFactory(task=task, skill=lift, min_level=1)
    lift_job = order(by=dispatcher, tasks=[task])
    order(by=dispatcher)

    response = propose(client, dispatcher, skill=lift.pk)

    assert response.status_code == 200
    snapshot = Proposal.objects.get().snapshot
    assert (snapshot["technician_ids"], snapshot["order_ids"]) == ([anna.pk], [lift_job.pk])


def test_propose_refusals_show_on_the_form(client, dispatcher, settings, anna):
    settings.DISPATCH_OPTIMISER_MAX_SECONDS = 5

    too_long = propose(client, dispatcher, time_limit_seconds=6)
    nobody = propose(client, dispatcher, team=DispatchTeamFactory().pk)

    assert too_long.status_code == 422
    assert "Ensure this value is less than or equal to 5." in too_long.content.decode()
    assert nobody.status_code == 409
    assert "No active technician with a home base is in the plan" in nobody.content.decode()
    assert not Proposal.objects.exists()


# Who may


@pytest.mark.parametrize("fixture", ["dispatcher", "manager"])
def test_planners_plan(client, request, fixture, anna):
    html = page(client, request.getfixturevalue(fixture))

    assert "data-can-plan" in html
    assert 'popovertarget="propose-dialog"' in html
    assert 'data-nav="dispatch"' in html


def test_administrators_look_without_planning(client, administrator, dispatcher, anna):
    job = order(by=dispatcher)
    appointment(
        by=dispatcher, order=order(by=dispatcher), technician=anna, starts_at=at(9), ends_at=at(10)
    )

    html = page(client, administrator)

    assert "data-can-plan" not in html and 'draggable="true"' not in html
    assert "Propose plan" not in html and "Assign…" not in html
    assert queue(html) == [job.number]
    response = client.post(
        url("board_assign"), state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T09:00")
    )
    assert response.status_code == 403


@pytest.mark.parametrize("fixture", ["technician_user", "customer_user"])
def test_technicians_and_customers_may_not(client, request, fixture, anna):
    user = request.getfixturevalue(fixture)

    assert get(client, user).status_code == 403
    assert 'data-nav="dispatch"' not in client.get("/").content.decode()


def test_anonymous_users_log_in_first(client):
    response = client.get(url("board"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_the_dispatcher_home_links_to_the_board(client, dispatcher):
    client.force_login(dispatcher)

    html = client.get("/").content.decode()

    assert f'href="{url("board")}" data-action="board"' in html


def test_instants_are_read_in_the_current_time_zone(client, dispatcher, anna):
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    client.post(
        url("board_assign"),
        state(order=job.pk, technician=anna.pk, starts_at="2027-03-01T12:00"),
        headers=HTMX,
    )

    assert Appointment.objects.get().starts_at.astimezone(UTC).hour == 10  # Helsinki is UTC+2


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_board_date_far_in_time_falls_back_to_today(client, dispatcher, anna, day):
    client.force_login(dispatcher)

    response = client.get(reverse("dispatch:board"), {"date": day})

    assert response.status_code == 200


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:30", "9500-01-04T09:00", "1000-01-05T09:00"])
def test_a_drop_far_in_time_is_refused_with_nothing_booked(client, dispatcher, anna, starts_at):
    job = order(by=dispatcher)
    client.force_login(dispatcher)

    response = client.post(
        reverse("dispatch:board_assign"),
        {
            "date": MONDAY.isoformat(),
            "view": "day",
            "order": job.pk,
            "technician": anna.pk,
            "starts_at": starts_at,
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert not Appointment.objects.exists()
