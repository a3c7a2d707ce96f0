"""Billing pages that live in a subscription's URL space: the subscription page loads them with
htmx. They belong to billing because subscriptions never import billing."""

from django.urls import path

from openservice.billing import subscription_views

app_name = "subscription_billing"

urlpatterns = [
    path("<int:pk>/accruals/", subscription_views.subscription_accruals, name="accruals"),
]
