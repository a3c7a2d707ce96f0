import pytest
from django.contrib.auth.models import AnonymousUser, Group

from openservice.core.errors import PermissionDenied
from openservice.core.models import AuditEvent
from openservice.core.roles import (
    Role,
    has_role,
    is_staff_member,
    primary_role,
    require_perm,
    roles_of,
)
from openservice.core.services import audit
from openservice.customers.tests.factories import CustomerFactory


def _permissions(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_audit_records_actor_verb_object_and_data(manager):
    customer = CustomerFactory(number="C00042")

    event = audit(manager, "customer.created", customer, {"number": "C00042"})

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == manager
    assert stored.verb == "customer.created"
    assert stored.object_type == "customers.customer"
    assert stored.object_id == str(customer.pk)
    assert stored.data == {"number": "C00042"}
    assert stored.at is not None
    assert str(stored) == f"customer.created customers.customer#{customer.pk}"


def test_audit_without_data_stores_an_empty_dict(manager):
    customer = CustomerFactory()

    event = audit(manager, "customer.updated", customer)

    assert AuditEvent.objects.get(pk=event.pk).data == {}


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_audit_stores_an_anonymous_actor_as_null(db, actor):
    customer = CustomerFactory()

    event = audit(actor, "customer.created", customer)

    assert AuditEvent.objects.get(pk=event.pk).actor is None


def test_audit_events_are_newest_first(manager):
    customer = CustomerFactory()
    first = audit(manager, "customer.created", customer)
    second = audit(manager, "customer.updated", customer)

    assert list(AuditEvent.objects.all()) == [second, first]


def test_roles_of_a_user_with_one_role(dispatcher):
    assert roles_of(dispatcher) == {Role.DISPATCHER}
    assert primary_role(dispatcher) == Role.DISPATCHER
    assert has_role(dispatcher, Role.DISPATCHER, Role.MANAGER)
    assert not has_role(dispatcher, Role.MANAGER)


def test_manager_role_takes_precedence_over_customer(make_user):
    user = make_user(Role.CUSTOMER, Role.MANAGER)

    assert roles_of(user) == {Role.MANAGER, Role.CUSTOMER}
    assert primary_role(user) == Role.MANAGER


def test_staff_role_takes_precedence_over_administrator(make_user):
    user = make_user(Role.ADMINISTRATOR, Role.TECHNICIAN)

    assert primary_role(user) == Role.TECHNICIAN


def test_superuser_counts_as_administrator(make_user):
    user = make_user(is_superuser=True)

    assert roles_of(user) == {Role.ADMINISTRATOR}
    assert primary_role(user) == Role.ADMINISTRATOR
    assert is_staff_member(user)


def test_user_without_role_has_none(make_user):
    user = make_user()

    assert roles_of(user) == frozenset()
    assert primary_role(user) is None
    assert not is_staff_member(user)


def test_anonymous_user_has_no_roles(db):
    assert roles_of(AnonymousUser()) == frozenset()
    assert primary_role(AnonymousUser()) is None


def test_customer_is_not_a_staff_member(customer_user):
    assert not is_staff_member(customer_user)
    assert primary_role(customer_user) == Role.CUSTOMER


def test_require_perm_refuses_a_missing_permission(dispatcher, manager):
    require_perm(manager, "customers.add_customer")

    with pytest.raises(PermissionDenied) as refusal:
        require_perm(dispatcher, "customers.add_customer")

    assert refusal.value.code == "core.permission_denied"
    assert refusal.value.details == {"perm": "customers.add_customer"}


def test_the_five_role_groups_exist_after_migrations(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Service manager",
        "Dispatcher",
        "Technician",
        "Customer",
        "Administrator",
    }


def test_manager_changes_customers_and_dispatcher_only_reads(db):
    manager = _permissions(Role.MANAGER)
    dispatcher = _permissions(Role.DISPATCHER)

    assert {"customers.add_customer", "customers.change_customer"} <= manager
    assert "customers.delete_customer" not in manager
    assert "customers.view_customer" in dispatcher
    assert "customers.add_customer" not in dispatcher
    assert "customers.change_customer" not in dispatcher


def test_customer_only_views_its_customer_records(db):
    customer = _permissions(Role.CUSTOMER)

    assert {p for p in customer if p.endswith("_customer")} == {"customers.view_customer"}
    assert {p for p in customer if p.startswith("customers.")} == {
        "customers.view_customer",
        "customers.view_site",
        "customers.view_contact",
    }
    # Reads only, but for requesting a return of their own (the services narrow it).
    assert {p for p in customer if not p.split(".")[1].startswith("view_")} == {
        "returns.add_returnorder"
    }
    assert not any(p.startswith(("workforce.", "catalog.")) for p in customer)


def test_only_office_roles_see_costs(db):
    assert "catalog.view_cost" not in _permissions(Role.TECHNICIAN)
    assert "workforce.view_cost" not in _permissions(Role.TECHNICIAN)
    assert "catalog.view_cost" not in _permissions(Role.CUSTOMER)
    for role in (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR):
        assert "catalog.view_cost" in _permissions(role)


def test_administrator_manages_users_and_tokens(db):
    administrator = _permissions(Role.ADMINISTRATOR)

    assert {"auth.add_user", "auth.change_user", "auth.change_group"} <= administrator
    assert {"core.add_apitoken", "core.view_auditevent"} <= administrator
    assert "auth.add_user" not in _permissions(Role.MANAGER)


def test_role_permissions_apply_to_group_members(manager, dispatcher, technician_user):
    assert manager.has_perm("customers.add_customer")
    assert not dispatcher.has_perm("customers.add_customer")
    assert dispatcher.has_perm("catalog.view_cost")
    assert technician_user.has_perm("catalog.view_item")
    assert not technician_user.has_perm("catalog.view_cost")
