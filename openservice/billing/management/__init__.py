"""What the billing export commands share: the action as the first argument (`accruals export`,
room for more), and the data on stdout or in a file that is written in full or not at all."""

from collections.abc import Callable
from typing import TextIO, TypeVar

from openservice.billing.exports import output_file
from openservice.subscriptions.management import StrictCommand

Result = TypeVar("Result")


class _Unwrapped:
    """Django's stdout wrapper ends every write with a newline; the writers send their own."""

    def __init__(self, wrapper):
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, ending="")


class ExportCommand(StrictCommand):
    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export"], help="What to do")
        parser.add_argument("--output", metavar="FILE", help="Write to this file, not stdout")

    def export(self, path: str | None, write: Callable[[TextIO], Result]) -> Result:
        """`write(out)` to stdout, or to `path`; a file that cannot be written is refused
        before anything is read."""
        if path is None:
            return write(_Unwrapped(self.stdout))
        try:
            with output_file(path) as out:
                return write(out)
        except OSError as error:
            self.refuse(f"--output: cannot write {path}: {error.strerror or error}")
