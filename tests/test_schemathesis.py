"""Fuzz the API from its own OpenAPI schema: no input may cause a 5xx, every response must match
the documented status codes and bodies (architecture.md §9).

Each operation is its own test, called in-process through the WSGI application as the demo's
service manager with a bearer token. The demo company is loaded once for the module inside an
outer transaction; each test runs in a savepoint of it, so what one operation's examples write
is gone before the next. Small generated ids are pointed at real rows of the operation's
collection (found through the list endpoints, so new resources need no changes here), so
get/change/(de)activate reach real records and their 200 bodies are validated too.
"""

import io
import os
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openservice.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
API = "/api/v1"

# The coverage phase's "unexpected method" cases (PUT where only GET exists, ...) test Django's
# 405, not our code: left out to spend the time on our operations.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"unexpected-methods": []}}})
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application, config=CONFIG)

# Random (fuzzing) examples per operation: at most 15 in CI and 30 locally, fewer as the API
# grows so the whole module stays around a minute; SCHEMATHESIS_MAX_EXAMPLES overrides. The
# coverage phase (boundary and invalid values derived from the schema) always runs in full.
OPERATIONS = sum(
    method in {"get", "put", "post", "patch", "delete"}
    for item in schema.raw_schema["paths"].values()
    for method in item
)
CAP, BUDGET = (15, 600) if os.environ.get("CI") else (30, 1200)
MAX_EXAMPLES = int(
    os.environ.get("SCHEMATHESIS_MAX_EXAMPLES") or max(5, min(CAP, BUDGET // OPERATIONS))
)

# Ids of existing rows per collection path ("/api/v1/customers"), found once per module.
EXISTING: dict[str, list[int]] = {}
SMALL_ID = 1000


@schema.hook
def map_path_parameters(context, path_parameters):
    """Point small generated ids at existing rows; large ones still probe unknown ids."""
    if not path_parameters:
        return path_parameters
    ids = EXISTING.get(context.operation.path.split("/{", 1)[0])
    value = path_parameters.get("id")
    if ids and isinstance(value, int) and 0 < value < SMALL_ID:
        path_parameters = {**path_parameters, "id": ids[value % len(ids)]}
    return path_parameters


@contextmanager
def _connection_kept_across_requests():
    """Requests run in-process through the WSGI handler, whose request signals would close the
    database connection (PostgreSQL) and with it the open transaction. Django's test client
    disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _collections() -> list[str]:
    paths = schema.raw_schema["paths"]
    return [path for path, item in paths.items() if "{" not in path and "get" in item]


def _find_existing_rows(client, headers) -> dict[str, list[int]]:
    """Ids from each list endpoint; the last row of each collection is deactivated, so rules
    about inactive records are reached too."""
    existing = {}
    for path in _collections():
        response = client.get(path, {"limit": 50}, headers=headers)
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            continue
        body = response.json()
        items = body.get("items") if isinstance(body, dict) else body  # a page or a plain list
        ids = [row["id"] for row in items or [] if isinstance(row, dict) and "id" in row]
        if not ids:
            continue
        existing[path] = ids
        if f"{path}/{{id}}/deactivate" in schema.raw_schema["paths"]:
            client.post(f"{path}/{ids[-1]}/deactivate", headers=headers)
    return existing


@pytest.fixture(scope="module")
def manager_token(django_db_setup, django_db_blocker):
    """The demo's service manager's token, with the demo loaded in a transaction that is rolled
    back after the module."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from openservice.core.services import token_create

    outer = transaction.atomic()
    with django_db_blocker.unblock(), _connection_kept_across_requests():
        outer.__enter__()
        try:
            call_command("demo", stdout=io.StringIO())
            manager = get_user_model().objects.get(username="manager")
            _token, raw = token_create(user=manager)
            headers = {"Authorization": f"Bearer {raw}"}
            EXISTING.update(_find_existing_rows(Client(HTTP_HOST="localhost"), headers))
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield raw
    finally:
        EXISTING.clear()
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    with _connection_kept_across_requests():
        yield


@pytest.fixture(autouse=True)
def _short_optimiser_runs(settings):
    """The optimiser may run for as long as a request allows it; the fuzzer asks for plans by
    the dozen, so each may take a second at most (a longer limit is refused with 422)."""
    settings.DISPATCH_OPTIMISER_MAX_SECONDS = 1


@pytest.fixture(autouse=True)
def _quiet_client_errors(caplog):
    """4xx answers are expected by the thousand; keep Django's warnings out of failure output."""
    caplog.set_level("ERROR", logger="django.request")


def test_existing_rows_were_found_for_the_collections(manager_token, db):
    assert {f"{API}/customers", f"{API}/sites", f"{API}/technicians"} <= set(EXISTING)
    assert all(EXISTING.values())


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_conforms_to_its_schema(case, manager_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {manager_token}"}, checks=CHECKS)
