"""The `openservice` command: Django's manage.py under our name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openservice", *sys.argv[1:]])


if __name__ == "__main__":
    main()
