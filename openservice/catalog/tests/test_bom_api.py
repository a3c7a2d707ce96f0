"""/api/v1/boms: versions, lines and actions, with the role matrix and error shapes."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openservice.catalog.models import Bom, BomLine, Item
from openservice.catalog.selectors import bom_list
from openservice.catalog.tests.factories import BomFactory, BomLineFactory, ItemFactory
from openservice.core.models import AuditEvent
from openservice.core.roles import is_staff_member
from openservice.core.schemas import PageIn, paginate

READERS = ["technician_user", "dispatcher", "manager", "administrator"]
WRITERS = ["manager", "administrator"]
REFUSED_WRITERS = [
    (None, 401),
    ("customer_user", 403),
    ("technician_user", 403),
    ("dispatcher", 403),
]


@pytest.fixture
def api_for(request, api_as):
    def make(role):
        return api_as(None if role is None else request.getfixturevalue(role))

    return make


def business_events():
    return list(
        AuditEvent.objects.exclude(verb__startswith="api_token.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("core.invalid_input", "Some fields are not valid.")
    return body["details"]["fields"]


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    return body


def assert_denied(response, status: int, perm: str) -> None:
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json() == {
            "code": "core.not_authenticated",
            "message": "Log in or send a bearer token.",
            "details": {},
        }
    else:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm},
        }


def snapshot() -> tuple:
    return (
        list(Bom.objects.order_by("pk").values_list("pk", "status", "valid_from", "note")),
        list(BomLine.objects.order_by("pk").values_list("pk", "component_item_id", "quantity")),
        business_events(),
    )


@pytest.fixture
def lift(db):
    return ItemFactory(sku="LIFT-1", kind=Item.Kind.PRODUCT)


@pytest.fixture
def draft(lift):
    """LIFT-1 v1, a draft: DRV (drive) with CTRL nested under it, and 2 × DOOR."""
    bom = BomFactory(item=lift, note="First")
    drive = BomLineFactory(
        bom=bom, component_item=ItemFactory(sku="DRIVE"), position="DRV", quantity=Decimal(1)
    )
    BomLineFactory(bom=bom, component_item=ItemFactory(sku="CTRL"), position="CTRL", parent=drive)
    BomLineFactory(bom=bom, component_item=ItemFactory(sku="DOOR"), position="DR", quantity=2)
    return bom


def bom_body(bom, **overrides) -> dict:
    lines = BomLine.objects.filter(bom=bom).select_related("component_item")
    return {
        "id": bom.pk,
        "item_id": bom.item_id,
        "item_sku": bom.item.sku,
        "version": bom.version,
        "status": bom.status,
        "valid_from": bom.valid_from and bom.valid_from.isoformat(),
        "valid_to": bom.valid_to and bom.valid_to.isoformat(),
        "note": bom.note,
        "copied_from_id": bom.copied_from_id,
        "approved_at": None,
        "lines": [
            {
                "id": line.pk,
                "component_item_id": line.component_item_id,
                "component_sku": line.component_item.sku,
                "quantity": f"{line.quantity:.3f}",
                "position": line.position,
                "parent_line_id": line.parent_id,
            }
            for line in lines.order_by("position", "pk")
        ],
        **overrides,
    }


# Reading


def test_bom_list_returns_summaries_newest_version_first(api_as, manager, draft, lift):
    second = BomFactory(item=lift, valid_from=date(2025, 1, 1), status=Bom.Status.APPROVED)
    other = BomFactory(item=ItemFactory(sku="AHU-1", kind=Item.Kind.PRODUCT))

    response = api_as(manager).get("boms")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": other.pk,
                "item_id": other.item_id,
                "item_sku": "AHU-1",
                "version": 1,
                "status": "draft",
                "valid_from": None,
                "valid_to": None,
                "line_count": 0,
            },
            {
                "id": second.pk,
                "item_id": lift.pk,
                "item_sku": "LIFT-1",
                "version": 2,
                "status": "approved",
                "valid_from": "2025-01-01",
                "valid_to": None,
                "line_count": 0,
            },
            {
                "id": draft.pk,
                "item_id": lift.pk,
                "item_sku": "LIFT-1",
                "version": 1,
                "status": "draft",
                "valid_from": None,
                "valid_to": None,
                "line_count": 3,
            },
        ],
        "count": 3,
    }


def test_bom_list_filters(api_as, manager, draft, lift):
    approved = BomFactory(item=lift, status=Bom.Status.APPROVED, note="Winter kit")
    other = BomFactory(item=ItemFactory(sku="AHU-1", kind=Item.Kind.PRODUCT))
    api = api_as(manager)

    def ids(**params):
        response = api.get("boms", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["items"]]

    assert ids(item_id=lift.pk) == [approved.pk, draft.pk]
    assert ids(status="approved") == [approved.pk]
    assert ids(status="draft") == [other.pk, draft.pk]
    assert ids(q="winter") == [approved.pk]
    assert ids(q="ahu") == [other.pk]
    assert ids(item_id=lift.pk, status="retired") == []
    assert field_errors(api.get("boms", {"status": "frozen"})).keys() == {"status"}
    assert field_errors(api.get("boms", {"item_id": 0})).keys() == {"item_id"}


def test_get_bom_returns_the_version_with_its_lines(api_as, manager, draft):
    response = api_as(manager).get(f"boms/{draft.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body == bom_body(draft)
    assert [(line["position"], line["quantity"]) for line in body["lines"]] == [
        ("CTRL", "1.000"),
        ("DR", "2.000"),
        ("DRV", "1.000"),
    ]
    drive = next(line for line in body["lines"] if line["position"] == "DRV")
    ctrl = next(line for line in body["lines"] if line["position"] == "CTRL")
    assert ctrl["parent_line_id"] == drive["id"]


def test_get_unknown_bom_is_404(api_as, manager):
    response = api_as(manager).get("boms/999999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "core.not_found",
        "message": "Not found.",
        "details": {"bom_id": 999999},
    }


@pytest.mark.parametrize("role", READERS)
def test_staff_read_boms(api_for, role, draft):
    api = api_for(role)
    assert api.get("boms").json()["count"] == 1
    assert api.get(f"boms/{draft.pk}").json()["id"] == draft.pk


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("customer_user", 403)])
def test_customers_and_anonymous_cannot_read_boms(api_for, role, status, draft):
    api = api_for(role)
    assert_denied(api.get("boms"), status, "catalog.view_bom")
    assert_denied(api.get(f"boms/{draft.pk}"), status, "catalog.view_bom")


# Writing: the role matrix


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_only_managers_and_administrators_change_boms(api_for, role, status, draft, lift):
    line = draft.lines.first()
    approved = BomFactory(item=lift, status=Bom.Status.APPROVED, valid_from=date(2030, 1, 1))
    before = snapshot()
    api = api_for(role)

    assert_denied(api.post("boms", {"item_id": lift.pk}), status, "catalog.add_bom")
    assert_denied(api.patch(f"boms/{draft.pk}", {"note": "x"}), status, "catalog.change_bom")
    assert_denied(
        api.post(f"boms/{draft.pk}/lines", {"component_item_id": lift.pk}),
        status,
        "catalog.change_bom",
    )
    assert_denied(
        api.patch(f"boms/{draft.pk}/lines/{line.pk}", {"quantity": "2"}),
        status,
        "catalog.change_bom",
    )
    assert_denied(api.delete(f"boms/{draft.pk}/lines/{line.pk}"), status, "catalog.change_bom")
    assert_denied(api.post(f"boms/{draft.pk}/approve"), status, "catalog.change_bom")
    assert_denied(api.post(f"boms/{approved.pk}/retire"), status, "catalog.change_bom")
    assert_denied(api.post(f"boms/{draft.pk}/copy"), status, "catalog.add_bom")
    assert snapshot() == before


@pytest.mark.parametrize("role", WRITERS)
def test_create_bom_makes_the_next_draft_version(api_for, role, draft, lift):
    response = api_for(role).post(
        "boms",
        {"item_id": lift.pk, "valid_from": "2025-01-01", "valid_to": "2025-12-31", "note": "New"},
    )
    assert response.status_code == 201, response.content
    bom = Bom.objects.get(item=lift, version=2)
    assert response.json() == bom_body(bom)
    assert (bom.status, bom.valid_from, bom.valid_to, bom.note) == (
        "draft",
        date(2025, 1, 1),
        date(2025, 12, 31),
        "New",
    )
    assert business_events() == ["bom.created"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"item_id"}),
        ({"item_id": 999999}, {"item_id"}),
        ({"item_id": "LIFT"}, {"item_id"}),
        ({"item_id": 1, "valid_from": "2025-13-01"}, {"valid_from"}),
        ({"item_id": 1, "valid_to": "tomorrow"}, {"valid_to"}),
        ({"item_id": 1, "note": "x" * 2001}, {"note"}),
    ],
)
def test_create_bom_refuses_bad_input(api_as, manager, body, fields):
    before = snapshot()
    assert field_errors(api_as(manager).post("boms", body)).keys() == fields
    assert snapshot() == before


def test_create_bom_refuses_validity_ending_before_it_starts(api_as, manager, lift):
    response = api_as(manager).post(
        "boms", {"item_id": lift.pk, "valid_from": "2025-02-01", "valid_to": "2025-01-31"}
    )
    assert field_errors(response) == {"__all__": ["Valid to must not be before valid from."]}
    assert not Bom.objects.exists()


def test_unknown_item_names_the_field(api_as, manager):
    response = api_as(manager).post("boms", {"item_id": 999999})
    assert field_errors(response) == {"item_id": ["No item has the id 999999."]}


def test_patch_changes_a_draft(api_as, manager, draft):
    response = api_as(manager).patch(
        f"boms/{draft.pk}", {"valid_from": "2025-01-01", "note": "Revised"}
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert response.json() == bom_body(draft, valid_from="2025-01-01", note="Revised")
    assert (draft.valid_from, draft.valid_to, draft.note) == (date(2025, 1, 1), None, "Revised")
    assert business_events() == ["bom.updated"]


def test_patch_refuses_bad_dates(api_as, manager, draft):
    before = snapshot()
    api = api_as(manager)
    assert field_errors(api.patch(f"boms/{draft.pk}", {"valid_to": "2025-02-30"})).keys() == {
        "valid_to"
    }
    assert field_errors(api.patch(f"boms/{draft.pk}", {"valid_from": "soon"})).keys() == {
        "valid_from"
    }
    response = api.patch(f"boms/{draft.pk}", {"valid_from": "2025-03-01", "valid_to": "2025-02-01"})
    assert field_errors(response) == {"__all__": ["Valid to must not be before valid from."]}
    assert snapshot() == before


@pytest.mark.parametrize("status", ["approved", "retired"])
def test_approved_and_retired_versions_refuse_changes_with_409(api_as, manager, draft, status):
    Bom.objects.filter(pk=draft.pk).update(status=status)
    line = draft.lines.first()
    before = snapshot()
    api = api_as(manager)
    details = {"bom_id": draft.pk, "status": status}
    message = "Only a draft BOM can be changed: copy the version to a new draft."
    for response in (
        api.patch(f"boms/{draft.pk}", {"note": "x"}),
        api.post(f"boms/{draft.pk}/lines", {"component_item_id": ItemFactory().pk}),
        api.patch(f"boms/{draft.pk}/lines/{line.pk}", {"quantity": "5"}),
        api.delete(f"boms/{draft.pk}/lines/{line.pk}"),
    ):
        assert refused(response, 409, "catalog.bom_not_editable") == {
            "code": "catalog.bom_not_editable",
            "message": message,
            "details": details,
        }
    assert snapshot() == before


# Lines


def test_add_line_answers_201_with_the_line(api_as, manager, draft):
    parent = draft.lines.get(position="DRV")
    fan = ItemFactory(sku="FAN")
    response = api_as(manager).post(
        f"boms/{draft.pk}/lines",
        {
            "component_item_id": fan.pk,
            "quantity": "2.5",
            "position": "FAN",
            "parent_line_id": parent.pk,
        },
    )
    assert response.status_code == 201, response.content
    line = BomLine.objects.get(bom=draft, component_item=fan)
    assert response.json() == {
        "id": line.pk,
        "component_item_id": fan.pk,
        "component_sku": "FAN",
        "quantity": "2.500",
        "position": "FAN",
        "parent_line_id": parent.pk,
    }
    assert (line.quantity, line.parent) == (Decimal("2.5"), parent)
    assert business_events() == ["bom.line_added"]


def test_add_line_defaults_to_one_unit_at_the_top(api_as, manager, draft):
    response = api_as(manager).post(
        f"boms/{draft.pk}/lines", {"component_item_id": ItemFactory().pk}
    )
    assert response.status_code == 201
    assert (response.json()["quantity"], response.json()["position"]) == ("1.000", "")
    assert response.json()["parent_line_id"] is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"component_item_id"}),
        ({"component_item_id": 999999}, {"component_item_id"}),
        ({"component_item_id": "ITEM", "quantity": "1"}, {"component_item_id"}),
        ("quantity-0", {"quantity"}),
        ("quantity-negative", {"quantity"}),
        ("quantity-4-decimals", {"quantity"}),
        ("quantity-text", {"quantity"}),
        ("position-too-long", {"position"}),
        ("parent-unknown", {"parent_line_id"}),
        ("parent-of-another-bom", {"parent_line_id"}),
    ],
)
def test_add_line_refuses_bad_input(api_as, manager, draft, body, fields):
    item = ItemFactory()
    bodies = {
        "quantity-0": {"component_item_id": item.pk, "quantity": 0},
        "quantity-negative": {"component_item_id": item.pk, "quantity": "-1"},
        "quantity-4-decimals": {"component_item_id": item.pk, "quantity": "1.0001"},
        "quantity-text": {"component_item_id": item.pk, "quantity": "two"},
        "position-too-long": {"component_item_id": item.pk, "position": "P" * 41},
        "parent-unknown": {"component_item_id": item.pk, "parent_line_id": 999999},
        "parent-of-another-bom": {
            "component_item_id": item.pk,
            "parent_line_id": BomLineFactory().pk,
        },
    }
    before = snapshot()
    response = api_as(manager).post(
        f"boms/{draft.pk}/lines", bodies[body] if isinstance(body, str) else body
    )
    assert field_errors(response).keys() == fields
    assert snapshot() == before


def test_a_parent_line_of_another_bom_is_named(api_as, manager, draft):
    response = api_as(manager).post(
        f"boms/{draft.pk}/lines",
        {"component_item_id": ItemFactory().pk, "parent_line_id": BomLineFactory().pk},
    )
    assert field_errors(response) == {"parent_line_id": ["No line of this BOM has that id."]}


def test_add_line_refuses_the_boms_own_item_with_409(api_as, manager, draft, lift):
    before = snapshot()
    response = api_as(manager).post(f"boms/{draft.pk}/lines", {"component_item_id": lift.pk})
    assert refused(response, 409, "catalog.bom_cycle") == {
        "code": "catalog.bom_cycle",
        "message": "The component would make the BOM contain itself.",
        "details": {"bom_id": draft.pk, "component_item_id": lift.pk},
    }
    assert snapshot() == before


def test_add_line_refuses_a_cycle_through_a_sub_assembly(api_as, manager, draft, lift):
    drive = draft.lines.get(position="DRV").component_item
    drive_bom = BomFactory(item=drive)
    before = snapshot()
    response = api_as(manager).post(f"boms/{drive_bom.pk}/lines", {"component_item_id": lift.pk})
    refused(response, 409, "catalog.bom_cycle")
    assert snapshot() == before


def test_patch_line_changes_it(api_as, manager, draft):
    line = draft.lines.get(position="DR")
    new_door = ItemFactory(sku="DOOR-2")
    parent = draft.lines.get(position="DRV")
    response = api_as(manager).patch(
        f"boms/{draft.pk}/lines/{line.pk}",
        {"component_item_id": new_door.pk, "quantity": "3", "parent_line_id": parent.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": line.pk,
        "component_item_id": new_door.pk,
        "component_sku": "DOOR-2",
        "quantity": "3.000",
        "position": "DR",
        "parent_line_id": parent.pk,
    }
    response = api_as(manager).patch(f"boms/{draft.pk}/lines/{line.pk}", {"parent_line_id": None})
    assert response.json()["parent_line_id"] is None
    line.refresh_from_db()
    assert (line.component_item, line.quantity, line.parent) == (new_door, Decimal(3), None)
    assert business_events() == ["bom.line_updated", "bom.line_updated"]


def test_patch_line_refuses_a_cycle_and_bad_input(api_as, manager, draft, lift):
    line = draft.lines.get(position="DR")
    drive_line = draft.lines.get(position="DRV")
    before = snapshot()
    api = api_as(manager)
    refused(
        api.patch(f"boms/{draft.pk}/lines/{line.pk}", {"component_item_id": lift.pk}),
        409,
        "catalog.bom_cycle",
    )
    for quantity in ("0", 0, "-2", "1.0001"):
        response = api.patch(f"boms/{draft.pk}/lines/{line.pk}", {"quantity": quantity})
        assert field_errors(response).keys() == {"quantity"}
    assert field_errors(
        api.patch(f"boms/{draft.pk}/lines/{drive_line.pk}", {"parent_line_id": drive_line.pk})
    ) == {"parent_line_id": ["A line cannot be placed under itself."]}
    assert field_errors(
        api.patch(f"boms/{draft.pk}/lines/{line.pk}", {"component_item_id": None})
    ).keys() == {"component_item_id"}
    assert snapshot() == before


def test_a_line_of_another_bom_is_404(api_as, manager, draft):
    foreign = BomLineFactory()
    api = api_as(manager)
    for response in (
        api.patch(f"boms/{draft.pk}/lines/{foreign.pk}", {"quantity": "2"}),
        api.delete(f"boms/{draft.pk}/lines/{foreign.pk}"),
    ):
        assert response.status_code == 404
        assert response.json()["details"] == {"line_id": foreign.pk}
    assert BomLine.objects.filter(pk=foreign.pk, quantity=1).exists()


def test_delete_line_removes_it_and_the_lines_under_it(api_as, manager, draft):
    drive_line = draft.lines.get(position="DRV")
    response = api_as(manager).delete(f"boms/{draft.pk}/lines/{drive_line.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert list(draft.lines.values_list("position", flat=True)) == ["DR"]
    assert business_events() == ["bom.line_removed"]


# Actions


@pytest.mark.parametrize("role", WRITERS)
def test_approve_freezes_the_draft(api_for, role, draft):
    response = api_for(role).post(f"boms/{draft.pk}/approve")
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    body = response.json()
    assert body["approved_at"] is not None
    assert body == bom_body(draft, approved_at=body["approved_at"])
    assert (body["status"], draft.status) == ("approved", "approved")
    assert business_events() == ["bom.approved"]


def test_approve_refuses_an_empty_draft(api_as, manager, lift):
    empty = BomFactory(item=lift)
    before = snapshot()
    response = api_as(manager).post(f"boms/{empty.pk}/approve")
    assert refused(response, 409, "catalog.bom_empty") == {
        "code": "catalog.bom_empty",
        "message": "A BOM without lines cannot be approved.",
        "details": {"bom_id": empty.pk},
    }
    assert snapshot() == before


def test_approve_refuses_overlapping_validity(api_as, manager, draft, lift):
    api = api_as(manager)
    assert api.post(f"boms/{draft.pk}/approve").status_code == 200
    copy = api.post(f"boms/{draft.pk}/copy").json()
    before = snapshot()
    response = api.post(f"boms/{copy['id']}/approve")
    assert refused(response, 409, "catalog.bom_validity_overlap")["details"] == {
        "bom_id": copy["id"],
        "overlapping_bom_id": draft.pk,
        "version": 1,
    }
    assert snapshot() == before
    # Limiting the first version and starting the copy the day after lets both stand.
    Bom.objects.filter(pk=draft.pk).update(valid_to=date(2024, 12, 31))
    assert api.patch(f"boms/{copy['id']}", {"valid_from": "2025-01-01"}).status_code == 200
    assert api.post(f"boms/{copy['id']}/approve").json()["status"] == "approved"


def test_retire_an_approved_version(api_as, manager, draft):
    Bom.objects.filter(pk=draft.pk).update(status=Bom.Status.APPROVED)
    response = api_as(manager).post(f"boms/{draft.pk}/retire")
    assert response.status_code == 200
    assert response.json()["status"] == "retired"
    assert Bom.objects.get(pk=draft.pk).status == "retired"
    assert business_events() == ["bom.retired"]


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_retire_refuses_anything_but_an_approved_version(api_as, manager, draft, status):
    Bom.objects.filter(pk=draft.pk).update(status=status)
    before = snapshot()
    response = api_as(manager).post(f"boms/{draft.pk}/retire")
    assert refused(response, 409, "catalog.bom_not_approved") == {
        "code": "catalog.bom_not_approved",
        "message": "Only an approved BOM can be retired.",
        "details": {"bom_id": draft.pk, "status": status},
    }
    assert snapshot() == before


@pytest.mark.parametrize("role", WRITERS)
def test_copy_makes_the_next_draft_with_the_same_lines(api_for, role, draft, lift):
    Bom.objects.filter(pk=draft.pk).update(status=Bom.Status.APPROVED)
    response = api_for(role).post(f"boms/{draft.pk}/copy")
    assert response.status_code == 200, response.content
    copy = Bom.objects.get(item=lift, version=2)
    body = response.json()
    assert body == bom_body(copy)
    assert (body["status"], body["copied_from_id"], body["note"]) == ("draft", draft.pk, "First")
    assert [
        (line["component_sku"], line["quantity"], line["position"]) for line in body["lines"]
    ] == [
        ("CTRL", "1.000", "CTRL"),
        ("DOOR", "2.000", "DR"),
        ("DRIVE", "1.000", "DRV"),
    ]
    ctrl, _door, drive = body["lines"]
    assert ctrl["parent_line_id"] == drive["id"]
    assert business_events() == ["bom.copied"]


def test_actions_on_an_unknown_bom_are_404(api_as, manager):
    api = api_as(manager)
    for response in (
        api.patch("boms/999999", {"note": "x"}),
        api.post("boms/999999/lines", {"component_item_id": 1}),
        api.post("boms/999999/approve"),
        api.post("boms/999999/retire"),
        api.post("boms/999999/copy"),
        api.delete("boms/999999/lines/1"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "core.not_found"


# Query counts


def test_bom_list_costs_the_same_for_a_page_of_50_as_of_5(django_assert_num_queries, manager):
    for _ in range(60):
        BomLineFactory.create_batch(2, bom=BomFactory())
    assert is_staff_member(manager)  # roles are read once per user, before counting
    for size in (5, 50):
        with django_assert_num_queries(2):  # the page and the count
            page = paginate(bom_list(user=manager), PageIn(limit=size))
            rows = [(bom.item.sku, bom.version, bom.line_count) for bom in page["items"]]
        assert len(rows) == size
        assert {count for _sku, _version, count in rows} == {2}


def test_bom_list_endpoint_costs_the_same_for_a_page_of_50_as_of_5(api_as, manager):
    for _ in range(60):
        BomLineFactory(bom=BomFactory())
    api = api_as(manager)
    api.get("boms")  # token use is stamped at most once a minute; leave it out of the counts
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("boms", {"limit": size})
        assert len(response.json()["items"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
