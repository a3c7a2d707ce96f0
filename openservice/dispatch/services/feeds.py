"""Technicians' calendar feeds: the secret token that opens a technician's iCalendar feed
(reading the feed by it: `selectors.feed_open`).

Whoever holds the feed's address reads it without logging in, so the token is long and random
(`secrets.token_urlsafe(32)`: 256 bits), it is compared in constant time, and every way of
getting it wrong (no feed yet, a wrong or missing token, an unknown or inactive technician)
looks the same: not found, so the address never tells whether a technician exists. Resetting
the token locks out everyone who had the old address.

Who may see or reset a technician's token: the technician themselves (the user linked to the
technician) and planners (dispatchers and managers); both need `dispatch.change_calendarfeed`.
Another technician's feed is not found for a technician, as their appointments are."""

import secrets

from django.db import transaction

from openservice.core.errors import NotFound, PermissionDenied
from openservice.core.services import audit
from openservice.dispatch.models import CalendarFeed
from openservice.dispatch.services.common import PLAN_PERMISSION
from openservice.workforce.models import Technician
from openservice.workforce.services import technicians_lock

FEED_PERMISSION = "dispatch.change_calendarfeed"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _require_may_manage(user, technician: Technician) -> None:
    if not user.has_perm(FEED_PERMISSION):
        raise PermissionDenied(perm=FEED_PERMISSION)
    if user.has_perm(PLAN_PERMISSION):
        return
    if technician.user_id is None or technician.user_id != user.pk:
        raise NotFound(technician_id=technician.pk)


def _lock(technician: Technician) -> Technician:
    """The technician's row locked (one writer of their feed at a time)."""
    locked = technicians_lock([technician.pk]).get(technician.pk)
    if locked is None:
        raise NotFound(technician_id=technician.pk)
    return locked


@transaction.atomic
def feed_token(technician: Technician, *, by) -> CalendarFeed:
    """The technician's feed, made with a new token on first use."""
    _require_may_manage(by, technician)
    technician = _lock(technician)
    feed = CalendarFeed.objects.filter(technician=technician).first()
    if feed is None:
        feed = CalendarFeed.objects.create(technician=technician, token=new_token())
        audit(by, "calendar_feed.created", feed, {"technician_id": technician.pk})
    return feed


@transaction.atomic
def feed_reset(technician: Technician, *, by) -> CalendarFeed:
    """Give the technician's feed a new token: the old address stops working at once."""
    _require_may_manage(by, technician)
    technician = _lock(technician)
    feed, created = CalendarFeed.objects.get_or_create(
        technician=technician, defaults={"token": new_token()}
    )
    if not created:
        feed.token = new_token()
        feed.save(update_fields=["token", "updated_at"])
    audit(by, "calendar_feed.reset", feed, {"technician_id": technician.pk})
    return feed
