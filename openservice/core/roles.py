"""The five roles of domain.md §11, as Django groups with permissions.

Groups are created by `core` migration 0002; each app's own data migration grants its models'
permissions to them with `grant_permissions`, so the matrix lives next to the models it governs.
Row-level visibility (a customer sees only their own records) is applied in each app's selectors.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import PermissionDenied


class Role(StrEnum):
    MANAGER = "Service manager"
    DISPATCHER = "Dispatcher"
    TECHNICIAN = "Technician"
    CUSTOMER = "Customer"
    ADMINISTRATOR = "Administrator"


ROLE_LABELS = {
    Role.MANAGER: _("Service manager"),
    Role.DISPATCHER: _("Dispatcher"),
    Role.TECHNICIAN: _("Technician"),
    Role.CUSTOMER: _("Customer"),
    Role.ADMINISTRATOR: _("Administrator"),
}

# When a user holds several roles, the home page and labels follow the first one here.
ROLE_PRECEDENCE = (
    Role.MANAGER,
    Role.DISPATCHER,
    Role.TECHNICIAN,
    Role.ADMINISTRATOR,
    Role.CUSTOMER,
)
STAFF_ROLES = frozenset({Role.MANAGER, Role.DISPATCHER, Role.TECHNICIAN, Role.ADMINISTRATOR})


def roles_of(user) -> frozenset[Role]:
    """The user's roles, cached on the user object for the request. Superusers administer."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_openservice_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(role for role in Role if role.value in names)
        if user.is_superuser:
            cached |= {Role.ADMINISTRATOR}
        user._openservice_roles = cached
    return cached


def primary_role(user) -> Role | None:
    roles = roles_of(user)
    return next((role for role in ROLE_PRECEDENCE if role in roles), None)


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def is_staff_member(user) -> bool:
    """Staff read all master data; customers read only their own."""
    return bool(roles_of(user) & STAFF_ROLES)


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied(perm=perm)


def grant_permissions(apps, matrix: dict[Role, list[str]]) -> None:
    """For data migrations: give each role group the listed `app_label.codename` permissions.

    Permissions are normally created after migrations run; creating them here first lets a
    migration grant permissions for models of the same migration run.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in matrix.items():
        group, _created = group_model.objects.get_or_create(name=str(role))
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke_permissions(apps, matrix: dict[Role, list[str]]) -> None:
    """The reverse of `grant_permissions`, for migrating backwards."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in matrix.items():
        group = group_model.objects.filter(name=str(role)).first()
        if group is None:
            continue
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.remove(
                *permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )


def crud_matrix(app_label: str, models: list[str], *, customer_reads: list[str] = ()) -> dict:
    """The master-data pattern: managers and administrators change, all staff read,
    customers read only what is listed (row-level rules narrow it further)."""
    view = [f"{app_label}.view_{model}" for model in models]
    change = [f"{app_label}.{action}_{model}" for model in models for action in ("add", "change")]
    delete = [f"{app_label}.delete_{model}" for model in models]
    matrix = {
        Role.MANAGER: view + change,
        Role.ADMINISTRATOR: view + change + delete,
        Role.DISPATCHER: list(view),
        Role.TECHNICIAN: list(view),
    }
    if customer_reads:
        matrix[Role.CUSTOMER] = [f"{app_label}.view_{model}" for model in customer_reads]
    return matrix
