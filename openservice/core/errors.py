"""Domain errors: a rule or conflict that refuses a use case, with a stable code.

The API maps a `DomainError` to HTTP 409 (`{"code", "message", "details"}`), `NotFound` to 404,
`PermissionDenied` to 403; pages add the message to the form. Codes never change once released:
clients and translations depend on them.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "core.domain_error"
    default_message = _("The request conflicts with the current state.")
    status = 409

    def __init__(self, message: Any = None, *, code: str | None = None, **details: Any):
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFound(DomainError):
    code = "core.not_found"
    default_message = _("Not found.")
    status = 404


class PermissionDenied(DomainError):
    code = "core.permission_denied"
    default_message = _("You do not have permission to do this.")
    status = 403


class InvalidInput(DomainError):
    """Field-level problems found by a service (for example a model's full_clean)."""

    code = "core.invalid_input"
    default_message = _("Some fields are not valid.")
    status = 422

    def __init__(self, field_errors: dict[str, list[str]], message: Any = None):
        super().__init__(message, fields=field_errors)
        self.field_errors = field_errors


class Conflict(DomainError):
    """A write lost a race or broke a uniqueness rule another writer got to first."""

    code = "core.conflict"
    default_message = _("The record was changed or created by someone else. Reload and retry.")
