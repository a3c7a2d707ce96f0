"""Page forms for work calendars. They parse what a person types (hours as "08:00-12:00,
12:30-16:30", one date a line) into the values the services take; the services decide and write.
"""

import itertools
import re
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from openservice.calendars import arithmetic

_INTERVAL = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OPEN_DAY = re.compile(r"^(\S+)\s+(.+)$")
MAX_BUSINESS_MINUTES = 100_000_000  # as the API's due calculator


def intervals_text(pairs) -> str:
    """[["08:00", "12:00"], ["12:30", "16:30"]] → "08:00-12:00, 12:30-16:30"."""
    return ", ".join(f"{start}-{end}" for start, end in pairs)


def parse_intervals(text: str) -> list[list[str]]:
    """ "08:00-12:00, 12:30-16:30" → [["08:00", "12:00"], ["12:30", "16:30"]], sorted. An end
    at or before its start runs into the next day. Raises ValidationError with what is wrong."""
    pairs: list[tuple[arithmetic.Interval, list[str]]] = []
    for piece in re.split(r"[,;]", text):
        piece = piece.strip()
        if not piece:
            continue
        match = _INTERVAL.match(piece)
        if match is None:
            raise forms.ValidationError(
                _("“%(interval)s” is not an interval like 08:00-16:00."),
                params={"interval": piece},
            )
        start_hour, start_minute, end_hour, end_minute = match.groups()
        pair = [f"{int(start_hour):02d}:{start_minute}", f"{int(end_hour):02d}:{end_minute}"]
        try:
            interval = arithmetic.make_interval(*pair)
        except arithmetic.CalendarError as exc:
            raise forms.ValidationError(
                _("“%(interval)s” is not a valid interval: %(reason)s."),
                params={"interval": piece, "reason": exc},
            ) from exc
        pairs.append((interval, pair))
    pairs.sort()
    for (first, first_pair), (second, second_pair) in itertools.pairwise(pairs):
        if second[0] < first[1]:
            raise forms.ValidationError(
                _("%(first)s and %(second)s overlap."),
                params={"first": "-".join(first_pair), "second": "-".join(second_pair)},
            )
    return [pair for _interval, pair in pairs]


class IntervalsField(forms.CharField):
    """A day's hours typed as "08:00-12:00, 12:30-16:30"; cleans to sorted [start, end] pairs."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("Closed")}))
        super().__init__(**kwargs)

    def clean(self, value) -> list[list[str]]:
        return parse_intervals(super().clean(value))


def _parse_date(text: str, line: int) -> date:
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise forms.ValidationError(
            _("Line %(line)s: “%(text)s” is not a date as YYYY-MM-DD."),
            params={"line": line, "text": text},
        ) from exc


def _lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line:
            yield number, line


def _country_choices() -> list[tuple[str, str]]:
    """Every code the holidays package knows, with the country's name where CLDR has one."""
    try:
        territories = Locale.parse(to_locale(get_language() or "en")).territories
    except (UnknownLocaleError, ValueError):
        territories = Locale("en").territories
    choices = [("", _("None (no public holidays)"))]
    # The package also knows each country by its three-letter code; offer the two-letter ones.
    for code in sorted(c for c in arithmetic.supported_countries() if len(c) == 2):
        name = territories.get(code)
        choices.append((code, f"{code} — {name}" if name else code))
    return choices


@lru_cache(maxsize=1)
def _timezone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in sorted(available_timezones()))


class CalendarFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or time zone")}),
    )
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
    )

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "is_active": {"true": True, "false": False}.get(data.get("is_active") or ""),
        }


class CalendarForm(forms.Form):
    """One form for a calendar: the header, the weekly hours (one field a weekday) and the dated
    exceptions. `calendar_fields()` gives the keyword arguments of the create/update services."""

    name = forms.CharField(label=_("Name"), max_length=100)
    timezone = forms.ChoiceField(label=_("Time zone"))
    holiday_country = forms.ChoiceField(
        label=_("Public holidays of"),
        required=False,
        help_text=_("The country whose public holidays close the calendar."),
    )
    holiday_subdivision = forms.CharField(
        label=_("Subdivision"),
        required=False,
        max_length=10,
        help_text=_("Optional: a state or region code for regional holidays (for example BY)."),
    )
    is_default = forms.BooleanField(
        label=_("Company default"),
        required=False,
        help_text=_("Used by SLA policies, generation and technicians that name no calendar."),
    )
    closed_days = forms.CharField(
        label=_("Closed days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2027-12-31"}),
        help_text=_("One date a line (YYYY-MM-DD): closed although the weekly hours open it."),
    )
    open_days = forms.CharField(
        label=_("Open days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2027-01-09 09:00-13:00"}),
        help_text=_(
            "One date a line with its hours, such as “2027-01-09 09:00-13:00, 14:00-16:00”: "
            "these hours replace the weekly hours and holidays of that date."
        ),
    )

    HEADER_FIELDS = ("name", "timezone", "holiday_country", "holiday_subdivision", "is_default")
    WEEK_FIELDS = tuple(f"hours_{key}" for key in arithmetic.WEEKDAYS)
    EXCEPTION_FIELDS = ("closed_days", "open_days")

    def __init__(self, *args, calendar=None, **kwargs):
        if calendar is not None:
            kwargs.setdefault("initial", self.initial_of(calendar))
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _timezone_choices()
        self.fields["timezone"].initial = settings.TIME_ZONE
        self.fields["holiday_country"].choices = _country_choices()
        for index, key in enumerate(arithmetic.WEEKDAYS):
            self.fields[f"hours_{key}"] = IntervalsField(label=WEEKDAYS[index])

    @staticmethod
    def initial_of(calendar) -> dict:
        return {
            "name": calendar.name,
            "timezone": calendar.timezone,
            "holiday_country": calendar.holiday_country,
            "holiday_subdivision": calendar.holiday_subdivision,
            "is_default": calendar.is_default,
            **{
                f"hours_{key}": intervals_text((calendar.hours or {}).get(key) or [])
                for key in arithmetic.WEEKDAYS
            },
            "closed_days": "\n".join(row.on.isoformat() for row in calendar.closed_days.all()),
            "open_days": "\n".join(
                f"{row.on.isoformat()} {intervals_text(row.hours)}"
                for row in calendar.open_days.all()
            ),
        }

    def header_fields(self):
        return [self[name] for name in self.HEADER_FIELDS]

    def week_fields(self):
        return [self[name] for name in self.WEEK_FIELDS]

    def exception_fields(self):
        return [self[name] for name in self.EXCEPTION_FIELDS]

    def clean_holiday_subdivision(self) -> str:
        return self.cleaned_data["holiday_subdivision"].strip().upper()

    def clean_closed_days(self) -> list[date]:
        return [_parse_date(text, line) for line, text in _lines(self.cleaned_data["closed_days"])]

    def clean_open_days(self) -> list[dict]:
        rows = []
        for line, text in _lines(self.cleaned_data["open_days"]):
            match = _OPEN_DAY.match(text)
            if match is None:
                raise forms.ValidationError(
                    _("Line %(line)s: give a date and its hours, like 2027-01-09 09:00-13:00."),
                    params={"line": line},
                )
            on = _parse_date(match.group(1), line)
            try:
                hours = parse_intervals(match.group(2))
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    _("Line %(line)s: %(error)s"),
                    params={"line": line, "error": " ".join(error.messages)},
                ) from error
            rows.append({"on": on, "hours": hours})
        return rows

    def calendar_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "timezone": data["timezone"],
            "holiday_country": data["holiday_country"] or None,
            "holiday_subdivision": data["holiday_subdivision"] or None,
            "is_default": data["is_default"],
            "hours": {key: data[f"hours_{key}"] for key in arithmetic.WEEKDAYS},
            "closed_days": data["closed_days"],
            "open_days": data["open_days"],
        }


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=1900, max_value=2200)

    def year_or(self, default: int) -> int:
        return self.cleaned_data["year"] if self.is_valid() else default


class DueForm(forms.Form):
    """The due calculator: a local start in the calendar's time zone plus business minutes."""

    start = forms.DateTimeField(
        label=_("Start (local time)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )
    minutes = forms.IntegerField(
        label=_("Business minutes"), min_value=0, max_value=MAX_BUSINESS_MINUTES
    )

    def __init__(self, *args, zone: str, **kwargs):
        self.zone = ZoneInfo(zone)
        super().__init__(*args, auto_id="due-%s", **kwargs)

    def full_clean(self):
        # The start is a wall-clock time of the calendar's zone, not of the user's.
        with timezone.override(self.zone):
            super().full_clean()
