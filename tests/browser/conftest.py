"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's
live server, with the demo company loaded fresh for every test.

Chromium is never downloaded: the tests use /usr/bin/chromium. Without it they are skipped
locally and fail in CI (`CI` or `OPENSERVICE_REQUIRE_BROWSER` set), so a broken CI image cannot
pass silently. Every test here is transactional (the live server runs in another thread) and
must use `serialized_rollback=True`: the flush that ends each test deletes the role groups the
data migrations created, and the snapshot brings them back for the next test.
"""

import io
import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "demo"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000
FAILURE_SCREENSHOTS = Path("var") / "browser-failures"


def _browser_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("OPENSERVICE_REQUIRE_BROWSER"))


def _unavailable(reason: str):
    if _browser_required():
        pytest.fail(f"{reason} (required because CI or OPENSERVICE_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Chromium for one test module. Playwright's sync API runs an asyncio event loop in this
    thread for as long as it is started, which changes how Django treats the thread, so the
    loop only runs while a browser module runs:

    - Django refuses ORM calls from a thread with a running loop; DJANGO_ALLOW_ASYNC_UNSAFE
      lets the tests load the demo and read what a page wrote. It is set for the module only:
      set process-wide it would leak into subprocesses (`check --deploy` reports async.E001).
    - Django's `connections` (an asgiref Local) hands out a second set of connection objects
      while the loop runs. They get the database snapshot taken at setup, or
      `serialized_rollback` would silently restore nothing (the role groups would be gone after
      the first flush), and are closed before the loop stops.
    """
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium package")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    from django.db import connections

    snapshots = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all()
        if hasattr(connection, "_test_serialized_contents")
    }
    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, for the screenshot on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _new_page(request, browser, live_server, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(FAILURE_SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh desktop-sized tab whose relative URLs resolve against the live server."""
    yield from _new_page(request, browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(request, browser, live_server):
    """A fresh tab 360 px wide, the narrowest screen the pages must work on."""
    yield from _new_page(request, browser, live_server, PHONE)


# The demo as loaded by the first test that asks for it, per database: loading it takes
# seconds (hundreds of orders), restoring a copy takes a fraction of one.
_DEMO_SNAPSHOTS: dict[str, object] = {}
SNAPSHOT_SCHEMA = "browser_demo_snapshot"


def _demo_tables(connection) -> list[str]:
    """The tables Django flushes after each transactional test (django_migrations is not one)."""
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(connection.ops.quote_name(name) for name in names)


def _take_snapshot(connection):
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        import sqlite3

        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
            for table in _demo_tables(connection):
                cursor.execute(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{table} AS TABLE {table}")
        return SNAPSHOT_SCHEMA
    return None  # another database: load the demo every time


def _restore_snapshot(connection, snapshot) -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        snapshot.backup(connection.connection)
        return
    tables = _demo_tables(connection)
    models = apps.get_models(include_auto_created=True)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Foreign keys are deferred to the commit, so the order of the copies does not matter.
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        for table in tables:
            cursor.execute(f"INSERT INTO {table} SELECT * FROM {snapshot}.{table}")
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


@pytest.fixture
def demo(request, live_server):
    """The demo company (users manager, dispatcher, tech1..tech8, customer1, admin; password
    'demo'), fresh for each test: loaded with `call_command("demo")` by the first test, then
    restored from a copy of the database taken right after that load. Ask for it before any
    fixture that writes, or what that fixture wrote ends up in the copy."""
    from django.core.management import call_command
    from django.db import connection

    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback"):
        pytest.fail(
            "Live-server tests must be marked "
            "@pytest.mark.django_db(transaction=True, serialized_rollback=True): "
            "without it the flush after the test deletes the role groups."
        )
    key = f"{connection.alias}:{connection.settings_dict['NAME']}"
    if key in _DEMO_SNAPSHOTS:
        _restore_snapshot(connection, _DEMO_SNAPSHOTS[key])
        return
    call_command("demo", stdout=io.StringIO())
    snapshot = _take_snapshot(connection)
    if snapshot is not None:
        _DEMO_SNAPSHOTS[key] = snapshot


def login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form and wait for the home page."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))


@pytest.fixture(name="login")
def login_fixture():
    """`login(page, username)`: the helper above, for tests that prefer a fixture."""
    return login
