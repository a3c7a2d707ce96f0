from django.urls import path

from openservice.sla import views

app_name = "sla"

urlpatterns = [
    # Policies
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/active/", views.policy_set_active, name="policy_set_active"),
    path("policies/<int:pk>/assignments/", views.policy_assign, name="policy_assign"),
    path(
        "policies/<int:pk>/assignments/<int:assignment_id>/remove/",
        views.policy_unassign,
        name="policy_unassign",
    ),
]
