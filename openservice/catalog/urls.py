from django.urls import path

from openservice.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.bom_list, name="bom_list"),
    path("<int:item_id>/", views.bom_detail, name="bom_detail"),
]
