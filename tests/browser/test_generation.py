"""Generating orders from agreements in a browser: a dispatcher finds the generate page from the
agreements list, previews a run (nothing is written), runs it and sees what it made; the
agreement page then loads its orders and its 12-month forecast calendar."""

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.agreements import services as agreements
from openservice.customers.models import Customer
from openservice.orders.models import ServiceOrder

from .conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def weekly_agreement() -> tuple:
    """An active agreement of a demo customer with one visit a week from a Monday about two
    months ahead (a same-week window, so a holiday only moves a visit), and that Monday."""
    manager = get_user_model().objects.get(username="manager")
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    today = timezone.localdate()
    monday = today + timedelta(days=60 + (7 - (today + timedelta(days=60)).weekday()) % 7)
    agreement = agreements.agreement_create(
        by=manager,
        customer=customer,
        site=customer.sites.order_by("pk").first(),
        description="Browser test: weekly lift round",
        starts_on=today.replace(day=1),
    )
    agreements.agreement_line_create(
        agreement=agreement,
        by=manager,
        kind="hour",
        description="Lift round",
        interval_unit="week",
        window="same_week",
        starts_on=monday,
    )
    agreement = agreements.agreement_change_status(
        agreement=agreement, by=manager, action="activate"
    )
    return agreement, monday


def test_dispatcher_previews_then_generates_and_sees_the_forecast(page, demo, login):
    agreement, monday = weekly_agreement()
    last = monday + timedelta(days=27)  # four weeks: four visits
    login(page, "dispatcher")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Agreements", exact=True).click()
    expect(page.locator("main h1")).to_have_text("Agreements")
    expect(page.locator(f'tr[data-agreement="{agreement.number}"]')).to_contain_text("Active")
    expect(page.get_by_role("link", name="New agreement")).to_have_count(0)
    page.get_by_role("link", name="Generate orders").click()
    expect(page.locator("main h1")).to_have_text("Generate orders")

    page.get_by_label("From", exact=True).fill(monday.isoformat())
    page.get_by_label(re.compile(r"^To\b")).fill(last.isoformat())
    page.get_by_label("Agreements", exact=True).select_option(str(agreement.pk))
    page.get_by_role("button", name="Preview").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("nothing is written yet")
    row = preview.locator(f'tr[data-agreement="{agreement.number}"]')
    expect(row.locator('[data-field="new_orders"]')).to_have_text("4")
    expect(row.locator('[data-field="lines"]')).to_have_text("4")
    assert not ServiceOrder.objects.filter(agreement=agreement).exists()

    page.get_by_role("button", name="Generate", exact=True).click()

    result = page.locator("#result")
    expect(result.locator('[data-result="orders_created"]')).to_have_text("4")
    expect(result.locator('[data-result="lines_created"]')).to_have_text("4")
    expect(result).to_contain_text("orders created")
    made = ServiceOrder.objects.filter(agreement=agreement).order_by("service_on")
    assert made.count() == 4
    assert all(monday <= order.service_on <= last for order in made)

    page.goto(f"/agreements/{agreement.pk}/")
    expect(page.locator("main h1")).to_contain_text(agreement.number)
    expect(page.locator('[data-field="recurrence"]')).to_have_text("every week, same-week window")
    expect(page.locator("#agreement-orders tr[data-order]")).to_have_count(4)
    expect(page.locator("#agreement-orders tr[data-order]").first).to_contain_text(
        made.last().number
    )
    forecast = page.locator("#agreement-forecast")
    expect(forecast.locator(".forecast-month")).to_have_count(12)
    expect(forecast.locator(".forecast-legend")).to_contain_text("Planned visit")
    for order in made:
        day = forecast.locator(f'td[data-day="{order.service_on.isoformat()}"]')
        expect(day).to_have_attribute("data-state", "generated")
    next_visit = forecast.locator('td[data-state="visit"]').first
    expect(next_visit).to_be_visible()
    assert date.fromisoformat(next_visit.get_attribute("data-day")) > last
    # A dispatcher reads the agreement but changes nothing.
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.locator("#workflow")).to_have_count(0)


def test_the_agreement_page_fits_a_phone(phone_page, demo, login):
    agreement, _monday = weekly_agreement()
    login(phone_page, "manager")

    phone_page.goto(f"/agreements/{agreement.pk}/")

    expect(phone_page.locator("#agreement-forecast .forecast-month")).to_have_count(12)
    expect(phone_page.locator("#agreement-orders")).to_contain_text("No orders generated yet")
    expect(phone_page.get_by_role("button", name="Suspend")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_page.goto("/orders/generate/")
    expect(phone_page.locator("main h1")).to_have_text("Generate orders")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
