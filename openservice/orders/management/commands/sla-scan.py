"""`openservice sla-scan`: record SLA warnings and breaches (run it every minute from cron)."""

from django.core.management.base import BaseCommand
from django.utils.dateparse import parse_datetime

from openservice.orders.tasks import sla_scan_task


class Command(BaseCommand):
    help = (
        "Record one SLA event per order and kind for every warning threshold or deadline "
        "crossed since the last scan. Safe to run every minute, twice at once, or after downtime."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Scan as of this ISO 8601 instant with offset (default: now)"
        )

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None or now.tzinfo is None:
                self.stderr.write("--now must be an ISO 8601 instant with an offset")
                raise SystemExit(2)
        result = sla_scan_task(now=now)
        self.stdout.write(f"{result['events']} SLA events recorded")
