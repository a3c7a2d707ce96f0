"""Request and response schemas of the subscriptions API (the endpoints are in `api.py`).

Prices may be sent negative and indexes at or below zero: the services refuse them with codes
of their own (subscriptions.negative_price, subscriptions.invalid_index); the schemas only make
sure a value fits its column."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema, model_validator

from openservice.core.money import MAX_AMOUNT
from openservice.core.schemas import (
    CurrencyCode,
    Id,
    MoneyOut,
    ServiceDate,
    Text,
    order_by_param,
)
from openservice.subscriptions import selectors

PeriodName = Literal["week", "month", "quarter", "year"]
BillingName = Literal["advance", "arrears"]
StatusName = Literal["active", "paused", "cancelled", "ended"]
FeeStatusName = Literal["open", "invoiced", "credited"]
MethodName = Literal["index_percent", "index_to", "base_percent", "base_to"]

SignedMoneyIn = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
IndexIn = Annotated[
    Decimal,
    Field(
        max_digits=10,
        decimal_places=4,
        allow_inf_nan=False,
        description="100 = no indexation; above zero (checked by the service)",
    ),
]
IndexOut = Annotated[
    Decimal,
    PlainSerializer(lambda value: f"{value:.4f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{4}$", "example": "100.0000"}),
]


# -- Plans -------------------------------------------------------------------------------------


class SubscriptionPlanOut(Schema):
    id: int
    name: str
    period: PeriodName
    billing: BillingName
    align_to_calendar: bool
    accrue: bool
    accrual_period: PeriodName | None = Field(description="Null when the plan does not accrue")
    is_active: bool
    subscription_count: int = Field(description="Its billing terms change only while 0")

    @staticmethod
    def resolve_accrual_period(plan) -> str | None:
        return plan.accrual_period or None


class SubscriptionPlanFilters(Schema):
    is_active: bool | None = None


class SubscriptionPlanCreateIn(Schema):
    name: Text(100, min_length=1)
    period: PeriodName
    billing: BillingName = "advance"
    align_to_calendar: bool = False
    accrue: bool = False
    accrual_period: PeriodName | Literal[""] | None = Field(
        None, description="Required when accruing; not longer than the invoicing period"
    )
    is_active: bool = True


class SubscriptionPlanUpdateIn(Schema):
    name: Text(100, min_length=1) = None
    period: PeriodName = None
    billing: BillingName = None
    align_to_calendar: bool = None
    accrue: bool = None
    accrual_period: PeriodName | Literal[""] | None = None
    is_active: bool = None


# -- Subscriptions -----------------------------------------------------------------------------


class SubscriptionOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    plan_id: int
    plan_name: str
    agreement_id: int | None
    description: str
    base_price: MoneyOut = Field(description="A full period's fee at index 100")
    index: IndexOut
    currency: str
    starts_on: date
    ends_on: date | None
    status: StatusName
    fees_pending_from: date = Field(description="Fee generation looks at periods from this day")

    @staticmethod
    def resolve_customer_name(subscription) -> str:
        return subscription.customer.name

    @staticmethod
    def resolve_plan_name(subscription) -> str:
        return subscription.plan.name


class SubscriptionFilters(Schema):
    q: Text(100) | None = Field(None, description="Number, description or customer contains")
    customer_id: Id | None = None
    plan_id: Id | None = None
    agreement_id: Id | None = None
    status: StatusName | None = None
    order_by: order_by_param(selectors.SUBSCRIPTION_ORDERING) = Field(
        None, description="A key, or -key for descending"
    )


class SubscriptionCreateIn(Schema):
    customer_id: Id
    plan_id: Id
    agreement_id: Id | None = Field(None, description="An agreement of the same customer")
    description: Text(300, min_length=1)
    base_price: SignedMoneyIn = Field(description="A full period's fee at index 100")
    index: IndexIn = Decimal("100")
    currency: CurrencyCode | None = Field(None, description="Default: the customer's")
    starts_on: ServiceDate
    ends_on: ServiceDate | None = None

    @model_validator(mode="after")
    def _fee_fits(self):
        if self.base_price * self.index / 100 > MAX_AMOUNT:
            raise ValueError("base_price × index / 100 is too large for a fee")
        return self


class SubscriptionUpdateIn(Schema):
    """The plan, start, currency, price and index change only before the first fee (409
    subscriptions.has_fees afterwards: index the subscription instead)."""

    description: Text(300, min_length=1) = None
    agreement_id: Id | None = None
    ends_on: ServiceDate | None = None
    plan_id: Id = None
    starts_on: ServiceDate = None
    currency: CurrencyCode = None
    base_price: SignedMoneyIn = None
    index: IndexIn = None


class SubscriptionDayIn(Schema):
    on: ServiceDate | None = Field(None, description="Default: today in the company's zone")


class SubscriptionPriceChangeIn(Schema):
    method: MethodName = Field(
        description="index_percent compounds (110 + 10 % = 121); index_to sets the index; "
        "base_percent and base_to change the base price"
    )
    value: Decimal = Field(max_digits=14, decimal_places=4, allow_inf_nan=False)
    effective_on: ServiceDate = Field(description="Fees of periods starting on or after it")


class PriceChangeOut(Schema):
    id: int
    method: MethodName
    value: IndexOut
    effective_on: date
    base_price_before: MoneyOut
    index_before: IndexOut
    base_price: MoneyOut
    index: IndexOut
    by_id: int | None
    at: datetime


# -- Fees --------------------------------------------------------------------------------------


class FeeOut(Schema):
    id: int
    period_start: date
    period_end: date
    days: int = Field(description="Days billed")
    full_days: int = Field(description="Days of the full period the fee is prorated against")
    base_price: MoneyOut
    index: IndexOut
    amount: MoneyOut
    currency: str
    status: FeeStatusName


class FeeFilters(Schema):
    status: FeeStatusName | None = None


class FeeAdjustIn(Schema):
    amount: SignedMoneyIn = Field(description="Not negative (checked by the service)")
    note: Text(300) = ""


class GenerateFeesIn(Schema):
    through: ServiceDate = Field(description="Fees of every period starting on or before it")


class GenerateFeesOut(Schema):
    fees_created: int
    subscriptions: int = Field(description="Subscriptions looked at")
    ended: int = Field(description="Subscriptions whose last period was made")
