from django.urls import path

from openservice.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("new/", views.calendar_create, name="create"),
    path("<int:pk>/", views.calendar_detail, name="detail"),
    path("<int:pk>/edit/", views.calendar_edit, name="edit"),
]
