"""Request and response schemas of the plan proposals (the endpoints are in
`proposal_api.py`)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from openservice.core.schemas import Id, ServiceDate
from openservice.dispatch.schemas import AppointmentResultOut


class OptimizeIn(Schema):
    date_from: ServiceDate
    date_to: ServiceDate = Field(description="The last day planned (whole days, inclusive)")
    technician_ids: list[Id] | None = Field(
        None, max_length=1000, description="Plan for these technicians (all active ones: null)"
    )
    order_ids: list[Id] | None = Field(
        None, max_length=5000, description="Plan these orders only (the whole queue: null)"
    )
    time_limit_seconds: int = Field(
        10, ge=1, description="At most DISPATCH_OPTIMISER_MAX_SECONDS (60 by default)"
    )


class AssignmentOut(Schema):
    order_id: int
    technician_id: int
    starts_at: datetime
    ends_at: datetime
    travel_minutes: int = Field(description="The drive from the previous place (home or a visit)")
    appointment_id: int | None = Field(
        description="The current appointment the plan moves (null: a new one)"
    )


class UnassignedOut(Schema):
    order_id: int
    reason: Literal["no_skills", "no_window", "no_capacity", "no_location"]
    message: str
    appointment_id: int | None = Field(
        description="The current appointment accepting the plan cancels (null: none)"
    )


class BreakOut(Schema):
    technician_id: int
    starts_at: datetime
    ends_at: datetime


class ProposalOut(Schema):
    id: int
    status: Literal["open", "accepted", "discarded"]
    date_from: date
    date_to: date
    assignments: list[AssignmentOut]
    unassigned: list[UnassignedOut]
    breaks: list[BreakOut]
    travel_minutes: int = Field(description="All driving of the plan, home and back included")
    late_minutes: int = Field(description="Minutes past the SLA due instants, added up")
    seconds: Decimal = Field(description="How long the optimiser took")
    time_limit_seconds: int
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_assignments(proposal) -> list:
        return proposal.result["assignments"]

    @staticmethod
    def resolve_unassigned(proposal) -> list:
        return proposal.result["unassigned"]

    @staticmethod
    def resolve_breaks(proposal) -> list:
        return proposal.result["breaks"]


class AcceptOut(Schema):
    proposal: ProposalOut
    appointments: list[AppointmentResultOut]
