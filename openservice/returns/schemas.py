"""Request and response schemas of the returns API (the endpoints are in `api.py`). Reason and
disposition codes go in and out as their code strings (`"reason": "DEFECT"`); amounts are strings
with two decimals, quantities with three."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema, model_validator

from openservice.core.money import MAX_AMOUNT
from openservice.core.roles import is_staff_member
from openservice.core.schemas import (
    Id,
    MoneyIn,
    MoneyOrNullOut,
    ServiceDate,
    Text,
    order_by_param,
)
from openservice.returns import selectors
from openservice.returns.models import DispositionCode, Replacement, ReturnLine, ReturnOrder

Code = Text(30, min_length=1)
StatusName = Literal[tuple(ReturnOrder.Status.values)]
LineStatusName = Literal[tuple(ReturnLine.Status.values)]
ActionName = Literal[tuple(DispositionCode.Action.values)]
ReplacementStatusName = Literal[tuple(Replacement.Status.values)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
QuantityOut = Annotated[
    Decimal,
    PlainSerializer(lambda quantity: f"{quantity:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{3}$", "example": "1.000"}),
]
MAX_LINES = 500

# -- Returns -------------------------------------------------------------------------------------


class ReplacementRefOut(Schema):
    id: int
    number: str
    status: ReplacementStatusName


def _staff(context) -> bool:
    request = (context or {}).get("request")
    return request is not None and is_staff_member(getattr(request, "auth", None))


class ReturnLineOut(Schema):
    id: int
    position: int
    item_id: int
    item_name: str
    serial: str
    object_id: int | None
    quantity: QuantityOut
    unit: str
    invoice_line_id: int | None = Field(description="The original invoice line")
    credit_price: MoneyOrNullOut = Field(description="Per unit; null: not priced yet")
    reason: str = Field(description="The reason code")
    disposition: str | None = Field(description="The disposition code; null: not decided yet")
    disposition_action: ActionName | None
    status: LineStatusName
    inspection_note: str = Field(description="Staff only: empty for customers")
    split_from_id: int | None = Field(description="The line a partial arrival split this from")
    arrived_on: date | None
    processed_at: datetime | None
    credit_note_id: int | None = Field(description="The credit note (an invoice id)")
    credit_note_line_id: int | None
    service_order_id: int | None = Field(description="The repair order (disposition repair)")
    service_order_number: str | None
    replacement: ReplacementRefOut | None

    @staticmethod
    def resolve_item_name(line) -> str:
        return line.item.name

    @staticmethod
    def resolve_inspection_note(line, context) -> str:
        return line.inspection_note if _staff(context) else ""

    @staticmethod
    def resolve_reason(line) -> str:
        return line.reason.code

    @staticmethod
    def resolve_disposition(line) -> str | None:
        return line.disposition.code if line.disposition_id else None

    @staticmethod
    def resolve_disposition_action(line) -> str | None:
        return line.disposition.action if line.disposition_id else None

    @staticmethod
    def resolve_credit_note_id(line) -> int | None:
        return line.credit_note_line.invoice_id if line.credit_note_line_id else None

    @staticmethod
    def resolve_service_order_number(line) -> str | None:
        return line.service_order.number if line.service_order_id else None

    @staticmethod
    def resolve_replacement(line):
        return getattr(line, "replacement", None)


class ReturnOut(Schema):
    id: int
    number: str = Field(description="The RMA number")
    customer_id: int
    customer_name: str
    status: StatusName
    deadline: date = Field(description="Goods are expected by then")
    currency: str
    reason: str = Field(description="The reason code")
    reason_name: str
    reference_order_id: int | None
    reference_invoice_id: int | None
    note: str
    requested_by_customer: bool
    created_at: datetime
    closed_at: datetime | None
    cancelled_at: datetime | None
    overdue: bool = Field(description="The deadline has passed and goods are still expected")
    credit_note_ids: list[int]
    lines: list[ReturnLineOut]

    @staticmethod
    def resolve_customer_name(ret) -> str:
        return ret.customer.name

    @staticmethod
    def resolve_reason(ret) -> str:
        return ret.reason.code

    @staticmethod
    def resolve_reason_name(ret) -> str:
        return ret.reason.name

    @staticmethod
    def resolve_overdue(ret) -> bool:
        return selectors.is_overdue(ret, timezone.localdate())

    @staticmethod
    def resolve_credit_note_ids(ret) -> list[int]:
        return sorted(
            {line.credit_note_line.invoice_id for line in ret.lines.all() if line.credit_note_line}
        )

    @staticmethod
    def resolve_lines(ret) -> list:
        return list(ret.lines.all())


class ReturnFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, customer, note or a line's serial")
    customer_id: Id | None = None
    status: StatusName | None = None
    overdue: bool | None = Field(
        None, description="true: the deadline has passed with goods still expected; false: not"
    )
    order_by: order_by_param(selectors.RETURN_ORDERING) = Field(
        None, description="A key, or -key for descending"
    )


class ReturnLineIn(Schema):
    item_id: Id | None = Field(None, description="Default: the service object's item")
    object_id: Id | None = Field(None, description="One unit, named by its service object")
    serial: Text(60) = Field("", description="One unit; names the customer's object if one")
    invoice_line_id: Id | None = Field(
        None, description="The line of a posted invoice of the customer that billed the goods"
    )
    quantity: Quantity = Decimal(1)
    credit_price: MoneyIn | None = Field(
        None, description="Staff only; default: the invoice line's unit price"
    )
    reason: Code | None = Field(None, description="Default: the return's reason")
    disposition: Code | None = Field(None, description="Staff only")

    @model_validator(mode="after")
    def _amount_fits(self):
        # A credit note line of quantity × price, with VAT up to 100 %, must fit an amount.
        if self.credit_price is not None and self.quantity * self.credit_price * 2 > MAX_AMOUNT:
            raise ValueError("quantity × credit_price is too large to credit")
        return self


class ReturnCreateIn(Schema):
    customer_id: Id | None = Field(None, description="A customer's contact: their own (default)")
    reason: Code = Field(description="A reason code")
    reference_order_id: Id | None = Field(None, description="The original service order")
    reference_invoice_id: Id | None = Field(None, description="The original (posted) invoice")
    note: Text(5000) = ""
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_LINES)


class ReturnUpdateIn(Schema):
    reason: Code = None
    note: Text(5000) = None
    reference_order_id: Id | None = None
    reference_invoice_id: Id | None = Field(None, description="Only while the return is created")
    lines: list[ReturnLineIn] = Field(
        None,
        min_length=1,
        max_length=MAX_LINES,
        description="Replace every line; only while the return is created",
    )


class ArrivalIn(Schema):
    line_id: Id = Field(description="An expected line of the return")
    quantity: Quantity = Field(description="Less than the line expects splits the line")
    on: ServiceDate | None = Field(None, description="Default: today")


class QuarantineIn(Schema):
    note: Text(5000) = ""


class InspectIn(Schema):
    note: Text(5000, min_length=1) = Field(description="What the inspection found")
    disposition: Code | None = Field(None, description="The disposition code decided")


class DispositionIn(Schema):
    code: Code | None = Field(description="A disposition code; null clears it")


class ProcessIn(Schema):
    line_ids: list[Id] | None = Field(
        None, max_length=10000, description="Default: every line that is ready"
    )


class ProcessOut(Schema):
    credit_note_id: int | None = Field(description="The credit note made by this run")
    replacement_order_ids: list[int]
    service_order_ids: list[int] = Field(description="The repair orders made by this run")
    processed_line_ids: list[int]
    skipped_line_ids: list[int] = Field(description="Arrived lines without a disposition")


# -- Replacements --------------------------------------------------------------------------------


class ReplacementOut(Schema):
    id: int
    number: str
    status: ReplacementStatusName
    return_id: int
    return_number: str
    return_line_id: int
    customer_id: int
    customer_name: str
    item_id: int
    item_name: str
    quantity: QuantityOut
    serial: str = Field(description="The serial of the unit sent")
    shipped_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_return_id(replacement) -> int:
        return replacement.return_line.return_order_id

    @staticmethod
    def resolve_return_number(replacement) -> str:
        return replacement.return_line.return_order.number

    @staticmethod
    def resolve_customer_name(replacement) -> str:
        return replacement.customer.name

    @staticmethod
    def resolve_item_name(replacement) -> str:
        return replacement.item.name


class ReplacementFilters(Schema):
    status: ReplacementStatusName | None = None


class ShipIn(Schema):
    serial: Text(60) = Field("", description="The serial of the unit sent")
    on: ServiceDate | None = Field(None, description="Default: today")


# -- Codes ---------------------------------------------------------------------------------------


class CodeOut(Schema):
    id: int
    code: str
    name: str
    description: str
    is_active: bool


class ReasonOut(CodeOut):
    group: str | None = Field(description="The reason group's code")

    @staticmethod
    def resolve_group(reason) -> str | None:
        return reason.group.code if reason.group_id else None


class DispositionOut(CodeOut):
    action: ActionName


class CodeCreateIn(Schema):
    code: Code
    name: Text(100, min_length=1)
    description: Text(2000) = ""
    is_active: bool = True


class ReasonCreateIn(CodeCreateIn):
    group: Code | None = Field(None, description="A reason group's code")


class DispositionCreateIn(CodeCreateIn):
    action: ActionName


class CodeUpdateIn(Schema):
    code: Code = None
    name: Text(100, min_length=1) = None
    description: Text(2000) = None
    is_active: bool = Field(None, description="false deactivates: no new returns use it")


class ReasonUpdateIn(CodeUpdateIn):
    group: Code | None = Field(None, description="null: no group")


class DispositionUpdateIn(CodeUpdateIn):
    action: ActionName = None


class CodeFilters(Schema):
    q: Text(100) | None = Field(None, description="Code or name contains")
    is_active: bool | None = None
