"""Return pages: the list with its filters, one return with its lines and the actions its state
allows (and their refusals shown in place, with nothing changed), the forms to create, change
and request a return, the replacements to ship, the order page's Returns section, and who may
open and do what. The services behind them are tested in test_returns.py."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openservice.billing.models import Invoice
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.roles import Role
from openservice.core.sections import sections_for
from openservice.customers.selectors import customer_of_user
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders.models import ServiceOrder
from openservice.orders.tests.factories import make_order, move_to, service_object
from openservice.returns import services
from openservice.returns.models import Replacement, ReturnLine, ReturnOrder
from openservice.returns.tests.factories import line_input, posted_invoice, return_codes

pytestmark = pytest.mark.django_db

LIST_URL = "/returns/"
NEW_URL = "/returns/new/"
REQUEST_URL = "/returns/request/"
REPLACEMENTS_URL = "/returns/replacements/"


@pytest.fixture
def codes():
    return return_codes()


# -- Helpers -----------------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def main(response) -> str:
    """The page's content, without the top bar (whose logout button is a form)."""
    return html(response).split('id="main"')[1]


def text_of(page: str, attribute: str, value: str) -> str:
    """The text inside the first element with attribute="value", tags and spaces squeezed."""
    match = re.search(
        rf'{attribute}="{re.escape(value)}"[^>]*>(.*?)</(dd|td|span|strong|p|li|div)>', page, re.S
    )
    assert match, f"no {attribute}={value}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def row_numbers(page: str) -> list[str]:
    return re.findall(r'<tr data-return="\d+" data-number="([^"]+)"', page)


def line_block(page: str, line) -> str:
    match = re.search(rf'<tbody id="line-{line.pk}".*?</tbody>', page, re.S)
    assert match, f"no line {line.pk}"
    return match.group(0)


def new_return(by, customer, codes, *lines, **fields):
    return services.return_create(
        by=by,
        customer=customer,
        reason=codes["DEFECT"],
        lines=list(lines)
        or [
            line_input(
                item=ItemFactory(name="Door roller"), quantity="3", credit_price=Decimal("10")
            )
        ],
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


def received(ret, codes, disposition, by, quantity=None):
    """The return's only line arrived (all of it, or `quantity`) with the disposition set."""
    line = ret.lines.get()
    registered = services.arrival_register(
        ret=ret, line=line, quantity=quantity or line.quantity, by=by
    )
    services.line_set_disposition(ret=ret, line=registered, by=by, disposition=codes[disposition])
    return registered


def unit_of(customer, serial="SN-100"):
    obj = service_object(customer, site=SiteFactory(customer=customer))
    obj.serial_number = serial
    obj.save()
    return obj


def refresh(record):
    record.refresh_from_db()
    return record


# -- The list ----------------------------------------------------------------------------------


def test_the_list_shows_returns_with_their_columns(client, manager, codes):
    customer = CustomerFactory(name="Kone Asiakas Oy", number="C0042")
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="2"),
    )
    client.force_login(manager)

    page = html(client.get(LIST_URL))

    assert row_numbers(page) == [ret.number]
    row = re.search(r"<tr data-return=.*?</tr>", page, re.S).group(0)
    assert "Kone Asiakas Oy" in row and "C0042" in row
    assert text_of(row, "data-field", "reason") == "Defective"
    assert 'data-status="created">Created</span>' in row
    deadline = ret.deadline.isoformat()
    assert f'<time datetime="{deadline}">' in row
    assert "data-overdue" not in row
    assert text_of(row, "data-field", "lines") == "2"
    assert "1 return" in page
    assert f'href="/returns/{ret.pk}/"' in row
    assert 'href="/returns/new/"' in page


def test_the_list_filters_by_status_customer_search_and_overdue(client, manager, codes):
    alfa, beeta = CustomerFactory(name="Alfa Oy"), CustomerFactory(name="Beeta Oy")
    late = new_return(manager, alfa, codes, today=timezone.localdate() - timedelta(days=60))
    serials = new_return(
        manager,
        beeta,
        codes,
        line_input(item=ItemFactory(), serial="ZX-1"),
        line_input(item=ItemFactory(), serial="ZX-2"),
    )
    opened = new_return(manager, beeta, codes)
    services.arrival_register(ret=opened, line=opened.lines.get(), quantity=3, by=manager)
    client.force_login(manager)

    def numbers(**params):
        return row_numbers(html(client.get(LIST_URL, params)))

    assert numbers() == [opened.number, serials.number, late.number]
    assert numbers(status="open") == [opened.number]
    assert numbers(customer_id=alfa.pk) == [late.number]
    assert numbers(q="beeta") == [opened.number, serials.number]
    assert numbers(q="ZX-") == [serials.number]  # listed once, though two lines match
    assert numbers(q=late.number) == [late.number]
    assert numbers(overdue="on") == [late.number]
    assert numbers(order_by="number") == [late.number, serials.number, opened.number]
    assert numbers(customer_id="not-a-number") == [opened.number, serials.number, late.number]
    overdue_page = html(client.get(LIST_URL, {"overdue": "on"}))
    assert "data-overdue" in overdue_page
    assert text_of(overdue_page, "data-field", "lines") == "1"
    serial_page = html(client.get(LIST_URL, {"q": "ZX-1"}))
    assert text_of(serial_page, "data-field", "lines") == "2"  # every line counted


def test_the_list_says_what_to_do_when_nothing_matches(client, manager, codes):
    client.force_login(manager)

    empty = html(client.get(LIST_URL))
    filtered = html(client.get(LIST_URL, {"q": "nothing like this"}))

    assert "No returns yet. When a customer sends goods back, create a return" in empty
    assert "No returns match. Clear the filters" in filtered


def test_the_list_pages_keep_the_filters(client, manager, codes):
    customer = CustomerFactory()
    for _ in range(51):
        new_return(manager, customer, codes, line_input(item=ItemFactory()))
    client.force_login(manager)

    page = html(client.get(LIST_URL, {"status": "created"}))
    second = html(client.get(LIST_URL, {"status": "created", "page": 2}))

    assert "Page 1 of 2" in page
    assert 'href="?status=created&amp;page=2"' in page
    assert len(row_numbers(page)) == 50
    assert len(row_numbers(second)) == 1


def test_the_list_costs_the_same_queries_for_more_rows(client, manager, codes):
    client.force_login(manager)
    new_return(manager, CustomerFactory(), codes)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_URL, {"q": "Customer"}).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(4):
        new_return(manager, CustomerFactory(), codes)

    assert queries() == few


def test_htmx_requests_get_the_rows_only(client, manager, codes):
    new_return(manager, CustomerFactory(), codes)
    client.force_login(manager)

    page = html(client.get(LIST_URL, headers={"HX-Request": "true"}))

    assert "<table" in page
    assert "<form" not in page


# -- One return --------------------------------------------------------------------------------


def test_the_return_page_shows_the_facts_and_lines_with_exact_values(client, manager, codes):
    customer = CustomerFactory(name="Kiinteistö Oy Testi", number="C0007")
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()
    order = make_order(by=manager, customer=customer)
    unit = unit_of(customer, serial="SN-77")
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="2", invoice_line=invoice_line),
        line_input(object=unit, reason=codes["WRONG_ITEM"], credit_price=Decimal("12.50")),
        reference_order=order,
        reference_invoice=invoice,
        note="Customer called on Monday",
    )
    first, second = ret.lines.order_by("position")
    registered = services.arrival_register(ret=ret, line=second, quantity=1, by=manager)
    services.line_inspect(
        ret=ret, line=registered, by=manager, note="Housing cracked", disposition=codes["SCRAP"]
    )
    client.force_login(manager)

    page = html(client.get(f"/returns/{ret.pk}/"))

    assert f"<title>Return {ret.number} · OpenService</title>" in page
    assert text_of(page, "data-field", "number") == ret.number
    assert text_of(page, "data-field", "customer") == "Kiinteistö Oy Testi C0007"
    assert text_of(page, "data-field", "reason") == "Defective DEFECT"
    assert f'<time datetime="{ret.deadline.isoformat()}">' in page
    assert f'<a href="/orders/{order.pk}/">{order.number}</a>' in page
    assert f'<a href="/invoices/{invoice.pk}/">{invoice.number}</a>' in page
    assert text_of(page, "data-field", "requested_by_customer") == "No"
    assert text_of(page, "data-field", "note") == "Customer called on Monday"
    one = line_block(page, first)
    assert text_of(one, "data-field", "quantity") == "2 pcs"
    assert text_of(one, "data-field", "credit_price") == "€40.00"
    assert text_of(one, "data-field", "amount") == "€80.00"
    assert text_of(one, "data-field", "line_reason") == "Defective"
    assert text_of(one, "data-field", "disposition") == "—"
    assert 'data-status="expected">Expected</span>' in one
    assert f'href="/invoices/{invoice.pk}/"' in one
    two = line_block(page, second)
    assert f'<a href="/objects/{unit.pk}/">{unit.number}</a>' in two
    assert "SN-77" in two
    assert text_of(two, "data-field", "amount") == "€12.50"
    assert text_of(two, "data-field", "line_reason") == "Wrong item delivered"
    assert text_of(two, "data-field", "disposition") == "Scrap SCRAP"
    assert 'data-status="received">Received</span>' in two
    assert text_of(two, "data-field", "inspection_note") == "Housing cracked"


def actions_of(page: str, line) -> list[str]:
    return re.findall(r'data-action="([a-z-]+)"', line_block(page, line))


def test_each_line_offers_only_the_actions_its_status_allows(client, manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        *[line_input(item=ItemFactory(), quantity="1") for _ in range(4)],
    )
    expected, registered, quarantined, arrived = ret.lines.order_by("position")
    for line in (registered, quarantined, arrived):
        services.arrival_register(ret=ret, line=line, quantity=1, by=manager)
    services.line_quarantine(ret=ret, line=quarantined, by=manager)
    services.line_inspect(ret=ret, line=arrived, by=manager, note="ok")
    client.force_login(manager)

    page = html(client.get(f"/returns/{ret.pk}/"))

    assert actions_of(page, expected) == ["arrival", "disposition", "cancel-line"]
    assert actions_of(page, registered) == ["quarantine", "inspect", "disposition"]
    assert actions_of(page, quarantined) == ["inspect", "disposition"]
    assert actions_of(page, arrived) == ["disposition"]
    header = page.split('id="return-actions"')[1].split("</section>")[0]
    # Goods are on hand: closing by hand (which gives up expected lines) is not offered.
    assert re.findall(r'data-action="([a-z]+)"', header) == ["process"]
    assert f'href="/returns/{ret.pk}/edit/"' not in page  # something has arrived


def test_a_created_return_offers_cancel_and_edit_but_not_process(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    client.force_login(manager)

    page = html(client.get(f"/returns/{ret.pk}/"))

    header = page.split('id="return-actions"')[1].split("</section>")[0]
    assert re.findall(r'data-action="([a-z]+)"', header) == ["cancel"]
    assert f'href="/returns/{ret.pk}/edit/"' in page


def test_a_closed_return_offers_no_actions(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "SCRAP", manager)
    services.return_process(ret=ret, by=manager)
    client.force_login(manager)

    page = main(client.get(f"/returns/{ret.pk}/"))

    assert 'data-status="closed">Closed</span>' in page
    assert "<form" not in page
    assert 'id="return-actions"' not in page


# -- Actions on a line -------------------------------------------------------------------------


def url(ret, line, action):
    return f"/returns/{ret.pk}/lines/{line.pk}/{action}/"


def test_registering_the_whole_arrival(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)

    response = client.post(
        url(ret, line, "arrival"),
        {f"arrival-{line.pk}-quantity": "3", f"arrival-{line.pk}-on": "2026-03-02"},
    )

    assert response.status_code == 302
    assert response.url == f"/returns/{ret.pk}/#line-{line.pk}"
    line.refresh_from_db()
    assert (line.status, line.quantity, line.arrived_on) == (
        "registered",
        Decimal(3),
        date(2026, 3, 2),
    )
    assert refresh(ret).status == "open"
    page = html(client.get(response.url))
    assert "Arrival registered: Door roller." in page


def test_a_partial_arrival_splits_the_line(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)

    client.post(url(ret, line, "arrival"), {f"arrival-{line.pk}-quantity": "1"})

    rows = list(ret.lines.order_by("pk").values_list("status", "quantity", "split_from"))
    assert rows == [("expected", Decimal(2), None), ("registered", Decimal(1), line.pk)]
    page = html(client.get(f"/returns/{ret.pk}/"))
    assert "Arrival of 1 registered: Door roller; 2 still expected." in page
    assert 'value="2"' in line_block(page, line)  # the rest is the default of the next arrival


def test_an_arrival_above_the_expected_quantity_is_refused_at_the_field(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)
    before = snapshot()

    response = client.post(url(ret, line, "arrival"), {f"arrival-{line.pk}-quantity": "4"})

    assert response.status_code == 422
    block = line_block(html(response), line)
    assert "At most 3 is expected on this line." in block
    assert '<details class="prompt" data-action="arrival" open>' in block
    assert snapshot() == before


def test_an_arrival_in_the_future_is_refused_at_the_date(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)
    before = snapshot()
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(
        url(ret, line, "arrival"),
        {f"arrival-{line.pk}-quantity": "3", f"arrival-{line.pk}-on": tomorrow.isoformat()},
    )

    assert response.status_code == 422
    block = line_block(html(response), line)
    assert f'<p class="field-error" id="id_arrival-{line.pk}-on-error">' in block
    assert "Goods cannot arrive in the future." in block
    assert snapshot() == before


def test_quarantine_then_inspection_with_a_disposition(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    client.force_login(manager)

    client.post(url(ret, line, "quarantine"), {f"quarantine-{line.pk}-note": "Smells of smoke"})
    assert refresh(line).status == "quarantine"
    client.post(
        url(ret, line, "inspect"),
        {
            f"inspect-{line.pk}-note": "Burnt motor",
            f"inspect-{line.pk}-disposition": codes["SCRAP"].pk,
        },
    )

    line.refresh_from_db()
    assert (line.status, line.inspection_note, line.disposition) == (
        "received",
        "Burnt motor",
        codes["SCRAP"],
    )
    page = html(client.get(f"/returns/{ret.pk}/"))
    assert "Inspected and received: Door roller, disposition SCRAP." in page


def test_an_inspection_without_a_note_shows_the_error_at_the_field(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(url(ret, line, "inspect"), {f"inspect-{line.pk}-note": ""})

    assert response.status_code == 422
    assert "This field is required." in line_block(html(response), line)
    assert snapshot() == before


def test_setting_and_clearing_the_disposition(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)

    client.post(
        url(ret, line, "disposition"),
        {f"disposition-{line.pk}-disposition": codes["CREDIT_ONLY"].pk},
    )
    assert refresh(line).disposition == codes["CREDIT_ONLY"]
    client.post(url(ret, line, "disposition"), {f"disposition-{line.pk}-disposition": ""})
    assert refresh(line).disposition is None


def test_a_repair_disposition_without_a_unit_is_refused_at_the_line(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(manager)
    before = snapshot()

    response = client.post(
        url(ret, line, "disposition"),
        {f"disposition-{line.pk}-disposition": codes["REPAIR"].pk},
    )

    assert response.status_code == 409
    block = line_block(html(response), line)
    assert f'data-refusal="line-{line.pk}"' in block
    assert "A repair needs a line that names a service object." in block
    assert snapshot() == before


def test_an_action_the_status_no_longer_allows_is_refused_in_place(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(url(ret, line, "arrival"), {f"arrival-{line.pk}-quantity": "1"})

    assert response.status_code == 409
    assert "The line is not in a status that allows this." in line_block(html(response), line)
    assert snapshot() == before


def test_cancelling_an_expected_line(client, manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1"),
    )
    first, second = ret.lines.order_by("position")
    client.force_login(manager)

    response = client.post(url(ret, first, "cancel"))

    assert response.status_code == 302
    assert (refresh(first).status, refresh(second).status, refresh(ret).status) == (
        "cancelled",
        "expected",
        "created",
    )


def test_a_line_of_another_return_is_not_found(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    other = new_return(manager, CustomerFactory(), codes)
    client.force_login(manager)

    response = client.post(url(ret, other.lines.get(), "cancel"))

    assert response.status_code == 404
    assert refresh(other.lines.get()).status == "expected"


# -- Actions on the return ---------------------------------------------------------------------


def test_processing_a_credit_shows_what_it_created(client, manager, codes):
    customer = CustomerFactory()
    invoice_line = posted_invoice(manager, customer, lines=[("2", "40.00")]).lines.get()
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=invoice_line.order_line.item, quantity="2", invoice_line=invoice_line),
    )
    line = received(ret, codes, "CREDIT", manager)
    client.force_login(manager)

    response = client.post(f"/returns/{ret.pk}/process/")

    note = Invoice.objects.get(kind="credit_note")
    assert response.status_code == 302
    assert response.url == f"/returns/{ret.pk}/?processed={line.pk}#processed"
    page = html(client.get(response.url))
    summary = page.split('id="processed"')[1].split("</section>")[0]
    assert f'<a href="/invoices/{note.pk}/">{note.number}</a>' in summary
    assert note.gross_amount == Decimal("-100.40")  # 2 × 40.00 back, with 25.5 % VAT
    assert "-€100.40" in summary
    assert f'data-processed="{line.pk}"' in summary
    assert 'data-status="credited">Credited</span>' in summary
    assert "1 line processed." in page
    assert f'href="/invoices/{note.pk}/"' in line_block(page, line)
    assert refresh(ret).status == "closed"


def test_processing_a_repair_links_the_repair_order(client, manager, codes):
    customer = CustomerFactory()
    unit = unit_of(customer)
    ret = new_return(manager, customer, codes, line_input(object=unit))
    line = received(ret, codes, "REPAIR", manager)
    client.force_login(manager)

    response = client.post(f"/returns/{ret.pk}/process/")

    order = ServiceOrder.objects.get(origin="return")
    page = html(client.get(response.url))
    block = line_block(page, line)
    assert 'data-status="in_repair">In repair</span>' in block
    assert f'<a href="/orders/{order.pk}/">{order.number}</a>' in block
    summary = page.split('id="processed"')[1].split("</section>")[0]
    assert f'<a href="/orders/{order.pk}/">{order.number}</a>' in summary


def test_processing_a_replacement_lists_it(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "REPLACE_SCRAP", manager)
    client.force_login(manager)

    page = html(client.get(client.post(f"/returns/{ret.pk}/process/").url))

    replacement = Replacement.objects.get()
    summary = page.split('id="processed"')[1].split("</section>")[0]
    assert f'<a href="/returns/replacements/">{replacement.number}</a>' in summary
    assert 'data-status="open">To ship</span>' in summary


def test_processing_lines_without_a_disposition_is_refused_in_place(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(f"/returns/{ret.pk}/process/")

    assert response.status_code == 409
    actions = html(response).split('id="return-actions"')[1].split("</section>")[0]
    assert 'data-refusal="return"' in actions
    assert "Set a disposition on the line before processing it." in actions
    assert snapshot() == before


def test_processing_skips_lines_without_a_disposition_and_says_so(client, manager, codes):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(name="Roller"), quantity="1"),
        line_input(item=ItemFactory(name="Belt"), quantity="1"),
    )
    first, second = ret.lines.order_by("position")
    for line in (first, second):
        services.arrival_register(ret=ret, line=line, quantity=1, by=manager)
    services.line_set_disposition(ret=ret, line=first, by=manager, disposition=codes["SCRAP"])
    client.force_login(manager)

    response = client.post(f"/returns/{ret.pk}/process/")

    assert response.url == f"/returns/{ret.pk}/?processed={first.pk}&skipped={second.pk}#processed"
    page = html(client.get(response.url))
    assert '<p class="muted" data-skipped>Skipped, no disposition yet: Belt</p>' in page


def test_cancelling_a_created_return(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    client.force_login(manager)

    response = client.post(f"/returns/{ret.pk}/cancel/")

    assert response.status_code == 302
    assert refresh(ret).status == "cancelled"
    assert f"Return {ret.number} cancelled." in html(client.get(response.url))


def test_cancelling_an_open_return_is_refused_in_place(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(f"/returns/{ret.pk}/cancel/")

    assert response.status_code == 409
    assert "Only a return nothing has arrived for can be cancelled." in html(response)
    assert snapshot() == before


def test_closing_an_open_return_gives_up_the_lines_still_expected(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "SCRAP", manager, quantity=Decimal(1))
    services.return_process(ret=ret, by=manager)
    client.force_login(manager)

    response = client.post(f"/returns/{ret.pk}/close/")

    assert response.status_code == 302
    assert refresh(ret).status == "closed"
    assert sorted(ret.lines.values_list("status", flat=True)) == ["cancelled", "scrapped"]


def test_closing_with_goods_on_hand_is_refused_in_place(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(f"/returns/{ret.pk}/close/")

    assert response.status_code == 409
    assert "Process the lines that hold goods or are in repair first." in html(response)
    assert snapshot() == before


# -- Creating and changing ---------------------------------------------------------------------


def line_data(index: int, **fields) -> dict:
    return {f"lines-{index}-{name}": value for name, value in fields.items()}


def management(total: int, initial: int = 0) -> dict:
    return {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": str(initial)}


def test_a_new_return_starts_with_the_customer(client, manager, codes):
    customer = CustomerFactory(name="Alfa Oy")
    client.force_login(manager)

    first = html(client.get(NEW_URL))
    second = html(client.get(NEW_URL, {"customer": customer.pk}))

    assert 'id="pick-customer"' in first
    assert 'name="reason"' not in first
    assert text_of(second, "data-field", "customer").startswith("Alfa Oy")
    assert f'<input type="hidden" name="customer" value="{customer.pk}">' in second
    assert second.count('class="card return-line-form"') == 3


def test_a_manager_creates_a_return_with_lines(client, manager, codes):
    customer = CustomerFactory()
    unit = unit_of(customer, serial="SN-9")
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()
    order = make_order(by=manager, customer=customer)
    loose = ItemFactory(name="Spare belt")
    client.force_login(manager)

    form = html(client.get(NEW_URL, {"customer": customer.pk}))
    assert f'<option value="{invoice_line.pk}">{invoice.number} · ' in form
    response = client.post(
        NEW_URL,
        {
            "customer": customer.pk,
            "reason": codes["DEFECT"].pk,
            "reference_order": order.number,
            "reference_invoice": invoice.pk,
            "note": "Picked up by the courier",
            **management(3),
            **line_data(0, serial="SN-9", quantity="1"),
            **line_data(
                1,
                item=invoice_line.order_line.item.pk,
                quantity="1",
                invoice_line=invoice_line.pk,
            ),
            **line_data(
                2,
                item=loose.pk,
                quantity="4",
                credit_price="2.50",
                reason=codes["WRONG_ITEM"].pk,
                disposition=codes["CREDIT_ONLY"].pk,
            ),
        },
    )

    ret = ReturnOrder.objects.get()
    assert response.status_code == 302
    assert response.url == f"/returns/{ret.pk}/"
    assert (ret.customer, ret.reference_order, ret.reference_invoice, ret.note) == (
        customer,
        order,
        invoice,
        "Picked up by the courier",
    )
    assert ret.requested_by_customer is False
    rows = list(
        ret.lines.order_by("position").values_list(
            "object", "item", "quantity", "credit_price", "reason", "disposition", "invoice_line"
        )
    )
    assert rows == [
        (unit.pk, unit.item_id, Decimal(1), None, codes["DEFECT"].pk, None, None),
        (
            None,
            invoice_line.order_line.item_id,
            Decimal(1),
            Decimal("40.00"),
            codes["DEFECT"].pk,
            None,
            invoice_line.pk,
        ),
        (
            None,
            loose.pk,
            Decimal(4),
            Decimal("2.50"),
            codes["WRONG_ITEM"].pk,
            codes["CREDIT_ONLY"].pk,
            None,
        ),
    ]
    assert f"Return {ret.number} created." in html(client.get(response.url))


def test_a_line_refused_by_the_service_is_shown_at_its_field(client, manager, codes):
    customer = CustomerFactory()
    unit = unit_of(customer)
    client.force_login(manager)

    response = client.post(
        NEW_URL,
        {
            "customer": customer.pk,
            "reason": codes["DEFECT"].pk,
            **management(3),
            **line_data(1, object=unit.pk, quantity="2"),
        },
    )

    assert response.status_code == 422
    page = html(response)
    form = page.split('data-line-form="1"')[1].split("</fieldset>")[0]
    assert "A unit named by its serial or object is one unit." in form
    assert ReturnOrder.objects.count() == 0


def test_unknown_references_and_serials_are_errors_at_their_fields(client, manager, codes):
    customer = CustomerFactory()
    other_order = make_order(by=manager)
    client.force_login(manager)

    response = client.post(
        NEW_URL,
        {
            "customer": customer.pk,
            "reason": codes["DEFECT"].pk,
            "reference_order": other_order.number,
            **management(1),
            **line_data(0, serial="NOPE", quantity="1"),
        },
    )

    page = html(response)
    assert response.status_code == 422
    assert "No order of this customer has this number." in page
    assert "No unit of this customer has this serial number: choose the item too." in page
    assert ReturnOrder.objects.count() == 0


def test_a_return_without_lines_is_refused_on_top(client, manager, codes):
    client.force_login(manager)

    response = client.post(
        NEW_URL, {"customer": CustomerFactory().pk, "reason": codes["DEFECT"].pk, **management(3)}
    )

    assert response.status_code == 422
    assert "A return needs at least one line." in html(response)
    assert ReturnOrder.objects.count() == 0


def test_add_a_line_gives_one_more_row_and_saves_nothing(client, manager, codes):
    customer = CustomerFactory()
    item = ItemFactory()
    client.force_login(manager)

    response = client.post(
        NEW_URL,
        {
            "customer": customer.pk,
            "reason": codes["DEFECT"].pk,
            "add_line": "1",
            **management(3),
            **line_data(0, item=item.pk, quantity="2"),
        },
    )

    page = html(response)
    assert response.status_code == 200
    assert page.count('class="card return-line-form"') == 4
    assert f'<option value="{item.pk}" selected>' in page
    assert ReturnOrder.objects.count() == 0


def test_a_manager_changes_a_created_return(client, manager, codes):
    customer = CustomerFactory()
    ret = new_return(
        manager,
        customer,
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="5"),
    )
    first, second = ret.lines.order_by("position")
    extra = ItemFactory()
    client.force_login(manager)

    form = html(client.get(f"/returns/{ret.pk}/edit/"))
    assert form.count('class="card return-line-form"') == 3
    response = client.post(
        f"/returns/{ret.pk}/edit/",
        {
            "reason": codes["WRONG_ITEM"].pk,
            "note": "Changed",
            **management(3, initial=2),
            **line_data(0, item=first.item_id, quantity="2"),
            **line_data(1, item=second.item_id, quantity="5", DELETE="on"),
            **line_data(2, item=extra.pk, quantity="1"),
        },
    )

    assert response.status_code == 302
    ret.refresh_from_db()
    assert (ret.reason, ret.note) == (codes["WRONG_ITEM"], "Changed")
    assert list(ret.lines.order_by("position").values_list("item", "quantity")) == [
        (first.item_id, Decimal(2)),
        (extra.pk, Decimal(1)),
    ]


def test_an_open_return_cannot_be_edited(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=ret, line=ret.lines.get(), quantity=1, by=manager)
    client.force_login(manager)
    before = snapshot()

    response = client.post(f"/returns/{ret.pk}/edit/", {"reason": codes["WRONG_ITEM"].pk})

    assert response.status_code == 302
    assert "Only a return nothing has arrived for can be changed." in html(client.get(response.url))
    assert snapshot() == before


# -- The customer ------------------------------------------------------------------------------


def test_customers_read_their_own_returns_only(client, customer_user, manager, codes):
    own = customer_of_user(customer_user)
    mine = new_return(customer_user, own, codes, line_input(item=ItemFactory()))
    staff_made = new_return(manager, own, codes)
    theirs = new_return(manager, CustomerFactory(), codes)
    client.force_login(customer_user)

    listing = html(client.get(LIST_URL))
    page = client.get(f"/returns/{mine.pk}/")

    assert row_numbers(listing) == [staff_made.number, mine.number]
    assert "<title>My returns · OpenService</title>" in listing
    assert 'name="customer_id"' not in listing
    assert 'href="/returns/request/"' in listing
    assert page.status_code == 200
    forms = re.findall(r'<form method="post" action="([^"]+)"', main(page))
    assert forms == [f"/returns/{mine.pk}/cancel/"]
    assert "Cancel my request" in html(page)
    assert "Cancel my request" not in html(client.get(f"/returns/{staff_made.pk}/"))
    assert client.get(f"/returns/{theirs.pk}/").status_code == 404
    assert client.post(f"/returns/{theirs.pk}/cancel/").status_code == 404
    assert refresh(theirs).status == "created"


def test_a_customer_does_not_see_the_inspection_note(client, customer_user, manager, codes):
    ret = new_return(manager, customer_of_user(customer_user), codes)
    line = services.arrival_register(ret=ret, line=ret.lines.get(), quantity=3, by=manager)
    services.line_inspect(ret=ret, line=line, by=manager, note="Misused by the customer")
    client.force_login(customer_user)

    page = main(client.get(f"/returns/{ret.pk}/"))

    assert "Misused by the customer" not in page
    assert "<form" not in page  # open: nothing for the customer to do


def test_a_customer_requests_a_return(client, customer_user, manager, codes):
    own = customer_of_user(customer_user)
    unit = unit_of(own, serial="MY-1")
    invoice = posted_invoice(manager, own, lines=[("3", "20.00")])
    invoice_line = invoice.lines.get()
    someone_else = unit_of(CustomerFactory(), serial="OTHER-1")
    client.force_login(customer_user)

    form = html(client.get(REQUEST_URL))
    assert f'<option value="{unit.pk}">' in form
    assert f'<option value="{someone_else.pk}">{someone_else.number}' not in form
    assert 'name="lines-0-credit_price"' not in form
    assert 'name="lines-0-disposition"' not in form
    response = client.post(
        REQUEST_URL,
        {
            "reason": codes["WRONG_ITEM"].pk,
            "note": "Wrong colour",
            **management(3),
            **line_data(0, object=unit.pk, quantity="1"),
            **line_data(1, invoice_line=invoice_line.pk, quantity="2"),
        },
    )

    ret = ReturnOrder.objects.get()
    assert response.status_code == 302
    assert response.url == f"/returns/{ret.pk}/"
    assert (ret.customer, ret.requested_by_customer, ret.note, ret.status) == (
        own,
        True,
        "Wrong colour",
        "created",
    )
    rows = list(
        ret.lines.order_by("position").values_list(
            "object", "item", "quantity", "invoice_line", "credit_price"
        )
    )
    assert rows == [
        (unit.pk, unit.item_id, Decimal(1), None, None),
        (None, invoice_line.order_line.item_id, Decimal(2), invoice_line.pk, Decimal("20.00")),
    ]
    assert "requested. We will tell you when and where to send the goods." in html(
        client.get(response.url)
    )


def test_a_customer_cannot_name_another_customers_unit(client, customer_user, codes):
    other = unit_of(CustomerFactory(), serial="OTHER-1")
    client.force_login(customer_user)

    response = client.post(
        REQUEST_URL,
        {
            "reason": codes["DEFECT"].pk,
            **management(1),
            **line_data(0, object=other.pk, quantity="1"),
        },
    )

    assert response.status_code == 422
    assert "Select a valid choice." in html(response)
    assert ReturnOrder.objects.count() == 0


def test_a_customer_cancels_their_own_request_but_not_an_open_return(
    client, customer_user, manager, codes
):
    own = customer_of_user(customer_user)
    requested = new_return(customer_user, own, codes, line_input(item=ItemFactory()))
    opened = new_return(customer_user, own, codes, line_input(item=ItemFactory()))
    services.arrival_register(ret=opened, line=opened.lines.get(), quantity=1, by=manager)
    staff_made = new_return(manager, own, codes)
    client.force_login(customer_user)

    assert client.post(f"/returns/{requested.pk}/cancel/").status_code == 302
    refused = client.post(f"/returns/{opened.pk}/cancel/")

    assert refresh(requested).status == "cancelled"
    assert refused.status_code == 409
    assert "Only a return nothing has arrived for can be cancelled." in html(refused)
    assert refresh(opened).status == "open"
    assert client.post(f"/returns/{staff_made.pk}/cancel/").status_code == 403
    assert refresh(staff_made).status == "created"


def test_customers_only_read_and_request(client, customer_user, manager, codes):
    ret = new_return(manager, customer_of_user(customer_user), codes)
    line = ret.lines.get()
    client.force_login(customer_user)
    before = snapshot()

    assert client.get(NEW_URL).url == REQUEST_URL
    assert client.get(REPLACEMENTS_URL).status_code == 403
    assert client.get(f"/returns/{ret.pk}/edit/").status_code == 403
    assert client.post(f"/returns/{ret.pk}/process/").status_code == 403
    assert client.post(f"/returns/{ret.pk}/close/").status_code == 403
    assert client.post(url(ret, line, "arrival"), {}).status_code == 403
    assert client.post(url(ret, line, "cancel")).status_code == 403
    assert snapshot() == before


def test_staff_asking_for_the_request_form_get_the_staff_form(client, manager, dispatcher):
    client.force_login(manager)
    assert client.get(REQUEST_URL).url == NEW_URL
    client.force_login(dispatcher)
    assert client.get(REQUEST_URL).status_code == 403


# -- Who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["dispatcher", "administrator"])
def test_dispatchers_and_administrators_read_returns_but_change_nothing(
    client, request, fixture, manager, codes
):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    client.force_login(request.getfixturevalue(fixture))
    before = snapshot()

    assert client.get(LIST_URL).status_code == 200
    page = client.get(f"/returns/{ret.pk}/")
    assert page.status_code == 200
    assert '<form method="post"' not in main(page)
    assert 'href="/returns/new/"' not in html(client.get(LIST_URL))
    assert client.get(REPLACEMENTS_URL).status_code == 200
    assert client.get(NEW_URL).status_code == 403
    assert client.get(f"/returns/{ret.pk}/edit/").status_code == 403
    for action in ("process", "cancel", "close"):
        assert client.post(f"/returns/{ret.pk}/{action}/").status_code == 403
    assert client.post(url(ret, line, "arrival"), {}).status_code == 403
    assert snapshot() == before


def test_technicians_see_no_returns(client, technician_user, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    order = make_order(by=manager)
    client.force_login(technician_user)

    assert client.get(LIST_URL).status_code == 403
    assert client.get(f"/returns/{ret.pk}/").status_code == 403
    assert client.get(NEW_URL).status_code == 403
    assert client.get(REQUEST_URL).status_code == 403
    assert client.get(REPLACEMENTS_URL).status_code == 403
    assert client.get(f"/returns/orders/{order.pk}/").status_code == 403
    assert [s.key for s in sections_for("order", technician_user)] == ["repairs"]


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for path in (LIST_URL, NEW_URL, REQUEST_URL, REPLACEMENTS_URL, "/returns/1/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith("/login/?next=")


# -- Replacements ------------------------------------------------------------------------------


def test_a_manager_ships_a_replacement(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "REPLACE", manager)
    services.return_process(ret=ret, by=manager)
    replacement = Replacement.objects.get()
    client.force_login(manager)

    listing = html(client.get(REPLACEMENTS_URL))
    assert f'data-number="{replacement.number}"' in listing
    response = client.post(
        f"/returns/replacements/{replacement.pk}/ship/",
        {
            f"ship-{replacement.pk}-serial": "NEW-7",
            f"ship-{replacement.pk}-on": "2026-03-05",
        },
    )

    assert response.status_code == 302
    replacement.refresh_from_db()
    assert (replacement.status, replacement.serial, replacement.shipped_on) == (
        "shipped",
        "NEW-7",
        date(2026, 3, 5),
    )
    assert f'data-number="{replacement.number}"' not in html(client.get(REPLACEMENTS_URL))
    shipped = html(client.get(REPLACEMENTS_URL, {"status": "shipped"}))
    assert text_of(shipped, "data-field", "shipped") == "March 5, 2026 NEW-7"


def test_shipping_twice_is_refused_in_place(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "REPLACE", manager)
    services.return_process(ret=ret, by=manager)
    replacement = Replacement.objects.get()
    services.replacement_ship(replacement=replacement, by=manager, serial="FIRST")
    client.force_login(manager)

    response = client.post(
        f"/returns/replacements/{replacement.pk}/ship/", {f"ship-{replacement.pk}-serial": "X"}
    )

    assert response.status_code == 409
    assert refresh(replacement).serial == "FIRST"


def test_a_shipment_in_the_future_is_refused_at_the_date(client, manager, codes):
    ret = new_return(manager, CustomerFactory(), codes)
    received(ret, codes, "REPLACE", manager)
    services.return_process(ret=ret, by=manager)
    replacement = Replacement.objects.get()
    client.force_login(manager)
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client.post(
        f"/returns/replacements/{replacement.pk}/ship/",
        {f"ship-{replacement.pk}-on": tomorrow.isoformat()},
    )

    assert response.status_code == 422
    assert "A replacement cannot ship in the future." in html(response)
    assert refresh(replacement).status == "open"


# -- The order page's Returns section ----------------------------------------------------------


def test_a_repair_order_links_back_to_its_return(client, manager, codes):
    customer = CustomerFactory()
    ret = new_return(manager, customer, codes, line_input(object=unit_of(customer)))
    line = received(ret, codes, "REPAIR", manager)
    order = ServiceOrder.objects.get(
        pk=services.return_process(ret=ret, by=manager).service_order_ids[0]
    )
    client.force_login(manager)

    order_page = html(client.get(f"/orders/{order.pk}/"))
    section = html(client.get(f"/returns/orders/{order.pk}/", headers={"HX-Request": "true"}))
    full = html(client.get(f"/returns/orders/{order.pk}/"))

    assert 'data-section="returns"' in order_page
    assert f'hx-get="/returns/orders/{order.pk}/"' in order_page
    assert "<html" not in section
    assert f'<a href="/returns/{ret.pk}/#line-{line.pk}">{ret.number}</a>' in section
    assert 'data-status="in_repair"' in section
    assert f'href="/orders/{order.pk}/"' in full  # the page of its own links back


def test_an_original_order_lists_its_returns(client, manager, codes):
    customer = CustomerFactory()
    order = make_order(by=manager, customer=customer)
    ret = new_return(manager, customer, codes, reference_order=order)
    client.force_login(manager)

    section = html(client.get(f"/returns/orders/{order.pk}/", headers={"HX-Request": "true"}))
    bare = html(
        client.get(f"/returns/orders/{make_order(by=manager).pk}/", headers={"HX-Request": "true"})
    )

    assert f'<a href="/returns/{ret.pk}/">{ret.number}</a>' in section
    assert "No returns relate to this order." in bare


def test_customers_see_the_returns_section_of_their_own_orders_only(
    client, customer_user, manager, codes
):
    own = customer_of_user(customer_user)
    order = make_order(by=manager, customer=own)
    ret = new_return(manager, own, codes, reference_order=order)
    other = make_order(by=manager)
    client.force_login(customer_user)

    section = html(client.get(f"/returns/orders/{order.pk}/", headers={"HX-Request": "true"}))

    assert f'href="/returns/{ret.pk}/"' in section
    assert client.get(f"/returns/orders/{other.pk}/").status_code == 404


def test_a_completed_repair_shows_the_line_returned(client, manager, codes):
    customer = CustomerFactory()
    ret = new_return(manager, customer, codes, line_input(object=unit_of(customer)))
    line = received(ret, codes, "REPAIR", manager)
    result = services.return_process(ret=ret, by=manager)
    move_to(ServiceOrder.objects.get(pk=result.service_order_ids[0]), "completed", by=manager)
    client.force_login(manager)

    page = html(client.get(f"/returns/{ret.pk}/"))

    assert 'data-status="returned">Returned to customer</span>' in line_block(page, line)
    assert 'data-status="closed">Closed</span>' in page


# -- Navigation --------------------------------------------------------------------------------


def nav(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-nav="([a-z]+)"[^>]*>([^<]+)<', page))


def test_navigation_names_returns_per_role(client, manager, customer_user, make_user):
    client.force_login(manager)
    managers = nav(html(client.get("/")))
    client.force_login(customer_user)
    customers = nav(html(client.get("/")))
    client.force_login(make_user(Role.TECHNICIAN))
    technicians = nav(html(client.get("/")))

    assert managers["returns"] == "Returns"
    assert customers["returns"] == "My returns"
    assert "returns" not in technicians
