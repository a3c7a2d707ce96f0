"""The five role groups of domain.md §11; administrators manage users and roles.

Each app grants its own models' permissions to these groups in its own data migration.
"""

from django.db import migrations

from openservice.core.roles import Role, grant_permissions, revoke_permissions

ADMINISTRATOR_PERMISSIONS = [
    f"auth.{action}_{model}"
    for model in ("user", "group")
    for action in ("add", "change", "delete", "view")
] + [
    "core.view_auditevent",
    "core.view_numbersequence",
    "core.change_numbersequence",
    "core.add_apitoken",
    "core.change_apitoken",
    "core.view_apitoken",
    "core.delete_apitoken",
]
MATRIX = {
    Role.ADMINISTRATOR: ADMINISTRATOR_PERMISSIONS,
    Role.MANAGER: ["core.view_auditevent"],
}


def create_roles(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    for role in Role:
        group_model.objects.get_or_create(name=role.value)
    grant_permissions(apps, MATRIX)


def remove_roles(apps, schema_editor):
    revoke_permissions(apps, MATRIX)
    apps.get_model("auth", "Group").objects.filter(name__in=[role.value for role in Role]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
