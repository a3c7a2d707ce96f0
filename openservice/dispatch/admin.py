from django.contrib import admin

from openservice.dispatch.models import Appointment


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: appointments change through the dispatch services (conflict rules, stages)."""

    list_display = ("order", "technician", "starts_at", "ends_at", "status", "is_pinned")
    list_filter = ("status", "is_pinned")
    search_fields = ("order__number", "technician__name")
    list_select_related = ("order", "technician")
    raw_id_fields = ("order", "technician", "created_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
