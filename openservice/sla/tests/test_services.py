"""SLA policy and assignment writes: SlaPolicyChanged only when timing changes, and open orders'
stored clocks recomputed in the same transaction; targets replaced; refused deletes; which policy
a new order takes."""

from datetime import UTC, date, datetime

import pytest

from openservice.agreements import services as agreement_services
from openservice.calendars.services import calendar_create
from openservice.core.errors import InvalidInput
from openservice.core.events import subscribe, unsubscribe
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import (
    AgreementGroupFactory,
    CustomerFactory,
    SiteFactory,
)
from openservice.orders.models import ServiceOrder
from openservice.orders.tests.factories import make_order, stage
from openservice.sla import selectors, services
from openservice.sla.errors import AlreadyAssigned, PolicyInUse
from openservice.sla.events import SlaPolicyChanged
from openservice.sla.models import SlaAssignment, SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

TARGETS = [
    {"priority": "high", "response_minutes": 120, "resolution_minutes": 480},
    {"priority": "normal", "response_minutes": 480, "resolution_minutes": 2400},
]
# Monday 23 November 2026, 09:00 UTC: before the tests' "now", so orders may be reported then.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def office_hours(name="Office", **fields):
    """Mon-Fri 08:00-16:00 UTC, no holidays."""
    return calendar_create(
        by=None,
        name=name,
        timezone="UTC",
        hours={key: [["08:00", "16:00"]] for key in ("mon", "tue", "wed", "thu", "fri")},
        **fields,
    )


def make_policy(name="Gold", **fields) -> SlaPolicy:
    fields.setdefault("targets", TARGETS)
    return services.policy_create(by=None, name=name, **fields)


def stored(order) -> ServiceOrder:
    return ServiceOrder.objects.get(pk=order.pk)


@pytest.fixture
def published():
    events: list[SlaPolicyChanged] = []
    subscribe(SlaPolicyChanged, events.append)
    yield events
    unsubscribe(SlaPolicyChanged, events.append)


def policy_audit(policy) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(object_type="sla.slapolicy", object_id=str(policy.pk))
        .order_by("pk")
        .values_list("verb", "data")
    )


# SlaPolicyChanged and the recomputed clocks


def test_new_targets_publish_sla_policy_changed_and_move_an_open_orders_due_instants(
    manager, published
):
    policy = make_policy(calendar=office_hours())
    order = make_order(by=manager, sla_policy=policy, priority="high", reported_at=MONDAY_9)
    # 120 business minutes from Monday 09:00 is 11:00; 480 is Tuesday 09:00.
    assert (stored(order).sla_response_due_at, stored(order).sla_resolution_due_at) == (
        utc(23, 11),
        utc(24, 9),
    )

    services.policy_update(
        policy=policy,
        by=manager,
        targets=[{"priority": "high", "response_minutes": 240, "resolution_minutes": 960}],
    )

    assert published == [SlaPolicyChanged(policy_id=policy.pk)]
    order = stored(order)
    # 240 from Monday 09:00 is 13:00; 960 (two days) is Wednesday 09:00.
    assert (order.sla_response_due_at, order.sla_resolution_due_at) == (utc(23, 13), utc(25, 9))
    assert order.sla_due_at == utc(23, 13)
    assert policy_audit(policy)[-1] == ("sla_policy.updated", {"changes": ["targets"]})


def test_a_new_calendar_or_warning_publishes_and_recomputes(manager, published):
    policy = make_policy()  # no calendar, no default calendar: round the clock
    order = make_order(by=manager, sla_policy=policy, priority="high", reported_at=MONDAY_9)
    assert stored(order).sla_response_due_at == utc(23, 11)
    assert stored(order).sla_response_warning_at == utc(23, 10, 30)  # 75% of 120 = 90

    services.policy_update(policy=policy, by=manager, warning_percent=50)
    assert stored(order).sla_response_warning_at == utc(23, 10)

    calendar = office_hours()
    weekend = make_order(
        by=manager,
        sla_policy=policy,
        priority="high",
        reported_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
    )  # Saturday: round the clock, due Saturday 11:00
    assert stored(weekend).sla_response_due_at == datetime(2026, 11, 21, 11, tzinfo=UTC)

    services.policy_update(policy=policy, by=manager, calendar=calendar)

    assert published == [SlaPolicyChanged(policy_id=policy.pk)] * 2
    assert stored(weekend).sla_response_due_at == utc(23, 10)  # Monday 08:00 + 120
    assert stored(order).sla_response_due_at == utc(23, 11)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Platinum"},
        {"description": "For key accounts"},
        {"is_default": True},
        {"targets": list(reversed(TARGETS))},  # the same targets
        {"warning_percent": 75},
    ],
)
def test_a_change_that_moves_no_clock_publishes_nothing(changes, manager, published):
    policy = make_policy()
    order = make_order(by=manager, sla_policy=policy, priority="high", reported_at=MONDAY_9)
    before = stored(order).sla_response_due_at

    services.policy_update(policy=policy, by=manager, **changes)

    assert published == []
    assert stored(order).sla_response_due_at == before
    if "targets" in changes or "warning_percent" in changes:  # nothing changed: no audit
        assert [verb for verb, _data in policy_audit(policy)] == ["sla_policy.created"]


def test_recomputing_leaves_stopped_clocks_and_other_policies_alone(manager):
    policy, other = make_policy(), make_policy("Silver")
    done = make_order(by=manager, sla_policy=policy, priority="high", reported_at=MONDAY_9)
    for code, at in (("scheduled", utc(23, 9, 10)), ("in_progress", utc(23, 9, 20))):
        services_change(done, code, manager, at)
    services_change(done, "completed", manager, utc(23, 10))
    elsewhere = make_order(by=manager, sla_policy=other, priority="high", reported_at=MONDAY_9)
    before = (stored(done).sla_resolution_due_at, stored(elsewhere).sla_response_due_at)

    services.policy_update(
        policy=policy,
        by=manager,
        targets=[{"priority": "high", "response_minutes": 30, "resolution_minutes": 45}],
    )

    assert (stored(done).sla_resolution_due_at, stored(elsewhere).sla_response_due_at) == before


def services_change(order, code, by, at):
    from openservice.orders.services import order_change_stage

    return order_change_stage(order=stored(order), to=stage(code), by=by, at=at)


def test_a_target_removed_from_the_policy_ends_the_orders_sla(manager):
    policy = make_policy()
    order = make_order(by=manager, sla_policy=policy, priority="normal", reported_at=MONDAY_9)
    assert stored(order).sla_state

    services.policy_update(policy=policy, by=manager, targets=TARGETS[:1])

    order = stored(order)
    assert (order.sla_state, order.sla_response_due_at, order.sla_policy_id) == (
        "",
        None,
        policy.pk,
    )
    assert list(SlaTarget.objects.values_list("priority", flat=True)) == ["high"]


def test_targets_are_replaced_as_a_whole():
    policy = make_policy()

    services.policy_update(
        policy=policy,
        by=None,
        targets=[
            {"priority": "high", "response_minutes": 60, "resolution_minutes": 120},
            {"priority": "critical", "response_minutes": 15, "resolution_minutes": 60},
        ],
    )

    assert sorted(
        SlaTarget.objects.values_list("priority", "response_minutes", "resolution_minutes")
    ) == [("critical", 15, 60), ("high", 60, 120)]


@pytest.mark.parametrize(
    ("targets", "errors"),
    [
        (
            [TARGETS[0], {**TARGETS[1], "priority": "high"}],
            {"targets": ["Priority high is listed twice."]},
        ),
        (
            [{"priority": "low", "response_minutes": 10, "resolution_minutes": 9}],
            {"targets": ["low: resolution cannot be due before the response."]},
        ),
    ],
)
def test_bad_targets_are_refused_and_nothing_changes(targets, errors, published):
    policy = make_policy()

    with pytest.raises(InvalidInput) as refused:
        services.policy_update(policy=policy, by=None, targets=targets)

    assert refused.value.field_errors == errors
    assert published == []
    assert SlaTarget.objects.count() == 2


# Delete


def test_a_policy_an_order_uses_cannot_be_deleted(manager, administrator):
    policy = make_policy()
    make_order(by=manager, sla_policy=policy)

    with pytest.raises(PolicyInUse) as refused:
        services.policy_delete(policy=policy, by=administrator)

    assert refused.value.details == {"policy_id": policy.pk}
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    assert SlaTarget.objects.filter(policy=policy).count() == 2


# Assignments


def test_an_assignment_needs_exactly_one_target():
    policy = make_policy()

    for kwargs in ({}, {"customer": CustomerFactory(), "agreement_group": AgreementGroupFactory()}):
        with pytest.raises(InvalidInput) as refused:
            services.assignment_create(by=None, policy=policy, **kwargs)
        assert refused.value.field_errors == {
            "__all__": ["Give either a customer or an agreement group."]
        }
    assert not SlaAssignment.objects.exists()


def test_a_customer_or_group_has_one_assignment():
    policy = make_policy()
    customer, group = CustomerFactory(), AgreementGroupFactory(code="GOLD")
    first = services.assignment_create(by=None, policy=policy, customer=customer)
    services.assignment_create(by=None, policy=policy, agreement_group=group)

    with pytest.raises(AlreadyAssigned) as refused:
        services.assignment_create(by=None, policy=make_policy("Silver"), customer=customer)

    assert refused.value.details == {"assignment_id": first.pk, "policy_id": policy.pk}
    with pytest.raises(AlreadyAssigned):
        services.assignment_create(by=None, policy=policy, agreement_group=group)
    assert SlaAssignment.objects.count() == 2


# Which policy a new order takes


def test_a_new_order_takes_the_most_specific_active_policy(manager):
    group = AgreementGroupFactory(code="GOLD")
    customer = CustomerFactory(agreement_group=group)
    site = SiteFactory(customer=customer)
    default = make_policy("Default", is_default=True)
    for_group = make_policy("Group")
    for_customer = make_policy("Customer")
    explicit = make_policy("Explicit")

    def taken(**fields):
        return make_order(by=manager, customer=customer, site=site, **fields).sla_policy

    assert taken() == default
    services.assignment_create(by=None, policy=for_group, agreement_group=group)
    assert taken() == for_group
    assignment = services.assignment_create(by=None, policy=for_customer, customer=customer)
    assert taken() == for_customer
    under_agreement = agreement_services.agreement_create(
        by=None,
        customer=customer,
        site=site,
        description="Care",
        starts_on=date(2020, 1, 1),
        sla_policy=explicit,
    )
    under_agreement = agreement_services.agreement_change_status(
        agreement=under_agreement, by=None, action="activate"
    )
    assert taken(agreement=under_agreement) == explicit  # the agreement's wins
    assert taken(sla_policy=explicit) == explicit
    services.policy_set_active(policy=for_customer, by=None, is_active=False)
    assert taken() == for_group  # inactive policies are passed over
    services.assignment_delete(assignment=assignment, by=None)
    services.policy_set_active(policy=for_group, by=None, is_active=False)
    assert taken() == default
    services.policy_set_active(policy=default, by=None, is_active=False)
    assert taken() is None
    assert selectors.policy_for_order(customer=CustomerFactory()) is None


def test_a_policy_change_is_audited_with_the_changed_fields(manager):
    policy = make_policy()

    services.policy_update(
        policy=policy, by=manager, name="Platinum", warning_percent=90, targets=TARGETS[:1]
    )
    services.policy_set_active(policy=policy, by=manager, is_active=False)

    assert policy_audit(policy) == [
        ("sla_policy.created", {"name": "Gold", "targets": ["high", "normal"]}),
        ("sla_policy.updated", {"changes": ["name", "targets", "warning_percent"]}),
        ("sla_policy.deactivated", {"is_active": False}),
    ]
