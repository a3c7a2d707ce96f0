"""The SLA monitor and the order's SLA panel in a browser: a dispatcher sees what is breached or
at risk, narrows the list, watches it refresh itself when a new order arrives, and stops an at-risk
order's clock from its SLA panel."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.customers.models import Customer
from openservice.orders import services
from openservice.orders.models import ServiceOrder

from .conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AT_RISK = "(demo SLA #2)"  # the demo's order that has used 85% of its response time


def test_dispatcher_watches_the_sla_monitor(page, demo, login):
    page.clock.install()  # the monitor polls every minute: let the test move time on
    login(page, "dispatcher")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SLA", exact=True).click()
    expect(page.locator("main h1")).to_have_text("SLA monitor")

    rows = page.locator("#sla-rows tbody tr")
    expect(page.locator('#sla-rows tr[data-sla="breached"]').first).to_be_visible()
    breached = page.locator('#sla-rows tr[data-sla="breached"]').first
    expect(breached).to_have_class(re.compile(r"sla-row-breached"))
    expect(breached).to_contain_text("Breached")
    expect(breached).to_contain_text("overdue")
    at_risk = ServiceOrder.objects.get(description__contains=AT_RISK)
    summary = page.locator(".sla-summary")
    expect(summary).to_contain_text("at risk")

    # Only what is at risk: the demo's order at 85% of its response time is there.
    page.get_by_label("SLA state").select_option("at_risk")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"state=at_risk"))
    expect(rows.first).to_be_visible()
    states = set(rows.evaluate_all("rows => rows.map(row => row.dataset.sla)"))
    assert states == {"at_risk"}
    row = page.locator(f'#sla-rows tr[data-order="{at_risk.number}"]')
    expect(row).to_contain_text("At risk")
    expect(row).to_contain_text("Europe/Helsinki")

    # A new critical order arrives; within a minute the list of orders on track shows it
    # without a reload.
    page.get_by_label("SLA state").select_option("on_track")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"state=on_track"))
    refreshed = page.locator(".sla-summary").get_attribute("data-refreshed")
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    fresh = services.order_create(
        by=get_user_model().objects.get(username="dispatcher"),
        customer=customer,
        site=customer.sites.order_by("pk").first(),
        description="Browser test: lift stuck with a passenger",
        priority="critical",
        service_on=timezone.localdate(),
    )
    assert fresh.sla_policy is not None
    expect(page.locator(f'#sla-rows tr[data-order="{fresh.number}"]')).to_have_count(0)
    page.clock.fast_forward("01:05")
    new_row = page.locator(f'#sla-rows tr[data-order="{fresh.number}"]')
    expect(new_row).to_have_count(1)
    expect(new_row).to_contain_text("Critical")
    expect(new_row).to_contain_text("On track")
    assert page.locator(".sla-summary").get_attribute("data-refreshed") != refreshed

    # The at-risk order's SLA panel: state, progress, and the dispatcher stops the clock (no
    # reason needed before the target is missed).
    page.goto(f"/orders/{at_risk.pk}/")
    panel = page.locator("#sla")
    expect(panel).to_contain_text("At risk")
    expect(panel.get_by_role("progressbar")).to_have_attribute("aria-valuenow", re.compile(r"8\d"))
    expect(panel.locator('[data-field="response_due"]')).not_to_have_text("—")
    panel.locator("summary", has_text="Stop the clock…").click()
    panel.get_by_role("button", name="Stop the clock").click()
    expect(page.get_by_role("status")).to_contain_text("SLA clock stopped.")
    expect(page.locator("#sla")).to_contain_text("Met")
    at_risk.refresh_from_db()
    assert (at_risk.sla_state, at_risk.sla_clock) == ("met", "stop")


def test_the_monitor_fits_a_phone(phone_page, demo, login):
    login(phone_page, "dispatcher")
    phone_page.goto("/orders/sla/?state=breached")
    expect(phone_page.locator("main h1")).to_have_text("SLA monitor")
    expect(phone_page.locator('#sla-rows tr[data-sla="breached"]').first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
