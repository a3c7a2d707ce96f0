from django.urls import path

from openservice.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.technician_list, name="list"),
    path("<int:pk>/", views.technician_detail, name="detail"),
]
