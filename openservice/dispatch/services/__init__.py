"""Writes of the dispatch app: placing appointments and reporting their progress."""

from openservice.dispatch.services.appointments import (
    appointment_cancel,
    appointment_create,
    appointment_move,
)
from openservice.dispatch.services.edits import appointment_update
from openservice.dispatch.services.feeds import feed_reset, feed_token
from openservice.dispatch.services.orders import appointments_cancel_for_order
from openservice.dispatch.services.proposals import (
    proposal_accept,
    proposal_create,
    proposal_discard,
)
from openservice.dispatch.services.status import appointment_set_status

__all__ = [
    "appointment_cancel",
    "appointment_create",
    "appointment_move",
    "appointment_set_status",
    "appointment_update",
    "appointments_cancel_for_order",
    "feed_reset",
    "feed_token",
    "proposal_accept",
    "proposal_create",
    "proposal_discard",
]
