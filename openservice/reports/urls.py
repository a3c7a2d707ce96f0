from django.urls import path

from openservice.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("sla-compliance/", views.sla_compliance, name="sla_compliance"),
]
