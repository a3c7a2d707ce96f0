"""Agreement services beyond what the API shows: covered objects and tasks with their notes,
removing a used object, expiry, the renewal period, copying lines with their offset, the
refusals on customers and policies, and the audit trail."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.agreements import services
from openservice.agreements.errors import (
    CustomerInactive,
    CustomerMismatch,
    IsTemplate,
    ObjectInUse,
    ObjectNotCovered,
    PolicyInactive,
    ReadOnly,
    RenewalPeriodInvalid,
)
from openservice.agreements.models import AgreementLine, ServiceAgreement
from openservice.agreements.tests.factories import TemplateGroupFactory
from openservice.catalog.tests.factories import ServiceTaskFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.equipment.tests.factories import ServiceObjectFactory
from openservice.sla.services import policy_create, policy_set_active

pytestmark = pytest.mark.django_db

Status = ServiceAgreement.Status


def make(customer=None, **fields) -> ServiceAgreement:
    customer = customer or CustomerFactory()
    fields.setdefault("site", SiteFactory(customer=customer))
    fields.setdefault("description", "Lift care")
    fields.setdefault("starts_on", date(2027, 1, 1))
    fields.setdefault("ends_on", date(2027, 12, 31))
    return services.agreement_create(by=None, customer=customer, **fields)


def template(**fields) -> ServiceAgreement:
    fields.setdefault("template_group", TemplateGroupFactory(code="LIFTS"))
    fields.setdefault("description", "Lift template")
    fields.setdefault("starts_on", date(2020, 1, 1))
    return services.agreement_create(by=None, **fields)


def add_line(agreement, **fields) -> AgreementLine:
    fields.setdefault("kind", "hour")
    fields.setdefault("interval_unit", "week")
    return services.agreement_line_create(agreement=agreement, by=None, **fields)


def act(agreement, *actions: str) -> ServiceAgreement:
    for action in actions:
        agreement = services.agreement_change_status(agreement=agreement, by=None, action=action)
    return agreement


def relations(agreement) -> tuple[list, list]:
    return (
        list(
            agreement.object_relations.order_by("object_id").values_list(
                "object_id", "internal_note", "external_note"
            )
        ),
        list(
            agreement.task_relations.order_by("task_id").values_list(
                "task_id", "internal_note", "external_note"
            )
        ),
    )


def periods(agreement) -> list[tuple]:
    return list(agreement.lines.order_by("pk").values_list("description", "starts_on", "ends_on"))


# Covered objects and tasks


def test_objects_and_tasks_are_covered_with_their_notes():
    customer = CustomerFactory()
    lift, door = ServiceObjectFactory(customer=customer), ServiceObjectFactory(customer=customer)
    task = ServiceTaskFactory()

    agreement = make(customer, objects=[(lift, "Noisy", "Your lift"), door], tasks=[(task, "Key")])

    assert relations(agreement) == (
        [(lift.pk, "Noisy", "Your lift"), (door.pk, "", "")],
        [(task.pk, "Key", "")],
    )


def test_updating_the_relations_replaces_them_and_their_notes():
    customer = CustomerFactory()
    lift, door = ServiceObjectFactory(customer=customer), ServiceObjectFactory(customer=customer)
    task, other_task = ServiceTaskFactory(), ServiceTaskFactory()
    agreement = make(customer, objects=[(lift, "Noisy", "")], tasks=[task])

    services.agreement_update(
        agreement=agreement,
        by=None,
        objects=[(lift, "Fixed", "Quiet now"), (door, "", "Front door")],
        tasks=[(other_task, "", "Twice a year")],
    )

    assert relations(agreement) == (
        [(lift.pk, "Fixed", "Quiet now"), (door.pk, "", "Front door")],
        [(other_task.pk, "", "Twice a year")],
    )
    event = AuditEvent.objects.filter(verb="agreement.updated").get()
    assert event.data == {"changes": {"objects": [lift.pk, door.pk], "tasks": [other_task.pk]}}


def test_relations_not_given_are_left_as_they_are():
    customer = CustomerFactory()
    lift = ServiceObjectFactory(customer=customer)
    agreement = make(customer, objects=[(lift, "Noisy", "")])

    services.agreement_update(agreement=agreement, by=None, description="Lift and door care")

    assert relations(agreement) == ([(lift.pk, "Noisy", "")], [])


def test_removing_an_object_a_line_names_is_refused():
    customer = CustomerFactory()
    lift, door = ServiceObjectFactory(customer=customer), ServiceObjectFactory(customer=customer)
    agreement = make(customer, objects=[(lift, "Noisy", ""), door])
    add_line(agreement, object=lift)
    before = relations(agreement)

    with pytest.raises(ObjectInUse) as refused:
        services.agreement_update(agreement=agreement, by=None, objects=[door], description="X")

    assert refused.value.code == "agreements.object_in_use"
    assert refused.value.details == {"object_ids": [lift.pk]}
    assert relations(agreement) == before
    assert ServiceAgreement.objects.get(pk=agreement.pk).description == "Lift care"
    # Given as a bare record, the object stays covered without notes.
    services.agreement_update(agreement=agreement, by=None, objects=[lift])
    assert relations(agreement) == ([(lift.pk, "", "")], [])


def test_a_line_may_name_only_a_covered_object():
    customer = CustomerFactory()
    agreement = make(customer)
    uncovered = ServiceObjectFactory(customer=customer)

    with pytest.raises(ObjectNotCovered):
        add_line(agreement, object=uncovered)

    assert not AgreementLine.objects.exists()


def test_the_site_and_objects_must_be_the_customers():
    customer = CustomerFactory()
    foreign = ServiceObjectFactory()

    with pytest.raises(CustomerMismatch):
        make(customer, objects=[foreign])
    with pytest.raises(CustomerMismatch):
        make(customer, site=SiteFactory())
    agreement = make(customer)
    with pytest.raises(CustomerMismatch):
        services.agreement_update(agreement=agreement, by=None, objects=[foreign])
    with pytest.raises(CustomerMismatch):
        services.agreement_update(agreement=agreement, by=None, site=SiteFactory())

    assert ServiceAgreement.objects.count() == 1
    assert relations(agreement) == ([], [])


def test_an_inactive_customer_gets_no_new_agreement():
    customer = CustomerFactory(is_active=False)

    with pytest.raises(CustomerInactive):
        make(customer)

    assert not ServiceAgreement.objects.exists()


def test_an_inactive_policy_is_refused_but_a_kept_one_stays():
    policy = policy_create(
        by=None,
        name="Gold",
        targets=[{"priority": "normal", "response_minutes": 60, "resolution_minutes": 240}],
    )
    agreement = make(sla_policy=policy)
    policy = policy_set_active(policy=policy, by=None, is_active=False)

    with pytest.raises(PolicyInactive):
        make(sla_policy=policy)
    services.agreement_update(agreement=agreement, by=None, sla_policy=policy, note="Kept")

    agreement.refresh_from_db()
    assert (agreement.sla_policy_id, agreement.note) == (policy.pk, "Kept")
    assert ServiceAgreement.objects.count() == 1


def test_an_agreement_takes_its_customers_group_and_currency_unless_given():
    from openservice.customers.tests.factories import AgreementGroupFactory

    gold, silver = AgreementGroupFactory(code="GOLD"), AgreementGroupFactory(code="SILVER")
    customer = CustomerFactory(agreement_group=gold, currency="SEK")

    assert (make(customer).agreement_group, make(customer).currency) == (gold, "SEK")
    assert make(customer, agreement_group=silver).agreement_group == silver


# Status and expiry


def test_agreements_expire_the_day_after_their_end():
    ended = act(make(ends_on=date(2027, 6, 30)), "activate")
    suspended = act(make(ends_on=date(2027, 6, 30)), "activate", "suspend")
    ends_today = act(make(ends_on=date(2027, 7, 1)), "activate")
    open_ended = act(make(ends_on=None), "activate")
    draft = make(ends_on=date(2027, 6, 30))
    cancelled = act(make(ends_on=date(2027, 6, 30)), "cancel")

    assert services.agreements_expire(today=date(2027, 7, 1)) == 2

    statuses = {agreement.pk: agreement.status for agreement in ServiceAgreement.objects.all()}
    assert [
        statuses[a.pk] for a in (ended, suspended, ends_today, open_ended, draft, cancelled)
    ] == ["expired", "expired", "active", "active", "draft", "cancelled"]
    assert sorted(
        AuditEvent.objects.filter(verb="agreement.expired").values_list("object_id", "data")
    ) == sorted(
        [
            (str(ended.pk), {"ended_on": "2027-06-30"}),
            (str(suspended.pk), {"ended_on": "2027-06-30"}),
        ]
    )
    assert services.agreements_expire(today=date(2027, 7, 1)) == 0


def test_an_expired_agreement_is_read_only():
    agreement = act(make(ends_on=date(2027, 6, 30)), "activate")
    line = add_line(agreement)
    services.agreements_expire(today=date(2027, 7, 1))

    for change in (
        lambda: services.agreement_update(agreement=agreement, by=None, note="Late"),
        lambda: add_line(agreement),
        lambda: services.agreement_line_update(line=line, by=None, quantity=Decimal("2")),
        lambda: services.agreement_line_delete(line=line, by=None),
        lambda: services.agreement_copy_lines(agreement=agreement, source=template(), by=None),
    ):
        with pytest.raises(ReadOnly):
            change()

    assert list(agreement.lines.values_list("pk", "quantity")) == [(line.pk, Decimal("1.000"))]


def test_a_template_is_cancelled_but_never_activated_or_renewed():
    made = template()

    with pytest.raises(IsTemplate):
        act(made, "activate")
    with pytest.raises(IsTemplate):
        services.agreement_renew(agreement=made, by=None, starts_on=date(2021, 1, 1))

    assert act(made, "cancel").status == "cancelled"


def test_a_template_or_cancelled_agreement_may_be_deleted():
    made = template()
    add_line(made)
    cancelled = act(make(), "cancel")

    services.agreement_delete(agreement=made, by=None)
    services.agreement_delete(agreement=cancelled, by=None)

    assert not ServiceAgreement.objects.exists()
    assert sorted(
        AuditEvent.objects.filter(verb="agreement.deleted").values_list("object_id", flat=True)
    ) == sorted([str(made.pk), str(cancelled.pk)])


# Renewal


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "renewal"),
    [
        # A year runs for a year from the day after the end.
        (date(2027, 1, 1), date(2027, 12, 31), (date(2028, 1, 1), date(2028, 12, 31))),
        # February is a month: March runs to its own last day.
        (date(2027, 2, 1), date(2027, 2, 28), (date(2027, 3, 1), date(2027, 3, 31))),
        # A quarter from 1 Nov is 1 Feb to 30 Apr.
        (date(2026, 11, 1), date(2027, 1, 31), (date(2027, 2, 1), date(2027, 4, 30))),
        # Ten days are ten days.
        (date(2027, 1, 1), date(2027, 1, 10), (date(2027, 1, 11), date(2027, 1, 20))),
    ],
)
def test_a_renewal_runs_as_long_as_the_agreement_from_the_day_after_its_end(
    starts_on, ends_on, renewal
):
    agreement = act(make(starts_on=starts_on, ends_on=ends_on), "activate")

    renewed = services.agreement_renew(agreement=agreement, by=None)

    assert (renewed.starts_on, renewed.ends_on, renewed.status) == (*renewal, "draft")
    assert renewed.renewed_from_id == agreement.pk


def test_an_open_ended_agreement_is_renewed_from_a_given_start():
    agreement = act(make(ends_on=None), "activate")

    with pytest.raises(RenewalPeriodInvalid) as refused:
        services.agreement_renew(agreement=agreement, by=None)
    assert refused.value.field_errors == {
        "starts_on": ["The agreement has no end; say when the renewal starts."]
    }
    with pytest.raises(RenewalPeriodInvalid) as refused:
        services.agreement_renew(agreement=agreement, by=None, starts_on=date(2027, 1, 1))
    assert refused.value.field_errors == {"starts_on": ["The renewal must start after the start."]}
    assert ServiceAgreement.objects.count() == 1

    renewed = services.agreement_renew(agreement=agreement, by=None, starts_on=date(2028, 1, 1))
    assert (renewed.starts_on, renewed.ends_on) == (date(2028, 1, 1), None)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        (date(2027, 12, 31), None, "starts_on"),
        (date(2027, 6, 1), None, "starts_on"),
        (date(2028, 2, 1), date(2028, 1, 31), "ends_on"),
    ],
)
def test_a_renewal_period_that_overlaps_or_is_reversed_is_refused(starts_on, ends_on, field):
    agreement = act(make(), "activate")

    with pytest.raises(RenewalPeriodInvalid) as refused:
        services.agreement_renew(agreement=agreement, by=None, starts_on=starts_on, ends_on=ends_on)

    assert list(refused.value.field_errors) == [field]
    assert ServiceAgreement.objects.count() == 1


def test_an_expired_or_suspended_agreement_is_renewed_without_its_stopped_lines():
    expired = act(make(), "activate")
    add_line(expired, description="Weekly")
    add_line(expired, description="Stopped", is_stopped=True)
    services.agreements_expire(today=date(2028, 1, 2))
    suspended = act(make(), "activate", "suspend")

    renewed = services.agreement_renew(agreement=expired, by=None)
    also = services.agreement_renew(agreement=suspended, by=None)

    assert periods(renewed) == [("Weekly", date(2028, 1, 1), date(2028, 12, 31))]
    assert (also.starts_on, also.status) == (date(2028, 1, 1), "draft")


def test_renewal_drops_an_inactive_policy():
    policy = policy_create(
        by=None,
        name="Gold",
        targets=[{"priority": "normal", "response_minutes": 60, "resolution_minutes": 240}],
    )
    agreement = act(make(sla_policy=policy), "activate")
    policy_set_active(policy=policy, by=None, is_active=False)

    renewed = services.agreement_renew(agreement=agreement, by=None)

    assert renewed.sla_policy_id is None


# Copying lines


def test_copied_lines_keep_their_distance_from_the_sources_start_and_stay_inside_the_target():
    source = template(starts_on=date(2020, 1, 1))
    add_line(source, description="Start", starts_on=date(2020, 1, 1), ends_on=date(2020, 3, 31))
    add_line(source, description="Half a year in", interval_unit="year", starts_on=date(2020, 7, 1))
    add_line(source, description="Late", interval_unit="", starts_on=date(2021, 2, 15))
    agreement = make(starts_on=date(2027, 3, 1), ends_on=date(2027, 10, 31))

    copied = services.agreement_copy_lines(agreement=agreement, source=source, by=None)

    # The offset is 7 years and 2 months; the target ends on 31 Oct 2027.
    assert [(line.description, line.starts_on, line.ends_on) for line in copied] == [
        ("Start", date(2027, 3, 1), date(2027, 5, 31)),
        ("Half a year in", date(2027, 9, 1), date(2027, 10, 31)),
        ("Late", date(2027, 10, 31), date(2027, 10, 31)),
    ]
    assert periods(agreement) == [
        (line.description, line.starts_on, line.ends_on) for line in copied
    ]


def test_copying_into_an_open_ended_agreement_keeps_open_lines_open():
    source = template(starts_on=date(2020, 1, 1))
    add_line(source, description="Weekly", starts_on=date(2020, 1, 15))

    copied = services.agreement_copy_lines(
        agreement=make(starts_on=date(2027, 1, 1), ends_on=None), source=source, by=None
    )

    assert [(line.starts_on, line.ends_on) for line in copied] == [(date(2027, 1, 15), None)]


def test_copying_lines_of_another_agreement_of_the_same_customer_keeps_their_objects():
    customer = CustomerFactory()
    lift = ServiceObjectFactory(customer=customer)
    task = ServiceTaskFactory(name="Lift inspection")
    source = make(customer, objects=[(lift, "Noisy", "Your lift")], tasks=[(task, "", "Check")])
    add_line(source, object=lift, task=task)
    add_line(source, description="No relations")
    agreement = make(customer)

    copied = services.agreement_copy_lines(agreement=agreement, source=source, by=None)

    assert [(line.object_id, line.task_id) for line in copied] == [(lift.pk, task.pk), (None, None)]
    assert relations(agreement) == ([(lift.pk, "Noisy", "Your lift")], [(task.pk, "", "Check")])
    assert AuditEvent.objects.filter(verb="agreement.lines_copied").get().data == {
        "from": source.pk,
        "lines": [line.pk for line in copied],
    }


def test_copying_a_line_of_a_task_the_source_does_not_cover_covers_it():
    source = template()
    task = ServiceTaskFactory()
    add_line(source, task=task)
    agreement = make()

    services.agreement_copy_lines(agreement=agreement, source=source, by=None)

    assert relations(agreement) == ([], [(task.pk, "", "")])


def test_copying_into_a_template_leaves_objects_of_customers_off():
    lift = ServiceObjectFactory()
    source = make(lift.customer, objects=[lift])
    add_line(source, object=lift)
    target = template(description="From a contract")

    copied = services.agreement_copy_lines(agreement=target, source=source, by=None)

    assert [line.object_id for line in copied] == [None]
    assert relations(target) == ([], [])


# The audit trail


def test_every_change_is_audited_with_what_changed(manager):
    agreement = services.agreement_create(
        by=manager,
        customer=(customer := CustomerFactory()),
        site=SiteFactory(customer=customer),
        description="Lift care",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    services.agreement_update(agreement=agreement, by=manager, ends_on=date(2027, 11, 30))
    line = services.agreement_line_create(agreement=agreement, by=manager, kind="fee")
    line_id = line.pk
    services.agreement_line_update(line=line, by=manager, quantity=Decimal("2"))
    services.agreement_line_delete(line=line, by=manager)
    services.agreement_change_status(agreement=agreement, by=manager, action="activate")
    renewal = services.agreement_renew(agreement=agreement, by=manager)
    group = services.template_group_create(by=manager, code="LIFTS", name="Lifts")
    services.template_group_update(group=group, by=manager, name="Lift templates")

    events = list(
        AuditEvent.objects.order_by("pk").values_list("actor_id", "verb", "object_id", "data")
    )

    a, r, g = str(agreement.pk), str(renewal.pk), str(group.pk)
    assert events == [
        (manager.pk, "agreement.created", a, {"number": agreement.number}),
        (manager.pk, "agreement.updated", a, {"changes": {"ends_on": "2027-11-30"}}),
        (manager.pk, "agreement.line_added", a, {"line": line_id, "kind": "fee"}),
        (
            manager.pk,
            "agreement.line_updated",
            a,
            {"line": line_id, "changes": {"quantity": "2"}},
        ),
        (manager.pk, "agreement.line_deleted", a, {"line": line_id}),
        (manager.pk, "agreement.activated", a, {"from": "draft", "to": "active"}),
        (manager.pk, "agreement.created", r, {"number": renewal.number}),
        (manager.pk, "agreement.renewed", a, {"renewal": renewal.pk, "lines": 0}),
        (manager.pk, "template_group.created", g, {"code": "LIFTS"}),
        (
            manager.pk,
            "template_group.updated",
            g,
            {"changes": {"name": ["Lifts", "Lift templates"]}},
        ),
    ]
    # Eleven months, like the agreement after its change.
    assert (renewal.starts_on, renewal.ends_on) == (date(2027, 12, 1), date(2028, 10, 31))
