"""Reads for subscription plans, subscriptions, their fees and price history. Managers and
administrators read them (the `view` permissions of the role matrix); other roles see none.
`fees_due` is what billing's invoice proposal collects."""

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from openservice.core.errors import NotFound
from openservice.core.selectors import ordered, text_search
from openservice.subscriptions.models import (
    Fee,
    PriceChange,
    Subscription,
    SubscriptionPause,
    SubscriptionPlan,
)

SUBSCRIPTION_ORDERING = {
    "number": "number",
    "customer": "customer__name",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "base_price": "base_price",
    "status": "status",
}


def _may_read(user, model: str) -> bool:
    return user.has_perm(f"subscriptions.view_{model}")


def plan_list(*, user, is_active: bool | None = None) -> QuerySet[SubscriptionPlan]:
    plans = SubscriptionPlan.objects.annotate(subscription_count=Count("subscriptions"))
    if not _may_read(user, "subscriptionplan"):
        return plans.none()
    if is_active is not None:
        plans = plans.filter(is_active=is_active)
    return plans.order_by("name")


def plan_get(*, user, plan_id: int) -> SubscriptionPlan:
    plan = plan_list(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(plan_id=plan_id)
    return plan


def subscription_list(
    *,
    user,
    q: str | None = None,
    customer_id: int | None = None,
    plan_id: int | None = None,
    agreement_id: int | None = None,
    status: str | None = None,
    order_by: str | None = None,
) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.select_related("customer", "plan", "agreement")
    if not _may_read(user, "subscription"):
        return subscriptions.none()
    subscriptions = text_search(
        subscriptions, q, ["number", "description", "customer__name", "customer__number"]
    )
    filters = {
        "customer_id": customer_id,
        "plan_id": plan_id,
        "agreement_id": agreement_id,
        "status": status,
    }
    subscriptions = subscriptions.filter(**{k: v for k, v in filters.items() if v is not None})
    return ordered(subscriptions, order_by, SUBSCRIPTION_ORDERING, default=("-number", "-pk"))


def subscription_get(*, user, subscription_id: int) -> Subscription:
    found = (
        subscription_list(user=user)
        .prefetch_related(
            Prefetch("pauses", queryset=SubscriptionPause.objects.order_by("starts_on")),
            Prefetch(
                "price_changes",
                queryset=PriceChange.objects.select_related("by").order_by("effective_on", "pk"),
            ),
        )
        .filter(pk=subscription_id)
        .first()
    )
    if found is None:
        raise NotFound(subscription_id=subscription_id)
    return found


def fee_list(subscription: Subscription, *, status: str | None = None) -> QuerySet[Fee]:
    fees = subscription.fees.order_by("period_start")
    return fees.filter(status=status) if status else fees


def fee_get(subscription: Subscription, fee_id: int) -> Fee:
    fee = subscription.fees.filter(pk=fee_id).first()
    if fee is None:
        raise NotFound(fee_id=fee_id)
    return fee


def fees_due(*, through: date, customer_ids=None) -> QuerySet[Fee]:
    """Open fees to invoice up to `through`: billed in advance once their period has started
    (on or before it), in arrears once it has ended (on or before it)."""
    fees = Fee.objects.filter(status=Fee.Status.OPEN).filter(
        Q(subscription__plan__billing="advance", period_start__lte=through)
        | Q(subscription__plan__billing="arrears", period_end__lte=through)
    )
    if customer_ids is not None:
        fees = fees.filter(subscription__customer_id__in=list(customer_ids))
    return fees.select_related("subscription", "subscription__plan").order_by(
        "subscription__customer_id", "period_start", "pk"
    )


def fee_by_pk(fee_id: int) -> Fee:
    """A fee by id, for the apps that bill it (no user: they act inside a use case)."""
    return Fee.objects.select_related("subscription").get(pk=fee_id)


def pauses_by_subscription(subscription_ids) -> dict[int, list[tuple]]:
    """Each subscription's pauses as (first day, last day or None), for accruals by billed days."""
    found: dict[int, list[tuple]] = {}
    for pause in SubscriptionPause.objects.filter(
        subscription_id__in=list(subscription_ids)
    ).order_by("starts_on", "pk"):
        found.setdefault(pause.subscription_id, []).append((pause.starts_on, pause.ends_on))
    return found
