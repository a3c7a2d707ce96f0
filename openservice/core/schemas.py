"""Shared API types: safe text, ids, amounts, errors and pages.

Every string that reaches the database passes `Text` (no NUL, no lone surrogates: PostgreSQL
refuses both), every id `Id` (fits a bigint), so bad input is a 422, never a 500.
"""

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from openservice.core.validators import is_timezone

MAX_ID = 2**63 - 1


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


def Text(max_length: int, *, min_length: int = 0) -> Any:
    """A stripped string of at most `max_length` characters that every database can store."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_clean_text),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]

MoneyIn = Annotated[Decimal, Field(max_digits=14, decimal_places=2, ge=0, allow_inf_nan=False)]
VatRate = Annotated[
    Decimal, Field(max_digits=5, decimal_places=2, ge=0, le=100, allow_inf_nan=False)
]
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "120.00"}),
]
MoneyOrNullOut = Annotated[
    Decimal | None,
    PlainSerializer(
        lambda amount: None if amount is None else f"{amount:.2f}", return_type=str | None
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "120.00"},
                {"type": "null"},
            ]
        }
    ),
]
CoordinateOut = Annotated[
    Decimal | None,
    PlainSerializer(lambda value: None if value is None else float(value), return_type=float),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "null"}]}),
]


def _valid_timezone(value: str) -> str:
    if not is_timezone(value):
        raise ValueError(f"unknown IANA time zone: {value}")
    return value


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValueError("not a valid email address") from exc
    return value


Email = Annotated[Text(254), AfterValidator(_email)]
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]


def _in_service_years(value):
    if not 1900 <= value.year <= 9000:
        raise ValueError("must be between the years 1900 and 9000")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_service_years)]
"""An instant with its UTC offset, in the years business time is counted in (1900-9000)."""

ServiceDate = Annotated[date, AfterValidator(_in_service_years)]
"""A calendar date in the years business time is counted in (1900-9000)."""


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("must be a time of day without an offset (the calendar's zone applies)")
    return value


CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
ClockTime = Annotated[
    time,
    AfterValidator(_naive_time),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN, "example": "08:00"}),
]
"""A time of day, read in the time zone of whatever it belongs to (no offset): "08:00"."""
ClockTimeOut = Annotated[
    time | None,
    PlainSerializer(
        lambda value: None if value is None else value.strftime("%H:%M"), return_type=str | None
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:00"},
                {"type": "null"},
            ]
        }
    ),
]

TimeZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_valid_timezone)]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class ErrorOut(Schema):
    code: str = Field(examples=["orders.invalid_transition"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class TokenIn(Schema):
    username: Text(150, min_length=1)
    password: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


T = TypeVar("T")


class PageOut(Schema, Generic[T]):
    items: list[T]
    count: int


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_ID)


def paginate(queryset: QuerySet, page: PageIn) -> dict[str, Any]:
    """`{"items": [...], "count": N}`: a page of the queryset and the total it was cut from."""
    return {
        "items": list(queryset[page.offset : page.offset + page.limit]),
        "count": queryset.count(),
    }


def order_by_param(allowed: dict[str, str]) -> Any:
    """A query parameter type accepting exactly the keys of `allowed`, ascending or descending."""
    keys = "|".join(sorted(allowed))
    return Annotated[str | None, StringConstraints(pattern=rf"^-?({keys})$")]
