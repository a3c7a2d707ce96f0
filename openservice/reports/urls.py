from django.urls import path

from openservice.reports import views

app_name = "reports"

urlpatterns = [
    path("sla-compliance/", views.sla_compliance, name="sla_compliance"),
]
