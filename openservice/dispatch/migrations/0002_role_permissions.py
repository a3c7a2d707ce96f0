from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

ACTIONS = ("view", "add", "change", "delete")

# Managers and dispatchers plan; technicians read and report the status of their own
# appointments (narrowed to their own in the selectors and services); administrators read.
MATRIX = {
    Role.MANAGER: [f"dispatch.{a}_appointment" for a in ACTIONS],
    Role.DISPATCHER: [f"dispatch.{a}_appointment" for a in ACTIONS],
    Role.TECHNICIAN: ["dispatch.view_appointment", "dispatch.change_appointment"],
    Role.ADMINISTRATOR: ["dispatch.view_appointment"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
