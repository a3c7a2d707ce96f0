"""Shaping plans and subscriptions for the pages: a plan's terms in words, money and the index in
the page's language, the actions a subscription's status offers, and the rows of the list, the
fee schedule, the price history and the accrual table. Plain values from what the view loaded;
no queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, gettext_lazy, to_locale
from django.utils.translation import gettext as _

from openservice.core.money import format_money, round_money
from openservice.subscriptions import pricing
from openservice.subscriptions.models import PriceChange, Subscription, SubscriptionPlan

Status = Subscription.Status
Method = PriceChange.Method

EVERY = {
    "week": gettext_lazy("weekly"),
    "month": gettext_lazy("monthly"),
    "quarter": gettext_lazy("quarterly"),
    "year": gettext_lazy("yearly"),
}
CALENDAR = {
    "week": gettext_lazy("aligned to calendar weeks"),
    "month": gettext_lazy("aligned to calendar months"),
    "quarter": gettext_lazy("aligned to calendar quarters"),
    "year": gettext_lazy("aligned to calendar years"),
}
# The actions each status offers, in the order of their buttons (the services' own rules:
# pause an active one, resume a paused one, cancel or index either; ended and cancelled ones
# take none).
STATUS_ACTIONS = {
    Status.ACTIVE: ("pause", "cancel", "index"),
    Status.PAUSED: ("resume", "cancel", "index"),
}


def describe_terms(plan: SubscriptionPlan) -> str:
    """ "monthly, in advance, anchored on the start date" or "quarterly, in arrears, aligned
    to calendar quarters"."""
    billing = _("in advance") if plan.billing == plan.Billing.ADVANCE else _("in arrears")
    alignment = (
        str(CALENDAR[plan.period]) if plan.align_to_calendar else _("anchored on the start date")
    )
    return ", ".join([str(EVERY[plan.period]), billing, alignment])


def describe_accrual(plan: SubscriptionPlan) -> str:
    """ "accrues revenue monthly", or "no revenue accrual"."""
    if not plan.accrue:
        return _("no revenue accrual")
    return _("accrues revenue %(every)s") % {"every": EVERY[plan.accrual_period]}


def money(amount: Decimal | None, currency: str) -> str:
    """'€1,234.50' in English, '1 234,50 €' in Finnish; no amount is a dash."""
    if amount is None:
        return "—"
    return format_money(amount, currency, locale=to_locale(get_language() or "en"))


def number(value: Decimal) -> str:
    """An index or percentage without trailing zeros: 100, 104.5, 121.0001."""
    exact = Decimal(value).normalize()
    places = max(0, -exact.as_tuple().exponent)
    return number_format(exact, decimal_pos=places)


def date_text(day) -> str:
    """A day in the page's language, as the templates show it ("Jan. 31, 2027")."""
    return date_format(day)


def price(base_price: Decimal, index: Decimal, currency: str) -> str:
    """ "€100.00 at index 110"."""
    return _("%(base)s at index %(index)s") % {
        "base": money(base_price, currency),
        "index": number(index),
    }


def full_fee(base_price: Decimal, index: Decimal, currency: str) -> str:
    """The fee of a full period at that price (base price × index / 100, rounded once)."""
    amount = pricing.Price(Decimal(base_price), Decimal(index)).full_amount()
    return money(round_money(amount, currency), currency)


def status_actions(subscription: Subscription) -> tuple[str, ...]:
    return STATUS_ACTIONS.get(subscription.status, ())


def change_value(change: PriceChange, currency: str) -> str:
    """The change as entered: "+5 %", "−2 %", "to 110", "to €120.00"."""
    if change.method in (Method.INDEX_PERCENT, Method.BASE_PERCENT):
        sign = "+" if change.value >= 0 else "−"
        return f"{sign}{number(abs(change.value))} %"
    if change.method == Method.INDEX_TO:
        return _("to %(value)s") % {"value": number(change.value)}
    return _("to %(value)s") % {"value": money(change.value, currency)}


@dataclass(frozen=True)
class SubscriptionRow:
    subscription: Subscription
    terms: str
    fee: str


def subscription_rows(subscriptions) -> list[SubscriptionRow]:
    return [
        SubscriptionRow(
            subscription=s,
            terms=describe_terms(s.plan),
            fee=full_fee(s.base_price, s.index, s.currency),
        )
        for s in subscriptions
    ]


@dataclass(frozen=True)
class FeeRow:
    fee: object
    price: str
    amount: str


def fee_rows(fees) -> list[FeeRow]:
    return [
        FeeRow(
            fee=fee,
            price=price(fee.base_price, fee.index, fee.currency),
            amount=money(fee.amount, fee.currency),
        )
        for fee in fees
    ]


@dataclass(frozen=True)
class ChangeRow:
    change: PriceChange
    value: str
    before: str
    after: str
    fee_before: str
    fee_after: str


def change_rows(changes, currency: str) -> list[ChangeRow]:
    return [
        ChangeRow(
            change=c,
            value=change_value(c, currency),
            before=price(c.base_price_before, c.index_before, currency),
            after=price(c.base_price, c.index, currency),
            fee_before=full_fee(c.base_price_before, c.index_before, currency),
            fee_after=full_fee(c.base_price, c.index, currency),
        )
        for c in changes
    ]


@dataclass
class AccrualGroup:
    """One invoiced fee's accrual entries (reversals included) and their sum."""

    fee: object
    entries: list = field(default_factory=list)  # (entry, amount in words)
    total: Decimal = Decimal(0)

    @property
    def total_text(self) -> str:
        return money(self.total, self.fee.currency)


def accrual_groups(fees, entries) -> list[AccrualGroup]:
    """The entries grouped by fee, in the fees' order; fees without entries are left out."""
    groups = {fee.pk: AccrualGroup(fee=fee) for fee in fees}
    for entry in entries:
        group = groups.get(entry.fee_id)
        if group is None:
            continue
        group.entries.append((entry, money(entry.amount, entry.currency)))
        group.total += entry.amount
    return [group for group in groups.values() if group.entries]
