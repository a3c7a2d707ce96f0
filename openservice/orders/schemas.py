"""Request and response schemas of the orders API (the endpoints are in `api.py`)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema

from openservice.core.schemas import Id, Instant, MoneyIn, MoneyOut, Text, order_by_param
from openservice.orders import selectors
from openservice.orders.models import OrderLine
from openservice.orders.selectors import sla_state_now

Priority = Literal["low", "normal", "high", "critical"]
LineKind = Literal["hour", "item", "expense", "fee"]
SlaStateName = Literal["on_track", "at_risk", "breached", "met", "paused", "cancelled"]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]


def can_see_cost(request) -> bool:
    return request.auth.has_perm("orders.view_cost")


class StageOut(Schema):
    code: str
    name: str
    category: str
    sla_clock: str
    is_initial: bool
    allows_edit: bool
    allows_delete: bool
    allows_cancel: bool
    allows_posting: bool
    requires_reason: bool


class StageRefOut(Schema):
    code: str
    name: str


class ReasonCodeOut(Schema):
    code: str
    description: str
    for_stage_change: bool
    for_cancel: bool
    for_sla_stop: bool
    for_sla_cancel: bool
    for_note: bool


class LineOut(Schema):
    id: int
    kind: LineKind
    description: str
    task_id: int | None
    object_id: int | None
    technician_id: int | None
    item_id: int | None
    quantity: Decimal
    unit: str
    unit_price: MoneyOut
    unit_cost: MoneyOut | None = Field(None, description="Null without orders.view_cost")
    net_amount: MoneyOut
    cost_amount: MoneyOut | None = Field(None, description="Null without orders.view_cost")
    is_billable: bool
    status: Literal["open", "cancelled", "posted"]
    executed_on: date | None
    agreement_line_id: int | None = Field(None, description="Set on generated lines")
    occurrence_on: date | None = Field(
        None, description="The agreement occurrence a generated line was made for"
    )

    @staticmethod
    def resolve_quantity(line) -> Decimal:
        """Three decimals as stored, so a line reads the same after a write as on a read."""
        return Decimal(line.quantity).quantize(Decimal("0.001"))

    @staticmethod
    def resolve_unit_cost(line, context):
        return line.unit_cost if can_see_cost(context["request"]) else None

    @staticmethod
    def resolve_cost_amount(line, context):
        return line.cost_amount if can_see_cost(context["request"]) else None


class TotalsOut(Schema):
    net_amount: MoneyOut
    cost_amount: MoneyOut | None


class OrderOut(Schema):
    id: int
    number: str
    stage: StageRefOut
    priority: Priority
    origin: str
    customer_id: int
    site_id: int
    agreement_id: int | None
    description: str
    currency: str
    reported_at: datetime
    service_on: date | None
    requested_start: datetime | None
    requested_end: datetime | None
    preferred_technician_id: int | None
    calendar_conflict: bool
    version: int
    signed_off_at: datetime | None
    signer_name: str
    posted_at: datetime | None
    sla_policy_id: int | None
    sla_state: SlaStateName | None = Field(
        description="The SLA state now; null when the order is not measured against an SLA"
    )
    sla_due_at: datetime | None = Field(description="The deadline of the open SLA target")
    object_ids: list[int]
    task_ids: list[int]
    totals: TotalsOut
    lines: list[LineOut]

    @staticmethod
    def resolve_sla_state(order) -> str | None:
        return sla_state_now(order, timezone.now()) or None

    @staticmethod
    def resolve_object_ids(order) -> list[int]:
        return sorted(obj.pk for obj in order.objects_covered.all())

    @staticmethod
    def resolve_task_ids(order) -> list[int]:
        return sorted(task.pk for task in order.tasks.all())

    @staticmethod
    def resolve_lines(order) -> list:
        return list(order.lines.all())

    @staticmethod
    def resolve_totals(order, context) -> dict:
        live = [line for line in order.lines.all() if line.status != OrderLine.Status.CANCELLED]
        cost = sum((line.cost_amount for line in live), Decimal("0.00"))
        return {
            "net_amount": sum((line.net_amount for line in live), Decimal("0.00")),
            "cost_amount": cost if can_see_cost(context["request"]) else None,
        }


class LineIn(Schema):
    kind: LineKind
    quantity: Quantity
    description: Text(300) = None
    task_id: Id | None = None
    object_id: Id | None = None
    technician_id: Id | None = None
    item_id: Id | None = None
    unit: Text(10, min_length=1) = None
    unit_price: MoneyIn = None
    unit_cost: MoneyIn = None
    is_billable: bool = True
    executed_on: date | None = None


class LineUpdateIn(Schema):
    kind: LineKind = None
    quantity: Quantity = None
    description: Text(300) = None
    task_id: Id | None = None
    object_id: Id | None = None
    technician_id: Id | None = None
    item_id: Id | None = None
    unit: Text(10, min_length=1) = None
    unit_price: MoneyIn = None
    unit_cost: MoneyIn = None
    is_billable: bool = None
    executed_on: date | None = None


class OrderCreateIn(Schema):
    customer_id: Id
    site_id: Id
    agreement_id: Id | None = Field(
        None, description="The active agreement of the customer the order is made under"
    )
    description: Text(5000) = ""
    priority: Priority = "normal"
    reported_at: Instant | None = None
    requested_start: Instant | None = None
    requested_end: Instant | None = None
    service_on: date | None = None
    preferred_technician_id: Id | None = None
    sla_policy_id: Id | None = Field(
        None,
        description="Measure against this policy; default: the agreement's, the customer's, "
        "the agreement group's or the default policy",
    )
    object_ids: list[Id] = Field(default_factory=list, max_length=200)
    task_ids: list[Id] = Field(default_factory=list, max_length=100)
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class OrderUpdateIn(Schema):
    version: int = Field(ge=1, le=2**31 - 1, description="The version you read")
    agreement_id: Id | None = None
    site_id: Id = None
    description: Text(5000) = None
    priority: Priority = None
    requested_start: Instant | None = None
    requested_end: Instant | None = None
    service_on: date | None = None
    preferred_technician_id: Id | None = None
    sla_policy_id: Id | None = None
    object_ids: list[Id] = Field(None, max_length=200)
    task_ids: list[Id] = Field(None, max_length=100)


class OrderFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, description, customer or site")
    stage: Text(30) | None = None
    category: Text(20) | None = None
    customer_id: Id | None = None
    site_id: Id | None = None
    priority: Priority | None = None
    technician_id: Id | None = None
    agreement_id: Id | None = None
    origin: Literal["agreement", "manual", "portal", "return", "api"] | None = None
    service_on_from: date | None = None
    service_on_to: date | None = None
    sla_state: SlaStateName | None = Field(None, description="The SLA state now")
    order_by: order_by_param(selectors.ORDER_ORDERING) = None


class StageChangeIn(Schema):
    to: Text(30, min_length=1)
    reason: Text(30) | None = None
    note: Text(2000) = ""
    at: Instant | None = Field(None, description="When it happened (default now; not future)")


class CancelIn(Schema):
    reason: Text(30, min_length=1)
    note: Text(2000) = ""


class NoteIn(Schema):
    note: Text(2000) = ""


class SignOffIn(Schema):
    signer_name: Text(200, min_length=1)


class CopyLinesIn(Schema):
    from_order_id: Id


class CopyAgreementLinesIn(Schema):
    from_agreement_id: Id
    line_ids: list[Id] | None = Field(None, max_length=500, description="Default: all lines")


class MoveLinesIn(Schema):
    to_order_id: Id
    line_ids: list[Id] = Field(min_length=1, max_length=200)


class HistoryEntryOut(Schema):
    kind: Literal["stage", "audit"]
    at: datetime
    by: str | None
    verb: str
    from_stage: str | None = None
    to_stage: str | None = None
    reason: str | None = None
    note: str = ""
    data: dict = Field(default_factory=dict)


class SlaEventOut(Schema):
    kind: str
    at: datetime
    recorded_at: datetime


class SlaClockChangeOut(Schema):
    action: str
    at: datetime
    by: str | None
    reason: str | None
    note: str

    @staticmethod
    def resolve_by(change) -> str | None:
        return change.by.get_username() if change.by_id else None

    @staticmethod
    def resolve_reason(change) -> str | None:
        return change.reason.code if change.reason_id else None


class SlaOut(Schema):
    policy_id: int | None
    state: SlaStateName | None
    clock: Literal["run", "pause", "stop"] | None
    response_minutes: int | None = Field(description="The response target (business minutes)")
    resolution_minutes: int | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    due_at: datetime | None = Field(description="The deadline of the target still open")
    business_minutes_used: int | None
    percent_used: float | None = Field(description="Of the target still open (or resolution)")
    events: list[SlaEventOut]
    clock_changes: list[SlaClockChangeOut]

    @staticmethod
    def resolve_policy_id(view) -> int | None:
        return view.policy.pk if view.policy is not None else None


class SlaActionIn(Schema):
    reason: Text(30) | None = Field(
        None, description="Reason code; required to cancel, and to stop after a missed target"
    )
    note: Text(2000) = ""
