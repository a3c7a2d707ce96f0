"""API for items and service tasks."""

from decimal import Decimal
from typing import Literal

from ninja import Field, Router, Schema

from openservice.catalog import selectors, services
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.schemas import Id, MoneyIn, MoneyOut, Text, order_by_param
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


class ItemUpdateIn(Schema):
    sku: Text(40, min_length=1) = None
    name: Text(200, min_length=1) = None
    description: Text(5000) = None
    kind: Kind = None
    unit: Text(10, min_length=1) = None
    sales_price: MoneyIn = None
    cost_price: MoneyIn = None
    is_serialized: bool = None


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
