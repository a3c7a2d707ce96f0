"""`openservice invoices export`: posted invoices and credit notes with their lines as CSV or
JSON."""

from openservice.billing.exports import invoices_csv, invoices_json
from openservice.billing.management import ExportCommand
from openservice.subscriptions.management import counted

WRITERS = {"csv": invoices_csv, "json": invoices_json}


class Command(ExportCommand):
    help = (
        "Export the invoices and credit notes issued in a period (posted only) with their lines "
        "for the accounting system: CSV, one row per line, or JSON, one document per invoice."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--from", dest="date_from", required=True, metavar="DATE", help="First issue date"
        )
        parser.add_argument(
            "--to", dest="date_to", required=True, metavar="DATE", help="Last issue date (ISO)"
        )
        parser.add_argument("--format", choices=sorted(WRITERS), default="csv")

    def handle(self, *args, **options):
        date_from = self.date("--from", options["date_from"])
        date_to = self.date("--to", options["date_to"])
        if date_from > date_to:
            self.refuse("--from must not be after --to")
        writer = WRITERS[options["format"]]
        path = options["output"]
        written = self.export(path, lambda out: writer(out, date_from=date_from, date_to=date_to))
        if path is not None:
            self.stdout.write(
                f"{counted(written.invoices, 'invoice')} with {counted(written.lines, 'line')} "
                f"written to {path}"
            )
