import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from openservice.core.models import ApiToken, AuditEvent
from openservice.customers.models import Customer


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_good_credentials_get_a_token(api_as, manager):
    response = api_as(None).post("auth/token", {"username": "manager", "password": "pw"})

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["token"]
    assert body["token"].startswith("os_")
    token = ApiToken.objects.get(user=manager)
    assert token.is_active
    assert body["token"].startswith(token.prefix)
    # Only the digest is stored, never the token itself.
    assert body["token"] not in (token.digest, token.prefix)


def test_wrong_password_is_refused(api_as, manager):
    response = api_as(None).post("auth/token", {"username": "manager", "password": "wrong"})

    assert response.status_code == 401
    assert response.json() == {
        "code": "core.invalid_credentials",
        "message": "Wrong username or password.",
        "details": {},
    }
    assert not ApiToken.objects.exists()


def test_unknown_user_is_refused(api_as, db):
    response = api_as(None).post("auth/token", {"username": "nobody", "password": "pw"})

    assert response.status_code == 401
    assert response.json()["code"] == "core.invalid_credentials"


def test_inactive_user_is_refused(api_as, make_user):
    make_user(username="gone", is_active=False)

    response = api_as(None).post("auth/token", {"username": "gone", "password": "pw"})

    assert response.status_code == 401
    assert response.json()["code"] == "core.invalid_credentials"
    assert not ApiToken.objects.exists()


def test_token_request_without_password_is_invalid_input(api_as, manager):
    response = api_as(None).post("auth/token", {"username": "manager"})

    assert response.status_code == 422
    assert response.json()["details"]["fields"] == {"password": ["Field required"]}


def test_me_shows_the_token_owner(client, api_as, make_user):
    from openservice.core.roles import Role

    make_user(Role.MANAGER, Role.CUSTOMER, username="maria", first_name="Maria", last_name="M")
    token = api_as(None).post("auth/token", {"username": "maria", "password": "pw"}).json()["token"]

    response = client.get("/api/v1/auth/me", headers=_bearer(token))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "maria"
    assert body["name"] == "Maria M"
    assert body["role"] == "Service manager"
    assert body["roles"] == ["Customer", "Service manager"]


def test_revoked_token_no_longer_authenticates(client, api_as, manager):
    token = (
        api_as(None).post("auth/token", {"username": "manager", "password": "pw"}).json()["token"]
    )

    response = client.delete("/api/v1/auth/token", headers=_bearer(token))

    assert response.status_code == 204
    assert ApiToken.objects.get(user=manager).is_active is False
    assert AuditEvent.objects.filter(verb="api_token.revoked", actor=manager).count() == 1
    after = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert after.status_code == 401
    assert after.json()["code"] == "core.not_authenticated"


def test_revoking_one_token_keeps_the_others(client, api_as, manager):
    first = api_as(None).post("auth/token", {"username": "manager", "password": "pw"}).json()
    second = api_as(None).post("auth/token", {"username": "manager", "password": "pw"}).json()

    client.delete("/api/v1/auth/token", headers=_bearer(first["token"]))

    assert client.get("/api/v1/auth/me", headers=_bearer(second["token"])).status_code == 200


def test_unauthenticated_request_is_refused(api_as, db):
    response = api_as(None).get("auth/me")

    assert response.status_code == 401
    assert response.json() == {
        "code": "core.not_authenticated",
        "message": "Log in or send a bearer token.",
        "details": {},
    }


@pytest.mark.parametrize(
    "header",
    ["Bearer os_not-a-real-token", "Bearer ", "Basic bWFuYWdlcjpwdw==", "Bearer " + "x" * 300],
)
def test_bad_authorization_header_is_refused(client, manager, header):
    response = client.get("/api/v1/auth/me", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["code"] == "core.not_authenticated"


def test_token_of_a_deactivated_user_no_longer_authenticates(client, api_as, manager):
    token = (
        api_as(None).post("auth/token", {"username": "manager", "password": "pw"}).json()["token"]
    )
    manager.is_active = False
    manager.save()

    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 401


def test_session_get_works_without_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.get("/api/v1/auth/me")

    assert response.status_code == 200
    assert response.json()["username"] == "manager"


def test_session_post_without_csrf_token_is_refused(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(
        "/api/v1/customers", json.dumps({"name": "Kone Oy"}), content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "core.csrf_failed",
        "message": "CSRF check failed.",
        "details": {},
    }
    assert not Customer.objects.exists()


def test_session_post_with_csrf_token_is_accepted(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    client.get("/")  # the page's form sets the CSRF cookie
    csrf_token = client.cookies["csrftoken"].value

    response = client.post(
        "/api/v1/customers",
        json.dumps({"name": "Kone Oy"}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token},
    )

    assert response.status_code == 201
    assert Customer.objects.get().name == "Kone Oy"


def test_bearer_post_needs_no_csrf_token(manager):
    from openservice.core.services import token_create

    _token, raw = token_create(user=manager)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/api/v1/customers",
        json.dumps({"name": "Kone Oy"}),
        content_type="application/json",
        headers=_bearer(raw),
    )

    assert response.status_code == 201
    assert Customer.objects.get().name == "Kone Oy"


def test_token_command_prints_a_token_that_authenticates(client, manager):
    out = StringIO()

    call_command("token", "create", "manager", "--name", "CI", stdout=out)

    raw = out.getvalue().strip()
    assert raw.startswith("os_")
    token = ApiToken.objects.get(user=manager)
    assert token.name == "CI"
    response = client.get("/api/v1/auth/me", headers=_bearer(raw))
    assert response.status_code == 200
    assert response.json()["username"] == "manager"


def test_token_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="no user named 'nobody'") as error:
        call_command("token", "create", "nobody", stdout=StringIO())

    assert error.value.returncode == 2
    assert not ApiToken.objects.exists()


def test_token_command_refuses_an_inactive_user(make_user):
    make_user(username="gone", is_active=False)

    with pytest.raises(CommandError, match="user 'gone' is inactive") as error:
        call_command("token", "create", "gone", stdout=StringIO())

    assert error.value.returncode == 2
    assert not ApiToken.objects.exists()


def test_revoking_needs_a_bearer_token(client, manager):
    client.force_login(manager)

    response = client.delete("/api/v1/auth/token")

    assert response.status_code == 409
    assert response.json()["code"] == "core.no_bearer_token"


def test_revoking_unauthenticated_is_refused(client, db):
    response = client.delete("/api/v1/auth/token", headers=_bearer("os_unknown"))

    assert response.status_code == 401
