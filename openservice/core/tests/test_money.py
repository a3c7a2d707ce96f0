from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openservice.core.money import (
    MoneyError,
    currency_exponent,
    format_money,
    line_total,
    round_money,
    to_decimal,
)

CURRENCIES = ["EUR", "USD", "SEK", "JPY", "KWD", "CLF"]

# Amounts as the model stores them (max_digits 14) with extra places to round away.
amounts = st.decimals(
    min_value=Decimal("-999999999999"),
    max_value=Decimal("999999999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)
quantities = st.decimals(
    min_value=Decimal("-99999999999.999"),
    max_value=Decimal("99999999999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
unit_prices = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
currencies = st.sampled_from(CURRENCIES)


def test_round_money_rounds_half_up_away_from_zero():
    assert round_money("2.675", "EUR") == Decimal("2.68")
    assert round_money("-2.675", "EUR") == Decimal("-2.68")
    assert round_money("2.665", "EUR") == Decimal("2.67")
    assert round_money("2.6749", "EUR") == Decimal("2.67")


def test_round_money_returns_the_currency_exponent():
    assert str(round_money("2", "EUR")) == "2.00"
    assert str(round_money(Decimal("10.1"), "EUR")) == "10.10"
    assert str(round_money(7, "EUR")) == "7.00"


def test_round_money_uses_zero_decimals_for_yen():
    assert str(round_money("1234.5", "JPY")) == "1235"
    assert str(round_money("1234.49", "JPY")) == "1234"
    assert str(round_money("-0.5", "JPY")) == "-1"


def test_round_money_uses_three_decimals_for_kuwaiti_dinar():
    assert str(round_money("1.2345", "KWD")) == "1.235"
    assert str(round_money("1.2344", "KWD")) == "1.234"
    assert str(round_money("1", "KWD")) == "1.000"


def test_currency_exponent_per_currency():
    assert currency_exponent("EUR") == Decimal("0.01")
    assert currency_exponent("JPY") == Decimal("1")
    assert currency_exponent("KWD") == Decimal("0.001")


def test_line_total_rounds_the_exact_product_once():
    assert line_total(Decimal("3"), Decimal("19.99"), "EUR") == Decimal("59.97")
    # 1.5 × 0.45 = 0.675 exactly: half up gives 0.68 (a float product would give 0.67).
    assert line_total(Decimal("1.5"), Decimal("0.45"), "EUR") == Decimal("0.68")
    assert line_total(Decimal("0.333"), Decimal("100.00"), "EUR") == Decimal("33.30")
    assert line_total(Decimal("2.5"), Decimal("101"), "JPY") == Decimal("253")
    assert line_total(Decimal("-1"), Decimal("2.675"), "EUR") == Decimal("-2.68")


@pytest.mark.parametrize("value", [2.675, 0.1, 1e3])
def test_floats_are_refused(value):
    with pytest.raises(MoneyError, match="floats are not money"):
        round_money(value, "EUR")
    with pytest.raises(MoneyError):
        line_total(value, Decimal("1"), "EUR")
    with pytest.raises(MoneyError):
        line_total(Decimal("1"), value, "EUR")
    with pytest.raises(MoneyError):
        format_money(value, "EUR")


@pytest.mark.parametrize(
    "value", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", Decimal("NaN"), Decimal("Inf")]
)
def test_nan_and_infinity_are_refused(value):
    with pytest.raises(MoneyError, match="not a finite amount"):
        round_money(value, "EUR")


@pytest.mark.parametrize("value", ["", "abc", "1,50", "1.2.3", None, b"1"])
def test_non_numbers_are_refused(value):
    with pytest.raises(MoneyError, match="not a decimal amount"):
        to_decimal(value)


@pytest.mark.parametrize("currency", ["eur", "EURO", "EU", "", "E1R", "ZZZ", "QQQ"])
def test_bad_currency_codes_are_refused(currency):
    with pytest.raises(MoneyError, match="not an ISO 4217 currency code"):
        round_money("1.00", currency)
    with pytest.raises(MoneyError):
        line_total(Decimal("1"), Decimal("1"), currency)


def test_to_decimal_accepts_decimal_int_and_string():
    assert to_decimal(Decimal("1.10")) == Decimal("1.10")
    assert to_decimal(3) == Decimal("3")
    assert to_decimal(" 12.50 ") == Decimal("12.50")


def test_format_money_in_english_and_finnish():
    assert format_money(Decimal("1234.5"), "EUR", "en") == "€1,234.50"
    assert format_money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert format_money(Decimal("1234.5"), "EUR", "fi") == "1\xa0234,50\xa0€"
    assert format_money(Decimal("-1234.5"), "EUR", "fi") == "-1\xa0234,50\xa0€"
    assert format_money(Decimal("1235"), "JPY", "en") == "¥1,235"


@given(amount=amounts, currency=currencies)
def test_rounding_is_idempotent(amount, currency):
    once = round_money(amount, currency)
    assert round_money(once, currency) == once
    assert str(round_money(once, currency)) == str(once)


@given(amount=amounts, currency=currencies)
def test_rounded_amount_has_the_currency_exponent(amount, currency):
    rounded = round_money(amount, currency)
    assert rounded.as_tuple().exponent == currency_exponent(currency).as_tuple().exponent


@given(amount=amounts, currency=currencies)
def test_rounding_moves_at_most_half_a_minor_unit(amount, currency):
    assert abs(round_money(amount, currency) - amount) <= currency_exponent(currency) / 2


@given(amount=amounts, currency=currencies)
def test_rounding_is_symmetric_around_zero(amount, currency):
    assert round_money(-amount, currency) == -round_money(amount, currency)


@given(quantity=quantities, unit_price=unit_prices, currency=currencies)
def test_line_total_equals_the_rounded_exact_product(quantity, unit_price, currency):
    with localcontext() as context:
        context.prec = 60
        exact = quantity * unit_price
    assert line_total(quantity, unit_price, currency) == round_money(exact, currency)
