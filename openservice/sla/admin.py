from django.contrib import admin

from openservice.sla.models import SlaAssignment, SlaPolicy, SlaTarget


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Read-only here: policies are edited on the policy editor (/sla/policies/) or the API, so
    that clocks measured against a changed policy are recomputed."""

    list_display = ("name", "calendar", "warning_percent", "is_default", "is_active")
    list_filter = ("is_default", "is_active")
    search_fields = ("name",)
    inlines = [SlaTargetInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaAssignment)
class SlaAssignmentAdmin(admin.ModelAdmin):
    list_display = ("policy", "customer", "agreement_group")
    list_select_related = ("policy", "customer", "agreement_group")
    search_fields = ("policy__name", "customer__name", "agreement_group__code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
