"""Managers maintain the repair codes here until their own pages come (audited like every admin
edit). Repair lines are recorded on orders through the services; the admin shows them
read-only."""

from django.contrib import admin

from openservice.core.admin import AuditedAdmin
from openservice.repairs.models import (
    ComponentReplacement,
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairLine,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)


@admin.register(Condition, SymptomArea, DiagnosisArea, Resolution)
class CodeAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(SymptomCode, DiagnosisCode)
class AreaCodeAdmin(AuditedAdmin):
    list_display = ("code", "name", "area", "is_active")
    list_filter = ("area", "is_active")
    search_fields = ("code", "name")


@admin.register(RepairStage)
class RepairStageAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_finished", "sort_order", "is_active")
    list_editable = ("sort_order",)


@admin.register(RepairLine)
class RepairLineAdmin(admin.ModelAdmin):
    list_display = ("order", "object", "symptom_code", "resolution", "stage", "finished_at")
    list_filter = ("stage", "resolution")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComponentReplacement)
class ComponentReplacementAdmin(admin.ModelAdmin):
    """Made only from a repair line (services/replacement.py); shown read-only."""

    list_display = ("repair_line", "removed", "installed", "order_line", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
