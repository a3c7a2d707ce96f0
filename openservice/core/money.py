"""Money in Decimal, rounded once, half up, to the currency's minor unit.

Pure: no Django imports. Currency precision comes from CLDR via babel (EUR 2, JPY 0, KWD 3).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, is_currency

ZERO = Decimal("0")
# The largest amount an `*_amount` column holds (max_digits 14, decimal_places 2).
MAX_AMOUNT = Decimal("999999999999.99")


class MoneyError(ValueError):
    """A value that is not a finite decimal amount, or an unknown currency."""


@lru_cache(maxsize=256)
def currency_exponent(currency: str) -> Decimal:
    """The quantum for a currency: Decimal('0.01') for EUR."""
    if (
        len(currency) != 3
        or not currency.isalpha()
        or not currency.isupper()
        or not is_currency(currency)
    ):
        raise MoneyError(f"not an ISO 4217 currency code: {currency!r}")
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A finite Decimal from a Decimal, int or string; floats are refused (they are inexact)."""
    if isinstance(value, float):
        raise MoneyError("floats are not money: pass a Decimal or a string")
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"not a decimal amount: {value!r}") from exc
    if not result.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return result


def round_money(amount: Decimal | int | str, currency: str) -> Decimal:
    """The one rounding helper: half up (away from zero on .5) to the currency's minor unit."""
    return to_decimal(amount).quantize(currency_exponent(currency), rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """A line's total: the exact product, rounded once."""
    return round_money(to_decimal(quantity) * to_decimal(unit_price), currency)


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """Display form, e.g. '€1,234.50' in English or '1 234,50 €' in Finnish."""
    return format_currency(to_decimal(amount), currency, locale=locale)
