"""The technician's day URLs (mounted under /dispatch/)."""

from django.urls import path

from openservice.dispatch import day_views

urlpatterns = [
    path("day/", day_views.day, name="day"),
    path("day/calendar-feed/", day_views.calendar_feed, name="day_feed"),
    path("day/<int:pk>/status/", day_views.change_status, name="day_status"),
    path("day/<int:pk>/hours/", day_views.add_line, {"kind": "hour"}, name="day_hours"),
    path("day/<int:pk>/parts/", day_views.add_line, {"kind": "item"}, name="day_parts"),
    path("day/<int:pk>/expenses/", day_views.add_line, {"kind": "expense"}, name="day_expenses"),
    path("day/<int:pk>/parts/search/", day_views.part_picker, name="day_part_picker"),
    path("day/<int:pk>/sign-off/", day_views.sign_off, name="day_sign_off"),
]
