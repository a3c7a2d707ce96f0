"""Request and response schemas of the agreements API (the endpoints are in `api.py`)."""

from datetime import date
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from openservice.agreements import selectors
from openservice.core.schemas import (
    ClockTime,
    ClockTimeOut,
    Id,
    MoneyIn,
    MoneyOrNullOut,
    ServiceDate,
    Text,
    order_by_param,
)

StatusName = Literal["draft", "active", "suspended", "expired", "cancelled"]
GroupingName = Literal["agreement", "task", "technician", "object"]
KindName = Literal["hour", "item", "expense", "fee"]
UnitName = Literal["day", "week", "month", "year"]
WindowName = Literal["exact", "same_week", "same_month", "days"]
EVERY_HELP = "At least 1 (checked by the service: agreements.interval_not_positive)"


class RelationOut(Schema):
    internal_note: str
    external_note: str


class ObjectRelationOut(RelationOut):
    object_id: int


class TaskRelationOut(RelationOut):
    task_id: int


class ObjectRelationIn(Schema):
    object_id: Id
    internal_note: Text(2000) = ""
    external_note: Text(2000) = ""


class TaskRelationIn(Schema):
    task_id: Id
    internal_note: Text(2000) = ""
    external_note: Text(2000) = ""


class AgreementOut(Schema):
    id: int
    number: str
    status: StatusName
    is_template: bool
    template_group_id: int | None
    customer_id: int | None
    site_id: int | None
    description: str
    note: str
    agreement_group: str | None
    sla_policy_id: int | None
    calendar_id: int | None
    preferred_technician_id: int | None
    responsible_id: int | None
    grouping: GroupingName
    currency: str
    starts_on: date
    ends_on: date | None
    renewed_from_id: int | None
    objects: list[ObjectRelationOut]
    tasks: list[TaskRelationOut]

    @staticmethod
    def resolve_agreement_group(agreement) -> str | None:
        return agreement.agreement_group.code if agreement.agreement_group_id else None

    @staticmethod
    def resolve_objects(agreement) -> list:
        return list(agreement.object_relations.all())

    @staticmethod
    def resolve_tasks(agreement) -> list:
        return list(agreement.task_relations.all())


class AgreementCreateIn(Schema):
    customer_id: Id | None = Field(None, description="Required unless the agreement is a template")
    site_id: Id | None = Field(None, description="Required unless the agreement is a template")
    description: Text(300, min_length=1)
    note: Text(5000) = ""
    starts_on: ServiceDate
    ends_on: ServiceDate | None = None
    grouping: GroupingName = "agreement"
    calendar_id: Id | None = Field(None, description="Empty: the company's default calendar")
    sla_policy_id: Id | None = None
    agreement_group: Text(20) | None = Field(None, description="Default: the customer's group")
    preferred_technician_id: Id | None = None
    responsible_id: Id | None = None
    template_group_id: Id | None = Field(None, description="Makes the agreement a template")
    objects: list[ObjectRelationIn] = Field(default_factory=list, max_length=500)
    tasks: list[TaskRelationIn] = Field(default_factory=list, max_length=200)


class AgreementUpdateIn(Schema):
    site_id: Id | None = None
    description: Text(300, min_length=1) = None
    note: Text(5000) = None
    starts_on: ServiceDate = None
    ends_on: ServiceDate | None = None
    grouping: GroupingName = None
    calendar_id: Id | None = None
    sla_policy_id: Id | None = None
    agreement_group: Text(20) | None = None
    preferred_technician_id: Id | None = None
    responsible_id: Id | None = None
    objects: list[ObjectRelationIn] = Field(None, max_length=500)
    tasks: list[TaskRelationIn] = Field(None, max_length=200)


class AgreementFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, description or customer contains")
    customer_id: Id | None = None
    status: StatusName | None = None
    group: Text(20) | None = Field(None, description="Agreement group code")
    is_template: bool | None = None
    template_group_id: Id | None = None
    order_by: order_by_param(selectors.AGREEMENT_ORDERING) = None


class AgreementRenewIn(Schema):
    starts_on: ServiceDate | None = Field(None, description="Default: the day after the end")
    ends_on: ServiceDate | None = Field(None, description="Default: as long as this agreement ran")


class AgreementLineOut(Schema):
    id: int
    agreement_id: int
    kind: KindName
    description: str
    task_id: int | None
    object_id: int | None
    technician_id: int | None
    item_id: int | None
    quantity: Decimal
    unit: str
    unit_price: MoneyOrNullOut = Field(description="Null: the item's price at generation")
    is_billable: bool
    interval_unit: UnitName | None = Field(description="Null: once, on the line's start")
    interval_every: int
    window: WindowName
    window_days_before: int
    window_days_after: int
    starts_on: date
    ends_on: date | None
    earliest_time: ClockTimeOut
    latest_time: ClockTimeOut
    is_stopped: bool

    @staticmethod
    def resolve_interval_unit(line) -> str | None:
        return line.interval_unit or None

    @staticmethod
    def resolve_quantity(line) -> Decimal:
        return Decimal(line.quantity).quantize(Decimal("0.001"))


class AgreementLineCreateIn(Schema):
    kind: KindName
    description: Text(300) = ""
    task_id: Id | None = None
    object_id: Id | None = None
    technician_id: Id | None = None
    item_id: Id | None = None
    quantity: Decimal = Field(Decimal("1"), gt=0, max_digits=12, decimal_places=3)
    unit: Text(10) = ""
    unit_price: MoneyIn | None = None
    is_billable: bool = True
    interval_unit: UnitName | None = None
    # Bounded here only to fit the column; below 1 is the service's refusal, with its own code.
    interval_every: int = Field(1, ge=-1000, le=1000, description=EVERY_HELP)
    window: WindowName = "exact"
    window_days_before: int = Field(0, ge=0, le=366)
    window_days_after: int = Field(0, ge=0, le=366)
    starts_on: ServiceDate | None = Field(None, description="Default: the agreement's start")
    ends_on: ServiceDate | None = None
    earliest_time: ClockTime | None = None
    latest_time: ClockTime | None = None
    is_stopped: bool = False


class AgreementLineUpdateIn(Schema):
    kind: KindName = None
    description: Text(300) = None
    task_id: Id | None = None
    object_id: Id | None = None
    technician_id: Id | None = None
    item_id: Id | None = None
    quantity: Decimal = Field(None, gt=0, max_digits=12, decimal_places=3)
    unit: Text(10) = None
    unit_price: MoneyIn | None = None
    is_billable: bool = None
    interval_unit: UnitName | None = None
    interval_every: int = Field(None, ge=-1000, le=1000, description=EVERY_HELP)
    window: WindowName = None
    window_days_before: int = Field(None, ge=0, le=366)
    window_days_after: int = Field(None, ge=0, le=366)
    starts_on: ServiceDate = None
    ends_on: ServiceDate | None = None
    earliest_time: ClockTime | None = None
    latest_time: ClockTime | None = None
    is_stopped: bool = None


class AgreementCopyLinesIn(Schema):
    from_agreement_id: Id
    line_ids: list[Id] | None = Field(None, max_length=500, description="Default: all lines")


class TemplateGroupOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


class TemplateGroupIn(Schema):
    code: Text(30, min_length=1)
    name: Text(100, min_length=1)
    parent_id: Id | None = None


class TemplateGroupUpdateIn(Schema):
    code: Text(30, min_length=1) = None
    name: Text(100, min_length=1) = None
    parent_id: Id | None = None
