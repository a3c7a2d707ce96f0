"""`openservice generate-fees` and its job entry point: the summary line of a run, idempotency,
and bad arguments, each refused with exit code 2 and exactly one line on stderr, writing
nothing."""

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from openservice.customers.tests.factories import CustomerFactory
from openservice.subscriptions import services
from openservice.subscriptions.management import counted
from openservice.subscriptions.models import Fee, Subscription
from openservice.subscriptions.tasks import generate_fees_task

pytestmark = pytest.mark.django_db

THROUGH_MARCH = ("--through", "2027-03-31")


def run_command(capsys, name: str, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a command run in this process (the billing commands'
    tests use it too)."""
    try:
        call_command(name, *args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_process(tmp_path, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m openservice ...` in a real process, on an
    empty database that it never needs (arguments are checked first)."""
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "openservice", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout, done.stderr


def run(capsys, *args: str) -> tuple[int, str, str]:
    return run_command(capsys, "generate-fees", *args)


def subscribe(starts_on=date(2027, 1, 1), **fields) -> Subscription:
    monthly = services.plan_create(by=None, name=f"Monthly {starts_on} {fields}", period="month")
    return services.subscription_create(
        by=None,
        customer=CustomerFactory(),
        plan=monthly,
        description="Remote monitoring",
        base_price=Decimal("100.00"),
        starts_on=starts_on,
        **fields,
    )


@pytest.fixture
def monitoring():
    """Monthly from 1 Jan 2027, and another that ends on 15 Feb (its last fee is half a month)."""
    return subscribe(), subscribe(ends_on=date(2027, 2, 15))


def test_a_run_prints_what_it_made(monitoring, capsys):
    running, ending = monitoring

    assert run(capsys, *THROUGH_MARCH) == (
        0,
        "5 fees created for 2 subscriptions (1 ended)\n",
        "",
    )
    assert [(f.period_start, str(f.amount)) for f in ending.fees.order_by("period_start")] == [
        (date(2027, 1, 1), "100.00"),
        (date(2027, 2, 1), "53.57"),  # 15 of 28 days
    ]
    assert running.fees.count() == 3
    ending.refresh_from_db()
    assert ending.status == Subscription.Status.ENDED


def test_a_second_run_makes_nothing(monitoring, capsys):
    run(capsys, *THROUGH_MARCH)
    before = list(Fee.objects.order_by("pk").values_list("pk", "amount"))

    assert run(capsys, *THROUGH_MARCH) == (
        0,
        "0 fees created for 0 subscriptions (0 ended)\n",
        "",
    )
    assert list(Fee.objects.order_by("pk").values_list("pk", "amount")) == before


def test_a_later_run_catches_up_from_where_the_last_one_stopped(monitoring, capsys):
    run(capsys, "--through", "2027-01-31")

    assert run(capsys, *THROUGH_MARCH)[1] == "3 fees created for 2 subscriptions (1 ended)\n"
    assert Fee.objects.count() == 5


def test_a_run_limited_to_chosen_subscriptions_in_batches(monitoring, capsys):
    running, ending = monitoring
    other = subscribe(starts_on=date(2027, 3, 1))

    code, out, err = run(
        capsys,
        *THROUGH_MARCH,
        "--subscription",
        str(running.pk),
        str(other.pk),
        "--batch-size",
        "1",
    )

    assert (code, out, err) == (0, "4 fees created for 2 subscriptions (0 ended)\n", "")
    assert not ending.fees.exists()
    assert run(capsys, *THROUGH_MARCH, "--subscription", str(ending.pk))[1] == (
        "2 fees created for 1 subscription (1 ended)\n"
    )


def test_counts_in_summaries_have_thousands_separators():
    assert (counted(1, "fee"), counted(1234, "fee"), counted(0, "entry", "entries")) == (
        "1 fee",
        "1,234 fees",
        "0 entries",
    )


BAD_ARGUMENTS = [
    (("--through", "2027-02-30"), "--through must be a date like 2027-01-31, not '2027-02-30'"),
    (("--through", "tomorrow"), "--through must be a date like 2027-01-31, not 'tomorrow'"),
    ((), "the following arguments are required: --through"),
    ((*THROUGH_MARCH, "--batch-size", "0"), "--batch-size must be at least 1"),
    ((*THROUGH_MARCH, "--batch-size", "many"), "argument --batch-size: invalid int value: 'many'"),
    (
        (*THROUGH_MARCH, "--subscription", "SU000001"),
        "argument --subscription: invalid int value: 'SU000001'",
    ),
    ((*THROUGH_MARCH, "--subscription", "999999"), "--subscription: no such subscription: 999999"),
    (
        (*THROUGH_MARCH, "--subscription", "999998", "{first}", "--subscription", "999999"),
        "--subscription: no such subscriptions: 999998, 999999",
    ),
    ((*THROUGH_MARCH, "--whatever"), "unrecognized arguments: --whatever"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments_exit_with_code_2_and_one_line(args, message, monitoring, capsys):
    first = monitoring[0]
    args = [arg.format(first=first.pk) for arg in args]

    assert run(capsys, *args) == (2, "", f"generate-fees: {message}\n")
    assert not Fee.objects.exists()


def test_the_command_line_exits_with_code_2_and_one_line_on_stderr(tmp_path):
    """A real process: argparse's usage dump is replaced by the one line (no database needed)."""
    assert run_process(tmp_path, "generate-fees", "--through", "31.3.2027") == (
        2,
        "",
        "generate-fees: --through must be a date like 2027-01-31, not '31.3.2027'\n",
    )


def test_the_job_entry_point_generates_once(monitoring):
    first = generate_fees_task(through=date(2027, 3, 31))
    again = generate_fees_task(through=date(2027, 3, 31))

    assert first == {"subscriptions": 2, "fees_created": 5, "ended": 1}
    assert again == {"subscriptions": 0, "fees_created": 0, "ended": 0}
    assert Fee.objects.count() == 5
