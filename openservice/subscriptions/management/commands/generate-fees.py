"""`openservice generate-fees`: make the fees of subscriptions' periods up to a date."""

from openservice.core.errors import DomainError
from openservice.subscriptions.management import StrictCommand, counted, progress_bar
from openservice.subscriptions.models import Subscription
from openservice.subscriptions.services import subscriptions_generate_fees
from openservice.subscriptions.services.fees import BATCH_SIZE


class Command(StrictCommand):
    help = (
        "Make the fee of every subscription period that starts on or before a date, catching up "
        "every missed period. Idempotent: a rerun, an overlapping run or a run restarted after a "
        "crash makes each fee exactly once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--through",
            required=True,
            metavar="DATE",
            help="Last day a period may start on (ISO date)",
        )
        parser.add_argument(
            "--subscription",
            dest="subscriptions",
            type=int,
            nargs="+",
            action="extend",
            metavar="ID",
            help="Only these subscriptions (ids; repeat or list several)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Subscriptions per transaction (default {BATCH_SIZE})",
        )

    def handle(self, *args, **options):
        through = self.date("--through", options["through"])
        if options["batch_size"] < 1:
            self.refuse("--batch-size must be at least 1")
        chosen = options["subscriptions"]
        if chosen:
            # The service skips unknown ids silently; a typo on the command line is refused.
            known = set(Subscription.objects.filter(pk__in=chosen).values_list("pk", flat=True))
            unknown = sorted(set(chosen) - known)
            if unknown:
                noun = "subscription" if len(unknown) == 1 else "subscriptions"
                self.refuse(f"--subscription: no such {noun}: {', '.join(map(str, unknown))}")
        with progress_bar("subscription") as progress:
            try:
                run = subscriptions_generate_fees(
                    through=through,
                    subscriptions=chosen,
                    batch_size=options["batch_size"],
                    progress=progress,
                )
            except DomainError as error:
                self.refuse_error(error)
        self.stdout.write(
            f"{counted(run.fees_created, 'fee')} created for "
            f"{counted(run.subscriptions, 'subscription')} ({run.ended:,} ended)"
        )
