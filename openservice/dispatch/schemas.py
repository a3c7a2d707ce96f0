"""Request and response schemas of the appointments API and the calendar feeds (the endpoints
are in `api.py`)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from openservice.core.schemas import Id, Instant, ServiceDate, Text

StatusName = Literal["tentative", "confirmed", "travelling", "on_site", "done", "cancelled"]
Priority = Literal["low", "normal", "high", "critical"]


class AppointmentOut(Schema):
    id: int
    order_id: int
    order_number: str
    order_description: str
    priority: Priority = Field(description="The order's priority")
    customer_id: int
    customer_name: str
    site_id: int
    site_name: str
    site_address: str
    site_postcode: str
    site_city: str
    technician_id: int
    technician_name: str
    starts_at: datetime
    ends_at: datetime
    status: StatusName
    is_pinned: bool = Field(description="The optimiser leaves pinned appointments where they are")
    travel_minutes: int = Field(description="The estimated drive from the previous appointment")
    note: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None

    @staticmethod
    def resolve_order_number(appointment) -> str:
        return appointment.order.number

    @staticmethod
    def resolve_order_description(appointment) -> str:
        return appointment.order.description

    @staticmethod
    def resolve_priority(appointment) -> str:
        return appointment.order.priority

    @staticmethod
    def resolve_customer_id(appointment) -> int:
        return appointment.order.customer_id

    @staticmethod
    def resolve_customer_name(appointment) -> str:
        return appointment.order.customer.name

    @staticmethod
    def resolve_site_id(appointment) -> int:
        return appointment.order.site_id

    @staticmethod
    def resolve_site_name(appointment) -> str:
        return appointment.order.site.name

    @staticmethod
    def resolve_site_address(appointment) -> str:
        return appointment.order.site.address

    @staticmethod
    def resolve_site_postcode(appointment) -> str:
        return appointment.order.site.postcode

    @staticmethod
    def resolve_site_city(appointment) -> str:
        return appointment.order.site.city

    @staticmethod
    def resolve_technician_name(appointment) -> str:
        return appointment.technician.name


class FindingOut(BaseModel):
    """A warning (or conflict): its code, its message, and the code's own fields (see the
    dispatch documentation: `skill`, `required_level`, `level`, `appointment_ids`, ...)."""

    # A plain pydantic model: ninja's Schema would drop the fields each code adds.
    model_config = ConfigDict(extra="allow")

    code: str = Field(
        examples=["missing_skill", "sla_due_before_end", "travel_time", "order_stage_unchanged"]
    )
    message: str


class AppointmentResultOut(Schema):
    """An appointment after a change, with the warnings the change raised (none: [])."""

    appointment: AppointmentOut
    warnings: list[FindingOut]


class AppointmentFilters(Schema):
    technician_id: Id | None = None
    order_id: Id | None = None
    date_from: ServiceDate | None = Field(
        None, description="Appointments ending after this day starts (the company's time zone)"
    )
    date_to: ServiceDate | None = Field(
        None, description="Appointments starting before this day ends (the company's time zone)"
    )
    status: StatusName | None = None


class AppointmentCreateIn(Schema):
    order_id: Id
    technician_id: Id
    starts_at: Instant
    ends_at: Instant = Field(description="After starts_at")
    is_pinned: bool = False
    status: Literal["tentative", "confirmed"] = "confirmed"
    note: Text(2000) = ""


class AppointmentMoveIn(Schema):
    starts_at: Instant
    ends_at: Instant = Field(description="After starts_at")
    technician_id: Id | None = Field(None, description="Another technician; null: the same one")


class AppointmentUpdateIn(Schema):
    is_pinned: bool = Field(None, description="Omitted: unchanged")
    note: Text(2000) = Field(None, description="Omitted: unchanged")


class AppointmentStatusIn(Schema):
    status: StatusName = Field(
        description="The next step: tentative → confirmed → travelling → on_site → done "
        "(confirmed → on_site allowed); cancel with /cancel"
    )


class CalendarFeedOut(Schema):
    url: str = Field(description="The iCalendar feed's address with its secret token")
    webcal_url: str = Field(description="The same address for phones' subscribe links")


class CalendarTokenIn(Schema):
    # Any text: a wrong token of any shape is simply not found (never a 422 that tells more).
    token: str | None = None
