from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

MATRIX = {
    Role.MANAGER: ["orders.generate_serviceorder"],
    Role.DISPATCHER: ["orders.generate_serviceorder"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_agreements"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
