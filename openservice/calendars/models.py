"""Work calendars: the business hours that SLA clocks, generation and dispatch count in."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openservice.core.models import TimeStampedModel
from openservice.core.validators import validate_timezone


class WorkCalendar(TimeStampedModel):
    """Weekly hours as several intervals a day in an IANA time zone, public holidays of a
    country (and subdivision), and dated exceptions. `hours` maps weekday keys ("mon".."sun")
    to lists of ["HH:MM", "HH:MM"] pairs; an end at or before its start is a night shift that
    ends the next morning. The arithmetic lives in `arithmetic.py`; `selectors.arithmetic_of`
    turns a row into it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone])
    hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holiday_country = models.CharField(_("holidays of country"), max_length=3, blank=True)
    holiday_subdivision = models.CharField(_("holidays of subdivision"), max_length=10, blank=True)
    is_default = models.BooleanField(
        _("company default"),
        default=False,
        help_text=_("Used by SLA policies, generation and technicians that name no calendar."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="calendar_single_default",
                violation_error_message=_("Only one calendar can be the company default."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClosedDay(models.Model):
    """A date on which a calendar is closed although its weekly hours would open it."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="closed_days")
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        ordering = ["calendar", "on"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "on"], name="closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} {self.on}"


class OpenDay(models.Model):
    """A date with its own hours, replacing the weekly hours, holidays and closed days of that
    date (a Saturday opened for a shutdown, a holiday on call)."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="open_days")
    on = models.DateField(_("date"))
    hours = models.JSONField(_("hours"), default=list)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("open day")
        verbose_name_plural = _("open days")
        ordering = ["calendar", "on"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "on"], name="open_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id} {self.on}"
