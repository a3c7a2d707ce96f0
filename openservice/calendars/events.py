"""Events of the calendars app."""

from dataclasses import dataclass

from openservice.core.events import DomainEvent


@dataclass(frozen=True)
class CalendarChanged(DomainEvent):
    """Business hours of a calendar changed (hours, holidays, exceptions, time zone), or a
    calendar became or stopped being the company default. Clocks measured on it are recomputed."""

    calendar_id: int
    default_changed: bool = False
