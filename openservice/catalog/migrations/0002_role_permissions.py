from django.db import migrations

from openservice.core.roles import Role, crud_matrix, grant_permissions, revoke_permissions

MATRIX = crud_matrix("catalog", ["item", "servicetask", "taskskill"])
for role in (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR):
    MATRIX[role].append("catalog.view_cost")


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
