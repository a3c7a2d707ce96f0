"""Fees: generation per period (idempotent, catching up), the recomputation of open fees when
a subscription's days or price change, manual adjustment, and the status moves billing makes.

Generation works in batches of subscriptions, one transaction each, locking the batch's
subscriptions in id order; each subscription remembers from which day its periods still need
looking at (`fees_pending_from`), so a run over 100,000 subscriptions reads only the periods it
may have to bill. A fee is unique per subscription and period start: a rerun, an overlapping run
or a restart after a crash makes each fee exactly once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.bulk import gc_paused
from openservice.core.errors import Conflict, InvalidInput
from openservice.core.events import publish
from openservice.core.money import round_money
from openservice.core.services import audit
from openservice.subscriptions import periods, pricing
from openservice.subscriptions.errors import FeeInvoiced, NegativePrice, ThroughTooFar
from openservice.subscriptions.events import FeeChanged, FeeWithdrawn
from openservice.subscriptions.models import (
    Fee,
    PriceChange,
    Subscription,
    SubscriptionPause,
)

Status = Subscription.Status
ONE_DAY = timedelta(days=1)
BATCH_SIZE = 1000
GENERATING = (Status.ACTIVE, Status.PAUSED, Status.CANCELLED)


@dataclass
class FeeRun:
    subscriptions: int = 0
    fees_created: int = 0
    ended: int = 0

    def add(self, other: FeeRun) -> None:
        self.subscriptions += other.subscriptions
        self.fees_created += other.fees_created
        self.ended += other.ended


def _price_changes(subscription: Subscription) -> list[pricing.Change]:
    return [
        pricing.Change(
            c.effective_on,
            pricing.Price(c.base_price_before, c.index_before),
            pricing.Price(c.base_price, c.index),
        )
        for c in subscription.price_changes.all()
    ]


def _gaps(subscription: Subscription) -> list[tuple[date, date | None]]:
    return [(p.starts_on, p.ends_on) for p in subscription.pauses.all()]


def _bill(subscription: Subscription, period: periods.Period, gaps, changes) -> dict | None:
    """The values of the period's fee, or None when every day of it is paused."""
    days = periods.days_outside(period, gaps)
    if days == 0:
        return None
    current = pricing.Price(subscription.base_price, subscription.index)
    price = pricing.price_on(period.start, current, changes)
    return {
        "period_start": period.start,
        "period_end": period.end,
        "days": days,
        "full_days": period.full_days,
        "base_price": price.base_price,
        "index": price.index,
        "amount": periods.prorate(
            price.full_amount(), days, period.full_days, subscription.currency
        ),
        "currency": subscription.currency,
    }


def _periods(subscription: Subscription, *, through: date, since: date):
    plan = subscription.plan
    return periods.periods(
        subscription.starts_on,
        plan.period,
        aligned=plan.align_to_calendar,
        ends_on=subscription.ends_on,
        through=through,
        since=since,
    )


def subscriptions_generate_fees(
    *,
    through: date,
    subscriptions: Iterable | None = None,
    by=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> FeeRun:
    """Make the fee of every period that starts on or before `through` and has none yet, for
    active, paused and cancelled subscriptions (a cancelled one bills up to its last day);
    a subscription whose last period is made has ended."""
    if through > timezone.localdate() + relativedelta(years=10):
        raise ThroughTooFar({"through": [_("Generate fees at most ten years ahead.")]})
    chosen = Subscription.objects.filter(status__in=GENERATING, fees_pending_from__lte=through)
    if subscriptions is not None:
        wanted = {getattr(s, "pk", s) for s in subscriptions}
        unknown = wanted - set(
            Subscription.objects.filter(pk__in=wanted).values_list("pk", flat=True)
        )
        if unknown:
            raise InvalidInput({"subscription_ids": [_("No subscriptions %s.") % sorted(unknown)]})
        chosen = chosen.filter(pk__in=wanted)
    ids = list(chosen.order_by("pk").values_list("pk", flat=True))
    result = FeeRun()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        try:
            with gc_paused(), transaction.atomic():
                result.add(_generate_batch(chunk, through, by=by))
        except IntegrityError:  # another run made some of these fees meanwhile: plan again
            with gc_paused(), transaction.atomic():
                result.add(_generate_batch(chunk, through, by=by))
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    return result


def _generate_batch(ids: list[int], through: date, *, by) -> FeeRun:
    subscriptions = list(
        Subscription.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=ids, status__in=GENERATING, fees_pending_from__lte=through)
        .select_related("plan")
        .prefetch_related(
            Prefetch("pauses", queryset=SubscriptionPause.objects.order_by("starts_on", "pk")),
            Prefetch("price_changes", queryset=PriceChange.objects.order_by("effective_on", "pk")),
        )
        .order_by("pk")
    )
    if not subscriptions:
        return FeeRun()
    low = min(s.fees_pending_from for s in subscriptions)
    made = set(
        Fee.objects.filter(subscription_id__in=ids, period_start__gte=low - timedelta(days=366))
        .order_by()
        .values_list("subscription_id", "period_start")
    )
    fees: list[Fee] = []
    moves: dict[tuple[date, str], list[int]] = defaultdict(list)
    ended = 0
    for subscription in subscriptions:
        gaps, changes = _gaps(subscription), _price_changes(subscription)
        last = None
        for period in _periods(subscription, through=through, since=subscription.fees_pending_from):
            last = period
            if (subscription.pk, period.start) in made:
                continue
            values = _bill(subscription, period, gaps, changes)
            if values is not None:
                fees.append(Fee(subscription_id=subscription.pk, **values))
        if last is None:
            continue
        status = subscription.status
        finished = subscription.ends_on is not None and last.end >= subscription.ends_on
        if finished and status in (Status.ACTIVE, Status.PAUSED):
            status = Status.ENDED
            ended += 1
        moves[(last.full_end + ONE_DAY, status)].append(subscription.pk)
    Fee.objects.bulk_create(fees, batch_size=2000)
    for (pending_from, status), pks in moves.items():
        Subscription.objects.filter(pk__in=pks).update(
            fees_pending_from=pending_from, status=status
        )
    if fees:
        audit(
            by,
            "subscriptions.fees_generated",
            subscriptions[0],
            {"through": through.isoformat(), "fees": len(fees), "subscriptions": len(ids)},
        )
    return FeeRun(subscriptions=len(subscriptions), fees_created=len(fees), ended=ended)


def fees_refresh(*, subscription: Subscription, from_day: date, starting: bool = False) -> None:
    """Recompute the open fees of the periods that end on or after `from_day` (with `starting`,
    that start on or after it: a price change applies from a period's first day) after the
    subscription's pauses, end or price changed; a fee whose days are all gone is withdrawn.
    Open fees include those a draft invoice bills: billing hears `FeeChanged`/`FeeWithdrawn`
    and keeps the draft's line in step. A fee adjusted by hand keeps its amount (it goes only
    when its period does); invoiced fees never change. The caller holds the subscription's
    lock (billing takes it too before it bills a fee)."""
    open_fees = subscription.fees.filter(status=Fee.Status.OPEN)
    open_fees = (
        open_fees.filter(period_start__gte=from_day)
        if starting
        else open_fees.filter(period_end__gte=from_day)
    )
    open_fees = list(open_fees.order_by("period_start"))
    first_day = min(from_day, subscription.fees_pending_from)
    if open_fees:
        through = open_fees[-1].period_start
        since = min(first_day, open_fees[0].period_start)
        found = {p.start: p for p in _periods(subscription, through=through, since=since)}
        gaps, changes = _gaps(subscription), _price_changes(subscription)
        for fee in open_fees:
            period = found.get(fee.period_start)
            values = None if period is None else _bill(subscription, period, gaps, changes)
            if values is None:
                publish(FeeWithdrawn(fee_id=fee.pk))
                fee.delete()
                continue
            if fee.is_adjusted:
                continue
            if any(getattr(fee, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(fee, name, value)
                fee.save()
                publish(FeeChanged(fee_id=fee.pk))
    # Periods from the change on are looked at again by the next generation (a period that
    # was paused throughout may bill now).
    start = next(iter(_periods(subscription, through=first_day, since=first_day)), None)
    pending = start.start if start is not None else subscription.starts_on
    if pending < subscription.fees_pending_from:
        Subscription.objects.filter(pk=subscription.pk).update(fees_pending_from=pending)
        subscription.fees_pending_from = pending


@transaction.atomic
def fee_adjust(*, fee: Fee, by, amount: Decimal, note: str = "") -> Fee:
    """A manager's change of an open fee's amount (a goodwill reduction, say), kept through
    later changes of the subscription; a fee on a posted invoice never changes."""
    lock_subscriptions([fee.subscription_id])
    fee = Fee.objects.select_for_update().get(pk=fee.pk)
    if fee.status != Fee.Status.OPEN:
        raise FeeInvoiced(fee_id=fee.pk, status=fee.status)
    if amount < 0:
        raise NegativePrice({"amount": [_("A fee must not be negative.")]})
    before = fee.amount
    fee.amount = round_money(amount, fee.currency)
    fee.is_adjusted = True
    fee.save(update_fields=["amount", "is_adjusted", "updated_at"])
    publish(FeeChanged(fee_id=fee.pk))
    audit(
        by,
        "subscription.fee_adjusted",
        fee.subscription,
        {"fee": fee.pk, "from": str(before), "to": str(fee.amount), "note": note},
    )
    return fee


def lock_subscriptions(subscription_ids) -> None:
    """Lock the subscriptions' rows (FOR NO KEY UPDATE, in id order) for the caller's
    transaction: every change of a subscription's fees takes it, and billing takes it before it
    bills or posts their fees, so a fee never changes under an invoice being made."""
    list(
        Subscription.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=sorted(set(subscription_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _move(fee_ids: list[int], source: str, target: str) -> None:
    moved = Fee.objects.filter(pk__in=fee_ids, status=source).update(status=target)
    if moved != len(set(fee_ids)):
        raise Conflict(
            _("Some of these fees are no longer %(status)s.") % {"status": source},
            fee_ids=sorted(fee_ids),
        )


def fees_mark_invoiced(*, fee_ids: list[int]) -> None:
    """Billing posted an invoice that bills the fees (inside billing's transaction)."""
    _move(fee_ids, Fee.Status.OPEN, Fee.Status.INVOICED)


def fees_mark_credited(*, fee_ids: list[int]) -> None:
    """Billing credited the fees' invoice lines."""
    _move(fee_ids, Fee.Status.INVOICED, Fee.Status.CREDITED)
