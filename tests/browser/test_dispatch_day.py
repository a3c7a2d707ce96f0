"""The technician's day in the browser: tech1, on a phone, goes from the home's list of today's
appointments to their day, presses Travelling, On site and Done on an appointment and sees its
status and the order's stage follow, records hours and a part (the part list narrows as they
type) and takes the customer's sign-off, all on the card.

The appointment is made in the test, today, for tech1 on a calendar open round the clock at an
hour tech1 has free, so the test depends neither on the date nor on the demo's appointments."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.calendars.models import WorkCalendar
from openservice.customers.models import Customer
from openservice.dispatch import services as dispatch
from openservice.dispatch.models import Appointment
from openservice.orders import services as orders
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.workforce.models import Technician
from tests.browser.conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESCRIPTION = "Browser test: lift stops between floors"
ROUND_THE_CLOCK = {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def free_hour_today(technician: Technician) -> datetime:
    """The latest whole local hour today that none of the technician's appointments touches."""
    today = timezone.localdate()
    booked = list(
        Appointment.objects.filter(
            technician=technician, status__in=Appointment.ACTIVE
        ).values_list("starts_at", "ends_at")
    )
    for hour in range(22, -1, -1):
        start = timezone.make_aware(datetime.combine(today, time(hour)))
        end = start + timedelta(hours=1)
        if all(end <= other_start or start >= other_end for other_start, other_end in booked):
            return start
    raise AssertionError("tech1 has no free hour today")


def appointment_for_tech1() -> Appointment:
    users = get_user_model().objects
    tech1 = Technician.objects.get(user__username="tech1")
    tech1.calendar = WorkCalendar.objects.create(
        name="Browser test: round the clock", timezone="Europe/Helsinki", hours=ROUND_THE_CLOCK
    )
    tech1.save(update_fields=["calendar"])
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    dispatcher = users.get(username="dispatcher")
    order = orders.order_create(
        by=dispatcher,
        customer=customer,
        site=customer.sites.order_by("pk").first(),
        description=DESCRIPTION,
        priority="high",
    )
    start = free_hour_today(tech1)
    made, _warnings = dispatch.appointment_create(
        order=order,
        technician=tech1,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        by=dispatcher,
    )
    return made


def assert_fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_technician_goes_travelling_on_site_done_and_takes_the_sign_off(phone_page, demo, login):
    made = appointment_for_tech1()
    order = made.order
    phone = phone_page

    login(phone, "tech1")
    today = phone.locator("#my-appointments")
    expect(today).to_contain_text("Appointments today")
    today.locator(f'[data-appointment="{made.pk}"] a').click()
    expect(phone.locator("main h1")).to_have_text("My day")

    card = phone.locator(f"#appointment-{made.pk}")
    expect(card).to_contain_text(DESCRIPTION)
    expect(card).to_contain_text("Kiinteistö Oy Tapiolan Torni")
    expect(card.locator("a[data-field=address]")).to_have_attribute(
        "href",
        "https://www.google.com/maps/search/?api=1&query="
        + f"{order.site.latitude}%2C{order.site.longitude}",
    )
    if not card.locator(".appt-record").count():  # another appointment of the day is open
        card.get_by_role("link", name="Record work").click()
        card = phone.locator(f"#appointment-{made.pk}")
    expect(card.locator(".appt-record")).to_be_visible()
    assert_fits_the_phone(phone)

    steps = [
        ("Travelling", "Travelling", "Scheduled"),
        ("On site", "On site", "In progress"),
        ("Done", "Done", "Completed"),
    ]
    for button_name, status, stage in steps:
        button = card.get_by_role("button", name=button_name, exact=True).first
        assert button.bounding_box()["height"] >= 44, button_name
        assert button.bounding_box()["width"] >= 280, button_name  # the big one: full width
        button.click()
        expect(card.locator("[data-field=status]")).to_have_text(status)
        expect(card.locator("[data-field=stage]")).to_have_text(stage)
        expect(card.get_by_role("status").first).to_contain_text(f"{order.number}: {status}.")
    expect(card.locator(".appt-steps")).to_have_count(0)  # nothing left to press
    made.refresh_from_db()
    assert made.status == Appointment.Status.DONE
    assert ServiceOrder.objects.get(pk=order.pk).stage.code == "completed"

    # What was done: hours at the demo's hourly rate, and a part found by typing.
    card.locator("summary", has_text="Add hours").click()
    card.get_by_label("Hours").fill("1.5")
    card.get_by_label("What was done").fill("Reset the drive, cleaned the door sill")
    card.get_by_role("button", name="Save hours").click()
    expect(card.locator(".appt-lines")).to_contain_text("Reset the drive, cleaned the door sill")

    card.locator("summary", has_text="Add part").click()
    card.get_by_label("Find a part").press_sequentially("door roll", delay=30)
    part = card.locator("[data-record=item] select[name=item]")
    expect(part.locator("option")).to_have_text(["LFT-ROLLER Door roller set"])
    assert part.evaluate("select => select.selectedOptions[0].text") == "LFT-ROLLER Door roller set"
    card.get_by_role("button", name="Save part").click()
    expect(card.locator(".appt-lines")).to_contain_text("Door roller set")
    assert_fits_the_phone(phone)

    # The customer reads the work on the card and signs.
    card.get_by_label("Signer's name").fill("Kaisa Kiinteistö")
    card.get_by_label("The customer has checked the work and accepts it.").check()
    card.get_by_role("button", name="Record sign-off").click()
    expect(card.locator("[data-field=signer]")).to_contain_text("Kaisa Kiinteistö")
    expect(card.get_by_role("link", name="Work receipt")).to_be_visible()
    assert_fits_the_phone(phone)

    signed = ServiceOrder.objects.get(pk=order.pk)
    assert signed.signer_name == "Kaisa Kiinteistö"
    assert sorted(OrderLine.objects.filter(order=order).values_list("kind", flat=True)) == [
        "hour",
        "item",
    ]
