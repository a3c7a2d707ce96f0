"""A service order through the pages, from new to posted: a dispatcher schedules it, tech1 starts
and completes it and captures the customer's sign-off on a phone, and a manager posts it.
The order is made through the services so the test never depends on the demo's orders."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.core.selectors import reason_by_code
from openservice.customers.models import Customer
from openservice.orders import services
from openservice.orders.models import OrderLine, ServiceOrder, Stage
from openservice.workforce.models import Technician

from .conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESCRIPTION = "Browser test: lift door reopens by itself"


def create_order(*, stage: str = "new") -> ServiceOrder:
    """A new order for tech1 at a demo customer, optionally moved on by the dispatcher."""
    users = get_user_model().objects
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    order = services.order_create(
        by=users.get(username="dispatcher"),
        customer=customer,
        site=customer.sites.order_by("pk").first(),
        description=DESCRIPTION,
        priority="high",
        service_on=timezone.localdate(),
        preferred_technician=Technician.objects.get(user__username="tech1"),
    )
    if stage != "new":
        services.order_change_stage(
            order=order, to=Stage.objects.get(code=stage), by=users.get(username="dispatcher")
        )
    return order


def stage_of(order: ServiceOrder) -> str:
    return ServiceOrder.objects.select_related("stage").get(pk=order.pk).stage.code


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def assert_fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_order_from_new_to_posted(page, phone_page, demo, login):
    order = create_order()

    # The dispatcher finds the order with the live search and schedules it.
    login(page, "dispatcher")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator("main h1")).to_have_text("Orders")
    page.get_by_label("Search").fill(order.number)
    expect(page).to_have_url(re.compile(rf"q={order.number}"))
    rows = page.locator("#order-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("High")
    expect(rows.first).to_contain_text("New")
    rows.first.get_by_role("link", name=order.number).click()
    expect(page.locator("main h1")).to_contain_text(order.number)
    workflow = page.locator("#workflow")
    expect(workflow.get_by_role("button")).to_have_text(["Move to Scheduled"])
    expect(workflow.locator("summary")).to_have_text(["Cancel order…"])  # opens a reason prompt
    workflow.get_by_role("button", name="Move to Scheduled").click()
    expect(page.get_by_role("status")).to_contain_text(f"{order.number} moved to Scheduled.")
    expect(page.locator('[data-field="stage"]')).to_have_text("Scheduled")
    assert stage_of(order) == "scheduled"

    # tech1, on a phone, opens the order from "My orders", starts it, records the hours,
    # completes it and has the customer sign off.
    phone = phone_page
    login(phone, "tech1")
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="My orders", exact=True).click()
    phone.locator(f'[data-order="{order.number}"]').get_by_role("link").click()
    expect(phone.locator("main h1")).to_contain_text(order.number)
    assert_fits_the_phone(phone)
    start = phone.get_by_role("button", name="Move to In progress")
    assert start.bounding_box()["height"] >= 44
    start.click()
    expect(phone.get_by_role("status")).to_contain_text(f"{order.number} moved to In progress.")

    phone.locator("#lines summary").click()
    lines_form = phone.locator(".line-form")
    lines_form.get_by_label("Kind").select_option(label="Hours")
    lines_form.get_by_label("Description").fill("Door sensor realigned")
    lines_form.get_by_label("Quantity").fill("1.5")
    lines_form.get_by_label("Unit price").fill("80")
    lines_form.get_by_role("button", name="Add line").click()
    expect(phone.get_by_role("status")).to_contain_text("Line added: Door sensor realigned.")
    expect(phone.locator("#lines tbody tr")).to_have_count(1)
    expect(phone.locator('[data-total="net"]')).to_have_text("€120.00")

    phone.get_by_role("button", name="Move to Completed").click()
    expect(phone.get_by_role("status")).to_contain_text(f"{order.number} moved to Completed.")

    sign_off = phone.locator("#sign-off")
    sign_off.scroll_into_view_if_needed()
    expect(sign_off).to_contain_text("Door sensor realigned")  # the receipt being signed for
    expect(sign_off).to_contain_text("€120.00")
    sign_off.get_by_role("button", name="Record sign-off").click()
    expect(sign_off.locator(".field-error")).to_have_text(
        [
            "Enter the name of the person who signs.",
            "The customer must confirm the work to sign off.",
        ]
    )
    assert ServiceOrder.objects.get(pk=order.pk).signed_off_at is None
    name = phone.get_by_label("Signer's name")
    assert name.bounding_box()["height"] >= 44
    name.fill("Maija Asiakas")
    phone.get_by_label("The customer has checked the work and accepts it.").check()
    assert_fits_the_phone(phone)
    phone.get_by_role("button", name="Record sign-off").click()
    expect(phone.get_by_role("status")).to_contain_text("Signed off by Maija Asiakas.")
    expect(phone.locator('[data-field="signer"]')).to_have_text("Maija Asiakas")
    expect(phone.locator("#workflow")).to_have_count(0)  # nothing left for a technician to do
    signed = ServiceOrder.objects.select_related("stage", "signed_off_by").get(pk=order.pk)
    assert (signed.stage.code, signed.signer_name, signed.signed_off_by.username) == (
        "completed",
        "Maija Asiakas",
        "tech1",
    )

    # The manager posts the signed-off order.
    log_out(page)
    login(page, "manager")
    page.goto(f"/orders/{order.pk}/")
    page.get_by_role("button", name="Post 1 line").click()
    expect(page.get_by_role("status")).to_contain_text(f"1 line of {order.number} posted.")
    expect(page.locator("#lines tbody tr").first).to_contain_text("Posted")
    expect(page.locator("#workflow")).to_contain_text("Every line is posted.")
    line = OrderLine.objects.get(order=order)
    assert (line.status, line.net_amount) == ("posted", Decimal("120.00"))
    assert ServiceOrder.objects.get(pk=order.pk).posted_at is not None


def test_technician_puts_an_order_on_hold_with_a_reason_on_a_phone(phone_page, demo, login):
    order = create_order(stage="scheduled")
    services.order_change_stage(
        order=order,
        to=Stage.objects.get(code="in_progress"),
        by=get_user_model().objects.get(username="tech1"),
    )

    login(phone_page, "tech1")
    phone_page.goto(f"/orders/{order.pk}/")
    phone_page.get_by_text("Move to On hold…").click()
    prompt = phone_page.locator('details[data-to="on_hold"]')
    prompt.get_by_label("Reason").select_option("PARTS_MISSING")
    prompt.get_by_label("Note").fill("Door sensor on order")
    assert_fits_the_phone(phone_page)
    prompt.get_by_role("button", name="Move to On hold").click()

    expect(phone_page.get_by_role("status")).to_contain_text(f"{order.number} moved to On hold.")
    expect(phone_page.locator("#history")).to_contain_text("reason PARTS_MISSING")
    expect(phone_page.locator("#history")).to_contain_text("Door sensor on order")
    assert stage_of(order) == "on_hold"
    change = order.stage_changes.latest("pk")
    assert (change.reason, change.note) == (reason_by_code("PARTS_MISSING"), "Door sensor on order")
