"""A service manager's customer work through the pages: create a customer, add its site, get a
refusal on the form for a bad time zone, and find customers with the live search."""

import re

import pytest
from playwright.sync_api import expect

from openservice.customers.models import Customer, Site

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_CUSTOMER = "Kiinteistö Oy Testitalo"


def create_customer(page) -> None:
    page.goto("/customers/")
    page.get_by_role("link", name="New customer").click()
    expect(page.locator("main h1")).to_have_text("New customer")
    page.get_by_label("Name").fill(NEW_CUSTOMER)
    page.get_by_label("VAT id").fill("FI12345678")
    page.get_by_label("Agreement group").select_option(label="GOLD")
    page.get_by_role("button", name="Save").click()


def test_manager_creates_customer_and_adds_a_site(page, demo, login):
    login(page, "manager")

    create_customer(page)

    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Customer C00031 created.")
    expect(page.locator("main h1")).to_have_text(NEW_CUSTOMER)
    expect(page.locator('[data-field="number"]')).to_have_text("C00031")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("FI12345678")
    expect(facts).to_contain_text("Gold")
    expect(page.locator("#sites")).to_contain_text("No sites yet")
    customer_url = page.url

    page.get_by_role("link", name="Add site").click()
    expect(page.locator("main h1")).to_have_text(f"New site for {NEW_CUSTOMER}")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Helsinki")
    page.get_by_label("Name").fill("Testitalo, main building")
    page.get_by_label("Address").fill("Mannerheimintie 1")
    page.get_by_label("Postcode").fill("00100")
    page.get_by_label("City").fill("Helsinki")
    page.get_by_label("Time zone").fill("Europe/Helsinki")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(customer_url)
    expect(page.get_by_role("status")).to_contain_text("Site Testitalo, main building added.")
    rows = page.locator("#sites tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Testitalo, main building")
    expect(rows.first).to_contain_text("Mannerheimintie 1, 00100 Helsinki, FI")
    expect(rows.first).to_contain_text("Europe/Helsinki")
    customer = Customer.objects.get(number="C00031")
    assert customer.name == NEW_CUSTOMER
    assert customer.agreement_group.code == "GOLD"
    assert list(customer.sites.values_list("name", "timezone")) == [
        ("Testitalo, main building", "Europe/Helsinki")
    ]


def test_unknown_time_zone_is_shown_on_the_field_and_creates_no_site(page, demo, login):
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    sites_before = Site.objects.count()
    login(page, "manager")
    page.goto(f"/customers/{customer.pk}/")

    page.get_by_role("link", name="Add site").click()
    page.get_by_label("Name").fill("Ghost building")
    page.get_by_label("City").fill("Espoo")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/sites/new/$"))
    expect(page.get_by_role("alert")).to_contain_text("Please correct the errors below.")
    field = page.locator(".field.has-error")
    expect(field).to_have_count(1)
    expect(field.get_by_label("Time zone")).to_have_value("Mars/Olympus_Mons")
    expect(field.locator(".field-error")).to_have_text(
        "Mars/Olympus_Mons is not an IANA time zone (for example Europe/Helsinki)."
    )
    expect(page.get_by_label("Name")).to_have_value("Ghost building")
    assert Site.objects.count() == sites_before
    assert not Site.objects.filter(name="Ghost building").exists()

    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#sites tbody tr")).to_have_count(2)
    expect(page.locator("#sites")).not_to_contain_text("Ghost building")


def test_customer_search_narrows_the_list_as_you_type(page, demo, login):
    login(page, "manager")
    page.goto("/customers/")
    rows = page.locator("#customer-rows tbody tr")
    expect(rows).to_have_count(25)  # the first page
    expect(page.locator("#customer-rows")).to_contain_text("30 customers")
    page.evaluate("window.searchedWithoutReload = true")

    page.get_by_label("Search").press_sequentially("Leppävaar", delay=30)

    expect(rows).to_have_count(2)
    expect(rows.get_by_role("link")).to_have_text(
        ["As Oy Leppävaaran Kulma", "Leppävaaran Urheilupuisto Oy"]
    )
    expect(page.locator("#customer-rows")).to_contain_text("2 customers")
    expect(page).to_have_url(re.compile(r"/customers/\?.*q=Lepp%C3%A4vaar"))
    assert page.evaluate("window.searchedWithoutReload") is True  # htmx swap, no page load

    page.get_by_label("Search").press_sequentially("xyz", delay=30)
    expect(page.locator("#customer-rows")).to_contain_text("No customers match.")

    page.get_by_label("Search").fill("")
    expect(rows).to_have_count(25)
    expect(page.locator("#customer-rows")).to_contain_text("30 customers")
    assert page.evaluate("window.searchedWithoutReload") is True
