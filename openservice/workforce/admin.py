from django.contrib import admin

from openservice.core.admin import AuditedAdmin
from openservice.workforce.models import DispatchTeam, Skill, Technician, TechnicianSkill


@admin.register(Skill)
class SkillAdmin(AuditedAdmin):
    list_display = ("code", "name", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)


@admin.register(DispatchTeam)
class DispatchTeamAdmin(AuditedAdmin):
    list_display = ("code", "name", "owner", "is_active")
    search_fields = ("code", "name")
    list_filter = ("is_active",)
    raw_id_fields = ("owner",)


class TechnicianSkillInline(admin.TabularInline):
    model = TechnicianSkill
    extra = 1
    autocomplete_fields = ("skill",)


@admin.register(Technician)
class TechnicianAdmin(AuditedAdmin):
    list_display = ("name", "team", "user", "phone", "is_active")
    list_filter = ("is_active", "team")
    search_fields = ("name", "email", "phone", "user__username")
    list_select_related = ("team", "user")
    raw_id_fields = ("user",)
    inlines = [TechnicianSkillInline]
