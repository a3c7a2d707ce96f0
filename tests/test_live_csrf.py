"""CSRF on the API over real HTTP: a bearer token needs no CSRF token, a browser session does.

Uses http.client against the live server, not Django's test client (which skips CSRF checks
unless told otherwise), so cookies, headers and the CSRF middleware behave as for a browser.
"""

import json
import re
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "pw"  # the shared `make_user` factory's password


class HttpSession:
    """Plain HTTP to the live server, keeping the cookies it sets like a browser would."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = HTTPConnection(self.host, self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def post_json(self, path: str, payload: dict, **headers):
        status, _headers, content = self.request(
            "POST",
            path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Accept": "application/json", **headers},
        )
        return status, json.loads(content) if content else None

    def log_in(self, username: str, password: str) -> None:
        """Through the login page, with its CSRF cookie and form token."""
        status, _headers, content = self.request("GET", "/login/")
        assert status == 200
        assert "csrftoken" in self.cookies
        form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)
        form = urlencode(
            {
                "csrfmiddlewaretoken": form_token.decode(),
                "username": username,
                "password": password,
                "next": "/",
            }
        ).encode()
        status, headers, _content = self.request(
            "POST",
            "/login/",
            form,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": f"{self.origin}/login/",
            },
        )
        assert status == 302, "login refused"
        assert headers["Location"] == "/"
        assert "sessionid" in self.cookies


def customer(name: str) -> dict:
    return {"name": name, "vat_id": "FI11112222"}


@pytest.fixture
def http(live_server):
    return HttpSession(live_server.url)


def test_bearer_token_post_needs_no_csrf_token(http, manager):
    status, body = http.post_json(
        "/api/v1/auth/token", {"username": manager.username, "password": PASSWORD}
    )
    assert status == 200, body
    token = body["token"]
    assert http.cookies == {}  # nothing that could carry a session or a CSRF token

    status, body = http.post_json(
        "/api/v1/customers", customer("Bearer Oy"), Authorization=f"Bearer {token}"
    )

    assert status == 201, body
    assert body["name"] == "Bearer Oy"
    assert body["number"] == "C00001"


def test_session_post_without_csrf_header_is_refused(http, manager):
    from openservice.customers.models import Customer

    http.log_in(manager.username, PASSWORD)

    status, body = http.post_json(
        "/api/v1/customers", customer("No Token Oy"), Origin=http.origin, Referer=http.origin + "/"
    )

    assert status == 403, body
    assert body["code"] == "core.csrf_failed"
    assert set(body) == {"code", "message", "details"}
    assert not Customer.objects.exists()


def test_session_post_with_csrf_header_and_same_origin_is_accepted(http, manager):
    http.log_in(manager.username, PASSWORD)

    status, body = http.post_json(
        "/api/v1/customers",
        customer("Session Oy"),
        **{
            "X-CSRFToken": http.cookies["csrftoken"],
            "Origin": http.origin,
            "Referer": http.origin + "/customers/",
        },
    )

    assert status == 201, body
    assert body["name"] == "Session Oy"


def test_session_post_from_another_origin_is_refused(http, manager):
    http.log_in(manager.username, PASSWORD)

    status, body = http.post_json(
        "/api/v1/customers",
        customer("Cross Site Oy"),
        **{
            "X-CSRFToken": http.cookies["csrftoken"],
            "Origin": "http://evil.example",
            "Referer": "http://evil.example/",
        },
    )

    assert status == 403, body
    assert body["code"] == "core.csrf_failed"


def test_session_get_needs_no_csrf_header(http, manager):
    http.log_in(manager.username, PASSWORD)

    status, _headers, content = http.request("GET", "/api/v1/auth/me")

    assert status == 200
    assert json.loads(content)["username"] == manager.username


def test_unauthenticated_post_is_401_not_a_csrf_403(http):
    status, body = http.post_json("/api/v1/customers", customer("Anonymous Oy"))

    assert status == 401, body
    assert body["code"] == "core.not_authenticated"
