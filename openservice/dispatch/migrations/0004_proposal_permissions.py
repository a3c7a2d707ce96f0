from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

# Planners ask for, read, accept and discard plan proposals; administrators read them.
# Technicians read and reset their own calendar feed (narrowed to their own in the services),
# planners anyone's.
PROPOSAL = [f"dispatch.{a}_proposal" for a in ("view", "add", "change")]
FEED = [f"dispatch.{a}_calendarfeed" for a in ("view", "add", "change")]
MATRIX = {
    Role.MANAGER: PROPOSAL + FEED,
    Role.DISPATCHER: PROPOSAL + FEED,
    Role.TECHNICIAN: FEED,
    Role.ADMINISTRATOR: ["dispatch.view_proposal"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_proposals_and_feeds"), ("core", "0002_roles")]

    operations = [migrations.RunPython(grant, revoke)]
