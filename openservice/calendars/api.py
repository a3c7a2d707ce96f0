"""API for work calendars, and two calculators on them (a due instant, business minutes)."""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from openservice.calendars import arithmetic, selectors, services
from openservice.calendars.errors import NoOpenTime
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, Instant, Text, TimeZoneName

router = Router(tags=["calendars"])

Clock = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
IntervalIn = Annotated[
    list[Clock], Field(min_length=2, max_length=2, examples=[["08:00", "12:00"]])
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HoursIn = Annotated[
    dict[Weekday, Annotated[list[IntervalIn], Field(max_length=24)]],
    Field(
        description="Intervals per weekday; an end at or before its start runs into the next day",
        examples=[{"mon": [["08:00", "12:00"], ["12:30", "16:30"]]}],
    ),
]
CountryIn = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,3}$")]
SubdivisionIn = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,10}$")]


class OpenDayIn(Schema):
    on: date
    hours: list[IntervalIn] = Field(min_length=1, max_length=24)


class OpenDayOut(Schema):
    on: date
    hours: list[list[str]]
    note: str


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    hours: dict[str, list[list[str]]]
    holiday_country: str | None
    holiday_subdivision: str | None
    closed_days: list[date]
    open_days: list[OpenDayOut]
    weekly_minutes: int = Field(description="Business minutes of an ordinary week")
    is_default: bool
    is_active: bool

    @staticmethod
    def resolve_holiday_country(calendar) -> str | None:
        return calendar.holiday_country or None

    @staticmethod
    def resolve_holiday_subdivision(calendar) -> str | None:
        return calendar.holiday_subdivision or None

    @staticmethod
    def resolve_closed_days(calendar) -> list[date]:
        return [row.on for row in calendar.closed_days.all()]

    @staticmethod
    def resolve_open_days(calendar) -> list:
        return list(calendar.open_days.all())

    @staticmethod
    def resolve_weekly_minutes(calendar) -> int:
        return selectors.arithmetic_of(calendar).weekly_minutes


class CalendarCreateIn(Schema):
    name: Text(100, min_length=1)
    timezone: TimeZoneName
    hours: HoursIn = Field(default_factory=dict)
    holiday_country: CountryIn | None = None
    holiday_subdivision: SubdivisionIn | None = None
    closed_days: list[date] = Field(default_factory=list, max_length=2000)
    open_days: list[OpenDayIn] = Field(default_factory=list, max_length=2000)
    is_default: bool = False


class CalendarUpdateIn(Schema):
    name: Text(100, min_length=1) = None
    timezone: TimeZoneName = None
    hours: HoursIn = None
    holiday_country: CountryIn | None = None
    holiday_subdivision: SubdivisionIn | None = None
    closed_days: list[date] = Field(None, max_length=2000)
    open_days: list[OpenDayIn] = Field(None, max_length=2000)
    is_default: bool = None


class CalendarFilters(Schema):
    q: Text(100) | None = Field(None, description="Name or time zone contains")
    is_active: bool | None = None


def _payload(data: dict) -> dict:
    if data.get("open_days") is not None:
        data["open_days"] = [dict(row) for row in data["open_days"]]
    return data


def _reload(user, calendar):
    return selectors.calendar_get(user=user, calendar_id=calendar.pk)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/calendars",
        model_label="calendars.workcalendar",
        verbose="calendar",
        out=CalendarOut,
        create_in=CalendarCreateIn,
        update_in=CalendarUpdateIn,
        filters=CalendarFilters,
        list=selectors.calendar_list,
        get=lambda user, pk: selectors.calendar_get(user=user, calendar_id=pk),
        create=lambda user, data: _reload(
            user, services.calendar_create(by=user, **_payload(data.dict()))
        ),
        update=lambda user, calendar, changes: _reload(
            user, services.calendar_update(calendar=calendar, by=user, **_payload(changes))
        ),
        set_active=lambda user, calendar, active: _reload(
            user, services.calendar_set_active(calendar=calendar, by=user, is_active=active)
        ),
    ),
)


@router.delete(
    "/calendars/{id}",
    response={204: None},
    summary="Delete a calendar nothing uses",
    operation_id="delete_calendar",
)
def delete_calendar(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "calendars.delete_workcalendar")
    calendar = selectors.calendar_get(user=request.auth, calendar_id=id)
    services.calendar_delete(calendar=calendar, by=request.auth)
    return Status(204, None)


class DueIn(Schema):
    start: Instant
    minutes: int = Field(ge=0, le=100_000_000, description="Business minutes to add")


class DueOut(Schema):
    due_at: datetime


class BusinessMinutesIn(Schema):
    start: Instant
    end: Instant


class BusinessMinutesOut(Schema):
    minutes: int = Field(description="Whole business minutes; negative when end is before start")


def _calculator(request, id):
    require_perm(request.auth, "calendars.view_workcalendar")
    return selectors.arithmetic_of(selectors.calendar_get(user=request.auth, calendar_id=id))


@router.post(
    "/calendars/{id}/due",
    response=DueOut,
    summary="The instant a number of business minutes after a start",
    operation_id="calendar_due",
)
def calendar_due(request: HttpRequest, id: Path[Id], payload: DueIn):
    calendar = _calculator(request, id)
    try:
        return {"due_at": arithmetic.add_business_minutes(payload.start, payload.minutes, calendar)}
    except (arithmetic.CalendarError, OverflowError) as exc:
        raise NoOpenTime(str(exc), calendar_id=id) from exc


@router.post(
    "/calendars/{id}/business-minutes",
    response=BusinessMinutesOut,
    summary="Business minutes between two instants",
    operation_id="calendar_business_minutes",
)
def calendar_business_minutes(request: HttpRequest, id: Path[Id], payload: BusinessMinutesIn):
    calendar = _calculator(request, id)
    try:
        return {
            "minutes": arithmetic.business_minutes_between(payload.start, payload.end, calendar)
        }
    except (arithmetic.CalendarError, OverflowError) as exc:
        raise NoOpenTime(str(exc), calendar_id=id) from exc


class HolidayOut(Schema):
    on: date
    name: str


class YearIn(Schema):
    year: int = Field(ge=1900, le=2200)


@router.get(
    "/calendars/{id}/holidays",
    response=list[HolidayOut],
    summary="The calendar's public holidays in a year",
    operation_id="calendar_holidays",
)
def calendar_holidays(request: HttpRequest, id: Path[Id], query: Query[YearIn]):
    require_perm(request.auth, "calendars.view_workcalendar")
    calendar = selectors.calendar_get(user=request.auth, calendar_id=id)
    return [{"on": on, "name": name} for on, name in selectors.holidays_of(calendar, query.year)]
