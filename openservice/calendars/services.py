"""Writes for work calendars. Every change that moves business hours publishes CalendarChanged
so clocks measured on the calendar are recomputed in the same transaction."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from openservice.calendars import arithmetic
from openservice.calendars.errors import CalendarInUse
from openservice.calendars.events import CalendarChanged
from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar
from openservice.core.errors import InvalidInput
from openservice.core.events import publish
from openservice.core.services import audit, only_fields, record_set_active, save_validated

CALENDAR_FIELDS = (
    "name",
    "timezone",
    "hours",
    "holiday_country",
    "holiday_subdivision",
    "closed_days",
    "open_days",
    "is_default",
)
# Changes to these move business time; a rename does not.
TIMING_FIELDS = set(CALENDAR_FIELDS) - {"name", "is_default"}


def _intervals(pairs: Iterable[Any], field: str, where: str) -> tuple[arithmetic.Interval, ...]:
    intervals = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InvalidInput({field: [_("%s: each interval is a [start, end] pair.") % where]})
        try:
            intervals.append(arithmetic.make_interval(pair[0], pair[1]))
        except arithmetic.CalendarError as exc:
            raise InvalidInput({field: [f"{where}: {exc}"]}) from exc
    return tuple(sorted(intervals))


def week_from_hours(hours: Mapping[str, Any] | None) -> dict[int, tuple[arithmetic.Interval, ...]]:
    """{"mon": [["08:00", "12:00"], ...], ...} → {0: ((480, 720), ...), ...}; field errors on
    `hours` for unknown weekdays, malformed times and overlaps."""
    hours = hours or {}
    if not isinstance(hours, Mapping):
        raise InvalidInput({"hours": [_("Weekly hours map weekdays (mon..sun) to intervals.")]})
    unknown = sorted(set(hours) - set(arithmetic.WEEKDAYS))
    if unknown:
        raise InvalidInput(
            {
                "hours": [
                    _("Unknown weekday %s; use mon, tue, wed, thu, fri, sat, sun.") % unknown[0]
                ]
            }
        )
    week = {
        arithmetic.WEEKDAYS.index(key): _intervals(pairs or [], "hours", key)
        for key, pairs in hours.items()
    }
    try:
        arithmetic.validate_week(week)
    except arithmetic.CalendarError as exc:
        raise InvalidInput({"hours": [str(exc)]}) from exc
    return week


def hours_from_week(week: Mapping[int, Iterable[arithmetic.Interval]]) -> dict[str, list]:
    """The stored form: every weekday key, intervals sorted, as HH:MM strings."""
    return {
        arithmetic.WEEKDAYS[day]: [
            arithmetic.interval_strings(iv) for iv in sorted(week.get(day, ()))
        ]
        for day in range(7)
    }


def _open_days(rows: Iterable[Mapping[str, Any]]) -> dict[date, tuple]:
    result: dict[date, tuple] = {}
    for row in rows:
        day = row["on"]
        if day in result:
            raise InvalidInput({"open_days": [_("%s is listed twice.") % day.isoformat()]})
        intervals = _intervals(row.get("hours") or [], "open_days", day.isoformat())
        if not intervals:
            raise InvalidInput({"open_days": [_("%s: an open day needs hours.") % day.isoformat()]})
        try:
            arithmetic.validate_day(intervals, day.isoformat())
        except arithmetic.CalendarError as exc:
            raise InvalidInput({"open_days": [str(exc)]}) from exc
        result[day] = intervals
    return result


def _check_holidays(country: str, subdivision: str) -> None:
    try:
        arithmetic.validate_holidays(country or None, subdivision or None)
    except arithmetic.CalendarError as exc:
        field = (
            "holiday_subdivision"
            if country and country in arithmetic.supported_countries()
            else "holiday_country"
        )
        raise InvalidInput({field: [str(exc)]}) from exc


def _write_days(calendar: WorkCalendar, closed: list[date] | None, opened: dict | None) -> None:
    if closed is not None:
        ClosedDay.objects.filter(calendar=calendar).exclude(on__in=closed).delete()
        existing = set(ClosedDay.objects.filter(calendar=calendar).values_list("on", flat=True))
        ClosedDay.objects.bulk_create(
            [ClosedDay(calendar=calendar, on=day) for day in sorted(set(closed) - existing)]
        )
    if opened is not None:
        OpenDay.objects.filter(calendar=calendar).delete()
        OpenDay.objects.bulk_create(
            [
                OpenDay(
                    calendar=calendar,
                    on=day,
                    hours=[arithmetic.interval_strings(iv) for iv in intervals],
                )
                for day, intervals in sorted(opened.items())
            ]
        )


def _check_days(closed: Iterable[date], opened: Mapping[date, Any]) -> None:
    both = sorted(set(closed) & set(opened))
    if both:
        raise InvalidInput(
            {"open_days": [_("%s is both a closed and an open day.") % both[0].isoformat()]}
        )


def _take_default(calendar: WorkCalendar) -> None:
    """Clear the current default (another calendar) before this one takes it. The change of
    default is published for the new one: clocks of policies without a calendar move to it."""
    previous = (
        WorkCalendar.objects.select_for_update()
        .filter(is_default=True)
        .exclude(pk=calendar.pk)
        .first()
    )
    if previous is not None:
        WorkCalendar.objects.filter(pk=previous.pk).update(is_default=False)


@transaction.atomic
def calendar_create(
    *,
    by,
    name: str,
    timezone: str,
    hours: Mapping[str, Any] | None = None,
    holiday_country: str | None = None,
    holiday_subdivision: str | None = None,
    closed_days: Iterable[date] = (),
    open_days: Iterable[Mapping[str, Any]] = (),
    is_default: bool = False,
) -> WorkCalendar:
    week = week_from_hours(hours)
    country, subdivision = (holiday_country or "").upper(), (holiday_subdivision or "").upper()
    _check_holidays(country, subdivision)
    closed, opened = sorted(set(closed_days)), _open_days(open_days)
    _check_days(closed, opened)
    calendar = WorkCalendar(
        name=name,
        timezone=timezone,
        hours=hours_from_week(week),
        holiday_country=country,
        holiday_subdivision=subdivision,
        is_default=is_default,
    )
    if is_default:
        _take_default(calendar)
    save_validated(calendar)
    _write_days(calendar, closed, opened)
    if is_default:
        # Policies without a calendar counted in the previous default (or round the clock when
        # there was none): they count in this one from now on.
        publish(CalendarChanged(calendar_id=calendar.pk, default_changed=True))
    audit(by, "calendar.created", calendar, {"name": name, "is_default": is_default})
    return calendar


@transaction.atomic
def calendar_update(*, calendar: WorkCalendar, by, **changes) -> WorkCalendar:
    """Change any part of a calendar; `closed_days` and `open_days` replace the lists."""
    only_fields(CALENDAR_FIELDS, changes)
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    audit_changes: dict[str, Any] = {}
    if "hours" in changes:
        hours = hours_from_week(week_from_hours(changes.pop("hours")))
        if hours != calendar.hours:
            audit_changes["hours"] = hours
            calendar.hours = hours
    for field in ("holiday_country", "holiday_subdivision"):
        if field in changes:
            value = (changes.pop(field) or "").upper()
            if value != getattr(calendar, field):
                audit_changes[field] = value
                setattr(calendar, field, value)
    _check_holidays(calendar.holiday_country, calendar.holiday_subdivision)
    for field in ("name", "timezone"):
        if field in changes and changes[field] != getattr(calendar, field):
            audit_changes[field] = changes[field]
            setattr(calendar, field, changes.pop(field))
        changes.pop(field, None)
    closed = changes.pop("closed_days", None)
    opened_rows = changes.pop("open_days", None)
    closed = sorted(set(closed)) if closed is not None else None
    opened = _open_days(opened_rows) if opened_rows is not None else None
    _check_days(
        closed if closed is not None else calendar.closed_days.values_list("on", flat=True),
        opened if opened is not None else set(calendar.open_days.values_list("on", flat=True)),
    )
    if closed is not None and closed != sorted(calendar.closed_days.values_list("on", flat=True)):
        audit_changes["closed_days"] = [day.isoformat() for day in closed]
    if opened is not None:
        stored = {
            row.on: tuple(sorted(arithmetic.make_interval(*p) for p in row.hours))
            for row in calendar.open_days.all()
        }
        if stored != opened:
            audit_changes["open_days"] = [day.isoformat() for day in sorted(opened)]
    if "is_default" in changes:
        is_default = changes.pop("is_default")
        if is_default != calendar.is_default:
            audit_changes["is_default"] = is_default
            if is_default:
                _take_default(calendar)
            calendar.is_default = is_default
    if not audit_changes:
        return calendar
    save_validated(calendar)  # also touches updated_at, which keys the arithmetic cache
    _write_days(calendar, closed, opened)
    if set(audit_changes) & (TIMING_FIELDS | {"is_default"}):
        publish(
            CalendarChanged(calendar_id=calendar.pk, default_changed="is_default" in audit_changes)
        )
    audit(by, "calendar.updated", calendar, {"changes": sorted(audit_changes)})
    return calendar


@transaction.atomic
def calendar_set_active(*, calendar: WorkCalendar, by, is_active: bool) -> WorkCalendar:
    verb = "calendar.activated" if is_active else "calendar.deactivated"
    return record_set_active(calendar, by=by, verb=verb, is_active=is_active)


@transaction.atomic
def calendar_delete(*, calendar: WorkCalendar, by) -> None:
    """Delete a calendar nothing refers to; one in use is refused (deactivate it instead)."""
    if calendar.is_default:
        raise CalendarInUse(calendar_id=calendar.pk, reason="default")
    audit(by, "calendar.deleted", calendar, {"name": calendar.name})
    try:
        with transaction.atomic():
            calendar.delete()
    except ProtectedError as exc:
        raise CalendarInUse(calendar_id=calendar.pk) from exc
