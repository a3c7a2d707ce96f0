"""`openservice sla-recompute`: recompute the SLA clocks of open orders from their history."""

from django.core.management.base import BaseCommand

from openservice.orders.tasks import sla_recompute_task


class Command(BaseCommand):
    help = (
        "Recompute the stored SLA clocks of open orders from their stage history (all, or those "
        "of one policy or calendar). Changes made through the pages and API do this already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--calendar", type=int, help="Only policies on this calendar id")
        parser.add_argument("--policy", type=int, help="Only orders of this policy id")

    def handle(self, *args, **options):
        count = sla_recompute_task(calendar_id=options["calendar"], policy_id=options["policy"])
        self.stdout.write(f"{count} open orders recomputed")
