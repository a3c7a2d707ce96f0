"""`openservice accruals export` and `openservice invoices export`: exact CSV and JSON for
small worked examples, what is left out (drafts, other dates, accrual periods still open),
constant queries however many invoices, files written in full or not at all, and bad
arguments refused with exit code 2 and one line, writing nothing."""

import io
import json
import os
from datetime import date
from decimal import Decimal

import pytest

from openservice.billing import services
from openservice.billing.exports import accruals_csv, invoices_csv, output_file
from openservice.billing.models import Invoice
from openservice.billing.tests.test_billing import POSTED_AT, posted_order, subscription
from openservice.customers.tests.factories import CustomerFactory
from openservice.orders import services as orders
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.subscriptions import services as subscriptions
from openservice.subscriptions.models import Fee
from openservice.subscriptions.tests.test_commands import run_command as run
from openservice.subscriptions.tests.test_commands import run_process

pytestmark = pytest.mark.django_db

ACCRUAL_HEADER = (
    "date,period_start,period_end,debit_account,credit_account,amount,currency,invoice,fee_id,"
    "subscription,reversal\n"
)
INVOICE_HEADER = (
    "number,kind,issued_on,due_on,customer_number,customer_name,vat_id,currency,line,"
    "description,quantity,unit,unit_price,net,vat_rate,vat,gross,source,credited_invoice\n"
)


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    settings.ACCRUAL_DEFERRED_ACCOUNT = "2960"
    settings.ACCRUAL_REVENUE_ACCOUNT = "3000"
    settings.VAT_DEFAULT_RATE = "25.5"
    settings.INVOICE_PAYMENT_DAYS = 14


def post(invoice: Invoice, on: date) -> Invoice:
    return services.invoice_post(invoice=invoice, by=None, on=on)


@pytest.fixture
def accrued():
    """A quarterly fee of 100.00 from 15 Jan accrued monthly (17, 28, 31 and 14 of 90 days),
    invoiced as 2027-000001 on 31 Jan."""
    subscription(
        CustomerFactory(),
        starts_on=date(2027, 1, 15),
        period="quarter",
        accrue=True,
        accrual_period="month",
    )
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 15))
    services.invoices_propose(by=None, through=date(2027, 1, 31))
    return post(Invoice.objects.get(), date(2027, 1, 31))


def accrual_rows(fee_id: int, *parts: tuple[str, str, str, str], invoice="2027-000001") -> str:
    reversal = "true" if parts[0][3].startswith("-") else "false"
    return "".join(
        f"{booked},{start},{end},2960,3000,{amount},EUR,{invoice},{fee_id},SU000001,{reversal}\n"
        for booked, start, end, amount in parts
    )


JANUARY = ("2027-01-31", "2027-01-15", "2027-01-31", "18.89")
FEBRUARY = ("2027-02-28", "2027-02-01", "2027-02-28", "31.11")
MARCH = ("2027-03-31", "2027-03-01", "2027-03-31", "34.44")
APRIL = ("2027-04-30", "2027-04-01", "2027-04-14", "15.56")  # booked when April closes


def negated(part: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    return (*part[:3], f"-{part[3]}")


def test_accruals_are_written_per_period_as_csv(accrued, capsys):
    fee = Fee.objects.get()

    assert run(capsys, "accruals", "export", "--through", "2027-04-30") == (
        0,
        ACCRUAL_HEADER + accrual_rows(fee.pk, JANUARY, FEBRUARY, MARCH, APRIL),
        "",
    )


@pytest.mark.parametrize("through", ["2027-03-31", "2027-04-14", "2027-04-29"])
def test_an_accrual_period_that_has_not_ended_waits(through, accrued, capsys):
    fee = Fee.objects.get()

    code, out, _err = run(capsys, "accruals", "export", "--through", through)

    assert (code, out) == (0, ACCRUAL_HEADER + accrual_rows(fee.pk, JANUARY, FEBRUARY, MARCH))


def test_a_credit_books_its_reversals_in_its_own_period_not_in_closed_ones(accrued, capsys):
    fee = Fee.objects.get()
    post(services.invoice_credit(invoice=accrued, by=None), date(2027, 5, 5))

    before = run(capsys, "accruals", "export", "--through", "2027-04-30")[1]
    may = run(capsys, "accruals", "export", "--from", "2027-05-01", "--through", "2027-05-31")

    assert before == ACCRUAL_HEADER + accrual_rows(fee.pk, JANUARY, FEBRUARY, MARCH, APRIL)
    in_may = [("2027-05-31", *negated(part)[1:]) for part in (JANUARY, FEBRUARY, MARCH, APRIL)]
    assert may == (0, ACCRUAL_HEADER + accrual_rows(fee.pk, *in_may, invoice="2027-000002"), "")


def test_one_closing_period_at_a_time(accrued, capsys):
    fee = Fee.objects.get()

    february = run(capsys, "accruals", "export", "--from", "2027-02-01", "--through", "2027-02-28")
    reversed_ = run(capsys, "accruals", "export", "--from", "2027-03-01", "--through", "2027-02-28")

    assert february == (0, ACCRUAL_HEADER + accrual_rows(fee.pk, FEBRUARY), "")
    assert reversed_ == (2, "", "accruals: --from must not be after --through\n")


def test_the_accrual_export_is_one_query(accrued, django_assert_num_queries):
    post(services.invoice_credit(invoice=accrued, by=None), date(2027, 5, 5))

    with django_assert_num_queries(1):
        written = accruals_csv(io.StringIO(), through=date(2027, 5, 31))

    assert written == 8


def test_accounts_come_from_the_settings(accrued, settings, capsys):
    settings.ACCRUAL_DEFERRED_ACCOUNT, settings.ACCRUAL_REVENUE_ACCOUNT = "2961", "3010"

    out = run(capsys, "accruals", "export", "--through", "2027-01-31")[1]

    assert out.splitlines()[1].split(",")[3:5] == ["2961", "3010"]


def test_no_accruals_is_a_header(capsys):
    assert run(capsys, "accruals", "export", "--through", "2027-01-31") == (0, ACCRUAL_HEADER, "")


def test_accruals_to_a_file(accrued, tmp_path, capsys):
    path = tmp_path / "accruals.csv"

    code, out, err = run(
        capsys, "accruals", "export", "--through", "2027-04-30", "--output", str(path)
    )

    assert (code, out, err) == (0, f"4 accrual entries written to {path}\n", "")
    assert path.read_text() == ACCRUAL_HEADER + accrual_rows(
        Fee.objects.get().pk, JANUARY, FEBRUARY, MARCH, APRIL
    )
    assert os.listdir(tmp_path) == ["accruals.csv"]


@pytest.fixture
def billed(manager):
    """Alpha's invoice 2027-000001 of 31 Jan (two order lines and January's fee), its credit
    note 2027-000002 of 5 Feb for the fee; Beta's invoice of 1 Mar and Gamma's draft."""
    alpha = CustomerFactory(number="C200", name="Alpha Oy", vat_id="FI12345678")
    order = signed_off_order("completed", by=manager, customer=alpha, lines=0)
    call_out = add_line(order, by=manager, description="Call-out", unit_price=Decimal("10.00"))
    work = add_line(
        order,
        by=manager,
        kind="hour",
        description="Repair work",
        quantity="1.5",
        unit_price=Decimal("60.00"),
    )
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    subscription(alpha, starts_on=date(2027, 1, 1))
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 31))
    services.invoices_propose(by=None, through=date(2027, 1, 31))
    invoice = post(Invoice.objects.get(), date(2027, 1, 31))
    fee_line = invoice.lines.get(fee__isnull=False)
    post(
        services.invoice_credit(invoice=invoice, by=None, line_ids=[fee_line.pk]), date(2027, 2, 5)
    )
    beta = CustomerFactory(name="Beta Oy")
    posted_order(manager, beta)
    services.invoices_propose(by=None, through=date(2027, 1, 31), customer=beta)
    post(Invoice.objects.get(customer=beta), date(2027, 3, 1))
    posted_order(manager, CustomerFactory(name="Gamma Oy"))
    services.invoices_propose(by=None, through=date(2027, 1, 31))
    return order, call_out, work, fee_line.fee


def test_invoices_and_credit_notes_are_written_one_row_a_line(billed, capsys):
    order, call_out, work, _fee = billed
    alpha = "C200,Alpha Oy,FI12345678,EUR"
    invoice = f"2027-000001,invoice,2027-01-31,2027-02-14,{alpha}"

    assert run(capsys, "invoices", "export", "--from", "2027-01-01", "--to", "2027-02-28") == (
        0,
        INVOICE_HEADER + f"{invoice},1,WO000001: Call-out,1.000,pcs,10.00,10.00,25.50,2.55,12.55,"
        f"WO000001 line {call_out.pk},\n"
        f"{invoice},2,WO000001: Repair work,1.500,h,60.00,90.00,25.50,22.95,112.95,"
        f"WO000001 line {work.pk},\n"
        f"{invoice},3,SU000001 Remote monitoring,1.000,,100.00,100.00,25.50,25.50,125.50,"
        "SU000001 2027-01-01/2027-01-31,\n"
        f"2027-000002,credit_note,2027-02-05,2027-02-19,{alpha},1,SU000001 Remote monitoring,"
        "-1.000,,100.00,-100.00,25.50,-25.50,-125.50,SU000001 2027-01-01/2027-01-31,2027-000001\n",
        "",
    )
    assert order.number == "WO000001"


def test_invoices_as_json_with_lines_and_totals(billed, capsys):
    _order, call_out, work, fee = billed
    customer = {
        "number": "C200",
        "name": "Alpha Oy",
        "vat_id": "FI12345678",
        "billing_address": "",
    }
    fee_source = {
        "subscription": "SU000001",
        "fee_id": fee.pk,
        "period_start": "2027-01-01",
        "period_end": "2027-01-31",
    }

    def line(position, description, quantity, unit, price, net, vat, gross, period, source):
        return {
            "position": position,
            "description": description,
            "quantity": quantity,
            "unit": unit,
            "unit_price": price,
            "net_amount": net,
            "vat_rate": "25.50",
            "vat_amount": vat,
            "gross_amount": gross,
            "period_start": period[0],
            "period_end": period[1],
            "source": source,
        }

    code, out, err = run(
        capsys, "invoices", "export", "--from", "2027-01-31", "--to", "2027-02-05", "--format=json"
    )

    assert (code, err) == (0, "")
    assert out.startswith("[\n{") and out.endswith("}\n]\n") and out.count("\n") == 4
    assert json.loads(out) == [
        {
            "number": "2027-000001",
            "kind": "invoice",
            "issued_on": "2027-01-31",
            "due_on": "2027-02-14",
            "customer": customer,
            "currency": "EUR",
            "reference": "",
            "credited_invoice": None,
            "lines": [
                line(
                    1,
                    "WO000001: Call-out",
                    "1.000",
                    "pcs",
                    "10.00",
                    "10.00",
                    "2.55",
                    "12.55",
                    (None, None),  # the order has no service date
                    {"order": "WO000001", "order_line_id": call_out.pk},
                ),
                line(
                    2,
                    "WO000001: Repair work",
                    "1.500",
                    "h",
                    "60.00",
                    "90.00",
                    "22.95",
                    "112.95",
                    (None, None),  # the order has no service date
                    {"order": "WO000001", "order_line_id": work.pk},
                ),
                line(
                    3,
                    "SU000001 Remote monitoring",
                    "1.000",
                    "",
                    "100.00",
                    "100.00",
                    "25.50",
                    "125.50",
                    ("2027-01-01", "2027-01-31"),
                    fee_source,
                ),
            ],
            "totals": {"net_amount": "200.00", "vat_amount": "51.00", "gross_amount": "251.00"},
        },
        {
            "number": "2027-000002",
            "kind": "credit_note",
            "issued_on": "2027-02-05",
            "due_on": "2027-02-19",
            "customer": customer,
            "currency": "EUR",
            "reference": "2027-000001",
            "credited_invoice": "2027-000001",
            "lines": [
                line(
                    1,
                    "SU000001 Remote monitoring",
                    "-1.000",
                    "",
                    "100.00",
                    "-100.00",
                    "-25.50",
                    "-125.50",
                    ("2027-01-01", "2027-01-31"),
                    fee_source,
                )
            ],
            "totals": {
                "net_amount": "-100.00",
                "vat_amount": "-25.50",
                "gross_amount": "-125.50",
            },
        },
    ]


def test_the_issue_dates_bound_the_export_and_drafts_never_leave(billed, capsys):
    out = run(capsys, "invoices", "export", "--from", "2027-02-06", "--to", "2027-12-31")[1]

    assert [row.split(",")[:2] for row in out.splitlines()[1:]] == [["2027-000003", "invoice"]]
    assert run(capsys, "invoices", "export", "--from", "2027-04-01", "--to", "2027-04-30") == (
        0,
        INVOICE_HEADER,
        "",
    )
    assert run(
        capsys, "invoices", "export", "--from", "2027-04-01", "--to", "2027-04-30", "--format=json"
    ) == (0, "[]\n", "")


def test_invoices_to_a_file(billed, tmp_path, capsys):
    path = tmp_path / "invoices.json"
    args = ("--from", "2027-01-01", "--to", "2027-12-31", "--format", "json")

    assert run(capsys, "invoices", "export", *args, "--output", str(path)) == (
        0,
        f"3 invoices with 5 lines written to {path}\n",
        "",
    )
    assert [doc["number"] for doc in json.loads(path.read_text())] == [
        "2027-000001",
        "2027-000002",
        "2027-000003",
    ]


def test_the_export_costs_the_same_queries_for_one_invoice_or_many(
    billed, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the invoices, their lines with what they bill
        one = invoices_csv(io.StringIO(), date_from=date(2027, 3, 1), date_to=date(2027, 3, 1))
    with django_assert_num_queries(2):
        every = invoices_csv(io.StringIO(), date_from=date(2027, 1, 1), date_to=date(2027, 12, 31))
    with django_assert_num_queries(4):  # a read of lines per chunk of invoices
        chunked = invoices_csv(
            io.StringIO(), date_from=date(2027, 1, 1), date_to=date(2027, 12, 31), chunk_size=1
        )

    assert ((one.invoices, one.lines), (every.invoices, every.lines)) == ((1, 1), (3, 5))
    assert chunked == every


def test_a_failed_export_leaves_the_file_as_it_was(tmp_path):
    path = tmp_path / "invoices.csv"
    path.write_text("last month\n")
    path.chmod(0o640)

    with pytest.raises(ZeroDivisionError), output_file(str(path)) as out:
        out.write("half")
        raise ZeroDivisionError
    assert (path.read_text(), os.listdir(tmp_path)) == ("last month\n", ["invoices.csv"])

    with output_file(str(path)) as out:
        out.write("this month\n")
    assert (path.read_text(), os.listdir(tmp_path)) == ("this month\n", ["invoices.csv"])
    assert path.stat().st_mode & 0o777 == 0o640


INVOICES = ("invoices", "export", "--from", "2027-01-01", "--to", "2027-01-31")
ACCRUALS = ("accruals", "export", "--through", "2027-01-31")
BAD_ARGUMENTS = [
    (
        ("invoices", "export", "--from", "2027-02-01", "--to", "2027-01-31"),
        "--from must not be after --to",
    ),
    (
        ("invoices", "export", "--from", "1.1.2027", "--to", "2027-01-31"),
        "--from must be a date like 2027-01-31, not '1.1.2027'",
    ),
    (
        ("invoices", "export", "--from", "2027-01-01", "--to", "2027-02-29"),
        "--to must be a date like 2027-01-31, not '2027-02-29'",
    ),
    (
        ("invoices", "export", "--from", "2027-01-01"),
        "the following arguments are required: --to",
    ),
    ((*INVOICES, "--format", "xml"), "argument --format: invalid choice: 'xml' (choose from …"),
    (("invoices", "--from", "2027-01-01", "--to", "2027-01-31"), "the following arguments are …"),
    (("accruals", "import", "--through", "2027-01-31"), "argument action: invalid choice: …"),
    (("accruals", "export"), "the following arguments are required: --through"),
    (
        ("accruals", "export", "--through", "end of January"),
        "--through must be a date like 2027-01-31, not 'end of January'",
    ),
    (
        (*ACCRUALS, "--output", "{tmp}/missing/a.csv"),
        "--output: cannot write {tmp}/missing/a.csv: …",
    ),
    ((*INVOICES, "--output", "{tmp}"), "--output: cannot write {tmp}: Is a directory"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments_exit_with_code_2_and_one_line(args, message, accrued, tmp_path, capsys):
    command, *args = (arg.format(tmp=tmp_path) for arg in args)
    message = message.format(tmp=tmp_path)

    code, out, err = run(capsys, command, *args)

    assert (code, out) == (2, "")
    if message.endswith("…"):
        assert err.startswith(f"{command}: {message[:-1]}"), err
        assert err.count("\n") == 1 and err.endswith("\n"), err
    else:
        assert err == f"{command}: {message}\n"
    assert os.listdir(tmp_path) == []


def test_the_command_line_exits_with_code_2_and_one_line_on_stderr(tmp_path):
    """A real process: argparse's usage dump is replaced by the one line (no database needed)."""
    assert run_process(tmp_path, "invoices", "export", "--to", "2027-01-31") == (
        2,
        "",
        "invoices: the following arguments are required: --from\n",
    )
