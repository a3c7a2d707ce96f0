from django.contrib import admin

from openservice.catalog.models import Item, ServiceTask, TaskSkill
from openservice.core.admin import AuditedAdmin


@admin.register(Item)
class ItemAdmin(AuditedAdmin):
    list_display = ("sku", "name", "kind", "unit", "sales_price", "is_serialized", "is_active")
    list_filter = ("kind", "is_serialized", "is_active")
    search_fields = ("sku", "name")

    def get_exclude(self, request, obj=None):
        return () if request.user.has_perm("catalog.view_cost") else ("cost_price",)


class TaskSkillInline(admin.TabularInline):
    model = TaskSkill
    extra = 1
    autocomplete_fields = ("skill",)


@admin.register(ServiceTask)
class ServiceTaskAdmin(AuditedAdmin):
    list_display = ("code", "name", "default_duration_minutes", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    inlines = [TaskSkillInline]
