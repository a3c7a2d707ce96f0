"""Reads of appointments, with the visibility of the user's role applied in one place."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.dispatch.models import Appointment

SEE_ALL = (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR)


def _visible(user) -> QuerySet[Appointment]:
    """Managers, dispatchers and administrators see every appointment; a technician sees their
    own; anyone else none."""
    appointments = Appointment.objects.all()
    if user.is_superuser or has_role(user, *SEE_ALL):
        return appointments
    if has_role(user, Role.TECHNICIAN):
        return appointments.filter(technician__user=user)
    return appointments.none()


def appointment_list(
    *,
    user,
    technician_id: int | None = None,
    order_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str | None = None,
) -> QuerySet[Appointment]:
    """Appointments that touch [date_from, date_to] (whole days in the current time zone)."""
    rows = _visible(user).select_related("order__site", "order__stage", "technician")
    if technician_id is not None:
        rows = rows.filter(technician_id=technician_id)
    if order_id is not None:
        rows = rows.filter(order_id=order_id)
    if date_from is not None:
        rows = rows.filter(ends_at__gt=_start_of(date_from))
    if date_to is not None:
        rows = rows.filter(starts_at__lt=_start_of(date_to, days=1))
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("starts_at", "pk")


def _start_of(day: date, days: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days), time.min))


def appointment_get(*, user, appointment_id: int) -> Appointment:
    appointment = appointment_list(user=user).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(appointment_id=appointment_id)
    return appointment
