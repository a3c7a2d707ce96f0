"""The /api/v1 invoices: the role matrix on every operation (nothing written on a refusal; only
managers propose, post and credit), customers reading only their own posted invoices, the exact
output of an invoice and a credit note, filters and pages, manual drafts and lines, proposals
(twice is once, also through a retried request), posting, crediting and accruals, and each
refusal's code."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openservice.billing import services
from openservice.billing.models import AccrualEntry, Invoice, InvoiceLine
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory
from openservice.orders import services as orders
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.subscriptions import services as subscriptions
from openservice.subscriptions.models import Fee

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    settings.VAT_DEFAULT_RATE = "25.5"
    settings.INVOICE_PAYMENT_DAYS = 14


def business_events():
    return AuditEvent.objects.exclude(verb__startswith="api_token.")


def everything() -> tuple:
    """Every invoice, line, accrual entry, fee status and audit event, to show a refused request
    wrote nothing."""
    return (
        list(
            Invoice.objects.order_by("pk").values_list(
                "pk",
                "number",
                "kind",
                "status",
                "customer_id",
                "currency",
                "issued_on",
                "due_on",
                "credited_invoice_id",
                "reference",
                "note",
                "net_amount",
                "vat_amount",
                "gross_amount",
            )
        ),
        list(
            InvoiceLine.objects.order_by("pk").values_list(
                "pk",
                "invoice_id",
                "position",
                "description",
                "quantity",
                "unit_price",
                "net_amount",
                "vat_rate",
                "vat_amount",
                "gross_amount",
                "order_line_id",
                "fee_id",
                "credited_line_id",
            )
        ),
        list(
            AccrualEntry.objects.order_by("pk").values_list(
                "pk", "invoice_line_id", "fee_id", "period_start", "period_end", "amount"
            )
        ),
        list(Fee.objects.order_by("pk").values_list("pk", "status", "amount")),
        list(business_events().order_by("pk").values_list("verb", "object_id")),
    )


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


PLAN_NUMBERS = itertools.count(1)


def subscribe(customer, *, period="month", starts_on=date(2027, 1, 1), base_price="100.00", **plan):
    """A subscription of the customer on a new plan, with the fee of its first period."""
    made = subscriptions.subscription_create(
        by=None,
        customer=customer,
        plan=subscriptions.plan_create(
            by=None, name=f"Plan {next(PLAN_NUMBERS)}", period=period, **plan
        ),
        description="Remote monitoring",
        base_price=Decimal(base_price),
        starts_on=starts_on,
    )
    subscriptions.subscriptions_generate_fees(through=starts_on, subscriptions=[made])
    return made


def proposed(customer, **subscription) -> Invoice:
    """A draft invoice of one fee of the customer."""
    subscribe(customer, **subscription)
    proposal = services.invoices_propose(by=None, through=date(2027, 1, 31), customer=customer)
    return Invoice.objects.get(pk=proposal.invoice_ids[0])


def posted(customer) -> Invoice:
    """A posted invoice of a quarter's fee (300.00) of a plan that accrues by month."""
    draft = proposed(
        customer, period="quarter", base_price="300.00", accrue=True, accrual_period="month"
    )
    return services.invoice_post(invoice=draft, by=None)


def manual_draft(customer, *lines) -> Invoice:
    invoice = services.invoice_create(by=None, customer=customer)
    for description in lines:
        services.invoice_line_add(
            invoice=invoice,
            by=None,
            description=description,
            quantity=Decimal("2"),
            unit_price=Decimal("30.00"),
        )
    return invoice


@pytest.fixture
def portal_customer(customer_user):
    return customer_user.customer_contact.customer


@pytest.fixture
def user_of(request):
    def get(actor):
        if actor == "anonymous":
            return None
        fixture = {"customer": "customer_user", "technician": "technician_user"}.get(actor, actor)
        return request.getfixturevalue(fixture)

    return get


# The role matrix

ACTORS = ["anonymous", "customer", "technician", "dispatcher", "manager", "administrator"]
READ_OWN = (401, 200, 403, 403, 200, 200)
READ = (401, 403, 403, 403, 200, 200)
CHANGE = (401, 403, 403, 403, 200, 403)
CREATE = (401, 403, 403, 403, 201, 403)
DELETE = (401, 403, 403, 403, 204, 403)
# operation id: (statuses in ACTORS order, the permission a refusal names)
MATRIX = {
    "propose_invoices": (CHANGE, "add_invoice"),
    "list_invoices": (READ_OWN, "view_invoice"),
    "get_invoice": (READ_OWN, "view_invoice"),
    "create_invoice": (CREATE, "add_invoice"),
    "update_invoice": (CHANGE, "change_invoice"),
    "delete_invoice": (DELETE, "delete_invoice"),
    "add_invoice_line": (CREATE, "change_invoice"),
    "remove_invoice_line": (DELETE, "change_invoice"),
    "post_invoice": (CHANGE, "post_invoice"),
    "credit_invoice": (CHANGE, "credit_invoice"),
    "list_invoice_accruals": (READ, "view_accrualentry"),
}


def request_for(operation: str, customer) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it; the
    invoices are the portal customer's."""
    if operation == "propose_invoices":
        subscribe(customer)
        return "post", "invoices/propose", {"through": "2027-01-31"}
    if operation == "create_invoice":
        return "post", "invoices", {"customer_id": customer.pk}
    if operation in ("list_invoices", "get_invoice", "credit_invoice", "list_invoice_accruals"):
        invoice = posted(customer)
    else:
        invoice = manual_draft(customer, "Travel")
    path = f"invoices/{invoice.pk}"
    line = invoice.lines.first()
    return {
        "list_invoices": ("get", "invoices", None),
        "get_invoice": ("get", path, None),
        "update_invoice": ("patch", path, {"reference": "PO-1"}),
        "delete_invoice": ("delete", path, None),
        "add_invoice_line": (
            "post",
            f"{path}/lines",
            {"description": "Parking", "quantity": "1", "unit_price": "5.00"},
        ),
        "remove_invoice_line": ("delete", f"{path}/lines/{line.pk}", None),
        "post_invoice": ("post", f"{path}/post", None),
        "credit_invoice": ("post", f"{path}/credit", {"line_ids": None}),
        "list_invoice_accruals": ("get", f"{path}/accruals", None),
    }[operation]


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


def _number_of_year(body) -> bool:
    return body["number"] == f"{timezone.localdate().year}-000001"


# What a successful answer shows, per operation.
SUCCESS = {
    "propose_invoices": lambda body: (
        [(row["status"], len(row["lines"])) for row in body] == [("draft", 1)]
    ),
    "list_invoices": lambda body: [_number_of_year(row) for row in body["items"]] == [True],
    "get_invoice": lambda body: _number_of_year(body) and body["status"] == "posted",
    "create_invoice": lambda body: (body["status"], body["lines"]) == ("draft", []),
    "update_invoice": lambda body: body["reference"] == "PO-1",
    "delete_invoice": lambda body: body is None,
    "add_invoice_line": lambda body: (
        (body["description"], body["net_amount"]) == ("Parking", "5.00")
    ),
    "remove_invoice_line": lambda body: body is None,
    "post_invoice": lambda body: _number_of_year(body) and body["status"] == "posted",
    "credit_invoice": lambda body: (
        (body["kind"], body["totals"]["gross_amount"]) == ("credit_note", "-376.50")
    ),
    "list_invoice_accruals": lambda body: (
        [row["amount"] for row in body] == ["103.34", "93.33", "103.33"]
    ),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_every_billing_operation(operation, actor, user_of, portal_customer, api_as):
    method, path, body = request_for(operation, portal_customer)
    api = api_as(user_of(actor))
    before = everything()

    response = send(api, method, path, body)

    statuses, perm = MATRIX[operation]
    status = statuses[ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif status == 403:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": f"billing.{perm}"},
        }
    if status >= 400:
        assert everything() == before
        return
    assert SUCCESS[operation](response.json() if response.content else None)
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_billing_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith("/api/v1/invoices")
        for operation in item.values()
    }
    assert operations == set(MATRIX)


# Customers read their own posted invoices only


def test_a_customer_reads_only_their_own_posted_invoices(customer_user, portal_customer, api_as):
    own_posted = posted(portal_customer)
    own_draft = manual_draft(portal_customer, "Travel")
    others = posted(CustomerFactory())
    others_draft = manual_draft(others.customer, "Travel")
    api = api_as(customer_user)

    listed = api.get("invoices")

    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["items"]] == [own_posted.pk]
    assert listed.json()["count"] == 1
    assert api.get("invoices", {"customer_id": others.customer_id}).json()["count"] == 0
    assert api.get("invoices", {"status": "draft"}).json()["count"] == 0
    assert api.get(f"invoices/{own_posted.pk}").status_code == 200
    for hidden in (own_draft, others, others_draft):
        assert error_of(api.get(f"invoices/{hidden.pk}")) == (404, "core.not_found"), hidden
    assert error_of(api.get(f"invoices/{own_posted.pk}/accruals")) == (
        403,
        "core.permission_denied",
    )


def test_a_customer_contact_no_longer_active_reads_nothing(customer_user, portal_customer, api_as):
    invoice = posted(portal_customer)
    contact = customer_user.customer_contact
    contact.is_active = False
    contact.save()
    api = api_as(customer_user)

    assert api.get("invoices").json() == {"items": [], "count": 0}
    assert error_of(api.get(f"invoices/{invoice.pk}")) == (404, "core.not_found")


# Reading


def test_a_posted_invoice_with_exactly_its_documented_fields(administrator, api_as):
    customer = CustomerFactory(name="Kone Oy")
    invoice = posted(customer)
    line = invoice.lines.get()
    today = timezone.localdate()
    customer.name = "Kone Oyj"  # renamed after posting: the invoice keeps the name it was issued to
    customer.save()

    response = api_as(administrator).get(f"invoices/{invoice.pk}")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": invoice.pk,
        "number": f"{today.year}-000001",
        "kind": "invoice",
        "status": "posted",
        "customer_id": customer.pk,
        "customer_name": "Kone Oy",
        "currency": "EUR",
        "issued_on": today.isoformat(),
        "due_on": (today + timedelta(days=14)).isoformat(),
        "credited_invoice_id": None,
        "reference": "",
        "note": "",
        "lines": [
            {
                "id": line.pk,
                "position": 1,
                "description": f"{line.fee.subscription.number} Remote monitoring",
                "quantity": "1.000",
                "unit": "",
                "unit_price": "300.00",
                "net_amount": "300.00",
                "vat_rate": "25.50",
                "vat_amount": "76.50",
                "gross_amount": "376.50",
                "order_line_id": None,
                "fee_id": line.fee_id,
                "credited_line_id": None,
                "period_start": "2027-01-01",
                "period_end": "2027-03-31",
            }
        ],
        "totals": {"net_amount": "300.00", "vat_amount": "76.50", "gross_amount": "376.50"},
    }
    listed = api_as(administrator).get("invoices").json()
    assert listed == {"items": [response.json()], "count": 1}


def test_the_accruals_of_an_invoice_sum_to_its_fee_and_a_credit_reverses_them(manager, api_as):
    invoice = posted(CustomerFactory())
    fee_id = invoice.lines.get().fee_id
    api = api_as(manager)

    accruals = api.get(f"invoices/{invoice.pk}/accruals")

    assert accruals.status_code == 200, accruals.content
    assert accruals.json() == [  # 300.00 over 31, 28 and 31 days of 90; the spare cent first
        {
            "fee_id": fee_id,
            "period_start": "2027-01-01",
            "period_end": "2027-01-31",
            "amount": "103.34",
        },
        {
            "fee_id": fee_id,
            "period_start": "2027-02-01",
            "period_end": "2027-02-28",
            "amount": "93.33",
        },
        {
            "fee_id": fee_id,
            "period_start": "2027-03-01",
            "period_end": "2027-03-31",
            "amount": "103.33",
        },
    ]
    credit_note = api.post(f"invoices/{invoice.pk}/credit").json()
    assert api.get(f"invoices/{credit_note['id']}/accruals").json() == []  # a draft: none yet
    assert api.post(f"invoices/{credit_note['id']}/post").status_code == 200
    reversed_ = api.get(f"invoices/{credit_note['id']}/accruals").json()
    assert [row["amount"] for row in reversed_] == ["-103.34", "-93.33", "-103.33"]
    assert Fee.objects.get().status == Fee.Status.CREDITED


@pytest.fixture
def listed():
    """a: posted of Alpha (Jan 2027 fee); b: a draft of Beta; c: a posted credit note of a."""
    alpha = CustomerFactory(name="Alpha Oy")
    beta = CustomerFactory(name="Beta Oy")
    a = posted(alpha)
    b = manual_draft(beta, "Travel")
    c = services.invoice_post(invoice=services.invoice_credit(invoice=a, by=None), by=None)
    Invoice.objects.filter(pk=a.pk).update(issued_on=date(2027, 1, 31))
    Invoice.objects.filter(pk=c.pk).update(issued_on=date(2027, 2, 15))
    names = {a.pk: "a", b.pk: "b", c.pk: "c"}
    return names, alpha, beta, a


def test_the_list_filters_sorts_and_pages(listed, manager, api_as):
    names, alpha, beta, a = listed
    api = api_as(manager)
    cases = [
        ({}, ["c", "b", "a"]),  # newest first
        ({"customer_id": alpha.pk}, ["c", "a"]),
        ({"customer_id": beta.pk}, ["b"]),
        ({"status": "draft"}, ["b"]),
        ({"status": "posted"}, ["c", "a"]),
        ({"kind": "credit_note"}, ["c"]),
        ({"kind": "invoice"}, ["b", "a"]),
        ({"q": "beta"}, ["b"]),
        ({"q": a.number}, ["c", "a"]),  # the credit note's reference is the invoice's number
        ({"issued_from": "2027-02-01"}, ["c"]),
        ({"issued_to": "2027-01-31"}, ["a"]),
        ({"issued_from": "2027-01-01", "issued_to": "2027-12-31"}, ["c", "a"]),
        ({"order_by": "gross_amount"}, ["c", "b", "a"]),
        ({"order_by": "customer"}, ["a", "c", "b"]),  # ties: the older first
        ({"order_by": "-gross_amount"}, ["a", "b", "c"]),
    ]
    for params, expected in cases:
        response = api.get("invoices", params)
        assert response.status_code == 200, response.content
        assert [names[row["id"]] for row in response.json()["items"]] == expected, params
        assert response.json()["count"] == len(expected), params
    page = api.get("invoices", {"limit": 1, "offset": 1}).json()
    assert ([names[row["id"]] for row in page["items"]], page["count"]) == (["b"], 3)


def test_bad_list_parameters_are_invalid_input(manager, api_as):
    api = api_as(manager)
    for params, field in [
        ({"status": "open"}, "status"),
        ({"kind": "receipt"}, "kind"),
        ({"customer_id": "0"}, "customer_id"),
        ({"issued_from": "2027-13-01"}, "issued_from"),
        ({"order_by": "secret"}, "order_by"),
        ({"limit": "501"}, "limit"),
    ]:
        assert list(field_errors(api.get("invoices", params))) == [field], params


def test_unknown_ids_are_not_found(manager, api_as):
    api = api_as(manager)
    draft = manual_draft(CustomerFactory(), "Travel")
    other = manual_draft(CustomerFactory(), "Parking")
    before = everything()

    for path in ("invoices/999999", "invoices/999999/accruals"):
        assert error_of(api.get(path)) == (404, "core.not_found"), path
    assert error_of(api.post("invoices/999999/post")) == (404, "core.not_found")
    assert error_of(api.delete(f"invoices/{draft.pk}/lines/999999")) == (404, "core.not_found")
    line_of_other = other.lines.get()
    assert error_of(api.delete(f"invoices/{draft.pk}/lines/{line_of_other.pk}")) == (
        404,
        "core.not_found",
    )
    assert everything() == before


# Proposals


def test_a_proposal_answers_with_its_drafts_and_twice_is_once(manager, api_as):
    customer, other = CustomerFactory(), CustomerFactory()
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    add_line(order, by=manager, unit_price=Decimal("40.00"), description="Inspection")
    orders.order_post(order=order, by=manager)
    subscribe(customer)
    subscribe(other, billing="arrears")
    api = api_as(manager)

    first = api.post("invoices/propose", {"through": "2027-01-31"})  # the order: posted today
    made = everything()
    again = api.post("invoices/propose", {"through": "2027-01-31"})

    assert first.status_code == 200, first.content
    body = first.json()
    assert [(row["customer_id"], row["status"], row["number"]) for row in body] == [
        (customer.pk, "draft", None),
        (other.pk, "draft", None),
    ]
    assert [[line["order_line_id"] is not None for line in row["lines"]] for row in body] == [
        [True, False],
        [False],
    ]
    assert body[0]["totals"] == {
        "net_amount": "140.00",
        "vat_amount": "35.70",
        "gross_amount": "175.70",
    }
    assert (again.status_code, again.json()) == (200, [])
    assert everything() == made


def test_a_retried_proposal_replays_the_first_answer(manager, api_as):
    subscribe(CustomerFactory())
    api = api_as(manager)
    key = {"Idempotency-Key": "billing-run-2027-01"}

    first = api.post("invoices/propose", {"through": "2027-01-31"}, **key)
    made = everything()
    retry = api.post("invoices/propose", {"through": "2027-01-31"}, **key)

    assert first.status_code == 200, first.content
    assert len(first.json()) == 1
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert everything() == made


def test_a_proposal_for_one_customer_leaves_the_others(manager, api_as):
    customer, other = CustomerFactory(), CustomerFactory()
    subscribe(customer)
    subscribe(other)
    api = api_as(manager)
    before = everything()

    assert field_errors(
        api.post("invoices/propose", {"customer_id": 999999, "through": "2027-01-31"})
    ) == {"customer_id": ["No such record is visible to you."]}
    assert list(field_errors(api.post("invoices/propose", {"customer_id": customer.pk}))) == [
        "through"
    ]
    assert everything() == before
    response = api.post("invoices/propose", {"customer_id": customer.pk, "through": "2027-01-31"})

    assert [row["customer_id"] for row in response.json()] == [customer.pk]
    assert Fee.objects.get(subscription__customer=other).status == Fee.Status.OPEN


# Manual drafts and their lines


def test_a_manual_draft_gets_lines_and_loses_them_then_is_deleted(manager, api_as):
    customer = CustomerFactory(name="Kone Oy")
    api = api_as(manager)

    created = api.post(
        "invoices", {"customer_id": customer.pk, "currency": "SEK", "note": " Call first "}
    )

    assert created.status_code == 201, created.content
    invoice = Invoice.objects.get()
    assert created.json() == {
        "id": invoice.pk,
        "number": None,
        "kind": "invoice",
        "status": "draft",
        "customer_id": customer.pk,
        "customer_name": "Kone Oy",
        "currency": "SEK",
        "issued_on": None,
        "due_on": None,
        "credited_invoice_id": None,
        "reference": "",
        "note": "Call first",
        "lines": [],
        "totals": {"net_amount": "0.00", "vat_amount": "0.00", "gross_amount": "0.00"},
    }
    path = f"invoices/{invoice.pk}"
    added = api.post(
        f"{path}/lines",
        {
            "description": "Travel",
            "quantity": "2.5",
            "unit_price": "40.00",
            "unit": "h",
            "vat_rate": "14",
        },
    )
    assert added.status_code == 201, added.content
    line = InvoiceLine.objects.get()
    assert added.json() == {
        "id": line.pk,
        "position": 1,
        "description": "Travel",
        "quantity": "2.500",
        "unit": "h",
        "unit_price": "40.00",
        "net_amount": "100.00",
        "vat_rate": "14.00",
        "vat_amount": "14.00",
        "gross_amount": "114.00",
        "order_line_id": None,
        "fee_id": None,
        "credited_line_id": None,
        "period_start": None,
        "period_end": None,
    }
    deduction = api.post(
        f"{path}/lines", {"description": "Discount", "quantity": "-1", "unit_price": "10"}
    )
    assert deduction.json()["vat_rate"] == "25.50"  # the default rate
    assert api.get(path).json()["totals"] == {
        "net_amount": "90.00",
        "vat_amount": "11.45",
        "gross_amount": "101.45",
    }
    updated = api.patch(path, {"reference": "PO-77"})
    assert (updated.json()["reference"], updated.json()["note"]) == ("PO-77", "Call first")

    assert api.delete(f"{path}/lines/{line.pk}").status_code == 204
    assert api.get(path).json()["totals"]["net_amount"] == "-10.00"
    assert api.delete(path).status_code == 204
    assert not Invoice.objects.exists()
    assert not InvoiceLine.objects.exists()


def test_bad_manual_drafts_and_lines_are_refused_and_write_nothing(manager, api_as):
    customer = CustomerFactory()
    draft = manual_draft(customer, "Travel")
    api = api_as(manager)
    path = f"invoices/{draft.pk}/lines"
    valid = {"description": "Parking", "quantity": "1", "unit_price": "5.00"}
    before = everything()

    assert field_errors(api.post("invoices", {"customer_id": 999999})) == {
        "customer_id": ["No such record is visible to you."]
    }
    assert list(
        field_errors(api.post("invoices", {"customer_id": customer.pk, "currency": "euro"}))
    ) == ["currency"]
    assert field_errors(api.post(path, {**valid, "quantity": "0"})) == {
        "quantity": ["The quantity must not be zero."]
    }
    for bad in (
        {"unit_price": "-5.00"},
        {"unit_price": "5.001"},
        {"vat_rate": "101"},
        {"vat_rate": "-1"},
        {"quantity": "1.0001"},
        {"description": ""},
        {"unit": "x" * 11},
    ):
        assert list(field_errors(api.post(path, {**valid, **bad}))) == list(bad), bad
    huge = api.post(path, {**valid, "quantity": "999999999", "unit_price": "999999999999.99"})
    assert list(field_errors(huge)) == ["__all__"]
    assert everything() == before


# Posting


def test_posting_numbers_the_invoice_and_refuses_a_second_time_or_an_empty_draft(manager, api_as):
    draft = manual_draft(CustomerFactory(), "Travel")
    empty = manual_draft(CustomerFactory())
    api = api_as(manager)
    today = timezone.localdate()

    response = api.post(f"invoices/{draft.pk}/post")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["number"], body["status"], body["issued_on"], body["due_on"]) == (
        f"{today.year}-000001",
        "posted",
        today.isoformat(),
        (today + timedelta(days=14)).isoformat(),
    )
    before = everything()
    assert error_of(api.post(f"invoices/{draft.pk}/post")) == (409, "billing.already_posted")
    assert error_of(api.post(f"invoices/{empty.pk}/post")) == (409, "billing.invoice_empty")
    assert everything() == before


def test_a_posted_invoice_never_changes(manager, api_as):
    invoice = posted(CustomerFactory())
    line = invoice.lines.get()
    api = api_as(manager)
    path = f"invoices/{invoice.pk}"
    before = everything()

    for response in (
        api.patch(path, {"note": "Changed"}),
        api.post(f"{path}/lines", {"description": "Parking", "quantity": "1", "unit_price": "5"}),
        api.delete(f"{path}/lines/{line.pk}"),
        api.delete(path),
    ):
        assert error_of(response) == (409, "billing.already_posted")
    assert everything() == before


# Crediting


def test_a_credit_note_with_exactly_its_documented_fields(manager, api_as):
    invoice = posted(CustomerFactory(name="Kone Oy"))
    line = invoice.lines.get()
    api = api_as(manager)

    response = api.post(f"invoices/{invoice.pk}/credit", {"line_ids": None})

    assert response.status_code == 200, response.content
    credit_note = Invoice.objects.get(kind="credit_note")
    credit_line = credit_note.lines.get()
    assert response.json() == {
        "id": credit_note.pk,
        "number": None,
        "kind": "credit_note",
        "status": "draft",
        "customer_id": invoice.customer_id,
        "customer_name": "Kone Oy",
        "currency": "EUR",
        "issued_on": None,
        "due_on": None,
        "credited_invoice_id": invoice.pk,
        "reference": invoice.number,
        "note": "",
        "lines": [
            {
                "id": credit_line.pk,
                "position": 1,
                "description": line.description,
                "quantity": "-1.000",
                "unit": "",
                "unit_price": "300.00",
                "net_amount": "-300.00",
                "vat_rate": "25.50",
                "vat_amount": "-76.50",
                "gross_amount": "-376.50",
                "order_line_id": None,
                "fee_id": None,
                "credited_line_id": line.pk,
                "period_start": "2027-01-01",
                "period_end": "2027-03-31",
            }
        ],
        "totals": {"net_amount": "-300.00", "vat_amount": "-76.50", "gross_amount": "-376.50"},
    }
    posted_note = api.post(f"invoices/{credit_note.pk}/post").json()
    assert posted_note["number"] == f"{timezone.localdate().year}-000002"


def test_chosen_lines_are_credited_once_and_bad_credits_are_refused(manager, api_as):
    customer = CustomerFactory()
    invoice = services.invoice_post(invoice=manual_draft(customer, "Travel", "Parking"), by=None)
    travel, parking = invoice.lines.order_by("position")
    draft = manual_draft(customer, "Travel")
    api = api_as(manager)
    path = f"invoices/{invoice.pk}/credit"

    partial = api.post(path, {"line_ids": [parking.pk]})

    assert partial.status_code == 200, partial.content
    assert [row["credited_line_id"] for row in partial.json()["lines"]] == [parking.pk]
    note = Invoice.objects.get(pk=partial.json()["id"])
    before = everything()
    assert error_of(api.post(path, {"line_ids": [parking.pk]})) == (409, "billing.already_credited")
    assert error_of(api.post(path)) == (409, "billing.already_credited")  # all: parking again
    assert error_of(api.post(f"invoices/{draft.pk}/credit")) == (409, "billing.not_posted")
    assert error_of(api.post(f"invoices/{note.pk}/credit")) == (409, "billing.not_creditable")
    assert field_errors(api.post(path, {"line_ids": [draft.lines.get().pk]})) == {
        "line_ids": [f"Not lines of this invoice: [{draft.lines.get().pk}]"]
    }
    assert field_errors(api.post(path, {"line_ids": []})) == {
        "line_ids": ["Choose at least one line."]
    }
    assert list(field_errors(api.post(path, {"line_ids": [0]}))) == ["line_ids.0"]
    assert everything() == before

    rest = api.post(path, {"line_ids": [travel.pk]})
    assert [row["credited_line_id"] for row in rest.json()["lines"]] == [travel.pk]
