from django.db import migrations

from openservice.core.roles import Role, crud_matrix, grant_permissions, revoke_permissions

MATRIX = crud_matrix("workforce", ["skill", "dispatchteam", "technician", "technicianskill"])
for role in (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR):
    MATRIX[role].append("workforce.view_cost")


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
