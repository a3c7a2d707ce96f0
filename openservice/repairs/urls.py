"""Repair pages. They live where the user thinks of them — an order's repairs under the order,
an object's history under the object, the reports under /reports/ — and are served by this
app, which sits above orders, equipment and reports' neighbours (included before them)."""

from django.urls import path

from openservice.repairs import views

app_name = "repairs"

urlpatterns = [
    path("orders/<int:pk>/repairs/", views.order_repairs, name="order_repairs"),
    path("orders/<int:pk>/repairs/add/", views.line_add, name="line_add"),
    path("orders/<int:pk>/repairs/components/", views.components, name="components"),
    path("orders/<int:pk>/repairs/suggestions/", views.suggestions, name="suggestions"),
    path("orders/<int:pk>/repairs/<int:line_id>/", views.line_edit, name="line_edit"),
    path("orders/<int:pk>/repairs/<int:line_id>/delete/", views.line_delete, name="line_delete"),
    path(
        "orders/<int:pk>/repairs/<int:line_id>/replace/",
        views.component_replace,
        name="component_replace",
    ),
    path("objects/<int:pk>/repairs/", views.object_history, name="object_history"),
    path("repairs/mine/", views.my_repairs, name="mine"),
    path("repairs/symptom-codes/", views.symptom_codes, name="symptom_codes"),
    path("repairs/diagnosis-codes/", views.diagnosis_codes, name="diagnosis_codes"),
    path("reports/repairs/by-object/", views.report_by_object, name="report_by_object"),
    path("reports/repairs/by-technician/", views.report_by_technician, name="report_by_technician"),
    path("reports/repairs/resolutions/", views.report_resolutions, name="report_resolutions"),
]
