from django.db import migrations

from openservice.core.roles import crud_matrix, grant_permissions, revoke_permissions

MATRIX = crud_matrix("calendars", ["workcalendar", "closedday", "openday"])


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
