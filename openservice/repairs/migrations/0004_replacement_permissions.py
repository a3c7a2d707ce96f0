from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

# Component replacements made from repair lines: recorded by managers and by technicians on
# their own orders (the services narrow to their orders), read by dispatchers and
# administrators.
MATRIX = {
    Role.MANAGER: [f"repairs.{a}_componentreplacement" for a in ("view", "add", "change")],
    Role.TECHNICIAN: ["repairs.view_componentreplacement", "repairs.add_componentreplacement"],
    Role.DISPATCHER: ["repairs.view_componentreplacement"],
    Role.ADMINISTRATOR: ["repairs.view_componentreplacement"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("repairs", "0003_component_replacement"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
