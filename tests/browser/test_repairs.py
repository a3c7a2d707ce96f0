"""Repairs in the browser: tech1, on a phone, opens their order, records a repair with its codes
(choosing an area narrows its codes), takes the suggestion of what fixed the symptom on the
lift's model before, saves, and sees the repair on the order with its codes. The order is made
through the services; the codes and the repair history are the demo's."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from openservice.customers.models import Customer
from openservice.equipment.models import ServiceObject
from openservice.orders import services
from openservice.orders.models import ServiceOrder, Stage
from openservice.repairs.models import RepairLine
from openservice.workforce.models import Technician

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESCRIPTION = "Browser test: landing door does not close"


def order_on_a_lift() -> tuple[ServiceOrder, ServiceObject]:
    """An order in progress for tech1 on the portal customer's first lift (a LFT-MRL-630, the
    model the demo's repair history is about)."""
    users = get_user_model().objects
    customer = Customer.objects.get(name="Kiinteistö Oy Tapiolan Torni")
    lift = ServiceObject.objects.filter(customer=customer, item__sku="LFT-MRL-630").earliest(
        "number"
    )
    order = services.order_create(
        by=users.get(username="dispatcher"),
        customer=customer,
        site=lift.site,
        description=DESCRIPTION,
        priority="high",
        service_on=timezone.localdate(),
        preferred_technician=Technician.objects.get(user__username="tech1"),
        objects=[lift],
    )
    for stage, by in (("scheduled", "dispatcher"), ("in_progress", "tech1")):
        order = services.order_change_stage(
            order=order, to=Stage.objects.get(code=stage), by=users.get(username=by)
        )
    return order, lift


def option_texts(select) -> list[str]:
    return [text.strip() for text in select.locator("option").all_inner_texts()]


def test_technician_records_a_repair_with_codes_on_a_phone(phone_page, demo, login):
    order, lift = order_on_a_lift()
    phone = phone_page
    phone.set_viewport_size(PHONE)

    login(phone, "tech1")
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="My orders", exact=True).click()
    phone.locator(f'[data-order="{order.number}"]').get_by_role("link").first.click()
    expect(phone.locator("main h1")).to_contain_text(order.number)

    # The Repairs section loads itself into the order page.
    section = phone.locator("#section-repairs")
    add = section.locator("summary", has_text="Add repair")
    add.scroll_into_view_if_needed()
    expect(add).to_be_visible()
    expect(section).to_contain_text("No repairs recorded yet.")
    assert add.bounding_box()["height"] >= 44
    add.click()

    form = section.locator("form.repair-form")
    expect(form.get_by_label("Object")).to_have_value(str(lift.pk))  # the order's only object
    form.get_by_label("Condition").select_option(label="NORMAL_USE Normal use")

    # Choosing the area swaps in its codes only.
    symptom = form.get_by_label("Symptom", exact=True)
    assert "DRIVE_NOISE Drive noise" in option_texts(symptom)
    form.get_by_label("Symptom area").select_option(label="DOOR Doors")
    symptom = form.get_by_label("Symptom", exact=True)
    expect(symptom.locator("option")).to_have_count(3)
    assert option_texts(symptom)[1:] == [
        "DOOR_NOISE Door noise",
        "DOOR_NOT_CLOSING Door does not close",
    ]
    symptom.select_option(label="DOOR_NOT_CLOSING Door does not close")

    # What fixed this symptom on the lift's model before, best first; take the first.
    suggestions = form.locator("#repair-suggestions .suggestion")
    expect(suggestions.first).to_contain_text("Replaced")
    expect(suggestions.first).to_contain_text("held 3 of 3")
    use = suggestions.first.get_by_role("button", name="Use")
    assert use.bounding_box()["height"] >= 44
    use.click()
    expect(form.get_by_label("Resolution")).to_have_value(
        form.get_by_label("Resolution")
        .locator("option", has_text="REPLACED")
        .get_attribute("value")
    )

    form.get_by_label("Diagnosis area").select_option(label="MECH Mechanical")
    diagnosis = form.get_by_label("Diagnosis", exact=True)
    expect(diagnosis.locator("option")).to_have_count(4)  # the empty choice and MECH's three
    diagnosis.select_option(label="MECH_ROLLERS Worn door rollers")
    form.get_by_label("Repair stage").select_option(label="DONE Done")
    form.get_by_label("Description").fill("Door rollers worn flat, replaced")
    for control in ("Symptom area", "Repair stage", "Description"):
        assert form.get_by_label(control).bounding_box()["height"] >= 44, control
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    form.get_by_role("button", name="Save repair").click()

    expect(section.get_by_role("status")).to_contain_text(f"Repair recorded on {lift.number}.")
    rows = section.locator("tr[data-repair]")
    expect(rows).to_have_count(1)
    for text in ("NORMAL_USE", "DOOR_NOT_CLOSING", "MECH_ROLLERS", "Replaced", "Done"):
        expect(rows.first).to_contain_text(text)
    expect(rows.first).to_contain_text("Mikko Virtanen")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    line = RepairLine.objects.select_related(
        "symptom_code", "diagnosis_code", "resolution", "stage", "technician__user"
    ).get(order=order)
    assert (line.symptom_code.code, line.diagnosis_code.code, line.resolution.code) == (
        "DOOR_NOT_CLOSING",
        "MECH_ROLLERS",
        "REPLACED",
    )
    assert line.stage.code == "DONE" and line.finished_at is not None
    assert line.technician.user.username == "tech1"
    assert re.fullmatch(r"SO\d+", line.object.number)
