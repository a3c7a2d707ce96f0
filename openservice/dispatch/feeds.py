"""A technician's appointments as an iCalendar feed (RFC 5545), built from plain values.

Pure: no Django, no database. The API gathers the appointments (see `api.py`) and this module
writes the bytes. Invariants a subscribing phone calendar relies on:

- one VEVENT per appointment, its UID (`appointment-<id>@openservice`) never changes, so a
  moved appointment moves the event instead of adding one;
- instants are written in UTC (`...Z`), whatever zone they come in;
- DTSTAMP and LAST-MODIFIED are the appointment's last change, so the same appointments give
  the same bytes (with no METHOD, RFC 5545 makes DTSTAMP the last revision of the event);
- tentative appointments are STATUS:TENTATIVE, every other one given is STATUS:CONFIRMED
  (travelling, on site and done ones stay in the calendar as what happened). Cancelled
  appointments are left out by the caller rather than sent as STATUS:CANCELLED: subscribed
  calendars replace their copy on each refresh, so the event disappears, whereas several
  clients show a cancelled event of a subscription as if it still stood.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar, Event

PRODID = "-//OpenService//Dispatch//EN"
UID_DOMAIN = "openservice"
# How often subscribers are asked to fetch the feed again (clients may refresh less often).
REFRESH = timedelta(hours=1)
TENTATIVE = "tentative"


@dataclass(frozen=True)
class FeedAppointment:
    """What the feed shows of one appointment (aware datetimes; text as stored)."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    updated_at: datetime
    created_at: datetime
    order_number: str
    customer_name: str
    description: str = ""
    note: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    latitude: Decimal | float | None = None
    longitude: Decimal | float | None = None


def clean(text: str) -> str:
    """Text as RFC 5545 allows it: line breaks as LF (the writer escapes them), no control
    characters other than tabs and line breaks (a form's CR LF becomes one break)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")


def one_line(text: str) -> str:
    """Cleaned text with its line breaks as spaces, for properties written unescaped (the
    calendar's name is not a TEXT property to icalendar, so a break would end the line)."""
    return clean(text).replace("\n", " ")


def uid(appointment_id: int) -> str:
    return f"appointment-{appointment_id}@{UID_DOMAIN}"


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("feed instants must be aware")
    return instant.astimezone(UTC)


def location(appointment: FeedAppointment) -> str:
    """The site's address on one line: street, then postcode and city."""
    town = " ".join(part for part in (appointment.postcode, appointment.city) if part)
    return clean(", ".join(part for part in (appointment.address, town) if part))


def summary(appointment: FeedAppointment) -> str:
    """The order's number and the customer's name: what a technician scans the day for."""
    parts = (appointment.order_number, appointment.customer_name)
    return clean(" · ".join(part for part in parts if part))


def description(appointment: FeedAppointment) -> str:
    """The order's description, then the appointment's note (a gate code, whom to ask for)."""
    return clean("\n\n".join(part for part in (appointment.description, appointment.note) if part))


def _event(appointment: FeedAppointment) -> Event:
    event = Event()
    event.add("uid", uid(appointment.id))
    event.add("dtstamp", _utc(appointment.updated_at))
    event.add("created", _utc(appointment.created_at))
    event.add("last-modified", _utc(appointment.updated_at))
    event.add("dtstart", _utc(appointment.starts_at))
    event.add("dtend", _utc(appointment.ends_at))
    event.add("summary", summary(appointment))
    place = location(appointment)
    if place:
        event.add("location", place)
    if appointment.latitude is not None and appointment.longitude is not None:
        event.add("geo", (float(appointment.latitude), float(appointment.longitude)))
    text = description(appointment)
    if text:
        event.add("description", text)
    event.add("status", "TENTATIVE" if appointment.status == TENTATIVE else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def calendar_feed(technician_name: str, appointments: Iterable[FeedAppointment]) -> bytes:
    """The VCALENDAR named after the technician with one VEVENT per appointment given, in the
    order given."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", one_line(technician_name))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for appointment in appointments:
        calendar.add_component(_event(appointment))
    return calendar.to_ical()
