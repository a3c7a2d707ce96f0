"""The SLA clock of one order, worked out from its history. Pure Python: no Django.

The clock starts at the moment the order was reported. From then on the stage the order is in
decides: in a `run` stage business time counts, in a `pause` stage it does not (the pause is
measured in business time too, so a pause over a weekend costs nothing and gives nothing back),
and a `stop` stage stops the clock; entering a `run` stage again restarts it from the minutes
already used. A manual stop or cancel holds the clock stopped whatever the stage, until a manual
start hands it back to the stage.

Response is met when the order first enters an `in_progress` stage; resolution when it enters a
`completed` (or `closed`) stage that stops the clock, and stays resolved while it remains in such
a stage. Any other stop (a cancellation, a stop by hand, a custom stage that stops the clock) is
not a resolution: it only stops the count. A target is breached when its
business minutes are used up before it is met: the due instant is where the running time reaches
the target, found along the history and, while the clock runs, projected forward. The result
depends only on the history (and `now` for the state), so replaying the same history in any
order of recording gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from openservice.calendars.arithmetic import Calendar, CalendarError, from_us, to_us

RUN, PAUSE, STOP = "run", "pause", "stop"
IN_PROGRESS, CANCELLED = "in_progress", "cancelled"
RESOLVED = ("completed", "closed")  # stage categories that resolve an order
START, MANUAL_STOP, MANUAL_CANCEL = "start", "stop", "cancel"

ON_TRACK, AT_RISK, BREACHED, MET, PAUSED = "on_track", "at_risk", "breached", "met", "paused"
STATE_CANCELLED = "cancelled"
STATES = (ON_TRACK, AT_RISK, BREACHED, MET, PAUSED, STATE_CANCELLED)

EVENT_KINDS = ("response_warning", "response_breach", "resolution_warning", "resolution_breach")

_MINUTE_US = 60_000_000


@dataclass(frozen=True)
class StageEntry:
    """The order entered a stage at `at`: the stage's clock flag and category."""

    at: datetime
    clock: str
    category: str


@dataclass(frozen=True)
class ManualChange:
    """A manual `start`, `stop` or `cancel` of the clock at `at`."""

    at: datetime
    action: str


@dataclass(frozen=True)
class Targets:
    response_minutes: int
    resolution_minutes: int
    warning_percent: int

    def warning_minutes(self, target: int) -> int:
        """The used minutes at which a target is at risk: the percent of it, rounded up."""
        return -(-target * self.warning_percent // 100)


@dataclass(frozen=True)
class Clock:
    """Where the clock stands at the end of the history. Instants are UTC; `*_warning_at` and
    `*_breach_at` are set only for crossings that happen (in the past or, while the clock runs,
    projected), so they are exactly the moments a warning or breach event is due."""

    mode: str  # run, pause or stop at the end of the history
    cancelled: bool
    running_since: datetime | None
    used_us: int  # business time used before `running_since` (or in all, when not running)
    responded_at: datetime | None
    resolved_at: datetime | None
    stopped_at: datetime | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    response_warning_at: datetime | None
    response_breach_at: datetime | None
    resolution_warning_at: datetime | None
    resolution_breach_at: datetime | None

    def event_instants(self) -> dict[str, datetime]:
        """{kind: instant} of the warning and breach events this history produces."""
        instants = {
            "response_warning": self.response_warning_at,
            "response_breach": self.response_breach_at,
            "resolution_warning": self.resolution_warning_at,
            "resolution_breach": self.resolution_breach_at,
        }
        return {kind: at for kind, at in instants.items() if at is not None}

    def used_us_at(self, now: datetime, calendar: Calendar) -> int:
        if self.running_since is None or now <= self.running_since:
            return self.used_us
        return self.used_us + calendar.between_us(to_us(self.running_since), to_us(now))

    def state_at(self, now: datetime) -> str:
        return state_at(
            now=now,
            cancelled=self.cancelled,
            mode=self.mode,
            breach_instants=(self.response_breach_at, self.resolution_breach_at),
            warning_instants=(self.response_warning_at, self.resolution_warning_at),
            met_instants=(self.responded_at, self.resolved_at),
        )


def state_at(*, now, cancelled, mode, breach_instants, warning_instants, met_instants) -> str:
    """The state from stored facts: cancelled > breached (a missed target stays breached after
    completion) > met (stopped) > paused > at risk (the warning of a target not yet met has
    passed; a response given after its warning no longer puts the order at risk) > on track."""
    if cancelled:
        return STATE_CANCELLED
    if any(at is not None and at <= now for at in breach_instants):
        return BREACHED
    if mode == STOP:
        return MET
    if mode == PAUSE:
        return PAUSED
    for warning, met in zip(warning_instants, met_instants, strict=True):
        if warning is not None and warning <= now and (met is None or met > now):
            return AT_RISK
    return ON_TRACK


def percent(used_us: int, target_minutes: int) -> float:
    return round(used_us * 100 / (target_minutes * _MINUTE_US), 1)


def compute(
    *,
    reported_at: datetime,
    history: Iterable[StageEntry | ManualChange],
    targets: Targets,
    calendar: Calendar,
) -> Clock:
    """Replay the history (sorted by `at`; changes at the same instant keep their order)."""
    start = to_us(reported_at)
    stage_clock, category, manual = RUN, "", None
    responded = None
    runs: list[tuple[int, int | None]] = []
    running_from: int | None = start
    stopped_at: int | None = None
    resolved_since: int | None = None

    for change in sorted(history, key=lambda change: change.at):
        at = max(to_us(change.at), start)
        if isinstance(change, StageEntry):
            stage_clock, category = change.clock, change.category
            if category == IN_PROGRESS and responded is None:
                responded = at
            if stage_clock == STOP and category in RESOLVED:
                if resolved_since is None:
                    resolved_since = at
            else:
                resolved_since = None
        elif change.action == START:
            manual = None
        elif change.action in (MANUAL_STOP, MANUAL_CANCEL):
            manual = change.action
        mode = STOP if manual else stage_clock
        if mode == RUN and running_from is None:
            running_from = at
        elif mode != RUN and running_from is not None:
            if at > running_from:
                runs.append((running_from, at))
            running_from = None
        if mode == STOP:
            if stopped_at is None:
                stopped_at = at
        else:
            stopped_at = None
    if running_from is not None:
        runs.append((running_from, None))

    mode = STOP if manual else stage_clock
    cancelled = manual == MANUAL_CANCEL or (mode == STOP and category == CANCELLED)
    # Resolved when the order entered a completed (or closed) stage that stops the clock and has
    # stayed there, whatever was done by hand; a stop by hand alone is not a resolution.
    resolved = resolved_since if not cancelled else None
    if responded is None and resolved is not None:
        responded = resolved

    def reach(minutes: int) -> int | None:
        """Where the running time reaches `minutes`; None if it never does (the history stops
        short of it, or the calendar has no open time left to reach it in)."""
        amount, used = minutes * _MINUTE_US, 0
        for begin, end in runs:
            length = None if end is None else calendar.between_us(begin, end)
            if length is None or used + length >= amount:
                try:
                    return calendar.add_us(begin, amount - used)
                except CalendarError:
                    return None
            used += length
        return None

    def crossing(at: int | None, met: int | None) -> datetime | None:
        if at is None or cancelled or (met is not None and met <= at):
            return None
        return from_us(at)

    response_due = reach(targets.response_minutes)
    resolution_due = reach(targets.resolution_minutes)
    response_warning = reach(targets.warning_minutes(targets.response_minutes))
    resolution_warning = reach(targets.warning_minutes(targets.resolution_minutes))
    closed = runs[:-1] if running_from is not None else runs
    used = sum(calendar.between_us(begin, end) for begin, end in closed)

    def instant(value: int | None) -> datetime | None:
        return None if value is None else from_us(value)

    return Clock(
        mode=mode,
        cancelled=cancelled,
        running_since=instant(running_from),
        used_us=used,
        responded_at=instant(responded),
        resolved_at=instant(resolved),
        stopped_at=instant(stopped_at),
        response_due_at=instant(response_due),
        resolution_due_at=instant(resolution_due),
        response_warning_at=crossing(response_warning, responded),
        response_breach_at=crossing(response_due, responded),
        resolution_warning_at=crossing(resolution_warning, resolved),
        resolution_breach_at=crossing(resolution_due, resolved),
    )
