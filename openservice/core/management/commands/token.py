"""`openservice token create USERNAME [--name NAME]`: print a new personal API token."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from openservice.core.services import token_create


class Command(BaseCommand):
    help = "Manage personal API tokens."

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="action", required=True)
        create = subcommands.add_parser("create", help="create a token and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, action, username, name, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}", returncode=2)
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive", returncode=2)
        _token, raw = token_create(user=user, name=name or "Created with the command line")
        self.stdout.write(raw)
