from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from openservice.core.models import ApiToken, AuditEvent, NumberSequence, ReasonCode
from openservice.core.services import audit, token_create


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are audited like any other change (verb `<model>.created|updated|deleted`)."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            verb = f"{obj._meta.model_name}.{'updated' if change else 'created'}"
            audit(request.user, verb, obj, {"via": "admin", "fields": form.changed_data})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit(request.user, f"{obj._meta.model_name}.deleted", obj, {"via": "admin"})
            super().delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "verb", "object_type", "object_id")
    list_filter = ("verb", "object_type")
    search_fields = ("verb", "object_type", "object_id", "actor__username")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberSequence)
class NumberSequenceAdmin(AuditedAdmin):
    list_display = ("code", "prefix", "next_number", "padding")
    search_fields = ("code",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return ("user", "name", "prefix", "created_at", "last_used_at", "is_active")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = token_create(user=obj.user, name=obj.name, by=request.user)
        obj.pk = token.pk
        messages.warning(
            request,
            _("The new token is %(token)s. Copy it now: it is not shown again.") % {"token": raw},
        )


@admin.register(ReasonCode)
class ReasonCodeAdmin(AuditedAdmin):
    list_display = (
        "code",
        "description",
        "for_stage_change",
        "for_cancel",
        "for_sla_stop",
        "for_sla_cancel",
        "for_note",
        "is_active",
    )
    list_filter = ("is_active",)
    search_fields = ("code", "description")
