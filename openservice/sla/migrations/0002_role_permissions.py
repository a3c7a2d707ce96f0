from django.db import migrations

from openservice.core.roles import Role, crud_matrix, grant_permissions, revoke_permissions

MATRIX = crud_matrix("sla", ["slapolicy", "slatarget", "slaassignment"])
# Assigning and unassigning policies is a manager's everyday setup work, not an admin task.
MATRIX[Role.MANAGER].append("sla.delete_slaassignment")


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
