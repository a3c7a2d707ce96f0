"""API for reports."""

from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import model_validator

from openservice.core.roles import require_perm
from openservice.reports import selectors

router = Router(tags=["reports"])


class ComplianceQuery(Schema):
    group_by: Literal["customer", "agreement_group", "priority", "technician", "month"] = "customer"
    date_from: date | None = Field(
        None, alias="from", description="Reported on or after (default: first of this month)"
    )
    date_to: date | None = Field(None, alias="to", description="Reported on or before (today)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("'to' must not be before 'from'")
        if self.date_from and self.date_to and (self.date_to - self.date_from).days > 3660:
            raise ValueError("the period can be at most ten years")
        return self


class ComplianceFigures(Schema):
    orders: int
    met: int
    breached: int
    open: int = Field(description="Not decided yet: on track, at risk or paused")
    response_met: int
    response_breached: int
    resolution_met: int
    resolution_breached: int
    compliance_percent: float | None = Field(description="Met among met + breached")


class ComplianceRowOut(ComplianceFigures):
    key: str | None
    label: str


class ComplianceOut(Schema):
    group_by: str
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    rows: list[ComplianceRowOut]
    total: ComplianceFigures


@router.get(
    "/reports/sla-compliance",
    response=ComplianceOut,
    by_alias=True,
    summary="SLA compliance by customer, agreement group, priority, technician or month",
    operation_id="report_sla_compliance",
)
def sla_compliance(request: HttpRequest, query: Query[ComplianceQuery]):
    require_perm(request.auth, "orders.view_reports")
    today = timezone.localdate()
    date_to = query.date_to or today
    date_from = query.date_from or date_to.replace(day=1)
    if date_from > date_to:
        date_from = date_to
    return selectors.sla_compliance(
        user=request.auth,
        group_by=query.group_by,
        date_from=date_from,
        date_to=date_to,
        now=timezone.now(),
    )
