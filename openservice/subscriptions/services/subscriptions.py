"""Writes for subscriptions: create, change, pause, resume, cancel and indexation. Each change
that moves what a period bills (its days, its end, its price) recomputes the open fees it
touches at once; invoiced fees never change. One transaction per use case."""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from openservice.core.money import MAX_AMOUNT
from openservice.core.services import audit, only_fields, save_validated, sequence_next
from openservice.subscriptions import pricing
from openservice.subscriptions.errors import (
    AmountTooLarge,
    ChangeBeforeLast,
    CustomerInactive,
    CustomerMismatch,
    EndBeforeStart,
    FeeInvoiced,
    HasFees,
    HasPriceChanges,
    InvalidIndex,
    InvalidStatusChange,
    NegativePrice,
)
from openservice.subscriptions.models import Fee, PriceChange, Subscription, SubscriptionPause
from openservice.subscriptions.services.fees import fees_refresh

Status = Subscription.Status
ONE_DAY = timedelta(days=1)
# Changeable any time (the end recomputes the last fees); the billing terms only before the
# first fee (the price afterwards only by indexation).
UPDATE_FIELDS = ("description", "agreement", "ends_on")
TERMS_FIELDS = ("plan", "starts_on", "currency", "base_price", "index")


def _lock(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(no_key=True, of=("self",))
        .select_related("plan")
        .get(pk=subscription.pk)
    )


def _check_amount(price: pricing.Price, field: str) -> None:
    if price.full_amount() > MAX_AMOUNT:
        raise AmountTooLarge(
            {field: [_("A full period's fee would exceed %s.") % f"{MAX_AMOUNT:,}"]}
        )


def _check(customer, agreement, starts_on, ends_on, base_price, index) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise EndBeforeStart({"ends_on": [_("The end must not be before the start.")]})
    if base_price is not None and Decimal(base_price) < 0:
        raise NegativePrice({"base_price": [_("A price must not be negative.")]})
    if index is not None and Decimal(index) <= 0:
        raise InvalidIndex({"index": [_("The index must be above zero.")]})
    if base_price is not None and index is not None:
        _check_amount(pricing.Price(Decimal(base_price), Decimal(index)), "base_price")
    if agreement is not None and agreement.customer_id != customer.pk:
        raise CustomerMismatch(agreement_id=agreement.pk, customer_id=customer.pk)


@transaction.atomic
def subscription_create(
    *,
    by,
    customer,
    plan,
    description: str,
    base_price: Decimal,
    starts_on: date,
    ends_on: date | None = None,
    index: Decimal = Decimal("100"),
    currency: str | None = None,
    agreement=None,
) -> Subscription:
    """A new active subscription; its fees come from the next fee generation (which catches
    up every period since the start)."""
    if not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    _check(customer, agreement, starts_on, ends_on, base_price, index)
    subscription = Subscription(
        number=sequence_next("subscription", prefix="SU", padding=6),
        customer=customer,
        agreement=agreement,
        plan=plan,
        description=description,
        base_price=base_price,
        index=index,
        currency=currency or customer.currency,
        starts_on=starts_on,
        ends_on=ends_on,
        fees_pending_from=starts_on,
    )
    save_validated(subscription)
    audit(by, "subscription.created", subscription, {"number": subscription.number})
    return subscription


@transaction.atomic
def subscription_update(*, subscription: Subscription, by, **changes) -> Subscription:
    only_fields(UPDATE_FIELDS + TERMS_FIELDS, changes)
    subscription = _lock(subscription)
    changed = {k: v for k, v in changes.items() if getattr(subscription, k) != v}
    # A cancelled subscription keeps its terms; an ended one may be extended (it bills again).
    frozen = {
        Status.CANCELLED: set(changed) - {"description"},
        Status.ENDED: set(changed) - {"description", "ends_on"},
    }.get(subscription.status, set())
    if frozen:
        raise InvalidStatusChange(
            subscription_id=subscription.pk, status=subscription.status, fields=sorted(frozen)
        )
    terms = sorted(set(changed) & set(TERMS_FIELDS))
    if terms and subscription.fees.exists():
        raise HasFees(subscription_id=subscription.pk, fields=terms)
    if {"base_price", "index"} & set(changed) and subscription.price_changes.exists():
        raise HasPriceChanges(subscription_id=subscription.pk)
    if "ends_on" in changed:
        _check_new_end(subscription, changed["ends_on"])
    merged = {k: changed.get(k, getattr(subscription, k)) for k in UPDATE_FIELDS + TERMS_FIELDS}
    _check(
        subscription.customer,
        merged["agreement"],
        merged["starts_on"],
        merged["ends_on"],
        merged["base_price"],
        merged["index"],
    )
    if not changed:
        return subscription
    old_end = subscription.ends_on
    for name, value in changed.items():
        setattr(subscription, name, value)
    if "starts_on" in changed:
        subscription.fees_pending_from = subscription.starts_on
    extended = subscription.ends_on is None or (old_end and subscription.ends_on > old_end)
    if subscription.status == Status.ENDED and "ends_on" in changed and extended:
        paused = subscription.pauses.filter(ends_on__isnull=True).exists()
        subscription.status = Status.PAUSED if paused else Status.ACTIVE
    save_validated(subscription)
    if "ends_on" in changed:
        ends = [d for d in (old_end, subscription.ends_on) if d is not None]
        fees_refresh(
            subscription=subscription, from_day=min(ends) if ends else subscription.starts_on
        )
    audit(
        by,
        "subscription.changed",
        subscription,
        {"changes": {k: str(v.pk if hasattr(v, "pk") else v) for k, v in changed.items()}},
    )
    return subscription


def _check_new_end(subscription: Subscription, new_end: date | None) -> None:
    """An end may not cut into fees already invoiced (credit them first), nor extend past the
    last one when that one was invoiced short (its period's rest could never be billed: a
    period has one fee)."""
    invoiced = subscription.fees.filter(status=Fee.Status.INVOICED)
    if new_end is not None and invoiced.filter(period_end__gt=new_end).exists():
        raise FeeInvoiced(
            _("Fees after %(day)s are invoiced: credit them before moving the end.")
            % {"day": new_end},
            subscription_id=subscription.pk,
        )
    old_end = subscription.ends_on
    extends = old_end is not None and (new_end is None or new_end > old_end)
    if extends and (
        subscription.fees.exclude(status=Fee.Status.OPEN)
        .filter(period_end=old_end, days__lt=F("full_days"))
        .exists()
    ):
        raise FeeInvoiced(
            _(
                "The last fee was invoiced for a period cut short on %(day)s; its rest cannot be "
                "billed again. Start a new subscription instead."
            )
            % {"day": old_end},
            subscription_id=subscription.pk,
        )


def _require(subscription: Subscription, allowed: set, action: str) -> None:
    if subscription.status not in allowed:
        raise InvalidStatusChange(
            subscription_id=subscription.pk, status=subscription.status, action=action
        )


def _check_day(subscription: Subscription, on: date, field: str = "on") -> None:
    if on < subscription.starts_on or (subscription.ends_on and on > subscription.ends_on):
        raise EndBeforeStart(
            {field: [_("The day must lie between the subscription's start and end.")]},
            message=_("The day must lie between the subscription's start and end."),
        )


@transaction.atomic
def subscription_pause(*, subscription: Subscription, by, on: date) -> Subscription:
    """Pause from `on` (inclusive): paused days bill nothing; open fees of the periods from
    there are recomputed."""
    subscription = _lock(subscription)
    _require(subscription, {Status.ACTIVE}, "pause")
    _check_day(subscription, on)
    last = subscription.pauses.order_by("-starts_on").first()
    if last is not None and last.ends_on is None:
        raise InvalidStatusChange(
            _("The subscription is paused since %(day)s.") % {"day": last.starts_on},
            subscription_id=subscription.pk,
        )
    if last is not None and last.ends_on is not None and on <= last.ends_on:
        raise InvalidStatusChange(
            _("The subscription was paused until %(day)s.") % {"day": last.ends_on},
            subscription_id=subscription.pk,
        )
    SubscriptionPause.objects.create(subscription=subscription, starts_on=on)
    subscription.status = Status.PAUSED
    subscription.save(update_fields=["status", "updated_at"])
    fees_refresh(subscription=subscription, from_day=on)
    audit(by, "subscription.paused", subscription, {"on": on.isoformat()})
    return subscription


@transaction.atomic
def subscription_resume(*, subscription: Subscription, by, on: date) -> Subscription:
    """Bill again from `on` (inclusive); a resume on the pause's first day undoes the pause."""
    subscription = _lock(subscription)
    _require(subscription, {Status.PAUSED}, "resume")
    pause = subscription.pauses.filter(ends_on__isnull=True).get()
    if on < pause.starts_on:
        raise EndBeforeStart(
            {"on": [_("A resume cannot come before the pause began (%s).") % pause.starts_on]},
            message=_("A resume cannot come before the pause began."),
        )
    if on == pause.starts_on:
        pause.delete()
    else:
        pause.ends_on = on - ONE_DAY
        pause.save(update_fields=["ends_on"])
    subscription.status = Status.ACTIVE
    subscription.save(update_fields=["status", "updated_at"])
    fees_refresh(subscription=subscription, from_day=pause.starts_on)
    audit(by, "subscription.resumed", subscription, {"on": on.isoformat()})
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, by, on: date) -> Subscription:
    """End the subscription with `on` as its last billed day; open fees after it go, the one
    that contains it is prorated. Invoiced fees stay as they are (credit them if needed)."""
    subscription = _lock(subscription)
    _require(subscription, {Status.ACTIVE, Status.PAUSED}, "cancel")
    _check_day(subscription, on)
    subscription.pauses.filter(ends_on__isnull=True, starts_on__gt=on).delete()
    subscription.pauses.filter(ends_on__isnull=True).update(ends_on=on)
    subscription.ends_on = on
    subscription.status = Status.CANCELLED
    subscription.save(update_fields=["ends_on", "status", "updated_at"])
    fees_refresh(subscription=subscription, from_day=on)
    audit(by, "subscription.cancelled", subscription, {"on": on.isoformat()})
    return subscription


@transaction.atomic
def subscription_change_price(
    *, subscription: Subscription, by, method: str, value: Decimal, effective_on: date
) -> PriceChange:
    """Index or change the base price from `effective_on`: fees of periods starting on or after
    it use the new price (open ones are recomputed now); invoiced fees never change. Changes
    apply in the order of their days, so one may not take effect before the last one."""
    subscription = _lock(subscription)
    _require(subscription, {Status.ACTIVE, Status.PAUSED}, "index")
    last = subscription.price_changes.order_by("-effective_on", "-pk").first()
    if last is not None and effective_on < last.effective_on:
        raise ChangeBeforeLast(
            subscription_id=subscription.pk, last_effective_on=last.effective_on.isoformat()
        )
    before = pricing.Price(subscription.base_price, subscription.index)
    try:
        after = pricing.changed(before, method, Decimal(value), subscription.currency)
    except ValueError as exc:
        error = InvalidIndex if method.startswith("index") else NegativePrice
        raise error({"value": [str(exc)]}) from exc
    _check_amount(after, "value")
    change = PriceChange(
        subscription=subscription,
        method=method,
        value=value,
        effective_on=effective_on,
        base_price_before=before.base_price,
        index_before=before.index,
        base_price=after.base_price,
        index=after.index,
        by=by if getattr(by, "is_authenticated", False) else None,
    )
    save_validated(change)
    subscription.base_price, subscription.index = after.base_price, after.index
    subscription.save(update_fields=["base_price", "index", "updated_at"])
    fees_refresh(subscription=subscription, from_day=effective_on, starting=True)
    audit(
        by,
        "subscription.price_changed",
        subscription,
        {
            "method": method,
            "value": str(value),
            "effective_on": effective_on.isoformat(),
            "base_price": str(after.base_price),
            "index": str(after.index),
        },
    )
    return change


@transaction.atomic
def subscription_delete(*, subscription: Subscription, by) -> None:
    """Delete a subscription entered by mistake: only while it has no fees (cancel it
    otherwise, so that its history stays)."""
    subscription = _lock(subscription)
    if subscription.fees.exists():
        raise HasFees(subscription_id=subscription.pk)
    audit(by, "subscription.deleted", subscription, {"number": subscription.number})
    subscription.delete()
