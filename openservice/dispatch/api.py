"""API for appointments and the technicians' calendar feeds.

Planners (dispatchers and managers) create, move, edit and cancel appointments; technicians
read their own and report their status (someone else's is not found for them); administrators
read. A change answers `{"appointment", "warnings"}` where the rules can warn (create, move,
status); hard conflicts refuse it with 409 `dispatch.conflict` and the list of them in
`details`. An order or technician id the user may not see is a field error (422).

The feed (`/technicians/{id}/calendar.ics?token=...`) needs no login: its token is the key.
"""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Path, Query, Router
from ninja.responses import Status

from openservice.core.errors import NotFound
from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.dispatch import feeds, selectors, services
from openservice.dispatch.models import Appointment
from openservice.dispatch.schemas import (
    AppointmentCreateIn,
    AppointmentFilters,
    AppointmentMoveIn,
    AppointmentOut,
    AppointmentResultOut,
    AppointmentStatusIn,
    AppointmentUpdateIn,
    CalendarFeedOut,
    CalendarTokenIn,
)
from openservice.dispatch.selectors import feed_appointments, feed_open
from openservice.dispatch.services.edits import appointment_update
from openservice.dispatch.services.feeds import feed_reset, feed_token
from openservice.orders.selectors import order_get
from openservice.workforce.selectors import technician_get

router = Router(tags=["dispatch"])

VIEW = "dispatch.view_appointment"
PLAN = "dispatch.add_appointment"
REPORT = "dispatch.change_appointment"
FEED = "dispatch.change_calendarfeed"
FEED_URL_NAME = "technician_calendar_feed_ics"


def _appointment(request, appointment_id: int, perm: str = VIEW) -> Appointment:
    require_perm(request.auth, perm)
    return selectors.appointment_get(user=request.auth, appointment_id=appointment_id)


def _fresh(request, appointment_id: int) -> Appointment:
    """The appointment as the list shows it (customer and site loaded)."""
    rows = selectors.appointment_list(user=request.auth).select_related("order__customer")
    appointment = rows.filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(appointment_id=appointment_id)
    return appointment


def appointment_result(request, appointment: Appointment, warnings: list[dict]) -> dict:
    return {"appointment": _fresh(request, appointment.pk), "warnings": warnings}


def _technician(request, field: str, technician_id: int):
    return _ref(field, technician_get, user=request.auth, technician_id=technician_id)


# -- Appointments --------------------------------------------------------------------------------


@router.get(
    "/appointments",
    response=PageOut[AppointmentOut],
    operation_id="list_appointments",
    summary="Appointments (a technician: their own), in time order",
)
def list_appointments(
    request: HttpRequest, filters: Query[AppointmentFilters], page: Query[PageIn]
):
    require_perm(request.auth, VIEW)
    rows = selectors.appointment_list(user=request.auth, **filters.dict(exclude_none=True))
    return paginate(rows.select_related("order__customer"), page)


@router.get(
    "/appointments/{id}",
    response=AppointmentOut,
    operation_id="get_appointment",
    summary="An appointment",
)
def get_appointment(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, VIEW)
    return _fresh(request, id)


@router.post(
    "/appointments",
    response={201: AppointmentResultOut},
    operation_id="create_appointment",
    summary="Book a technician for an order; hard conflicts refuse it, warnings come back",
)
def create_appointment(request: HttpRequest, payload: AppointmentCreateIn):
    require_perm(request.auth, PLAN)
    user = request.auth
    order = _ref("order_id", order_get, user=user, order_id=payload.order_id)
    technician = _technician(request, "technician_id", payload.technician_id)
    appointment, warnings = services.appointment_create(
        order=order,
        technician=technician,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        by=user,
        is_pinned=payload.is_pinned,
        status=payload.status,
        note=payload.note,
    )
    return Status(201, appointment_result(request, appointment, warnings))


@router.patch(
    "/appointments/{id}",
    response=AppointmentOut,
    operation_id="update_appointment",
    summary="Pin or unpin an appointment, or change its note",
)
def update_appointment(request: HttpRequest, id: Path[Id], payload: AppointmentUpdateIn):
    appointment = _appointment(request, id, PLAN)
    data = payload.dict(include=payload.model_fields_set)
    appointment_update(
        appointment=appointment,
        by=request.auth,
        is_pinned=data.get("is_pinned"),
        note=data.get("note"),
    )
    return _fresh(request, id)


@router.post(
    "/appointments/{id}/move",
    response=AppointmentResultOut,
    operation_id="move_appointment",
    summary="Move a tentative or confirmed appointment in time or to another technician",
)
def move_appointment(request: HttpRequest, id: Path[Id], payload: AppointmentMoveIn):
    appointment = _appointment(request, id, PLAN)
    technician = None
    if payload.technician_id is not None:
        technician = _technician(request, "technician_id", payload.technician_id)
    appointment, warnings = services.appointment_move(
        appointment=appointment,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        by=request.auth,
        technician=technician,
    )
    return appointment_result(request, appointment, warnings)


@router.post(
    "/appointments/{id}/cancel",
    response=AppointmentOut,
    operation_id="cancel_appointment",
    summary="Cancel an appointment that is not done (the order's stage stays)",
)
def cancel_appointment(request: HttpRequest, id: Path[Id]):
    appointment = _appointment(request, id, PLAN)
    services.appointment_cancel(appointment=appointment, by=request.auth)
    return _fresh(request, id)


@router.post(
    "/appointments/{id}/status",
    response=AppointmentResultOut,
    operation_id="set_appointment_status",
    summary="Report progress: the next status (a technician: on their own appointments)",
)
def set_appointment_status(request: HttpRequest, id: Path[Id], payload: AppointmentStatusIn):
    appointment = _appointment(request, id, REPORT)
    appointment, warnings = services.appointment_set_status(
        appointment=appointment, to=payload.status, by=request.auth
    )
    return appointment_result(request, appointment, warnings)


# -- Calendar feeds ------------------------------------------------------------------------------


def _feed_out(request, feed) -> dict:
    path = reverse(f"api:{FEED_URL_NAME}", kwargs={"id": feed.technician_id})
    url = f"{request.build_absolute_uri(path)}?{urlencode({'token': feed.token})}"
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def _feed_technician(request, technician_id: int):
    require_perm(request.auth, FEED)
    return technician_get(user=request.auth, technician_id=technician_id)


@router.get(
    "/technicians/{id}/calendar-feed",
    response=CalendarFeedOut,
    operation_id="get_technician_calendar_feed",
    summary="The address of a technician's iCalendar feed (made on first use): the technician "
    "themselves or a planner",
)
def get_technician_calendar_feed(request: HttpRequest, id: Path[Id]):
    technician = _feed_technician(request, id)
    return _feed_out(request, feed_token(technician, by=request.auth))


@router.post(
    "/technicians/{id}/calendar-feed/reset",
    response=CalendarFeedOut,
    operation_id="reset_technician_calendar_feed",
    summary="Give a technician's feed a new address; the old one stops working",
)
def reset_technician_calendar_feed(request: HttpRequest, id: Path[Id]):
    technician = _feed_technician(request, id)
    return _feed_out(request, feed_reset(technician, by=request.auth))


def _feed_row(appointment: Appointment) -> feeds.FeedAppointment:
    order, site = appointment.order, appointment.order.site
    return feeds.FeedAppointment(
        id=appointment.pk,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        status=appointment.status,
        updated_at=appointment.updated_at,
        created_at=appointment.created_at,
        order_number=order.number,
        customer_name=order.customer.name,
        description=order.description,
        note=appointment.note,
        address=site.address,
        postcode=site.postcode,
        city=site.city,
        latitude=site.latitude,
        longitude=site.longitude,
    )


@router.get(
    "/technicians/{id}/calendar.ics",
    auth=None,
    url_name=FEED_URL_NAME,
    operation_id="get_technician_calendar_ics",
    summary="A technician's appointments as an iCalendar feed (no login: the token is the key)",
    description="Every appointment of the technician that is not cancelled and ends within "
    "the last 30 days or later, as text/calendar. A wrong or missing token, an unknown or "
    "inactive technician: the same 404.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The iCalendar feed",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_technician_calendar_ics(
    request: HttpRequest, id: Path[Id], query: Query[CalendarTokenIn]
) -> HttpResponse:
    technician = feed_open(technician_id=id, token=query.token)
    appointments = feed_appointments(technician=technician, now=timezone.now())
    body = feeds.calendar_feed(technician.name, [_feed_row(row) for row in appointments])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="technician-{id}.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response
