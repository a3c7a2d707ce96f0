"""Generating orders from agreements: worked examples, grouping, windows and calendars,
idempotency, the refusals, continuous runs and the SLA of generated orders."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from openservice.agreements import services as agreements
from openservice.calendars.services import calendar_create
from openservice.catalog.tests.factories import ItemFactory, ServiceTaskFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders.errors import (
    GenerationOnTemplate,
    GenerationPeriodReversed,
    GenerationPeriodTooLong,
)
from openservice.orders.models import OrderLine, ServiceOrder, SlaEvent, StageChange
from openservice.orders.services import generation
from openservice.orders.services.generation import (
    orders_forecast,
    orders_generate_from_agreements,
)
from openservice.orders.tests.factories import move_to, service_object
from openservice.sla.services import policy_create
from openservice.workforce.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # before the tests run: stage moves come later
Q1 = (date(2027, 1, 1), date(2027, 3, 31))
OFFICE = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def calendar(db):
    """Helsinki office hours with Finnish holidays (2027: 1 Jan, 6 Jan, 26 and 29 Mar)."""
    return calendar_create(
        by=None,
        name="Office",
        timezone="Europe/Helsinki",
        hours=OFFICE,
        holiday_country="FI",
        is_default=True,
    )


@pytest.fixture
def policy(calendar):
    return policy_create(
        by=None,
        name="Standard",
        targets=[{"priority": "normal", "response_minutes": 240, "resolution_minutes": 960}],
    )


def agreement(customer=None, *, activate=True, **fields):
    customer = customer or CustomerFactory()
    fields.setdefault("site", SiteFactory(customer=customer))
    fields.setdefault("starts_on", date(2027, 1, 1))
    fields.setdefault("ends_on", date(2027, 12, 31))
    made = agreements.agreement_create(
        by=None, customer=customer, description="Lift care", **fields
    )
    if activate:
        made = agreements.agreement_change_status(agreement=made, by=None, action="activate")
    return made


def line(of, **fields):
    fields.setdefault("kind", "hour")
    fields.setdefault("interval_unit", "week")
    return agreements.agreement_line_create(agreement=of, by=None, **fields)


def generate(date_from=Q1[0], date_to=Q1[1], **kwargs):
    kwargs.setdefault("now", NOW)
    return orders_generate_from_agreements(date_from=date_from, date_to=date_to, **kwargs)


def plan_of(of) -> list[tuple[date, list[tuple[int, date]]]]:
    """Each order of the agreement: its date and its (agreement line, occurrence) pairs."""
    return [
        (
            order.service_on,
            sorted(order.lines.values_list("agreement_line_id", "occurrence_on")),
        )
        for order in ServiceOrder.objects.filter(agreement=of).order_by("service_on", "pk")
    ]


def counts() -> tuple[int, ...]:
    return (
        ServiceOrder.objects.count(),
        OrderLine.objects.count(),
        StageChange.objects.count(),
        SlaEvent.objects.count(),
        ServiceOrder.objects_covered.through.objects.count(),
        ServiceOrder.tasks.through.objects.count(),
    )


@pytest.fixture
def weekly_and_monthly(calendar, policy):
    """Mondays 08:00–12:00 from 4 Jan, and a part every month from 6 Jan within its week."""
    made = agreement(sla_policy=policy, calendar=calendar)
    weekly = line(
        made,
        description="Inspection",
        quantity=Decimal("2"),
        unit_price=Decimal("50.00"),
        starts_on=date(2027, 1, 4),
        earliest_time=time(8),
        latest_time=time(12),
    )
    item = ItemFactory(name="Door roller", sales_price=Decimal("12.40"), cost_price=Decimal("5"))
    monthly = line(
        made,
        kind="item",
        item=item,
        interval_unit="month",
        window="same_week",
        starts_on=date(2027, 1, 6),
    )
    return made, weekly, monthly


def test_a_quarter_of_weekly_and_monthly_lines_makes_one_visit_a_week(weekly_and_monthly):
    made, weekly, monthly = weekly_and_monthly

    result = generate()

    mondays = [date(2027, 1, 4) + timedelta(weeks=n) for n in range(13)]
    # The monthly part may move within its week but not before its line starts: 6 Jan (a
    # holiday) goes to Thursday 7 Jan; 6 Feb and 6 Mar (Saturdays) join the Monday visits.
    joined = {date(2027, 2, 1): date(2027, 2, 6), date(2027, 3, 1): date(2027, 3, 6)}
    expected = [
        (
            monday,
            sorted(
                [(weekly.pk, monday)] + ([(monthly.pk, joined[monday])] if monday in joined else [])
            ),
        )
        for monday in mondays
    ]
    expected.insert(1, (date(2027, 1, 7), [(monthly.pk, date(2027, 1, 6))]))
    assert plan_of(made) == expected
    assert (result.orders_created, result.lines_created, result.orders_joined) == (14, 16, 0)
    # Easter Monday (29 Mar) is a holiday and the weekly line has an exact window.
    conflict = ServiceOrder.objects.get(service_on=date(2027, 3, 29))
    assert conflict.calendar_conflict is True
    assert result.conflicts == [
        {"agreement_id": made.pk, "order_id": conflict.pk, "service_on": date(2027, 3, 29)}
    ]
    assert ServiceOrder.objects.filter(calendar_conflict=True).count() == 1


def test_generated_orders_carry_the_agreement_and_its_prices(weekly_and_monthly, policy):
    made, weekly, monthly = weekly_and_monthly
    technician = TechnicianFactory()
    task = ServiceTaskFactory()
    obj = service_object(made.customer, site=made.site)
    made = agreements.agreement_update(
        agreement=made,
        by=None,
        preferred_technician=technician,
        objects=[(obj, "Key at the desk", "")],
        tasks=[task],
    )
    generate()

    order = ServiceOrder.objects.get(service_on=date(2027, 2, 1))
    assert (order.origin, order.agreement_id, order.customer_id, order.site_id) == (
        "agreement",
        made.pk,
        made.customer_id,
        made.site_id,
    )
    assert order.stage.code == "new"
    assert order.preferred_technician_id == technician.pk
    assert order.sla_policy_id == policy.pk
    assert order.currency == made.currency
    assert order.generation_key == "agreement"
    assert list(order.objects_covered.values_list("pk", flat=True)) == [obj.pk]
    assert list(order.tasks.values_list("pk", flat=True)) == [task.pk]
    assert order.number.startswith("WO")
    lines = {row.agreement_line_id: row for row in order.lines.all()}
    assert (lines[weekly.pk].unit_price, lines[weekly.pk].net_amount) == (
        Decimal("50.00"),
        Decimal("100.00"),
    )
    assert lines[weekly.pk].unit == "h"
    # No price on the line: the item's.
    assert (lines[monthly.pk].unit_price, lines[monthly.pk].cost_amount) == (
        Decimal("12.40"),
        Decimal("5.00"),
    )
    assert lines[monthly.pk].description == "Door roller"
    assert (
        StageChange.objects.filter(order=order, from_stage=None, to_stage__code="new").count() == 1
    )
    audit = AuditEvent.objects.get(verb="agreement.orders_generated", object_id=str(made.pk))
    assert order.number in audit.data["orders"] and len(audit.data["orders"]) == 14
    assert (audit.data["from"], audit.data["to"]) == ("2027-01-01", "2027-03-31")


def test_generated_orders_are_measured_against_the_sla_from_the_visit(weekly_and_monthly):
    generate()

    order = ServiceOrder.objects.get(service_on=date(2027, 1, 4))
    # 08:00 in Helsinki (UTC+2) on the visit day: the line's earliest start.
    assert order.reported_at == datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
    assert order.requested_start == datetime(2027, 1, 4, 6, 0, tzinfo=UTC)
    assert order.requested_end == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    # 240 business minutes from 08:00: 12:00 local; 960 minutes: two office days.
    assert order.sla_response_due_at == datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
    assert order.sla_resolution_due_at == datetime(2027, 1, 5, 14, 0, tzinfo=UTC)
    assert order.sla_state == "on_track"
    kinds = set(SlaEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert kinds == {
        "response_warning",
        "response_breach",
        "resolution_warning",
        "resolution_breach",
    }
    assert not SlaEvent.objects.filter(recorded_at__isnull=False).exists()


def test_without_a_start_time_the_clock_starts_when_the_calendar_opens(calendar, policy):
    made = agreement(sla_policy=policy, calendar=calendar)
    line(made, starts_on=date(2027, 1, 5))

    generate(date(2027, 1, 5), date(2027, 1, 5))

    order = ServiceOrder.objects.get()
    assert order.reported_at == datetime(2027, 1, 5, 6, 0, tzinfo=UTC)  # 08:00 local
    assert (order.requested_start, order.requested_end) == (None, None)


def test_generating_twice_makes_nothing_more(weekly_and_monthly):
    made = weekly_and_monthly[0]
    generate()
    before, plan = counts(), plan_of(made)

    again = generate()

    assert (again.orders_created, again.lines_created, again.orders_joined) == (0, 0, 0)
    assert counts() == before
    assert plan_of(made) == plan


def test_a_batch_that_collides_with_lines_made_meanwhile_is_planned_again(
    weekly_and_monthly, monkeypatch
):
    """Should the unique constraint fire (the plan read a stale view: a writer that bypassed
    the locks made those occurrences meanwhile), the batch rolls back whole and is planned
    once more on top of what is there."""
    _made, weekly, monthly = weekly_and_monthly
    generate(kinds=["hour"])
    weekly_ids = list(OrderLine.objects.filter(agreement_line=weekly).values_list("pk", flat=True))
    real, calls = generation._pending_lines, []

    def stale_then_real(agreements, request, skipped):
        calls.append(len(calls) + 1)
        if len(calls) > 1:
            return real(agreements, request, skipped)
        hidden = OrderLine.objects.filter(pk__in=weekly_ids)
        hidden.update(agreement_line=None)  # the first plan does not see the weekly lines
        try:
            return real(agreements, request, skipped)
        finally:
            OrderLine.objects.filter(pk__in=weekly_ids).update(agreement_line=weekly)

    monkeypatch.setattr(generation, "_pending_lines", stale_then_real)

    result = generate()

    assert calls == [1, 2]
    assert (result.orders_created, result.lines_created, result.orders_joined) == (1, 3, 2)
    assert sorted(OrderLine.objects.filter(agreement_line=weekly).values_list("pk", flat=True)) == (
        sorted(weekly_ids)
    )
    assert list(
        OrderLine.objects.filter(agreement_line=monthly)
        .order_by("occurrence_on")
        .values_list("occurrence_on", "order__service_on")
    ) == [
        (date(2027, 1, 6), date(2027, 1, 7)),  # not before the line's start; 6 Jan is a holiday
        (date(2027, 2, 6), date(2027, 2, 1)),
        (date(2027, 3, 6), date(2027, 3, 1)),
    ]


def test_a_period_split_in_two_generates_the_same_orders(calendar):
    made = agreement(calendar=calendar)
    weekly = line(made, starts_on=date(2027, 1, 4))
    line(
        made,
        kind="fee",
        interval_unit="month",
        starts_on=date(2027, 1, 11),
        unit_price=Decimal("9"),
    )
    generate()
    whole = plan_of(made)
    OrderLine.objects.all().delete()
    ServiceOrder.objects.all().delete()

    generate(date(2027, 1, 1), date(2027, 2, 10))
    generate(date(2027, 2, 11), date(2027, 3, 31))

    assert plan_of(made) == whole
    assert OrderLine.objects.filter(agreement_line=weekly).count() == 13


def test_a_later_run_adds_occurrences_to_an_order_still_in_the_initial_stage(calendar):
    made = agreement(calendar=calendar)
    line(made, starts_on=date(2027, 1, 4))  # Mondays
    generate(date(2027, 1, 1), date(2027, 1, 31))
    first = ServiceOrder.objects.get(service_on=date(2027, 1, 4))
    # Saturdays from 2 Jan, movable up to 2 days later: 2 Jan may go to Monday 4 Jan.
    later = line(
        made,
        kind="fee",
        interval_unit="month",
        window="days",
        window_days_after=2,
        starts_on=date(2027, 1, 2),
    )
    version = first.version

    result = generate(date(2027, 1, 1), date(2027, 1, 31))

    assert (result.orders_created, result.lines_created, result.orders_joined) == (0, 1, 1)
    first.refresh_from_db()
    assert first.lines.get(agreement_line=later).occurrence_on == date(2027, 1, 2)
    assert first.version == version + 1


def test_an_order_that_left_the_initial_stage_is_not_joined(calendar, manager):
    made = agreement(calendar=calendar)
    line(made, starts_on=date(2027, 1, 4))
    generate(date(2027, 1, 4), date(2027, 1, 4))
    order = move_to(ServiceOrder.objects.get(), "scheduled", by=manager)
    line(
        made,
        kind="fee",
        interval_unit="month",
        window="days",
        window_days_after=1,
        starts_on=date(2027, 1, 3),
    )

    result = generate(date(2027, 1, 1), date(2027, 1, 5))

    # Sunday 3 Jan can only move to Monday 4 Jan, whose order is scheduled: a new visit.
    assert (result.orders_created, result.orders_joined) == (1, 0)
    new = ServiceOrder.objects.exclude(pk=order.pk).get()
    assert (new.service_on, new.generation_key) == (date(2027, 1, 4), "agreement")
    assert order.lines.count() == 1


def test_a_days_window_moves_a_weekend_occurrence_to_the_nearest_open_day(calendar):
    made = agreement(calendar=calendar)
    # Saturdays from 2 Jan, allowed 1 day before and 2 after: Friday is one day away, except
    # on New Year's Day (a holiday), when Monday is the only open day.
    line(made, starts_on=date(2027, 1, 2), window="days", window_days_before=1, window_days_after=2)

    generate(date(2027, 1, 1), date(2027, 1, 31))

    dates = list(ServiceOrder.objects.order_by("service_on").values_list("service_on", flat=True))
    assert dates == [
        date(2027, 1, 4),
        date(2027, 1, 8),
        date(2027, 1, 15),
        date(2027, 1, 22),
        date(2027, 1, 29),
    ]
    assert not ServiceOrder.objects.filter(calendar_conflict=True).exists()
    assert set(OrderLine.objects.values_list("occurrence_on", flat=True)) == {
        date(2027, 1, 2),
        date(2027, 1, 9),
        date(2027, 1, 16),
        date(2027, 1, 23),
        date(2027, 1, 30),
    }


def test_a_window_is_kept_inside_the_agreement_validity(calendar):
    made = agreement(calendar=calendar, starts_on=date(2027, 1, 2), ends_on=date(2027, 1, 31))
    # Saturday 2 Jan may move a day either way, but 1 Jan is before the agreement (and a
    # holiday) and Sunday is closed: no open day, so it stays and is flagged.
    line(made, starts_on=date(2027, 1, 2), window="days", window_days_before=1, window_days_after=1)

    generate(date(2027, 1, 1), date(2027, 1, 3))

    order = ServiceOrder.objects.get()
    assert (order.service_on, order.calendar_conflict) == (date(2027, 1, 2), True)


@pytest.mark.parametrize(
    ("grouping", "expected_orders"),
    [("agreement", 1), ("task", 2), ("technician", 2), ("object", 2)],
)
def test_the_grouping_rule_decides_which_occurrences_share_an_order(
    calendar, grouping, expected_orders
):
    customer = CustomerFactory()
    site, other_site = SiteFactory(customer=customer), SiteFactory(customer=customer)
    one, two = service_object(customer, site=site), service_object(customer, site=other_site)
    made = agreement(customer, site=site, calendar=calendar, grouping=grouping, objects=[one, two])
    tasks, technicians = (
        [ServiceTaskFactory(), ServiceTaskFactory()],
        [TechnicianFactory(), TechnicianFactory()],
    )
    for n in range(2):
        line(
            made,
            starts_on=date(2027, 1, 4),
            object=(one, two)[n],
            task=tasks[n],
            technician=technicians[n],
        )

    generate(date(2027, 1, 4), date(2027, 1, 4))

    orders = list(ServiceOrder.objects.order_by("pk"))
    assert len(orders) == expected_orders
    assert all(order.lines.count() == 2 // expected_orders for order in orders)
    if grouping == "object":
        assert [order.site_id for order in orders] == [site.pk, other_site.pk]
        assert [list(o.objects_covered.values_list("pk", flat=True)) for o in orders] == [
            [one.pk],
            [two.pk],
        ]
        assert [order.generation_key for order in orders] == [
            f"object:{one.pk}",
            f"object:{two.pk}",
        ]
    if grouping == "technician":
        assert [order.preferred_technician_id for order in orders] == [t.pk for t in technicians]
    if grouping == "task":
        assert [list(o.tasks.values_list("pk", flat=True)) for o in orders] == [
            [tasks[0].pk],
            [tasks[1].pk],
        ]


def test_only_active_agreements_and_running_lines_generate(calendar):
    draft = agreement(calendar=calendar, activate=False)
    line(draft, starts_on=date(2027, 1, 4))
    suspended = agreement(calendar=calendar)
    line(suspended, starts_on=date(2027, 1, 4))
    agreements.agreement_change_status(agreement=suspended, by=None, action="suspend")
    cancelled = agreement(calendar=calendar)
    line(cancelled, starts_on=date(2027, 1, 4))
    agreements.agreement_change_status(agreement=cancelled, by=None, action="cancel")
    expired = agreement(calendar=calendar, starts_on=date(2026, 1, 1), ends_on=date(2027, 1, 31))
    line(expired, starts_on=date(2027, 1, 4))
    assert agreements.agreements_expire(today=date(2027, 2, 1)) == 1
    running = agreement(calendar=calendar)
    kept = line(running, starts_on=date(2027, 1, 4))
    line(running, starts_on=date(2027, 1, 5), is_stopped=True)

    result = generate(date(2027, 1, 1), date(2027, 1, 31))

    assert set(OrderLine.objects.values_list("agreement_line_id", flat=True)) == {kept.pk}
    assert result.agreements == 1


def test_a_template_is_refused_and_nothing_is_written(calendar):
    group = agreements.template_group_create(by=None, code="LIFTS", name="Lifts")
    template = agreements.agreement_create(
        by=None, description="Lift template", starts_on=date(2027, 1, 1), template_group=group
    )
    line(template, starts_on=date(2027, 1, 4))
    running = agreement(calendar=calendar)
    line(running, starts_on=date(2027, 1, 4))

    with pytest.raises(GenerationOnTemplate):
        generate(agreements=[running, template])
    with pytest.raises(GenerationOnTemplate):
        orders_forecast(agreement=template, date_from=Q1[0], date_to=Q1[1])

    assert counts() == (0, 0, 0, 0, 0, 0)


def test_a_reversed_or_too_long_period_is_refused(calendar):
    line(agreement(calendar=calendar), starts_on=date(2027, 1, 4))
    with pytest.raises(GenerationPeriodReversed):
        generate(date(2027, 2, 1), date(2027, 1, 31))
    with pytest.raises(GenerationPeriodTooLong):
        generate(date(2027, 1, 1), date(2037, 12, 31))
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_kinds_limit_the_lines_generated(calendar):
    made = agreement(calendar=calendar)
    line(made, starts_on=date(2027, 1, 4))
    fee = line(made, kind="fee", starts_on=date(2027, 1, 4), unit_price=Decimal("30"))

    generate(date(2027, 1, 4), date(2027, 1, 4), kinds=["fee"])

    assert list(OrderLine.objects.values_list("agreement_line_id", flat=True)) == [fee.pk]
    generate(date(2027, 1, 4), date(2027, 1, 4))
    assert ServiceOrder.objects.count() == 1 and OrderLine.objects.count() == 2


def test_a_continuous_run_fills_every_gap_since_each_lines_last_occurrence(calendar):
    made = agreement(calendar=calendar)
    weekly = line(made, starts_on=date(2027, 1, 4))
    generate(date(2027, 1, 1), date(2027, 1, 15))  # 4 and 11 Jan
    monthly = line(made, kind="fee", interval_unit="month", starts_on=date(2027, 1, 12))

    result = generate(None, date(2027, 2, 15), continuous=True)

    weekly_dates = list(
        OrderLine.objects.filter(agreement_line=weekly)
        .order_by("occurrence_on")
        .values_list("occurrence_on", flat=True)
    )
    assert weekly_dates == [date(2027, 1, 4) + timedelta(weeks=n) for n in range(7)]
    # The new line was never generated: it starts at its own start.
    assert list(
        OrderLine.objects.filter(agreement_line=monthly)
        .order_by("occurrence_on")
        .values_list("occurrence_on", flat=True)
    ) == [date(2027, 1, 12), date(2027, 2, 12)]
    assert result.lines_created == 5 + 2


def test_the_forecast_shows_the_plan_without_writing(weekly_and_monthly):
    made, weekly, monthly = weekly_and_monthly

    visits = orders_forecast(agreement=made, date_from=date(2027, 1, 1), date_to=date(2027, 1, 31))

    assert [(v.service_on, v.occurrences) for v in visits][:3] == [
        (date(2027, 1, 4), ((weekly.pk, date(2027, 1, 4)),)),
        (date(2027, 1, 7), ((monthly.pk, date(2027, 1, 6)),)),
        (date(2027, 1, 11), ((weekly.pk, date(2027, 1, 11)),)),
    ]
    assert counts() == (0, 0, 0, 0, 0, 0)
    generate(date(2027, 1, 1), date(2027, 1, 31))
    assert (
        orders_forecast(agreement=made, date_from=date(2027, 1, 1), date_to=date(2027, 1, 31)) == []
    )


def test_generated_orders_are_numbered_in_sequence_after_manual_ones(calendar, manager):
    from openservice.orders.tests.factories import make_order

    manual = make_order(by=manager)
    line(agreement(calendar=calendar), starts_on=date(2027, 1, 4))
    generate(date(2027, 1, 1), date(2027, 1, 20))
    after = make_order(by=manager)

    numbers = list(ServiceOrder.objects.order_by("number").values_list("number", flat=True))
    assert numbers[0] == manual.number and numbers[-1] == after.number
    assert len(set(numbers)) == 5
    serial = [int(n[2:]) for n in numbers]
    assert serial == list(range(serial[0], serial[0] + 5))


def test_template_lines_copy_into_an_order_with_their_tasks(manager):
    from openservice.orders.services import order_copy_agreement_lines
    from openservice.orders.tests.factories import make_order

    group = agreements.template_group_create(by=None, code="LIFTS", name="Lifts")
    template = agreements.agreement_create(
        by=None, description="Lift template", starts_on=date(2027, 1, 1), template_group=group
    )
    task = ServiceTaskFactory(name="Annual inspection")
    item = ItemFactory(name="Rope", sales_price=Decimal("40.00"))
    inspect = line(template, task=task, quantity=Decimal("3"), unit_price=Decimal("70.00"))
    part = line(template, kind="item", item=item, quantity=Decimal("2"))
    order = make_order(by=manager)

    copied = order_copy_agreement_lines(order=order, source=template, by=manager)

    assert [(c.kind, c.description, c.quantity, c.unit_price, c.net_amount) for c in copied] == [
        ("hour", "Annual inspection", Decimal("3"), Decimal("70.00"), Decimal("210.00")),
        ("item", "Rope", Decimal("2"), Decimal("40.00"), Decimal("80.00")),
    ]
    assert list(order.tasks.values_list("pk", flat=True)) == [task.pk]
    assert all(c.agreement_line_id is None for c in copied)
    only = order_copy_agreement_lines(order=order, source=template, by=manager, line_ids=[part.pk])
    assert [c.item_id for c in only] == [item.pk]
    assert inspect.pk != part.pk


def test_a_visit_due_today_or_later_never_moves_into_the_past(calendar):
    made = agreement(calendar=calendar, starts_on=date(2026, 12, 1))
    # Saturdays, movable within their week: from Saturday 16 Jan the week's open days before
    # it are in the past when generation runs that day.
    line(made, starts_on=date(2026, 12, 5), window="same_week")
    saturday = datetime(2027, 1, 16, 8, 0, tzinfo=UTC)

    generate(date(2027, 1, 16), date(2027, 1, 16), now=saturday)

    # Nothing open from Saturday to Sunday: it keeps its date and is flagged.
    order = ServiceOrder.objects.get()
    assert (order.service_on, order.calendar_conflict) == (date(2027, 1, 16), True)
    # A day earlier, the same week's Friday is still ahead and takes it.
    OrderLine.objects.all().delete()
    ServiceOrder.objects.all().delete()
    generate(date(2027, 1, 16), date(2027, 1, 16), now=saturday - timedelta(days=1))
    assert ServiceOrder.objects.get().service_on == date(2027, 1, 15)


def test_a_continuous_run_does_not_make_up_for_a_suspension(calendar, monkeypatch):
    made = agreement(calendar=calendar)
    weekly = line(made, starts_on=date(2027, 1, 4))
    generate(None, date(2027, 1, 31), continuous=True)  # 4 Jan .. 25 Jan
    made = agreements.agreement_change_status(agreement=made, by=None, action="suspend")
    monkeypatch.setattr(
        "openservice.agreements.services.timezone.localdate", lambda *a: date(2027, 4, 28)
    )
    agreements.agreement_change_status(agreement=made, by=None, action="resume")

    generate(None, date(2027, 5, 31), continuous=True, now=datetime(2027, 4, 28, tzinfo=UTC))

    dates = sorted(
        OrderLine.objects.filter(agreement_line=weekly).values_list("occurrence_on", flat=True)
    )
    mondays_may = [date(2027, 5, 3) + timedelta(weeks=n) for n in range(5)]
    assert dates == [date(2027, 1, 4) + timedelta(weeks=n) for n in range(4)] + mondays_may


def test_a_restarted_line_continues_from_its_restart(calendar, monkeypatch):
    made = agreement(calendar=calendar)
    weekly = line(made, starts_on=date(2027, 1, 4))
    generate(None, date(2027, 1, 10), continuous=True)
    weekly = agreements.agreement_line_update(line=weekly, by=None, is_stopped=True)
    monkeypatch.setattr(
        "openservice.agreements.services.timezone.localdate", lambda *a: date(2027, 2, 27)
    )
    agreements.agreement_line_update(line=weekly, by=None, is_stopped=False)

    generate(None, date(2027, 3, 7), continuous=True)

    assert sorted(OrderLine.objects.values_list("occurrence_on", flat=True)) == [
        date(2027, 1, 4),
        date(2027, 3, 1),
    ]


def test_a_rescheduled_line_is_not_generated_twice_over_a_generated_period(calendar):
    made = agreement(calendar=calendar)
    weekly = line(made, starts_on=date(2027, 1, 4))  # Mondays
    generate(date(2027, 1, 1), date(2027, 1, 31))
    agreements.agreement_line_update(line=weekly, by=None, starts_on=date(2027, 1, 5))

    generate(date(2027, 1, 1), date(2027, 2, 28))

    dates = sorted(OrderLine.objects.values_list("occurrence_on", flat=True))
    # January stays on Mondays (4 .. 25 Jan); the Tuesday schedule starts after the last of them.
    assert dates == [date(2027, 1, 4) + timedelta(weeks=n) for n in range(4)] + [
        date(2027, 1, 26) + timedelta(weeks=n) for n in range(5)
    ]


def test_inactive_customers_get_no_orders(calendar):
    from openservice.customers.services import customer_set_active

    made = agreement(calendar=calendar)
    line(made, starts_on=date(2027, 1, 4))
    customer_set_active(customer=made.customer, by=None, is_active=False)

    assert generate().orders_created == 0
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_a_continuous_run_is_limited_to_ten_years_ahead(calendar):
    line(agreement(calendar=calendar), starts_on=date(2027, 1, 4))
    with pytest.raises(GenerationPeriodTooLong):
        generate(None, date(2040, 1, 1), continuous=True)
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_a_joining_line_brings_its_task_to_the_order(calendar):
    made = agreement(calendar=calendar)
    line(made, starts_on=date(2027, 1, 4))
    generate(date(2027, 1, 4), date(2027, 1, 4))
    task = ServiceTaskFactory()
    line(
        made, kind="fee", task=task, window="days", window_days_after=2, starts_on=date(2027, 1, 2)
    )

    assert generate(date(2027, 1, 1), date(2027, 1, 4)).orders_joined == 1

    assert list(ServiceOrder.objects.get().tasks.values_list("pk", flat=True)) == [task.pk]


def test_a_start_time_skipped_by_the_clock_change_starts_at_the_change():
    berlin = calendar_create(
        by=None,
        name="Berlin nights",
        timezone="Europe/Berlin",
        hours={day: [["00:00", "06:00"]] for day in ("sun", "mon")},
    )
    made = agreement(calendar=berlin, starts_on=date(2027, 3, 28))
    line(made, starts_on=date(2027, 3, 28), earliest_time=time(2, 30))

    generate(date(2027, 3, 28), date(2027, 3, 28))

    # 02:30 does not exist that night in Berlin: clocks jump from 02:00 (01:00 UTC) to 03:00.
    assert ServiceOrder.objects.get().reported_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_a_line_whose_amounts_overflow_is_refused_then_skipped_if_its_item_grows(calendar):
    from openservice.agreements.errors import AmountTooLarge

    made = agreement(calendar=calendar)
    with pytest.raises(AmountTooLarge):
        line(made, quantity=Decimal("1000"), unit_price=Decimal("9999999999.99"))
    item = ItemFactory(sales_price=Decimal("10.00"))
    part = line(made, kind="item", item=item, quantity=Decimal("1000"), starts_on=date(2027, 1, 4))
    weekly = line(made, starts_on=date(2027, 1, 4))
    type(item).objects.filter(pk=item.pk).update(sales_price=Decimal("9999999999.99"))

    result = generate(date(2027, 1, 4), date(2027, 1, 4))

    assert result.skipped == [
        {"agreement_line_id": part.pk, "reason": "agreements.amount_too_large"}
    ]
    assert list(OrderLine.objects.values_list("agreement_line_id", flat=True)) == [weekly.pk]
