"""Authentication endpoints: exchange credentials for a token, see who you are, revoke a token."""

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from openservice.core.auth import bearer_token
from openservice.core.errors import DomainError
from openservice.core.roles import ROLE_LABELS, primary_role, roles_of
from openservice.core.schemas import TokenIn
from openservice.core.services import token_create, token_revoke

router = Router(tags=["auth"])


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    role: str | None
    roles: list[str]


class InvalidCredentials(DomainError):
    code = "core.invalid_credentials"
    status = 401


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Create an API token")
def create_token(request: HttpRequest, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise InvalidCredentials(_("Wrong username or password."))
    _token, raw = token_create(user=user, name=_("Created with the API"))
    return {"token": raw}


@router.delete("/auth/token", response={204: None}, summary="Revoke the bearer token in use")
def revoke_token(request: HttpRequest):
    raw = bearer_token(request)
    if raw is None:
        raise DomainError(
            _("Send the token to revoke as the bearer token."), code="core.no_bearer_token"
        )
    token_revoke(raw=raw, by=request.auth)
    return Status(204, None)


@router.get("/auth/me", response=MeOut, summary="The authenticated user and their roles")
def me(request: HttpRequest):
    user = request.auth
    role = primary_role(user)
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "role": str(ROLE_LABELS[role]) if role else None,
        "roles": sorted(str(r.value) for r in roles_of(user)),
    }
