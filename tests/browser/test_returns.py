"""A return through the pages: a manager opens a return whose unit has arrived and been
inspected, chooses the REPAIR disposition, processes the return, sees the line in repair with a
link to its repair order, follows it, and finds on the order page the Returns section linking
back. Then the portal customer requests a return on a phone. The return is made through the
services so the test never depends on the demo's own returns."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from openservice.customers.models import Customer
from openservice.equipment.models import ServiceObject
from openservice.orders.models import ServiceOrder
from openservice.returns import selectors, services
from openservice.returns.models import ReturnOrder

from .conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def received_unit():
    """A return of a demo unit that has arrived and been inspected, with no disposition yet."""
    manager = get_user_model().objects.get(username="manager")
    unit = (
        ServiceObject.objects.filter(site__isnull=False, return_lines__isnull=True)
        .select_related("customer")
        .order_by("pk")
        .first()
    )
    ret = services.return_create(
        by=manager,
        customer=unit.customer,
        reason=selectors.reason_by_code("DEFECT"),
        lines=[services.LineInput(object=unit)],
        note="Browser test: unit stops after an hour",
    )
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    services.line_inspect(ret=ret, line=line, by=manager, note="Drive board burnt")
    return ret, line


def test_a_manager_sends_a_returned_unit_to_repair(page, demo, login):
    ret, line = received_unit()
    login(page, "manager")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Returns").click()
    expect(page.locator("main h1")).to_have_text("Returns")
    page.get_by_role("searchbox", name="Search").fill(ret.number)
    page.get_by_role("button", name="Search").click()
    page.locator("#return-rows").get_by_role("link", name=ret.number).click()
    expect(page.locator("main h1")).to_contain_text(f"Return {ret.number}")

    row = page.locator(f"#line-{line.pk}")
    expect(row.locator('[data-status="received"]')).to_have_text("Received")
    row.get_by_text("Disposition…").click()
    row.get_by_label("Disposition").select_option(label="REPAIR · Repair")
    row.get_by_role("button", name="Set disposition").click()
    expect(page.locator(".messages")).to_contain_text("Disposition REPAIR set")
    expect(row.locator('[data-field="disposition"]')).to_contain_text("Repair")

    page.get_by_role("button", name="Process").click()

    expect(page.locator("#processed")).to_contain_text("Repair order")
    order = ServiceOrder.objects.get(return_lines=line)
    expect(row.locator('[data-status="in_repair"]')).to_have_text("In repair")
    link = row.get_by_role("link", name=order.number)
    expect(link).to_be_visible()
    link.click()

    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    expect(page.locator("main h1")).to_contain_text(order.number)
    section = page.locator("#section-returns")
    back = section.get_by_role("link", name=ret.number)
    expect(back).to_have_attribute("href", f"/returns/{ret.pk}/#line-{line.pk}")
    expect(section.locator('[data-status="in_repair"]')).to_have_text("In repair")
    back.click()
    expect(page.locator("main h1")).to_contain_text(f"Return {ret.number}")


def test_the_portal_customer_requests_a_return_on_a_phone(phone_page, demo, login):
    page = phone_page
    customer = Customer.objects.get(contacts__user__username="customer1")
    unit = ServiceObject.objects.filter(customer=customer).order_by("pk").first()
    login(page, "customer1")

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My returns").click()
    expect(page.locator("main h1")).to_have_text("My returns")
    page.get_by_role("link", name="Request a return").click()
    page.get_by_label("Why are you returning the goods?").select_option(label="DEFECT · Defective")
    page.get_by_label("Note").fill("Browser test: the unit rattles")
    first = page.locator('[data-line-form="0"]')
    first.get_by_label("Service object").select_option(value=str(unit.pk))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Send request").click()

    ret = ReturnOrder.objects.get(note="Browser test: the unit rattles")
    expect(page.locator("main h1")).to_contain_text(f"Return {ret.number}")
    expect(page.locator(".messages")).to_contain_text("requested")
    assert (ret.customer, ret.requested_by_customer) == (customer, True)
    assert list(ret.lines.values_list("object", flat=True)) == [unit.pk]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_role("button", name="Cancel my request")).to_be_visible()
