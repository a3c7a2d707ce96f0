"""Billing: proposals from posted order lines and due fees, VAT and totals, posting (numbers,
dates, immutability), credit notes and accruals; each refusal leaves everything as it was."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import override_settings

from openservice.billing import services
from openservice.billing.errors import (
    AlreadyCredited,
    AlreadyPosted,
    CreditExceedsInvoiced,
    CustomerMismatch,
    InvoiceEmpty,
    NotCreditable,
    NotPosted,
)
from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.errors import InvalidInput
from openservice.customers.tests.factories import CustomerFactory
from openservice.orders import services as orders
from openservice.orders.models import OrderLine
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.subscriptions import services as subscriptions
from openservice.subscriptions.models import Fee

pytestmark = pytest.mark.django_db

POSTED_AT = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)


def posted_order(manager, customer, prices=("10.00",), **line_fields):
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    for price in prices:
        add_line(order, by=manager, unit_price=Decimal(price), **line_fields)
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    return order


def subscription(customer, starts_on=date(2027, 1, 1), billing="advance", **plan_fields):
    plan_fields.setdefault("name", f"Plan {billing} {plan_fields}")
    plan = subscriptions.plan_create(
        by=None, period=plan_fields.pop("period", "month"), billing=billing, **plan_fields
    )
    return subscriptions.subscription_create(
        by=None,
        customer=customer,
        plan=plan,
        description="Remote monitoring",
        base_price=Decimal("100.00"),
        starts_on=starts_on,
    )


def lines_of(invoice) -> list[tuple]:
    return [
        (
            line.description,
            str(line.quantity),
            str(line.net_amount),
            str(line.vat_rate),
            str(line.vat_amount),
        )
        for line in invoice.lines.order_by("position")
    ]


def test_a_proposal_bills_posted_lines_and_due_fees_one_invoice_per_customer(manager):
    customer, other = CustomerFactory(), CustomerFactory()
    order = posted_order(manager, customer, prices=("10.00", "20.00"))
    posted_order(manager, other, prices=("5.00",))
    advance = subscription(customer, billing="advance")
    subscription(customer, billing="arrears")
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 31))

    proposal = services.invoices_propose(by=manager, through=date(2027, 1, 30))

    assert (proposal.created, proposal.extended, proposal.lines) == (2, 0, 4)
    invoice = Invoice.objects.get(customer=customer)
    assert (invoice.status, invoice.number, invoice.kind) == ("draft", "", "invoice")
    assert [line.order_line_id for line in invoice.lines.order_by("position")][:2] == list(
        order.lines.order_by("pk").values_list("pk", flat=True)
    )
    fee_line = invoice.lines.get(fee__isnull=False)
    assert (
        fee_line.fee.subscription_id == advance.pk
    )  # arrears: January has not ended on the 31st? it has
    assert (fee_line.period_start, fee_line.period_end) == (date(2027, 1, 1), date(2027, 1, 31))
    assert fee_line.fee.status == Fee.Status.OPEN  # a draft bills it; posting invoices it
    services.invoice_post(invoice=invoice, by=manager, on=date(2027, 1, 30))
    fee_line.fee.refresh_from_db()
    assert fee_line.fee.status == Fee.Status.INVOICED


def test_fees_in_arrears_wait_for_their_period_to_end():
    customer = CustomerFactory()
    subscription(customer, billing="arrears")
    subscription(customer, billing="advance")
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 15))

    early = services.invoices_propose(by=None, through=date(2027, 1, 30))
    late = services.invoices_propose(by=None, through=date(2027, 1, 31))

    assert (early.lines, late.lines) == (1, 1)
    assert (early.created, late.created, late.extended) == (1, 0, 1)
    assert Invoice.objects.get().lines.count() == 2


def test_proposing_twice_is_proposing_once(manager):
    customer = CustomerFactory()
    posted_order(manager, customer)
    subscription(customer)
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 1))
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    before = list(InvoiceLine.objects.order_by("pk").values_list("pk", "invoice_id"))

    again = services.invoices_propose(by=manager, through=date(2027, 1, 31))

    assert (again.created, again.extended, again.lines) == (0, 0, 0)
    assert list(InvoiceLine.objects.order_by("pk").values_list("pk", "invoice_id")) == before


def test_open_unbillable_and_later_lines_are_not_proposed(manager):
    customer = CustomerFactory()
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    add_line(order, by=manager, is_billable=False)
    add_line(order, by=manager)
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    add_line(signed_off_order("completed", by=manager, customer=customer, lines=0), by=manager)

    assert services.invoices_propose(by=manager, through=date(2027, 1, 19)).lines == 0
    assert services.invoices_propose(by=manager, through=date(2027, 1, 20)).lines == 1


@override_settings(VAT_DEFAULT_RATE="25.5")
def test_vat_per_line_from_the_item_or_the_default_and_exact_totals(manager):
    customer = CustomerFactory()
    food = ItemFactory(vat_rate=Decimal("14.00"), sales_price=Decimal("3.33"))
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    add_line(order, by=manager, kind="item", item=food, quantity="3", unit_price=Decimal("3.33"))
    add_line(order, by=manager, kind="hour", quantity="1.5", unit_price=Decimal("66.67"))
    orders.order_post(order=order, by=manager, now=POSTED_AT)

    services.invoices_propose(by=manager, through=date(2027, 1, 31))

    invoice = Invoice.objects.get()
    assert [line[2:] for line in lines_of(invoice)] == [
        ("9.99", "14.00", "1.40"),  # 1.3986
        ("100.01", "25.50", "25.50"),  # 100.005 → 100.01; 25.502… → 25.50
    ]
    assert (invoice.net_amount, invoice.vat_amount, invoice.gross_amount) == (
        Decimal("110.00"),
        Decimal("26.90"),
        Decimal("136.90"),
    )


@override_settings(INVOICE_PAYMENT_DAYS=14)
def test_posting_numbers_dates_and_freezes_the_invoice(manager):
    customer = CustomerFactory(name="Kone Asiakas Oy", billing_address="Box 1", vat_id="FI1")
    posted_order(manager, customer)
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    draft = Invoice.objects.get()

    posted = services.invoice_post(invoice=draft, by=manager, on=date(2027, 2, 1))

    assert (posted.number, posted.status, posted.issued_on, posted.due_on) == (
        "2027-000001",
        "posted",
        date(2027, 2, 1),
        date(2027, 2, 15),
    )
    assert (posted.customer_name, posted.billing_address, posted.vat_id) == (
        "Kone Asiakas Oy",
        "Box 1",
        "FI1",
    )
    with pytest.raises(AlreadyPosted):
        services.invoice_post(invoice=posted, by=manager)
    with pytest.raises(AlreadyPosted):
        services.invoice_line_add(
            invoice=posted, by=manager, description="x", quantity=Decimal(1), unit_price=Decimal(1)
        )
    with pytest.raises(AlreadyPosted):
        services.invoice_delete(invoice=posted, by=manager)
    posted.refresh_from_db()
    assert (posted.number, posted.lines.count(), posted.net_amount) == (
        "2027-000001",
        1,
        Decimal("10.00"),
    )


def test_numbers_run_on_per_year_across_invoices_and_credit_notes(manager):
    customer = CustomerFactory()
    invoices = []
    for _ in range(3):
        invoice = services.invoice_create(by=manager, customer=customer)
        services.invoice_line_add(
            invoice=invoice,
            by=manager,
            description="Call-out",
            quantity=Decimal(1),
            unit_price=Decimal("50"),
        )
        invoices.append(invoice)

    first = services.invoice_post(invoice=invoices[0], by=manager, on=date(2027, 12, 31))
    credit = services.invoice_post(
        invoice=services.invoice_credit(invoice=first, by=manager),
        by=manager,
        on=date(2027, 12, 31),
    )
    posted = services.invoices_post(
        invoice_ids=[i.pk for i in invoices], by=manager, on=date(2028, 1, 2)
    )

    assert (first.number, credit.number) == ("2027-000001", "2027-000002")
    assert len(posted) == 2
    assert list(
        Invoice.objects.filter(pk__in=posted).order_by("pk").values_list("number", flat=True)
    ) == [
        "2028-000001",
        "2028-000002",
    ]


def test_an_empty_draft_is_not_posted():
    draft = services.invoice_create(by=None, customer=CustomerFactory())

    with pytest.raises(InvoiceEmpty):
        services.invoice_post(invoice=draft, by=None)

    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("draft", "")


def test_deleting_a_draft_frees_its_lines_and_fees_for_the_next_proposal(manager):
    customer = CustomerFactory()
    posted_order(manager, customer)
    subscription(customer)
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 1))
    services.invoices_propose(by=manager, through=date(2027, 1, 31))

    services.invoice_delete(invoice=Invoice.objects.get(), by=manager)

    assert Fee.objects.get().status == Fee.Status.OPEN
    assert services.invoices_propose(by=manager, through=date(2027, 1, 31)).lines == 2


def test_crediting_all_or_chosen_lines_and_never_twice(manager):
    customer = CustomerFactory()
    posted_order(manager, customer, prices=("10.00", "20.00", "30.00"))
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=manager, on=date(2027, 2, 1))
    first, second, third = invoice.lines.order_by("position")

    partial = services.invoice_credit(invoice=invoice, by=manager, line_ids=[second.pk])
    with pytest.raises(AlreadyCredited):
        services.invoice_credit(invoice=invoice, by=manager, line_ids=[first.pk, second.pk])
    rest = services.invoice_credit(invoice=invoice, by=manager, line_ids=[first.pk, third.pk])
    with pytest.raises(AlreadyCredited):
        services.invoice_credit(invoice=invoice, by=manager)

    assert (partial.kind, partial.credited_invoice_id, partial.reference) == (
        "credit_note",
        invoice.pk,
        invoice.number,
    )
    assert lines_of(partial) == [(second.description, "-1.000", "-20.00", "25.50", "-5.10")]
    assert (partial.net_amount, partial.gross_amount) == (Decimal("-20.00"), Decimal("-25.10"))
    assert rest.net_amount + partial.net_amount == -invoice.net_amount
    assert Invoice.objects.filter(kind="credit_note").count() == 2


def test_a_draft_or_a_credit_note_cannot_be_credited(manager):
    customer = CustomerFactory()
    posted_order(manager, customer)
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    draft = Invoice.objects.get()

    with pytest.raises(NotPosted):
        services.invoice_credit(invoice=draft, by=manager)
    invoice = services.invoice_post(invoice=draft, by=manager)
    note = services.invoice_post(
        invoice=services.invoice_credit(invoice=invoice, by=manager), by=manager
    )
    with pytest.raises(NotCreditable):
        services.invoice_credit(invoice=note, by=manager)

    assert Invoice.objects.count() == 2


def test_an_accruing_fee_splits_by_days_and_a_credit_reverses_it():
    customer = CustomerFactory()
    subscription(
        customer, starts_on=date(2027, 1, 15), period="quarter", accrue=True, accrual_period="month"
    )
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 15))
    services.invoices_propose(by=None, through=date(2027, 1, 31))

    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=None, on=date(2027, 1, 31))

    entries = list(
        AccrualEntry.objects.order_by("period_start").values_list(
            "period_start", "period_end", "amount"
        )
    )
    assert entries == [  # 100.00 over 17, 28, 31 and 14 days of 90
        (date(2027, 1, 15), date(2027, 1, 31), Decimal("18.89")),
        (date(2027, 2, 1), date(2027, 2, 28), Decimal("31.11")),
        (date(2027, 3, 1), date(2027, 3, 31), Decimal("34.44")),
        (date(2027, 4, 1), date(2027, 4, 14), Decimal("15.56")),
    ]

    services.invoice_post(invoice=services.invoice_credit(invoice=invoice, by=None), by=None)

    reversed_ = AccrualEntry.objects.filter(reverses__isnull=False)
    assert sorted(e.amount for e in reversed_) == sorted(-amount for _s, _e, amount in entries)
    assert sum(e.amount for e in AccrualEntry.objects.all()) == 0
    assert Fee.objects.get().status == Fee.Status.CREDITED


def test_a_plan_that_does_not_accrue_writes_no_entries():
    subscription(CustomerFactory())
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 1))
    services.invoices_propose(by=None, through=date(2027, 1, 1))

    services.invoice_post(invoice=Invoice.objects.get(), by=None)

    assert AccrualEntry.objects.count() == 0


def test_credit_note_create_for_other_apps_credits_at_most_what_was_invoiced(manager):
    customer = CustomerFactory()
    posted_order(manager, customer, prices=("40.00",))
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=manager)
    line = invoice.lines.get()

    with pytest.raises(CreditExceedsInvoiced):
        services.credit_note_create(
            by=manager,
            customer=customer,
            lines=[
                services.CreditLine("Returned", Decimal(1), Decimal("40.01"), credited_line=line)
            ],
        )
    with pytest.raises(CustomerMismatch):
        services.credit_note_create(
            by=manager,
            customer=CustomerFactory(),
            lines=[services.CreditLine("Returned", Decimal(1), Decimal("1"), credited_line=line)],
        )
    assert Invoice.objects.filter(kind="credit_note").count() == 0

    note = services.credit_note_create(
        by=manager,
        customer=customer,
        reference="RMA000001",
        credited_invoice=invoice,
        lines=[
            services.CreditLine(
                "Returned roller", Decimal(1), Decimal("40.00"), credited_line=line
            ),
            services.CreditLine("Handling refund", Decimal(1), Decimal("5.00")),
        ],
        post=True,
    )

    assert (note.kind, note.status, note.reference, note.net_amount) == (
        "credit_note",
        "posted",
        "RMA000001",
        Decimal("-45.00"),
    )
    assert note.lines.get(credited_line=line).net_amount == Decimal("-40.00")


def test_a_source_is_invoiced_once_only_by_constraint(manager):
    customer = CustomerFactory()
    order = posted_order(manager, customer)
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    other = services.invoice_create(by=manager, customer=customer)

    with pytest.raises(Exception) as raised:
        InvoiceLine.objects.create(
            invoice=other,
            order_line=OrderLine.objects.get(order=order),
            description="again",
            quantity=1,
            unit_price=10,
            net_amount=10,
            vat_rate=0,
            vat_amount=0,
            gross_amount=10,
        )

    assert type(raised.value).__name__ == "IntegrityError"


def test_a_manual_line_too_large_for_its_columns_is_refused_on_its_fields():
    draft = services.invoice_create(by=None, customer=CustomerFactory())

    with pytest.raises(InvalidInput) as refused:
        services.invoice_line_add(
            invoice=draft,
            by=None,
            description="Huge",
            quantity=Decimal("999999999.999"),
            unit_price=Decimal("999999999999.99"),
        )

    assert "net_amount" in refused.value.field_errors
    assert draft.lines.count() == 0
    draft.refresh_from_db()
    assert draft.net_amount == 0


def test_an_unknown_customer_and_totals_beyond_an_invoice_are_refused(manager):
    customer = CustomerFactory()
    draft = services.invoice_create(by=manager, customer=customer)
    services.invoice_line_add(
        invoice=draft,
        by=manager,
        description="Big",
        quantity=Decimal(1),
        unit_price=Decimal("700000000000.00"),
        vat_rate=Decimal(0),
    )

    with pytest.raises(InvalidInput) as unknown:
        services.invoices_propose(by=manager, through=date(2027, 1, 31), customer=customer.pk + 99)
    with pytest.raises(InvalidInput) as too_large:
        services.invoice_line_add(
            invoice=draft,
            by=manager,
            description="Bigger",
            quantity=Decimal(1),
            unit_price=Decimal("700000000000.00"),
            vat_rate=Decimal(0),
        )

    assert "customer_id" in unknown.value.field_errors
    assert too_large.value.code == "billing.amount_too_large"
    draft.refresh_from_db()
    assert (draft.lines.count(), draft.net_amount) == (1, Decimal("700000000000.00"))


def test_a_line_is_credited_in_parts_never_beyond_what_it_invoiced(manager):
    customer = CustomerFactory()
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    add_line(order, by=manager, unit_price=Decimal("40.00"), quantity="2")
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    invoice = services.invoice_post(invoice=Invoice.objects.get(), by=manager)
    line = invoice.lines.get()

    def credit(price):
        return services.credit_note_create(
            by=manager,
            customer=customer,
            lines=[services.CreditLine("Returned", Decimal(1), Decimal(price), credited_line=line)],
        )

    first, second = credit("40.00"), credit("39.99")
    with pytest.raises(CreditExceedsInvoiced) as refused:
        credit("0.02")
    with pytest.raises(AlreadyCredited):
        services.invoice_credit(invoice=invoice, by=manager)

    assert refused.value.details["credited_before"] == "79.99"
    assert Invoice.objects.filter(kind="credit_note").count() == 2
    assert [c.net_amount for c in line.credit_lines.order_by("pk")] == [
        first.net_amount,
        second.net_amount,
    ]
    credit("0.01")
