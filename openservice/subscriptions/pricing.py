"""Price changes of a subscription: indexation and base price changes, and the price in effect
on a day. Pure: no Django.

The fee of a full period is base price × index / 100. The index compounds (110 raised by 10 %
is 121) and keeps four decimals; a base price keeps the currency's minor unit. Changes take
effect on a day and apply in the order of their days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from openservice.core.money import round_money

HUNDRED = Decimal(100)
INDEX_QUANTUM = Decimal("0.0001")
METHODS = ("index_percent", "index_to", "base_percent", "base_to")


@dataclass(frozen=True)
class Price:
    base_price: Decimal
    index: Decimal

    def full_amount(self) -> Decimal:
        """A full period's fee, exact (rounded once, by the caller, after any proration)."""
        return self.base_price * self.index / HUNDRED


@dataclass(frozen=True)
class Change:
    effective_on: date
    before: Price
    after: Price


def changed(price: Price, method: str, value: Decimal, currency: str) -> Price:
    """The price after a change; a result at or below zero (index) or below zero (base price)
    is a ValueError."""
    if method == "index_percent":
        index = (price.index * (HUNDRED + value) / HUNDRED).quantize(INDEX_QUANTUM, ROUND_HALF_UP)
        result = Price(price.base_price, index)
    elif method == "index_to":
        result = Price(price.base_price, value.quantize(INDEX_QUANTUM, ROUND_HALF_UP))
    elif method == "base_percent":
        result = Price(
            round_money(price.base_price * (HUNDRED + value) / HUNDRED, currency), price.index
        )
    elif method == "base_to":
        result = Price(round_money(value, currency), price.index)
    else:
        raise ValueError(f"unknown price change method: {method!r}")
    if result.index <= 0:
        raise ValueError("the index must stay above zero")
    if result.base_price < 0:
        raise ValueError("the base price must not be negative")
    return result


def price_on(day: date, current: Price, changes: Sequence[Change]) -> Price:
    """The price in effect on `day`: after the last change effective on or before it, else
    before the first change (`changes` in the order they apply; `current` when there are none)."""
    found = changes[0].before if changes else current
    for change in changes:
        if change.effective_on > day:
            break
        found = change.after
    return found
