from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from openservice.core.admin import AuditedAdmin
from openservice.equipment.models import Component, ObjectGroup, ServiceObject


@admin.register(ObjectGroup)
class ObjectGroupAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")


class ComponentInline(admin.TabularInline):
    """The units installed now, read-only: the tree changes only through replacements and
    upgrades on the object page or the API, which keep its history."""

    model = Component
    fk_name = "object"
    fields = ("slot", "item", "serial", "quantity", "installed_on")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(removed_on__isnull=True).select_related("item")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceObjectAdminForm(forms.ModelForm):
    def _post_clean(self):
        """Also check the constraints that involve read-only fields (the warranty cannot end
        before the installation), which a model form would otherwise leave to the database."""
        super()._post_clean()
        try:
            self.instance.validate_constraints()
        except ValidationError as error:
            self.add_error(None, error.messages)


@admin.register(ServiceObject)
class ServiceObjectAdmin(AuditedAdmin):
    form = ServiceObjectAdminForm
    list_display = (
        "number",
        "customer",
        "site",
        "item",
        "serial_number",
        "installed_on",
        "warranty_ends_on",
        "group",
        "status",
    )
    list_filter = ("status", "group")
    list_select_related = ("customer", "site", "item", "group")
    search_fields = (
        "number",
        "serial_number",
        "customer__name",
        "customer__number",
        "site__name",
        "site__city",
        "item__sku",
    )
    fields = (
        "number",
        "customer",
        "site",
        "item",
        "serial_number",
        "installed_on",
        "warranty_ends_on",
        "group",
        "status",
        "bom",
        "note",
    )
    # The customer, site, item, dates of the tree and BOM version change through the services
    # (which check the site's customer and keep the tree's history consistent).
    readonly_fields = ("number", "customer", "site", "item", "installed_on", "bom")
    inlines = [ComponentInline]

    def has_add_permission(self, request):
        # An object is created on the pages or the API, where its tree is built from the BOM.
        return False

    def view_on_site(self, obj):
        return reverse("equipment:detail", args=[obj.pk])
