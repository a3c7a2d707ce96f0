"""The technician's day, phone first: the day's appointments in time order as cards, each with
the one button for its next step (travelling → on site → done), and on the card being worked on
the short forms that record hours, parts and expenses, the order's repairs and the customer's
sign-off. Planners open a technician's day with `?technician=<id>`.

Every action posts. With htmx the answer is the card alone, re-rendered with the outcome in it
(a refusal or a warning in place, a form with its errors); without it the action redirects
back to the day with a message, or shows the page again with the form's errors. Views parse,
call selectors and services, and render."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openservice.catalog.models import Item
from openservice.catalog.selectors import item_list
from openservice.core.errors import DomainError, NotFound, PermissionDenied
from openservice.core.pages import add_domain_error
from openservice.core.roles import has_role
from openservice.core.sections import sections_for
from openservice.core.selectors import text_search
from openservice.dispatch import selectors, services
from openservice.dispatch.day_forms import (
    LINE_FORMS,
    DayFilterForm,
    ExpenseForm,
    HoursForm,
    PartForm,
    StatusForm,
)
from openservice.dispatch.models import Appointment
from openservice.dispatch.services.common import PLAN_PERMISSION
from openservice.dispatch.services.feeds import FEED_PERMISSION, feed_token
from openservice.orders import display
from openservice.orders.forms import SignOffForm
from openservice.orders.models import OrderLine, ServiceOrder, Stage
from openservice.orders.selectors import order_get, sla_state_now
from openservice.orders.services import order_line_add, order_sign_off
from openservice.workforce.models import Technician
from openservice.workforce.selectors import technician_get, technician_list, technician_of_user

Status = Appointment.Status
REFUSED = 422  # a page whose form came back with errors; htmx swaps only 2xx, so it gets 200
SIGN_OFF_CATEGORIES = (Stage.Category.IN_PROGRESS, Stage.Category.COMPLETED)
# The next steps a card offers: the first is its big button.
STEPS = {
    Status.CONFIRMED: [
        (Status.TRAVELLING, gettext_lazy("Travelling")),
        (Status.ON_SITE, gettext_lazy("On site")),
    ],
    Status.TRAVELLING: [(Status.ON_SITE, gettext_lazy("On site"))],
    Status.ON_SITE: [(Status.DONE, gettext_lazy("Done"))],
}
# Which card opens by itself: the visit under way, else the one being driven to, else the next.
FOCUS_ORDER = ((Status.ON_SITE,), (Status.TRAVELLING,), (Status.TENTATIVE, Status.CONFIRMED))
# Universal Maps URL: opens the Google Maps app on Android and on an iPhone that has it, and
# maps in the browser otherwise (https://developers.google.com/maps/documentation/urls).
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&"
FEED_URL_NAME = "api:technician_calendar_feed_ics"
PART_KINDS = (Item.Kind.PART, Item.Kind.PRODUCT)
PART_SEARCH_FIELDS = ["sku", "name", "description"]


def maps_url(site) -> str | None:
    """A link that opens the phone's maps app at the site: its coordinates where it has them
    (exact, whatever the address says), else its address."""
    if site.latitude is not None and site.longitude is not None:
        query = f"{site.latitude},{site.longitude}"
    else:
        town = f"{site.postcode} {site.city}".strip()
        query = ", ".join(part for part in (site.address, town, site.country) if part)
    return MAPS_SEARCH + urlencode({"query": query}) if query else None


def _may_see_others(user) -> bool:
    return user.is_superuser or has_role(user, *selectors.SEE_ALL)


def _technician_for(user, technician_id: int | None) -> Technician | None:
    """Whose day: one's own, or for managers, dispatchers and administrators the one asked
    for. Another technician's day is not found for a technician, as their appointments are."""
    me = technician_of_user(user)
    if technician_id is None or (me is not None and me.pk == technician_id):
        return me
    if not _may_see_others(user):
        raise NotFound(technician_id=technician_id)
    return technician_get(user=user, technician_id=technician_id)


def _day_of(appointment: Appointment) -> date:
    return timezone.localdate(appointment.starts_at)


def day_url(
    day: date | None = None, *, technician_id: int | None = None, open_id: int | None = None
) -> str:
    """The day page: the date (none: today), whose day (none: one's own), the open card."""
    query = {"date": day.isoformat() if day else None, "technician": technician_id, "open": open_id}
    encoded = urlencode({key: value for key, value in query.items() if value is not None})
    return f"{reverse('dispatch:day')}?{encoded}" if encoded else reverse("dispatch:day")


def _url_of(user, appointment: Appointment, *, expanded: bool = False) -> str:
    """The day page showing the appointment's card (opened when `expanded`)."""
    own = appointment.technician.user_id == user.pk
    url = day_url(
        _day_of(appointment),
        technician_id=None if own else appointment.technician_id,
        open_id=appointment.pk if expanded else None,
    )
    return f"{url}#appointment-{appointment.pk}"


def _focus(appointments: list[Appointment]) -> int | None:
    for statuses in FOCUS_ORDER:
        found = next((a for a in appointments if a.status in statuses), None)
        if found is not None:
            return found.pk
    return None


def _with_card_relations(rows):
    return rows.select_related("order__customer").prefetch_related("order__tasks")


def _appointment(user, pk: int) -> Appointment:
    """One appointment the user may see, with what its card shows (NotFound otherwise)."""
    found = _with_card_relations(selectors.appointment_list(user=user)).filter(pk=pk).first()
    if found is None:
        raise NotFound(appointment_id=pk)
    return found


@dataclass
class Card:
    """One appointment's card: what it shows, and when it is open, what it records."""

    appointment: Appointment
    order: ServiceOrder
    expanded: bool
    maps_url: str | None
    steps: list
    open_url: str
    sla_state: str
    sla_due_at: datetime | None
    site_zone: str | None  # the site's time zone where it is not the page's
    notice: str = ""
    warnings: list = field(default_factory=list)
    refusal: str = ""
    # Filled in when expanded:
    lines: list = field(default_factory=list)
    totals: object = None
    forms: dict = field(default_factory=dict)
    open_form: str = ""  # the recording form that came back with errors
    sign_off_form: SignOffForm | None = None
    may_add_lines: bool = False
    sections: list = field(default_factory=list)

    @property
    def signed_off(self) -> bool:
        return self.order.signed_off_at is not None


def _line_form(request, appointment: Appointment, kind: str, data=None):
    """One recording form with the choices a posted value is checked against."""
    items = item_list(user=request.user, is_active=True)
    if kind == OrderLine.Kind.HOUR:
        rates = items.filter(kind=Item.Kind.SERVICE, unit="h")
        return HoursForm(data, appointment=appointment, rates=rates)
    if kind == OrderLine.Kind.ITEM:
        return PartForm(data, appointment=appointment, parts=items.filter(kind__in=PART_KINDS))
    return ExpenseForm(data, appointment=appointment)


def _card(
    request,
    appointment: Appointment,
    *,
    expanded: bool,
    bound=None,
    sign_off_form=None,
    **outcome,
) -> Card:
    user = request.user
    order = appointment.order
    site = order.site
    state = sla_state_now(order, timezone.now())
    card = Card(
        appointment=appointment,
        order=order,
        expanded=expanded,
        maps_url=maps_url(site),
        steps=STEPS.get(appointment.status, []),
        open_url=_url_of(user, appointment, expanded=True),
        sla_state=state,
        sla_due_at=order.sla_due_at if state in ("on_track", "at_risk", "breached") else None,
        site_zone=site.timezone if site.timezone != timezone.get_current_timezone_name() else None,
        **outcome,
    )
    if not expanded:
        return card
    # The lines as the order page reads them (the order selector checks it is the user's).
    record = order_get(user=user, order_id=order.pk)
    card.lines = [line for line in record.lines.all() if line.status != OrderLine.Status.CANCELLED]
    card.totals = display.totals(record)
    # A form that came back refused is shown even where the stage no longer allows lines.
    card.may_add_lines = bound is not None or (
        user.has_perm("orders.add_orderline") and order.stage.allows_edit
    )
    if card.may_add_lines:
        card.forms = {kind: _line_form(request, appointment, kind) for kind in LINE_FORMS}
        if bound is not None:
            card.forms[bound.kind] = bound
            card.open_form = bound.kind
    may_sign_off = (
        user.has_perm("orders.sign_off_serviceorder")
        and order.stage.category in SIGN_OFF_CATEGORIES
        and order.posted_at is None
        and order.signed_off_at is None
    )
    if may_sign_off:
        card.sign_off_form = sign_off_form or SignOffForm(auto_id=_sign_off_id(appointment))
    card.sections = sections_for("order", user)
    return card


def _sign_off_id(appointment: Appointment) -> str:
    return f"day-{appointment.pk}-signoff-%s"


def _render_card(request, card: Card, *, status: int = 200):
    return render(request, "dispatch/_day_card.html", {"card": card}, status=status)


# -- The day ----------------------------------------------------------------------------------


def _page(
    request,
    *,
    day: date,
    technician_id: int | None,
    open_id: int | None,
    bound=None,
    sign_off_form=None,
    status: int = 200,
):
    user = request.user
    technician = _technician_for(user, technician_id)
    may_see_others = _may_see_others(user)
    own = technician is not None and technician.user_id == user.pk
    keep = None if own or technician is None else technician.pk
    context = {
        "day": day,
        "today": timezone.localdate(),
        "technician": technician,
        "own": own,
        "may_see_others": may_see_others,
        "previous_url": day_url(day - timedelta(days=1), technician_id=keep),
        "next_url": day_url(day + timedelta(days=1), technician_id=keep),
        "today_url": day_url(technician_id=keep),
        "cards": [],
    }
    if may_see_others:
        context["technicians"] = technician_list(user=user, is_active=True).prefetch_related(None)
    if technician is not None:
        appointments = list(
            _with_card_relations(
                selectors.appointment_list(
                    user=user, technician_id=technician.pk, date_from=day, date_to=day
                ).exclude(status=Status.CANCELLED)
            )
        )
        ids = {appointment.pk for appointment in appointments}
        focus = open_id if open_id in ids else _focus(appointments)
        context["cards"] = [
            _card(
                request,
                appointment,
                expanded=appointment.pk == focus,
                bound=bound if appointment.pk == focus else None,
                sign_off_form=sign_off_form if appointment.pk == focus else None,
            )
            for appointment in appointments
        ]
        if user.has_perm(FEED_PERMISSION) and (own or user.has_perm(PLAN_PERMISSION)):
            context["feed_url"] = (
                f"{reverse('dispatch:day_feed')}?{urlencode({'technician': technician.pk})}"
            )
    return render(request, "dispatch/day.html", context, status=status)


@login_required
@permission_required("dispatch.view_appointment", raise_exception=True)
def day(request: HttpRequest):
    """`?date=YYYY-MM-DD` (today by default); planners add `?technician=<id>`."""
    filters = DayFilterForm(request.GET)
    return _page(
        request,
        day=filters.value("date") or timezone.localdate(),
        technician_id=filters.value("technician"),
        open_id=filters.value("open"),
    )


def _again(request, appointment: Appointment, **forms):
    """The page (or with htmx the card) again, open, with a form that came back with errors."""
    if request.htmx:
        return _render_card(request, _card(request, appointment, expanded=True, **forms))
    own = appointment.technician.user_id == request.user.pk
    return _page(
        request,
        day=_day_of(appointment),
        technician_id=None if own else appointment.technician_id,
        open_id=appointment.pk,
        status=REFUSED,
        **forms,
    )


@require_POST
@login_required
@permission_required("dispatch.change_appointment", raise_exception=True)
def change_status(request: HttpRequest, pk: int):
    """The card's status button: the service checks the step and moves the order's stage."""
    appointment = _appointment(request.user, pk)
    expanded = request.POST.get("expanded") == "1"
    form = StatusForm(request.POST)
    outcome: dict = {}
    if not form.is_valid():
        outcome["refusal"] = _("Choose the appointment's next step.")
    else:
        to = form.cleaned_data["to"]
        try:
            appointment, warnings = services.appointment_set_status(
                appointment=appointment, to=to, by=request.user
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            outcome["refusal"] = error.message
        else:
            appointment = _appointment(request.user, pk)
            outcome["notice"] = _("%(number)s: %(status)s.") % {
                "number": appointment.order.number,
                "status": capfirst(appointment.get_status_display()),
            }
            outcome["warnings"] = warnings
    if request.htmx:
        return _render_card(request, _card(request, appointment, expanded=expanded, **outcome))
    if outcome.get("refusal"):
        messages.error(request, outcome["refusal"])
    else:
        messages.success(request, outcome["notice"])
        for warning in outcome["warnings"]:
            messages.warning(request, warning["message"])
    return redirect(_url_of(request.user, appointment, expanded=expanded))


@require_POST
@login_required
@permission_required("orders.add_orderline", raise_exception=True)
def add_line(request: HttpRequest, pk: int, kind: str):
    """Hours, a part or an expense on the appointment's order (`order_line_add`)."""
    appointment = _appointment(request.user, pk)
    if kind not in LINE_FORMS:
        raise NotFound(kind=kind)
    order = order_get(user=request.user, order_id=appointment.order_id)
    form = _line_form(request, appointment, kind, request.POST)
    if form.is_valid():
        fields = form.line_fields()
        if kind == OrderLine.Kind.HOUR:
            fields["technician"] = appointment.technician
        try:
            line = order_line_add(
                order=order, by=request.user, executed_on=_day_of(appointment), **fields
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            notice = _("Recorded: %(line)s.") % {
                "line": line.description or line.get_kind_display()
            }
            if request.htmx:
                card = _card(request, _appointment(request.user, pk), expanded=True, notice=notice)
                return _render_card(request, card)
            messages.success(request, notice)
            return redirect(_url_of(request.user, appointment, expanded=True))
    return _again(request, appointment, bound=form)


@login_required
@permission_required("orders.add_orderline", raise_exception=True)
def part_picker(request: HttpRequest, pk: int):
    """The part list of a card's part form narrowed to what was typed: every word must appear
    in the SKU, name or description ("door roll" finds the door roller set, not the lift
    controller); with one match it is chosen."""
    appointment = _appointment(request.user, pk)
    query = request.GET.get("q", "").strip()[:100]
    parts = item_list(user=request.user, is_active=True).filter(kind__in=PART_KINDS)
    for word in query.split():
        parts = text_search(parts, word, PART_SEARCH_FIELDS)
    form = PartForm(appointment=appointment, parts=parts)
    matches = list(parts[:2])
    if query and len(matches) == 1:
        form.fields["item"].initial = matches[0].pk
        form.fields["item"].empty_label = None
    return render(
        request,
        "dispatch/_day_part_select.html",
        {"field": form["item"], "empty": not matches, "query": query},
    )


@require_POST
@login_required
@permission_required("orders.sign_off_serviceorder", raise_exception=True)
def sign_off(request: HttpRequest, pk: int):
    """The customer's acceptance of the work (`order_sign_off`), recorded on the card."""
    appointment = _appointment(request.user, pk)
    order = order_get(user=request.user, order_id=appointment.order_id)
    form = SignOffForm(request.POST, auto_id=_sign_off_id(appointment))
    if form.is_valid():
        name = form.cleaned_data["signer_name"]
        try:
            order_sign_off(order=order, by=request.user, signer_name=name)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            add_domain_error(form, error)
        else:
            notice = _("Signed off by %(name)s.") % {"name": name}
            if request.htmx:
                card = _card(request, _appointment(request.user, pk), expanded=True, notice=notice)
                return _render_card(request, card)
            messages.success(request, notice)
            return redirect(_url_of(request.user, appointment, expanded=True))
    return _again(request, appointment, sign_off_form=form)


@login_required
@permission_required(FEED_PERMISSION, raise_exception=True)
def calendar_feed(request: HttpRequest):
    """The address of the technician's iCalendar feed (made on first use), to subscribe to
    from the phone's calendar."""
    filters = DayFilterForm(request.GET)
    technician = _technician_for(request.user, filters.value("technician"))
    if technician is None:
        raise NotFound()
    feed = feed_token(technician, by=request.user)
    path = reverse(FEED_URL_NAME, kwargs={"id": technician.pk})
    url = f"{request.build_absolute_uri(path)}?{urlencode({'token': feed.token})}"
    own = technician.user_id == request.user.pk
    return render(
        request,
        "dispatch/day_feed.html",
        {
            "technician": technician,
            "own": own,
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1],
            "back_url": day_url(technician_id=None if own else technician.pk),
        },
    )
