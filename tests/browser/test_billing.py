"""A billing run in a browser: a manager proposes invoices through a date for a posted order and
a subscription fee made here (years before the demo's own data, so nothing of the demo joins
in), reviews the drafts, posts them all, opens an invoice and checks its number and totals and
that it prints without the navigation; then the customer logs in and sees only their invoice."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from openservice.billing.models import Invoice
from openservice.core.roles import Role
from openservice.core.tests.factories import UserFactory
from openservice.customers.tests.factories import ContactFactory, CustomerFactory
from openservice.orders import services as orders
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.subscriptions import services as subscriptions

from .conftest import PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

THROUGH = date(2020, 1, 31)
POSTED_AT = datetime(2020, 1, 20, 10, 0, tzinfo=UTC)
PORTAL_PASSWORD = "pw"  # UserFactory's


def posted_order(manager, customer, *prices: str) -> None:
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    for price in prices:
        add_line(order, by=manager, quantity="2", unit_price=Decimal(price))
    orders.order_post(order=order, by=manager, now=POSTED_AT)


def billing_data():
    """Two fresh customers: one with a posted order (2 × 50.00) and a monthly fee of 100.00 for
    January 2020 and a portal login, the other with a posted order (2 × 40.00)."""
    manager = get_user_model().objects.get(username="manager")
    mine = CustomerFactory(
        name="Browser Billing Oy", billing_address="PL 7\n02100 Espoo", vat_id="FI7654321"
    )
    other = CustomerFactory(name="Someone Else Oy")
    portal = UserFactory(username="billing-portal", roles=[Role.CUSTOMER])
    ContactFactory(customer=mine, user=portal)
    posted_order(manager, mine, "50.00")
    posted_order(manager, other, "40.00")
    plan = subscriptions.plan_create(by=manager, name="Browser monthly", period="month")
    subscription = subscriptions.subscription_create(
        by=manager,
        customer=mine,
        plan=plan,
        description="Remote monitoring",
        base_price=Decimal("100.00"),
        starts_on=date(2020, 1, 1),
        ends_on=date(2020, 12, 31),
    )
    subscriptions.subscriptions_generate_fees(through=THROUGH, subscriptions=[subscription])
    return mine, other


def test_a_manager_runs_billing_and_the_customer_sees_their_invoice(page, demo, login):
    mine, other = billing_data()
    login(page, "manager")

    expect(page.locator("#invoices-to-post")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices").click()
    expect(page.locator("main h1")).to_have_text("Invoices")
    page.get_by_role("link", name="Billing run").click()
    expect(page.locator("main h1")).to_have_text("Billing run")

    page.get_by_label("Through").fill(THROUGH.isoformat())
    page.get_by_role("button", name="Propose").click()

    review = page.locator("#review")
    expect(review.locator('[data-review="count"]')).to_have_text("2")
    expect(page).to_have_url(re.compile(r"/invoices/run/\?through=2020-01-31&ids=\d+"))
    drafts = review.locator("table.run-drafts tbody tr")
    expect(drafts).to_have_count(2)
    mine_row = drafts.filter(has_text="Browser Billing Oy")
    expect(mine_row.locator('[data-field="lines"]')).to_have_text("2")
    expect(mine_row.locator('[data-field="net"]')).to_have_text("€200.00")
    expect(mine_row.locator('[data-field="gross"]')).to_have_text("€251.00")
    eur = review.locator('tr[data-currency="EUR"]')
    expect(eur.locator('[data-field="count"]')).to_have_text("2")
    expect(eur.locator('[data-field="gross"]')).to_have_text("€351.40")  # 251.00 + 100.40

    post = page.locator("#post")
    post.get_by_label("Issue date").fill("2020-02-03")
    post.get_by_role("button", name="Post all 2 drafts").click()

    result = page.locator("#result")
    expect(result.locator('[data-result="count"]')).to_have_text("2")
    expect(result.locator('[data-result="first"]')).to_have_text("2020-000001")
    expect(result.locator('[data-result="last"]')).to_have_text("2020-000002")
    expect(page.locator("#post")).to_have_count(0)
    invoice = Invoice.objects.get(customer=mine)
    assert (invoice.status, invoice.issued_on) == ("posted", date(2020, 2, 3))

    page.locator("table.run-drafts").get_by_role("link", name=invoice.number).click()
    expect(page.locator("main h1")).to_contain_text(f"Invoice {invoice.number}")
    document = page.locator("#invoice-doc")
    expect(document.locator('[data-field="number"]')).to_have_text(invoice.number)
    expect(document.locator('[data-field="customer_name"]')).to_have_text("Browser Billing Oy")
    expect(document.locator("tr[data-line]")).to_have_count(2)
    expect(document.locator('[data-total="net"]')).to_have_text("€200.00")
    expect(document.locator('[data-vat-rate="25.5"]')).to_have_text("€51.00")
    expect(document.locator('[data-total="gross"]')).to_have_text("€251.00")
    expect(document.locator('[data-field="reference"]')).to_have_text(invoice.number)
    expect(document.locator('[data-field="due_on"]')).to_contain_text("2020")
    expect(page.get_by_role("button", name="Credit all lines")).to_be_visible()

    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.get_by_role("button", name="Credit all lines")).to_be_hidden()
    expect(document).to_be_visible()
    expect(document.locator('[data-total="gross"]')).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("header.topbar")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    login(page, "billing-portal", PORTAL_PASSWORD)
    expect(page.locator("#my-invoices")).to_contain_text(invoice.number)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My invoices").click()
    expect(page.locator("main h1")).to_have_text("My invoices")
    rows = page.locator("#invoice-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-number", invoice.number)
    rows.first.get_by_role("link", name=invoice.number).click()
    expect(page.locator('#invoice-doc [data-total="gross"]')).to_have_text("€251.00")
    expect(page.get_by_role("button", name="Credit all lines")).to_have_count(0)
    expect(page.locator("form[method=post][action*='/invoices/']")).to_have_count(0)
    theirs = Invoice.objects.get(customer=other)
    response = page.goto(f"/invoices/{theirs.pk}/")
    assert response is not None and response.status == 404


def test_the_invoice_pages_fit_a_phone(phone_page, demo, login):
    mine, _other = billing_data()
    login(phone_page, "manager")

    phone_page.goto("/invoices/run/")
    phone_page.get_by_label("Through").fill(THROUGH.isoformat())
    phone_page.get_by_role("button", name="Propose").click()
    expect(phone_page.locator('#review [data-review="count"]')).to_have_text("2")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    draft = Invoice.objects.get(customer=mine)
    phone_page.goto(f"/invoices/{draft.pk}/")
    expect(phone_page.locator('#invoice-doc [data-field="number"]')).to_have_text("Draft")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_page.goto("/invoices/")
    expect(phone_page.locator("#invoice-rows tbody tr").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
