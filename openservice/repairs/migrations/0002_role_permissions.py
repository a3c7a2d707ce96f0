from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

CODES = [
    "condition",
    "symptomarea",
    "symptomcode",
    "diagnosisarea",
    "diagnosiscode",
    "resolution",
    "repairstage",
]
ACTIONS = ("view", "add", "change", "delete")

# Managers maintain the codes and every repair line; technicians read the codes and record
# repair lines on their own orders (the services narrow to their orders); dispatchers and
# administrators read.
MATRIX = {
    Role.MANAGER: [
        *(f"repairs.{a}_{m}" for m in [*CODES, "repairline"] for a in ACTIONS),
    ],
    Role.TECHNICIAN: [
        *(f"repairs.view_{m}" for m in CODES),
        *(f"repairs.{a}_repairline" for a in ACTIONS),
    ],
    Role.DISPATCHER: [f"repairs.view_{m}" for m in [*CODES, "repairline"]],
    Role.ADMINISTRATOR: [f"repairs.view_{m}" for m in [*CODES, "repairline"]],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("repairs", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
