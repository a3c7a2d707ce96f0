from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

MODELS = ["serviceagreement", "agreementline", "templategroup"]
ACTIONS = ("view", "add", "change", "delete")

# Managers run agreements; dispatchers read them (they generate orders from them);
# administrators read them. Technicians and customers see the orders, not the contracts.
MATRIX = {
    Role.MANAGER: [f"agreements.{action}_{model}" for model in MODELS for action in ACTIONS],
    Role.DISPATCHER: [f"agreements.view_{model}" for model in MODELS],
    Role.ADMINISTRATOR: [f"agreements.view_{model}" for model in MODELS],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
