"""API for service objects and their component trees."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from openservice.catalog.selectors import bom_get, item_get
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, Text, order_by_param, paginate
from openservice.customers.selectors import customer_get, site_get
from openservice.equipment import selectors, services
from openservice.equipment.tree import Node

router = Router(tags=["equipment"])

WarrantyStatus = Literal["active", "expired", "none"]


class ObjectOut(Schema):
    id: int
    number: str
    status: Literal["active", "retired"]
    customer_id: int
    site_id: int | None
    item_id: int
    serial_number: str
    installed_on: date
    warranty_ends_on: date | None
    warranty_status: WarrantyStatus
    group: str | None
    bom_id: int | None
    bom_version: int | None
    note: str

    @staticmethod
    def resolve_warranty_status(obj) -> str:
        if obj.warranty_ends_on is None:
            return "none"
        return "active" if obj.is_under_warranty(timezone.localdate()) else "expired"

    @staticmethod
    def resolve_group(obj) -> str | None:
        return obj.group.code if obj.group_id else None

    @staticmethod
    def resolve_bom_version(obj) -> int | None:
        return obj.bom.version if obj.bom_id else None


class ObjectCreateIn(Schema):
    customer_id: Id
    site_id: Id | None = None
    item_id: Id
    serial_number: Text(60) = ""
    installed_on: date
    warranty_ends_on: date | None = None
    group: Text(30) | None = None
    note: Text(5000) = ""


class ObjectUpdateIn(Schema):
    site_id: Id | None = None
    serial_number: Text(60) = None
    installed_on: date = None
    warranty_ends_on: date | None = None
    group: Text(30) | None = None
    note: Text(5000) = None


class ObjectFilters(Schema):
    q: Text(100) | None = Field(
        None, description="Number, serial, customer, site, town or item contains"
    )
    customer_id: Id | None = None
    site_id: Id | None = None
    item_id: Id | None = None
    serial: Text(60) | None = Field(None, description="Exact serial number")
    group: Text(30) | None = None
    status: Literal["active", "retired"] | None = None
    warranty: WarrantyStatus | None = None
    order_by: order_by_param(selectors.OBJECT_ORDERING) = None


class ComponentOut(Schema):
    id: int
    item_id: int
    serial: str
    position: str
    slot: str
    quantity: Decimal
    installed_on: date
    removed_on: date | None
    children: list["ComponentOut"]


ComponentOut.model_rebuild()


class TreeIn(Schema):
    on: date | None = Field(None, description="The day to show (default today)")


class ReplaceIn(Schema):
    item_id: Id
    serial: Text(60) = ""
    reason: Text(200) = ""
    on: date | None = Field(None, description="Default today; never in the future")


class UpgradeIn(Schema):
    bom_id: Id


class UpgradeOut(Schema):
    object: ObjectOut
    replaced: int
    added: int
    removed: int


class SavedBomOut(Schema):
    bom_id: int
    version: int


def _field(field: str, lookup, **kwargs):
    """A referenced record, or a field error naming the API field."""
    try:
        return lookup(**kwargs)
    except NotFound as exc:
        raise InvalidInput({field: [_("No such record is visible to you.")]}) from exc


def _links(user, data: dict) -> dict:
    if "customer_id" in data:
        data["customer"] = _field(
            "customer_id", customer_get, user=user, customer_id=data.pop("customer_id")
        )
    if "site_id" in data:
        site_id = data.pop("site_id")
        data["site"] = site_id and _field("site_id", site_get, user=user, site_id=site_id)
    if "item_id" in data:
        data["item"] = _field("item_id", item_get, user=user, item_id=data.pop("item_id"))
    if "group" in data:
        code = data.pop("group")
        data["group"] = selectors.object_group_by_code(code) if code else None
        if code and data["group"] is None:
            raise InvalidInput({"group": [_("No object group has the code %s.") % code]})
    return data


def _object(request: HttpRequest, object_id: int, perm: str = "view"):
    require_perm(request.auth, f"equipment.{perm}_serviceobject")
    return selectors.object_get(user=request.auth, object_id=object_id)


@router.get(
    "/objects", response=PageOut[ObjectOut], operation_id="list_objects", summary="List objects"
)
def list_objects(request: HttpRequest, filters: Query[ObjectFilters], page: Query[PageIn]):
    require_perm(request.auth, "equipment.view_serviceobject")
    objects = selectors.object_list(user=request.auth, **filters.dict(exclude_none=True))
    return paginate(objects, page)


@router.get("/objects/{id}", response=ObjectOut, operation_id="get_object", summary="Get an object")
def get_object(request: HttpRequest, id: Path[Id]):
    return _object(request, id)


@router.post(
    "/objects", response={201: ObjectOut}, operation_id="create_object", summary="Create an object"
)
def create_object(request: HttpRequest, payload: ObjectCreateIn):
    require_perm(request.auth, "equipment.add_serviceobject")
    data = _links(request.auth, payload.dict())
    return Status(201, services.object_create(by=request.auth, **data))


@router.patch(
    "/objects/{id}", response=ObjectOut, operation_id="update_object", summary="Change an object"
)
def update_object(request: HttpRequest, id: Path[Id], payload: ObjectUpdateIn):
    obj = _object(request, id, "change")
    changes = _links(request.auth, payload.dict(exclude_unset=True))
    services.object_update(obj=obj, by=request.auth, **changes)
    return selectors.object_get(user=request.auth, object_id=id)


@router.get(
    "/objects/{id}/components",
    response=list[ComponentOut],
    operation_id="get_object_components",
    summary="The component tree on a day (root nodes with their children)",
)
def get_object_components(request: HttpRequest, id: Path[Id], query: Query[TreeIn]):
    obj = _object(request, id)
    return selectors.component_tree(obj, on=query.on or timezone.localdate())


@router.post(
    "/objects/{id}/components/{component_id}/replace",
    response=ComponentOut,
    operation_id="replace_component",
    summary="Replace a component (and its sub-units) on a day",
)
def replace_component(
    request: HttpRequest, id: Path[Id], component_id: Path[Id], payload: ReplaceIn
):
    obj = _object(request, id, "change")
    component = selectors.component_get(obj, component_id)
    item = _field("item_id", item_get, user=request.auth, item_id=payload.item_id)
    new = services.component_replace(
        obj=obj,
        component=component,
        by=request.auth,
        item=item,
        serial=payload.serial,
        reason=payload.reason,
        on=payload.on or timezone.localdate(),
    )
    return _find(selectors.component_tree(obj, on=new.installed_on), new.pk)


def _find(nodes: list[Node], component_id: int) -> Node:
    """The node (with its sub-units) of one component in a tree."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node.id == component_id:
            return node
        stack.extend(node.children)
    raise NotFound(component_id=component_id)


@router.post(
    "/objects/{id}/upgrade",
    response=UpgradeOut,
    operation_id="upgrade_object_bom",
    summary="Apply another approved BOM version to the tree",
)
def upgrade_object_bom(request: HttpRequest, id: Path[Id], payload: UpgradeIn):
    obj = _object(request, id, "change")
    bom = _field("bom_id", bom_get, user=request.auth, bom_id=payload.bom_id)
    counts = services.object_upgrade_bom(obj=obj, to_bom=bom, by=request.auth)
    return {"object": selectors.object_get(user=request.auth, object_id=id), **counts}


@router.post(
    "/objects/{id}/save-as-bom",
    response=SavedBomOut,
    operation_id="save_object_as_bom",
    summary="Save the current tree as a new draft BOM version of the object's item",
)
def save_object_as_bom(request: HttpRequest, id: Path[Id]):
    obj = _object(request, id)
    require_perm(request.auth, "catalog.add_bom")
    bom = services.object_save_as_bom(obj=obj, by=request.auth)
    return {"bom_id": bom.pk, "version": bom.version}
