"""Shared test setup: hypothesis profiles, fast password hashing, users per role, API clients."""

import json
import os

import pytest
from hypothesis import HealthCheck, settings

# CI caps examples so the whole run (twice: SQLite and PostgreSQL) stays well under 20 minutes.
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Fast password hashing, and static files from the apps (not a stale collectstatic)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_user(db):
    """make_user(Role.MANAGER) -> a saved user in that role's group (password 'pw')."""
    from openservice.core.tests.factories import UserFactory

    def make(*roles, **fields):
        return UserFactory(roles=roles, **fields)

    return make


@pytest.fixture
def manager(make_user):
    from openservice.core.roles import Role

    return make_user(Role.MANAGER, username="manager")


@pytest.fixture
def dispatcher(make_user):
    from openservice.core.roles import Role

    return make_user(Role.DISPATCHER, username="dispatcher")


@pytest.fixture
def technician_user(make_user):
    from openservice.core.roles import Role

    return make_user(Role.TECHNICIAN, username="tech")


@pytest.fixture
def administrator(make_user):
    from openservice.core.roles import Role

    return make_user(Role.ADMINISTRATOR, username="administrator", is_staff=True)


@pytest.fixture
def customer_user(make_user):
    """A portal user who is a contact of their own customer (`customer_user.customer_contact`)."""
    from openservice.core.roles import Role
    from openservice.customers.tests.factories import ContactFactory

    user = make_user(Role.CUSTOMER, username="portal")
    ContactFactory(user=user)
    return user


class ApiClient:
    """JSON requests to /api/v1 as one user (bearer token) or anonymously."""

    def __init__(self, client, user=None):
        self.client = client
        self.headers = {}
        if user is not None:
            from openservice.core.services import token_create

            _token, raw = token_create(user=user)
            self.headers["Authorization"] = f"Bearer {raw}"

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path, params=None, **headers):
        return self.client.get(self._url(path), params or {}, headers={**self.headers, **headers})

    def _send(self, method, path, body, headers):
        return getattr(self.client, method)(
            self._url(path),
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def post(self, path, body=None, **headers):
        return self._send("post", path, body, headers)

    def patch(self, path, body=None, **headers):
        return self._send("patch", path, body, headers)

    def delete(self, path, **headers):
        return self.client.delete(self._url(path), headers={**self.headers, **headers})


@pytest.fixture
def api_as(client, db):
    """api_as(user) -> ApiClient; api_as(None) is anonymous."""

    def make(user):
        return ApiClient(client, user)

    return make
