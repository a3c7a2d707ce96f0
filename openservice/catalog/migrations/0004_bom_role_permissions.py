from django.db import migrations

from openservice.core.roles import crud_matrix, grant_permissions, revoke_permissions

MATRIX = crud_matrix("catalog", ["bom", "bomline"])


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_bom")]

    operations = [migrations.RunPython(grant, revoke)]
