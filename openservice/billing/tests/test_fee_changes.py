"""A fee a draft invoice bills stays open and the draft follows it: pauses, price changes,
adjustments and ends reach the draft's line. Accruals and credits on partial cases, the issue
date order, and what credit_note_create accepts."""

from datetime import date
from decimal import Decimal

import pytest

from openservice.billing import services
from openservice.billing.errors import IssueDateBeforeLast, NotPosted
from openservice.billing.models import AccrualEntry, Invoice
from openservice.core.errors import InvalidInput
from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services as subscriptions
from openservice.subscriptions.errors import FeeInvoiced, HasPriceChanges, InvalidStatusChange
from openservice.subscriptions.models import Fee, Subscription

pytestmark = pytest.mark.django_db


def subscribe(period="month", base_price="310.00", starts_on=date(2027, 1, 1), **fields):
    plan_fields = {k: fields.pop(k) for k in ("accrue", "accrual_period") if k in fields}
    plan = subscriptions.plan_create(
        by=None, name=f"{period} {plan_fields}", period=period, **plan_fields
    )
    return subscriptions.subscription_create(
        by=None,
        customer=CustomerFactory(),
        plan=plan,
        description="Monitoring",
        base_price=Decimal(base_price),
        starts_on=starts_on,
        **fields,
    )


def draft_lines() -> list[tuple]:
    invoice = Invoice.objects.get(status="draft")
    return [
        (line.period_start, line.period_end, str(line.net_amount))
        for line in invoice.lines.order_by("position")
    ], str(invoice.net_amount)


def test_a_draft_follows_a_pause_a_price_change_and_an_adjustment_of_its_fees():
    made = subscribe()
    subscriptions.subscriptions_generate_fees(through=date(2027, 3, 1))
    services.invoices_propose(by=None, through=date(2027, 3, 1))

    subscriptions.subscription_pause(subscription=made, by=None, on=date(2027, 3, 1))
    subscriptions.subscription_change_price(
        subscription=made,
        by=None,
        method="index_percent",
        value=Decimal(10),
        effective_on=date(2027, 2, 1),
    )
    subscriptions.fee_adjust(
        fee=made.fees.get(period_start=date(2027, 1, 1)), by=None, amount=Decimal("300")
    )

    assert draft_lines() == (
        [
            (date(2027, 1, 1), date(2027, 1, 31), "300.00"),
            (date(2027, 2, 1), date(2027, 2, 28), "341.00"),
        ],
        "641.00",
    )
    assert Fee.objects.filter(status="open").count() == 2  # March, paused throughout, went

    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=None, on=date(2027, 3, 2))
    subscriptions.subscription_change_price(
        subscription=made,
        by=None,
        method="index_percent",
        value=Decimal(10),
        effective_on=date(2027, 2, 1),
    )
    invoice.refresh_from_db()
    assert invoice.net_amount == Decimal("641.00")  # posted: never changes
    assert set(Fee.objects.values_list("status", flat=True)) == {"invoiced"}


def test_an_adjusted_fee_keeps_its_amount_through_later_changes():
    made = subscribe()
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 1))
    fee = subscriptions.fee_adjust(fee=made.fees.get(), by=None, amount=Decimal("250"))

    subscriptions.subscription_change_price(
        subscription=made,
        by=None,
        method="index_to",
        value=Decimal(120),
        effective_on=date(2027, 1, 1),
    )

    fee.refresh_from_db()
    assert (fee.amount, fee.is_adjusted) == (Decimal("250.00"), True)


def test_the_end_may_not_cut_into_invoiced_fees_nor_extend_a_fee_invoiced_short():
    made = subscribe(ends_on=date(2027, 3, 15))
    subscriptions.subscriptions_generate_fees(through=date(2027, 3, 31))
    services.invoices_propose(by=None, through=date(2027, 3, 31))
    services.invoice_post(invoice=Invoice.objects.get(), by=None, on=date(2027, 3, 31))

    with pytest.raises(FeeInvoiced):
        subscriptions.subscription_update(subscription=made, by=None, ends_on=date(2027, 1, 20))
    with pytest.raises(FeeInvoiced):
        subscriptions.subscription_update(subscription=made, by=None, ends_on=date(2027, 6, 30))

    made.refresh_from_db()
    assert (made.ends_on, made.status) == (date(2027, 3, 15), Subscription.Status.ENDED)


def test_the_base_price_changes_by_indexation_once_it_has_a_history():
    made = subscribe()
    subscriptions.subscription_change_price(
        subscription=made,
        by=None,
        method="index_percent",
        value=Decimal(10),
        effective_on=date(2027, 3, 1),
    )

    with pytest.raises(HasPriceChanges):
        subscriptions.subscription_update(subscription=made, by=None, base_price=Decimal("200"))

    made.refresh_from_db()
    assert made.base_price == Decimal("310.00")


def test_a_subscription_ended_while_paused_stays_paused_when_extended():
    made = subscribe(ends_on=date(2027, 3, 31))
    subscriptions.subscription_pause(subscription=made, by=None, on=date(2027, 2, 10))
    subscriptions.subscriptions_generate_fees(through=date(2027, 3, 31))
    made.refresh_from_db()
    assert made.status == Subscription.Status.ENDED

    made = subscriptions.subscription_update(subscription=made, by=None, ends_on=date(2027, 6, 30))

    assert made.status == Subscription.Status.PAUSED
    with pytest.raises(InvalidStatusChange):
        subscriptions.subscription_pause(subscription=made, by=None, on=date(2027, 4, 1))
    subscriptions.subscription_resume(subscription=made, by=None, on=date(2027, 5, 1))
    subscriptions.subscriptions_generate_fees(through=date(2027, 6, 30))
    assert [str(f.amount) for f in made.fees.order_by("period_start")] == [
        "310.00",
        "99.64",  # 1–9 February: 9 of 28 days
        "310.00",  # May
        "310.00",
    ]


def test_accruals_skip_paused_days_and_a_partial_credit_reverses_its_share():
    made = subscribe(period="quarter", base_price="300.00", accrue=True, accrual_period="month")
    subscriptions.subscription_pause(subscription=made, by=None, on=date(2027, 2, 1))
    subscriptions.subscription_resume(subscription=made, by=None, on=date(2027, 3, 1))
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 1))
    services.invoices_propose(by=None, through=date(2027, 1, 1))
    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=None, on=date(2027, 1, 2))

    entries = list(
        AccrualEntry.objects.order_by("period_start").values_list("period_start", "amount")
    )
    fee = made.fees.get()
    assert (fee.days, fee.amount) == (62, Decimal("206.67"))  # 62 of 90 days
    assert entries == [(date(2027, 1, 1), Decimal("103.34")), (date(2027, 3, 1), Decimal("103.33"))]

    note = services.credit_note_create(
        by=None,
        customer=made.customer,
        credited_invoice=invoice,
        lines=[
            services.CreditLine(
                "Goodwill", Decimal(1), Decimal("20.00"), credited_line=invoice.lines.get()
            )
        ],
        post=True,
    )

    reversals = list(
        AccrualEntry.objects.filter(invoice_line__invoice=note)
        .order_by("period_start")
        .values_list("amount", flat=True)
    )
    assert reversals == [Decimal("-10.00"), Decimal("-10.00")]
    fee.refresh_from_db()
    assert fee.status == Fee.Status.INVOICED  # 186.67 is still invoiced


def test_an_issue_date_before_the_last_of_its_year_is_refused():
    customer = CustomerFactory()
    first, second = (services.invoice_create(by=None, customer=customer) for _ in range(2))
    for draft in (first, second):
        services.invoice_line_add(
            invoice=draft,
            by=None,
            description="Call-out",
            quantity=Decimal(1),
            unit_price=Decimal(90),
        )
    services.invoice_post(invoice=first, by=None, on=date(2027, 3, 20))

    with pytest.raises(IssueDateBeforeLast):
        services.invoice_post(invoice=second, by=None, on=date(2027, 1, 2))
    posted = services.invoice_post(invoice=second, by=None, on=date(2027, 3, 20))

    assert posted.number == "2027-000002"


def test_credit_note_create_credits_only_a_posted_invoice_and_its_vat():
    customer = CustomerFactory()
    draft = services.invoice_create(by=None, customer=customer)
    line = services.invoice_line_add(
        invoice=draft, by=None, description="Part", quantity=Decimal(1), unit_price=Decimal(90)
    )

    with pytest.raises(NotPosted):
        services.credit_note_create(
            by=None,
            customer=customer,
            credited_invoice=draft,
            lines=[services.CreditLine("x", Decimal(1), Decimal(1))],
        )
    services.invoice_post(invoice=draft, by=None)
    with pytest.raises(InvalidInput):
        services.credit_note_create(
            by=None,
            customer=customer,
            lines=[
                services.CreditLine(
                    "x", Decimal(1), Decimal(1), vat_rate=Decimal(0), credited_line=line
                )
            ],
        )

    assert Invoice.objects.filter(kind="credit_note").count() == 0
