"""API authentication: a bearer token (no CSRF needed) or the browser session (CSRF checked)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from openservice.core.errors import PermissionDenied
from openservice.core.services import token_authenticate


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def request_user(request: HttpRequest):
    """The user a request acts as: the bearer token's owner, else the session's user, else None."""
    token = bearer_token(request)
    if token is not None:
        return token_authenticate(token)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session, with CSRF checked only once we know the session is a logged-in one,
    so an anonymous request gets 401 rather than a CSRF 403."""

    openapi_type = "apiKey"

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request):
            raise PermissionDenied(_("CSRF check failed."), code="core.csrf_failed")
        return user
