"""API for generating orders from agreements and forecasting the visits (served by the orders
app, which owns the flow, under the agreements' URLs)."""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from openservice.agreements.selectors import agreement_get
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, ServiceDate
from openservice.orders.services.generation import (
    orders_forecast,
    orders_generate_from_agreements,
)

router = Router(tags=["agreements"])

KindName = Literal["hour", "item", "expense", "fee"]


class GenerateIn(Schema):
    date_from: ServiceDate | None = Field(
        None, alias="from", description="Required unless continuous (occurrence dates from)"
    )
    date_to: ServiceDate = Field(alias="to", description="Occurrence dates up to and including")
    agreement_ids: list[Id] | None = Field(None, max_length=10000, description="Default: all")
    kinds: list[KindName] | None = Field(None, max_length=4, description="Default: all kinds")
    continuous: bool = Field(
        False,
        description="Each line from the day after its last generated occurrence (lines never "
        "generated: from `from`, or their start)",
    )


class ConflictOut(Schema):
    agreement_id: int
    order_id: int
    service_on: date


class SkippedOut(Schema):
    agreement_line_id: int
    reason: str = Field(description="agreements.amount_too_large: its amounts overflow")


class GenerateOut(Schema):
    agreements: int
    orders_created: int
    lines_created: int
    orders_joined: int = Field(description="Existing orders that received generated lines")
    conflicts: list[ConflictOut] = Field(
        description="Orders on a closed day because no open day was in the window"
    )
    skipped: list[SkippedOut] = Field(description="Lines that generated nothing, and why")


class ForecastIn(Schema):
    date_from: ServiceDate = Field(alias="from")
    date_to: ServiceDate = Field(alias="to")


class OccurrenceOut(Schema):
    agreement_line_id: int
    occurrence_on: date


class VisitOut(Schema):
    service_on: date
    grouping_key: str
    order_id: int | None = Field(description="An existing order the occurrences would join")
    calendar_conflict: bool
    lines: list[OccurrenceOut]


class ForecastOut(Schema):
    agreement_id: int
    visits: list[VisitOut]


@router.post(
    "/agreements/generate",
    response=GenerateOut,
    operation_id="generate_orders",
    summary="Generate the orders of active agreements for a period (idempotent)",
)
def generate_orders(request: HttpRequest, payload: GenerateIn):
    require_perm(request.auth, "orders.generate_serviceorder")
    agreements = None
    if payload.agreement_ids is not None:
        agreements = []
        for pk in payload.agreement_ids:
            try:
                agreements.append(agreement_get(user=request.auth, agreement_id=pk))
            except NotFound as exc:
                raise InvalidInput({"agreement_ids": [_("No agreement %s.") % pk]}) from exc
    result = orders_generate_from_agreements(
        date_from=payload.date_from,
        date_to=payload.date_to,
        agreements=agreements,
        kinds=payload.kinds,
        continuous=payload.continuous,
        by=request.auth,
    )
    return result


@router.get(
    "/agreements/{id}/forecast",
    response=ForecastOut,
    operation_id="forecast_agreement",
    summary="The visits a generation would make for the period (as if active), writing nothing",
)
def forecast_agreement(request: HttpRequest, id: Path[Id], period: Query[ForecastIn]):
    require_perm(request.auth, "agreements.view_serviceagreement")
    agreement = agreement_get(user=request.auth, agreement_id=id)
    visits = orders_forecast(
        agreement=agreement, date_from=period.date_from, date_to=period.date_to
    )
    return {
        "agreement_id": agreement.pk,
        "visits": [
            {
                "service_on": visit.service_on,
                "grouping_key": visit.key,
                "order_id": visit.order_id,
                "calendar_conflict": visit.calendar_conflict,
                "lines": [
                    {"agreement_line_id": line_id, "occurrence_on": on}
                    for line_id, on in visit.occurrences
                ],
            }
            for visit in visits
        ],
    }
