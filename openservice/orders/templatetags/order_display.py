"""Template filters for order pages: money with its currency in the page's language."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale

from openservice.core.money import format_money

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
