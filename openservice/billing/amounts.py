"""An invoice line's amounts and an invoice's totals. Pure: no Django.

Net = quantity × unit price and VAT = net × rate / 100 are each rounded once, half up, per line;
the invoice's totals are the sums of its lines, so a credit note that reverses lines reverses
the totals to the cent."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openservice.core.money import ZERO, round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Amounts:
    net: Decimal
    vat: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


def line_amounts(
    quantity: Decimal, unit_price: Decimal, vat_rate: Decimal, currency: str
) -> Amounts:
    net = round_money(quantity * unit_price, currency)
    return Amounts(net, round_money(net * vat_rate / HUNDRED, currency))


def totals(lines: Iterable[Amounts]) -> Amounts:
    net = vat = ZERO
    for line in lines:
        net += line.net
        vat += line.vat
    return Amounts(net, vat)
