"""Request and response schemas of the billing API (the endpoints are in `api.py`). Amounts are
strings with two decimals; a credit note's quantities and amounts are negative."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema, model_validator

from openservice.billing import selectors
from openservice.core.money import MAX_AMOUNT
from openservice.core.schemas import (
    CurrencyCode,
    Id,
    MoneyIn,
    MoneyOut,
    ServiceDate,
    Text,
    VatRate,
    order_by_param,
)

KindName = Literal["invoice", "credit_note"]
StatusName = Literal["draft", "posted"]

RateOut = Annotated[
    Decimal,
    PlainSerializer(lambda rate: f"{rate:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+\.\d{2}$", "example": "25.50"}),
]
QuantityOut = Annotated[
    Decimal,
    PlainSerializer(lambda quantity: f"{quantity:.3f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{3}$", "example": "1.000"}),
]


class InvoiceLineOut(Schema):
    id: int
    position: int
    description: str
    quantity: QuantityOut
    unit: str
    unit_price: MoneyOut
    net_amount: MoneyOut
    vat_rate: RateOut
    vat_amount: MoneyOut
    gross_amount: MoneyOut
    order_line_id: int | None
    fee_id: int | None
    credited_line_id: int | None = Field(description="On a credit note: the line it reverses")
    period_start: date | None
    period_end: date | None


class InvoiceTotalsOut(Schema):
    net_amount: MoneyOut
    vat_amount: MoneyOut
    gross_amount: MoneyOut


class InvoiceOut(Schema):
    id: int
    number: str | None = Field(description="Null until posted")
    kind: KindName
    status: StatusName
    customer_id: int
    customer_name: str = Field(description="Frozen when posted")
    currency: str
    issued_on: date | None
    due_on: date | None
    credited_invoice_id: int | None = Field(description="On a credit note: the invoice it credits")
    reference: str
    note: str
    lines: list[InvoiceLineOut]
    totals: InvoiceTotalsOut

    @staticmethod
    def resolve_number(invoice) -> str | None:
        return invoice.number or None

    @staticmethod
    def resolve_customer_name(invoice) -> str:
        return invoice.customer_name or invoice.customer.name

    @staticmethod
    def resolve_lines(invoice) -> list:
        return list(invoice.lines.all())

    @staticmethod
    def resolve_totals(invoice) -> dict:
        return {
            "net_amount": invoice.net_amount,
            "vat_amount": invoice.vat_amount,
            "gross_amount": invoice.gross_amount,
        }


class InvoiceFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, reference or customer contains")
    customer_id: Id | None = None
    status: StatusName | None = None
    kind: KindName | None = None
    issued_from: ServiceDate | None = None
    issued_to: ServiceDate | None = None
    order_by: order_by_param(selectors.INVOICE_ORDERING) = Field(
        None, description="A key, or -key for descending"
    )


class ProposeIn(Schema):
    customer_id: Id | None = Field(None, description="Default: every customer")
    through: ServiceDate = Field(
        description="Posted order lines and fees due by then (in advance: their period started; "
        "in arrears: it ended)"
    )


class InvoiceCreateIn(Schema):
    customer_id: Id
    currency: CurrencyCode | None = Field(None, description="Default: the customer's")
    note: Text(5000) = ""


class InvoiceUpdateIn(Schema):
    note: Text(5000) = None
    reference: Text(100) = None


class InvoiceLineCreateIn(Schema):
    description: Text(300, min_length=1)
    quantity: Decimal = Field(
        max_digits=12,
        decimal_places=3,
        allow_inf_nan=False,
        description="Not zero (negative for a deduction)",
    )
    unit_price: MoneyIn
    unit: Text(10) = ""
    vat_rate: VatRate | None = Field(None, description="Default: the configured default rate")

    @model_validator(mode="after")
    def _amounts_fit(self):
        rate = self.vat_rate if self.vat_rate is not None else Decimal(100)
        if abs(self.quantity * self.unit_price) * (100 + rate) / 100 > MAX_AMOUNT:
            raise ValueError("quantity × unit_price is too large for an invoice line")
        return self


class CreditIn(Schema):
    line_ids: list[Id] | None = Field(None, max_length=10000, description="Default: every line")


class AccrualOut(Schema):
    fee_id: int
    period_start: date
    period_end: date
    amount: MoneyOut
