from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

MODELS = ["invoice", "invoiceline", "accrualentry"]
ACTIONS = ("view", "add", "change", "delete")

# Managers propose, post, credit and export invoices (domain.md §11: the only role, with
# administrators, that posts and credits); administrators read them; customers read their own
# (row-level visibility in the selectors). Dispatchers and technicians do no billing.
MATRIX = {
    Role.MANAGER: [
        *(f"billing.{action}_{model}" for model in MODELS for action in ACTIONS),
        "billing.post_invoice",
        "billing.credit_invoice",
        "billing.export_invoice",
    ],
    Role.ADMINISTRATOR: [f"billing.view_{model}" for model in MODELS],
    Role.CUSTOMER: ["billing.view_invoice"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_sources"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
