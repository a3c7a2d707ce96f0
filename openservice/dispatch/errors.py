"""Refusals of the dispatch app, each with its stable code (409 unless said otherwise)."""

from django.utils.translation import gettext_lazy as _

from openservice.core.errors import DomainError, InvalidInput


class AppointmentConflict(DomainError):
    """Hard conflicts: `details` is the list of them, each {"code", "message", ...} (the API
    answers `{"code": "dispatch.conflict", "message", "details": [...]}`)."""

    code = "dispatch.conflict"
    default_message = _("The appointment conflicts with the technician's schedule or the order.")

    def __init__(self, conflicts: list[dict], message=None):
        super().__init__(message)
        self.conflicts = conflicts
        self.details = conflicts


class OrderClosed(DomainError):
    code = "dispatch.order_closed"
    default_message = _("The order is completed, closed or cancelled: it cannot be scheduled.")


class TechnicianInactive(DomainError):
    code = "dispatch.technician_inactive"
    default_message = _("The technician is inactive.")


class NotMovable(DomainError):
    code = "dispatch.not_movable"
    default_message = _("Only tentative or confirmed appointments can be moved.")


class InvalidStatus(DomainError):
    code = "dispatch.invalid_status"
    default_message = _("The appointment cannot change to that status.")


class EndsBeforeStart(InvalidInput):
    code = "dispatch.ends_before_start"
    default_message = _("The appointment must end after it starts.")

    def __init__(self):
        super().__init__({"ends_at": [str(self.default_message)]})
