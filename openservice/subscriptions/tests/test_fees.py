"""Fee generation and the changes that move fees: worked examples for every period kind,
proration at both ends, catch-up, idempotency, pauses, cancellation, indexation, and the
refusals with nothing changed."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openservice.core.errors import Conflict, InvalidInput
from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services
from openservice.subscriptions.errors import (
    AccrualLongerThanPeriod,
    ChangeBeforeLast,
    EndBeforeStart,
    FeeInvoiced,
    HasFees,
    InvalidStatusChange,
    NegativePrice,
    PlanInUse,
)
from openservice.subscriptions.models import Fee, PriceChange, Subscription, SubscriptionPlan

pytestmark = pytest.mark.django_db


def plan(period="month", **fields):
    fields.setdefault("name", f"{period} {fields.get('align_to_calendar', False)}")
    return services.plan_create(by=None, period=period, **fields)


def subscribe(of_plan, starts_on, base_price="100.00", **fields):
    return services.subscription_create(
        by=None,
        customer=fields.pop("customer", None) or CustomerFactory(),
        plan=of_plan,
        description="Remote monitoring",
        base_price=Decimal(base_price),
        starts_on=starts_on,
        **fields,
    )


def fees_of(subscription) -> list[tuple[date, date, int, str]]:
    return [
        (f.period_start, f.period_end, f.days, str(f.amount))
        for f in subscription.fees.order_by("period_start")
    ]


def generate(through):
    return services.subscriptions_generate_fees(through=through)


def test_monthly_from_31_january_bills_31_january_28_february_31_march():
    made = subscribe(plan("month"), date(2027, 1, 31))

    run = generate(date(2027, 3, 31))

    assert (run.subscriptions, run.fees_created) == (1, 3)
    assert fees_of(made) == [
        (date(2027, 1, 31), date(2027, 2, 27), 28, "100.00"),
        (date(2027, 2, 28), date(2027, 3, 30), 31, "100.00"),
        (date(2027, 3, 31), date(2027, 4, 29), 30, "100.00"),
    ]


def test_aligned_monthly_prorates_the_first_period_by_its_days():
    made = subscribe(plan("month", align_to_calendar=True), date(2027, 1, 31))

    generate(date(2027, 2, 1))

    assert fees_of(made) == [
        (date(2027, 1, 31), date(2027, 1, 31), 1, "3.23"),  # 100 × 1/31
        (date(2027, 2, 1), date(2027, 2, 28), 28, "100.00"),
    ]


def test_a_subscription_ending_mid_period_prorates_its_last_fee_and_ends():
    made = subscribe(
        plan("quarter", align_to_calendar=True),
        date(2027, 2, 15),
        base_price="900.00",
        ends_on=date(2027, 8, 10),
    )

    run = generate(date(2028, 1, 1))

    assert fees_of(made) == [
        (date(2027, 2, 15), date(2027, 3, 31), 45, "450.00"),  # 45 of 90 days
        (date(2027, 4, 1), date(2027, 6, 30), 91, "900.00"),
        (date(2027, 7, 1), date(2027, 8, 10), 41, "401.09"),  # 900 × 41/92
    ]
    assert run.ended == 1
    made.refresh_from_db()
    assert made.status == Subscription.Status.ENDED


def test_weekly_and_yearly_plans_over_a_leap_day():
    weekly = subscribe(plan("week"), date(2028, 2, 26), base_price="70.00")
    yearly = subscribe(plan("year"), date(2024, 2, 29), base_price="1200.00")

    generate(date(2028, 3, 4))

    assert fees_of(weekly) == [
        (date(2028, 2, 26), date(2028, 3, 3), 7, "70.00"),
        (date(2028, 3, 4), date(2028, 3, 10), 7, "70.00"),
    ]
    assert [start for start, _end, _days, _amount in fees_of(yearly)] == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_a_late_run_catches_up_every_missed_period_of_a_year_and_twice_is_once():
    made = subscribe(plan("month"), date(2026, 1, 15))

    first = generate(date(2026, 12, 31))
    again = generate(date(2026, 12, 31))

    assert first.fees_created == 12
    assert again.fees_created == 0
    assert Fee.objects.count() == 12
    assert fees_of(made)[-1][:2] == (date(2026, 12, 15), date(2027, 1, 14))
    made.refresh_from_db()
    assert made.fees_pending_from == date(2027, 1, 15)


def test_a_period_split_in_two_runs_gives_the_same_fees():
    one = subscribe(plan("month", align_to_calendar=True), date(2027, 1, 10))
    generate(date(2027, 6, 30))
    expected = fees_of(one)
    Fee.objects.all().delete()
    Subscription.objects.filter(pk=one.pk).update(fees_pending_from=one.starts_on)

    generate(date(2027, 3, 15))
    generate(date(2027, 6, 30))

    assert fees_of(one) == expected


def test_the_amount_is_base_price_times_index_rounded_once():
    made = subscribe(plan("month"), date(2027, 1, 1), base_price="99.99", index=Decimal("103.5"))

    generate(date(2027, 1, 1))

    assert fees_of(made) == [(date(2027, 1, 1), date(2027, 1, 31), 31, "103.49")]  # 103.48965


def test_indexation_compounds_and_applies_from_its_day_to_open_fees_only():
    made = subscribe(plan("month"), date(2027, 1, 1), base_price="200.00")
    generate(date(2027, 3, 1))
    january = made.fees.get(period_start=date(2027, 1, 1))
    services.fees_mark_invoiced(fee_ids=[january.pk])

    services.subscription_change_price(
        subscription=made,
        by=None,
        method="index_percent",
        value=Decimal("10"),
        effective_on=date(2027, 1, 1),
    )
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="index_percent",
        value=Decimal("10"),
        effective_on=date(2027, 3, 1),
    )
    generate(date(2027, 4, 1))

    made.refresh_from_db()
    assert made.index == Decimal("121.0000")  # 110 + 10 %
    assert [amount for _s, _e, _d, amount in fees_of(made)] == [
        "200.00",  # invoiced before the change: never changes
        "220.00",
        "242.00",
        "242.00",
    ]
    history = list(made.price_changes.values_list("index_before", "index", "effective_on"))
    assert history == [
        (Decimal("100.0000"), Decimal("110.0000"), date(2027, 1, 1)),
        (Decimal("110.0000"), Decimal("121.0000"), date(2027, 3, 1)),
    ]


def test_base_price_changes_by_percent_and_to_a_value():
    made = subscribe(plan("month"), date(2027, 1, 1), base_price="80.00")

    services.subscription_change_price(
        subscription=made,
        by=None,
        method="base_percent",
        value=Decimal("2.5"),
        effective_on=date(2027, 2, 1),
    )
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="base_to",
        value=Decimal("90"),
        effective_on=date(2027, 3, 1),
    )
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="index_to",
        value=Decimal("105"),
        effective_on=date(2027, 3, 1),
    )
    generate(date(2027, 3, 1))

    assert [amount for _s, _e, _d, amount in fees_of(made)] == ["80.00", "82.00", "94.50"]


def test_a_price_change_before_the_last_one_is_refused_and_nothing_changes():
    made = subscribe(plan("month"), date(2027, 1, 1))
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="index_to",
        value=Decimal("110"),
        effective_on=date(2027, 6, 1),
    )

    with pytest.raises(ChangeBeforeLast):
        services.subscription_change_price(
            subscription=made,
            by=None,
            method="index_percent",
            value=Decimal("5"),
            effective_on=date(2027, 5, 1),
        )
    with pytest.raises(NegativePrice):
        services.subscription_change_price(
            subscription=made,
            by=None,
            method="base_percent",
            value=Decimal("-101"),
            effective_on=date(2027, 7, 1),
        )

    made.refresh_from_db()
    assert (made.base_price, made.index) == (Decimal("100.00"), Decimal("110.0000"))
    assert PriceChange.objects.count() == 1


def test_paused_days_bill_nothing_and_a_whole_paused_period_makes_no_fee():
    made = subscribe(plan("month", align_to_calendar=True), date(2027, 1, 1), base_price="310.00")
    generate(date(2027, 1, 31))

    services.subscription_pause(subscription=made, by=None, on=date(2027, 1, 22))
    generate(date(2027, 3, 31))
    services.subscription_resume(subscription=made, by=None, on=date(2027, 3, 11))
    generate(date(2027, 4, 1))

    assert fees_of(made) == [
        (date(2027, 1, 1), date(2027, 1, 31), 21, "210.00"),  # open fee recomputed: 21 of 31
        (date(2027, 3, 1), date(2027, 3, 31), 21, "210.00"),  # from 11 March
        (date(2027, 4, 1), date(2027, 4, 30), 30, "310.00"),
    ]
    made.refresh_from_db()
    assert made.status == Subscription.Status.ACTIVE


def test_cancelling_prorates_the_open_fee_and_drops_later_open_ones():
    made = subscribe(plan("month"), date(2027, 1, 1), base_price="310.00")
    generate(date(2027, 3, 1))

    services.subscription_cancel(subscription=made, by=None, on=date(2027, 2, 10))
    run = generate(date(2027, 12, 31))

    assert fees_of(made) == [
        (date(2027, 1, 1), date(2027, 1, 31), 31, "310.00"),
        (date(2027, 2, 1), date(2027, 2, 10), 10, "110.71"),  # 310 × 10/28
    ]
    assert run.fees_created == 0
    made.refresh_from_db()
    assert (made.status, made.ends_on) == (Subscription.Status.CANCELLED, date(2027, 2, 10))


def test_status_actions_refused_from_the_wrong_status_change_nothing():
    made = subscribe(plan("month"), date(2027, 1, 1))

    with pytest.raises(InvalidStatusChange):
        services.subscription_resume(subscription=made, by=None, on=date(2027, 2, 1))
    services.subscription_cancel(subscription=made, by=None, on=date(2027, 5, 31))
    with pytest.raises(InvalidStatusChange):
        services.subscription_pause(subscription=made, by=None, on=date(2027, 2, 1))

    made.refresh_from_db()
    assert (made.status, made.pauses.count()) == (Subscription.Status.CANCELLED, 0)


def test_invoiced_fees_never_change():
    made = subscribe(plan("month"), date(2027, 1, 1))
    generate(date(2027, 1, 1))
    fee = made.fees.get()
    services.fees_mark_invoiced(fee_ids=[fee.pk])

    with pytest.raises(FeeInvoiced):
        services.fee_adjust(fee=fee, by=None, amount=Decimal("50"))
    services.subscription_pause(subscription=made, by=None, on=date(2027, 1, 10))
    with pytest.raises(Conflict):
        services.fees_mark_invoiced(fee_ids=[fee.pk])

    fee.refresh_from_db()
    assert (fee.amount, fee.days, fee.status) == (Decimal("100.00"), 31, "invoiced")


def test_an_open_fee_can_be_adjusted():
    made = subscribe(plan("month"), date(2027, 1, 1))
    generate(date(2027, 1, 1))

    fee = services.fee_adjust(fee=made.fees.get(), by=None, amount=Decimal("75.555"))

    assert fee.amount == Decimal("75.56")


def test_bad_subscriptions_are_refused_and_nothing_is_written():
    monthly = plan("month")

    with pytest.raises(EndBeforeStart):
        subscribe(monthly, date(2027, 2, 1), ends_on=date(2027, 1, 31))
    with pytest.raises(NegativePrice):
        subscribe(monthly, date(2027, 2, 1), base_price="-1.00")

    assert Subscription.objects.count() == 0


def test_terms_change_only_before_the_first_fee():
    made = subscribe(plan("month"), date(2027, 1, 1))
    services.subscription_update(subscription=made, by=None, base_price=Decimal("120.00"))
    generate(date(2027, 1, 1))

    with pytest.raises(HasFees):
        services.subscription_update(subscription=made, by=None, base_price=Decimal("130.00"))
    services.subscription_update(subscription=made, by=None, description="Monitoring 24/7")

    made.refresh_from_db()
    assert (made.base_price, made.description) == (Decimal("120.00"), "Monitoring 24/7")


def test_moving_the_end_recomputes_the_last_open_fee():
    made = subscribe(
        plan("month"), date(2027, 1, 1), base_price="310.00", ends_on=date(2027, 1, 10)
    )
    generate(date(2027, 1, 1))
    assert fees_of(made) == [(date(2027, 1, 1), date(2027, 1, 10), 10, "100.00")]

    services.subscription_update(subscription=made, by=None, ends_on=date(2027, 2, 14))
    generate(date(2027, 2, 1))

    assert fees_of(made) == [
        (date(2027, 1, 1), date(2027, 1, 31), 31, "310.00"),
        (date(2027, 2, 1), date(2027, 2, 14), 14, "155.00"),
    ]


def test_plans_refuse_an_accrual_period_longer_than_the_invoicing_period():
    with pytest.raises(AccrualLongerThanPeriod):
        plan("month", accrue=True, accrual_period="quarter")
    with pytest.raises(InvalidInput):
        plan("quarter", accrue=True, accrual_period="")

    made = plan("quarter", accrue=True, accrual_period="month")
    subscribe(made, date(2027, 1, 1))
    with pytest.raises(PlanInUse):
        services.plan_update(plan=made, by=None, period="year")

    made.refresh_from_db()
    assert (made.period, made.accrual_period) == ("quarter", "month")


def test_a_subscription_is_deleted_only_before_its_first_fee():
    kept, dropped = (
        subscribe(plan("month"), date(2027, 1, 1)),
        subscribe(plan("week"), date(2027, 1, 1)),
    )
    generate(date(2027, 1, 1))
    Fee.objects.filter(subscription=dropped).delete()

    with pytest.raises(HasFees):
        services.subscription_delete(subscription=kept, by=None)
    services.subscription_delete(subscription=dropped, by=None)

    assert list(Subscription.objects.values_list("pk", flat=True)) == [kept.pk]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    starts_on=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    unit=st.sampled_from(["week", "month", "quarter", "year"]),
    aligned=st.booleans(),
    length=st.none() | st.integers(0, 900),
    cuts=st.lists(st.integers(0, 1200), max_size=3),
)
def test_generating_in_pieces_or_twice_is_generating_once(starts_on, unit, aligned, length, cuts):
    """Runs through ascending dates make the same fees as one run through the last date, and a
    rerun makes nothing."""
    Fee.objects.all().delete()
    Subscription.objects.all().delete()
    monthly = SubscriptionPlan.objects.filter(period=unit, align_to_calendar=aligned).first()
    monthly = monthly or plan(unit, align_to_calendar=aligned)
    ends_on = None if length is None else starts_on + timedelta(days=length)
    made = subscribe(monthly, starts_on, base_price="123.45", ends_on=ends_on)
    last = starts_on + timedelta(days=1200)

    for cut in sorted(cuts):
        generate(starts_on + timedelta(days=cut))
    generate(last)
    pieces = fees_of(made)
    assert generate(last).fees_created == 0
    Fee.objects.all().delete()
    Subscription.objects.filter(pk=made.pk).update(fees_pending_from=starts_on, status="active")
    generate(last)

    assert fees_of(made) == pieces
    for start, end, days, amount in pieces:
        assert start <= end
        assert days >= 1
        assert Decimal(amount) <= Decimal("123.45")


def test_runs_beyond_ten_years_unknown_subscriptions_and_oversized_prices_are_refused():
    made = subscribe(plan("month"), date(2027, 1, 1))

    with pytest.raises(InvalidInput) as too_far:
        generate(date.today() + timedelta(days=3660 + 3))
    with pytest.raises(InvalidInput) as unknown:
        services.subscriptions_generate_fees(through=date(2027, 1, 1), subscriptions=[made.pk + 99])
    with pytest.raises(InvalidInput) as too_large:
        subscribe(plan("year"), date(2027, 1, 1), base_price="999999999999.99", index=Decimal(101))
    services.subscription_change_price(
        subscription=made,
        by=None,
        method="base_to",
        value=Decimal("9999999999.99"),
        effective_on=date(2027, 1, 1),
    )
    with pytest.raises(InvalidInput) as raised_too_far:
        services.subscription_change_price(
            subscription=made,
            by=None,
            method="index_to",
            value=Decimal(999999),
            effective_on=date(2027, 1, 1),
        )

    assert too_far.value.code == "subscriptions.through_too_far"
    assert "subscription_ids" in unknown.value.field_errors
    assert too_large.value.code == raised_too_far.value.code == "subscriptions.amount_too_large"
    assert Fee.objects.count() == 0
    made.refresh_from_db()
    assert (made.base_price, made.index) == (Decimal("9999999999.99"), Decimal("100.0000"))
    assert made.price_changes.count() == 1
