from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

MODELS = ["subscriptionplan", "subscription", "fee", "pricechange", "subscriptionpause"]
ACTIONS = ("view", "add", "change", "delete")

# Managers run subscriptions, index prices and adjust fees; administrators read them.
# Dispatchers do no billing; technicians and customers never see contract prices here.
MATRIX = {
    Role.MANAGER: [f"subscriptions.{action}_{model}" for model in MODELS for action in ACTIONS],
    Role.ADMINISTRATOR: [f"subscriptions.view_{model}" for model in MODELS],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
