"""BOM pages: the items with BOMs, and one item's versions side by side with the differences."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from openservice.catalog import bom_services
from openservice.catalog.models import Bom, Item
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


def add_lines(manager, bom, rows, parent=None):
    """rows: [(position, item, quantity, [nested rows])]."""
    for position, item, quantity, *nested in rows:
        line = bom_services.bom_line_add(
            bom=bom,
            by=manager,
            component_item=item,
            quantity=Decimal(quantity),
            position=position,
            parent=parent,
        )
        add_lines(manager, bom, nested[0] if nested else [], line)


@pytest.fixture
def items(db):
    return {
        sku: ItemFactory(sku=sku, name=f"{sku.title()} part", kind=Item.Kind.PRODUCT)
        for sku in ("LIFT", "DRIVE", "CTRL", "CTRL2", "DOOR", "ROPE", "BRAKE", "FAN")
    }


@pytest.fixture
def versions(manager, items):
    """LIFT v1 (approved until 2024) and v2 (approved from 2025): the controller inside the
    drive changes, two doors become three, the rope goes and a brake comes."""
    v1 = bom_services.bom_create(by=manager, item=items["LIFT"], valid_to=date(2024, 12, 31))
    add_lines(
        manager,
        v1,
        [
            ("DRV", items["DRIVE"], 1, [("CTRL", items["CTRL"], 1), ("FAN", items["FAN"], 1)]),
            ("DR", items["DOOR"], 2),
            ("RP", items["ROPE"], "12.5"),
        ],
    )
    v1 = bom_services.bom_approve(bom=v1, by=manager)
    v2 = bom_services.bom_copy(bom=v1, by=manager)
    bom_services.bom_update(bom=v2, by=manager, valid_from=date(2025, 1, 1), valid_to=None)
    for line in v2.lines.select_related("bom", "component_item"):
        sku = line.component_item.sku
        if sku == "CTRL":
            bom_services.bom_line_update(line=line, by=manager, component_item=items["CTRL2"])
        elif sku == "DOOR":
            bom_services.bom_line_update(line=line, by=manager, quantity=Decimal(3))
        elif sku == "ROPE":
            bom_services.bom_line_remove(line=line, by=manager)
    add_lines(manager, v2, [("BRK", items["BRAKE"], 1)])
    v2 = bom_services.bom_approve(bom=v2, by=manager)
    return v1, v2


def cells(html: str) -> dict[tuple[str, int], tuple[str, str]]:
    """{(place, version): (change, text)} from the comparison table."""
    result = {}
    for place, row in re.findall(r'<tr data-place="([^"]+)">(.*?)</tr>', html, re.S):
        for change, version, body in re.findall(
            r'data-change="(\w*)" data-version="(\d+)".*?>(.*?)</td>', row, re.S
        ):
            text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
            result[(place, int(version))] = (change, text)
    return result


def test_bom_page_shows_the_versions_side_by_side_with_the_differences(as_manager, items, versions):
    response = as_manager.get(reverse("catalog:bom_detail", args=[items["LIFT"].pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="version-1"' in html and 'id="version-2"' in html
    assert "Valid until" in html and "Valid from" in html
    assert html.count('data-status="approved"') == 4  # a card and a column head per version
    table = cells(html)
    assert table[("DRV", 1)] == ("", "DRIVE × 1 Drive part")
    assert table[("DRV", 2)] == ("", "DRIVE × 1 Drive part")
    assert table[("DRV/CTRL", 1)] == ("", "CTRL × 1 Ctrl part")
    assert table[("DRV/CTRL", 2)] == ("changed", "Changed CTRL2 × 1 Ctrl2 part was CTRL × 1")
    assert table[("DR", 2)] == ("changed", "Changed DOOR × 3 Door part was DOOR × 2")
    assert table[("RP", 1)] == ("", "ROPE × 12.5 Rope part")
    assert table[("RP", 2)] == ("removed", "Removed ROPE × 12.5")
    assert table[("BRK", 1)] == ("", "—")
    assert table[("BRK", 2)] == ("added", "Added BRAKE × 1 Brake part")
    assert table[("DRV/FAN", 2)] == ("", "FAN × 1 Fan part")
    # Rows follow the structure: a sub-assembly's lines right after it.
    places = re.findall(r'<tr data-place="([^"]+)">', html)
    assert places == ["BRK", "DR", "DRV", "DRV/CTRL", "DRV/FAN", "RP"]
    assert "Against version 1: 1 added, 1 removed, 2 changed" in html


def test_bom_page_marks_the_version_in_use_today(as_manager, manager, items):
    bom = bom_services.bom_create(by=manager, item=items["FAN"])
    add_lines(manager, bom, [("", items["BRAKE"], 1)])
    draft = bom_services.bom_copy(bom=bom_services.bom_approve(bom=bom, by=manager), by=manager)

    html = as_manager.get(reverse("catalog:bom_detail", args=[items["FAN"].pk])).content.decode()

    assert html.count("In use today") == 1
    assert 'data-status="draft"' in html
    assert f'id="version-{draft.version}"' in html


def test_an_item_without_a_bom_has_no_bom_page(as_manager, items):
    response = as_manager.get(reverse("catalog:bom_detail", args=[items["DOOR"].pk]))

    assert response.status_code == 404


def test_bom_list_shows_items_with_their_versions_and_searches(
    as_manager, manager, items, versions
):
    other = bom_services.bom_create(by=manager, item=items["DRIVE"])

    everything = as_manager.get(reverse("catalog:bom_list"))
    searched = as_manager.get(reverse("catalog:bom_list"), {"q": "lift"})
    drafts = as_manager.get(reverse("catalog:bom_list"), {"status": Bom.Status.DRAFT})
    rows = as_manager.get(
        reverse("catalog:bom_list"), {"q": "lift"}, headers={"HX-Request": "true"}
    )

    assert [i.sku for i in everything.context["page_obj"]] == ["DRIVE", "LIFT"]
    html = everything.content.decode()
    assert "v1 · Approved" in html and "v2 · Approved" in html and "v1 · Draft" in html
    assert f"{reverse('catalog:bom_detail', args=[other.item_id])}#version-1" in html
    assert [i.sku for i in searched.context["page_obj"]] == ["LIFT"]
    assert [i.sku for i in drafts.context["page_obj"]] == ["DRIVE"]
    assert rows.templates[0].name == "catalog/_bom_rows.html"
    assert (
        "No items with a BOM match"
        in as_manager.get(reverse("catalog:bom_list"), {"q": "nothing"}).content.decode()
    )


def test_bom_list_costs_the_same_queries_for_many_items(
    as_manager, manager, django_assert_max_num_queries
):
    for _n in range(12):
        bom = bom_services.bom_create(by=manager, item=ItemFactory())
        bom_services.bom_copy(bom=bom, by=manager)

    with django_assert_max_num_queries(8):
        response = as_manager.get(reverse("catalog:bom_list"))

    assert len(response.context["page_obj"]) == 12


def test_technician_reads_bom_pages(client, technician_user, items, versions):
    client.force_login(technician_user)

    assert client.get(reverse("catalog:bom_list")).status_code == 200
    assert client.get(reverse("catalog:bom_detail", args=[items["LIFT"].pk])).status_code == 200


def test_customer_user_cannot_open_bom_pages(client, customer_user, items, versions):
    client.force_login(customer_user)

    assert client.get(reverse("catalog:bom_list")).status_code == 403
    assert client.get(reverse("catalog:bom_detail", args=[items["LIFT"].pk])).status_code == 403


# Admin


def inline(prefix="lines", total=0, initial=0, **rows):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        **{f"{prefix}-{key}": value for key, value in rows.items()},
    }


def test_admin_edits_draft_lines_through_the_services(client, administrator, items):
    client.force_login(administrator)
    lift, door = items["LIFT"], items["DOOR"]

    created = client.post(
        reverse("admin:catalog_bom_add"),
        {
            "item": lift.pk,
            "note": "",
            **inline(
                total=1, **{"0-component_item": door.pk, "0-quantity": "2", "0-position": "DR"}
            ),
        },
    )
    bom = Bom.objects.get(item=lift)
    line = bom.lines.get()
    cycle = client.post(
        reverse("admin:catalog_bom_change", args=[bom.pk]),
        {
            "note": "",
            **inline(
                total=2,
                initial=1,
                **{"0-id": line.pk, "0-bom": bom.pk, "0-component_item": door.pk},
                **{"0-quantity": "2", "0-position": "DR"},
                **{"1-component_item": lift.pk, "1-quantity": "1", "1-position": "X"},
            ),
        },
    )

    assert created.status_code == 302
    assert (bom.version, line.component_item_id, line.quantity) == (1, door.pk, Decimal(2))
    assert AuditEvent.objects.filter(verb="bom.line_added").count() == 1
    assert "The component would make the BOM contain itself." in cycle.content.decode()
    assert bom.lines.count() == 1


def test_admin_approves_drafts_and_freezes_approved_versions(client, administrator, versions):
    v1, v2 = versions
    draft = bom_services.bom_copy(bom=v2, by=administrator)
    client.force_login(administrator)
    changelist = reverse("admin:catalog_bom_changelist")

    refused = client.post(
        changelist, {"action": "approve_selected", "_selected_action": [v1.pk]}, follow=True
    )
    page = client.get(reverse("admin:catalog_bom_change", args=[v1.pk]))
    draft_page = client.get(reverse("admin:catalog_bom_change", args=[draft.pk]))

    assert "Only a draft BOM can be changed" in refused.content.decode()
    assert 'name="lines-0-quantity"' not in page.content.decode()
    assert 'name="lines-0-quantity"' in draft_page.content.decode()
