"""Writes for subscription plans, subscriptions and their fees, split by sub-flow; import them
from here. One transaction per use case."""

from openservice.subscriptions.services.fees import (
    FeeRun,
    fee_adjust,
    fees_mark_credited,
    fees_mark_invoiced,
    fees_refresh,
    lock_subscriptions,
    subscriptions_generate_fees,
)
from openservice.subscriptions.services.plans import plan_create, plan_delete, plan_update
from openservice.subscriptions.services.subscriptions import (
    subscription_cancel,
    subscription_change_price,
    subscription_create,
    subscription_delete,
    subscription_pause,
    subscription_resume,
    subscription_update,
)

__all__ = [
    "FeeRun",
    "fee_adjust",
    "fees_mark_credited",
    "fees_mark_invoiced",
    "fees_refresh",
    "lock_subscriptions",
    "plan_create",
    "plan_delete",
    "plan_update",
    "subscription_cancel",
    "subscription_change_price",
    "subscription_create",
    "subscription_delete",
    "subscription_pause",
    "subscription_resume",
    "subscription_update",
    "subscriptions_generate_fees",
]
