"""`openservice accruals export`: the accrual entries per accrual period as CSV."""

from openservice.billing.exports import accruals_csv
from openservice.billing.management import ExportCommand
from openservice.subscriptions.management import counted


class Command(ExportCommand):
    help = (
        "Export the revenue accrual entries booked on or before a date (from a date with "
        "--from) as CSV: booked on their accrual period's last day, debit deferred revenue, "
        "credit revenue; reversals of credited fees carry negative amounts and are booked no "
        "earlier than their credit note's period."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--through", required=True, metavar="DATE", help="Last booking day (ISO)"
        )
        parser.add_argument(
            "--from",
            dest="since",
            metavar="DATE",
            help="First booking day (ISO): export one closing period, not everything so far",
        )

    def handle(self, *args, **options):
        through = self.date("--through", options["through"])
        since = self.date("--from", options["since"])
        if since is not None and since > through:
            self.refuse("--from must not be after --through")
        path = options["output"]
        written = self.export(path, lambda out: accruals_csv(out, through=through, since=since))
        if path is not None:
            self.stdout.write(
                f"{counted(written, 'accrual entry', 'accrual entries')} written to {path}"
            )
