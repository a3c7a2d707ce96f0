"""The default order workflow of domain.md §4: stages with their flags, and which roles may
make which transition. Managers change it in the admin afterwards."""

from django.db import migrations

from openservice.core.roles import Role

# code, name, category, sla_clock, edit, delete, cancel, posting, reason, initial
STAGES = [
    ("new", "New", "new", "run", True, True, True, False, False, True),
    ("scheduled", "Scheduled", "scheduled", "run", True, False, True, False, False, False),
    ("in_progress", "In progress", "in_progress", "run", True, False, False, False, False, False),
    ("on_hold", "On hold", "on_hold", "pause", True, False, True, False, True, False),
    ("completed", "Completed", "completed", "stop", True, False, False, True, False, False),
    ("closed", "Closed", "closed", "stop", False, False, False, True, False, False),
    ("cancelled", "Cancelled", "cancelled", "stop", False, False, False, False, True, False),
]
OFFICE = [Role.DISPATCHER, Role.MANAGER]
FIELD = [Role.TECHNICIAN, Role.DISPATCHER, Role.MANAGER]
TRANSITIONS = [
    ("new", "scheduled", OFFICE),
    ("scheduled", "new", OFFICE),
    ("scheduled", "in_progress", FIELD),
    ("in_progress", "on_hold", FIELD),
    ("on_hold", "in_progress", FIELD),
    ("in_progress", "completed", FIELD),
    ("completed", "in_progress", OFFICE),
    ("completed", "closed", [Role.MANAGER]),
    ("new", "cancelled", OFFICE),
    ("scheduled", "cancelled", OFFICE),
    ("on_hold", "cancelled", OFFICE),
]


def create(apps, schema_editor):
    stage_model = apps.get_model("orders", "Stage")
    transition_model = apps.get_model("orders", "StageTransition")
    group_model = apps.get_model("auth", "Group")
    stages = {}
    for order, (
        code,
        name,
        category,
        clock,
        edit,
        delete,
        cancel,
        post,
        reason,
        initial,
    ) in enumerate(STAGES):
        stages[code], _created = stage_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "sla_clock": clock,
                "sort_order": (order + 1) * 10,
                "allows_edit": edit,
                "allows_delete": delete,
                "allows_cancel": cancel,
                "allows_posting": post,
                "requires_reason": reason,
                "is_initial": initial,
            },
        )
    for source, target, roles in TRANSITIONS:
        transition, _created = transition_model.objects.get_or_create(
            from_stage=stages[source], to_stage=stages[target]
        )
        transition.roles.set(group_model.objects.filter(name__in=[str(r) for r in roles]))


def remove(apps, schema_editor):
    apps.get_model("orders", "StageTransition").objects.all().delete()
    apps.get_model("orders", "Stage").objects.filter(code__in=[s[0] for s in STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(create, remove)]
