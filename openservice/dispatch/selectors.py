"""Reads of appointments, with the visibility of the user's role applied in one place."""

import secrets
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.dispatch.models import Appointment, CalendarFeed, Proposal
from openservice.orders.models import ServiceOrder, Stage
from openservice.orders.selectors import PRIORITY_RANK
from openservice.workforce.models import Technician

# Orders waiting for a visit: not started, held, finished or cancelled.
PLANNABLE = (Stage.Category.NEW, Stage.Category.SCHEDULED)
# A technician's calendar feed starts this far back, so the last weeks' visits stay on the
# phone; it has no end.
FEED_HISTORY = timedelta(days=30)

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


def orders_to_plan(
    *, date_from: date, date_to: date, order_ids: list[int] | None = None
) -> QuerySet[ServiceOrder]:
    """The unassigned queue: orders in a new or scheduled stage with no active appointment that
    may be visited in [date_from, date_to] (their requested window reaches into it, or without
    one their service date is not after it: overdue ones stay in the queue), most urgent first:
    by SLA resolution due instant (none last), then priority, then service date and number."""
    booked = Appointment.objects.filter(order=OuterRef("pk"), status__in=Appointment.ACTIVE)
    reaches = Q(requested_start__isnull=True) | Q(requested_start__lt=_start_of(date_to, days=1))
    reaches &= Q(requested_end__isnull=True) | Q(requested_end__gt=_start_of(date_from))
    dated = Q(requested_start__isnull=False) | Q(requested_end__isnull=False)
    dated |= Q(service_on__isnull=True) | Q(service_on__lte=date_to)
    orders = ServiceOrder.objects.filter(stage__category__in=PLANNABLE).filter(reaches & dated)
    if order_ids is not None:
        orders = orders.filter(pk__in=order_ids)
    return (
        orders.exclude(Exists(booked))
        .select_related("stage", "customer", "site", "agreement")
        .annotate(priority_rank=PRIORITY_RANK)
        .order_by(
            F("sla_resolution_due_at").asc(nulls_last=True),
            "-priority_rank",
            F("service_on").asc(nulls_last=True),
            "number",
        )
    )


def proposal_get(*, user, proposal_id: int) -> Proposal:
    """A plan proposal; planners and administrators read them."""
    if not user.has_perm("dispatch.view_proposal"):
        raise NotFound(proposal_id=proposal_id)
    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(proposal_id=proposal_id)
    return proposal


def feed_open(*, technician_id: int, token: str | None) -> Technician:
    """The active technician whose feed `token` opens, or NotFound (the same for every reason)."""
    feed = (
        CalendarFeed.objects.select_related("technician")
        .filter(technician_id=technician_id, technician__is_active=True)
        .first()
    )
    given = (token or "").encode("utf-8", "replace")
    expected = feed.token.encode() if feed is not None else secrets.token_urlsafe(32).encode()
    # Compared even without a feed, so the answer takes as long either way.
    if not secrets.compare_digest(given, expected) or feed is None:
        raise NotFound()
    return feed.technician


def feed_appointments(*, technician: Technician, now: datetime) -> list[Appointment]:
    """The technician's appointments for the feed: every one not cancelled that ends after
    `now` less FEED_HISTORY, in time order."""
    return list(
        Appointment.objects.filter(technician=technician, ends_at__gt=now - FEED_HISTORY)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("order__customer", "order__site")
        .order_by("starts_at", "pk")
    )
