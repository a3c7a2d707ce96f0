"""Managers configure the workflow here: stages, transitions and who may make them.

A stage that orders use cannot be deleted (the order's stage is a protected reference, so the
admin shows which orders hold it). Orders themselves are worked on the order pages, where
every change goes through the services; the admin shows them read-only.
"""

from django.contrib import admin

from openservice.core.admin import AuditedAdmin
from openservice.orders.models import OrderLine, ServiceOrder, Stage, StageChange, StageTransition
from openservice.orders.services.sla import orders_sla_recompute_after_stage_change


@admin.register(Stage)
class StageAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name",
        "category",
        "sort_order",
        "is_initial",
        "sla_clock",
        "allows_edit",
        "allows_delete",
        "allows_cancel",
        "allows_posting",
        "requires_reason",
    )
    list_editable = ("sort_order",)
    list_filter = ("category", "sla_clock")
    search_fields = ("code", "name")

    def save_model(self, request, obj, form, change):
        """A stage whose SLA clock flag or category changes moves the clocks of open orders."""
        super().save_model(request, obj, form, change)
        if change and {"sla_clock", "category"} & set(form.changed_data):
            orders_sla_recompute_after_stage_change(stage=obj)


@admin.register(StageTransition)
class StageTransitionAdmin(AuditedAdmin):
    list_display = ("from_stage", "to_stage", "allowed_roles")
    list_filter = ("from_stage", "to_stage")
    filter_horizontal = ("roles",)
    list_select_related = ("from_stage", "to_stage")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description="Roles")
    def allowed_roles(self, transition) -> str:
        return ", ".join(sorted(group.name for group in transition.roles.all()))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("kind", "description", "quantity", "unit_price", "net_amount", "status")
    readonly_fields = fields


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fk_name = "order"
    fields = ("at", "from_stage", "to_stage", "by", "reason", "note")
    readonly_fields = fields


@admin.register(ServiceOrder)
class ServiceOrderAdmin(admin.ModelAdmin):
    list_display = ("number", "customer", "site", "stage", "priority", "service_on")
    list_filter = ("stage", "priority", "origin")
    search_fields = ("number", "description", "customer__name")
    list_select_related = ("customer", "site", "stage")
    inlines = [OrderLineInline, StageChangeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
