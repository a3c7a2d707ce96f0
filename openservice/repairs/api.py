"""API for repair codes, repair lines on orders, component replacement from a repair line, an
object's repair history and resolution suggestions. The repairs app owns these flows, so it
serves them under the orders' and objects' URLs too (`/orders/{id}/repairs`,
`/objects/{id}/repairs`).

Codes and lines are given and shown by their code strings (`"symptom_code": "DOOR_NOISE"`); an
unknown or retired code is a field error (422)."""

from functools import partial

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.responses import Status

from openservice.catalog.selectors import item_get
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.references import code_named
from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.equipment.selectors import component_get, object_get
from openservice.orders.selectors import order_get
from openservice.repairs import selectors, services
from openservice.repairs.errors import ComponentNotOfObject
from openservice.repairs.models import RepairLine, SymptomCode
from openservice.repairs.schemas import (
    CODE_FIELDS,
    AreaCodeCreateIn,
    AreaCodeFilters,
    AreaCodeOut,
    AreaCodeUpdateIn,
    CodeCreateIn,
    CodeFilters,
    CodeOut,
    CodeUpdateIn,
    RepairLineCreateIn,
    RepairLineOut,
    RepairLineUpdateIn,
    RepairStageCreateIn,
    RepairStageOut,
    RepairStageUpdateIn,
    ReplaceComponentIn,
    ReplacementOut,
    SuggestionOut,
    SuggestionsIn,
)
from openservice.workforce.selectors import technician_get

router = Router(tags=["repairs"])

# A code list's record named by its code string in a payload (core.references.code_named).
_code = partial(code_named, find=selectors.code_by_code)


# -- Codes -------------------------------------------------------------------------------------

# URL name: (what one is called, out, create, update, filters)
CODE_SCHEMAS: dict[str, tuple[str, type[Schema], type[Schema], type[Schema], type[Schema]]] = {
    "conditions": ("condition", CodeOut, CodeCreateIn, CodeUpdateIn, CodeFilters),
    "symptom-areas": ("symptom area", CodeOut, CodeCreateIn, CodeUpdateIn, CodeFilters),
    "symptom-codes": (
        "symptom code",
        AreaCodeOut,
        AreaCodeCreateIn,
        AreaCodeUpdateIn,
        AreaCodeFilters,
    ),
    "diagnosis-areas": ("diagnosis area", CodeOut, CodeCreateIn, CodeUpdateIn, CodeFilters),
    "diagnosis-codes": (
        "diagnosis code",
        AreaCodeOut,
        AreaCodeCreateIn,
        AreaCodeUpdateIn,
        AreaCodeFilters,
    ),
    "resolutions": ("resolution", CodeOut, CodeCreateIn, CodeUpdateIn, CodeFilters),
    "stages": (
        "repair stage",
        RepairStageOut,
        RepairStageCreateIn,
        RepairStageUpdateIn,
        CodeFilters,
    ),
}


def _area(model, data: dict, record=None) -> dict:
    """The `area` code string of a symptom or diagnosis code as its area record."""
    if "area" in data:
        area_model = model._meta.get_field("area").related_model
        current = record.area_id if record is not None else None
        data["area"] = _code(area_model, "area", data["area"], current_id=current)
    return data


def _add_code_routes(kind: str, model) -> None:
    verbose, out, create_in, update_in, filters = CODE_SCHEMAS[kind]
    path = f"/repair-codes/{kind}"

    add_master_data_routes(
        router,
        MasterDataResource(
            path=path,
            model_label=model._meta.label_lower,
            verbose=verbose,
            out=out,
            create_in=create_in,
            update_in=update_in,
            filters=filters,
            list=lambda user, **filters: selectors.code_list(model, user=user, **filters),
            get=lambda user, pk: selectors.code_get(model, user=user, code_id=pk),
            create=lambda user, data: services.code_create(
                model, by=user, **_area(model, data.dict())
            ),
            update=lambda user, record, changes: services.code_update(
                record, by=user, **_area(model, changes, record)
            ),
            set_active=lambda user, record, active: services.code_set_active(
                record, by=user, is_active=active
            ),
        ),
    )

    @router.delete(
        f"{path}/{{id}}",
        response={204: None},
        operation_id=f"delete_{verbose.replace(' ', '_')}",
        summary=f"Delete a {verbose} nothing refers to (deactivate one in use)",
    )
    def delete_code(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, f"{model._meta.app_label}.delete_{model._meta.model_name}")
        record = selectors.code_get(model, user=request.auth, code_id=id)
        services.code_delete(record, by=request.auth)
        return Status(204, None)


for _kind, _model in services.CODE_MODELS.items():
    _add_code_routes(_kind, _model)


# -- Repair lines ------------------------------------------------------------------------------


def _component(obj, component_id: int):
    try:
        return component_get(obj, component_id)
    except NotFound as exc:
        raise ComponentNotOfObject(component_id=component_id, object_id=obj.pk) from exc


def _line_links(user, data: dict, line: RepairLine | None = None) -> dict:
    """API ids and code strings to the records the services take."""
    for field in CODE_FIELDS:
        if field in data:
            model = RepairLine._meta.get_field(field).related_model
            current = getattr(line, f"{field}_id") if line is not None else None
            data[field] = _code(model, field, data[field], current_id=current)
    if "object_id" in data:
        data["object"] = _ref("object_id", object_get, user=user, object_id=data.pop("object_id"))
    if "component_id" in data:
        pk = data.pop("component_id")
        obj = data.get("object") or line.object
        data["component"] = pk and _component(obj, pk)
    if "technician_id" in data:
        pk = data.pop("technician_id")
        data["technician"] = pk and _ref(
            "technician_id", technician_get, user=user, technician_id=pk
        )
    return data


def _order(request: HttpRequest, order_id: int, perm: str = "view"):
    """The order, if the user may `perm` repair lines and see the order (a technician: only
    their own; others are not found)."""
    require_perm(request.auth, f"repairs.{perm}_repairline")
    return order_get(user=request.auth, order_id=order_id)


@router.get(
    "/orders/{id}/repairs",
    response=list[RepairLineOut],
    operation_id="list_order_repairs",
    summary="An order's repair lines",
)
def list_order_repairs(request: HttpRequest, id: Path[Id]):
    return list(selectors.repair_lines_of_order(_order(request, id)))


@router.post(
    "/orders/{id}/repairs",
    response={201: RepairLineOut},
    operation_id="create_order_repair",
    summary="Record a repair on an object the order covers",
)
def create_order_repair(request: HttpRequest, id: Path[Id], payload: RepairLineCreateIn):
    order = _order(request, id, "add")
    data = _line_links(request.auth, payload.dict())
    line = services.repair_line_create(order=order, by=request.auth, **data)
    return Status(201, selectors.repair_line_get(order, line.pk))


@router.get(
    "/orders/{id}/repairs/{line_id}",
    response=RepairLineOut,
    operation_id="get_order_repair",
    summary="A repair line",
)
def get_order_repair(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    return selectors.repair_line_get(_order(request, id), line_id)


@router.patch(
    "/orders/{id}/repairs/{line_id}",
    response=RepairLineOut,
    operation_id="update_order_repair",
    summary="Change a repair line (null clears an optional code, component or technician)",
)
def update_order_repair(
    request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: RepairLineUpdateIn
):
    order = _order(request, id, "change")
    line = selectors.repair_line_get(order, line_id)
    changes = _line_links(request.auth, payload.dict(exclude_unset=True), line)
    services.repair_line_update(line=line, by=request.auth, **changes)
    return selectors.repair_line_get(order, line_id)


@router.delete(
    "/orders/{id}/repairs/{line_id}",
    response={204: None},
    operation_id="delete_order_repair",
    summary="Delete a repair line (not one with component replacements)",
)
def delete_order_repair(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    order = _order(request, id, "delete")
    services.repair_line_delete(line=selectors.repair_line_get(order, line_id), by=request.auth)
    return Status(204, None)


@router.post(
    "/orders/{id}/repairs/{line_id}/replace-component",
    response={201: ReplacementOut},
    operation_id="replace_repair_component",
    summary="Replace the repaired component with a new unit, optionally billing the item",
)
def replace_repair_component(
    request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: ReplaceComponentIn
):
    order = _order(request, id, "change")
    if payload.bill:
        require_perm(request.auth, "orders.add_orderline")
    line = selectors.repair_line_get(order, line_id)
    component = payload.component_id and _component(line.object, payload.component_id)
    item = _ref("item_id", item_get, user=request.auth, item_id=payload.item_id)
    replacement = services.repair_component_replace(
        line=line,
        by=request.auth,
        component=component,
        item=item,
        serial=payload.serial,
        reason=payload.reason,
        on=payload.on,
        bill=payload.bill,
        unit_price=payload.unit_price,
    )
    return Status(201, replacement)


# -- History and suggestions -------------------------------------------------------------------


@router.get(
    "/objects/{id}/repairs",
    response=PageOut[RepairLineOut],
    operation_id="list_object_repairs",
    summary="An object's repair history, newest first",
)
def list_object_repairs(request: HttpRequest, id: Path[Id], page: Query[PageIn]):
    # The history is part of the object's record: whoever may see the object (a customer:
    # their own) may read it.
    require_perm(request.auth, "equipment.view_serviceobject")
    obj = object_get(user=request.auth, object_id=id)
    return paginate(selectors.repair_history_of_object(obj).prefetch_related("replacements"), page)


@router.get(
    "/repairs/suggestions",
    response=list[SuggestionOut],
    operation_id="list_resolution_suggestions",
    summary="Resolutions that fixed a symptom on an item model, most often held first",
)
def list_resolution_suggestions(request: HttpRequest, query: Query[SuggestionsIn]):
    require_perm(request.auth, "repairs.view_repairline")
    item = _ref("item_id", item_get, user=request.auth, item_id=query.item_id)
    symptom = selectors.code_by_code(SymptomCode, query.symptom_code)
    if symptom is None:
        raise InvalidInput(
            {"symptom_code": [_("No symptom code has the code %s.") % query.symptom_code]}
        )
    return [
        {
            "resolution": suggestion.code,
            "name": suggestion.name,
            "used": suggestion.used,
            "held": suggestion.held,
            "held_rate": round(suggestion.held_rate, 4),
        }
        for suggestion in selectors.resolution_suggestions(
            item_id=item.pk, symptom_code_id=symptom.pk
        )
    ]
