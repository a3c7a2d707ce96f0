"""Service objects in the browser: a manager opens an object, unfolds its component tree and
replaces a part through the form in the tree; a customer finds their own objects."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.catalog import bom_services
from openservice.catalog.models import Item
from openservice.catalog.tests.factories import ItemFactory
from openservice.customers.models import Customer
from openservice.equipment.models import ServiceObject
from openservice.equipment.services import object_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def build_lift(customer: Customer, serial: str) -> ServiceObject:
    """A lift whose drive is a sub-assembly (controller and motor), plus a door; its own SKUs so
    it never depends on what the demo contains."""
    manager = get_user_model().objects.get(username="manager")
    item = {
        sku: ItemFactory(sku=sku, name=name, kind=Item.Kind.PRODUCT)
        for sku, name in [
            ("BT-LIFT", "Browser test lift"),
            ("BT-DRIVE", "Drive package"),
            ("BT-CTRL", "Lift controller"),
            ("BT-CTRL2", "Lift controller, revision 2"),
            ("BT-MOTOR", "Hoist motor"),
            ("BT-DOOR", "Landing door"),
        ]
    }
    bom = bom_services.bom_create(by=manager, item=item["BT-LIFT"])
    drive = bom_services.bom_line_add(
        bom=bom, by=manager, component_item=item["BT-DRIVE"], position="DRV"
    )
    for position, sku in [("CTRL", "BT-CTRL"), ("MOT", "BT-MOTOR")]:
        bom_services.bom_line_add(
            bom=bom, by=manager, component_item=item[sku], position=position, parent=drive
        )
    bom_services.bom_line_add(
        bom=bom, by=manager, component_item=item["BT-DOOR"], quantity=Decimal(2), position="DR"
    )
    bom_services.bom_approve(bom=bom, by=manager)
    installed = timezone.localdate() - timedelta(days=400)
    return object_create(
        by=manager,
        customer=customer,
        site=customer.sites.first(),
        item=item["BT-LIFT"],
        serial_number=serial,
        installed_on=installed,
        warranty_ends_on=installed + timedelta(days=365),
    )


def demo_customer() -> Customer:
    return Customer.objects.get(contacts__user__username="customer1")


def test_manager_opens_an_object_and_unfolds_its_tree(page, demo, login):
    obj = build_lift(demo_customer(), "BT-0001")
    login(page, "manager")

    page.get_by_role("link", name="Objects", exact=True).click()
    page.get_by_label("Search").fill("BT-0001")
    expect(page.locator("#object-rows tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=BT-0001"))
    page.get_by_role("link", name=obj.number).click()

    expect(page.locator("main h1")).to_contain_text(obj.number)
    expect(page.locator('[data-field="warranty"]')).to_contain_text("Warranty expired")
    expect(page.locator('[data-field="bom"]')).to_contain_text("Version 1")
    tree = page.locator("#components")
    drive = tree.locator('[data-sku="BT-DRIVE"]')
    controller = drive.locator('[data-sku="BT-CTRL"]')
    expect(drive.locator("summary")).to_contain_text("Drive package")
    expect(tree.locator('[data-sku="BT-DOOR"]')).to_have_count(2)
    expect(controller).to_be_hidden()  # a sub-assembly starts folded

    drive.locator("summary .node-item").first.click()

    expect(controller).to_be_visible()
    expect(controller).to_contain_text("BT-CTRL")
    expect(controller).to_contain_text("Lift controller")
    expect(controller).to_contain_text("Pos. CTRL")


def test_manager_replaces_a_part_through_the_form_in_the_tree(page, demo, login):
    obj = build_lift(demo_customer(), "BT-0002")
    login(page, "manager")
    page.goto(f"/objects/{obj.pk}/")
    drive = page.locator('[data-sku="BT-DRIVE"]')

    drive.locator("summary .node-item").first.click()
    drive.get_by_role("link", name="Replace BT-CTRL", exact=True).click()
    form = drive.locator("form.replace-form")
    expect(form).to_be_visible()
    form.get_by_label("New item").select_option(label="BT-CTRL2 Lift controller, revision 2")
    form.get_by_label("Serial").fill("C2-777")
    form.get_by_label("Reason").fill("Relay burnt")
    form.get_by_label("Replaced on").fill((obj.installed_on - timedelta(days=1)).isoformat())
    form.get_by_role("button", name="Replace").click()

    expect(form.get_by_role("alert")).to_contain_text("dated before the component")

    form.get_by_label("Replaced on").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Replace").click()

    expect(page).to_have_url(re.compile(rf"/objects/{obj.pk}/\?component=\d+#component-\d+$"))
    expect(page.get_by_role("status")).to_contain_text("is now installed in DRV/CTRL")
    new = page.locator('[data-sku="BT-CTRL2"]')
    expect(new).to_contain_text("S/N C2-777")
    history = page.locator("#history")
    expect(history).to_contain_text("BT-CTRL replaced by BT-CTRL2")
    expect(history).to_contain_text("Reason: Relay burnt")


def test_object_page_fits_a_phone(phone_page, demo, login):
    page = phone_page
    obj = build_lift(demo_customer(), "BT-0003")
    login(page, "manager")

    page.goto(f"/objects/{obj.pk}/")
    page.get_by_role("button", name="Expand all").click()

    expect(page.locator('[data-sku="BT-MOTOR"]')).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_customer_sees_objects_in_the_navigation_and_only_their_own(page, demo, login):
    own = build_lift(demo_customer(), "BT-0004")
    login(page, "customer1")

    page.get_by_role("link", name="Objects", exact=True).click()

    expect(page.locator("main h1")).to_have_text("Objects")
    expect(page.get_by_role("link", name="Objects", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    rows = page.locator("#object-rows tbody tr")
    expect(rows.filter(has_text="BT-0004")).to_have_count(1)
    for customer_cell in rows.locator('td[data-label="Customer"]').all():
        expect(customer_cell).to_have_text(own.customer.name)
    page.get_by_role("link", name=own.number).click()
    expect(page.locator('[data-sku="BT-DRIVE"]')).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Replace"))).to_have_count(0)
