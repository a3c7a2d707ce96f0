"""API for subscription plans, subscriptions, their fees and price history.

Static paths (`/subscriptions/fees/generate`) are declared before the `{id}` ones: a path
parameter matches any text, and the first pattern that matches a URL answers it."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router
from ninja.responses import Status

from openservice.agreements.selectors import agreement_get
from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.customers.selectors import customer_get
from openservice.subscriptions import selectors, services
from openservice.subscriptions.models import Subscription, SubscriptionPlan
from openservice.subscriptions.schemas import (
    FeeAdjustIn,
    FeeFilters,
    FeeOut,
    GenerateFeesIn,
    GenerateFeesOut,
    PriceChangeOut,
    SubscriptionCreateIn,
    SubscriptionDayIn,
    SubscriptionFilters,
    SubscriptionOut,
    SubscriptionPlanCreateIn,
    SubscriptionPlanFilters,
    SubscriptionPlanOut,
    SubscriptionPlanUpdateIn,
    SubscriptionPriceChangeIn,
    SubscriptionUpdateIn,
)

router = Router(tags=["subscriptions"])


# (API field, service argument, lookup by id)
LINKS = (
    ("customer_id", "customer", lambda user, pk: customer_get(user=user, customer_id=pk)),
    ("plan_id", "plan", lambda user, pk: selectors.plan_get(user=user, plan_id=pk)),
    ("agreement_id", "agreement", lambda user, pk: agreement_get(user=user, agreement_id=pk)),
)


def _links(user, data: dict) -> dict:
    """API ids to records (422 naming the field when one is not visible)."""
    for field, name, lookup in LINKS:
        if field in data:
            pk = data.pop(field)
            data[name] = pk and _ref(field, lookup, user=user, pk=pk)
    return data


def _plan(request, plan_id: int, perm: str = "view") -> SubscriptionPlan:
    require_perm(request.auth, f"subscriptions.{perm}_subscriptionplan")
    return selectors.plan_get(user=request.auth, plan_id=plan_id)


def _subscription(request, subscription_id: int, perm: str = "view") -> Subscription:
    require_perm(request.auth, f"subscriptions.{perm}_subscription")
    return selectors.subscription_get(user=request.auth, subscription_id=subscription_id)


def _fresh(request, subscription_id: int) -> Subscription:
    return selectors.subscription_get(user=request.auth, subscription_id=subscription_id)


# -- Plans -------------------------------------------------------------------------------------


@router.get(
    "/subscription-plans",
    response=PageOut[SubscriptionPlanOut],
    operation_id="list_subscription_plans",
    summary="Subscription plans",
)
def list_plans(request: HttpRequest, filters: Query[SubscriptionPlanFilters], page: Query[PageIn]):
    require_perm(request.auth, "subscriptions.view_subscriptionplan")
    return paginate(selectors.plan_list(user=request.auth, is_active=filters.is_active), page)


@router.get(
    "/subscription-plans/{id}",
    response=SubscriptionPlanOut,
    operation_id="get_subscription_plan",
    summary="A subscription plan",
)
def get_plan(request: HttpRequest, id: Path[Id]):
    return _plan(request, id)


@router.post(
    "/subscription-plans",
    response={201: SubscriptionPlanOut},
    operation_id="create_subscription_plan",
    summary="Create a subscription plan",
)
def create_plan(request: HttpRequest, payload: SubscriptionPlanCreateIn):
    require_perm(request.auth, "subscriptions.add_subscriptionplan")
    data = payload.dict()
    data["accrual_period"] = data["accrual_period"] or ""
    plan = services.plan_create(by=request.auth, **data)
    return Status(201, selectors.plan_get(user=request.auth, plan_id=plan.pk))


@router.patch(
    "/subscription-plans/{id}",
    response=SubscriptionPlanOut,
    operation_id="update_subscription_plan",
    summary="Change a plan (its billing terms only while no subscription uses it)",
)
def update_plan(request: HttpRequest, id: Path[Id], payload: SubscriptionPlanUpdateIn):
    plan = _plan(request, id, "change")
    data = payload.dict(include=payload.model_fields_set)
    if "accrual_period" in data:
        data["accrual_period"] = data["accrual_period"] or ""
    services.plan_update(plan=plan, by=request.auth, **data)
    return selectors.plan_get(user=request.auth, plan_id=id)


@router.delete(
    "/subscription-plans/{id}",
    response={204: None},
    operation_id="delete_subscription_plan",
    summary="Delete a plan no subscription uses",
)
def delete_plan(request: HttpRequest, id: Path[Id]):
    plan = _plan(request, id, "delete")
    services.plan_delete(plan=plan, by=request.auth)
    return Status(204, None)


# -- Fee generation (a static path: before /subscriptions/{id}) --------------------------------


@router.post(
    "/subscriptions/fees/generate",
    response=GenerateFeesOut,
    operation_id="generate_subscription_fees",
    summary="Make the fees of every period starting on or before a day (idempotent, catches up)",
)
def generate_fees(request: HttpRequest, payload: GenerateFeesIn):
    require_perm(request.auth, "subscriptions.add_fee")
    run = services.subscriptions_generate_fees(through=payload.through, by=request.auth)
    return {
        "fees_created": run.fees_created,
        "subscriptions": run.subscriptions,
        "ended": run.ended,
    }


# -- Subscriptions -----------------------------------------------------------------------------


@router.get(
    "/subscriptions",
    response=PageOut[SubscriptionOut],
    operation_id="list_subscriptions",
    summary="Subscriptions",
)
def list_subscriptions(
    request: HttpRequest, filters: Query[SubscriptionFilters], page: Query[PageIn]
):
    require_perm(request.auth, "subscriptions.view_subscription")
    data = filters.dict(exclude_none=True)
    return paginate(selectors.subscription_list(user=request.auth, **data), page)


@router.get(
    "/subscriptions/{id}",
    response=SubscriptionOut,
    operation_id="get_subscription",
    summary="A subscription",
)
def get_subscription(request: HttpRequest, id: Path[Id]):
    return _subscription(request, id)


@router.post(
    "/subscriptions",
    response={201: SubscriptionOut},
    operation_id="create_subscription",
    summary="Create an active subscription (its fees come from the next fee generation)",
)
def create_subscription(request: HttpRequest, payload: SubscriptionCreateIn):
    require_perm(request.auth, "subscriptions.add_subscription")
    data = _links(request.auth, payload.dict())
    subscription = services.subscription_create(by=request.auth, **data)
    return Status(201, _fresh(request, subscription.pk))


@router.patch(
    "/subscriptions/{id}",
    response=SubscriptionOut,
    operation_id="update_subscription",
    summary="Change a subscription (plan, start, currency, price and index only before its "
    "first fee)",
)
def update_subscription(request: HttpRequest, id: Path[Id], payload: SubscriptionUpdateIn):
    subscription = _subscription(request, id, "change")
    data = _links(request.auth, payload.dict(include=payload.model_fields_set))
    services.subscription_update(subscription=subscription, by=request.auth, **data)
    return _fresh(request, id)


@router.delete(
    "/subscriptions/{id}",
    response={204: None},
    operation_id="delete_subscription",
    summary="Delete a subscription that has no fees (cancel it otherwise)",
)
def delete_subscription(request: HttpRequest, id: Path[Id]):
    subscription = _subscription(request, id, "delete")
    services.subscription_delete(subscription=subscription, by=request.auth)
    return Status(204, None)


def _day_action(action: str, service, summary: str):
    @router.post(
        f"/subscriptions/{{id}}/{action}",
        response=SubscriptionOut,
        operation_id=f"{action}_subscription",
        summary=summary,
    )
    def change_status(request: HttpRequest, id: Path[Id], payload: SubscriptionDayIn | None = None):
        subscription = _subscription(request, id, "change")
        on = (payload.on if payload else None) or timezone.localdate()
        service(subscription=subscription, by=request.auth, on=on)
        return _fresh(request, id)

    return change_status


pause_subscription = _day_action(
    "pause", services.subscription_pause, "Pause from a day (inclusive): paused days bill nothing"
)
resume_subscription = _day_action(
    "resume", services.subscription_resume, "Bill again from a day (inclusive)"
)
cancel_subscription = _day_action(
    "cancel",
    services.subscription_cancel,
    "Cancel with a day as the last one billed (its period's fee is prorated)",
)


@router.post(
    "/subscriptions/{id}/index",
    response=SubscriptionOut,
    operation_id="index_subscription",
    summary="Index or change the base price from a day (invoiced fees never change)",
)
def index_subscription(request: HttpRequest, id: Path[Id], payload: SubscriptionPriceChangeIn):
    subscription = _subscription(request, id, "change")
    services.subscription_change_price(
        subscription=subscription,
        by=request.auth,
        method=payload.method,
        value=payload.value,
        effective_on=payload.effective_on,
    )
    return _fresh(request, id)


@router.get(
    "/subscriptions/{id}/price-changes",
    response=list[PriceChangeOut],
    operation_id="list_subscription_price_changes",
    summary="A subscription's price history, in the order the changes apply",
)
def list_price_changes(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "subscriptions.view_pricechange")
    return list(_subscription(request, id).price_changes.all())


# -- Fees --------------------------------------------------------------------------------------


@router.get(
    "/subscriptions/{id}/fees",
    response=list[FeeOut],
    operation_id="list_subscription_fees",
    summary="A subscription's fees, by period",
)
def list_fees(request: HttpRequest, id: Path[Id], filters: Query[FeeFilters]):
    require_perm(request.auth, "subscriptions.view_fee")
    subscription = _subscription(request, id)
    return list(selectors.fee_list(subscription, status=filters.status))


@router.patch(
    "/subscriptions/{id}/fees/{fee_id}",
    response=FeeOut,
    operation_id="adjust_subscription_fee",
    summary="Change an open fee's amount (an invoiced fee never changes)",
)
def adjust_fee(request: HttpRequest, id: Path[Id], fee_id: Path[Id], payload: FeeAdjustIn):
    require_perm(request.auth, "subscriptions.change_fee")
    fee = selectors.fee_get(_subscription(request, id), fee_id)
    return services.fee_adjust(fee=fee, by=request.auth, amount=payload.amount, note=payload.note)


__all__ = ["router"]
