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


class EmptyRange(InvalidInput):
    code = "dispatch.empty_range"
    default_message = _("The period is empty: it must not end before it starts.")

    def __init__(self):
        super().__init__({"date_to": [str(self.default_message)]}, self.default_message)


class RangeTooLong(InvalidInput):
    code = "dispatch.range_too_long"
    default_message = _("Plan at most %(days)s days at a time.")

    def __init__(self, days: int):
        message = self.default_message % {"days": days}
        super().__init__({"date_to": [message]}, message)


class TimeLimitTooLong(InvalidInput):
    code = "dispatch.time_limit_too_long"
    default_message = _("The time limit may be at most %(seconds)s seconds.")

    def __init__(self, seconds: int):
        message = self.default_message % {"seconds": seconds}
        super().__init__({"time_limit_seconds": [message]}, message)


class NoTechnicians(DomainError):
    code = "dispatch.no_technicians"
    default_message = _(
        "No active technician with a home base is in the plan: there is nobody to plan for."
    )


class TravelUnavailable(DomainError):
    code = "dispatch.travel_unavailable"
    default_message = _("Travel times could not be had from the road-time service: %(reason)s")


class ProposalClosed(DomainError):
    code = "dispatch.proposal_closed"
    default_message = _("The proposal was already accepted or discarded.")


class ProposalStale(DomainError):
    """What changed since the proposal was made: `details` is the list, each {"code",
    "message", "order_id" or "technician_id"}."""

    code = "dispatch.proposal_stale"
    default_message = _(
        "The orders or the technicians' schedules changed after the plan was proposed: "
        "propose again."
    )

    def __init__(self, changes: list[dict], message=None):
        super().__init__(message)
        self.changes = changes
        self.details = changes
