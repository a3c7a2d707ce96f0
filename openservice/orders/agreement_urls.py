"""Order pages that live in an agreement's URL space: the agreement page loads them with htmx.
They belong to the orders app because agreements never import orders."""

from django.urls import path

from openservice.orders import generation_views

app_name = "agreement_orders"

urlpatterns = [
    path("<int:pk>/orders/", generation_views.agreement_orders, name="orders"),
    path("<int:pk>/forecast/", generation_views.agreement_forecast, name="forecast"),
]
