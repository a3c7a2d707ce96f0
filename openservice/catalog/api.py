"""API for items and service tasks."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from openservice.catalog import bom_services, selectors, services
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import require_perm
from openservice.core.schemas import (
    Id,
    MoneyIn,
    MoneyOut,
    PageIn,
    PageOut,
    Text,
    VatRate,
    order_by_param,
    paginate,
)
from openservice.workforce.selectors import skill_levels_from_ids

router = Router(tags=["catalog"])

Kind = Literal["part", "product", "service", "fee"]


class ItemOut(Schema):
    id: int
    sku: str
    name: str
    description: str
    kind: Kind
    unit: str
    sales_price: MoneyOut
    cost_price: MoneyOut | None = Field(
        None, description="Hidden (null) from users without the catalog.view_cost permission"
    )
    is_serialized: bool
    vat_rate: Decimal | None = Field(
        None, description="VAT % on invoices; null: the default rate (VAT_DEFAULT_RATE)"
    )
    is_active: bool

    @staticmethod
    def resolve_cost_price(item, context):
        return item.cost_price if context["request"].auth.has_perm("catalog.view_cost") else None


class ItemCreateIn(Schema):
    sku: Text(40, min_length=1)
    name: Text(200, min_length=1)
    description: Text(5000) = ""
    kind: Kind = "part"
    unit: Text(10, min_length=1) = "pcs"
    sales_price: MoneyIn = Decimal("0.00")
    cost_price: MoneyIn = Decimal("0.00")
    is_serialized: bool = False
    vat_rate: VatRate | None = None


class ItemUpdateIn(Schema):
    sku: Text(40, min_length=1) = None
    name: Text(200, min_length=1) = None
    description: Text(5000) = None
    kind: Kind = None
    unit: Text(10, min_length=1) = None
    sales_price: MoneyIn = None
    cost_price: MoneyIn = None
    is_serialized: bool = None
    vat_rate: VatRate | None = None


class ItemFilters(Schema):
    q: Text(100) | None = Field(None, description="SKU, name or description contains")
    kind: Kind | None = None
    is_serialized: bool | None = None
    is_active: bool | None = None
    order_by: order_by_param(selectors.ITEM_ORDERING) = None


add_master_data_routes(
    router,
    MasterDataResource(
        path="/items",
        model_label="catalog.item",
        verbose="item",
        out=ItemOut,
        create_in=ItemCreateIn,
        update_in=ItemUpdateIn,
        filters=ItemFilters,
        list=selectors.item_list,
        get=lambda user, pk: selectors.item_get(user=user, item_id=pk),
        create=lambda user, data: services.item_create(by=user, **data.dict()),
        update=lambda user, item, changes: services.item_update(item=item, by=user, **changes),
        set_active=lambda user, item, active: services.item_set_active(
            item=item, by=user, is_active=active
        ),
    ),
)


class RequiredSkillOut(Schema):
    skill_id: int
    code: str
    min_level: int

    @staticmethod
    def resolve_code(row) -> str:
        return row.skill.code


class RequiredSkillIn(Schema):
    skill_id: Id
    min_level: int = Field(1, ge=1, le=5)


class TaskOut(Schema):
    id: int
    code: str
    name: str
    default_duration_minutes: int
    required_skills: list[RequiredSkillOut]
    internal_note: str
    external_note: str
    is_active: bool

    @staticmethod
    def resolve_required_skills(task) -> list:
        return list(task.skill_needs.all())


class TaskCreateIn(Schema):
    code: Text(30, min_length=1)
    name: Text(200, min_length=1)
    default_duration_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    required_skills: list[RequiredSkillIn] = Field(default_factory=list, max_length=50)
    internal_note: Text(5000) = ""
    external_note: Text(5000) = ""


class TaskUpdateIn(Schema):
    code: Text(30, min_length=1) = None
    name: Text(200, min_length=1) = None
    default_duration_minutes: int = Field(None, ge=1, le=7 * 24 * 60)
    required_skills: list[RequiredSkillIn] = Field(
        None, max_length=50, description="Replaces all required skills when given"
    )
    internal_note: Text(5000) = None
    external_note: Text(5000) = None


class TaskFilters(Schema):
    q: Text(100) | None = Field(None, description="Code or name contains")
    skill_id: Id | None = None
    is_active: bool | None = None
    order_by: order_by_param(selectors.TASK_ORDERING) = None


def _with_skills(data: dict) -> dict:
    if data.get("required_skills") is not None:
        data["required_skills"] = skill_levels_from_ids(
            {row["skill_id"]: row["min_level"] for row in data["required_skills"]},
            field="required_skills",
        )
    return data


add_master_data_routes(
    router,
    MasterDataResource(
        path="/tasks",
        model_label="catalog.servicetask",
        verbose="task",
        out=TaskOut,
        create_in=TaskCreateIn,
        update_in=TaskUpdateIn,
        filters=TaskFilters,
        list=selectors.task_list,
        get=lambda user, pk: selectors.task_get(user=user, task_id=pk),
        create=lambda user, data: services.task_create(by=user, **_with_skills(data.dict())),
        update=lambda user, task, changes: services.task_update(
            task=task, by=user, **_with_skills(changes)
        ),
        set_active=lambda user, task, active: services.task_set_active(
            task=task, by=user, is_active=active
        ),
    ),
)


# Bills of materials


BomStatus = Literal["draft", "approved", "retired"]


class BomLineOut(Schema):
    id: int
    component_item_id: int
    component_sku: str
    quantity: Decimal
    position: str
    parent_line_id: int | None

    @staticmethod
    def resolve_component_sku(line) -> str:
        return line.component_item.sku

    @staticmethod
    def resolve_parent_line_id(line) -> int | None:
        return line.parent_id

    @staticmethod
    def resolve_quantity(line) -> Decimal:
        """Three decimals as stored, so a line reads the same after a write as on a read."""
        return line.quantity.quantize(Decimal("0.001"))


class BomOut(Schema):
    id: int
    item_id: int
    item_sku: str
    version: int
    status: BomStatus
    valid_from: date | None
    valid_to: date | None
    note: str
    copied_from_id: int | None
    approved_at: datetime | None
    lines: list[BomLineOut]

    @staticmethod
    def resolve_item_sku(bom) -> str:
        return bom.item.sku

    @staticmethod
    def resolve_lines(bom) -> list:
        return selectors.bom_lines(bom)


class BomSummaryOut(Schema):
    id: int
    item_id: int
    item_sku: str
    version: int
    status: BomStatus
    valid_from: date | None
    valid_to: date | None
    line_count: int

    @staticmethod
    def resolve_item_sku(bom) -> str:
        return bom.item.sku


class BomCreateIn(Schema):
    item_id: Id
    valid_from: date | None = None
    valid_to: date | None = None
    note: Text(2000) = ""


class BomUpdateIn(Schema):
    valid_from: date | None = None
    valid_to: date | None = None
    note: Text(2000) = None


class BomFilters(Schema):
    item_id: Id | None = None
    status: BomStatus | None = None
    q: Text(100) | None = Field(None, description="Item SKU, item name or note contains")


Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]


class BomLineIn(Schema):
    component_item_id: Id
    quantity: Quantity = Decimal(1)
    position: Text(40) = ""
    parent_line_id: Id | None = None


class BomLineUpdateIn(Schema):
    component_item_id: Id = None
    quantity: Quantity = None
    position: Text(40) = None
    parent_line_id: Id | None = None


def _item_field(user, field: str, item_id: int):
    try:
        return selectors.item_get(user=user, item_id=item_id)
    except NotFound as exc:
        raise InvalidInput({field: [_("No item has the id %s.") % item_id]}) from exc


def _line_changes(user, bom, data: dict) -> dict:
    changes = {}
    if "component_item_id" in data:
        changes["component_item"] = _item_field(
            user, "component_item_id", data["component_item_id"]
        )
    if "quantity" in data:
        changes["quantity"] = data["quantity"]
    if "position" in data:
        changes["position"] = data["position"]
    if "parent_line_id" in data:
        parent_id = data["parent_line_id"]
        try:
            changes["parent"] = parent_id and selectors.bom_line_get(bom=bom, line_id=parent_id)
        except NotFound as exc:
            raise InvalidInput({"parent_line_id": [_("No line of this BOM has that id.")]}) from exc
    return changes


def _bom(request, bom_id: int, perm: str = "view"):
    require_perm(request.auth, f"catalog.{perm}_bom")
    return selectors.bom_get(user=request.auth, bom_id=bom_id)


@router.get("/boms", response=PageOut[BomSummaryOut], operation_id="list_boms", summary="List BOMs")
def list_boms(request, filters: Query[BomFilters], page: Query[PageIn]):
    require_perm(request.auth, "catalog.view_bom")
    return paginate(selectors.bom_list(user=request.auth, **filters.dict(exclude_none=True)), page)


@router.get("/boms/{id}", response=BomOut, operation_id="get_bom", summary="Get a BOM version")
def get_bom(request, id: Path[Id]):
    return _bom(request, id)


@router.post(
    "/boms", response={201: BomOut}, operation_id="create_bom", summary="Create a draft version"
)
def create_bom(request, payload: BomCreateIn):
    require_perm(request.auth, "catalog.add_bom")
    data = payload.dict()
    item = _item_field(request.auth, "item_id", data.pop("item_id"))
    return Status(201, bom_services.bom_create(by=request.auth, item=item, **data))


@router.patch("/boms/{id}", response=BomOut, operation_id="update_bom", summary="Change a draft")
def update_bom(request, id: Path[Id], payload: BomUpdateIn):
    bom = _bom(request, id, "change")
    return bom_services.bom_update(bom=bom, by=request.auth, **payload.dict(exclude_unset=True))


@router.post(
    "/boms/{id}/lines",
    response={201: BomLineOut},
    operation_id="add_bom_line",
    summary="Add a line to a draft",
)
def add_bom_line(request, id: Path[Id], payload: BomLineIn):
    bom = _bom(request, id, "change")
    changes = _line_changes(request.auth, bom, payload.dict())
    return Status(201, bom_services.bom_line_add(bom=bom, by=request.auth, **changes))


@router.patch(
    "/boms/{id}/lines/{line_id}",
    response=BomLineOut,
    operation_id="update_bom_line",
    summary="Change a draft's line",
)
def update_bom_line(request, id: Path[Id], line_id: Path[Id], payload: BomLineUpdateIn):
    bom = _bom(request, id, "change")
    line = selectors.bom_line_get(bom=bom, line_id=line_id)
    changes = _line_changes(request.auth, bom, payload.dict(exclude_unset=True))
    return bom_services.bom_line_update(line=line, by=request.auth, **changes)


@router.delete(
    "/boms/{id}/lines/{line_id}",
    response={204: None},
    operation_id="remove_bom_line",
    summary="Remove a draft's line (and the lines under it)",
)
def remove_bom_line(request, id: Path[Id], line_id: Path[Id]):
    bom = _bom(request, id, "change")
    bom_services.bom_line_remove(
        line=selectors.bom_line_get(bom=bom, line_id=line_id), by=request.auth
    )
    return Status(204, None)


@router.post(
    "/boms/{id}/approve", response=BomOut, operation_id="approve_bom", summary="Approve a draft"
)
def approve_bom(request, id: Path[Id]):
    return bom_services.bom_approve(bom=_bom(request, id, "change"), by=request.auth)


@router.post(
    "/boms/{id}/retire",
    response=BomOut,
    operation_id="retire_bom",
    summary="Retire an approved version",
)
def retire_bom(request, id: Path[Id]):
    return bom_services.bom_retire(bom=_bom(request, id, "change"), by=request.auth)


@router.post(
    "/boms/{id}/copy",
    response={200: BomOut},
    operation_id="copy_bom",
    summary="Copy a version to a new draft",
)
def copy_bom(request, id: Path[Id]):
    require_perm(request.auth, "catalog.add_bom")
    return bom_services.bom_copy(bom=_bom(request, id), by=request.auth)
