"""The default workflow of domain.md §4: stage flags, the transition table per role, and the
refusals, each leaving the order as it was."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from openservice.core.roles import Role
from openservice.orders import services
from openservice.orders.errors import InvalidTransition, TransitionNotAllowedForRole
from openservice.orders.models import ServiceOrder, Stage, StageChange, StageTransition
from openservice.orders.tests.factories import make_order, order_in_stage, reason, stage
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

STAGE_CODES = ["new", "scheduled", "in_progress", "on_hold", "completed", "closed", "cancelled"]

# domain.md §4, first table: category, sla_clock, edit, delete, cancel, posting, reason, initial
STAGE_FLAGS = {
    "new": ("new", "run", True, True, True, False, False, True),
    "scheduled": ("scheduled", "run", True, False, True, False, False, False),
    "in_progress": ("in_progress", "run", True, False, False, False, False, False),
    "on_hold": ("on_hold", "pause", True, False, True, False, True, False),
    "completed": ("completed", "stop", True, False, False, True, False, False),
    "closed": ("closed", "stop", False, False, False, True, False, False),
    "cancelled": ("cancelled", "stop", False, False, False, False, True, False),
}

OFFICE = {"dispatcher", "manager"}
FIELD = {"technician", "dispatcher", "manager"}
# domain.md §4, second table (technicians only on their own orders).
TRANSITIONS = {
    ("new", "scheduled"): OFFICE,
    ("scheduled", "new"): OFFICE,
    ("scheduled", "in_progress"): FIELD,
    ("in_progress", "on_hold"): FIELD,
    ("on_hold", "in_progress"): FIELD,
    ("in_progress", "completed"): FIELD,
    ("completed", "in_progress"): OFFICE,
    ("completed", "closed"): {"manager"},
    ("new", "cancelled"): OFFICE,
    ("scheduled", "cancelled"): OFFICE,
    ("on_hold", "cancelled"): OFFICE,
}
ROLE_GROUPS = {
    "technician": Role.TECHNICIAN.value,
    "dispatcher": Role.DISPATCHER.value,
    "manager": Role.MANAGER.value,
}
TABLE = list(TRANSITIONS)
OUTSIDE = [
    (source, target)
    for source in STAGE_CODES
    for target in STAGE_CODES
    if source != target and (source, target) not in TRANSITIONS
]
ACTORS = ["tech_own", "tech_other", "dispatcher", "manager", "customer"]


def expected_outcome(actor: str, source: str, target: str) -> tuple[int, str | None]:
    if actor == "tech_other":
        return 404, "core.not_found"  # someone else's order is invisible to a technician
    if target == "cancelled" or (source, target) not in TRANSITIONS:
        return 409, "orders.invalid_transition"  # cancelling is its own action
    role = "technician" if actor == "tech_own" else actor
    if role in TRANSITIONS[(source, target)]:
        return 200, None
    return 403, "orders.transition_not_allowed"


def snapshot(order: ServiceOrder) -> tuple:
    order = ServiceOrder.objects.select_related("stage").get(pk=order.pk)
    return order.stage.code, order.version, StageChange.objects.filter(order=order).count()


@pytest.fixture
def actor_and_order(manager, dispatcher, technician_user, customer_user, make_user):
    """actor_and_order(actor, stage) -> (user, order of customer_user's customer in the stage);
    the order's preferred technician is technician_user's only for `tech_own`."""
    users = {
        "tech_own": technician_user,
        "tech_other": technician_user,
        "dispatcher": dispatcher,
        "manager": manager,
        "customer": customer_user,
    }
    TechnicianFactory(user=technician_user)
    someone_else = TechnicianFactory(user=make_user(Role.TECHNICIAN, username="othertech"))

    def build(actor, code):
        preferred = technician_user.technician if actor == "tech_own" else someone_else
        order = order_in_stage(
            code,
            by=manager,
            customer=customer_user.customer_contact.customer,
            preferred_technician=preferred,
        )
        return users[actor], order

    return build


def test_the_seven_default_stages_have_the_flags_of_the_domain_table():
    stages = {
        s.code: (
            s.category,
            s.sla_clock,
            s.allows_edit,
            s.allows_delete,
            s.allows_cancel,
            s.allows_posting,
            s.requires_reason,
            s.is_initial,
        )
        for s in Stage.objects.all()
    }
    assert stages == STAGE_FLAGS
    assert list(Stage.objects.values_list("code", flat=True)) == STAGE_CODES  # sort order


def test_the_default_transitions_and_their_roles_are_the_domain_table():
    table = {
        (t.from_stage.code, t.to_stage.code): {group.name for group in t.roles.all()}
        for t in StageTransition.objects.select_related("from_stage", "to_stage")
    }
    assert table == {
        pair: {ROLE_GROUPS[role] for role in roles} for pair, roles in TRANSITIONS.items()
    }


def test_exactly_one_stage_is_initial_and_a_second_is_refused():
    assert list(Stage.objects.filter(is_initial=True).values_list("code", flat=True)) == ["new"]
    second = Stage(code="triage", name="Triage", category="new", is_initial=True)
    with pytest.raises(ValidationError, match="Only one stage can be the initial stage"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    assert Stage.objects.filter(is_initial=True).count() == 1
    assert services.initial_stage().code == "new"


def test_a_transition_from_a_stage_to_itself_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        StageTransition.objects.create(from_stage=stage("new"), to_stage=stage("new"))


def test_a_stage_in_use_cannot_be_deleted(manager):
    order = make_order(by=manager)
    with pytest.raises(ProtectedError):
        stage("new").delete()
    assert Stage.objects.filter(code="new").exists()
    assert ServiceOrder.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("source", "target"), TABLE, ids=[f"{s}->{t}" for s, t in TABLE])
def test_stage_change_through_the_api_follows_the_transition_table_per_role(
    actor, source, target, actor_and_order, api_as
):
    user, order = actor_and_order(actor, source)
    before = snapshot(order)
    body = {"to": target}
    if stage(target).requires_reason:
        body["reason"] = "CUSTOMER_REQUEST"

    response = api_as(user).post(f"orders/{order.pk}/stage", body)

    status, code = expected_outcome(actor, source, target)
    assert response.status_code == status, response.json()
    if status == 200:
        assert response.json()["stage"] == {"code": target, "name": stage(target).name}
        assert response.json()["version"] == before[1] + 1
        assert snapshot(order) == (target, before[1] + 1, before[2] + 1)
        change = StageChange.objects.filter(order=order).latest("pk")
        assert (change.from_stage.code, change.to_stage.code, change.by) == (source, target, user)
    else:
        assert response.json()["code"] == code
        assert snapshot(order) == before


@pytest.mark.parametrize("actor", ACTORS)
def test_pairs_outside_the_workflow_are_refused_for_every_role(actor, actor_and_order):
    """Every ordered pair of stages that is not a row of the table (31 of them): the
    workflow refuses them before it looks at the role."""
    orders = {}
    for source, target in OUTSIDE:
        if source not in orders:
            user, orders[source] = actor_and_order(actor, source)
        order = orders[source]
        before = snapshot(order)

        with pytest.raises(InvalidTransition):
            services.order_change_stage(order=order, to=stage(target), by=user, reason=reason())

        assert snapshot(order) == before, (source, target)


def test_pairs_outside_the_workflow_are_refused_through_the_api(actor_and_order, api_as):
    orders = {}
    for source, target in OUTSIDE:
        if source not in orders:
            user, orders[source] = actor_and_order("manager", source)
            api = api_as(user)
        order = orders[source]
        before = snapshot(order)

        response = api.post(
            f"orders/{order.pk}/stage", {"to": target, "reason": "CUSTOMER_REQUEST"}
        )

        assert (response.status_code, response.json()["code"]) == (
            409,
            "orders.invalid_transition",
        ), (source, target)
        details = response.json()["details"]
        assert (details["from_stage"], details["to_stage"]) == (source, target)
        assert snapshot(order) == before


def test_a_technician_may_not_change_the_stage_of_someone_elses_order(actor_and_order):
    """Hidden from them by the API (404); refused by the service even if it were not."""
    for source, target in TABLE:
        user, order = actor_and_order("tech_other", source)
        before = snapshot(order)
        error = InvalidTransition if target == "cancelled" else TransitionNotAllowedForRole

        with pytest.raises(error):
            services.order_change_stage(
                order=order,
                to=stage(target),
                by=user,
                reason=reason() if stage(target).requires_reason else None,
            )

        assert snapshot(order) == before, (source, target)


BUTTONS = [
    ("manager", "new", ["scheduled"]),
    ("manager", "completed", ["in_progress", "closed"]),
    ("dispatcher", "completed", ["in_progress"]),
    ("dispatcher", "on_hold", ["in_progress"]),
    ("tech_own", "new", []),
    ("tech_own", "scheduled", ["in_progress"]),
    ("tech_own", "in_progress", ["on_hold", "completed"]),
    ("tech_own", "on_hold", ["in_progress"]),
    ("tech_own", "completed", []),
    ("tech_other", "in_progress", []),
    ("customer", "in_progress", []),
    ("manager", "cancelled", []),
]


def test_allowed_transitions_are_the_stage_buttons_of_the_user(actor_and_order):
    """Cancelling is its own button, so no list offers the cancelled stage."""
    for actor, source, targets in BUTTONS:
        user, order = actor_and_order(actor, source)
        allowed = [t.to_stage.code for t in services.allowed_transitions(user, order)]
        assert allowed == targets, (actor, source)


def test_an_unknown_stage_code_is_refused_and_changes_nothing(manager, api_as):
    order = make_order(by=manager)
    before = snapshot(order)

    response = api_as(manager).post(f"orders/{order.pk}/stage", {"to": "done"})

    assert response.status_code == 422
    assert response.json()["code"] == "orders.unknown_stage"
    assert snapshot(order) == before


def test_a_superuser_may_make_every_transition_of_the_workflow(make_user):
    root = make_user(username="root", is_superuser=True)
    order = order_in_stage("completed", by=root)
    order = services.order_change_stage(order=order, to=stage("closed"), by=root)
    assert order.stage.code == "closed"
