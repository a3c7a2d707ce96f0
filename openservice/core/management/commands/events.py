"""`openservice events`: which handlers subscribe to which domain events."""

from django.core.management.base import BaseCommand

from openservice.core.events import subscriptions


class Command(BaseCommand):
    help = "List domain-event subscriptions (event -> handler)."

    def handle(self, *args, **options):
        rows = subscriptions()
        if not rows:
            self.stdout.write("No subscriptions.")
            return
        width = max(len(event) for event, _handler in rows)
        for event, handler in rows:
            self.stdout.write(f"{event.ljust(width)}  ->  {handler}")
