"""`openservice propose-invoices`: draft the invoices of everything billable up to a date, and
post them with `--post`."""

from openservice.billing.models import Invoice
from openservice.billing.services import invoices_post, invoices_propose
from openservice.core.errors import DomainError
from openservice.customers.selectors import customers_exist
from openservice.subscriptions.management import StrictCommand, counted, progress_bar


class Command(StrictCommand):
    help = (
        "Draft invoices, one per customer and currency, with the posted billable order lines "
        "and the due subscription fees up to a date (a customer's existing draft is extended); "
        "with --post, post those drafts. Idempotent: a rerun drafts nothing billed already."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--through",
            required=True,
            metavar="DATE",
            help="Bill what is due on or before this date (ISO)",
        )
        parser.add_argument("--customer", type=int, metavar="ID", help="Only this customer (id)")
        parser.add_argument("--post", action="store_true", help="Post the drafts proposed")
        parser.add_argument(
            "--on", metavar="DATE", help="With --post: the issue date (default today)"
        )

    def handle(self, *args, **options):
        through = self.date("--through", options["through"])
        on = self.date("--on", options["on"])
        if on is not None and not options["post"]:
            self.refuse("--on needs --post")
        customer = options["customer"]
        # The service proposes nothing for an unknown customer; a typo is refused instead.
        if customer is not None and not customers_exist([customer]):
            self.refuse(f"--customer: no such customer: {customer}")
        with progress_bar("customer") as progress:
            try:
                proposal = invoices_propose(
                    by=None, through=through, customer=customer, progress=progress
                )
            except DomainError as error:
                self.refuse_error(error)
        self.stdout.write(
            f"{counted(len(proposal.invoice_ids), 'draft invoice')} ({proposal.created:,} new, "
            f"{proposal.extended:,} extended) with {counted(proposal.lines, 'line')}"
        )
        if options["post"]:
            self._post(proposal.invoice_ids, on)

    def _post(self, invoice_ids: list[int], on) -> None:
        with progress_bar("invoice") as progress:
            try:
                posted = invoices_post(invoice_ids=invoice_ids, by=None, on=on, progress=progress)
            except DomainError as error:
                self.refuse_error(error)
        summary = f"{counted(len(posted), 'invoice')} posted"
        if posted:
            # Numbers follow the ids without gaps: the first and the last name the range.
            ends = Invoice.objects.filter(pk__in={posted[0], posted[-1]}).order_by("pk")
            numbers = list(dict.fromkeys(ends.values_list("number", flat=True)))
            summary += ": " + " … ".join(numbers)
        self.stdout.write(summary)
