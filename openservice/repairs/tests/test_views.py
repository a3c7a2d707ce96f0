"""Repair pages: the Repairs section of an order (who sees it, who records and changes repairs,
each refusal shown on the form with nothing saved), the pickers narrowed by htmx, suggestions,
component replacement, an object's repair history, "My repairs" and the repair reports with
their figures."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from openservice.core.roles import Role
from openservice.core.sections import (
    register_section,
    registered_sections,
    sections_for,
    unregister_section,
)
from openservice.customers.tests.factories import CustomerFactory
from openservice.equipment.models import Component
from openservice.orders.tests.factories import make_order, move_to, service_object
from openservice.repairs import services
from openservice.repairs.models import (
    ComponentReplacement,
    DiagnosisArea,
    DiagnosisCode,
    RepairLine,
    SymptomCode,
)
from openservice.repairs.tests.factories import lift_items, lift_object, make_codes, order_on, unit
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def codes(manager):
    found = make_codes(manager)
    mech = services.code_create(DiagnosisArea, by=manager, code="MECH", name="Mechanical")
    found.update(
        door_noise=services.code_create(
            SymptomCode, by=manager, code="DOOR_NOISE", name="Noisy door", area=found["door"]
        ),
        mech=mech,
        rollers=services.code_create(
            DiagnosisCode, by=manager, code="MECH_ROLLERS", name="Rollers", area=mech
        ),
    )
    return found


@pytest.fixture
def tech(technician_user):
    return TechnicianFactory(user=technician_user, name="Teemu Teknikko")


@pytest.fixture
def other_tech(make_user):
    return TechnicianFactory(user=make_user(Role.TECHNICIAN, username="tech2"), name="Olli Other")


@pytest.fixture
def world(codes, manager, tech, other_tech):
    """A lift (with a drive and its controller) on an order of `tech`, a second order on the
    same lift for `other_tech`, and another object of the customer the orders do not cover."""
    items = lift_items()
    customer = CustomerFactory(name="Asunto Oy Hissi")
    lift = lift_object(customer, items, by=manager, serial_number="L-1")
    other = service_object(customer, by=manager)
    mine = order_on(lift, manager, preferred_technician=tech)
    theirs = order_on(lift, manager, preferred_technician=other_tech)
    return {
        "items": items,
        "lift": lift,
        "other_object": other,
        "order": mine,
        "other_order": theirs,
        "drive": unit(lift, "DRV"),
        "ctrl": unit(lift, "DRV/CTRL"),
    }


def _record(world, by, codes, **fields):
    fields.setdefault("symptom_code", codes["not_closing"])
    return services.repair_line_create(
        order=fields.pop("order", world["order"]), by=by, object=world["lift"], **fields
    )


@pytest.fixture
def line(world, manager, codes):
    return _record(world, manager, codes, description="Door stuck")


def form_data(world, codes, **changes) -> dict:
    data = {
        "object": world["lift"].pk,
        "component": world["drive"].pk,
        "condition": codes["normal"].pk,
        "symptom_area": codes["door"].pk,
        "symptom_code": codes["not_closing"].pk,
        "diagnosis_area": codes["mech"].pk,
        "diagnosis_code": codes["rollers"].pk,
        "resolution": codes["replaced"].pk,
        "stage": codes["done"].pk,
        "description": "Rollers worn",
        "note": "Ordered a spare set",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def html(response) -> str:
    return response.content.decode()


def field_errors(text: str) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', text)


# -- Who may open what ------------------------------------------------------------------------

ROLES = ["manager", "dispatcher", "tech_own", "tech_other", "customer", "anonymous"]


def _urls(world, line):
    order, lift = world["order"], world["lift"]
    return {
        "panel": ("get", reverse("repairs:order_repairs", args=[order.pk])),
        "edit": ("get", reverse("repairs:line_edit", args=[order.pk, line.pk])),
        "replace": ("get", reverse("repairs:component_replace", args=[order.pk, line.pk])),
        "components": ("get", reverse("repairs:components", args=[order.pk])),
        "suggestions": ("get", reverse("repairs:suggestions", args=[order.pk])),
        "symptom_codes": ("get", reverse("repairs:symptom_codes")),
        "diagnosis_codes": ("get", reverse("repairs:diagnosis_codes")),
        "object_history": ("get", reverse("repairs:object_history", args=[lift.pk])),
        "mine": ("get", reverse("repairs:mine")),
        "report_by_object": ("get", reverse("repairs:report_by_object")),
        "report_by_technician": ("get", reverse("repairs:report_by_technician")),
        "report_resolutions": ("get", reverse("repairs:report_resolutions")),
        "reports_index": ("get", reverse("reports:index")),
        "add": ("post", reverse("repairs:line_add", args=[order.pk])),
        "delete": ("post", reverse("repairs:line_delete", args=[order.pk, line.pk])),
    }


# What each role gets, in the order of ROLES. "tech_other" is a technician who is not the
# order's: its order is "not found" for them (pages of objects and codes are not order pages).
EXPECTED = {
    "panel": [200, 200, 200, 404, 403, 302],
    "edit": [200, 403, 200, 404, 403, 302],
    "replace": [200, 403, 200, 404, 403, 302],
    "components": [200, 200, 200, 404, 403, 302],
    "suggestions": [200, 200, 200, 404, 403, 302],
    "symptom_codes": [200, 200, 200, 200, 403, 302],
    "diagnosis_codes": [200, 200, 200, 200, 403, 302],
    "object_history": [200, 200, 200, 200, 404, 302],  # a customer: their own objects only
    "mine": [200, 200, 200, 200, 403, 302],
    "report_by_object": [200, 200, 403, 403, 403, 302],
    "report_by_technician": [200, 200, 403, 403, 403, 302],
    "report_resolutions": [200, 200, 403, 403, 403, 302],
    "reports_index": [200, 200, 403, 403, 403, 302],
    "add": [302, 403, 302, 404, 403, 302],
    "delete": [302, 403, 302, 404, 403, 302],
}


@pytest.fixture
def as_role(client, manager, dispatcher, technician_user, other_tech, customer_user):
    users = {
        "manager": manager,
        "dispatcher": dispatcher,
        "tech_own": technician_user,
        "tech_other": other_tech.user,
        "customer": customer_user,
        "anonymous": None,
    }

    def login(role):
        client.logout()
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_every_page_and_partial_answers_each_role(page, as_role, world, line, codes, manager):
    method, url = _urls(world, line)[page]
    data = form_data(world, codes) if page == "add" else {}
    for role, expected in zip(ROLES, EXPECTED[page], strict=True):
        if page == "delete" and expected == 302 and not RepairLine.objects.filter(pk=line.pk):
            line = _record(world, manager, codes)  # deleted by the last role
            method, url = _urls(world, line)[page]
        response = getattr(as_role(role), method)(url, data)
        assert response.status_code == expected, (page, role, response.status_code)
        if expected == 302 and role == "anonymous":
            assert response["Location"].startswith("/login/"), page


def test_the_order_page_loads_the_repairs_section_for_staff_only(
    client, world, manager, customer_user
):
    customer = customer_user.customer_contact.customer
    lift = lift_object(customer, world["items"], by=manager)
    order = make_order(by=manager, customer=customer, site=None, objects=[lift])
    url = reverse("orders:detail", args=[order.pk])
    section_url = reverse("repairs:order_repairs", args=[order.pk])

    client.force_login(manager)
    page = html(client.get(url))
    client.force_login(customer_user)
    customer_page = html(client.get(url))

    section = re.search(
        r'<section class="card lazy-section" id="section-repairs".*?</section>', page, re.S
    )
    assert section is not None
    assert f'hx-get="{section_url}"' in section.group(0)
    assert 'hx-trigger="load"' in section.group(0)
    assert f'<a href="{section_url}">' in section.group(0)  # without JavaScript: a page
    assert "section-repairs" not in customer_page


def test_the_object_page_loads_the_repair_history_section(client, world, manager):
    client.force_login(manager)

    page = html(client.get(reverse("equipment:detail", args=[world["lift"].pk])))

    history_url = reverse("repairs:object_history", args=[world["lift"].pk])
    assert re.search(rf'id="section-repairs"[^>]*\s+hx-get="{history_url}"', page)


# -- The panel and the add form -------------------------------------------------------------


def test_the_panel_lists_the_orders_repairs_with_codes_stage_and_technician(
    client, world, manager, codes, tech
):
    _record(
        world,
        manager,
        codes,
        component=world["drive"],
        condition=codes["normal"],
        diagnosis_code=codes["sensor"],
        resolution=codes["adjusted"],
        stage=codes["done"],
        now=NOW,
        description="Adjusted the door sensor",
    )
    _record(world, manager, codes, order=world["other_order"], description="Not this order")
    client.force_login(manager)

    panel = html(
        client.get(reverse("repairs:order_repairs", args=[world["order"].pk]), headers=HTMX)
    )

    assert "<html" not in panel  # a partial for the section
    rows = re.findall(r'<tr data-repair="\d+">.*?</tr>', panel, re.S)
    assert len(rows) == 1
    row = rows[0]
    for text in ("NORMAL_USE", "DOOR_NOT_CLOSING", "ELEC_SENSOR", "Adjusted", "Done", "DRV"):
        assert text in row, text
    assert "Teemu Teknikko" in row
    assert "Adjusted the door sensor" in row
    assert 'datetime="2027-03-01T11:00:00+02:00"' in row  # the company's time zone
    assert "Add repair" in panel


def test_the_panel_without_htmx_is_a_page_with_a_way_back(client, world, manager):
    client.force_login(manager)

    page = html(client.get(reverse("repairs:order_repairs", args=[world["order"].pk])))

    assert "<html" in page
    assert f"Repairs on {world['order'].number}" in page
    assert reverse("orders:detail", args=[world["order"].pk]) in page
    assert 'id="section-repairs"' in page


def test_readers_see_no_form(client, world, line, dispatcher):
    client.force_login(dispatcher)

    panel = html(
        client.get(reverse("repairs:order_repairs", args=[world["order"].pk]), headers=HTMX)
    )

    assert "DOOR_NOT_CLOSING" in panel
    assert "Add repair" not in panel
    assert "<form" not in panel
    assert reverse("repairs:line_edit", args=[world["order"].pk, line.pk]) not in panel


def test_the_object_picker_offers_only_the_orders_objects_and_the_components_their_units(
    client, world, manager
):
    client.force_login(manager)

    panel = html(
        client.get(reverse("repairs:order_repairs", args=[world["order"].pk]), headers=HTMX)
    )

    objects = re.search(r'<select name="object".*?</select>', panel, re.S).group(0)
    assert world["lift"].number in objects
    assert world["other_object"].number not in objects
    assert "selected" in objects  # the order's only object is chosen already
    components = re.search(r'<select name="component".*?</select>', panel, re.S).group(0)
    assert f'value="{world["drive"].pk}"' in components
    assert f'value="{world["ctrl"].pk}"' in components
    assert "DRV/CTRL" in components
    assert 'hx-get="' + reverse("repairs:components", args=[world["order"].pk]) in panel


def test_a_manager_records_a_repair_with_its_codes(client, world, manager, codes):
    client.force_login(manager)

    response = client.post(
        reverse("repairs:line_add", args=[world["order"].pk]), form_data(world, codes)
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("repairs:order_repairs", args=[world["order"].pk])
    line = RepairLine.objects.get()
    assert (line.order, line.object, line.component) == (
        world["order"],
        world["lift"],
        world["drive"],
    )
    assert (line.symptom_area, line.symptom_code) == (codes["door"], codes["not_closing"])
    assert (line.diagnosis_area, line.diagnosis_code) == (codes["mech"], codes["rollers"])
    assert (line.resolution, line.stage, line.condition) == (
        codes["replaced"],
        codes["done"],
        codes["normal"],
    )
    assert line.finished_at is not None
    assert (line.description, line.note) == ("Rollers worn", "Ordered a spare set")
    assert line.technician == world["order"].preferred_technician


def test_through_htmx_the_panel_comes_back_with_the_new_line(client, world, technician_user, codes):
    client.force_login(technician_user)

    response = client.post(
        reverse("repairs:line_add", args=[world["order"].pk]),
        form_data(world, codes, component="", diagnosis_area="", diagnosis_code=""),
        headers=HTMX,
    )

    assert response.status_code == 200
    panel = html(response)
    assert "Repair recorded on" in panel
    assert len(re.findall(r'<tr data-repair="\d+">', panel)) == 1
    assert "DOOR_NOT_CLOSING" in panel
    line = RepairLine.objects.get()
    assert line.created_by == technician_user
    assert line.component is None


def test_a_code_from_another_area_is_refused_on_the_form_and_nothing_is_saved(
    client, world, manager, codes
):
    client.force_login(manager)
    data = form_data(world, codes, symptom_code=codes["drive_noise"].pk)

    response = client.post(reverse("repairs:line_add", args=[world["order"].pk]), data)
    by_htmx = client.post(reverse("repairs:line_add", args=[world["order"].pk]), data, headers=HTMX)

    assert response.status_code == 422
    assert by_htmx.status_code == 200  # htmx swaps only 2xx answers: the form comes back
    for text in (html(response), html(by_htmx)):
        assert field_errors(text) == ["DRIVE_NOISE is not a code of this area."]
        assert "The repair was not saved" in text
        assert '<details class="add-line add-repair" open>' in text
    assert not RepairLine.objects.exists()


def test_an_object_the_order_does_not_cover_is_refused_and_nothing_is_saved(
    client, world, manager, codes
):
    client.force_login(manager)

    response = client.post(
        reverse("repairs:line_add", args=[world["order"].pk]),
        form_data(world, codes, object=world["other_object"].pk, component=""),
    )

    assert response.status_code == 422
    assert len(field_errors(html(response))) == 1
    assert "Select a valid choice" in field_errors(html(response))[0]
    assert not RepairLine.objects.exists()


def test_a_component_of_another_object_is_refused(client, world, manager, codes):
    foreign = Component.objects.create(
        object=world["other_object"], item=world["items"]["CTRL"], installed_on=date(2024, 1, 1)
    )
    client.force_login(manager)

    response = client.post(
        reverse("repairs:line_add", args=[world["order"].pk]),
        form_data(world, codes, component=foreign.pk),
    )

    assert response.status_code == 422
    assert "Select a valid choice" in field_errors(html(response))[0]
    assert not RepairLine.objects.exists()


def test_an_order_that_allows_no_changes_shows_no_form_and_refuses_a_post(
    client, world, manager, codes
):
    order = move_to(world["order"], "closed", by=manager)
    client.force_login(manager)

    panel = html(client.get(reverse("repairs:order_repairs", args=[order.pk]), headers=HTMX))
    response = client.post(reverse("repairs:line_add", args=[order.pk]), form_data(world, codes))

    assert "Add repair" not in panel
    assert response.status_code == 422
    assert "error-summary" in html(response)
    assert not RepairLine.objects.exists()


def test_without_javascript_the_server_narrows_the_codes_to_the_chosen_area(
    client, world, manager, codes
):
    """A form sent back (here: without a stage) shows the codes of the area chosen in it."""
    client.force_login(manager)

    response = client.post(
        reverse("repairs:line_add", args=[world["order"].pk]),
        form_data(world, codes, stage="", symptom_area=codes["drive"].pk, symptom_code=""),
    )

    assert response.status_code == 422
    codes_shown = re.search(r'<select name="symptom_code".*?</select>', html(response), re.S)
    assert "DRIVE_NOISE" in codes_shown.group(0)
    assert "DOOR_NOT_CLOSING" not in codes_shown.group(0)


# -- Pickers and suggestions ----------------------------------------------------------------


def test_the_symptom_picker_offers_the_codes_of_the_chosen_area(
    client, world, technician_user, codes
):
    client.force_login(technician_user)
    url = reverse("repairs:symptom_codes")

    door = html(client.get(url, {"symptom_area": codes["door"].pk}, headers=HTMX))
    every = html(client.get(url, headers=HTMX))

    assert door.startswith('<div id="repair-symptom_code-field"')
    assert re.findall(r">(\w+) [^<]*</option>", door) == ["DOOR_NOISE", "DOOR_NOT_CLOSING"]
    assert re.findall(r">(\w+) [^<]*</option>", every) == [
        "DOOR_NOISE",
        "DOOR_NOT_CLOSING",
        "DRIVE_NOISE",
    ]
    assert 'id="repair-suggestions" hx-swap-oob="innerHTML"' in door  # stale ones cleared


def test_the_diagnosis_picker_offers_the_codes_of_the_chosen_area(client, world, manager, codes):
    client.force_login(manager)

    mech = html(
        client.get(reverse("repairs:diagnosis_codes"), {"diagnosis_area": codes["mech"].pk})
    )

    assert mech.startswith('<div id="repair-diagnosis_code-field"')
    assert re.findall(r">(\w+) [^<]*</option>", mech) == ["MECH_ROLLERS"]
    assert "repair-suggestions" not in mech


def test_inactive_codes_are_not_offered(client, world, manager, codes):
    services.code_update(codes["door_noise"], by=manager, is_active=False)
    client.force_login(manager)

    door = html(client.get(reverse("repairs:symptom_codes"), {"symptom_area": codes["door"].pk}))

    assert re.findall(r">(\w+) [^<]*</option>", door) == ["DOOR_NOT_CLOSING"]


def test_the_component_picker_offers_the_installed_units_of_the_chosen_object(
    client, world, manager
):
    client.force_login(manager)
    url = reverse("repairs:components", args=[world["order"].pk])

    lift = html(client.get(url, {"object": world["lift"].pk}, headers=HTMX))
    other = html(client.get(url, {"object": world["other_object"].pk}, headers=HTMX))

    assert lift.startswith('<div id="repair-component-field"')
    assert re.findall(r'<option value="(\d*)"', lift) == [
        "",
        str(world["drive"].pk),
        str(world["ctrl"].pk),
    ]
    assert re.findall(r'<option value="(\d*)"', other) == [""]  # not on the order


def _fix(world, obj, by, codes, resolution, at, order=None):
    order = order or order_on(obj, by)
    line = services.repair_line_create(
        order=order,
        by=by,
        object=obj,
        symptom_code=codes["not_closing"],
        diagnosis_code=codes["rollers"],
        resolution=codes[resolution],
        stage=codes["done"],
        now=at,
    )
    RepairLine.objects.filter(pk=line.pk).update(created_at=at)
    return line


def test_suggestions_show_what_fixed_the_symptom_on_the_model_and_how_often_it_held(
    client, world, manager, codes
):
    lift, other_lift = (
        world["lift"],
        lift_object(world["lift"].customer, world["items"], by=manager),
    )
    _fix(world, other_lift, manager, codes, "adjusted", NOW)
    _fix(world, other_lift, manager, codes, "replaced", NOW + timedelta(days=10))  # a repeat
    _fix(world, lift, manager, codes, "replaced", NOW - timedelta(days=90))
    client.force_login(manager)
    url = reverse("repairs:suggestions", args=[world["order"].pk])

    found = html(client.get(url, {"object": lift.pk, "symptom_code": codes["not_closing"].pk}))
    nothing = html(client.get(url, {"object": lift.pk, "symptom_code": codes["drive_noise"].pk}))
    no_code = html(client.get(url, {"object": lift.pk}))

    entries = re.findall(r'data-resolution="(\w+)".*?held (\d+) of (\d+) · (\d+) %', found, re.S)
    assert entries == [("REPLACED", "2", "2", "100"), ("ADJUSTED", "0", "1", "0")]
    assert f'data-use="{codes["replaced"].pk}"' in found
    assert "No finished repair of this symptom on this model yet." in nothing
    assert "Choose the object and the symptom" in no_code


def test_the_form_shows_the_suggestions_for_the_chosen_symptom(client, world, line, manager, codes):
    _fix(world, world["lift"], manager, codes, "replaced", NOW - timedelta(days=90))
    client.force_login(manager)

    page = html(client.get(reverse("repairs:line_edit", args=[world["order"].pk, line.pk])))

    assert re.search(r'id="repair-suggestions".*?held 1 of 1', page, re.S)
    assert "change[target.name=='object'||target.name=='symptom_code'] from:closest form" in page


# -- Editing, removing, replacing -----------------------------------------------------------


def test_the_orders_technician_changes_a_repair(client, world, line, technician_user, codes):
    client.force_login(technician_user)
    url = reverse("repairs:line_edit", args=[world["order"].pk, line.pk])

    form = html(client.get(url))
    response = client.post(
        url,
        form_data(
            world,
            codes,
            component="",
            resolution=codes["adjusted"].pk,
            stage=codes["done"].pk,
            description="Door stuck",
        ),
    )

    assert 'value="Door stuck"' in form
    assert response.status_code == 302
    assert response["Location"].endswith(
        reverse("orders:detail", args=[world["order"].pk]) + "#section-repairs"
    )
    line.refresh_from_db()
    assert (line.resolution, line.stage, line.diagnosis_code) == (
        codes["adjusted"],
        codes["done"],
        codes["rollers"],
    )
    assert line.finished_at is not None


def test_changing_to_a_code_of_another_area_is_refused(client, world, line, manager, codes):
    client.force_login(manager)

    response = client.post(
        reverse("repairs:line_edit", args=[world["order"].pk, line.pk]),
        form_data(world, codes, component="", diagnosis_code=codes["sensor"].pk),
    )

    assert response.status_code == 422
    assert field_errors(html(response)) == ["ELEC_SENSOR is not a code of this area."]
    line.refresh_from_db()
    assert (line.diagnosis_code, line.resolution) == (None, None)


def test_a_repair_is_removed(client, world, line, manager):
    client.force_login(manager)

    response = client.post(reverse("repairs:line_delete", args=[world["order"].pk, line.pk]))

    assert response.status_code == 302
    assert not RepairLine.objects.exists()


def test_a_component_is_replaced_from_a_repair_line_and_billed(client, world, line, manager, codes):
    client.force_login(manager)
    url = reverse("repairs:component_replace", args=[world["order"].pk, line.pk])
    today = date.today()

    form = html(client.get(url))
    response = client.post(
        url,
        {
            "component": world["drive"].pk,
            "item": world["items"]["DRIVE2"].pk,
            "serial": "",
            "on": today.isoformat(),
            "bill": "on",
            "unit_price": "",
        },
    )

    assert f'<option value="{world["drive"].pk}">DRV' in form
    assert response.status_code == 302, field_errors(html(response))
    replacement = ComponentReplacement.objects.get()
    assert (replacement.repair_line, replacement.removed) == (line, world["drive"])
    assert replacement.installed.item == world["items"]["DRIVE2"]
    assert replacement.order_line is not None

    history = html(
        client.get(reverse("repairs:object_history", args=[world["lift"].pk]), headers=HTMX)
    )
    assert "DRIVE replaced by DRIVE2" in history

    # The line keeps the unit it repaired: its form still offers it, and saving keeps it.
    edit = reverse("repairs:line_edit", args=[world["order"].pk, line.pk])
    assert "DRV (replaced)" in html(client.get(edit))
    response = client.post(
        edit, form_data(world, codes, component=world["drive"].pk, description="Door stuck")
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.component == world["drive"]


def test_a_price_without_billing_is_refused_on_the_replace_form(client, world, line, manager):
    client.force_login(manager)

    response = client.post(
        reverse("repairs:component_replace", args=[world["order"].pk, line.pk]),
        {
            "component": world["drive"].pk,
            "item": world["items"]["DRIVE2"].pk,
            "on": date.today().isoformat(),
            "unit_price": "10.00",
        },
    )

    assert response.status_code == 422
    assert field_errors(html(response)) == ["A price is only used when the unit is billed."]
    assert not ComponentReplacement.objects.exists()


# -- History --------------------------------------------------------------------------------


def test_an_objects_history_shows_each_repair_newest_first(
    client, world, manager, technician_user, codes
):
    first = _fix(world, world["lift"], manager, codes, "adjusted", NOW, order=world["order"])
    second = _fix(
        world,
        world["lift"],
        manager,
        codes,
        "replaced",
        NOW + timedelta(days=3),
        order=world["other_order"],
    )
    url = reverse("repairs:object_history", args=[world["lift"].pk])

    client.force_login(manager)
    page = html(client.get(url))
    client.force_login(technician_user)
    techs = html(client.get(url, headers=HTMX))

    entries = re.findall(r'<li class="event event-repair[^"]*" data-repair="(\d+)"', page)
    assert entries == [str(second.pk), str(first.pk)]
    assert "Replaced" in page and "Olli Other" in page and "MECH_ROLLERS" in page
    assert f'href="/orders/{world["other_order"].pk}/#section-repairs"' in page
    # A technician opens only their own orders: the other order is named, not linked.
    assert f'href="/orders/{world["order"].pk}/#section-repairs"' in techs
    assert f'href="/orders/{world["other_order"].pk}/' not in techs
    assert world["other_order"].number in techs


def test_a_customer_reads_the_repair_history_of_their_own_objects(
    client, world, manager, customer_user, codes
):
    customer = customer_user.customer_contact.customer
    lift = lift_object(customer, world["items"], by=manager)
    order = make_order(by=manager, customer=customer, site=None, objects=[lift])
    line = _fix(world, lift, manager, codes, "replaced", NOW, order=order)
    client.force_login(customer_user)

    page = html(client.get(reverse("equipment:detail", args=[lift.pk])))
    history = html(client.get(reverse("repairs:object_history", args=[lift.pk]), headers=HTMX))

    assert 'id="section-repairs"' in page
    assert re.findall(r'data-repair="(\d+)"', history) == [str(line.pk)]
    assert f'href="/orders/{order.pk}/#section-repairs"' in history  # their own order
    assert "Replaced" in history


def test_my_repairs_lists_the_technicians_own_repairs(
    client, world, manager, technician_user, codes
):
    mine = _fix(world, world["lift"], manager, codes, "adjusted", NOW, order=world["order"])
    _fix(world, world["lift"], manager, codes, "replaced", NOW, order=world["other_order"])
    client.force_login(technician_user)

    page = html(client.get(reverse("repairs:mine")))

    assert re.findall(r'data-repair="(\d+)"', page) == [str(mine.pk)]
    assert 'data-nav="repairs"' in page


def test_the_history_section_costs_the_same_queries_for_many_repairs(
    client, world, manager, codes, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("repairs:object_history", args=[world["lift"].pk])
    _fix(world, world["lift"], manager, codes, "adjusted", NOW, order=world["order"])
    with CaptureQueriesContext(connection) as one:
        client.get(url, headers=HTMX)
    for days in range(1, 8):
        _fix(world, world["lift"], manager, codes, "replaced", NOW + timedelta(days=days))

    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url, headers=HTMX)


def test_the_panel_costs_the_same_queries_for_many_repairs(
    client, world, manager, codes, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("repairs:order_repairs", args=[world["order"].pk])
    _record(world, manager, codes)
    with CaptureQueriesContext(connection) as one:
        client.get(url, headers=HTMX)
    for _ in range(6):
        _record(world, manager, codes, component=world["ctrl"], resolution=codes["replaced"])

    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url, headers=HTMX)


# -- Reports --------------------------------------------------------------------------------


@pytest.fixture
def report_data(world, manager, codes, tech, other_tech):
    """On the lift: tech adjusted (NOW), and other_tech replaced 10 days later on another
    order (so the adjustment did not hold); on a second lift tech replaced (held) and left
    one repair open. Diagnoses: rollers for the fixes."""
    second = lift_object(world["lift"].customer, world["items"], by=manager, serial_number="L-2")
    return {
        "adjusted": _fix(
            world, world["lift"], manager, codes, "adjusted", NOW, order=world["order"]
        ),
        "replaced": _fix(
            world,
            world["lift"],
            manager,
            codes,
            "replaced",
            NOW + timedelta(days=10),
            order=world["other_order"],
        ),
        "held": _fix(
            world,
            second,
            manager,
            codes,
            "replaced",
            NOW + timedelta(days=20),
            order=order_on(second, manager, preferred_technician=tech),
        ),
        "open": services.repair_line_create(
            order=order_on(second, manager, preferred_technician=tech),
            by=manager,
            object=second,
            symptom_code=codes["drive_noise"],
        ),
        "second": second,
    }


def summary_rows(page: str) -> dict[str, list[str]]:
    rows = {}
    for row in re.findall(r"<tr data-technician=.*?</tr>", page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        name = re.sub(r"<[^>]+>", "", cells[0]).strip()
        rows[name] = [re.sub(r"\s+", " ", cell).strip() for cell in cells[1:]]
    return rows


def test_the_report_by_technician_counts_repairs_fixes_and_how_many_held(
    client, report_data, dispatcher
):
    client.force_login(dispatcher)

    page = html(client.get(reverse("repairs:report_by_technician")))

    assert summary_rows(page) == {
        "Olli Other": ["1", "1", "1", "1", "100 %"],
        "Teemu Teknikko": ["3", "2", "2", "1", "50 %"],
    }
    assert len(re.findall(r'<tr data-repair="\d+">', page)) == 4


def test_the_report_by_technician_filters_by_technician_and_period(
    client, report_data, manager, tech
):
    client.force_login(manager)

    page = html(
        client.get(
            reverse("repairs:report_by_technician"),
            {"technician": tech.pk, "date_from": "2027-03-01", "date_to": "2027-03-15"},
        )
    )

    assert re.findall(r'<tr data-repair="(\d+)">', page) == [str(report_data["adjusted"].pk)]
    assert summary_rows(page) == {"Teemu Teknikko": ["1", "1", "1", "0", "0 %"]}
    # A technician's name picks them within the same period.
    assert f'href="?date_from=2027-03-01&amp;date_to=2027-03-15&amp;technician={tech.pk}"' in page


def test_the_report_by_object_lists_repairs_object_by_object(client, report_data, manager, world):
    client.force_login(manager)
    url = reverse("repairs:report_by_object")

    every = html(client.get(url))
    second = html(client.get(url, {"q": "L-2"}))

    lift, other = world["lift"], report_data["second"]
    first_lift = [str(report_data[key].pk) for key in ("replaced", "adjusted")]
    # Newest first: the open repair is dated by when it was recorded (today, before NOW).
    second_lift = [str(report_data[key].pk) for key in ("held", "open")]
    expected = first_lift + second_lift if lift.number < other.number else second_lift + first_lift
    assert re.findall(r'<tr data-repair="(\d+)">', every) == expected
    assert re.findall(r'<tr data-repair="(\d+)">', second) == second_lift


def test_a_period_that_ends_before_it_starts_is_refused(client, report_data, manager):
    client.force_login(manager)

    response = client.get(
        reverse("repairs:report_by_object"), {"date_from": "2027-03-10", "date_to": "2027-03-01"}
    )

    assert response.status_code == 422
    assert field_errors(html(response)) == ["The end must not be before the start."]
    assert "data-repair" not in html(response)


def test_the_resolutions_report_counts_each_code_and_how_often_its_fixes_held(
    client, report_data, manager
):
    client.force_login(manager)

    page = html(client.get(reverse("repairs:report_resolutions")))

    def rows(section):
        block = re.search(rf'<section class="card" id="{section}".*?</section>', page, re.S)
        return [
            (code, resolution, int(used), int(held), int(rate))
            for code, body in re.findall(
                r'<tbody class="code-group" data-code="(\w+)">(.*?)</tbody>', block.group(0), re.S
            )
            for resolution, used, held, rate in re.findall(
                r'data-resolution="(\w+)".*?data-field="used">(\d+)<.*?data-field="held">(\d+)<'
                r'.*?data-field="rate">(\d+) %',
                body,
                re.S,
            )
        ]

    assert rows("by-symptom") == [
        ("DOOR_NOT_CLOSING", "REPLACED", 2, 2, 100),
        ("DOOR_NOT_CLOSING", "ADJUSTED", 1, 0, 0),
    ]
    assert rows("by-diagnosis") == [
        ("MECH_ROLLERS", "REPLACED", 2, 2, 100),
        ("MECH_ROLLERS", "ADJUSTED", 1, 0, 0),
    ]
    assert "DOOR · 2 of 3 held" in page
    march = html(
        client.get(
            reverse("repairs:report_resolutions"),
            {"date_from": "2027-03-05", "date_to": "2027-03-31"},
        )
    )
    assert re.findall(r'data-resolution="(\w+)"', march) == ["REPLACED", "REPLACED"]


def test_the_reports_index_lists_the_reports_each_role_may_read(client, manager, dispatcher):
    client.force_login(manager)
    managers = re.findall(r'data-report="([\w-]+)"', html(client.get(reverse("reports:index"))))
    client.force_login(dispatcher)
    dispatchers = re.findall(r'data-report="([\w-]+)"', html(client.get(reverse("reports:index"))))

    repairs = ["repairs-by-object", "repairs-by-technician", "repair-resolutions"]
    assert managers == [*repairs, "sla-compliance"]
    assert dispatchers == repairs


# -- The sections registry ------------------------------------------------------------------


def test_sections_are_offered_in_order_by_permission_and_replaced_by_key(manager, technician_user):
    register_section(
        "test-page", key="a", title="A", url_name="x:a", permission="repairs.add_condition"
    )
    register_section("test-page", key="b", title="B", url_name="x:b", permission=lambda u: True)
    register_section(
        "test-page", key="a", title="A2", url_name="x:a2", permission="repairs.add_condition"
    )
    try:
        assert [(s.key, s.title) for s in sections_for("test-page", manager)] == [
            ("a", "A2"),
            ("b", "B"),
        ]
        assert [s.key for s in sections_for("test-page", technician_user)] == ["b"]
        assert ("test-page", "a", "x:a2") in registered_sections()
    finally:
        unregister_section("test-page", "a")
        unregister_section("test-page", "b")
    assert sections_for("test-page", manager) == []


def test_anonymous_users_get_no_sections(client):
    from django.contrib.auth.models import AnonymousUser

    assert sections_for("order", AnonymousUser()) == []
    assert ("order", "repairs", "repairs:order_repairs") in registered_sections()
    assert ("object", "repairs", "repairs:object_history") in registered_sections()


def test_a_report_page_of_many_repairs_costs_the_same_queries_as_one(
    client, world, manager, codes, django_assert_num_queries
):
    client.force_login(manager)
    url = reverse("repairs:report_by_technician")
    _fix(world, world["lift"], manager, codes, "adjusted", NOW, order=world["order"])
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for days in range(1, 8):
        _fix(world, world["lift"], manager, codes, "replaced", NOW + timedelta(days=days))

    with django_assert_num_queries(len(one.captured_queries)):
        assert len(re.findall(r'<tr data-repair="\d+">', html(client.get(url)))) == 8
