"""`openservice demo`: load the demo company once; a rerun adds nothing and exits 0."""

from django.core.management.base import BaseCommand

from openservice.demo import data
from openservice.demo.loader import load_demo

LOGINS = [
    ("manager", "Service manager"),
    ("dispatcher", "Dispatcher"),
    ("tech1 … tech8", "Technician"),
    ("customer1", f"Customer ({data.PORTAL_CUSTOMER})"),
    ("admin", "Administrator"),
]


class Command(BaseCommand):
    help = "Load the demo data (a lift and HVAC maintenance company around Helsinki)."

    def handle(self, *args, **options):
        report = load_demo()
        if report.total:
            created = ", ".join(f"{count} {kind}" for kind, count in sorted(report.created.items()))
            self.stdout.write(f"Demo data loaded: {created}.")
        else:
            self.stdout.write("Demo data already loaded: nothing to add.")
        self.stdout.write(f"Demo logins (password '{data.PASSWORD}'):")
        for username, role in LOGINS:
            self.stdout.write(f"  {username:<15} {role}")
