"""The default reason codes (domain.md §4), usable for stage changes, cancellations and SLA
stops; administrators add and change codes in the admin."""

from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

CODES = [
    ("CUSTOMER_REQUEST", "The customer asked for it"),
    ("NO_ACCESS", "No access to the site or the equipment"),
    ("PARTS_MISSING", "Waiting for parts"),
    ("DUPLICATE", "Duplicate of another order"),
    ("LATE_ARRIVAL", "The technician arrived late"),
]
VIEW = ["core.view_reasoncode"]
CHANGE = ["core.add_reasoncode", "core.change_reasoncode", "core.view_reasoncode"]
MATRIX = {
    Role.MANAGER: CHANGE,
    Role.ADMINISTRATOR: CHANGE,
    Role.DISPATCHER: VIEW,
    Role.TECHNICIAN: VIEW,
}


def create(apps, schema_editor):
    reason_code = apps.get_model("core", "ReasonCode")
    for code, description in CODES:
        reason_code.objects.get_or_create(code=code, defaults={"description": description})
    grant_permissions(apps, MATRIX)


def remove(apps, schema_editor):
    revoke_permissions(apps, MATRIX)
    apps.get_model("core", "ReasonCode").objects.filter(code__in=[c for c, _ in CODES]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0003_reasoncode")]

    operations = [migrations.RunPython(create, remove)]
