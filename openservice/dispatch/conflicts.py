"""The rules an appointment is checked against. Pure Python: no Django, plain values in and out.

Hard conflicts refuse the appointment: an overlap with another active appointment of the same
technician, time outside the technician's working calendar, time outside the order's requested
window. Warnings let it through but tell the dispatcher: a required skill the technician lacks
(or holds below the level), the SLA resolution falling due before the visit ends, and the
travel from the previous appointment not fitting in the gap before this one.

Each finding is a dict with a stable `code` and the ids and values it is about; the services
add the translated `message`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from openservice.calendars.arithmetic import Calendar, to_us
from openservice.dispatch import travel

OVERLAP = "overlap"
OUTSIDE_WORKING_TIME = "outside_working_time"
OUTSIDE_REQUESTED_WINDOW = "outside_requested_window"
MISSING_SKILL = "missing_skill"
SLA_DUE = "sla_due_before_end"
TRAVEL_TIME = "travel_time"

DEFAULT_SPEED_KMH = travel.SPEED_KMH
DEFAULT_DETOUR_FACTOR = travel.DETOUR


@dataclass(frozen=True)
class Booking:
    """Another appointment of the technician: its interval and its site's coordinates."""

    id: int
    starts_at: datetime
    ends_at: datetime
    latitude: float | None = None
    longitude: float | None = None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: one that ends when the other starts does not overlap it."""
    return a_start < b_end and b_start < a_end


def within_working_time(starts_at: datetime, ends_at: datetime, calendar: Calendar) -> bool:
    """Whether every moment of the interval is working time: its business time equals its
    length (compared in microseconds, so a visit that runs a few seconds past closing counts)."""
    start, end = to_us(starts_at), to_us(ends_at)
    return calendar.between_us(start, end) == end - start


def within_window(
    starts_at: datetime, ends_at: datetime, earliest: datetime | None, latest: datetime | None
) -> bool:
    return (earliest is None or starts_at >= earliest) and (latest is None or ends_at <= latest)


def hard_conflicts(
    *,
    starts_at: datetime,
    ends_at: datetime,
    others: Iterable[Booking],
    calendar: Calendar,
    requested_start: datetime | None,
    requested_end: datetime | None,
) -> list[dict]:
    """The reasons the appointment cannot be placed (empty: it can)."""
    found = []
    clashing = sorted(
        other.id for other in others if overlaps(starts_at, ends_at, other.starts_at, other.ends_at)
    )
    if clashing:
        found.append({"code": OVERLAP, "appointment_ids": clashing})
    if not within_working_time(starts_at, ends_at, calendar):
        found.append({"code": OUTSIDE_WORKING_TIME})
    if not within_window(starts_at, ends_at, requested_start, requested_end):
        found.append(
            {
                "code": OUTSIDE_REQUESTED_WINDOW,
                "requested_start": _iso(requested_start),
                "requested_end": _iso(requested_end),
            }
        )
    return found


def travel_minutes(
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> int:
    """Estimated driving minutes, rounded up: the straight line times a detour factor, at an
    average speed."""
    km = travel.haversine_km(travel.Location(*origin), travel.Location(*destination))
    km *= detour_factor
    return math.ceil(km / speed_kmh * 60 - 1e-9)


def previous_booking(starts_at: datetime, others: Iterable[Booking]) -> Booking | None:
    """The technician's appointment that ends last at or before this one starts."""
    earlier = [other for other in others if other.ends_at <= starts_at]
    return max(earlier, key=lambda other: (other.ends_at, other.id), default=None)


def warnings(
    *,
    starts_at: datetime,
    ends_at: datetime,
    required_skills: Mapping[str, int],
    held_skills: Mapping[str, int],
    sla_due_at: datetime | None,
    previous: Booking | None,
    location: tuple[float, float] | None,
    speed_kmh: float = DEFAULT_SPEED_KMH,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
) -> list[dict]:
    """What the dispatcher should know but may accept. `required_skills` and `held_skills` map
    skill codes to levels; `location` is the order's site (None: unknown, no travel check)."""
    found = []
    for code in sorted(required_skills):
        needed, held = required_skills[code], held_skills.get(code)
        if held is None or held < needed:
            found.append(
                {"code": MISSING_SKILL, "skill": code, "required_level": needed, "level": held}
            )
    if sla_due_at is not None and sla_due_at < ends_at:
        found.append({"code": SLA_DUE, "sla_resolution_due_at": _iso(sla_due_at)})
    if (
        previous is not None
        and location is not None
        and previous.latitude is not None
        and previous.longitude is not None
    ):
        minutes = travel_minutes(
            (previous.latitude, previous.longitude),
            location,
            speed_kmh=speed_kmh,
            detour_factor=detour_factor,
        )
        arrives_at = previous.ends_at + timedelta(minutes=minutes)
        if arrives_at > starts_at:
            found.append(
                {
                    "code": TRAVEL_TIME,
                    "previous_appointment_id": previous.id,
                    "travel_minutes": minutes,
                    "arrives_at": _iso(arrives_at),
                }
            )
    return found


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None
