"""`openservice generate-orders`: generate the orders of active agreements for a period."""

import sys
from datetime import date

from django.core.management.base import BaseCommand
from tqdm import tqdm

from openservice.core.errors import DomainError, InvalidInput
from openservice.orders.services.generation import BATCH_SIZE, orders_generate_from_agreements


def _one_line_error(message: str):
    sys.stderr.write(f"generate-orders: {message}\n")
    raise SystemExit(2)


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _one_line_error(f"{option} must be a date like 2027-01-31, not {value!r}")


class Command(BaseCommand):
    help = (
        "Generate service orders from the lines of active agreements for occurrences in a "
        "period. Idempotent: a rerun, an overlapping run or a run restarted after a crash never "
        "duplicates or loses an order."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = _one_line_error  # one line and exit code 2, not argparse's usage dump
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", help="First occurrence date (ISO)")
        parser.add_argument("--to", dest="date_to", required=True, help="Last occurrence date")
        parser.add_argument(
            "--agreement",
            dest="agreements",
            type=int,
            action="append",
            help="Only this agreement (id; repeat for several)",
        )
        parser.add_argument(
            "--kind",
            dest="kinds",
            choices=["hour", "item", "expense", "fee"],
            action="append",
            help="Only lines of this kind (repeat for several)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Agreements per transaction (default {BATCH_SIZE})",
        )
        parser.add_argument(
            "--continuous",
            action="store_true",
            help="Each line from the day after its last generated occurrence",
        )

    def handle(self, *args, **options):
        date_from = _date("--from", options["date_from"])
        date_to = _date("--to", options["date_to"])
        if options["batch_size"] < 1:
            _one_line_error("--batch-size must be at least 1")
        bar = tqdm(total=0, unit="agreement", file=sys.stderr, disable=not sys.stderr.isatty())

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = orders_generate_from_agreements(
                date_from=date_from,
                date_to=date_to,
                agreements=options["agreements"],
                kinds=options["kinds"],
                continuous=options["continuous"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        except InvalidInput as exc:
            field, messages = next(iter(exc.field_errors.items()))
            _one_line_error(f"{field}: {' '.join(messages)}")
        except DomainError as exc:
            _one_line_error(f"{exc.message} ({exc.code})")
        finally:
            bar.close()
        skipped = f", {len(result.skipped)} lines skipped" if result.skipped else ""
        self.stdout.write(
            f"{result.orders_created} orders and {result.lines_created} lines created "
            f"({result.orders_joined} existing orders extended, {len(result.conflicts)} on a "
            f"closed day{skipped}) from {result.agreements} agreements"
        )
