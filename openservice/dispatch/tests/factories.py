"""Technicians with working calendars, orders with sites, and appointments made through the
services. Times are in a working week of March 2027 in Helsinki (UTC+2)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from openservice.calendars.tests.factories import WorkCalendarFactory
from openservice.customers.tests.factories import SiteFactory
from openservice.dispatch import services
from openservice.orders.tests.factories import make_order
from openservice.workforce.tests.factories import (
    SkillFactory,
    TechnicianFactory,
    TechnicianSkillFactory,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = date(2027, 3, 1)
ESPOO = (Decimal("60.205500"), Decimal("24.655900"))


def at(hour: int, minute: int = 0, *, day: int = 0) -> datetime:
    """Local Helsinki wall-clock time on MONDAY + day."""
    return datetime.combine(MONDAY + timedelta(days=day), time(hour, minute), tzinfo=HELSINKI)


def technician(*, user=None, skills: dict[str, int] | None = None, calendar=..., **fields):
    """A technician on Monday-Friday 08:00-16:00 (unless `calendar` is given, None for the
    company default) holding the skills {code: level}."""
    if calendar is ...:
        calendar = WorkCalendarFactory()
    person = TechnicianFactory(user=user, calendar=calendar, **fields)
    for code, level in (skills or {}).items():
        TechnicianSkillFactory(technician=person, skill=SkillFactory(code=code), level=level)
    return person


def order(*, by, site=None, **fields):
    """A new order at a site in central Helsinki."""
    return make_order(by=by, site=site or SiteFactory(), **fields)


def espoo_site():
    return SiteFactory(latitude=ESPOO[0], longitude=ESPOO[1])


def appointment(*, by, order, technician, starts_at, ends_at, **fields):
    made, _warnings = services.appointment_create(
        order=order, technician=technician, starts_at=starts_at, ends_at=ends_at, by=by, **fields
    )
    return made
