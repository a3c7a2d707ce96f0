from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

MATRIX = {
    Role.MANAGER: [
        "orders.manage_sla",
        "orders.view_reports",
        "orders.view_slaevent",
        "orders.view_slaclockchange",
    ],
    Role.DISPATCHER: ["orders.manage_sla", "orders.view_slaevent", "orders.view_slaclockchange"],
    Role.ADMINISTRATOR: ["orders.view_slaevent", "orders.view_slaclockchange"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_sla_tracking"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
