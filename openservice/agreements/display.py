"""Shaping agreements and their lines for the pages: a line's recurrence in words, which status
actions an agreement offers, and money in the page's language. Plain values from what the
selectors loaded; no queries."""

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext as _

from openservice.agreements import recurrence
from openservice.agreements.models import AgreementLine, ServiceAgreement
from openservice.agreements.services import TRANSITIONS
from openservice.core.money import format_money

Status = ServiceAgreement.Status
# The status buttons in the order they appear, and whether each is a warning (red) button.
STATUS_ACTIONS = (
    ("activate", False),
    ("resume", False),
    ("suspend", True),
    ("cancel", True),
)
RENEWABLE = (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)


def _every(unit: str, every: int) -> str:
    if every == 1:
        return {
            recurrence.DAY: _("every day"),
            recurrence.WEEK: _("every week"),
            recurrence.MONTH: _("every month"),
            recurrence.YEAR: _("every year"),
        }[unit]
    if unit == recurrence.DAY:
        text = ngettext("every %(count)s day", "every %(count)s days", every)
    elif unit == recurrence.WEEK:
        text = ngettext("every %(count)s week", "every %(count)s weeks", every)
    elif unit == recurrence.MONTH:
        text = ngettext("every %(count)s month", "every %(count)s months", every)
    else:
        text = ngettext("every %(count)s year", "every %(count)s years", every)
    return text % {"count": every}


def _window(kind: str, before: int, after: int) -> str:
    """The window in words; empty for an exact date (a window of no days is exact too)."""
    if kind == recurrence.SAME_WEEK:
        return _("same-week window")
    if kind == recurrence.SAME_MONTH:
        return _("same-month window")
    if kind == recurrence.DAYS and before and after:
        return ngettext(
            "window %(before)s day before and %(after)s after",
            "window %(before)s days before and %(after)s after",
            before,
        ) % {"before": before, "after": after}
    if kind == recurrence.DAYS and before:
        return ngettext("window %(count)s day before", "window %(count)s days before", before) % {
            "count": before
        }
    if kind == recurrence.DAYS and after:
        return ngettext("window %(count)s day after", "window %(count)s days after", after) % {
            "count": after
        }
    return ""


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _times(earliest: time | None, latest: time | None) -> str:
    if earliest and latest:
        return _("%(start)s–%(end)s") % {"start": _clock(earliest), "end": _clock(latest)}
    if earliest:
        return _("from %(start)s") % {"start": _clock(earliest)}
    if latest:
        return _("until %(end)s") % {"end": _clock(latest)}
    return ""


def describe_recurrence(line) -> str:
    """The line's interval, time window and time of day in words: "every 2 weeks, same-week
    window, 08:00–16:00", "every year, exact date, from 08:00", "once". A one-off line says
    nothing of an exact window: a single date is exact anyway."""
    once = line.interval_unit == recurrence.ONCE
    parts = [_("once") if once else _every(line.interval_unit, line.interval_every)]
    window = _window(line.window, line.window_days_before or 0, line.window_days_after or 0)
    if window or not once:
        parts.append(window or _("exact date"))
    times = _times(line.earliest_time, line.latest_time)
    if times:
        parts.append(times)
    return ", ".join(parts)


def status_actions(agreement: ServiceAgreement) -> list[tuple[str, bool]]:
    """The status actions the agreement's status allows, as (action, is a warning); a template
    is never activated or resumed."""
    actions = []
    for action, warning in STATUS_ACTIONS:
        sources = TRANSITIONS[action][0]
        if agreement.status not in sources:
            continue
        if agreement.is_template and action in ("activate", "resume"):
            continue
        actions.append((action, warning))
    return actions


def may_renew(agreement: ServiceAgreement) -> bool:
    return not agreement.is_template and agreement.status in RENEWABLE


def is_changeable(agreement: ServiceAgreement) -> bool:
    """Cancelled and expired agreements are read only (the services refuse every change)."""
    return agreement.status not in (Status.CANCELLED, Status.EXPIRED)


def money(amount: Decimal | None, currency: str) -> str:
    """'€1,234.50' in English, '1 234,50 €' in Finnish; no amount is a dash."""
    if amount is None:
        return "—"
    return format_money(amount, currency, locale=to_locale(get_language() or "en"))


def quantity(value: Decimal) -> str:
    """A quantity without trailing zeros: 2, 1.5, 0.125 (never 1E+1)."""
    exact = Decimal(value).normalize()
    places = max(0, -exact.as_tuple().exponent)
    return number_format(exact, decimal_pos=places)


@dataclass(frozen=True)
class LineRow:
    line: AgreementLine
    recurrence: str
    quantity: str
    price: str  # empty when the item's price applies


def line_rows(lines, currency: str) -> list[LineRow]:
    """The lines table of the agreement page."""
    return [
        LineRow(
            line=line,
            recurrence=describe_recurrence(line),
            quantity=quantity(line.quantity),
            price="" if line.unit_price is None else money(line.unit_price, currency),
        )
        for line in lines
    ]
