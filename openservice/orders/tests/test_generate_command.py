"""`openservice generate-orders`: the summary line of a run, and bad arguments, each refused
with exit code 2 and exactly one line on stderr, writing nothing."""

import os
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import call_command

from openservice.agreements import services as agreements
from openservice.agreements.tests.factories import TemplateGroupFactory, active_agreement
from openservice.catalog.tests.factories import ItemFactory
from openservice.orders.models import OrderLine, ServiceOrder

pytestmark = pytest.mark.django_db

FEBRUARY = ("--from", "2027-02-01", "--to", "2027-02-28")


def run(capsys, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the command run in this process."""
    try:
        call_command("generate-orders", *args)
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lift_care():
    """Mondays from 4 Jan 2027, and a door roller every month from 20 Jan within its week."""
    return active_agreement(
        lines=(
            {"starts_on": date(2027, 1, 4)},
            {
                "kind": "item",
                "item": ItemFactory(name="Door roller"),
                "interval_unit": "month",
                "window": "same_week",
                "starts_on": date(2027, 1, 20),
            },
        )
    )


def test_a_run_prints_what_it_made(lift_care, capsys):
    active_agreement()  # Mondays too: four more orders and lines

    assert run(capsys, *FEBRUARY) == (
        0,
        "8 orders and 9 lines created (0 existing orders extended, 0 on a closed day) "
        "from 2 agreements\n",
        "",
    )
    assert (ServiceOrder.objects.count(), OrderLine.objects.count()) == (8, 9)


def test_a_second_run_makes_nothing(lift_care, capsys):
    run(capsys, *FEBRUARY)

    code, out, err = run(capsys, *FEBRUARY)

    assert (code, err) == (0, "")
    assert out.startswith("0 orders and 0 lines created (0 existing orders extended")
    assert (ServiceOrder.objects.count(), OrderLine.objects.count()) == (4, 5)


def test_a_run_limited_by_agreement_kind_and_batch(lift_care, capsys):
    other = active_agreement()

    assert run(capsys, *FEBRUARY, "--agreement", str(lift_care.pk), "--kind", "hour") == (
        0,
        "4 orders and 4 lines created (0 existing orders extended, 0 on a closed day) "
        "from 1 agreements\n",
        "",
    )
    assert run(capsys, *FEBRUARY, "--kind", "item", "--batch-size", "1")[1] == (
        "0 orders and 1 lines created (1 existing orders extended, 0 on a closed day) "
        "from 2 agreements\n"
    )
    assert not ServiceOrder.objects.filter(agreement=other).exists()


def test_a_continuous_run_needs_no_start(lift_care, capsys):
    run(capsys, "--from", "2027-01-01", "--to", "2027-01-12", "--kind", "hour")

    code, out, _err = run(capsys, "--to", "2027-01-31", "--continuous", "--kind", "hour")

    assert code == 0
    assert out.startswith("2 orders and 2 lines created")


BAD_ARGUMENTS = [
    (
        ("--from", "2027-02-30", "--to", "2027-03-31"),
        "--from must be a date like 2027-01-31, not '2027-02-30'",
    ),
    (
        ("--from", "2027-02-01", "--to", "tomorrow"),
        "--to must be a date like 2027-01-31, not 'tomorrow'",
    ),
    (("--from", "2027-03-01", "--to", "2027-02-28"), "from: The start is after the end."),
    (("--to", "2027-02-28"), "from: Say from which date to generate."),
    (("--from", "2017-01-01", "--to", "2027-02-28"), "to: Generate at most ten years at a time."),
    (("--from", "2027-02-01"), "the following arguments are required: --to"),
    ((*FEBRUARY, "--batch-size", "0"), "--batch-size must be at least 1"),
    ((*FEBRUARY, "--batch-size", "many"), "argument --batch-size: invalid int value: 'many'"),
    # How argparse quotes the choices differs between Python versions.
    ((*FEBRUARY, "--kind", "visit"), "argument --kind: invalid choice: 'visit' (choose from …"),
    ((*FEBRUARY, "--whatever"), "unrecognized arguments: --whatever"),
]


@pytest.mark.parametrize(("args", "message"), BAD_ARGUMENTS)
def test_bad_arguments_exit_with_code_2_and_one_line(args, message, lift_care, capsys):
    code, out, err = run(capsys, *args)

    assert (code, out) == (2, "")
    if message.endswith("…"):
        assert err.startswith(f"generate-orders: {message[:-1]}"), err
        assert err.count("\n") == 1 and err.endswith("\n"), err
    else:
        assert err == f"generate-orders: {message}\n"
    assert not ServiceOrder.objects.exists()


def test_a_template_agreement_is_refused_with_one_line(lift_care, capsys):
    template = agreements.agreement_create(
        by=None,
        description="Lift template",
        starts_on=date(2020, 1, 1),
        template_group=TemplateGroupFactory(code="LIFTS"),
    )

    assert run(
        capsys, *FEBRUARY, "--agreement", str(lift_care.pk), "--agreement", str(template.pk)
    ) == (
        2,
        "",
        "generate-orders: Templates never generate orders. (orders.generation_on_template)\n",
    )
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2027-02-30", "--to", "2027-03-31"), BAD_ARGUMENTS[0][1]),
        (("--from", "2027-02-01"), "the following arguments are required: --to"),
    ],
)
def test_the_command_line_exits_with_code_2_and_one_line_on_stderr(args, message, tmp_path):
    """A real process: argparse's usage dump is replaced by the one line (no database needed)."""
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }

    done = subprocess.run(
        [sys.executable, "-m", "openservice", "generate-orders", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"generate-orders: {message}\n")


def test_an_unknown_agreement_is_a_bad_argument(capsys):

    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "generate-orders", "--from", "2027-01-01", "--to", "2027-01-31", "--agreement", "999999"
        )

    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "generate-orders: agreement_ids: No agreements [999999].\n"
