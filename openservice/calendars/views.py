"""Work calendar pages: the list, one calendar (its week drawn as a grid, the public holidays
of a year, the dated exceptions and a due calculator), and the one form that creates and
changes a calendar. Views parse, call the selectors and services, and render."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _

from openservice.calendars import arithmetic, selectors, services
from openservice.calendars.errors import NoOpenTime
from openservice.calendars.forms import CalendarFilterForm, CalendarForm, DueForm, YearForm
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, business_duration, page_of

DEFAULT_DUE_MINUTES = 240


@dataclass(frozen=True)
class Block:
    """One interval drawn on a day of the week grid, positioned as shares of the day."""

    start: int  # minutes from midnight, for ordering
    label: str
    top: str  # CSS percentages, formatted here so the page's locale cannot add a decimal comma
    height: str
    runs_on: bool = False  # a night shift that continues into the next day
    carried: bool = False  # the morning part of the previous day's night shift


def _block(start: int, end: int, label: str, **flags) -> Block:
    day = arithmetic.DAY
    return Block(
        start=start,
        label=label,
        top=f"{100 * start / day:.4f}%",
        height=f"{100 * (end - start) / day:.4f}%",
        **flags,
    )


def week_grid(hours: dict) -> list[dict]:
    """The seven days with their blocks and labels. A night shift is drawn to midnight on its
    own day ("→ next day") and from midnight on the next day (Sunday's on Monday)."""
    days = [
        {"key": key, "name": WEEKDAYS_ABBR[index], "labels": [], "carried": [], "blocks": []}
        for index, key in enumerate(arithmetic.WEEKDAYS)
    ]
    for index, key in enumerate(arithmetic.WEEKDAYS):
        for pair in (hours or {}).get(key) or []:
            start, end = arithmetic.make_interval(*pair)
            label = f"{pair[0]}–{pair[1]}"
            days[index]["labels"].append(
                _("%s → next day") % label if end > arithmetic.DAY else label
            )
            days[index]["blocks"].append(
                _block(start, min(end, arithmetic.DAY), label, runs_on=end > arithmetic.DAY)
            )
            if end > arithmetic.DAY:
                following = days[(index + 1) % 7]
                following["blocks"].append(_block(0, end - arithmetic.DAY, label, carried=True))
                following["carried"].append(
                    _("← %(interval)s from %(day)s")
                    % {"interval": label, "day": days[index]["name"]}
                )
    for day in days:
        day["blocks"].sort(key=lambda block: block.start)
        # The morning part of a night shift comes first; the day's own intervals follow.
        day["labels"] = day.pop("carried") + day["labels"]
    return days


@login_required
@permission_required("calendars.view_workcalendar", raise_exception=True)
def calendar_list(request: HttpRequest):
    filters = CalendarFilterForm(request.GET or None)
    calendars = selectors.calendar_list(user=request.user, **filters.selector_filters())
    page = page_of(request, calendars)
    rows = [
        (calendar, business_duration(selectors.arithmetic_of(calendar).weekly_minutes))
        for calendar in page["page_obj"].object_list
    ]
    context = {"filters": filters, "rows": rows, **page}
    template = "calendars/_calendar_rows.html" if request.htmx else "calendars/list.html"
    return render(request, template, context)


def _due(form: DueForm, calendar) -> datetime | None:
    """The due instant of a valid calculator form, or None with the refusal on the form."""
    if not form.is_valid():
        return None
    try:
        return arithmetic.add_business_minutes(
            form.cleaned_data["start"],
            form.cleaned_data["minutes"],
            selectors.arithmetic_of(calendar),
        )
    except (arithmetic.CalendarError, OverflowError):
        form.add_error(None, NoOpenTime().message)
        return None


def _query_with(request: HttpRequest, **params) -> str:
    """The page's query string with some values replaced (a link keeps the rest of the view)."""
    query = request.GET.copy()
    for key, value in params.items():
        query[key] = value
    return query.urlencode()


@login_required
@permission_required("calendars.view_workcalendar", raise_exception=True)
def calendar_detail(request: HttpRequest, pk: int):
    calendar = selectors.calendar_get(user=request.user, calendar_id=pk)
    zone = ZoneInfo(calendar.timezone)
    now = timezone.now().astimezone(zone)
    year = YearForm(request.GET).year_or(now.year)
    asked = "start" in request.GET or "minutes" in request.GET
    due_form = DueForm(
        request.GET if asked else None,
        zone=calendar.timezone,
        initial={"start": now.replace(second=0, microsecond=0), "minutes": DEFAULT_DUE_MINUTES},
    )
    return render(
        request,
        "calendars/detail.html",
        {
            "calendar": calendar,
            "week": week_grid(calendar.hours),
            "weekly": business_duration(selectors.arithmetic_of(calendar).weekly_minutes),
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "holidays": selectors.holidays_of(calendar, year),
            "due_form": due_form,
            "due": _due(due_form, calendar) if asked else None,
            "hour_marks": [(f"{hour:02d}", f"{100 * hour / 24:.4f}%") for hour in range(0, 25, 3)],
            "previous_year_query": _query_with(request, year=year - 1),
            "next_year_query": _query_with(request, year=year + 1),
            "can_change": request.user.has_perm("calendars.change_workcalendar"),
        },
    )


def _saved(form: CalendarForm, action):
    """Run the service behind a valid form; a refusal goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action(form.calendar_fields())
    except DomainError as error:
        add_domain_error(form, error)
        return None


@login_required
@permission_required("calendars.add_workcalendar", raise_exception=True)
def calendar_create(request: HttpRequest):
    form = CalendarForm(request.POST or None)
    if request.method == "POST":
        calendar = _saved(form, lambda fields: services.calendar_create(by=request.user, **fields))
        if calendar is not None:
            messages.success(request, _("Calendar %s created.") % calendar.name)
            return redirect("calendars:detail", calendar.pk)
    return render(request, "calendars/form.html", {"form": form, "title": _("New calendar")})


@login_required
@permission_required("calendars.change_workcalendar", raise_exception=True)
def calendar_edit(request: HttpRequest, pk: int):
    calendar = selectors.calendar_get(user=request.user, calendar_id=pk)
    form = CalendarForm(request.POST or None, calendar=calendar)
    if request.method == "POST":
        saved = _saved(
            form,
            lambda fields: services.calendar_update(calendar=calendar, by=request.user, **fields),
        )
        if saved is not None:
            messages.success(request, _("Calendar %s saved.") % saved.name)
            return redirect("calendars:detail", calendar.pk)
    return render(
        request,
        "calendars/form.html",
        {"form": form, "calendar": calendar, "title": _("Change %s") % calendar.name},
    )
