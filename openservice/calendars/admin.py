from django.contrib import admin

from openservice.calendars.models import ClosedDay, OpenDay, WorkCalendar


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ClosedDayInline(ReadOnlyInline):
    model = ClosedDay


class OpenDayInline(ReadOnlyInline):
    model = OpenDay


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    """Read-only here: calendars are edited on the calendar editor (/calendars/) or the API, so
    that every change is validated and the clocks measured on it are recomputed."""

    list_display = ("name", "timezone", "holiday_country", "holiday_subdivision", "is_default")
    list_filter = ("is_default", "is_active", "holiday_country")
    search_fields = ("name", "timezone")
    inlines = [ClosedDayInline, OpenDayInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
