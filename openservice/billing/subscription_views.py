"""Billing's part of the subscription page: the revenue accrual of the subscription's invoiced
fees, which the page loads with htmx. It lives here because billing owns the accrual entries
and subscriptions never import billing."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import render

from openservice.billing.selectors import fee_accruals
from openservice.subscriptions import display
from openservice.subscriptions.models import Fee
from openservice.subscriptions.selectors import fee_list, subscription_get


@login_required
@permission_required(
    ("subscriptions.view_subscription", "billing.view_accrualentry"), raise_exception=True
)
def subscription_accruals(request: HttpRequest, pk: int):
    """The accrual entries of the invoiced fees, grouped by fee with each fee's sum."""
    subscription = subscription_get(user=request.user, subscription_id=pk)
    accruals = []
    if subscription.plan.accrue:
        invoiced = [f for f in fee_list(subscription) if f.status != Fee.Status.OPEN]
        entries = fee_accruals(fee.pk for fee in invoiced) if invoiced else []
        accruals = display.accrual_groups(invoiced, entries)
    return render(request, "billing/_subscription_accruals.html", {"accruals": accruals})
