"""Invoice pages: the list with its filters, one invoice as the customer's printable document
(company details, billed-to details frozen at posting, lines, VAT per rate, payment details),
credit notes, the manager's actions and their refusals shown in place, the billing run (propose
→ review → post) and who may open what. The services behind them are tested in test_billing.py."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from openservice.billing import services
from openservice.billing.forms import decode_ids, encode_ids
from openservice.billing.models import Invoice, InvoiceLine
from openservice.core.roles import Role
from openservice.customers.models import Customer
from openservice.customers.tests.factories import CustomerFactory
from openservice.orders import services as orders
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.subscriptions import services as subscriptions

pytestmark = pytest.mark.django_db

LIST_URL = "/invoices/"
RUN_URL = "/invoices/run/"
POSTED_AT = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
COMPANY = {
    "COMPANY_NAME": "Huolto Testi Oy",
    "COMPANY_ADDRESS": "Testikatu 5, 00100 Helsinki",
    "COMPANY_VAT_ID": "FI99999999",
    "COMPANY_IBAN": "FI00 1111 2222 3333 44",
    "COMPANY_EMAIL": "laskut@huolto.example",
    "INVOICE_PAYMENT_DAYS": 14,
    "VAT_DEFAULT_RATE": "25.5",
}


# -- Helpers -----------------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def text_of(page: str, attribute: str, value: str) -> str:
    """The text inside the first element with attribute="value", tags stripped."""
    match = re.search(
        rf'{attribute}="{re.escape(value)}"[^>]*>(.*?)</(dd|td|span|strong|p|h2)>', page, re.S
    )
    assert match, f"no {attribute}={value}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def customer_of(user) -> Customer:
    return user.customer_contact.customer


def draft(customer, *lines, by=None) -> Invoice:
    """A draft with manual lines: (description, quantity, unit price, VAT rate or None)."""
    invoice = services.invoice_create(by=by, customer=customer)
    for description, quantity, unit_price, vat_rate in lines:
        services.invoice_line_add(
            invoice=invoice,
            by=by,
            description=description,
            quantity=Decimal(quantity),
            unit_price=Decimal(unit_price),
            unit="h",
            vat_rate=None if vat_rate is None else Decimal(vat_rate),
        )
    return Invoice.objects.get(pk=invoice.pk)


def posted(customer, *lines, on=date(2027, 2, 1)) -> Invoice:
    invoice = draft(customer, *(lines or [("Repair work", "2", "50.00", None)]))
    return services.invoice_post(invoice=invoice, by=None, on=on)


def posted_order(manager, customer, prices=("10.00",)):
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    for price in prices:
        add_line(order, by=manager, unit_price=Decimal(price))
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    return order


def monthly_subscription(customer, price="100.00"):
    plan = subscriptions.plan_create(by=None, name="Monthly monitoring", period="month")
    return subscriptions.subscription_create(
        by=None,
        customer=customer,
        plan=plan,
        description="Remote monitoring",
        base_price=Decimal(price),
        starts_on=date(2027, 1, 1),
    )


def row_numbers(page: str) -> list[str]:
    return re.findall(r'data-number="([^"]+)"', page)


def row_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-invoice="(\d+)"', page)]


# -- List --------------------------------------------------------------------------------------


def test_the_list_shows_invoices_with_their_amounts(client, manager):
    customer = CustomerFactory(name="Kone Asiakas Oy")
    invoice = posted(customer)
    waiting = draft(customer, ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    page = html(client.get(LIST_URL))

    assert row_ids(page) == [waiting.pk, invoice.pk]
    assert row_numbers(page) == [invoice.number]
    assert f"Draft #{waiting.pk}" in page
    assert "Kone Asiakas Oy" in page
    assert "€125.50" in page  # 2 × 50.00 + 25.5 % VAT
    assert "2 invoices" in page
    assert 'href="/invoices/run/"' in page


def test_the_list_filters_by_status_kind_customer_dates_and_search(client, manager):
    first, second = CustomerFactory(name="Alfa Oy"), CustomerFactory(name="Beeta Oy")
    january = posted(first, on=date(2027, 1, 15))
    february = posted(second, on=date(2027, 2, 15))
    waiting = draft(first, ("Call-out", "1", "40.00", None))
    credit = services.invoice_credit(invoice=january, by=None)
    client.force_login(manager)

    def ids(**params):
        return row_ids(html(client.get(LIST_URL, params)))

    assert ids(status="draft") == [credit.pk, waiting.pk]
    assert ids(status="posted") == [february.pk, january.pk]
    assert ids(kind="credit_note") == [credit.pk]
    assert ids(customer_id=second.pk) == [february.pk]
    assert ids(issued_from="2027-02-01") == [february.pk]
    assert ids(issued_to="2027-01-31") == [january.pk]
    assert ids(q="beeta") == [february.pk]
    assert ids(q=february.number) == [february.pk]
    assert ids(order_by="number", status="posted") == [january.pk, february.pk]
    assert ids(order_by="-issued_on", status="posted") == [february.pk, january.pk]
    assert ids(customer_id="not-a-number") == [credit.pk, waiting.pk, february.pk, january.pk]


def test_the_list_says_what_to_do_when_nothing_matches(client, manager):
    client.force_login(manager)

    empty = html(client.get(LIST_URL))
    filtered = html(client.get(LIST_URL, {"q": "nothing like this"}))

    assert "No invoices yet. Start a billing run" in empty
    assert "No invoices match. Clear the filters" in filtered


def test_the_list_pages_keep_the_filters(client, manager):
    customer = CustomerFactory()
    for _ in range(51):
        services.invoice_create(by=None, customer=customer)
    client.force_login(manager)

    page = html(client.get(LIST_URL, {"status": "draft"}))
    second = html(client.get(LIST_URL, {"status": "draft", "page": 2}))

    assert "Page 1 of 2" in page
    assert 'href="?status=draft&amp;page=2"' in page
    assert len(row_ids(page)) == 50
    assert len(row_ids(second)) == 1


def test_the_list_costs_the_same_queries_for_more_rows(client, manager):
    client.force_login(manager)
    posted(CustomerFactory())

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_URL).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(4):
        services.invoice_credit(invoice=posted(CustomerFactory()), by=None)

    assert queries() == few


def test_htmx_requests_get_the_rows_only(client, manager):
    posted(CustomerFactory())
    client.force_login(manager)

    page = html(client.get(LIST_URL, headers={"HX-Request": "true"}))

    assert "<table" in page
    assert "<form" not in page


# -- The invoice as a document -----------------------------------------------------------------


@override_settings(**COMPANY)
def test_a_posted_invoice_is_the_customers_document_with_exact_values(client, manager):
    customer = CustomerFactory(
        name="Kiinteistö Oy Testi",
        number="C0042",
        billing_address="PL 12\n00101 Helsinki",
        vat_id="FI12121212",
    )
    invoice = draft(
        customer,
        ("Repair work", "1.5", "66.67", None),  # 100.005 → 100.01; VAT 25.50
        ("Filter", "3", "3.33", "14"),  # 9.99; VAT 1.3986 → 1.40
    )
    invoice = services.invoice_post(invoice=invoice, by=manager, on=date(2027, 2, 1))
    client.force_login(manager)

    page = html(client.get(f"/invoices/{invoice.pk}/"))

    assert invoice.number == "2027-000001"
    assert "<title>Invoice 2027-000001 · OpenService</title>" in page
    assert text_of(page, "data-field", "kind") == "Invoice"
    assert text_of(page, "data-field", "number") == "2027-000001"
    assert text_of(page, "data-field", "company_name") == "Huolto Testi Oy"
    assert text_of(page, "data-field", "company_address") == "Testikatu 5, 00100 Helsinki"
    assert text_of(page, "data-field", "company_vat_id") == "FI99999999"
    assert text_of(page, "data-field", "company_email") == "laskut@huolto.example"
    assert text_of(page, "data-field", "customer_name") == "Kiinteistö Oy Testi"
    assert "PL 12<br>00101 Helsinki" in page
    assert text_of(page, "data-field", "customer_vat_id") == "FI12121212"
    assert '<time datetime="2027-02-01">' in page
    assert '<time datetime="2027-02-15">' in page  # 14 days to pay
    rows = re.findall(r'<tr data-line="\d+">(.*?)</tr>', page, re.S)
    assert [re.findall(r'data-field="(\w+)">([^<]*)<', row) for row in rows] == [
        [
            ("description", "Repair work"),
            ("period", "—"),
            ("quantity", "1.5"),
            ("unit", "h"),
            ("unit_price", "€66.67"),
            ("vat_rate", "25.5 %"),
            ("net", "€100.01"),
        ],
        [
            ("description", "Filter"),
            ("period", "—"),
            ("quantity", "3"),
            ("unit", "h"),
            ("unit_price", "€3.33"),
            ("vat_rate", "14 %"),
            ("net", "€9.99"),
        ],
    ]
    assert text_of(page, "data-total", "net") == "€110.00"
    assert text_of(page, "data-vat-rate", "14") == "€1.40"
    assert text_of(page, "data-vat-rate", "25.5") == "€25.50"
    assert "VAT 14 % of €9.99" in page
    assert "VAT 25.5 % of €100.01" in page
    assert text_of(page, "data-total", "vat") == "€26.90"
    assert text_of(page, "data-total", "gross") == "€136.90"
    assert text_of(page, "data-field", "amount_due") == "€136.90"
    assert text_of(page, "data-field", "iban") == "FI00 1111 2222 3333 44"
    assert text_of(page, "data-field", "reference") == "2027-000001"
    assert 'data-field="draft"' not in page


def test_fee_lines_show_their_service_period(client, manager):
    customer = CustomerFactory()
    monthly_subscription(customer)
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 31))
    services.invoices_propose(by=manager, through=date(2027, 1, 31))
    client.force_login(manager)

    page = html(client.get(f"/invoices/{Invoice.objects.get().pk}/"))

    assert text_of(page, "data-field", "period") == "Jan. 1, 2027 – Jan. 31, 2027"
    assert "Remote monitoring" in text_of(page, "data-field", "description")


def test_the_page_prints_on_a4_without_the_navigation(client, manager):
    invoice = posted(CustomerFactory())
    client.force_login(manager)
    css = (Path(__file__).parents[2] / "web" / "static" / "web" / "app.css").read_text()

    page = html(client.get(f"/invoices/{invoice.pk}/"))

    assert "/static/web/app.css" in page
    assert 'class="doc invoice-doc"' in page
    printing = css[css.rindex("@media print") :]
    assert "@page { size: A4" in printing
    assert ".screen-only" in printing
    assert re.search(r"\.topbar[^{]*\{ display: none", css)  # the shared print rules


@override_settings(**COMPANY)
def test_a_draft_shows_the_customers_current_details_and_posting_freezes_them(client, manager):
    customer = CustomerFactory(name="Old Name Oy", billing_address="Old street 1", vat_id="FI1")
    invoice = draft(customer, ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    page = html(client.get(f"/invoices/{invoice.pk}/"))
    assert text_of(page, "data-field", "number") == "Draft"
    assert 'data-field="draft"' in page
    assert text_of(page, "data-field", "customer_name") == "Old Name Oy"
    assert "14 days after posting" in page
    assert "the number, when posted" in page

    services.invoice_post(invoice=invoice, by=manager, on=date(2027, 3, 1))
    Customer.objects.filter(pk=customer.pk).update(
        name="New Name Oy", billing_address="New street 2", vat_id="FI2"
    )
    page = html(client.get(f"/invoices/{invoice.pk}/"))

    assert text_of(page, "data-field", "customer_name") == "Old Name Oy"
    assert text_of(page, "data-field", "billing_address") == "Old street 1"
    assert text_of(page, "data-field", "customer_vat_id") == "FI1"


def test_a_credit_note_says_so_references_the_invoice_and_is_negative(client, manager):
    invoice = posted(CustomerFactory(), ("Repair work", "2", "50.00", None))
    credit = services.invoice_credit(invoice=invoice, by=manager)
    credit = services.invoice_post(invoice=credit, by=manager, on=date(2027, 2, 3))
    client.force_login(manager)

    page = html(client.get(f"/invoices/{credit.pk}/"))
    original = html(client.get(f"/invoices/{invoice.pk}/"))

    assert text_of(page, "data-field", "kind") == "Credit note"
    assert text_of(page, "data-field", "number") == "2027-000002"
    assert text_of(page, "data-field", "credited_invoice").startswith("2027-000001")
    assert f'href="/invoices/{invoice.pk}/"' in page
    assert text_of(page, "data-field", "quantity") == "-2"
    assert text_of(page, "data-total", "net") == "-€100.00"
    assert text_of(page, "data-total", "vat") == "-€25.50"
    assert text_of(page, "data-total", "gross") == "-€125.50"
    assert "Total credited" in page
    assert "This credit note reduces what invoice 2027-000001 bills" in page
    assert 'id="credit-form"' not in page  # a credit note is never credited
    assert f'data-credit-note="{credit.pk}"' in original
    assert f'data-credited-by="{credit.pk}"' in original


# -- Actions on a draft ------------------------------------------------------------------------


def test_a_manager_creates_an_empty_draft_for_manual_lines(client, manager):
    customer = CustomerFactory(name="Manual Oy")
    client.force_login(manager)

    form = html(client.get("/invoices/new/", {"customer": customer.pk}))
    missing = client.post("/invoices/new/", {"customer": ""})
    response = client.post("/invoices/new/", {"customer": customer.pk, "note": "By agreement"})

    assert f'<option value="{customer.pk}" selected>' in form
    assert 'id="id_customer-error"' in html(missing)
    invoice = Invoice.objects.get()
    assert response.url == f"/invoices/{invoice.pk}/"
    assert (invoice.customer_id, invoice.status, invoice.note) == (
        customer.pk,
        "draft",
        "By agreement",
    )
    assert "No lines yet. Add a line below." in html(client.get(response.url))


def test_a_manager_adds_a_manual_line_to_a_draft(client, manager):
    invoice = draft(CustomerFactory())
    client.force_login(manager)

    response = client.post(
        f"/invoices/{invoice.pk}/lines/new/",
        {
            "line-description": "Travel",
            "line-quantity": "12",
            "line-unit": "km",
            "line-unit_price": "0.57",
            "line-vat_rate": "",
        },
    )

    assert response.status_code == 302
    line = invoice.lines.get()
    assert (line.description, line.quantity, line.unit, line.net_amount, line.vat_rate) == (
        "Travel",
        Decimal("12.000"),
        "km",
        Decimal("6.84"),
        Decimal("25.50"),
    )
    invoice.refresh_from_db()
    assert invoice.gross_amount == Decimal("8.58")  # 6.84 + 1.7442 → 1.74
    assert "Line added: Travel." in html(client.get(response.url))


def test_line_errors_are_shown_next_to_their_fields(client, manager):
    invoice = draft(CustomerFactory())
    client.force_login(manager)

    missing = client.post(
        f"/invoices/{invoice.pk}/lines/new/",
        {"line-description": "", "line-quantity": "1", "line-unit_price": "x"},
    )
    zero = client.post(
        f"/invoices/{invoice.pk}/lines/new/",
        {"line-description": "Nothing", "line-quantity": "0", "line-unit_price": "10"},
    )

    assert missing.status_code == 200
    assert 'id="id_line-description-error"' in html(missing)
    assert 'id="id_line-unit_price-error"' in html(missing)
    assert zero.status_code == 200
    assert re.search(r'id="id_line-quantity-error">The quantity must not be zero.<', html(zero))
    assert '<details class="add-line screen-only" id="add-line" open>' in html(zero)
    assert not invoice.lines.exists()


def test_a_manager_removes_a_line_from_a_draft(client, manager):
    invoice = draft(CustomerFactory(), ("Keep", "1", "10.00", None), ("Drop", "1", "5.00", None))
    drop = invoice.lines.get(description="Drop")
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/lines/{drop.pk}/remove/")

    assert response.status_code == 302
    assert list(invoice.lines.values_list("description", flat=True)) == ["Keep"]
    invoice.refresh_from_db()
    assert invoice.net_amount == Decimal("10.00")


def test_a_manager_deletes_a_draft_and_returns_where_they_came_from(client, manager):
    first = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    second = draft(CustomerFactory())
    client.force_login(manager)

    to_list = client.post(f"/invoices/{first.pk}/delete/")
    back = client.post(f"/invoices/{second.pk}/delete/", {"next": "/invoices/run/?ids=1-3"})
    elsewhere = draft(CustomerFactory())
    unsafe = client.post(f"/invoices/{elsewhere.pk}/delete/", {"next": "https://evil.example/"})

    assert to_list.url == "/invoices/"
    assert back.url == "/invoices/run/?ids=1-3"
    assert unsafe.url == "/invoices/"
    assert not Invoice.objects.exists()


def test_a_manager_posts_a_draft_with_its_issue_date(client, manager):
    invoice = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/post/", {"issued_on": "2027-04-30"})

    invoice.refresh_from_db()
    assert response.status_code == 302
    assert (invoice.number, invoice.issued_on, invoice.due_on) == (
        "2027-000001",
        date(2027, 4, 30),
        date(2027, 5, 14),
    )
    assert "Invoice 2027-000001 posted" in html(client.get(response.url))


def test_posting_twice_is_refused_in_place_and_changes_nothing(client, manager):
    invoice = posted(CustomerFactory())
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/post/", {"issued_on": "2027-05-01"})

    assert response.status_code == 409
    assert 'data-refusal="top"' in html(response)
    assert "The invoice is posted: it never changes" in html(response)
    invoice.refresh_from_db()
    assert (invoice.number, invoice.issued_on) == ("2027-000001", date(2027, 2, 1))
    assert Invoice.objects.filter(status="posted").count() == 1


def test_posting_an_empty_draft_is_refused_at_the_post_button(client, manager):
    invoice = draft(CustomerFactory())
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/post/", {"issued_on": "2027-05-01"})

    assert response.status_code == 409
    assert 'data-refusal="post"' in html(response)
    assert "An invoice without lines cannot be posted." in html(response)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("draft", "")


def test_posting_without_a_date_shows_the_error_at_the_field(client, manager):
    invoice = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/post/", {"issued_on": ""})

    assert response.status_code == 200
    assert 'id="id_issued_on-error"' in html(response)
    invoice.refresh_from_db()
    assert invoice.status == "draft"


def test_a_posted_invoice_refuses_changes_in_place(client, manager):
    invoice = posted(CustomerFactory())
    line = invoice.lines.get()
    client.force_login(manager)

    deleted = client.post(f"/invoices/{invoice.pk}/delete/")
    removed = client.post(f"/invoices/{invoice.pk}/lines/{line.pk}/remove/")
    added = client.post(
        f"/invoices/{invoice.pk}/lines/new/",
        {"line-description": "More", "line-quantity": "1", "line-unit_price": "1"},
    )

    for response in (deleted, removed, added):
        assert response.status_code == 409
        assert "The invoice is posted: it never changes (credit it instead)." in html(response)
    assert Invoice.objects.get().lines.count() == 1
    assert InvoiceLine.objects.count() == 1


def test_a_draft_page_offers_the_draft_actions_only(client, manager):
    invoice = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    page = html(client.get(f"/invoices/{invoice.pk}/"))

    for action in ("post", "delete", "lines/new"):
        assert f'action="/invoices/{invoice.pk}/{action}/"' in page
    assert f"/invoices/{invoice.pk}/lines/{invoice.lines.get().pk}/remove/" in page
    assert 'id="credit-form"' not in page


# -- Credits -----------------------------------------------------------------------------------


def test_crediting_chosen_lines_makes_a_draft_credit_note_and_opens_it(client, manager):
    invoice = posted(
        CustomerFactory(), ("Repair work", "2", "50.00", None), ("Filter", "1", "8.00", None)
    )
    filter_line = invoice.lines.get(description="Filter")
    client.force_login(manager)

    page = html(client.get(f"/invoices/{invoice.pk}/"))
    response = client.post(
        f"/invoices/{invoice.pk}/credit/", {"scope": "chosen", "line_ids": [filter_line.pk]}
    )

    assert 'form="credit-form"' in page
    credit = Invoice.objects.get(kind="credit_note")
    assert response.url == f"/invoices/{credit.pk}/"
    assert (credit.status, credit.credited_invoice_id, credit.net_amount) == (
        "draft",
        invoice.pk,
        Decimal("-8.00"),
    )
    assert [line.credited_line_id for line in credit.lines.all()] == [filter_line.pk]
    assert "Draft credit note for 2027-000001 created" in html(client.get(response.url))


def test_crediting_all_lines(client, manager):
    invoice = posted(
        CustomerFactory(), ("Repair work", "2", "50.00", None), ("Filter", "1", "8.00", None)
    )
    client.force_login(manager)

    client.post(f"/invoices/{invoice.pk}/credit/", {"scope": "all"})

    credit = Invoice.objects.get(kind="credit_note")
    assert credit.lines.count() == 2
    assert credit.gross_amount == -invoice.gross_amount


def test_crediting_no_chosen_line_is_an_error_at_the_checkboxes(client, manager):
    invoice = posted(CustomerFactory())
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/credit/", {"scope": "chosen"})

    assert response.status_code == 200
    assert re.search(r'id="line_ids-error">Choose at least one line.<', html(response))
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_crediting_a_line_twice_is_refused_at_the_credit_form(client, manager):
    invoice = posted(CustomerFactory())
    line = invoice.lines.get()
    services.invoice_credit(invoice=invoice, by=manager)
    client.force_login(manager)

    response = client.post(
        f"/invoices/{invoice.pk}/credit/", {"scope": "chosen", "line_ids": [line.pk]}
    )

    assert response.status_code == 409
    assert 'data-refusal="credit"' in html(response)
    assert "These lines are credited already" in html(response)
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_crediting_a_draft_is_refused(client, manager):
    invoice = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    response = client.post(f"/invoices/{invoice.pk}/credit/", {"scope": "all"})

    assert response.status_code == 409
    assert 'data-refusal="top"' in html(response)
    assert "Only a posted invoice can be credited" in html(response)
    assert Invoice.objects.count() == 1


# -- The billing run ---------------------------------------------------------------------------


def test_ids_in_the_url_are_written_as_runs():
    assert encode_ids([9, 3, 4, 5, 11, 12]) == "3-5,9,11-12"
    assert decode_ids("3-5,9,11-12") == [3, 4, 5, 9, 11, 12]
    assert decode_ids("") == []
    for damaged in ("5-3", "1,,2", "a", "1-2-3"):
        with pytest.raises(ValueError):
            decode_ids(damaged)


def test_a_billing_run_proposes_reviews_and_posts(client, manager):
    customer = CustomerFactory(name="Alfa Oy")
    other = CustomerFactory(name="Beeta Oy", currency="SEK")
    posted_order(manager, customer, prices=("10.00", "20.00"))
    posted_order(manager, other, prices=("100.00",))
    monthly_subscription(customer)
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 31))
    client.force_login(manager)

    start = html(client.get(RUN_URL))
    proposed = client.post(RUN_URL, {"through": "2027-01-31", "customer": ""})

    assert 'name="through"' in start
    assert proposed.status_code == 302
    drafts = list(Invoice.objects.order_by("pk"))
    assert proposed.url == f"{RUN_URL}?through=2027-01-31&ids={drafts[0].pk}-{drafts[1].pk}"
    review = html(client.get(proposed.url))
    assert "2 drafts proposed with 4 new lines (2 new, 0 extended)" in review
    assert text_of(review, "data-review", "count") == "2"
    assert row_ids(review.split('class="table run-drafts"')[1]) == [d.pk for d in drafts]
    alfa = review.split(f'<tr data-invoice="{drafts[0].pk}"')[1]
    assert text_of(alfa, "data-field", "lines") == "3"
    assert text_of(alfa, "data-field", "net") == "€130.00"
    assert text_of(alfa, "data-field", "gross") == "€163.15"
    assert text_of(review, "data-currency", "EUR").startswith("EUR")
    eur = review.split('data-currency="EUR"')[1]
    assert text_of(eur, "data-field", "gross") == "€163.15"
    sek = review.split('data-currency="SEK"')[1]
    assert text_of(sek, "data-field", "gross") == "SEK125.50"
    assert "Post all 2 drafts" in review

    response = client.post(
        "/invoices/run/post/",
        {
            "ids": encode_ids(d.pk for d in drafts),
            "issued_on": "2027-02-01",
            "through": "2027-01-31",
        },
    )

    assert response.status_code == 302
    result = html(client.get(response.url))
    assert text_of(result, "data-result", "count") == "2"
    assert text_of(result, "data-result", "first") == "2027-000001"
    assert text_of(result, "data-result", "last") == "2027-000002"
    assert "2 invoices posted." in result
    assert set(Invoice.objects.values_list("status", "issued_on")) == {("posted", date(2027, 2, 1))}
    assert 'id="post"' not in result  # nothing left to post


def test_a_review_link_shows_the_same_review_again(client, manager):
    customer = CustomerFactory()
    posted_order(manager, customer)
    client.force_login(manager)
    url = client.post(RUN_URL, {"through": "2027-01-31", "customer": customer.pk}).url

    client.logout()
    client.force_login(manager)
    review = html(client.get(url))

    invoice = Invoice.objects.get()
    assert f"customer={customer.pk}" in url
    assert row_ids(review.split('class="table run-drafts"')[1]) == [invoice.pk]
    assert f"for {customer.name}" in review
    assert f'name="ids" value="{invoice.pk}"' in review


def test_proposing_nothing_says_so(client, manager):
    client.force_login(manager)

    response = client.post(RUN_URL, {"through": "2027-01-31"})
    review = html(client.get(response.url))

    assert response.url == f"{RUN_URL}?through=2027-01-31&ids="
    assert 'data-review="empty"' in review
    assert 'id="post"' not in review


def test_a_draft_deleted_from_the_review_drops_out(client, manager):
    first, second = CustomerFactory(), CustomerFactory()
    posted_order(manager, first)
    posted_order(manager, second)
    client.force_login(manager)
    url = client.post(RUN_URL, {"through": "2027-01-31"}).url
    drop = Invoice.objects.get(customer=second)

    response = client.post(f"/invoices/{drop.pk}/delete/", {"next": url})
    review = html(client.get(response.url))

    assert response.url == url
    assert row_ids(review.split('class="table run-drafts"')[1]) == [
        Invoice.objects.get(customer=first).pk
    ]
    assert "Post 1 draft" in review


def test_the_run_refuses_a_missing_date_and_a_damaged_link(client, manager):
    client.force_login(manager)

    missing = client.post(RUN_URL, {"through": ""})
    damaged = client.get(RUN_URL, {"ids": "9-1"})
    bad_post = client.post("/invoices/run/post/", {"ids": "x", "issued_on": "2027-02-01"})

    assert missing.status_code == 200
    assert 'id="id_through-error"' in html(missing)
    assert "This review link is damaged" in html(damaged)
    assert "This review link is damaged" in html(bad_post)
    assert not Invoice.objects.exists()


def test_the_run_posts_only_the_reviewed_drafts(client, manager):
    reviewed = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    other = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(manager)

    client.post("/invoices/run/post/", {"ids": str(reviewed.pk), "issued_on": "2027-02-01"})

    reviewed.refresh_from_db()
    other.refresh_from_db()
    assert (reviewed.status, other.status) == ("posted", "draft")


# -- Who may do what ---------------------------------------------------------------------------


def test_administrators_read_invoices_but_change_nothing(client, administrator):
    invoice = posted(CustomerFactory())
    waiting = draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    client.force_login(administrator)

    assert client.get(LIST_URL).status_code == 200
    page = html(client.get(f"/invoices/{waiting.pk}/"))
    assert client.get(f"/invoices/{invoice.pk}/").status_code == 200
    assert '<form method="post"' not in page.split('id="main"')[1]
    assert 'id="credit-form"' not in html(client.get(f"/invoices/{invoice.pk}/"))
    assert client.get(RUN_URL).status_code == 403
    assert client.get("/invoices/new/").status_code == 403
    assert (
        client.post(f"/invoices/{waiting.pk}/post/", {"issued_on": "2027-02-01"}).status_code == 403
    )
    assert client.post(f"/invoices/{waiting.pk}/delete/").status_code == 403
    assert client.post(f"/invoices/{invoice.pk}/credit/", {"scope": "all"}).status_code == 403
    assert client.post("/invoices/run/post/", {"ids": str(waiting.pk)}).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == "draft"


@pytest.mark.parametrize("fixture", ["dispatcher", "technician_user"])
def test_dispatchers_and_technicians_see_no_invoices(client, request, fixture):
    invoice = posted(CustomerFactory())
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/invoices/{invoice.pk}/").status_code == 403
    assert client.get(RUN_URL).status_code == 403


def test_customers_read_their_own_posted_invoices_only(client, customer_user):
    mine = posted(customer_of(customer_user))
    my_draft = draft(customer_of(customer_user), ("Call-out", "1", "40.00", None))
    my_draft_credit = services.invoice_credit(invoice=mine, by=None)
    theirs = posted(CustomerFactory())
    client.force_login(customer_user)

    listing = html(client.get(LIST_URL))
    page = client.get(f"/invoices/{mine.pk}/")

    assert row_ids(listing) == [mine.pk]
    assert "<title>My invoices · OpenService</title>" in listing
    assert 'name="status"' not in listing
    assert 'name="customer_id"' not in listing
    assert page.status_code == 200
    assert '<form method="post"' not in html(page).split('id="main"')[1]
    assert f'data-credit-note="{my_draft_credit.pk}"' not in html(page)
    for hidden in (theirs, my_draft, my_draft_credit):
        assert client.get(f"/invoices/{hidden.pk}/").status_code == 404
    assert client.get(RUN_URL).status_code == 403
    assert client.post(f"/invoices/{mine.pk}/credit/", {"scope": "all"}).status_code == 403


def test_customers_get_the_empty_state_for_customers(client, customer_user):
    client.force_login(customer_user)

    assert "You have no invoices yet: they appear here once they are issued." in html(
        client.get(LIST_URL)
    )


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get(LIST_URL).status_code == 302
    assert client.get(RUN_URL).status_code == 302


# -- Navigation and homes ----------------------------------------------------------------------


def nav(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-nav="([a-z]+)"[^>]*>([^<]+)<', page))


def test_navigation_names_invoices_per_role(client, manager, customer_user, make_user):
    client.force_login(manager)
    managers = nav(html(client.get("/")))
    client.force_login(customer_user)
    customers = nav(html(client.get("/")))
    client.force_login(make_user(Role.DISPATCHER))
    dispatchers = nav(html(client.get("/")))

    assert (managers["invoices"], managers["subscriptions"]) == ("Invoices", "Subscriptions")
    assert customers["invoices"] == "My invoices"
    assert "subscriptions" not in customers
    assert "invoices" not in dispatchers and "subscriptions" not in dispatchers


def test_the_manager_home_counts_the_invoices_to_post(client, manager):
    draft(CustomerFactory(), ("Call-out", "1", "40.00", None))
    draft(CustomerFactory())  # no lines: nothing to post
    posted(CustomerFactory())
    client.force_login(manager)

    page = html(client.get("/"))

    assert text_of(page, "data-stat", "invoices-to-post") == "1"
    assert 'href="/invoices/run/"' in page
    assert 'href="/invoices/?status=draft"' in page


def test_the_customer_home_shows_their_invoices(client, customer_user):
    mine = posted(customer_of(customer_user))
    posted(CustomerFactory())
    client.force_login(customer_user)

    page = html(client.get("/"))

    assert text_of(page, "data-stat", "invoices") == "1 invoice"
    assert f'href="/invoices/{mine.pk}/"' in page
