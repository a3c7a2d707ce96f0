"""Template filters for order pages: money with its currency in the page's language."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from openservice.core.money import format_money
from openservice.core.pages import business_duration as format_business_minutes

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """'€1,234.50' in English, '1 234,50 €' in Finnish; an empty amount shows as a dash."""
    if amount is None or amount == "":
        return "—"
    return format_money(Decimal(amount), currency, locale=to_locale(get_language() or "en"))


@register.filter
def quantity(value: Decimal | None) -> str:
    """A quantity without trailing zeros: 2, 1.5, 0.125 (never 1E+1)."""
    if value is None or value == "":
        return "—"
    exact = Decimal(value).normalize()
    places = max(0, -exact.as_tuple().exponent)
    return number_format(exact, decimal_pos=places)


SLA_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "breached": _("Breached"),
    "met": _("Met"),
    "paused": _("Paused"),
    "cancelled": _("Cancelled"),
}
SLA_ICONS = {
    "on_track": "●",
    "at_risk": "▲",
    "breached": "✕",
    "met": "✓",
    "paused": "❚❚",
    "cancelled": "–",
}


@register.inclusion_tag("orders/_sla.html")
def sla_badge(state: str | None):
    """A coloured SLA state chip that also reads without colour (an icon and the word)."""
    return {
        "state": state,
        "label": SLA_LABELS.get(state or "", ""),
        "icon": SLA_ICONS.get(state or "", ""),
    }


@register.filter
def business_duration(minutes: int | None) -> str:
    """Business minutes as "2 h 30 min", "45 min" or "3 h"."""
    return format_business_minutes(minutes)
