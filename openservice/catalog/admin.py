from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openservice.catalog import bom_services
from openservice.catalog.bom_services import item_contains
from openservice.catalog.errors import BomCycle
from openservice.catalog.models import Bom, BomLine, Item, ServiceTask, TaskSkill
from openservice.core.admin import AuditedAdmin
from openservice.core.errors import DomainError


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


class BomLineFormSet(BaseInlineFormSet):
    """Refuses, next to the line, what the BOM services would refuse when saving."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            data = getattr(form, "cleaned_data", {})
            item, parent = data.get("component_item"), data.get("parent")
            if item is not None and item_contains(item.pk, self.instance.item_id):
                form.add_error("component_item", BomCycle.default_message)
            if parent is not None and parent.bom_id != self.instance.pk:
                form.add_error("parent", _("The parent line belongs to another BOM."))


class BomLineInline(admin.TabularInline):
    """Lines are edited while the version is a draft; approved and retired versions are frozen."""

    model = BomLine
    fk_name = "bom"
    formset = BomLineFormSet
    fields = ("component_item", "quantity", "position", "parent")
    autocomplete_fields = ("component_item",)
    raw_id_fields = ("parent",)
    extra = 0

    def _is_draft(self, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


@admin.register(Bom)
class BomAdmin(AuditedAdmin):
    """Every write goes through the BOM services: versions are numbered under a lock, lines
    are checked for cycles, and approval checks overlapping validity."""

    list_display = ("item", "version", "status", "valid_from", "valid_to", "approved_at")
    list_filter = ("status",)
    list_select_related = ("item",)
    search_fields = ("item__sku", "item__name", "note")
    autocomplete_fields = ("item",)
    inlines = [BomLineInline]
    actions = ["approve_selected", "copy_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("item", "valid_from", "valid_to", "note")
        return (
            "item",
            "version",
            "status",
            "valid_from",
            "valid_to",
            "note",
            "copied_from",
            "approved_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        frozen = ("item", "version", "status", "copied_from", "approved_at")
        return frozen if obj.is_editable else (*frozen, "valid_from", "valid_to", "note")

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in ("valid_from", "valid_to", "note")}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            if changed:
                bom_services.bom_update(bom=obj, by=request.user, **changed)
            return
        created = bom_services.bom_create(by=request.user, item=obj.item, **fields)
        obj.pk, obj.version = created.pk, created.version

    def save_formset(self, request, form, formset, change):
        if formset.model is not BomLine:
            return super().save_formset(request, form, formset, change)
        bom = form.instance
        # What the admin's change message reports, as `formset.save()` would have set it.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for line_form in formset.forms:
            line = line_form.instance
            if formset._should_delete_form(line_form):
                if line.pk is not None:
                    bom_services.bom_line_remove(line=line, by=request.user)
                    formset.deleted_objects.append(line)
            elif line_form.has_changed():
                data = {name: line_form.cleaned_data[name] for name in BomLineInline.fields}
                if line.pk is None:
                    added = bom_services.bom_line_add(bom=bom, by=request.user, **data)
                    formset.new_objects.append(added)
                else:
                    changed = {k: v for k, v in data.items() if k in line_form.changed_data}
                    bom_services.bom_line_update(line=line, by=request.user, **changed)
                    formset.changed_objects.append((line, list(changed)))
        return None

    @admin.action(description=_("Approve the selected drafts"), permissions=["change"])
    def approve_selected(self, request, queryset):
        done = self._each(request, queryset, bom_services.bom_approve)
        if done:
            message = ngettext("%(count)s version approved.", "%(count)s versions approved.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Copy the selected versions to new drafts"), permissions=["add"])
    def copy_selected(self, request, queryset):
        done = self._each(request, queryset, bom_services.bom_copy)
        if done:
            message = ngettext("%(count)s draft created.", "%(count)s drafts created.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)

    def _each(self, request, queryset, service) -> int:
        """Run the service on each BOM; refusals are reported, the others counted."""
        done = 0
        for bom in queryset.select_related("item"):
            try:
                service(bom=bom, by=request.user)
            except DomainError as error:
                self.message_user(
                    request,
                    _("%(bom)s: %(message)s") % {"bom": bom, "message": error.message},
                    messages.ERROR,
                )
            else:
                done += 1
        return done
