"""The /api/v1 repairs resources: repair codes, repair lines on orders, component replacement,
an object's repair history and resolution suggestions — the role matrix on every endpoint, exact
bodies, code strings in and out, and refusals that write nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openservice.core.models import AuditEvent
from openservice.core.roles import Role
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.models import Component
from openservice.orders.models import OrderLine
from openservice.orders.tests.factories import move_to
from openservice.repairs import services
from openservice.repairs.models import (
    ComponentReplacement,
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairLine,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)
from openservice.repairs.tests.factories import lift_items, lift_object, make_codes, order_on, unit
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "customer",
    "tech_own",
    "tech_other",
    "dispatcher",
    "manager",
    "administrator",
]
# Status per actor, in ACTORS order. A technician's "other" order is assigned to someone else:
# not found (404) where the role may act on repair lines at all.
MATRIX = {
    "codes_list": (401, 403, 200, 200, 200, 200, 200),
    "codes_get": (401, 403, 200, 200, 200, 200, 200),
    "codes_create": (401, 403, 403, 403, 403, 201, 403),
    "codes_update": (401, 403, 403, 403, 403, 200, 403),
    "codes_deactivate": (401, 403, 403, 403, 403, 200, 403),
    "codes_activate": (401, 403, 403, 403, 403, 200, 403),
    "codes_delete": (401, 403, 403, 403, 403, 204, 403),
    "list": (401, 403, 200, 404, 200, 200, 200),
    "get": (401, 403, 200, 404, 200, 200, 200),
    "create": (401, 403, 201, 404, 403, 201, 403),
    "update": (401, 403, 200, 404, 403, 200, 403),
    "delete": (401, 403, 204, 404, 403, 204, 403),
    "replace": (401, 403, 201, 404, 403, 201, 403),
    "history": (401, 200, 200, 200, 200, 200, 200),
    "suggestions": (401, 403, 200, 200, 200, 200, 200),
}
ERROR_CODES = {401: "core.not_authenticated", 403: "core.permission_denied", 404: "core.not_found"}
REPLACED_ON = "2025-03-01"


def instant(value) -> str:
    """An instant as the API writes it."""
    return DjangoJSONEncoder().default(value)


def everything() -> tuple:
    """Every row the repairs endpoints could write, to show a refused request wrote nothing."""
    code_rows = [
        list(model.objects.order_by("pk").values_list("pk", "code", "name", "is_active"))
        for model in services.CODE_MODELS.values()
    ]
    return (
        code_rows,
        list(
            RepairLine.objects.order_by("pk").values_list(
                "pk",
                "object_id",
                "component_id",
                "symptom_code_id",
                "resolution_id",
                "stage_id",
                "technician_id",
                "description",
                "finished_at",
            )
        ),
        list(ComponentReplacement.objects.values_list("pk", "removed_id", "installed_id")),
        list(Component.objects.order_by("pk").values_list("pk", "item_id", "removed_on")),
        list(OrderLine.objects.order_by("pk").values_list("pk", "item_id", "unit_price")),
        list(
            AuditEvent.objects.exclude(verb__startswith="api_token.")
            .order_by("pk")
            .values_list("verb", flat=True)
        ),
    )


def field_errors(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "core.invalid_input"
    return body["details"]["fields"]


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    return body


@pytest.fixture
def codes():
    return make_codes()


@pytest.fixture
def items():
    return lift_items()


@pytest.fixture
def world(manager, technician_user, customer_user, make_user, codes, items):
    """customer_user's lift (with its tree), technician_user's Technician and another one."""
    customer = customer_user.customer_contact.customer
    return {
        "lift": lift_object(
            customer, items, by=manager, site=SiteFactory(customer=customer), serial_number="L1"
        ),
        "mine": TechnicianFactory(user=technician_user),
        "theirs": TechnicianFactory(user=make_user(Role.TECHNICIAN, username="othertech")),
    }


@pytest.fixture
def user_of(request):
    def get(actor):
        return {
            "anonymous": None,
            "customer": request.getfixturevalue("customer_user"),
            "tech_own": request.getfixturevalue("technician_user"),
            "tech_other": request.getfixturevalue("technician_user"),
            "dispatcher": request.getfixturevalue("dispatcher"),
            "manager": request.getfixturevalue("manager"),
            "administrator": request.getfixturevalue("administrator"),
        }[actor]

    return get


def repair_on(world, by, *, technician=None, **fields):
    """A repair of the lift's drive (noise) on a new order of the lift."""
    lift = world["lift"]
    order = order_on(lift, by, preferred_technician=technician or world["mine"])
    fields.setdefault("component", unit(lift, "DRV"))
    fields.setdefault("symptom_code", SymptomCode.objects.get(code="DRIVE_NOISE"))
    return services.repair_line_create(order=order, by=by, object=lift, **fields)


def request_for(endpoint: str, actor: str, world: dict, codes: dict, items: dict, by) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it."""
    if endpoint == "codes_activate":
        services.code_set_active(codes["not_closing"], by=by, is_active=False)
    if endpoint.startswith("codes_"):
        base = "repair-codes/symptom-codes"
        target = codes["not_closing"]
        return {
            "codes_list": ("get", base, None),
            "codes_get": ("get", f"{base}/{target.pk}", None),
            "codes_create": ("post", base, {"code": "DOOR_NOISE", "name": "Noise", "area": "DOOR"}),
            "codes_update": ("patch", f"{base}/{target.pk}", {"name": "Stays open"}),
            "codes_deactivate": ("post", f"{base}/{target.pk}/deactivate", None),
            "codes_activate": ("post", f"{base}/{target.pk}/activate", None),
            "codes_delete": ("delete", f"{base}/{target.pk}", None),
        }[endpoint]
    lift = world["lift"]
    if endpoint == "history":
        repair_on(world, by)
        return "get", f"objects/{lift.pk}/repairs", None
    if endpoint == "suggestions":
        query = f"item_id={lift.item_id}&symptom_code=DRIVE_NOISE"
        return "get", f"repairs/suggestions?{query}", None
    technician = world["mine"] if actor == "tech_own" else world["theirs"]
    line = repair_on(world, by, technician=technician)
    order_path = f"orders/{line.order_id}/repairs"
    return {
        "list": ("get", order_path, None),
        "get": ("get", f"{order_path}/{line.pk}", None),
        "create": (
            "post",
            order_path,
            {"object_id": lift.pk, "symptom_code": "DOOR_NOT_CLOSING", "description": "Sticks"},
        ),
        "update": ("patch", f"{order_path}/{line.pk}", {"stage": "DONE"}),
        "delete": ("delete", f"{order_path}/{line.pk}", None),
        "replace": (
            "post",
            f"{order_path}/{line.pk}/replace-component",
            {"item_id": items["DRIVE2"].pk, "on": REPLACED_ON, "bill": True},
        ),
    }[endpoint]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


SUCCESS = {
    "codes_list": lambda body: (
        [row["code"] for row in body["items"]] == ["DOOR_NOT_CLOSING", "DRIVE_NOISE"]
    ),
    "codes_get": lambda body: (body["code"], body["area"]) == ("DOOR_NOT_CLOSING", "DOOR"),
    "codes_create": lambda body: (body["code"], body["area"]) == ("DOOR_NOISE", "DOOR"),
    "codes_update": lambda body: body["name"] == "Stays open",
    "codes_deactivate": lambda body: body["is_active"] is False,
    "codes_activate": lambda body: body["is_active"] is True,
    "codes_delete": lambda body: body is None,
    "list": lambda body: [row["symptom_code"]["code"] for row in body] == ["DRIVE_NOISE"],
    "get": lambda body: body["stage"] == {"code": "OPEN", "name": "Open"},
    "create": lambda body: (
        (body["symptom_area"]["code"], body["description"]) == ("DOOR", "Sticks")
    ),
    "update": lambda body: body["stage"]["code"] == "DONE" and body["finished_at"] is not None,
    "delete": lambda body: body is None,
    "replace": lambda body: body["order_line_id"] is not None,
    "history": lambda body: body["count"] == 1,
    "suggestions": lambda body: body == [],
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_role_matrix_on_every_endpoint(
    endpoint, actor, world, codes, items, user_of, manager, api_as
):
    method, path, body = request_for(endpoint, actor, world, codes, items, manager)
    before = everything()

    response = send(api_as(user_of(actor)), method, path, body)

    status = MATRIX[endpoint][ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status >= 400:
        assert response.json()["code"] == ERROR_CODES[status]
        assert everything() == before
        return
    assert SUCCESS[endpoint](response.json() if response.content else None)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before


# -- Codes -------------------------------------------------------------------------------------


def test_every_code_list_answers_with_exact_fields(codes, manager, api_as):
    api = api_as(manager)

    def items_of(kind):
        response = api.get(f"repair-codes/{kind}")
        assert response.status_code == 200, response.content
        return response.json()

    base = {"description": "", "is_active": True}
    assert items_of("conditions") == {
        "items": [{"id": codes["normal"].pk, "code": "NORMAL_USE", "name": "Normal use", **base}],
        "count": 1,
    }
    assert [row["code"] for row in items_of("symptom-areas")["items"]] == ["DOOR", "DRIVE"]
    assert items_of("symptom-codes")["items"][0] == {
        "id": codes["not_closing"].pk,
        "code": "DOOR_NOT_CLOSING",
        "name": "Does not close",
        "area": "DOOR",
        **base,
    }
    assert [row["code"] for row in items_of("diagnosis-areas")["items"]] == ["ELEC"]
    assert items_of("diagnosis-codes")["items"] == [
        {"id": codes["sensor"].pk, "code": "ELEC_SENSOR", "name": "Sensor", "area": "ELEC", **base}
    ]
    assert [row["code"] for row in items_of("resolutions")["items"]] == ["ADJUSTED", "REPLACED"]
    assert items_of("stages") == {
        "items": [
            {
                "id": codes["open"].pk,
                "code": "OPEN",
                "name": "Open",
                "is_finished": False,
                "sort_order": 1,
                **base,
            },
            {
                "id": codes["done"].pk,
                "code": "DONE",
                "name": "Done",
                "is_finished": True,
                "sort_order": 9,
                **base,
            },
        ],
        "count": 2,
    }


def test_code_lists_filter_by_text_activity_and_area(codes, manager, api_as):
    services.code_set_active(codes["drive_noise"], by=manager, is_active=False)
    api = api_as(manager)

    def codes_of(**params):
        return [
            row["code"] for row in api.get("repair-codes/symptom-codes", params).json()["items"]
        ]

    assert codes_of(area="door") == ["DOOR_NOT_CLOSING"]
    assert codes_of(area="DRIVE") == ["DRIVE_NOISE"]
    assert codes_of(q="close") == ["DOOR_NOT_CLOSING"]
    assert codes_of(is_active="false") == ["DRIVE_NOISE"]
    assert codes_of(is_active="true", area="DRIVE") == []


@pytest.mark.parametrize(
    ("kind", "model", "extra", "shown"),
    [
        ("conditions", Condition, {}, {}),
        ("symptom-areas", SymptomArea, {}, {}),
        ("symptom-codes", SymptomCode, {"area": "door"}, {"area": "DOOR"}),
        ("diagnosis-areas", DiagnosisArea, {}, {}),
        ("diagnosis-codes", DiagnosisCode, {"area": "ELEC"}, {"area": "ELEC"}),
        ("resolutions", Resolution, {}, {}),
        (
            "stages",
            RepairStage,
            {"is_finished": True, "sort_order": 5},
            {"is_finished": True, "sort_order": 5},
        ),
    ],
)
def test_managers_create_change_deactivate_and_delete_codes(
    kind, model, extra, shown, codes, manager, api_as
):
    api = api_as(manager)

    created = api.post(f"repair-codes/{kind}", {"code": "new_one", "name": "New", **extra})
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json() == {
        "id": pk,
        "code": "NEW_ONE",
        "name": "New",
        "description": "",
        "is_active": True,
        **shown,
    }
    changed = api.patch(f"repair-codes/{kind}/{pk}", {"description": "Why", "is_active": False})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["description"], changed.json()["is_active"]) == ("Why", False)
    assert api.get(f"repair-codes/{kind}/{pk}").json() == changed.json()
    assert api.delete(f"repair-codes/{kind}/{pk}").status_code == 204
    assert not model.objects.filter(pk=pk).exists()
    assert api.get(f"repair-codes/{kind}/{pk}").status_code == 404
    name = model._meta.model_name
    assert list(
        AuditEvent.objects.filter(object_type=f"repairs.{name}", object_id=str(pk))
        .order_by("pk")
        .values_list("verb", flat=True)
    ) == [f"{name}.created", f"{name}.changed", f"{name}.deleted"]


def test_a_duplicate_code_in_any_case_is_a_field_error(codes, manager, api_as):
    api = api_as(manager)
    before = everything()

    created = api.post("repair-codes/resolutions", {"code": "replaced", "name": "Again"})
    renamed = api.patch(f"repair-codes/resolutions/{codes['adjusted'].pk}", {"code": "Replaced"})

    for response in (created, renamed):
        assert field_errors(response) == {"code": ["Resolution with this Code already exists."]}
    assert everything() == before


def test_an_unknown_or_retired_area_is_a_field_error(codes, manager, api_as):
    services.code_set_active(codes["drive"], by=manager, is_active=False)
    api = api_as(manager)
    before = everything()

    unknown = api.post("repair-codes/symptom-codes", {"code": "X", "name": "X", "area": "NOPE"})
    retired = api.post("repair-codes/symptom-codes", {"code": "X", "name": "X", "area": "DRIVE"})
    missing = api.post("repair-codes/symptom-codes", {"code": "X", "name": "X"})
    cleared = api.patch(f"repair-codes/symptom-codes/{codes['not_closing'].pk}", {"area": None})

    assert field_errors(unknown) == {"area": ["No symptom area has the code NOPE."]}
    assert field_errors(retired) == {"area": ["DRIVE is no longer in use."]}
    assert field_errors(missing).keys() == {"area"}
    assert field_errors(cleared).keys() == {"area"}
    assert everything() == before
    # A code keeps its retired area when other fields change.
    kept = api.patch(f"repair-codes/symptom-codes/{codes['drive_noise'].pk}", {"area": "DRIVE"})
    assert kept.status_code == 200, kept.content


def test_a_code_in_use_cannot_be_deleted(world, codes, manager, api_as):
    repair_on(world, manager)
    api = api_as(manager)
    before = everything()

    used = api.delete(f"repair-codes/symptom-codes/{codes['drive_noise'].pk}")
    area_with_codes = api.delete(f"repair-codes/symptom-areas/{codes['door'].pk}")
    stage = api.delete(f"repair-codes/stages/{codes['open'].pk}")

    body = refused(used, 409, "repairs.code_in_use")
    assert body["details"] == {"id": codes["drive_noise"].pk, "repair_code": "DRIVE_NOISE"}
    refused(area_with_codes, 409, "repairs.code_in_use")
    refused(stage, 409, "repairs.code_in_use")
    assert everything() == before


# -- Repair lines ------------------------------------------------------------------------------


def line_body(line, **overrides) -> dict:
    line = RepairLine.objects.select_related("object").get(pk=line.pk)

    def ref(code):
        return code and {"code": code.code, "name": code.name}

    return {
        "id": line.pk,
        "order_id": line.order_id,
        "object_id": line.object_id,
        "object_number": line.object.number,
        "component_id": line.component_id,
        "condition": ref(line.condition),
        "symptom_area": ref(line.symptom_area),
        "symptom_code": ref(line.symptom_code),
        "diagnosis_area": ref(line.diagnosis_area),
        "diagnosis_code": ref(line.diagnosis_code),
        "resolution": ref(line.resolution),
        "stage": ref(line.stage),
        "technician_id": line.technician_id,
        "description": line.description,
        "note": line.note,
        "created_at": instant(line.created_at),
        "finished_at": line.finished_at and instant(line.finished_at),
        "replacements": [
            {
                "id": row.pk,
                "repair_line_id": line.pk,
                "removed_component_id": row.removed_id,
                "installed_component_id": row.installed_id,
                "order_line_id": row.order_line_id,
                "created_at": instant(row.created_at),
            }
            for row in line.replacements.order_by("pk")
        ],
        **overrides,
    }


def test_a_repair_line_is_created_from_code_strings_with_defaults(world, codes, manager, api_as):
    lift = world["lift"]
    order = order_on(lift, manager, preferred_technician=world["mine"])
    drive = unit(lift, "DRV")

    response = api_as(manager).post(
        f"orders/{order.pk}/repairs",
        {
            "object_id": lift.pk,
            "component_id": drive.pk,
            "condition": "normal_use",
            "symptom_code": "DRIVE_NOISE",
            "diagnosis_code": "ELEC_SENSOR",
            "description": "Grinding at start",
            "note": "Customer heard it for a week",
        },
    )

    assert response.status_code == 201, response.content
    line = RepairLine.objects.get()
    assert response.json() == line_body(line)
    assert response.json() == {
        **line_body(line),
        "order_id": order.pk,
        "object_id": lift.pk,
        "object_number": "SO00001",
        "component_id": drive.pk,
        "condition": {"code": "NORMAL_USE", "name": "Normal use"},
        "symptom_area": {"code": "DRIVE", "name": "Drive"},
        "symptom_code": {"code": "DRIVE_NOISE", "name": "Noise"},
        "diagnosis_area": {"code": "ELEC", "name": "Electrical"},
        "diagnosis_code": {"code": "ELEC_SENSOR", "name": "Sensor"},
        "resolution": None,
        "stage": {"code": "OPEN", "name": "Open"},
        "technician_id": world["mine"].pk,
        "description": "Grinding at start",
        "note": "Customer heard it for a week",
        "finished_at": None,
        "replacements": [],
    }
    assert AuditEvent.objects.filter(verb="order.repair_added").count() == 1


def test_lines_of_an_order_and_one_line(world, manager, api_as):
    first = repair_on(world, manager)
    second = services.repair_line_create(
        order=first.order, by=manager, object=world["lift"], description="Second"
    )
    api = api_as(manager)

    listed = api.get(f"orders/{first.order_id}/repairs")
    one = api.get(f"orders/{first.order_id}/repairs/{second.pk}")

    assert listed.json() == [line_body(first), line_body(second)]
    assert one.json() == line_body(second)
    other_order = repair_on(world, manager).order_id
    assert api.get(f"orders/{other_order}/repairs/{second.pk}").status_code == 404
    assert api.get("orders/999999/repairs").status_code == 404


def test_bad_code_strings_objects_and_components_are_refused(world, items, manager, api_as):
    lift = world["lift"]
    customer = lift.customer
    order = order_on(lift, manager)
    uncovered = lift_object(customer, items, by=manager, site=lift.site)
    services.code_set_active(
        SymptomCode.objects.get(code="DOOR_NOT_CLOSING"), by=manager, is_active=False
    )
    api = api_as(manager)
    path = f"orders/{order.pk}/repairs"
    before = everything()

    def create(**body):
        return api.post(path, {"object_id": lift.pk, **body})

    assert field_errors(create(symptom_code="NOPE")) == {
        "symptom_code": ["No symptom code has the code NOPE."]
    }
    assert field_errors(create(stage="NOPE", resolution="NOPE")) == {
        "resolution": ["No resolution has the code NOPE."]
    }
    assert field_errors(create(symptom_code="DOOR_NOT_CLOSING")) == {
        "symptom_code": ["DOOR_NOT_CLOSING is no longer in use."]
    }
    wrong_area = refused(
        create(symptom_area="DOOR", symptom_code="DRIVE_NOISE"), 422, "repairs.code_not_in_area"
    )
    assert wrong_area["details"] == {
        "fields": {"symptom_code": ["DRIVE_NOISE is not a code of this area."]}
    }
    assert field_errors(api.post(path, {"object_id": 999999})) == {
        "object_id": ["No such record is visible to you."]
    }
    assert field_errors(create(technician_id=999999)) == {
        "technician_id": ["No such record is visible to you."]
    }
    assert field_errors(api.post(path, {})).keys() == {"object_id"}
    assert field_errors(create(description="D" * 301)).keys() == {"description"}
    refused(api.post(path, {"object_id": uncovered.pk}), 409, "repairs.object_not_on_order")
    refused(create(component_id=unit(uncovered, "DRV").pk), 409, "repairs.component_not_of_object")
    refused(create(component_id=999999), 409, "repairs.component_not_of_object")
    assert everything() == before


def test_a_line_is_changed_by_code_strings_and_null_clears(world, codes, manager, api_as):
    line = repair_on(world, manager, condition=codes["normal"])
    api = api_as(manager)
    path = f"orders/{line.order_id}/repairs/{line.pk}"

    response = api.patch(
        path,
        {"condition": None, "component_id": None, "resolution": "ADJUSTED", "stage": "DONE"},
    )

    assert response.status_code == 200, response.content
    line.refresh_from_db()
    assert (line.condition, line.component, line.resolution, line.stage) == (
        None,
        None,
        codes["adjusted"],
        codes["done"],
    )
    assert line.finished_at is not None
    assert response.json() == line_body(line)
    before = everything()
    assert field_errors(api.patch(path, {"stage": None})).keys() == {"stage"}
    assert field_errors(api.patch(path, {"object_id": None})).keys() == {"object_id"}
    assert field_errors(api.patch(path, {"symptom_code": "NOPE"})).keys() == {"symptom_code"}
    assert everything() == before


def test_a_retired_code_already_on_the_line_may_be_sent_again(world, codes, manager, api_as):
    line = repair_on(world, manager)
    services.code_set_active(codes["drive_noise"], by=manager, is_active=False)

    response = api_as(manager).patch(
        f"orders/{line.order_id}/repairs/{line.pk}",
        {"symptom_code": "DRIVE_NOISE", "description": "Louder"},
    )

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Louder"


def test_a_line_of_a_closed_order_cannot_change(world, manager, api_as):
    line = repair_on(world, manager)
    move_to(line.order, "closed", by=manager)
    api = api_as(manager)
    path = f"orders/{line.order_id}/repairs/{line.pk}"
    before = everything()

    refused(api.patch(path, {"description": "Late"}), 409, "orders.stage_read_only")
    refused(api.delete(path), 409, "orders.stage_read_only")

    assert everything() == before


# -- Replacement -------------------------------------------------------------------------------


def test_replacing_from_a_line_with_billing(world, items, codes, manager, api_as):
    line = repair_on(world, manager)
    old = unit(world["lift"], "DRV")
    path = f"orders/{line.order_id}/repairs/{line.pk}"

    response = api_as(manager).post(
        f"{path}/replace-component",
        {
            "item_id": items["DRIVE2"].pk,
            "serial": "D2-9",
            "reason": "Bearings worn",
            "on": REPLACED_ON,
            "bill": True,
            "unit_price": "399.90",
        },
    )

    assert response.status_code == 201, response.content
    replacement = ComponentReplacement.objects.get()
    new = unit(world["lift"], "DRV")
    order_line = OrderLine.objects.get()
    assert response.json() == {
        "id": replacement.pk,
        "repair_line_id": line.pk,
        "removed_component_id": old.pk,
        "installed_component_id": new.pk,
        "order_line_id": order_line.pk,
        "created_at": instant(replacement.created_at),
    }
    assert (new.item, new.serial, new.installed_on) == (items["DRIVE2"], "D2-9", date(2025, 3, 1))
    old.refresh_from_db()
    assert (old.removed_on, old.removal_reason) == (date(2025, 3, 1), "Bearings worn")
    assert (
        order_line.kind,
        order_line.item,
        order_line.quantity,
        order_line.unit_price,
        order_line.net_amount,
        order_line.is_billable,
    ) == ("item", items["DRIVE2"], Decimal("1.000"), Decimal("399.90"), Decimal("399.90"), True)
    shown = api_as(manager).get(path).json()
    assert shown == line_body(line, resolution={"code": "REPLACED", "name": "Replaced"})
    assert shown["component_id"] == old.pk
    assert shown["replacements"][0]["installed_component_id"] == new.pk


def test_replacing_without_billing_defaults_to_today(world, items, manager, api_as):
    line = repair_on(world, manager)

    response = api_as(manager).post(
        f"orders/{line.order_id}/repairs/{line.pk}/replace-component",
        {"item_id": items["DRIVE2"].pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["order_line_id"] is None
    assert unit(world["lift"], "DRV").installed_on == timezone.localdate()
    assert not OrderLine.objects.exists()


def test_replacement_refusals_write_nothing(world, items, manager, api_as):
    lift = world["lift"]
    line = repair_on(world, manager)
    bare = repair_on(world, manager, component=None)
    other = lift_object(lift.customer, items, by=manager)
    taken = repair_on(world, manager, component=unit(lift, "DRV/CTRL"))
    services.repair_component_replace(
        line=taken, by=manager, item=items["CTRL"], serial="C-1", on=date(2025, 1, 1)
    )
    api = api_as(manager)
    before = everything()

    def replace(target=line, **body):
        return api.post(
            f"orders/{target.order_id}/repairs/{target.pk}/replace-component",
            {"item_id": items["DRIVE2"].pk, "on": REPLACED_ON, "bill": True, **body},
        )

    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    refused(replace(on=future), 409, "equipment.replacement_in_future")
    refused(replace(on="2024-05-31"), 409, "equipment.replacement_before_installation")
    ctrl = unit(lift, "DRV/CTRL")
    refused(
        replace(component_id=ctrl.pk, item_id=items["CTRL"].pk, serial="C-1"),
        409,
        "equipment.serial_in_use",
    )
    body = refused(replace(bare), 422, "repairs.component_required")
    assert body["details"] == {"fields": {"component": ["The repair line names no component."]}}
    refused(replace(component_id=unit(other, "DRV").pk), 409, "repairs.component_not_of_object")
    assert field_errors(replace(item_id=999999)) == {
        "item_id": ["No such record is visible to you."]
    }
    assert field_errors(replace(bill=False, unit_price="10.00")) == {
        "unit_price": ["A price is only used when the item is billed."]
    }
    assert field_errors(replace(unit_price="-1")).keys() == {"unit_price"}
    assert field_errors(replace(on="2025-02-30")).keys() == {"on"}
    assert field_errors(replace(reason="R" * 201)).keys() == {"reason"}
    assert (
        api.post(
            f"orders/{line.order_id}/repairs/999999/replace-component", {"item_id": 1}
        ).status_code
        == 404
    )
    assert everything() == before


def test_a_line_with_a_replacement_cannot_be_deleted(world, items, manager, api_as):
    line = repair_on(world, manager)
    services.repair_component_replace(
        line=line, by=manager, item=items["DRIVE2"], on=date(2025, 3, 1)
    )
    before = everything()

    response = api_as(manager).delete(f"orders/{line.order_id}/repairs/{line.pk}")

    refused(response, 409, "repairs.line_has_replacements")
    assert everything() == before


def test_idempotency_key_replays_a_created_repair(world, manager, api_as):
    order = order_on(world["lift"], manager)
    api = api_as(manager)
    body = {"object_id": world["lift"].pk, "description": "Once"}

    first = api.post(f"orders/{order.pk}/repairs", body, **{"Idempotency-Key": "repair-1"})
    again = api.post(f"orders/{order.pk}/repairs", body, **{"Idempotency-Key": "repair-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert RepairLine.objects.count() == 1


# -- History and suggestions -------------------------------------------------------------------


def test_an_objects_history_is_newest_first_and_paginated(world, items, manager, api_as):
    first = repair_on(world, manager)
    second = repair_on(world, manager, technician=world["theirs"])
    other = lift_object(CustomerFactory(), items, by=manager)
    repair_on({**world, "lift": other}, manager)
    api = api_as(manager)

    response = api.get(f"objects/{world['lift'].pk}/repairs")
    page = api.get(f"objects/{world['lift'].pk}/repairs", {"limit": 1, "offset": 1})

    assert response.json() == {"items": [line_body(second), line_body(first)], "count": 2}
    assert page.json() == {"items": [line_body(first)], "count": 2}


def test_customers_read_the_history_of_their_own_objects_only(
    world, items, customer_user, manager, api_as
):
    repair_on(world, manager)
    foreign = lift_object(CustomerFactory(), items, by=manager)
    api = api_as(customer_user)

    assert api.get(f"objects/{world['lift'].pk}/repairs").json()["count"] == 1
    refused(api.get(f"objects/{foreign.pk}/repairs"), 404, "core.not_found")
    refused(api.get("objects/999999/repairs"), 404, "core.not_found")


def test_the_history_costs_the_same_queries_for_one_line_or_five(
    world, items, manager, api_as, django_assert_num_queries
):
    api = api_as(manager)
    path = f"objects/{world['lift'].pk}/repairs"
    line = repair_on(world, manager)
    services.repair_component_replace(
        line=line, by=manager, item=items["DRIVE2"], on=date(2025, 3, 1), bill=True
    )
    api.get(path)  # stamps the token as used (at most once a minute)
    with CaptureQueriesContext(connection) as one:
        assert api.get(path).json()["count"] == 1
    for _ in range(4):
        repair_on(world, manager, component=None)

    with django_assert_num_queries(len(one.captured_queries)):
        assert api.get(path).json()["count"] == 5


def test_suggestions_rank_resolutions_with_exact_counts(world, codes, manager, api_as):
    """Adjusted 100 days ago, repaired again 5 days later (did not hold), adjusted again 50 days
    ago (held); replaced 95 days ago (held). Equal held counts: the better rate first."""
    lift = world["lift"]
    now = timezone.now()
    for resolution, days_ago in (("adjusted", 100), ("replaced", 95), ("adjusted", 50)):
        line = repair_on(world, manager, resolution=codes[resolution], stage=codes["done"])
        at = now - timedelta(days=days_ago)
        RepairLine.objects.filter(pk=line.pk).update(created_at=at, finished_at=at)
    api = api_as(manager)

    response = api.get(
        "repairs/suggestions", {"item_id": lift.item_id, "symptom_code": "drive_noise"}
    )

    assert response.status_code == 200, response.content
    assert response.json() == [
        {"resolution": "REPLACED", "name": "Replaced", "used": 1, "held": 1, "held_rate": 1.0},
        {"resolution": "ADJUSTED", "name": "Adjusted", "used": 2, "held": 1, "held_rate": 0.5},
    ]
    assert field_errors(
        api.get("repairs/suggestions", {"item_id": lift.item_id, "symptom_code": "NOPE"})
    ) == {"symptom_code": ["No symptom code has the code NOPE."]}
    assert field_errors(
        api.get("repairs/suggestions", {"item_id": 999999, "symptom_code": "DRIVE_NOISE"})
    ) == {"item_id": ["No such record is visible to you."]}
    assert field_errors(api.get("repairs/suggestions", {"item_id": lift.item_id})).keys() == {
        "symptom_code"
    }
