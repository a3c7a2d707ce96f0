"""Returns end to end through the services: the RMA and its deadline, the line state machine
(allowed and refused), partial arrivals, every disposition action, credit notes that sum
exactly, repair orders that send the unit back when they complete, and refusals that change
nothing."""

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openservice.billing.models import Invoice
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.errors import InvalidInput, PermissionDenied
from openservice.customers.selectors import customer_of_user
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders import services as orders
from openservice.orders.models import ServiceOrder
from openservice.orders.tests.factories import move_to, service_object, stage
from openservice.repairs.models import RepairLine
from openservice.returns import selectors, services
from openservice.returns.errors import (
    AlreadyCredited,
    ArrivalExceedsExpected,
    CreditPriceMissing,
    DispositionMissing,
    ExceedsInvoiced,
    LineNotInStatus,
    NotCancellable,
    ObjectRequired,
    ReplacementShipped,
    ReturnCancelled,
    ReturnClosed,
)
from openservice.returns.models import Replacement, ReturnLine, ReturnOrder
from openservice.returns.tests.factories import line_input, posted_invoice, return_codes

pytestmark = pytest.mark.django_db
TODAY = date(2026, 2, 1)


@pytest.fixture
def codes():
    return return_codes()


def new_return(by, customer, codes, *lines, **fields):
    return services.return_create(
        by=by,
        customer=customer,
        reason=codes["DEFECT"],
        lines=list(lines)
        or [line_input(item=ItemFactory(), quantity="3", credit_price=Decimal("10"))],
        today=TODAY,
        **fields,
    )


def snapshot():
    return (
        list(ReturnOrder.objects.order_by("pk").values()),
        list(ReturnLine.objects.order_by("pk").values()),
        Invoice.objects.count(),
        ServiceOrder.objects.count(),
        Replacement.objects.count(),
    )


def arrived(ret, codes, disposition, by, quantity=None):
    line = ret.lines.get()
    registered = services.arrival_register(
        ret=ret, line=line, quantity=quantity or line.quantity, by=by
    )
    services.line_set_disposition(ret=ret, line=registered, by=by, disposition=codes[disposition])
    return registered


# --- creating ------------------------------------------------------------------------------


@override_settings(RETURN_VALIDITY_DAYS=21)
def test_a_return_gets_an_rma_number_a_deadline_and_prices_from_the_invoice(manager, codes):
    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()

    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="1", invoice_line=invoice_line),
        reference_invoice=invoice,
    )

    line = ret.lines.get()
    assert (ret.number, ret.status, ret.deadline, ret.currency) == (
        "RMA000001",
        "created",
        TODAY + timedelta(days=21),
        invoice.currency,
    )
    assert (line.status, line.credit_price, line.unit, line.reason) == (
        "expected",
        Decimal("40.00"),
        "pcs",
        codes["DEFECT"],
    )
    assert new_return(manager, customer, codes).number == "RMA000002"


def test_a_serial_names_the_customers_service_object(manager, codes):
    customer = CustomerFactory()
    obj = service_object(customer, site=SiteFactory(customer=customer))
    obj.serial_number = "SN-1"
    obj.save()

    ret = new_return(manager, customer, codes, line_input(item=obj.item, serial="SN-1"))

    assert ret.lines.get().object == obj


@pytest.mark.parametrize(
    "spec, field",
    [
        (lambda c, o, i: line_input(quantity="1"), "lines.0.item_id"),
        (lambda c, o, i: line_input(item=ItemFactory(), quantity="0"), "lines.0.quantity"),
        (lambda c, o, i: line_input(object=o, quantity="2"), "lines.0.quantity"),
        (
            lambda c, o, i: line_input(object=service_object(CustomerFactory())),
            "lines.0.object_id",
        ),
        (lambda c, o, i: line_input(object=o, item=ItemFactory()), "lines.0.item_id"),
        (
            lambda c, o, i: line_input(
                item=ItemFactory(), invoice_line=posted_invoice(i, CustomerFactory()).lines.get()
            ),
            "lines.0.invoice_line_id",
        ),
        (
            lambda c, o, i: line_input(item=ItemFactory(), credit_price=Decimal("-1")),
            "lines.0.credit_price",
        ),
    ],
)
def test_bad_lines_are_refused_on_their_field_and_nothing_is_written(manager, codes, spec, field):
    customer = CustomerFactory()
    obj = service_object(customer, site=SiteFactory(customer=customer))
    line = spec(customer, obj, manager)
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        new_return(manager, customer, codes, line)

    assert list(refused.value.field_errors) == [field]
    assert snapshot() == before


def test_no_more_comes_back_than_the_invoice_line_billed_over_every_return(manager, codes):
    customer = CustomerFactory()
    invoice_line = posted_invoice(manager, customer, lines=[("2", "40.00")]).lines.get()
    item = invoice_line.order_line.item
    new_return(
        manager, customer, codes, line_input(item=item, quantity="1", invoice_line=invoice_line)
    )
    before = snapshot()

    with pytest.raises(ExceedsInvoiced):
        new_return(
            manager, customer, codes, line_input(item=item, quantity="2", invoice_line=invoice_line)
        )

    assert snapshot() == before
    new_return(
        manager, customer, codes, line_input(item=item, quantity="1", invoice_line=invoice_line)
    )


# --- the state machine ---------------------------------------------------------------------


def test_full_arrival_registers_the_line_and_opens_the_return(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()

    registered = services.arrival_register(
        ret=ret, line=line, quantity=Decimal(3), by=manager, on=TODAY
    )

    ret.refresh_from_db()
    assert (registered.pk, registered.status, registered.arrived_on, ret.status) == (
        line.pk,
        "registered",
        TODAY,
        "open",
    )


def test_a_partial_arrival_splits_the_line_and_the_rest_stays_expected(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()

    first = services.arrival_register(ret=ret, line=line, quantity=Decimal(1), by=manager)
    second = services.arrival_register(ret=ret, line=line, quantity=Decimal(2), by=manager)

    rows = list(ret.lines.order_by("pk").values_list("pk", "status", "quantity", "split_from"))
    assert rows == [
        (line.pk, "registered", Decimal(2), None),
        (first.pk, "registered", Decimal(1), line.pk),
    ]
    assert second.pk == line.pk


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    total=st.integers(min_value=1, max_value=20),
    arrivals=st.lists(st.integers(min_value=1, max_value=25), max_size=6),
)
def test_registered_and_expected_always_add_up_to_the_original_quantity(
    manager, codes, total, arrivals
):
    ret = new_return(
        manager, CustomerFactory(), codes, line_input(item=ItemFactory(), quantity=str(total))
    )
    original = ret.lines.get()
    for quantity in arrivals:
        with contextlib.suppress(ArrivalExceedsExpected, LineNotInStatus):
            services.arrival_register(
                ret=ret, line=original, quantity=Decimal(quantity), by=manager
            )
    by_status = {
        status: sum(q for s, q in ret.lines.values_list("status", "quantity") if s == status)
        for status in ("registered", "expected")
    }
    assert by_status["registered"] + by_status["expected"] == total
    assert ret.lines.filter(status="expected").count() <= 1


def test_arrival_above_the_expected_quantity_is_refused_and_nothing_changes(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    before = snapshot()

    with pytest.raises(ArrivalExceedsExpected) as refused:
        services.arrival_register(ret=ret, line=ret.lines.get(), quantity=Decimal(4), by=manager)

    assert refused.value.code == "returns.arrival_exceeds_expected"
    assert list(refused.value.field_errors) == ["quantity"]
    assert snapshot() == before


def test_quarantine_then_inspection_receives_the_line_with_its_disposition(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)

    services.line_quarantine(ret=ret, line=line, by=manager)
    inspected = services.line_inspect(
        ret=ret, line=line, by=manager, note="Cracked housing", disposition=codes["SCRAP"]
    )

    assert (inspected.status, inspected.inspection_note, inspected.disposition) == (
        "received",
        "Cracked housing",
        codes["SCRAP"],
    )


def line_action(action, ret, line, by, codes):
    if action == "arrival":
        return services.arrival_register(ret=ret, line=line, quantity=Decimal(3), by=by)
    if action == "quarantine":
        return services.line_quarantine(ret=ret, line=line, by=by)
    if action == "inspect":
        return services.line_inspect(ret=ret, line=line, by=by, note="ok")
    return services.line_set_disposition(ret=ret, line=line, by=by, disposition=codes["CREDIT"])


@pytest.mark.parametrize(
    "action, allowed_from",
    [
        ("arrival", {"expected"}),
        ("quarantine", {"registered"}),
        ("inspect", {"registered", "quarantine"}),
        ("disposition", {"expected", "registered", "quarantine", "received"}),
    ],
)
def test_each_line_action_is_allowed_only_from_its_statuses(manager, codes, action, allowed_from):
    statuses = ["expected", "registered", "quarantine", "received", "credited"]
    for status in statuses:
        ret = new_return(manager, CustomerFactory(), codes)
        line = ret.lines.get()
        ReturnLine.objects.filter(pk=line.pk).update(status=status)
        ReturnOrder.objects.filter(pk=ret.pk).update(status="open")

        def act(ret=ret, line=line):
            return line_action(action, ret, line, manager, codes)

        if status in allowed_from:
            act()
        else:
            before = snapshot()
            with pytest.raises(LineNotInStatus) as refused:
                act()
            assert refused.value.code == "returns.line_status"
            assert snapshot() == before


def test_a_created_return_is_cancelled_an_open_one_is_not(manager, codes):
    created = new_return(manager, CustomerFactory(), codes)
    opened = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=opened, line=opened.lines.get(), quantity=1, by=manager)

    services.return_cancel(ret=created, by=manager)
    before = snapshot()
    with pytest.raises(NotCancellable):
        services.return_cancel(ret=opened, by=manager)

    assert snapshot() == before
    assert list(created.lines.values_list("status", flat=True)) == ["cancelled"]
    with pytest.raises(ReturnCancelled):
        services.arrival_register(ret=created, line=created.lines.get(), quantity=1, by=manager)


def test_a_closed_return_cannot_change(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    arrived(ret, codes, "SCRAP", manager)
    services.return_process(ret=ret, by=manager)
    ret.refresh_from_db()
    assert ret.status == "closed"
    line = ret.lines.get()
    before = snapshot()

    for change in (
        lambda: services.return_update(ret=ret, by=manager, note="x"),
        lambda: services.return_cancel(ret=ret, by=manager),
        lambda: services.line_set_disposition(
            ret=ret, line=line, by=manager, disposition=codes["CREDIT"]
        ),
        lambda: services.return_process(ret=ret, by=manager, line_ids=[line.pk]),
        lambda: services.return_close(ret=ret, by=manager),
    ):
        with pytest.raises(ReturnClosed) as refused:
            change()
        assert refused.value.code == "returns.closed"
    assert snapshot() == before


def test_closing_by_hand_gives_up_expected_lines_but_not_goods_on_hand(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    registered = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    with pytest.raises(LineNotInStatus):
        services.return_close(ret=ret, by=manager)
    services.line_set_disposition(ret=ret, line=registered, by=manager, disposition=codes["SCRAP"])
    services.return_process(ret=ret, by=manager)

    closed = services.return_close(ret=ret, by=manager)

    assert closed.status == "closed"
    assert sorted(ret.lines.values_list("status", flat=True)) == ["cancelled", "scrapped"]


# --- processing ----------------------------------------------------------------------------


def test_credit_makes_one_posted_credit_note_summing_exactly(manager, codes):
    customer = CustomerFactory()
    invoice = posted_invoice(
        manager, customer, lines=[("3", "33.33"), ("1", "19.99")], vat_rate=Decimal("24.00")
    )
    first, second = invoice.lines.order_by("position")
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=first.order_line.item, quantity="2", invoice_line=first),
        line_input(item=second.order_line.item, quantity="1", invoice_line=second),
        line_input(item=ItemFactory(), quantity="1", credit_price=Decimal("0.01")),
        reference_invoice=invoice,
    )
    for line in ret.lines.all():
        registered = services.arrival_register(
            ret=ret, line=line, quantity=line.quantity, by=manager
        )
        services.line_set_disposition(
            ret=ret, line=registered, by=manager, disposition=codes["CREDIT"]
        )

    result = services.return_process(ret=ret, by=manager)

    note = Invoice.objects.get(pk=result.credit_note_id)
    assert (note.kind, note.status, note.reference, note.credited_invoice) == (
        "credit_note",
        "posted",
        ret.number,
        invoice,
    )
    assert note.net_amount == Decimal("-86.66")  # 2 × 33.33 + 19.99 + 0.01
    assert note.net_amount == sum(line.net_amount for line in note.lines.all())
    assert note.gross_amount == note.net_amount + note.vat_amount
    lines = list(ret.lines.order_by("position").select_related("credit_note_line"))
    assert [line.status for line in lines] == ["credited"] * 3
    assert [line.credit_note_line.net_amount for line in lines] == [
        Decimal("-66.66"),
        Decimal("-19.99"),
        Decimal("-0.01"),
    ]
    # Each credit names the invoice line it gives back (in part or whole): billing knows.
    assert [line.credit_note_line.credited_line_id for line in lines] == [first.pk, second.pk, None]
    ret.refresh_from_db()
    assert ret.status == "closed"


def test_processing_again_creates_nothing_new(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    arrived(ret, codes, "REPLACE", manager, quantity=Decimal(1))

    first = services.return_process(ret=ret, by=manager)
    before = snapshot()
    again = services.return_process(ret=ret, by=manager)

    assert first.credit_note_id is not None and len(first.replacement_order_ids) == 1
    assert (again.credit_note_id, again.replacement_order_ids, again.processed_line_ids) == (
        None,
        [],
        [],
    )
    assert snapshot() == before


def test_credit_only_credits_a_line_whose_goods_never_come(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    services.line_set_disposition(ret=ret, line=line, by=manager, disposition=codes["CREDIT_ONLY"])

    result = services.return_process(ret=ret, by=manager)

    line.refresh_from_db()
    assert (line.status, line.credit_note_line.invoice_id) == ("credited", result.credit_note_id)
    assert Invoice.objects.get(pk=result.credit_note_id).net_amount == Decimal("-30.00")


@pytest.mark.parametrize(
    "disposition, status, credits, replaces",
    [
        ("CREDIT", "credited", True, False),
        ("SCRAP", "scrapped", False, False),
        ("REPLACE", "replaced", True, True),
        ("REPLACE_SCRAP", "replaced", False, True),
        ("RETURN", "returned", False, False),
    ],
)
def test_each_disposition_action_does_what_it_says(
    manager, codes, disposition, status, credits, replaces
):
    customer = CustomerFactory()
    ret = new_return(manager, customer, codes)
    line = arrived(ret, codes, disposition, manager)

    result = services.return_process(ret=ret, by=manager)

    line.refresh_from_db()
    assert line.status == status
    assert line.processed_at is not None
    assert (result.credit_note_id is not None) == credits
    assert (line.credit_note_line_id is not None) == credits
    assert Invoice.objects.filter(kind="credit_note").count() == int(credits)
    if replaces:
        replacement = Replacement.objects.get(pk=result.replacement_order_ids[0])
        assert (replacement.return_line, replacement.customer, replacement.quantity) == (
            line,
            customer,
            Decimal(3),
        )
        assert replacement.number == "RPL000001"
        services.replacement_ship(replacement=replacement, by=manager, serial="NEW-1")
        replacement.refresh_from_db()
        assert (replacement.status, replacement.serial) == ("shipped", "NEW-1")
    else:
        assert result.replacement_order_ids == []
    ret.refresh_from_db()
    assert ret.status == "closed"


def repair_return(manager, codes):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    obj = service_object(customer, site=site)
    ret = new_return(manager, customer, codes, line_input(object=obj), note="Stops at floor 3")
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    services.line_inspect(
        ret=ret, line=line, by=manager, note="Drive unit fault", disposition=codes["REPAIR"]
    )
    return ret, line, obj, site


def test_repair_makes_an_order_and_the_unit_goes_back_when_it_completes(manager, codes):
    ret, line, obj, site = repair_return(manager, codes)

    result = services.return_process(ret=ret, by=manager)

    line.refresh_from_db()
    order = ServiceOrder.objects.get(pk=result.service_order_ids[0])
    assert (order.origin, order.customer, order.site) == ("return", ret.customer, site)
    assert list(order.objects_covered.all()) == [obj]
    assert (line.status, line.service_order) == ("in_repair", order)
    assert list(selectors.returns_of_order(order)) == [line]
    repair = RepairLine.objects.get(order=order)
    assert (repair.object, repair.description) == (obj, "DEFECT: Defective")
    assert repair.note == "Stops during use\nDrive unit fault\nStops at floor 3"
    ret.refresh_from_db()
    assert ret.status == "open"

    move_to(order, "completed", by=manager)

    line.refresh_from_db()
    ret.refresh_from_db()
    assert (line.status, ret.status) == ("returned", "closed")


def test_a_cancelled_repair_order_hands_the_unit_back_for_a_new_decision(manager, codes):
    ret, line, _, _ = repair_return(manager, codes)
    result = services.return_process(ret=ret, by=manager)

    order = ServiceOrder.objects.get(pk=result.service_order_ids[0])
    move_to(order, "cancelled", by=manager)

    line.refresh_from_db()
    assert (line.status, line.disposition, line.service_order) == (
        "received",
        codes["REPAIR"],
        order,
    )
    orders.order_revoke_cancel(order=order, by=manager)
    line.refresh_from_db()
    assert line.status == "in_repair"

    move_to(order, "cancelled", by=manager)
    again = services.return_process(ret=ret, by=manager)
    line.refresh_from_db()
    assert again.service_order_ids != result.service_order_ids
    assert (line.status, line.service_order_id) == ("in_repair", again.service_order_ids[0])


def test_a_repair_order_reopened_after_completing_puts_the_unit_back_in_repair(manager, codes):
    ret, line, _, _ = repair_return(manager, codes)
    result = services.return_process(ret=ret, by=manager)
    order = move_to(
        ServiceOrder.objects.get(pk=result.service_order_ids[0]), "completed", by=manager
    )
    ret.refresh_from_db()
    assert ret.status == "closed"

    orders.order_change_stage(order=order, to=stage("in_progress"), by=manager)

    line.refresh_from_db()
    ret.refresh_from_db()
    assert (line.status, ret.status, ret.closed_at) == ("in_repair", "open", None)


def test_repair_needs_a_line_that_names_a_service_object(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    before = snapshot()

    with pytest.raises(ObjectRequired) as refused:
        services.line_set_disposition(ret=ret, line=line, by=manager, disposition=codes["REPAIR"])

    assert refused.value.code == "returns.object_required"
    assert snapshot() == before


def test_processing_lines_without_a_disposition_is_refused_and_changes_nothing(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    before = snapshot()

    for line_ids in (None, [line.pk]):
        with pytest.raises(DispositionMissing) as refused:
            services.return_process(ret=ret, by=manager, line_ids=line_ids)
        assert refused.value.details == {"line_ids": [line.pk]}
    assert snapshot() == before


def test_lines_without_a_disposition_are_skipped_when_others_are_ready(manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1"),
    )
    first, second = ret.lines.order_by("position")
    services.arrival_register(ret=ret, line=first, quantity=1, by=manager)
    services.arrival_register(ret=ret, line=second, quantity=1, by=manager)
    services.line_set_disposition(ret=ret, line=first, by=manager, disposition=codes["SCRAP"])

    result = services.return_process(ret=ret, by=manager)

    assert (result.processed_line_ids, result.skipped_line_ids) == ([first.pk], [second.pk])


def test_a_credit_without_a_price_is_refused_before_anything_is_written(manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1", credit_price=Decimal("5")),
    )
    for line in ret.lines.all():
        services.arrival_register(ret=ret, line=line, quantity=1, by=manager)
        services.line_set_disposition(ret=ret, line=line, by=manager, disposition=codes["CREDIT"])
    before = snapshot()

    with pytest.raises(CreditPriceMissing):
        services.return_process(ret=ret, by=manager)

    assert snapshot() == before


def test_a_line_billing_credited_already_is_not_returned_again(manager, codes):
    from openservice.billing import services as billing

    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer)
    billing.invoice_credit(invoice=invoice, by=manager)
    line = invoice.lines.get()
    before = snapshot()

    with pytest.raises(AlreadyCredited) as refused:
        new_return(
            manager,
            customer,
            codes,
            line_input(item=line.order_line.item, quantity="1", invoice_line=line),
        )

    assert refused.value.code == "returns.already_credited"
    assert snapshot() == before


def test_a_whole_line_returned_and_credited_cannot_be_credited_again_by_billing(manager, codes):
    from openservice.billing import services as billing
    from openservice.billing.errors import AlreadyCredited as BillingAlreadyCredited

    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer, lines=[("1", "40.00")])
    invoice_line = invoice.lines.get()
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="1", invoice_line=invoice_line),
    )
    arrived(ret, codes, "CREDIT", manager)
    services.return_process(ret=ret, by=manager)

    with pytest.raises(BillingAlreadyCredited):
        billing.invoice_credit(invoice=invoice, by=manager)


# --- who may ---------------------------------------------------------------------------------


def test_a_customer_requests_a_return_for_their_own_customer_only(customer_user, codes):
    own = customer_of_user(customer_user)
    ret = new_return(customer_user, own, codes, line_input(item=ItemFactory(), quantity="2"))
    assert ret.requested_by_customer is True
    before = snapshot()

    with pytest.raises(PermissionDenied):
        new_return(customer_user, CustomerFactory(), codes, line_input(item=ItemFactory()))
    with pytest.raises(PermissionDenied):
        new_return(
            customer_user,
            own,
            codes,
            line_input(item=ItemFactory(), disposition=codes["CREDIT"]),
        )

    assert snapshot() == before
    services.return_cancel(ret=ret, by=customer_user)
    ret.refresh_from_db()
    assert ret.status == "cancelled"


# --- codes and lists -------------------------------------------------------------------------


def test_a_code_in_use_is_not_deleted_but_an_unused_one_is(manager, codes):
    from openservice.returns.errors import CodeInUse
    from openservice.returns.models import DispositionCode, ReturnReasonGroup

    new_return(manager, CustomerFactory(), codes)
    group = codes["DEFECT"].group
    before = snapshot()

    for record in (codes["DEFECT"], group):
        with pytest.raises(CodeInUse) as refused:
            services.return_code_delete(record, by=manager)
        assert refused.value.code == "returns.code_in_use"
    assert snapshot() == before
    assert ReturnReasonGroup.objects.filter(pk=group.pk).exists()

    services.return_code_delete(codes["SCRAP"], by=manager)
    assert not DispositionCode.objects.filter(code="SCRAP").exists()


def test_a_return_is_listed_once_however_many_lines_match_the_search(manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), serial="SN-1"),
        line_input(item=ItemFactory(), serial="SN-10"),
    )

    found = selectors.return_list(user=manager, q="SN-1")

    assert (list(found), found.count()) == ([ret], 1)


def test_overdue_returns_have_passed_their_deadline_with_goods_still_expected(manager, codes):
    late = new_return(manager, CustomerFactory(), codes)
    arrived_in_time = new_return(manager, CustomerFactory(), codes)
    arrived(arrived_in_time, codes, "SCRAP", manager)
    cancelled = new_return(manager, CustomerFactory(), codes)
    services.return_cancel(ret=cancelled, by=manager)
    after = late.deadline + timedelta(days=1)

    overdue = selectors.return_list(user=manager, overdue=True, today=after)
    others = selectors.return_list(user=manager, overdue=False, today=after)

    assert list(overdue) == [late]
    assert list(others) == [cancelled, arrived_in_time]
    assert list(selectors.return_list(user=manager, overdue=True, today=late.deadline)) == []
    assert list(selectors.return_list(user=manager, overdue_on=after)) == [late]
    ret = selectors.return_get(user=manager, return_id=late.pk)
    assert (selectors.is_overdue(ret, after), selectors.is_overdue(ret, late.deadline)) == (
        True,
        False,
    )


def test_the_refusal_of_more_than_invoiced_names_quantities_alike_on_every_database(manager, codes):
    customer = CustomerFactory()
    invoice_line = posted_invoice(manager, customer, lines=[("2", "40.00")]).lines.get()
    item = invoice_line.order_line.item
    new_return(
        manager, customer, codes, line_input(item=item, quantity="2", invoice_line=invoice_line)
    )

    with pytest.raises(ExceedsInvoiced) as refused:
        new_return(
            manager, customer, codes, line_input(item=item, quantity="1", invoice_line=invoice_line)
        )

    assert refused.value.details == {
        "invoice_line_id": invoice_line.pk,
        "invoiced": "2.000",
        "returned_before": "2.000",
    }


def test_arrivals_and_shipments_in_the_future_are_refused(manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    tomorrow = date.today() + timedelta(days=2)
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.arrival_register(
            ret=ret, line=ret.lines.get(), quantity=Decimal(1), by=manager, on=tomorrow
        )

    assert list(refused.value.field_errors) == ["on"]
    assert snapshot() == before
    arrived(ret, codes, "REPLACE_SCRAP", manager)
    (replacement_id,) = services.return_process(ret=ret, by=manager).replacement_order_ids
    replacement = Replacement.objects.get(pk=replacement_id)
    with pytest.raises(InvalidInput):
        services.replacement_ship(replacement=replacement, by=manager, on=tomorrow)
    services.replacement_ship(replacement=replacement, by=manager)
    with pytest.raises(ReplacementShipped) as again:
        services.replacement_ship(replacement=replacement, by=manager)
    assert again.value.code == "returns.replacement_shipped"


def test_a_unit_arrives_whole(manager, codes):
    customer = CustomerFactory()
    obj = service_object(customer, site=SiteFactory(customer=customer))
    ret = new_return(manager, customer, codes, line_input(object=obj))
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.arrival_register(
            ret=ret, line=ret.lines.get(), quantity=Decimal("0.5"), by=manager
        )

    assert list(refused.value.field_errors) == ["quantity"]
    assert snapshot() == before


def test_an_over_arrival_names_the_expected_quantity_plainly(manager, codes):
    ret = new_return(
        manager, CustomerFactory(), codes, line_input(item=ItemFactory(), quantity="10")
    )

    with pytest.raises(ArrivalExceedsExpected) as refused:
        services.arrival_register(ret=ret, line=ret.lines.get(), quantity=Decimal(11), by=manager)

    assert refused.value.field_errors == {"quantity": ["At most 10 is expected on this line."]}


def test_a_partial_return_credited_stops_billing_reversing_the_whole_line(manager, codes):
    from openservice.billing import services as billing
    from openservice.billing.errors import AlreadyCredited as BillingAlreadyCredited

    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="1", invoice_line=invoice_line),
    )
    arrived(ret, codes, "CREDIT", manager)
    services.return_process(ret=ret, by=manager)
    credit_notes = Invoice.objects.filter(kind="credit_note").count()

    with pytest.raises(BillingAlreadyCredited):
        billing.invoice_credit(invoice=invoice, by=manager)

    assert Invoice.objects.filter(kind="credit_note").count() == credit_notes


def test_a_return_credit_after_billing_credited_the_line_is_refused(manager, codes):
    from openservice.billing import services as billing
    from openservice.billing.errors import CreditExceedsInvoiced

    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer, lines=[("1", "40.00")])
    invoice_line = invoice.lines.get()
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="1", invoice_line=invoice_line),
    )
    arrived(ret, codes, "CREDIT", manager)
    billing.invoice_credit(invoice=invoice, by=manager)
    before = snapshot()

    with pytest.raises(CreditExceedsInvoiced):
        services.return_process(ret=ret, by=manager)

    assert snapshot() == before


def test_processing_again_after_a_skip_reports_instead_of_refusing(manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1"),
    )
    first, second = ret.lines.order_by("position")
    for line in (first, second):
        services.arrival_register(ret=ret, line=line, quantity=1, by=manager)
    services.line_set_disposition(ret=ret, line=first, by=manager, disposition=codes["SCRAP"])
    services.return_process(ret=ret, by=manager)

    again = services.return_process(ret=ret, by=manager)

    assert (again.processed_line_ids, again.skipped_line_ids) == ([], [second.pk])


def test_a_customer_cancels_only_a_return_they_requested(customer_user, manager, codes):
    ret = new_return(manager, customer_of_user(customer_user), codes)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.return_cancel(ret=ret, by=customer_user)

    assert snapshot() == before


@pytest.mark.parametrize(
    "quantity, price, field",
    [
        ("999999", "99999999999.99", "lines.0.credit_price"),
        ("1000000000", "1.00", "lines.0.quantity"),
    ],
)
def test_amounts_beyond_what_a_credit_holds_are_refused(manager, codes, quantity, price, field):
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        new_return(
            manager,
            CustomerFactory(),
            codes,
            line_input(item=ItemFactory(), quantity=quantity, credit_price=Decimal(price)),
        )

    assert list(refused.value.field_errors) == [field]
    assert snapshot() == before
