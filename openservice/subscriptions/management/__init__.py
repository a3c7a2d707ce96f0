"""What the subscription and billing commands share (billing imports it: dependencies point
down): bad arguments refused with exactly one line on stderr and exit code 2 instead of
argparse's usage dump (cron mail stays short, scripts test the code), ISO dates, a progress bar
on a terminal only, and counts in summaries. The orders commands predate it; it belongs in core
once a third app wants it."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import NoReturn

from django.core.management.base import BaseCommand
from tqdm import tqdm

from openservice.core.errors import DomainError, InvalidInput


class StrictCommand(BaseCommand):
    """A command whose every refusal is one line `<command>: <message>` and exit code 2."""

    name = "openservice"

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        self.name = subcommand
        parser.error = self.refuse
        return parser

    def refuse(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.name}: {message}\n")
        raise SystemExit(2)

    def refuse_error(self, error: DomainError) -> NoReturn:
        """A service's refusal as one line: the first field's messages, or message and code."""
        if isinstance(error, InvalidInput) and error.field_errors:
            field, messages = next(iter(error.field_errors.items()))
            self.refuse(f"{field}: {' '.join(str(m) for m in messages)}")
        self.refuse(f"{error.message} ({error.code})")

    def date(self, option: str, value: str | None) -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.refuse(f"{option} must be a date like 2027-01-31, not {value!r}")


@contextmanager
def progress_bar(unit: str) -> Iterator[Callable[[int, int], None]]:
    """The `progress(done, total)` callback of a batched service, drawn on stderr when it is a
    terminal (logs and pipes get only the summary)."""
    bar = tqdm(total=0, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty())

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.close()


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 fee', '1,234 fees'."""
    noun = singular if count == 1 else plural or f"{singular}s"
    return f"{count:,} {noun}"
