"""What dispatch does when an order changes under it."""

from datetime import datetime

from django.db import transaction

from openservice.dispatch.models import Appointment
from openservice.dispatch.services.appointments import cancel


@transaction.atomic
def appointments_cancel_for_order(*, order_id: int, at: datetime, by=None) -> int:
    """Cancel the order's active appointments (the order was cancelled); returns how many."""
    rows = list(
        Appointment.objects.select_for_update()
        .filter(order_id=order_id, status__in=Appointment.ACTIVE)
        .order_by("pk")
    )
    for appointment in rows:
        cancel(
            appointment,
            by=by,
            now=at,
            verb="appointment.cancelled_with_order",
            data={"order_id": order_id},
        )
    return len(rows)
