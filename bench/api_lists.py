"""Benchmark: list endpoints over the demo data, in process (no network).

Prints, per endpoint, the median and 95th-percentile time of a request and the number of SQL
queries it costs, for a page of 5 and a page of 50 (they must cost the same queries).
Run: `.venv/bin/python bench/api_lists.py` (uses a throwaway SQLite database in a temp folder;
set DATABASE_URL to measure PostgreSQL).
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="openservice-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openservice.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
Path(os.environ["VAR_DIR"], "static").mkdir(exist_ok=True)

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client

ENDPOINTS = ["customers", "sites", "contacts", "items", "tasks", "technicians", "skills", "teams"]
ROUNDS = 60


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    if "DATABASE_URL" in os.environ:
        raise SystemExit("bench uses its own SQLite database; unset DATABASE_URL")
    call_command("migrate", verbosity=0)
    call_command("demo", stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    from openservice.core.services import token_create

    manager = get_user_model().objects.get(username="manager")
    _token, raw = token_create(user=manager)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    print(f"{'endpoint':<14}{'limit':>6}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    for endpoint in ENDPOINTS:
        for limit in (5, 50):
            url = f"/api/v1/{endpoint}?limit={limit}"
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                assert client.get(url).status_code == 200
            timings = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"{endpoint:<14}{limit:>6}{statistics.median(timings):>9.2f}{p95:>9.2f}"
                f"{counter.count:>9}"
            )


if __name__ == "__main__":
    main()
