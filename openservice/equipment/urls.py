from django.urls import path

from openservice.equipment import views

app_name = "equipment"

urlpatterns = [
    path("", views.object_list, name="list"),
    path("<int:pk>/", views.object_detail, name="detail"),
    path(
        "<int:pk>/components/<int:component_id>/replace/",
        views.component_replace,
        name="component_replace",
    ),
    path("<int:pk>/upgrade/", views.object_upgrade, name="upgrade"),
    path("<int:pk>/save-as-bom/", views.object_save_as_bom, name="save_as_bom"),
]
