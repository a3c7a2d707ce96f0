"""Managers maintain reason groups, reasons and disposition codes here (audited like every
admin edit). Returns change only through their services and pages; the admin shows them
read-only."""

from django.contrib import admin

from openservice.core.admin import AuditedAdmin
from openservice.returns.models import (
    DispositionCode,
    Replacement,
    ReturnLine,
    ReturnOrder,
    ReturnReason,
    ReturnReasonGroup,
)


@admin.register(ReturnReasonGroup)
class ReasonGroupAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


@admin.register(ReturnReason)
class ReasonAdmin(AuditedAdmin):
    list_display = ("code", "name", "group", "is_active")
    list_filter = ("group", "is_active")
    search_fields = ("code", "name")


@admin.register(DispositionCode)
class DispositionAdmin(AuditedAdmin):
    list_display = ("code", "name", "action", "is_active")
    list_filter = ("action", "is_active")
    search_fields = ("code", "name")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    fields = ("position", "item", "serial", "object", "quantity", "status", "disposition")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReturnOrder)
class ReturnOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "status", "deadline", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "customer__name")
    inlines = [ReturnLineInline]


@admin.register(Replacement)
class ReplacementAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "item", "quantity", "status", "shipped_on")
    list_filter = ("status",)
