from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

CODES = ["returnreasongroup", "returnreason", "dispositioncode"]
RECORDS = ["returnorder", "returnline", "replacement"]
ACTIONS = ("view", "add", "change", "delete")

# Managers maintain the codes and run returns end to end (arrival, inspection, disposition,
# processing, which credits through billing); dispatchers and administrators read; customers
# read their own returns and request new ones (row-level rules in the selectors and services).
MATRIX = {
    Role.MANAGER: [f"returns.{a}_{m}" for m in [*CODES, *RECORDS] for a in ACTIONS],
    Role.DISPATCHER: [f"returns.view_{m}" for m in [*CODES, *RECORDS]],
    Role.ADMINISTRATOR: [f"returns.view_{m}" for m in [*CODES, *RECORDS]],
    Role.CUSTOMER: [
        "returns.view_returnreason",
        "returns.view_returnorder",
        "returns.view_returnline",
        "returns.add_returnorder",
    ],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
