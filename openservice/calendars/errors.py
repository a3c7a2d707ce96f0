"""Refusals of the calendars app."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError


class CalendarInUse(DomainError):
    code = "calendars.in_use"
    default_message = _("The calendar is in use and cannot be deleted; deactivate it instead.")


class NoOpenTime(DomainError):
    code = "calendars.no_open_time"
    default_message = _("The calendar has no open time to count business minutes in.")
