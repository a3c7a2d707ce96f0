"""Service object pages: the list, the object with its tree and history, and the managers'
actions on the tree, for each role."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from openservice.catalog import bom_services
from openservice.catalog.models import Bom, Item
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment import views
from openservice.equipment.models import Component, ObjectGroup, ServiceObject
from openservice.equipment.services import component_replace, object_create

pytestmark = pytest.mark.django_db

INSTALLED = date(2024, 1, 10)


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def make_bom(manager, item, lines, *, valid_from=None, valid_to=None, approve=True) -> Bom:
    """lines: [(position, item, quantity, [nested lines])] through the BOM services."""
    bom = bom_services.bom_create(by=manager, item=item, valid_from=valid_from, valid_to=valid_to)

    def add(rows, parent=None):
        for position, component, quantity, *nested in rows:
            line = bom_services.bom_line_add(
                bom=bom,
                by=manager,
                component_item=component,
                quantity=Decimal(quantity),
                position=position,
                parent=parent,
            )
            add(nested[0] if nested else [], line)

    add(lines)
    return bom_services.bom_approve(bom=bom, by=manager) if approve else bom


@pytest.fixture
def items(db):
    return {
        sku: ItemFactory(sku=sku, name=f"{sku.title()} unit", kind=Item.Kind.PRODUCT)
        for sku in ("LIFT", "DRIVE", "CTRL", "CTRL2", "MOTOR", "DOOR")
    }


@pytest.fixture
def lift_bom(manager, items):
    """LIFT v1: a drive (controller and motor nested in it) and two doors."""
    return make_bom(
        manager,
        items["LIFT"],
        [
            (
                "DRV",
                items["DRIVE"],
                1,
                [("CTRL", items["CTRL"], 1), ("MOT", items["MOTOR"], 1)],
            ),
            ("DR", items["DOOR"], 2),
        ],
    )


def create_object(manager, item, customer=None, **fields) -> ServiceObject:
    customer = customer or CustomerFactory()
    site = fields.pop("site", None) or SiteFactory(customer=customer)
    return object_create(
        by=manager,
        customer=customer,
        site=site,
        item=item,
        installed_on=fields.pop("installed_on", INSTALLED),
        **fields,
    )


def unit(obj, slot) -> Component:
    return obj.components.get(slot=slot, removed_on__isnull=True)


@pytest.fixture
def lift(manager, items, lift_bom):
    customer = CustomerFactory(name="Tapiolan Torni Oy")
    site = SiteFactory(customer=customer, name="Building A", city="Espoo")
    return create_object(
        manager,
        items["LIFT"],
        customer,
        site=site,
        serial_number="LFT-001",
        warranty_ends_on=date(2099, 1, 1),
    )


def html_of(response) -> str:
    return response.content.decode()


# List


def test_object_list_shows_objects_with_a_warranty_chip_in_words(as_manager, manager, items):
    today = timezone.localdate()
    create_object(manager, items["LIFT"], serial_number="A", warranty_ends_on=date(2099, 1, 1))
    create_object(manager, items["LIFT"], serial_number="B", warranty_ends_on=INSTALLED)
    create_object(manager, items["LIFT"], serial_number="C")

    response = as_manager.get(reverse("equipment:list"))

    html = html_of(response)
    assert response.status_code == 200
    assert [o.serial_number for o in response.context["page_obj"]] == ["A", "B", "C"]
    assert ">Under warranty</span>" in html
    assert ">Warranty expired</span>" in html
    assert ">No warranty</span>" in html
    assert "3 objects" in html
    assert today > INSTALLED


def test_object_list_search_filters_and_sorting(as_manager, manager, items):
    kone = CustomerFactory(name="Kone Oy")
    other = CustomerFactory(name="Wärtsilä")
    group = ObjectGroup.objects.create(code="LIFTS", name="Passenger lifts")
    espoo = SiteFactory(customer=kone, city="Espoo")
    create_object(
        manager,
        items["LIFT"],
        kone,
        site=espoo,
        serial_number="K-1",
        group=group,
        warranty_ends_on=date(2099, 1, 1),
    )
    create_object(manager, items["LIFT"], kone, serial_number="K-2", installed_on=date(2023, 5, 1))
    create_object(manager, items["LIFT"], other, serial_number="W-1", warranty_ends_on=INSTALLED)

    def serials(**params):
        response = as_manager.get(reverse("equipment:list"), params)
        assert response.status_code == 200
        return [obj.serial_number for obj in response.context["page_obj"]]

    assert serials(q="kone") == ["K-1", "K-2"]
    assert serials(q="w-1") == ["W-1"]
    assert serials(q="espoo") == ["K-1"]
    assert serials(warranty="active") == ["K-1"]
    assert serials(warranty="expired") == ["W-1"]
    assert serials(warranty="none") == ["K-2"]
    assert serials(group="LIFTS") == ["K-1"]
    assert serials(status="retired") == []
    assert serials(order_by="-installed_on") == ["W-1", "K-1", "K-2"]  # ties: newest row first
    assert serials(order_by="customer") == ["K-1", "K-2", "W-1"]
    assert serials(warranty="nonsense") == ["K-1", "K-2", "W-1"]  # bad input: no filter


def test_object_list_empty_state_and_htmx_rows(as_manager, manager, items):
    create_object(manager, items["LIFT"], serial_number="K-1")

    empty = as_manager.get(reverse("equipment:list"), {"q": "nothing like this"})
    rows = as_manager.get(reverse("equipment:list"), {"q": "K-1"}, headers={"HX-Request": "true"})

    assert "No objects match." in html_of(empty)
    assert rows.templates[0].name == "equipment/_object_rows.html"
    assert "<html" not in html_of(rows) and "K-1" in html_of(rows)


def test_list_pagination_keeps_the_filters_in_the_links(as_manager, manager, items):
    customer = CustomerFactory(name="Kone Oy")
    site = SiteFactory(customer=customer)
    for n in range(27):
        create_object(manager, items["DOOR"], customer, site=site, serial_number=f"D{n:02d}")

    response = as_manager.get(reverse("equipment:list"), {"q": "kone"})

    assert "Page 1 of 2" in html_of(response)
    assert 'href="?q=kone&amp;page=2"' in html_of(response)


def test_customer_user_lists_only_their_own_objects(client, customer_user, manager, items):
    own = customer_user.customer_contact.customer
    create_object(manager, items["LIFT"], own, serial_number="MINE")
    create_object(manager, items["LIFT"], serial_number="THEIRS")
    client.force_login(customer_user)

    response = client.get(reverse("equipment:list"))

    assert [o.serial_number for o in response.context["page_obj"]] == ["MINE"]
    assert 'data-nav="objects"' in html_of(response)


# Object page


def test_object_page_shows_facts_tree_and_history(as_manager, manager, items, lift):
    controller = unit(lift, "DRV/CTRL")
    component_replace(
        obj=lift,
        component=controller,
        by=manager,
        item=items["CTRL2"],
        serial="C-2",
        reason="Burnt relay",
        on=date(2024, 6, 1),
    )

    response = as_manager.get(reverse("equipment:detail", args=[lift.pk]))

    html = html_of(response)
    assert response.status_code == 200
    assert lift.number in html
    assert reverse("customers:detail", args=[lift.customer_id]) in html
    assert "Building A" in html and "LFT-001" in html
    assert ">Under warranty</span>" in html
    bom_link = f"{reverse('catalog:bom_detail', args=[lift.item_id])}#version-1"
    assert f'<a href="{bom_link}">Version 1</a>' in html
    # The tree: the drive is a collapsible sub-assembly holding the new controller.
    drive = re.search(r'data-sku="DRIVE">\s*<details>(.*?)</details>', html, re.S).group(1)
    assert 'data-sku="CTRL2"' in drive and "S/N C-2" in drive and 'data-sku="MOTOR"' in drive
    assert 'data-sku="CTRL"' not in html
    assert html.count('data-sku="DOOR"') == 2
    # The history: one replacement event with its reason.
    events = response.context["events"]
    assert [(e.kind, e.old.item.sku, e.component.item.sku) for e in events] == [
        ("replaced", "CTRL", "CTRL2")
    ]
    assert "CTRL replaced by CTRL2" in html and "Reason: Burnt relay" in html


def test_object_page_shows_the_tree_on_a_past_date(as_manager, manager, items, lift):
    component_replace(
        obj=lift,
        component=unit(lift, "DRV/CTRL"),
        by=manager,
        item=items["CTRL2"],
        on=date(2024, 6, 1),
    )
    url = reverse("equipment:detail", args=[lift.pk])

    before = html_of(as_manager.get(url, {"on": "2024-05-31"}))
    on_the_day = html_of(as_manager.get(url, {"on": "2024-06-01"}))
    not_yet = html_of(as_manager.get(url, {"on": "2023-12-31"}))

    assert 'data-sku="CTRL"' in before and 'data-sku="CTRL2"' not in before
    assert 'value="2024-05-31"' in before
    assert "Replace</a>" not in before  # actions only on today's tree
    assert 'data-sku="CTRL2"' in on_the_day and 'data-sku="CTRL"' not in on_the_day
    assert "choose that day or a later one" in not_yet and 'data-sku="DRIVE"' not in not_yet


def test_an_unreadable_date_shows_todays_tree(as_manager, lift):
    response = as_manager.get(reverse("equipment:detail", args=[lift.pk]), {"on": "yesterday"})

    assert response.status_code == 200
    assert response.context["on"] == timezone.localdate()


def test_customer_user_sees_their_object_and_not_others(client, customer_user, manager, items):
    make_bom(manager, items["LIFT"], [("DR", items["DOOR"], 1)])
    own = create_object(manager, items["LIFT"], customer_user.customer_contact.customer)
    other = create_object(manager, items["LIFT"])
    client.force_login(customer_user)

    mine = client.get(reverse("equipment:detail", args=[own.pk]))
    theirs = client.get(reverse("equipment:detail", args=[other.pk]))

    assert mine.status_code == 200
    assert 'data-sku="DOOR"' in html_of(mine)
    assert "Replace</a>" not in html_of(mine) and "Save as BOM draft" not in html_of(mine)
    assert reverse("catalog:bom_detail", args=[own.item_id]) not in html_of(mine)
    assert theirs.status_code == 404


def test_technician_reads_the_object_but_cannot_replace(client, technician_user, manager, lift):
    controller = unit(lift, "DRV/CTRL")
    client.force_login(technician_user)
    replace_url = reverse("equipment:component_replace", args=[lift.pk, controller.pk])

    page = client.get(reverse("equipment:detail", args=[lift.pk]))
    posted = client.post(replace_url, {"item": controller.item_id, "on": "2024-06-01"})

    assert page.status_code == 200 and "Replace</a>" not in html_of(page)
    assert client.get(replace_url).status_code == 403
    assert posted.status_code == 403
    assert client.post(reverse("equipment:save_as_bom", args=[lift.pk])).status_code == 403
    assert unit(lift, "DRV/CTRL").pk == controller.pk


def test_manager_replaces_a_component_through_the_form(as_manager, items, lift):
    controller = unit(lift, "DRV/CTRL")
    url = reverse("equipment:component_replace", args=[lift.pk, controller.pk])

    form = as_manager.get(url)
    response = as_manager.post(
        url,
        {"item": items["CTRL2"].pk, "serial": "C-2", "reason": "Burnt relay", "on": "2024-06-01"},
    )

    assert form.status_code == 200
    assert f'<option value="{controller.item_id}" selected>' in html_of(form)
    new = unit(lift, "DRV/CTRL")
    assert (new.item_id, new.serial, new.replaces_id) == (items["CTRL2"].pk, "C-2", controller.pk)
    assert response.status_code == 302
    detail = reverse("equipment:detail", args=[lift.pk])
    assert response.url == f"{detail}?component={new.pk}#component-{new.pk}"
    page = as_manager.get(response.url)
    html = html_of(page)
    assert f'class="tree-node focus" id="component-{new.pk}" data-sku="CTRL2"' in html
    assert "S/N C-2" in html
    assert re.search(r'data-sku="DRIVE">\s*<details open>', html)  # opened down to the new unit
    assert "is now installed in DRV/CTRL" in html


def test_a_refused_replacement_is_shown_on_the_form_and_writes_nothing(as_manager, items, lift):
    controller = unit(lift, "DRV/CTRL")
    components, events = Component.objects.count(), AuditEvent.objects.count()

    response = as_manager.post(
        reverse("equipment:component_replace", args=[lift.pk, controller.pk]),
        {"item": items["CTRL2"].pk, "serial": "C-2", "on": "2023-12-31"},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "equipment/replace.html"
    assert "dated before the component" in html_of(response)
    assert 'class="error-summary"' in html_of(response)
    assert (Component.objects.count(), AuditEvent.objects.count()) == (components, events)
    assert unit(lift, "DRV/CTRL").pk == controller.pk


def test_replacement_form_loads_into_the_tree_and_redirects_through_htmx(as_manager, items, lift):
    controller = unit(lift, "DRV/CTRL")
    url = reverse("equipment:component_replace", args=[lift.pk, controller.pk])
    htmx = {"HX-Request": "true"}

    form = as_manager.get(url, headers=htmx)
    refused = as_manager.post(url, {"item": items["CTRL2"].pk, "on": "2023-01-01"}, headers=htmx)
    done = as_manager.post(url, {"item": items["CTRL2"].pk, "on": "2024-06-01"}, headers=htmx)

    assert form.templates[0].name == "equipment/_replace_form.html"
    assert "<html" not in html_of(form)
    assert refused.templates[0].name == "equipment/_replace_form.html"
    assert "dated before the component" in html_of(refused)
    assert done.status_code == 200
    assert done["HX-Redirect"].startswith(reverse("equipment:detail", args=[lift.pk]))


def test_the_replacement_form_needs_an_item_and_a_date(as_manager, lift):
    controller = unit(lift, "DRV/CTRL")

    response = as_manager.post(
        reverse("equipment:component_replace", args=[lift.pk, controller.pk]), {"serial": "X"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"item", "on"}
    assert unit(lift, "DRV/CTRL").pk == controller.pk


def test_manager_upgrades_the_object_to_another_version(as_manager, manager, items):
    drive = ("DRV", items["DRIVE"], 1, [("CTRL", items["CTRL"], 1)])
    make_bom(manager, items["LIFT"], [drive, ("DR", items["DOOR"], 2)], valid_to=date(2024, 12, 31))
    obj = create_object(manager, items["LIFT"])
    v2 = make_bom(
        manager,
        items["LIFT"],
        [("DRV", items["DRIVE"], 1, [("CTRL", items["CTRL2"], 1)]), ("DR", items["DOOR"], 3)],
        valid_from=date(2025, 1, 1),
    )

    page = as_manager.get(reverse("equipment:detail", args=[obj.pk]))
    response = as_manager.post(reverse("equipment:upgrade", args=[obj.pk]), {"bom": v2.pk})

    assert f'<option value="{v2.pk}" selected>Version 2</option>' in html_of(page)
    assert "Version 1 (current)" in html_of(page)
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.bom_id == v2.pk
    followed = html_of(as_manager.get(response.url))
    assert "The object now follows BOM version 2" in followed
    assert 'data-sku="CTRL2"' in followed


def test_an_upgrade_to_a_version_not_offered_is_refused(as_manager, manager, items, lift):
    draft = make_bom(manager, items["LIFT"], [("DR", items["DOOR"], 1)], approve=False)

    response = as_manager.post(
        reverse("equipment:upgrade", args=[lift.pk]), {"bom": draft.pk}, follow=True
    )

    assert "Choose an approved version" in html_of(response)
    lift.refresh_from_db()
    assert lift.bom.version == 1


def test_manager_saves_the_tree_as_a_bom_draft(as_manager, items, lift):
    response = as_manager.post(reverse("equipment:save_as_bom", args=[lift.pk]))

    draft = Bom.objects.get(item=items["LIFT"], version=2)
    assert draft.status == Bom.Status.DRAFT
    assert response.status_code == 302
    assert response.url == f"{reverse('catalog:bom_detail', args=[lift.item_id])}#version-2"
    assert "saved as draft version 2" in html_of(as_manager.get(response.url))


def test_saving_an_empty_tree_is_refused_with_a_message(as_manager, manager, items):
    obj = create_object(manager, items["MOTOR"])  # no BOM: no components

    response = as_manager.post(reverse("equipment:save_as_bom", args=[obj.pk]), follow=True)

    assert "no installed components" in html_of(response)
    assert not Bom.objects.filter(item=items["MOTOR"]).exists()


def test_history_is_shortened_with_a_link_to_all_of_it(
    as_manager, manager, items, lift, monkeypatch
):
    day = date(2024, 2, 1)
    for n in range(3):
        component_replace(
            obj=lift,
            component=unit(lift, "DRV/MOT"),
            by=manager,
            item=items["MOTOR"],
            serial=f"D{n}",
            on=day + timedelta(days=n),
        )
    monkeypatch.setattr(views, "HISTORY_SHOWN", 2)

    short = as_manager.get(reverse("equipment:detail", args=[lift.pk]))
    full = as_manager.get(reverse("equipment:detail", args=[lift.pk]), {"history": "all"})

    assert len(short.context["events"]) == 2
    assert "Show all 3 events" in html_of(short)
    assert [e.component.serial for e in full.context["events"]] == ["D2", "D1", "D0"]


def test_sub_units_replaced_with_their_parent_are_counted_on_its_event(
    as_manager, manager, items, lift
):
    component_replace(
        obj=lift, component=unit(lift, "DRV"), by=manager, item=items["DRIVE"], on=date(2024, 3, 1)
    )

    response = as_manager.get(reverse("equipment:detail", args=[lift.pk]))

    [event] = response.context["events"]
    assert (event.kind, event.parts_removed) == ("replaced", 2)
    assert "2 sub-units removed with it" in html_of(response)


def big_lift(manager, width: int) -> Item:
    """A lift whose BOM has `width` modules, each with `width` parts nested in it."""
    lift = ItemFactory(sku=f"BIG{width}", kind=Item.Kind.PRODUCT)
    parts = [ItemFactory() for _ in range(width)]
    modules = [ItemFactory() for _ in range(width)]
    make_bom(
        manager,
        lift,
        [
            (f"M{m}", module, 1, [(f"P{p}", part, 1) for p, part in enumerate(parts)])
            for m, module in enumerate(modules)
        ],
    )
    return lift


@pytest.mark.parametrize("width", [2, 12])
def test_object_page_costs_the_same_queries_whatever_the_tree_size(
    as_manager, manager, items, django_assert_max_num_queries, width
):
    obj = create_object(manager, big_lift(manager, width))
    for n in range(width):
        component_replace(
            obj=obj,
            component=unit(obj, f"M{n}/P{n}"),
            by=manager,
            item=items["CTRL"],
            on=INSTALLED + timedelta(days=n + 1),
        )
    # Session, user, permissions (2) and roles; then the object, the tree, its items, the
    # history and the approved versions to upgrade to.
    with django_assert_max_num_queries(10):
        response = as_manager.get(reverse("equipment:detail", args=[obj.pk]))

    assert response.status_code == 200
    assert html_of(response).count('class="tree-node"') == width + width * width


# Admin


def test_admin_shows_installed_components_read_only_and_checks_the_warranty(
    client, administrator, lift
):
    client.force_login(administrator)
    url = reverse("admin:equipment_serviceobject_change", args=[lift.pk])
    inline = {f"components-{key}": "0" for key in ("TOTAL_FORMS", "INITIAL_FORMS")}
    form = {"serial_number": "LFT-002", "group": "", "status": "active", "note": "", **inline}

    page = client.get(url)
    refused = client.post(url, {**form, "warranty_ends_on": "2020-01-01"})
    saved = client.post(url, {**form, "warranty_ends_on": "2030-01-01"})

    html = html_of(page)
    assert "DRV/CTRL" in html and 'name="components-0-serial"' not in html
    assert reverse("equipment:detail", args=[lift.pk]) in html  # "View on site"
    assert "The warranty cannot end before installation." in html_of(refused)
    assert saved.status_code == 302
    lift.refresh_from_db()
    assert (lift.serial_number, lift.warranty_ends_on) == ("LFT-002", date(2030, 1, 1))
    assert client.get(reverse("admin:equipment_serviceobject_add")).status_code == 403
