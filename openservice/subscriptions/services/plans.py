"""Writes for subscription plans. A plan's billing terms (period, advance or arrears,
alignment, accrual) change only while no subscription uses it: fees already made followed them."""

from django.db import transaction
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput
from openservice.core.services import audit, only_fields, record_create, record_update
from openservice.subscriptions import periods
from openservice.subscriptions.errors import AccrualLongerThanPeriod, PlanInUse
from openservice.subscriptions.models import SubscriptionPlan

PLAN_FIELDS = (
    "name",
    "period",
    "billing",
    "align_to_calendar",
    "accrue",
    "accrual_period",
    "is_active",
)
TERMS = ("period", "billing", "align_to_calendar", "accrue", "accrual_period")


def _check_accrual(period: str, accrue: bool, accrual_period: str) -> str:
    """The accrual period a plan stores: required when accruing, never longer than the
    invoicing period; empty when the plan does not accrue."""
    if not accrue:
        return ""
    if not accrual_period:
        raise InvalidInput(
            {"accrual_period": [_("A plan that accrues revenue needs an accrual period.")]}
        )
    if period in periods.UNITS and periods.is_longer(accrual_period, period):
        raise AccrualLongerThanPeriod(
            {
                "accrual_period": [
                    _("The accrual period may not be longer than the invoicing period.")
                ]
            }
        )
    return accrual_period


@transaction.atomic
def plan_create(
    *,
    by,
    name: str,
    period: str,
    billing: str = SubscriptionPlan.Billing.ADVANCE,
    align_to_calendar: bool = False,
    accrue: bool = False,
    accrual_period: str = "",
    is_active: bool = True,
) -> SubscriptionPlan:
    plan = SubscriptionPlan(
        name=name,
        period=period,
        billing=billing,
        align_to_calendar=align_to_calendar,
        accrue=accrue,
        accrual_period=_check_accrual(period, accrue, accrual_period),
        is_active=is_active,
    )
    return record_create(plan, by=by, verb="subscription_plan.created", data={"name": name})


@transaction.atomic
def plan_update(*, plan: SubscriptionPlan, by, **changes) -> SubscriptionPlan:
    only_fields(PLAN_FIELDS, changes)
    plan = SubscriptionPlan.objects.select_for_update().get(pk=plan.pk)
    terms = {k: v for k, v in changes.items() if k in TERMS and getattr(plan, k) != v}
    if terms and plan.subscriptions.exists():
        raise PlanInUse(plan_id=plan.pk, fields=sorted(terms))
    merged = {name: changes.get(name, getattr(plan, name)) for name in TERMS}
    changes["accrual_period"] = _check_accrual(
        merged["period"], merged["accrue"], merged["accrual_period"]
    )
    return record_update(plan, by=by, verb="subscription_plan.changed", changes=changes)


@transaction.atomic
def plan_delete(*, plan: SubscriptionPlan, by) -> None:
    plan = SubscriptionPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.subscriptions.exists():
        raise PlanInUse(plan_id=plan.pk)
    audit(by, "subscription_plan.deleted", plan, {"name": plan.name})
    plan.delete()
