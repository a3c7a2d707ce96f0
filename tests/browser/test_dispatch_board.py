"""The dispatch board in a browser: the dispatcher drags an order from the queue onto a
technician's row and sees it placed, moves it by dragging, then runs "Propose plan" and accepts
it, and the ghost cards become appointments.

Everything the test plans is made here: a technician on a calendar open round the clock (so
neither the date nor the weekday matters) with a home base and a skill nobody in the demo
holds, and two orders needing that skill at sites with coordinates. The board is opened a week
ahead (proposals plan from now on) and narrowed to the skill, so the demo's own technicians and
orders stay out of the way."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.catalog.tests.factories import ServiceTaskFactory, TaskSkillFactory
from openservice.customers.models import Customer
from openservice.customers.tests.factories import SiteFactory
from openservice.dispatch.models import Appointment
from openservice.orders import services as orders
from openservice.workforce.tests.factories import (
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY_MINUTES = 840  # the board's day runs 06:00-20:00


def plan_for_the_test():
    """A round-the-clock technician holding the BOARD skill, and two orders needing it."""
    dispatcher = get_user_model().objects.get(username="dispatcher")
    always = WorkCalendarFactory(
        name="Board test: round the clock",
        hours={
            day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        },
    )
    skill = SkillFactory(code="BOARD", name="Board test skill")
    person = TechnicianFactory(
        name="Bea Board",
        calendar=always,
        home_latitude=Decimal("60.169900"),
        home_longitude=Decimal("24.938400"),
    )
    TechnicianSkillFactory(technician=person, skill=skill, level=3)
    task = ServiceTaskFactory(
        code="BOARD-VISIT", name="Board test visit", default_duration_minutes=60
    )
    TaskSkillFactory(task=task, skill=skill, min_level=1)
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    made = [
        orders.order_create(
            by=dispatcher,
            customer=customer,
            site=SiteFactory(customer=customer, city="Espoo"),
            description=f"Board test order {n}",
            priority=priority,
            tasks=[task],
        )
        for n, priority in enumerate(("critical", "normal"), start=1)
    ]
    return person, skill, made


def at_minute(track, minutes_from_six: int) -> dict:
    """A point on a row's track `minutes_from_six` minutes after 06:00 (a little past, so the
    snap to 15 minutes lands on it)."""
    box = track.bounding_box()
    return {"x": box["width"] * (minutes_from_six + 3) / DAY_MINUTES, "y": box["height"] / 2}


def local(appointment: Appointment) -> tuple[str, str]:
    return (
        timezone.localtime(appointment.starts_at).strftime("%H:%M"),
        timezone.localtime(appointment.ends_at).strftime("%H:%M"),
    )


def test_dispatcher_drags_an_order_onto_a_row_then_accepts_a_proposed_plan(page, demo, login):
    person, skill, (first, second) = plan_for_the_test()
    day = timezone.localdate() + timedelta(days=7)
    login(page, "dispatcher")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dispatch").click()
    expect(page.locator("main h1")).to_have_text("Dispatch board")
    page.goto(f"/dispatch/?date={day.isoformat()}&skill={skill.pk}")
    row = page.locator(f"#row-{person.pk}")
    track = row.locator(".row-track")
    expect(row).to_contain_text("Bea Board")
    queue = page.locator("#queue .queue-card")
    expect(queue).to_have_count(2)
    expect(queue.first).to_have_attribute("data-order", first.number)  # critical first

    # Drag the critical order onto Bea's row at 09:00.
    page.locator(f'.queue-card[data-order="{first.number}"]').drag_to(
        track, target_position=at_minute(track, 3 * 60)
    )
    placed = row.locator(f'.board-card[data-order="{first.number}"]')
    expect(placed).to_be_visible()
    expect(placed).to_contain_text("09:00–10:00")
    expect(page.locator("#board-feedback")).to_contain_text(f"{first.number} booked for Bea Board")
    expect(page.locator(f'.queue-card[data-order="{first.number}"]')).to_have_count(0)
    booked = Appointment.objects.get(order=first)
    assert (booked.technician_id, local(booked)) == (person.pk, ("09:00", "10:00"))
    assert timezone.localtime(booked.starts_at).date() == day

    # Drag the card along its row to 11:00 (the pointer keeps its place on the card).
    box = placed.bounding_box()
    target = at_minute(track, 5 * 60)
    target["x"] += box["width"] / 2
    placed.drag_to(
        track,
        source_position={"x": box["width"] / 2, "y": box["height"] / 2},
        target_position=target,
    )
    expect(row.locator(f'.board-card[data-order="{first.number}"]')).to_contain_text("11:00–12:00")
    booked.refresh_from_db()
    assert local(booked) == ("11:00", "12:00")

    # Propose a plan for the day: the other order comes back as a ghost card on Bea's row.
    page.get_by_role("button", name="Propose plan").click()
    dialog = page.locator("#propose-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Time limit (seconds)").fill("3")
    dialog.get_by_role("button", name="Propose").click()
    proposal = page.locator("#proposal")
    expect(proposal).to_be_visible()
    expect(proposal.locator('[data-figure="unassigned"]')).to_have_text("0")
    ghost = row.locator(f'.board-ghost[data-order="{second.number}"]')
    expect(ghost).to_be_visible()
    proposal_id = proposal.get_attribute("data-proposal")
    expect(page).to_have_url(
        re.compile(rf"/dispatch/\?date={day}&skill={skill.pk}&proposal={proposal_id}$")
    )
    assert not Appointment.objects.filter(order=second).exists()

    # Accept it: the ghost cards become appointments.
    proposal.get_by_role("button", name="Accept").click()
    expect(page.locator("#board-feedback")).to_contain_text("Plan accepted")
    expect(page.locator(".board-ghost")).to_have_count(0)
    expect(page.locator("#proposal")).to_have_count(0)
    expect(row.locator(f'.board-card[data-order="{second.number}"]')).to_be_visible()
    expect(page.locator("#queue .queue-card")).to_have_count(0)
    made = Appointment.objects.get(order=second, status="confirmed")
    assert made.technician_id == person.pk
    assert timezone.localtime(made.starts_at).date() == day
