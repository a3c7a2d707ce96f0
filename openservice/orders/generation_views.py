"""Order pages about generation from agreements: the "Generate orders" page (preview, then run)
for managers and dispatchers, and the two parts of the agreement page that need orders (its
generated orders and the 12-month forecast calendar), which the agreement page loads with htmx
from /agreements/<pk>/orders/ and /agreements/<pk>/forecast/ (agreements never import orders).

Views parse, call the selectors and services, and render. A run is rendered in place rather
than redirected: generation is idempotent, so sending the form again makes nothing twice."""

import calendar as calendar_module
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openservice.agreements import selectors as agreement_selectors
from openservice.agreements.models import ServiceAgreement
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.orders import selectors
from openservice.orders.forms import GenerateForm
from openservice.orders.services.generation import (
    orders_forecast,
    orders_generate_from_agreements,
)

FORECAST_MONTHS = 12
AGREEMENT_ORDERS_PER_PAGE = 10
PREVIEW_AGREEMENTS = 50  # agreements forecast on the preview; the run covers every one
# A draft is forecast as if it were active, a suspended one as if it were resumed; cancelled
# and expired agreements never generate again.
FORECAST_STATUSES = (
    ServiceAgreement.Status.DRAFT,
    ServiceAgreement.Status.ACTIVE,
    ServiceAgreement.Status.SUSPENDED,
)
VIEW_AGREEMENT_ORDERS = ("agreements.view_serviceagreement", "orders.view_serviceorder")


# -- The agreement's generated orders ------------------------------------------------------------


@login_required
@permission_required(VIEW_AGREEMENT_ORDERS, raise_exception=True)
def agreement_orders(request: HttpRequest, pk: int):
    """The agreement's orders, the latest service date first (an htmx partial)."""
    agreement = agreement_selectors.agreement_get(user=request.user, agreement_id=pk)
    orders = selectors.order_list(
        user=request.user, agreement_id=agreement.pk, order_by="-service_on"
    ).prefetch_related(None)
    context = {
        "agreement": agreement,
        **page_of(request, orders, per_page=AGREEMENT_ORDERS_PER_PAGE),
    }
    return render(request, "orders/_agreement_orders.html", context)


# -- The 12-month forecast calendar --------------------------------------------------------------


@dataclass
class ForecastDay:
    on: date
    visits: int = 0  # planned visits (new orders or occurrences joining an order)
    occurrences: int = 0
    conflicts: int = 0  # planned visits on a closed day
    orders: int = 0  # orders already generated for the day

    @property
    def state(self) -> str:
        """What the day shows, the most pressing first: a conflict, a visit, an order."""
        if self.conflicts:
            return "conflict"
        if self.visits:
            return "visit"
        if self.orders:
            return "generated"
        return ""

    @property
    def label(self) -> str:
        parts = []
        if self.visits:
            visits = ngettext(
                "%(count)s planned visit", "%(count)s planned visits", self.visits
            ) % {"count": self.visits}
            lines = ngettext("%(count)s line", "%(count)s lines", self.occurrences) % {
                "count": self.occurrences
            }
            parts.append(f"{visits} ({lines})")
        if self.conflicts:
            parts.append(_("on a closed day"))
        if self.orders:
            parts.append(
                ngettext("%(count)s order generated", "%(count)s orders generated", self.orders)
                % {"count": self.orders}
            )
        return "; ".join(parts)


@dataclass
class ForecastMonth:
    first: date
    weeks: list[list[ForecastDay | None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return date_format(self.first, "F Y")

    def _days(self) -> list[ForecastDay]:
        return [day for week in self.weeks for day in week if day is not None]

    @property
    def visits(self) -> int:
        return sum(day.visits for day in self._days())

    @property
    def conflicts(self) -> int:
        return sum(day.conflicts for day in self._days())

    @property
    def orders(self) -> int:
        return sum(day.orders for day in self._days())


def forecast_months(first: date, months: int, visits, generated: Counter) -> list[ForecastMonth]:
    """Month grids (weeks from Monday; days of other months left empty) from `first`, with the
    planned visits and the orders already generated counted on their days."""
    days: dict[date, ForecastDay] = {}
    result = []
    for offset in range(months):
        start = first + relativedelta(months=offset)
        month = ForecastMonth(first=start)
        for week in calendar_module.Calendar().monthdatescalendar(start.year, start.month):
            row: list[ForecastDay | None] = []
            for day in week:
                if day.month != start.month:
                    row.append(None)
                    continue
                days[day] = ForecastDay(on=day, orders=generated.get(day, 0))
                row.append(days[day])
            month.weeks.append(row)
        result.append(month)
    for visit in visits:
        day = days.get(visit.service_on)
        if day is None:
            continue
        day.visits += 1
        day.occurrences += len(visit.occurrences)
        day.conflicts += int(visit.calendar_conflict)
    return result


@login_required
@permission_required(VIEW_AGREEMENT_ORDERS, raise_exception=True)
def agreement_forecast(request: HttpRequest, pk: int):
    """Twelve month grids from the first of this month: the visits a generation would make, the
    closed days among them, and the orders generated already (an htmx partial). Templates and
    agreements that will never generate again get a note instead."""
    agreement = agreement_selectors.agreement_get(user=request.user, agreement_id=pk)
    context = {"agreement": agreement, "months": None}
    if not agreement.is_template and agreement.status in FORECAST_STATUSES:
        first = timezone.localdate().replace(day=1)
        last = first + relativedelta(months=FORECAST_MONTHS) - timedelta(days=1)
        visits = orders_forecast(agreement=agreement, date_from=first, date_to=last)
        generated = Counter(
            selectors.order_list(
                user=request.user,
                agreement_id=agreement.pk,
                service_on_from=first,
                service_on_to=last,
            )
            .prefetch_related(None)
            .values_list("service_on", flat=True)
        )
        months = forecast_months(first, FORECAST_MONTHS, visits, generated)
        context.update(
            {
                "months": months,
                "weekdays": [WEEKDAYS_ABBR[index] for index in range(7)],
                "first": first,
                "last": last,
                "visits": sum(month.visits for month in months),
                "conflicts": sum(month.conflicts for month in months),
            }
        )
    return render(request, "orders/_agreement_forecast.html", context)


# -- Generate orders -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    agreement: ServiceAgreement
    new_orders: int
    joins: int  # visits whose occurrences join an order generated earlier
    lines: int
    conflicts: int
    first: date | None
    last: date | None


def _preview_row(agreement, visits) -> PreviewRow | None:
    """One agreement's planned visits."""
    if not visits:
        return None
    return PreviewRow(
        agreement=agreement,
        new_orders=sum(1 for visit in visits if visit.order_id is None),
        joins=sum(1 for visit in visits if visit.order_id is not None),
        lines=sum(len(visit.occurrences) for visit in visits),
        conflicts=sum(1 for visit in visits if visit.calendar_conflict),
        first=min(visit.service_on for visit in visits),
        last=max(visit.service_on for visit in visits),
    )


def _preview(request, form: GenerateForm) -> dict | None:
    """What a run would make, per agreement (the first PREVIEW_AGREEMENTS of them), written
    nowhere. None, with the refusal on the form, when the period is refused."""
    arguments = form.run_arguments()
    date_from, date_to = arguments["date_from"], arguments["date_to"]
    if date_from is None:
        form.add_error("from", _("The preview needs a start date."))
        return None
    chosen = arguments["agreements"]
    ids = list(
        agreement_selectors.generating_agreements(
            agreement_ids=[agreement.pk for agreement in chosen] if chosen else None,
            on_or_before=date_to,
            on_or_after=date_from,
        ).values_list("pk", flat=True)
    )
    agreements = (
        agreement_selectors.agreement_list(user=request.user)
        .prefetch_related(None)
        .filter(pk__in=ids[:PREVIEW_AGREEMENTS])
        .order_by("number")
    )
    rows = []
    try:
        for agreement in agreements:
            visits = orders_forecast(
                agreement=agreement,
                date_from=date_from,
                date_to=date_to,
                kinds=arguments["kinds"],
            )
            row = _preview_row(agreement, visits)
            if row is not None:
                rows.append(row)
    except DomainError as error:
        add_domain_error(form, error)
        return None
    return {
        "rows": rows,
        "agreements": len(ids),
        "capped": len(ids) > PREVIEW_AGREEMENTS,
        "limit": PREVIEW_AGREEMENTS,
        "new_orders": sum(row.new_orders for row in rows),
        "joins": sum(row.joins for row in rows),
        "lines": sum(row.lines for row in rows),
        "conflicts": sum(row.conflicts for row in rows),
        "continuous": arguments["continuous"],
    }


def _run(request, form: GenerateForm) -> dict | None:
    """Generate, and the result with the conflicting orders to look at."""
    try:
        result = orders_generate_from_agreements(**form.run_arguments(), by=request.user)
    except DomainError as error:
        add_domain_error(form, error)
        return None
    conflict_ids = [conflict["order_id"] for conflict in result.conflicts]
    conflicts = (
        selectors.order_list(user=request.user)
        .prefetch_related(None)
        .select_related("agreement")
        .filter(pk__in=conflict_ids)
        .order_by("service_on", "number")
        if conflict_ids
        else []
    )
    return {"result": result, "conflicts": conflicts}


@login_required
@permission_required("orders.generate_serviceorder", raise_exception=True)
def generate(request: HttpRequest):
    """The period, agreements, line kinds and mode; "Preview" shows what a run would make and
    writes nothing, "Generate" runs it and shows what it made."""
    agreements = (
        agreement_selectors.agreement_list(
            user=request.user, status=ServiceAgreement.Status.ACTIVE, is_template=False
        )
        .prefetch_related(None)
        .order_by("number")
    )
    today = timezone.localdate()
    next_month = today.replace(day=1) + relativedelta(months=1)
    form = GenerateForm(
        request.POST if request.method == "POST" else None,
        agreements=agreements,
        initial={"from": next_month, "to": next_month + relativedelta(months=1, days=-1)},
    )
    context = {"form": form, "preview": None, "run": None}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "generate":
            context["run"] = _run(request, form)
        else:
            context["preview"] = _preview(request, form)
    return render(request, "orders/generate.html", context)
