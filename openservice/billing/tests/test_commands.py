"""`openservice propose-invoices` (with and without `--post`) and its job entry point: summary
lines, idempotency, gapless numbers, and bad arguments, each refused with exit code 2 and
exactly one line on stderr, writing nothing."""

from datetime import date

import pytest
from django.utils import timezone

from openservice.billing.models import Invoice
from openservice.billing.tasks import propose_invoices_task
from openservice.billing.tests.test_billing import posted_order, subscription
from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services as subscriptions
from openservice.subscriptions.models import Fee
from openservice.subscriptions.tests.test_commands import run_command, run_process

pytestmark = pytest.mark.django_db

JANUARY = ("--through", "2027-01-31")


def run(capsys, *args: str) -> tuple[int, str, str]:
    return run_command(capsys, "propose-invoices", *args)


@pytest.fixture
def billable(manager):
    """Alpha: an order of two lines posted on 20 Jan; Beta: January's monitoring fee."""
    alpha, beta = CustomerFactory(name="Alpha Oy"), CustomerFactory(name="Beta Oy")
    posted_order(manager, alpha, prices=("10.00", "20.00"))
    subscription(beta, starts_on=date(2027, 1, 1))
    subscriptions.subscriptions_generate_fees(through=date(2027, 1, 31))
    return alpha, beta


def numbers() -> dict[str, str]:
    return dict(Invoice.objects.values_list("customer__name", "number"))


def test_a_proposal_prints_what_it_drafted(billable, capsys):
    assert run(capsys, *JANUARY) == (
        0,
        "2 draft invoices (2 new, 0 extended) with 3 lines\n",
        "",
    )
    assert numbers() == {"Alpha Oy": "", "Beta Oy": ""}
    assert Fee.objects.get().status == Fee.Status.OPEN  # on a draft: invoiced once posted


def test_proposing_twice_is_proposing_once(billable, capsys):
    run(capsys, *JANUARY)
    before = list(Invoice.objects.order_by("pk").values_list("pk", "gross_amount"))

    assert run(capsys, *JANUARY) == (0, "0 draft invoices (0 new, 0 extended) with 0 lines\n", "")
    assert list(Invoice.objects.order_by("pk").values_list("pk", "gross_amount")) == before


def test_a_later_proposal_extends_the_customers_draft(billable, manager, capsys):
    alpha, _beta = billable
    run(capsys, *JANUARY)
    posted_order(manager, alpha, prices=("5.00",))

    assert run(capsys, *JANUARY)[1] == "1 draft invoice (0 new, 1 extended) with 1 line\n"
    assert Invoice.objects.get(customer=alpha).lines.count() == 3


def test_a_proposal_for_one_customer(billable, capsys):
    _alpha, beta = billable

    assert run(capsys, *JANUARY, "--customer", str(beta.pk)) == (
        0,
        "1 draft invoice (1 new, 0 extended) with 1 line\n",
        "",
    )
    assert numbers() == {"Beta Oy": ""}


def test_post_numbers_the_drafts_gaplessly_in_a_second_step(billable, capsys):
    assert run(capsys, *JANUARY, "--post", "--on", "2027-02-01") == (
        0,
        "2 draft invoices (2 new, 0 extended) with 3 lines\n"
        "2 invoices posted: 2027-000001 … 2027-000002\n",
        "",
    )
    assert numbers() == {"Alpha Oy": "2027-000001", "Beta Oy": "2027-000002"}
    assert set(Invoice.objects.values_list("status", "issued_on", "due_on")) == {
        ("posted", date(2027, 2, 1), date(2027, 2, 15))
    }


def test_posting_twice_is_posting_once_and_numbers_run_on(billable, manager, capsys):
    alpha, _beta = billable
    run(capsys, *JANUARY, "--post", "--on", "2027-02-01")

    assert run(capsys, *JANUARY, "--post", "--on", "2027-02-01")[1] == (
        "0 draft invoices (0 new, 0 extended) with 0 lines\n0 invoices posted\n"
    )
    posted_order(manager, alpha, prices=("5.00",))
    assert run(capsys, *JANUARY, "--post", "--on", "2027-02-02")[1] == (
        "1 draft invoice (1 new, 0 extended) with 1 line\n1 invoice posted: 2027-000003\n"
    )
    assert Invoice.objects.count() == 3


def test_post_without_a_date_issues_today(billable, capsys):
    today = timezone.localdate()

    code, out, _err = run(capsys, *JANUARY, "--customer", str(billable[0].pk), "--post")

    assert (code, out.splitlines()[-1]) == (0, f"1 invoice posted: {today.year}-000001")
    assert Invoice.objects.get().issued_on == today


BAD_ARGUMENTS = [
    (("--through", "2027-13-01"), "--through must be a date like 2027-01-31, not '2027-13-01'"),
    ((), "the following arguments are required: --through"),
    ((*JANUARY, "--on", "2027-02-01"), "--on needs --post"),
    ((*JANUARY, "--post", "--on", "soon"), "--on must be a date like 2027-01-31, not 'soon'"),
    ((*JANUARY, "--customer", "999999"), "--customer: no such customer: 999999"),
    ((*JANUARY, "--customer", "C00001"), "argument --customer: invalid int value: 'C00001'"),
    ((*JANUARY, "--post", "yes"), "unrecognized arguments: yes"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments_exit_with_code_2_and_one_line(args, message, billable, capsys):
    assert run(capsys, *args) == (2, "", f"propose-invoices: {message}\n")
    assert not Invoice.objects.exists()
    assert Fee.objects.get().status == Fee.Status.OPEN


def test_the_command_line_exits_with_code_2_and_one_line_on_stderr(tmp_path):
    """A real process: argparse's usage dump is replaced by the one line (no database needed)."""
    assert run_process(tmp_path, "propose-invoices", "--post") == (
        2,
        "",
        "propose-invoices: the following arguments are required: --through\n",
    )


def test_the_job_entry_point_proposes_and_posts_once(billable):
    first = propose_invoices_task(through=date(2027, 1, 31), post=True, on=date(2027, 2, 1))
    again = propose_invoices_task(through=date(2027, 1, 31), post=True, on=date(2027, 2, 1))

    assert first == {"invoices": 2, "created": 2, "extended": 0, "lines": 3, "posted": 2}
    assert again == {"invoices": 0, "created": 0, "extended": 0, "lines": 0, "posted": 0}
    assert sorted(numbers().values()) == ["2027-000001", "2027-000002"]


def test_the_job_entry_point_only_drafts_without_post(billable):
    result = propose_invoices_task(through=date(2027, 1, 31), customer_id=billable[1].pk)

    assert result == {"invoices": 1, "created": 1, "extended": 0, "lines": 1}
    assert numbers() == {"Beta Oy": ""}
