from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions


def perms(model, *actions):
    return [f"orders.{action}_{model}" for action in actions]


READ_WORKFLOW = perms("stage", "view") + perms("stagetransition", "view")
CONFIGURE_WORKFLOW = perms("stage", "add", "change", "delete", "view") + perms(
    "stagetransition", "add", "change", "delete", "view"
)
MATRIX = {
    Role.MANAGER: perms("serviceorder", "view", "add", "change", "delete")
    + perms("orderline", "view", "add", "change")
    + perms("stagechange", "view")
    + CONFIGURE_WORKFLOW
    + [
        "orders.cancel_serviceorder",
        "orders.sign_off_serviceorder",
        "orders.post_serviceorder",
        "orders.view_cost",
    ],
    Role.DISPATCHER: perms("serviceorder", "view", "add", "change", "delete")
    + perms("orderline", "view", "add", "change")
    + perms("stagechange", "view")
    + READ_WORKFLOW
    + ["orders.cancel_serviceorder", "orders.sign_off_serviceorder", "orders.view_cost"],
    Role.TECHNICIAN: perms("serviceorder", "view")
    + perms("orderline", "view", "add", "change")
    + perms("stagechange", "view")
    + READ_WORKFLOW
    + ["orders.sign_off_serviceorder"],
    Role.CUSTOMER: perms("serviceorder", "view") + perms("orderline", "view"),
    Role.ADMINISTRATOR: perms("serviceorder", "view")
    + perms("orderline", "view")
    + perms("stagechange", "view")
    + CONFIGURE_WORKFLOW
    + ["orders.post_serviceorder", "orders.view_cost"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, MATRIX)


def revoke(apps, schema_editor):
    revoke_permissions(apps, MATRIX)


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_default_workflow")]

    operations = [migrations.RunPython(grant, revoke)]
