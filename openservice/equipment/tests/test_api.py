"""/api/v1/objects: objects, their component trees and actions, with the role matrix."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openservice.catalog.models import Bom, BomLine, Item
from openservice.catalog.tests.factories import BomFactory, BomLineFactory, ItemFactory
from openservice.core.models import AuditEvent, NumberSequence
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.models import Component, ServiceObject
from openservice.equipment.services import component_replace, object_create
from openservice.equipment.tests.factories import ObjectGroupFactory

INSTALLED = date(2024, 6, 1)
STAFF = ["technician_user", "dispatcher", "manager", "administrator"]
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


def today() -> date:
    return timezone.localdate()


def business_events() -> list[str]:
    return list(
        AuditEvent.objects.exclude(verb__startswith="api_token.")
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def snapshot() -> tuple:
    return (
        list(
            ServiceObject.objects.order_by("pk").values_list(
                "pk", "number", "site_id", "serial_number", "installed_on", "bom_id", "group_id"
            )
        ),
        list(
            Component.objects.order_by("pk").values_list(
                "pk", "item_id", "serial", "installed_on", "removed_on", "removal_reason"
            )
        ),
        list(Bom.objects.order_by("pk").values_list("pk", "status")),
        list(NumberSequence.objects.order_by("pk").values_list("code", "next_number")),
        business_events(),
    )


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], body["message"]) == ("core.invalid_input", "Some fields are not valid.")
    return body["details"]["fields"]


def conflict(response, code: str) -> dict:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == code
    return body


def assert_denied(response, status: int, perm: str) -> None:
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    else:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": perm},
        }


def object_body(obj, **overrides) -> dict:
    obj = ServiceObject.objects.select_related("bom", "group").get(pk=obj.pk)
    if obj.warranty_ends_on is None:
        warranty = "none"
    else:
        warranty = "active" if obj.warranty_ends_on >= today() else "expired"
    return {
        "id": obj.pk,
        "number": obj.number,
        "status": obj.status,
        "customer_id": obj.customer_id,
        "site_id": obj.site_id,
        "item_id": obj.item_id,
        "serial_number": obj.serial_number,
        "installed_on": obj.installed_on.isoformat(),
        "warranty_ends_on": obj.warranty_ends_on and obj.warranty_ends_on.isoformat(),
        "warranty_status": warranty,
        "group": obj.group.code if obj.group else None,
        "bom_id": obj.bom_id,
        "bom_version": obj.bom.version if obj.bom else None,
        "note": obj.note,
        **overrides,
    }


@pytest.fixture
def lift(db):
    """LIFT: DRV (DRIVE with CTRL nested) and DR (DOOR × 2), approved v1 until 2024-12-31;
    v2 from 2025-01-01 has DRIVE2 in DRV and a LIGHT."""
    items = {
        sku: ItemFactory(sku=sku, kind=Item.Kind.PRODUCT)
        for sku in ("LIFT", "DRIVE", "DRIVE2", "CTRL", "DOOR", "LIGHT")
    }
    v1 = BomFactory(item=items["LIFT"], status=Bom.Status.APPROVED, valid_to=date(2024, 12, 31))
    drive = BomLineFactory(bom=v1, component_item=items["DRIVE"], position="DRV")
    BomLineFactory(bom=v1, component_item=items["CTRL"], position="CTRL", parent=drive)
    BomLineFactory(bom=v1, component_item=items["DOOR"], position="DR", quantity=2)
    v2 = BomFactory(item=items["LIFT"], status=Bom.Status.APPROVED, valid_from=date(2025, 1, 1))
    drive = BomLineFactory(bom=v2, component_item=items["DRIVE2"], position="DRV")
    BomLineFactory(bom=v2, component_item=items["CTRL"], position="CTRL", parent=drive)
    BomLineFactory(bom=v2, component_item=items["DOOR"], position="DR", quantity=2)
    BomLineFactory(bom=v2, component_item=items["LIGHT"], position="LT")
    items["v1"], items["v2"] = v1, v2
    return items


@pytest.fixture
def own(customer_user, manager, lift):
    """An object of the portal user's customer, with its tree."""
    customer = customer_user.customer_contact.customer
    return object_create(
        by=manager,
        customer=customer,
        site=SiteFactory(customer=customer),
        item=lift["LIFT"],
        serial_number="L-OWN",
        installed_on=INSTALLED,
        warranty_ends_on=date(2030, 1, 1),
    )


@pytest.fixture
def foreign(manager, lift):
    """An object of another customer."""
    customer = CustomerFactory()
    return object_create(
        by=manager,
        customer=customer,
        item=lift["LIFT"],
        serial_number="L-X",
        installed_on=INSTALLED,
    )


def component_id(obj, slot: str) -> int:
    return Component.objects.filter(object=obj, slot=slot, removed_on__isnull=True).first().pk


# Reading


def test_object_list_returns_exact_fields(api_as, manager, own, lift):
    customer = own.customer
    response = api_as(manager).get("objects")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": own.pk,
                "number": "SO00001",
                "status": "active",
                "customer_id": customer.pk,
                "site_id": own.site_id,
                "item_id": lift["LIFT"].pk,
                "serial_number": "L-OWN",
                "installed_on": "2024-06-01",
                "warranty_ends_on": "2030-01-01",
                "warranty_status": "active",
                "group": None,
                "bom_id": lift["v1"].pk,
                "bom_version": 1,
                "note": "",
            }
        ],
        "count": 1,
    }


def test_object_list_filters(api_as, manager, lift):
    north, south = CustomerFactory(name="North Lifts Oy"), CustomerFactory(name="South Oy")
    north_site = SiteFactory(customer=north, city="Oulu")
    pump = ItemFactory(sku="PUMP-9", kind=Item.Kind.PRODUCT)
    group = ObjectGroupFactory(code="LIFTS")

    def make(customer, item, serial, warranty, **fields):
        return object_create(
            by=manager,
            customer=customer,
            item=item,
            serial_number=serial,
            installed_on=INSTALLED,
            warranty_ends_on=warranty,
            **fields,
        )

    a = make(north, lift["LIFT"], "AB-1", today(), site=north_site, group=group)
    b = make(north, pump, "AB-2", today() - timedelta(days=1))
    c = make(south, lift["LIFT"], "CD-3", None)
    api = api_as(manager)

    def ids(**params):
        response = api.get("objects", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["items"]]

    assert ids() == [a.pk, b.pk, c.pk]
    assert ids(customer_id=north.pk) == [a.pk, b.pk]
    assert ids(site_id=north_site.pk) == [a.pk]
    assert ids(item_id=lift["LIFT"].pk) == [a.pk, c.pk]
    assert ids(serial="ab-2") == [b.pk]
    assert ids(serial="AB") == []
    assert ids(warranty="active") == [a.pk]
    assert ids(warranty="expired") == [b.pk]
    assert ids(warranty="none") == [c.pk]
    assert ids(q="oulu") == [a.pk]
    assert ids(q="south") == [c.pk]
    assert ids(q="pump-9") == [b.pk]
    assert ids(q="SO00003") == [c.pk]
    assert ids(q="AB-") == [a.pk, b.pk]
    assert ids(group="lifts") == [a.pk]
    assert ids(status="active") == [a.pk, b.pk, c.pk]
    assert ids(status="retired") == []
    assert ids(customer_id=north.pk, warranty="expired") == [b.pk]
    assert ids(order_by="-number") == [c.pk, b.pk, a.pk]
    statuses = [row["warranty_status"] for row in api.get("objects").json()["items"]]
    assert statuses == ["active", "expired", "none"]


@pytest.mark.parametrize(
    "params",
    [
        {"warranty": "soon"},
        {"customer_id": 0},
        {"site_id": "x"},
        {"item_id": -1},
        {"status": "broken"},
        {"order_by": "price"},
        {"limit": 0},
    ],
)
def test_object_list_refuses_bad_filters(api_as, manager, params):
    assert field_errors(api_as(manager).get("objects", params)).keys() == params.keys()


def test_get_object_returns_exact_fields(api_as, manager, own):
    response = api_as(manager).get(f"objects/{own.pk}")
    assert response.status_code == 200
    assert response.json() == object_body(own, number="SO00001", warranty_status="active")


def test_get_unknown_object_is_404(api_as, manager):
    response = api_as(manager).get("objects/999999")
    assert response.status_code == 404
    assert response.json() == {
        "code": "core.not_found",
        "message": "Not found.",
        "details": {"object_id": 999999},
    }


@pytest.mark.parametrize("role", STAFF)
def test_staff_read_every_object_and_tree(api_for, role, own, foreign):
    api = api_for(role)
    assert [row["id"] for row in api.get("objects").json()["items"]] == [own.pk, foreign.pk]
    for obj in (own, foreign):
        assert api.get(f"objects/{obj.pk}").status_code == 200
        assert api.get(f"objects/{obj.pk}/components").status_code == 200


def test_customers_read_only_their_own_objects(api_as, customer_user, own, foreign):
    api = api_as(customer_user)
    listed = api.get("objects")
    assert listed.status_code == 200
    assert listed.json() == {"items": [object_body(own)], "count": 1}
    assert api.get("objects", {"customer_id": foreign.customer_id}).json()["count"] == 0
    assert api.get(f"objects/{own.pk}").json() == object_body(own)
    assert len(api.get(f"objects/{own.pk}/components").json()) == 3
    for path in (f"objects/{foreign.pk}", f"objects/{foreign.pk}/components"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["details"] == {"object_id": foreign.pk}


def test_a_deactivated_contact_sees_no_objects(api_as, customer_user, own):
    contact = customer_user.customer_contact
    contact.is_active = False
    contact.save()
    api = api_as(customer_user)
    assert api.get("objects").json() == {"items": [], "count": 0}
    assert api.get(f"objects/{own.pk}").status_code == 404


def test_anonymous_reads_nothing(api_as, own):
    api = api_as(None)
    for path in ("objects", f"objects/{own.pk}", f"objects/{own.pk}/components"):
        assert_denied(api.get(path), 401, "")


# The component tree


def test_components_on_a_day_are_root_nodes_with_children(api_as, manager, own, lift):
    response = api_as(manager).get(f"objects/{own.pk}/components", {"on": "2024-06-01"})
    assert response.status_code == 200
    rows = list(Component.objects.filter(object=own).order_by("pk"))

    def node(slot, children=()):
        component = next(c for c in rows if c.slot == slot and c.pk not in seen)
        seen.add(component.pk)
        return {
            "id": component.pk,
            "item_id": component.item_id,
            "serial": "",
            "position": component.position,
            "slot": slot,
            "quantity": "1.000",
            "installed_on": "2024-06-01",
            "removed_on": None,
            "children": list(children),
        }

    seen: set[int] = set()
    assert response.json() == [
        node("DR"),
        node("DR"),
        node("DRV", [node("DRV/CTRL")]),
    ]
    doors = [n for n in response.json() if n["slot"] == "DR"]
    assert doors[0]["id"] != doors[1]["id"]
    assert doors[0]["item_id"] == doors[1]["item_id"] == lift["DOOR"].pk


def test_components_default_to_today_and_show_history(api_as, manager, own, lift):
    old = component_id(own, "DRV/CTRL")
    new = component_replace(
        obj=own,
        component=Component(pk=old),
        by=manager,
        item=lift["CTRL"],
        serial="C-2",
        on=date(2025, 3, 1),
    )
    api = api_as(manager)

    def ctrl(on=None):
        tree = api.get(f"objects/{own.pk}/components", {"on": on} if on else None).json()
        (drive,) = [n for n in tree if n["slot"] == "DRV"]
        return [(n["id"], n["serial"], n["installed_on"]) for n in drive["children"]]

    assert ctrl("2025-02-28") == [(old, "", "2024-06-01")]
    assert ctrl("2025-03-01") == [(new.pk, "C-2", "2025-03-01")]
    assert ctrl() == [(new.pk, "C-2", "2025-03-01")]
    assert api.get(f"objects/{own.pk}/components", {"on": "2024-05-31"}).json() == []


@pytest.mark.parametrize("on", ["2025-02-30", "yesterday", "2025-1-1x"])
def test_components_refuse_a_bad_date(api_as, manager, own, on):
    response = api_as(manager).get(f"objects/{own.pk}/components", {"on": on})
    assert field_errors(response).keys() == {"on"}


# Creating and changing objects


@pytest.mark.parametrize("role", WRITERS)
def test_create_object_builds_its_tree(api_for, role, lift):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    ObjectGroupFactory(code="LIFTS")
    response = api_for(role).post(
        "objects",
        {
            "customer_id": customer.pk,
            "site_id": site.pk,
            "item_id": lift["LIFT"].pk,
            "serial_number": "  L-1  ",
            "installed_on": "2025-02-01",
            "warranty_ends_on": "2027-01-31",
            "group": "lifts",
            "note": "Lobby",
        },
    )
    assert response.status_code == 201, response.content
    obj = ServiceObject.objects.get()
    assert response.json() == {
        "id": obj.pk,
        "number": "SO00001",
        "status": "active",
        "customer_id": customer.pk,
        "site_id": site.pk,
        "item_id": lift["LIFT"].pk,
        "serial_number": "L-1",
        "installed_on": "2025-02-01",
        "warranty_ends_on": "2027-01-31",
        "warranty_status": "active" if today() <= date(2027, 1, 31) else "expired",
        "group": "LIFTS",
        "bom_id": lift["v2"].pk,
        "bom_version": 2,
        "note": "Lobby",
    }
    assert Component.objects.filter(object=obj).count() == 5
    assert business_events() == ["object.created", "object.tree_built"]


def test_create_object_with_only_the_required_fields(api_as, manager, lift):
    customer = CustomerFactory()
    response = api_as(manager).post(
        "objects",
        {"customer_id": customer.pk, "item_id": lift["DOOR"].pk, "installed_on": "2024-01-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["site_id"], body["serial_number"], body["warranty_ends_on"]) == (None, "", None)
    assert (body["warranty_status"], body["group"], body["bom_id"], body["bom_version"]) == (
        "none",
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("case", "fields"),
    [
        ("no-body", {"customer_id", "item_id", "installed_on"}),
        ("unknown-customer", {"customer_id"}),
        ("unknown-site", {"site_id"}),
        ("unknown-item", {"item_id"}),
        ("unknown-group", {"group"}),
        ("bad-installed-on", {"installed_on"}),
        ("bad-warranty", {"warranty_ends_on"}),
        ("customer-id-text", {"customer_id"}),
        ("serial-too-long", {"serial_number"}),
        ("serial-with-nul", {"serial_number"}),
        ("warranty-before-installation", {"__all__"}),
        ("duplicate-serial", {"__all__"}),
    ],
)
def test_create_object_refuses_bad_input_and_writes_nothing(api_as, manager, lift, case, fields):
    customer = CustomerFactory()
    valid = {"customer_id": customer.pk, "item_id": lift["LIFT"].pk, "installed_on": "2024-06-01"}
    object_create(
        by=manager,
        customer=customer,
        item=lift["LIFT"],
        serial_number="DUP",
        installed_on=INSTALLED,
    )
    body = {
        "no-body": {},
        "unknown-customer": {**valid, "customer_id": 999999},
        "unknown-site": {**valid, "site_id": 999999},
        "unknown-item": {**valid, "item_id": 999999},
        "unknown-group": {**valid, "group": "NOPE"},
        "bad-installed-on": {**valid, "installed_on": "2024-02-30"},
        "bad-warranty": {**valid, "warranty_ends_on": "next year"},
        "customer-id-text": {**valid, "customer_id": "ACME"},
        "serial-too-long": {**valid, "serial_number": "S" * 61},
        "serial-with-nul": {**valid, "serial_number": "S\x00"},
        "warranty-before-installation": {**valid, "warranty_ends_on": "2024-05-31"},
        "duplicate-serial": {**valid, "serial_number": "DUP"},
    }[case]
    before = snapshot()
    response = api_as(manager).post("objects", body)
    assert field_errors(response).keys() == fields
    assert snapshot() == before


def test_unknown_references_name_their_field(api_as, manager, lift):
    customer = CustomerFactory()
    response = api_as(manager).post(
        "objects",
        {"customer_id": customer.pk, "item_id": 999999, "installed_on": "2024-06-01"},
    )
    assert field_errors(response) == {"item_id": ["No such record is visible to you."]}


def test_create_object_refuses_a_site_of_another_customer(api_as, manager, lift):
    customer, other_site = CustomerFactory(), SiteFactory()
    before = snapshot()
    response = api_as(manager).post(
        "objects",
        {
            "customer_id": customer.pk,
            "site_id": other_site.pk,
            "item_id": lift["LIFT"].pk,
            "installed_on": "2024-06-01",
        },
    )
    assert conflict(response, "equipment.site_of_another_customer") == {
        "code": "equipment.site_of_another_customer",
        "message": "The site belongs to another customer.",
        "details": {"site_id": other_site.pk, "customer_id": customer.pk},
    }
    assert snapshot() == before


def test_create_object_refuses_an_inactive_customer(api_as, manager, lift):
    customer = CustomerFactory(is_active=False)
    before = snapshot()
    response = api_as(manager).post(
        "objects",
        {"customer_id": customer.pk, "item_id": lift["LIFT"].pk, "installed_on": "2024-06-01"},
    )
    conflict(response, "customers.customer_inactive")
    assert snapshot() == before


@pytest.mark.parametrize("role", WRITERS)
def test_patch_object_changes_its_fields(api_for, role, own):
    site = SiteFactory(customer=own.customer)
    ObjectGroupFactory(code="LIFTS")
    response = api_for(role).patch(
        f"objects/{own.pk}",
        {
            "site_id": site.pk,
            "serial_number": "L-NEW",
            "warranty_ends_on": None,
            "group": "LIFTS",
            "note": "Moved",
        },
    )
    assert response.status_code == 200, response.content
    own.refresh_from_db()
    assert response.json() == object_body(own)
    assert (own.site, own.serial_number, own.warranty_ends_on, own.group.code, own.note) == (
        site,
        "L-NEW",
        None,
        "LIFTS",
        "Moved",
    )
    assert response.json()["warranty_status"] == "none"
    assert business_events()[-1] == "object.updated"


def test_patch_object_clears_site_and_group_and_moves_an_untouched_tree(api_as, manager, own):
    api = api_as(manager)
    assert api.patch(f"objects/{own.pk}", {"group": "LIFTS"}).status_code == 422
    ObjectGroupFactory(code="LIFTS")
    assert api.patch(f"objects/{own.pk}", {"group": "LIFTS"}).json()["group"] == "LIFTS"
    response = api.patch(
        f"objects/{own.pk}", {"site_id": None, "group": "", "installed_on": "2024-05-01"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["site_id"], body["group"], body["installed_on"]) == (None, None, "2024-05-01")
    assert set(Component.objects.filter(object=own).values_list("installed_on", flat=True)) == {
        date(2024, 5, 1)
    }


def test_patch_object_refuses_bad_input_and_conflicts(api_as, manager, own, foreign):
    api = api_as(manager)
    before = snapshot()
    assert field_errors(api.patch(f"objects/{own.pk}", {"site_id": 999999})).keys() == {"site_id"}
    assert field_errors(api.patch(f"objects/{own.pk}", {"installed_on": "x"})).keys() == {
        "installed_on"
    }
    assert field_errors(
        api.patch(f"objects/{own.pk}", {"warranty_ends_on": "2020-01-01"})
    ).keys() == {"__all__"}
    assert field_errors(api.patch(f"objects/{foreign.pk}", {"serial_number": "L-OWN"})) == {
        "__all__": ["Another object of this item has this serial number."]
    }
    conflict(
        api.patch(f"objects/{own.pk}", {"site_id": SiteFactory().pk}),
        "equipment.site_of_another_customer",
    )
    assert api.patch("objects/999999", {"note": "x"}).status_code == 404
    assert snapshot() == before


# Writes refused by role


@pytest.mark.parametrize(("role", "status"), REFUSED_WRITERS)
def test_only_managers_and_administrators_change_objects(api_for, role, status, own, lift):
    component = component_id(own, "DRV")
    before = snapshot()
    api = api_for(role)
    assert_denied(
        api.post(
            "objects",
            {
                "customer_id": own.customer_id,
                "item_id": lift["LIFT"].pk,
                "installed_on": "2024-06-01",
            },
        ),
        status,
        "equipment.add_serviceobject",
    )
    change = "equipment.change_serviceobject"
    assert_denied(api.patch(f"objects/{own.pk}", {"note": "x"}), status, change)
    assert_denied(
        api.post(f"objects/{own.pk}/components/{component}/replace", {"item_id": lift["DRIVE"].pk}),
        status,
        change,
    )
    assert_denied(api.post(f"objects/{own.pk}/upgrade", {"bom_id": lift["v2"].pk}), status, change)
    assert_denied(api.post(f"objects/{own.pk}/save-as-bom"), status, "catalog.add_bom")
    assert snapshot() == before


def test_a_customer_cannot_save_another_customers_object_as_bom(api_as, customer_user, foreign):
    before = snapshot()
    response = api_as(customer_user).post(f"objects/{foreign.pk}/save-as-bom")
    assert response.status_code == 404
    assert snapshot() == before


# Replacing a component


@pytest.mark.parametrize("role", WRITERS)
def test_replace_answers_with_the_new_unit(api_for, role, own, lift):
    old = component_id(own, "DRV/CTRL")
    response = api_for(role).post(
        f"objects/{own.pk}/components/{old}/replace",
        {"item_id": lift["CTRL"].pk, "serial": "C-9", "reason": "Burnt", "on": "2025-03-01"},
    )
    assert response.status_code == 200, response.content
    new = Component.objects.get(replaces_id=old)
    assert response.json() == {
        "id": new.pk,
        "item_id": lift["CTRL"].pk,
        "serial": "C-9",
        "position": "CTRL",
        "slot": "DRV/CTRL",
        "quantity": "1.000",
        "installed_on": "2025-03-01",
        "removed_on": None,
        "children": [],
    }
    assert Component.objects.filter(pk=old).values_list("removed_on", "removal_reason").get() == (
        date(2025, 3, 1),
        "Burnt",
    )
    assert business_events()[-1] == "object.component_replaced"


def test_replace_defaults_to_today(api_as, manager, own, lift):
    old = component_id(own, "DR")
    response = api_as(manager).post(
        f"objects/{own.pk}/components/{old}/replace", {"item_id": lift["DOOR"].pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["installed_on"] == today().isoformat()
    assert Component.objects.get(pk=old).removal_reason == "Replaced"


def test_replace_refuses_and_writes_nothing(api_as, manager, own, foreign, lift):
    drive = component_id(own, "DRV")
    ctrl = component_id(own, "DRV/CTRL")
    component_replace(
        obj=foreign,
        component=Component(pk=component_id(foreign, "DRV/CTRL")),
        by=manager,
        item=lift["CTRL"],
        serial="TAKEN",
        on=date(2025, 1, 1),
    )
    api = api_as(manager)
    before = snapshot()

    def replace(component, **body):
        return api.post(
            f"objects/{own.pk}/components/{component}/replace",
            {"item_id": lift["DRIVE"].pk, **body},
        )

    conflict(
        replace(drive, on=(today() + timedelta(days=1)).isoformat()),
        "equipment.replacement_in_future",
    )
    conflict(replace(drive, on="2024-05-31"), "equipment.replacement_before_installation")
    conflict(
        replace(ctrl, item_id=lift["CTRL"].pk, serial="TAKEN", on="2025-02-01"),
        "equipment.serial_in_use",
    )
    assert field_errors(replace(drive, item_id=999999)) == {
        "item_id": ["No such record is visible to you."]
    }
    assert field_errors(replace(drive, on="2025-13-01")).keys() == {"on"}
    assert field_errors(replace(drive, reason="R" * 201)).keys() == {"reason"}
    unknown = replace(999999)
    assert (unknown.status_code, unknown.json()["details"]) == (404, {"component_id": 999999})
    # A component of another object is not found through this one.
    assert replace(component_id(foreign, "DRV")).status_code == 404
    assert snapshot() == before

    assert replace(drive, on="2025-01-01").status_code == 200
    removed = conflict(replace(drive, on="2025-02-01"), "equipment.component_not_installed")
    assert removed["details"] == {"component_id": drive}


# Upgrading and saving as BOM


@pytest.mark.parametrize("role", WRITERS)
def test_upgrade_applies_the_new_version(api_for, role, own, lift):
    response = api_for(role).post(f"objects/{own.pk}/upgrade", {"bom_id": lift["v2"].pk})
    assert response.status_code == 200, response.content
    own.refresh_from_db()
    assert response.json() == {
        "object": object_body(own, bom_id=lift["v2"].pk, bom_version=2),
        "replaced": 1,
        "added": 1,
        "removed": 0,
    }
    present = Component.objects.filter(object=own, removed_on__isnull=True)
    assert sorted(present.values_list("slot", "item__sku")) == [
        ("DR", "DOOR"),
        ("DR", "DOOR"),
        ("DRV", "DRIVE2"),
        ("DRV/CTRL", "CTRL"),
        ("LT", "LIGHT"),
    ]
    assert set(
        Component.objects.filter(object=own, removed_on=today()).values_list(
            "slot", "removal_reason"
        )
    ) == {("DRV", "Upgrade to BOM version 2"), ("DRV/CTRL", "Removed with DRV")}
    assert business_events()[-1] == "object.bom_upgraded"


def test_upgrade_to_the_same_version_changes_nothing(api_as, manager, own, lift):
    before = snapshot()
    response = api_as(manager).post(f"objects/{own.pk}/upgrade", {"bom_id": lift["v1"].pk})
    assert response.status_code == 200
    assert response.json() == {
        "object": object_body(own),
        "replaced": 0,
        "added": 0,
        "removed": 0,
    }
    assert snapshot() == before


def test_upgrade_refuses_a_bom_that_does_not_apply(api_as, manager, own, lift):
    draft = BomFactory(item=lift["LIFT"])
    other = BomFactory(item=lift["DOOR"], status=Bom.Status.APPROVED)
    api = api_as(manager)
    before = snapshot()
    for bom in (draft, other):
        body = conflict(
            api.post(f"objects/{own.pk}/upgrade", {"bom_id": bom.pk}),
            "equipment.bom_not_applicable",
        )
        assert body["details"] == {"bom_id": bom.pk, "item_id": lift["LIFT"].pk}
    assert field_errors(api.post(f"objects/{own.pk}/upgrade", {"bom_id": 999999})) == {
        "bom_id": ["No such record is visible to you."]
    }
    assert field_errors(api.post(f"objects/{own.pk}/upgrade", {})).keys() == {"bom_id"}
    assert snapshot() == before


def test_upgrade_of_an_object_installed_in_the_future_is_refused(api_as, manager, lift):
    future = object_create(
        by=manager,
        customer=CustomerFactory(),
        item=lift["LIFT"],
        installed_on=today() + timedelta(days=30),
    )
    assert future.bom == lift["v2"]
    before = snapshot()
    response = api_as(manager).post(f"objects/{future.pk}/upgrade", {"bom_id": lift["v1"].pk})
    assert conflict(response, "equipment.replacement_before_installation")["details"] == {
        "object_id": future.pk,
        "installed_on": future.installed_on.isoformat(),
        "on": today().isoformat(),
    }
    assert snapshot() == before


@pytest.mark.parametrize("role", WRITERS)
def test_save_as_bom_answers_with_the_new_draft(api_for, role, own, lift):
    response = api_for(role).post(f"objects/{own.pk}/save-as-bom")
    assert response.status_code == 200, response.content
    bom = Bom.objects.get(item=lift["LIFT"], version=3)
    assert response.json() == {"bom_id": bom.pk, "version": 3}
    assert bom.status == "draft"
    assert sorted(BomLine.objects.filter(bom=bom).values_list("position", "quantity")) == [
        ("CTRL", Decimal(1)),
        ("DR", Decimal(2)),
        ("DRV", Decimal(1)),
    ]
    assert business_events()[-2:] == ["bom.created", "object.saved_as_bom"]


def test_save_as_bom_refuses_an_empty_tree(api_as, manager):
    obj = object_create(
        by=manager,
        customer=CustomerFactory(),
        item=ItemFactory(kind=Item.Kind.PRODUCT),
        installed_on=INSTALLED,
    )
    before = snapshot()
    response = api_as(manager).post(f"objects/{obj.pk}/save-as-bom")
    assert conflict(response, "equipment.empty_tree") == {
        "code": "equipment.empty_tree",
        "message": "The object has no installed components to save as a BOM.",
        "details": {"object_id": obj.pk},
    }
    assert snapshot() == before


def test_actions_on_an_unknown_object_are_404(api_as, manager, lift):
    api = api_as(manager)
    for response in (
        api.get("objects/999999/components"),
        api.post("objects/999999/components/1/replace", {"item_id": lift["DRIVE"].pk}),
        api.post("objects/999999/upgrade", {"bom_id": lift["v2"].pk}),
        api.post("objects/999999/save-as-bom"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["details"] == {"object_id": 999999}
