"""Properties of `openservice.sla.clock.compute` over random histories (hypothesis).

A history is the initial stage entry at `reported_at` followed by stage entries (any clock flag
with any category) and manual start / stop / cancel changes at distinct minute-aligned instants
within 60 days after `reported_at`. The calendars are Finnish office hours (a lunch break,
holidays, the spring and autumn clock changes) and an every-night shift in Helsinki whose
nights are 7 and 9 hours long when the clocks change.

`run_time(history, x)` is the business time the clock has run up to the instant x: the clock of
the history recorded up to x, asked at x.
"""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from openservice.calendars.arithmetic import Calendar, from_us, to_us
from openservice.sla.clock import (
    EVENT_KINDS,
    MANUAL_CANCEL,
    MANUAL_STOP,
    PAUSE,
    RUN,
    STATES,
    STOP,
    ManualChange,
    StageEntry,
    Targets,
    compute,
)

FINNISH = Calendar(
    timezone="Europe/Helsinki",
    week=dict.fromkeys(range(5), ((480, 720), (750, 990))),
    holiday_country="FI",
)
NIGHTS = Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(7), ((1320, 1800),)))
CALENDARS = {"finnish": FINNISH, "nights": NIGHTS}

MINUTE = timedelta(minutes=1)
MINUTE_US = 60_000_000
SPAN = 60 * 24 * 60  # 60 days in minutes
# Reports from December 2026 to the end of 2027: New Year, Easter, both clock changes, Christmas.
FIRST_REPORT = datetime(2026, 12, 1, tzinfo=UTC)
REPORT_RANGE = (datetime(2028, 1, 1, tzinfo=UTC) - FIRST_REPORT) // MINUTE

CATEGORIES = ("new", "scheduled", "in_progress", "on_hold", "completed", "closed", "cancelled")


def stage_changes():
    return st.builds(
        lambda clock, category: ("stage", clock, category),
        st.sampled_from((RUN, PAUSE, STOP)),
        st.sampled_from(CATEGORIES),
    )


def manual_changes():
    return st.builds(
        lambda action: ("manual", action), st.sampled_from(("start", "stop", "cancel"))
    )


@st.composite
def cases(draw, max_changes: int = 10):
    """(calendar, reported_at, sorted history, targets)."""
    calendar = CALENDARS[draw(st.sampled_from(sorted(CALENDARS)))]
    reported_at = FIRST_REPORT + draw(st.integers(0, REPORT_RANGE)) * MINUTE
    offsets = sorted(draw(st.lists(st.integers(1, SPAN), unique=True, max_size=max_changes)))
    kinds = draw(
        st.lists(
            st.one_of(stage_changes(), stage_changes(), manual_changes()),
            min_size=len(offsets),
            max_size=len(offsets),
        )
    )
    history = [StageEntry(reported_at, RUN, "new")]
    for offset, kind in zip(offsets, kinds, strict=True):
        at = reported_at + offset * MINUTE
        if kind[0] == "stage":
            history.append(StageEntry(at, kind[1], kind[2]))
        else:
            history.append(ManualChange(at, kind[1]))
    response = draw(st.integers(1, 3000))
    resolution = response + draw(st.integers(0, 6000))
    targets = Targets(response, resolution, draw(st.integers(1, 99)))
    return calendar, reported_at, history, targets


def clock_of(case, history=None):
    calendar, reported_at, base, targets = case
    return compute(
        reported_at=reported_at,
        history=base if history is None else history,
        targets=targets,
        calendar=calendar,
    )


def run_time(case, history, x: datetime) -> int:
    """Business µs the clock has run from reported_at up to x."""
    calendar = case[0]
    clock = clock_of(case, [change for change in history if change.at <= x])
    return clock.used_us_at(x, calendar)


def modes(history) -> list[str]:
    """The clock's mode after each change of a sorted history (a reference replay)."""
    stage_clock, manual, result = RUN, None, []
    for change in history:
        if isinstance(change, StageEntry):
            stage_clock = change.clock
        elif change.action == "start":
            manual = None
        else:
            manual = change.action
        result.append(STOP if manual else stage_clock)
    return result


def business_between(calendar, start: datetime, end: datetime) -> int:
    return calendar.between_us(to_us(start), to_us(end))


# -- (a) determinism -------------------------------------------------------------------------------


@given(case=cases(), data=st.data())
def test_the_order_of_recording_does_not_matter(case, data):
    history = case[2]
    shuffled = data.draw(st.permutations(history))
    assert clock_of(case, list(shuffled)) == clock_of(case)
    assert clock_of(case, list(reversed(history))) == clock_of(case)


# -- (b) pause invariance --------------------------------------------------------------------------


@st.composite
def paused_cases(draw):
    """A case, and a pause (t1, t2) placed inside a stretch where the clock runs: a pause stage
    entry at t1, and the stage the order was in entered again at t2."""
    case = draw(cases())
    calendar, reported_at, history, targets = case
    after = modes(history)
    gaps = []
    for index, mode in enumerate(after):
        if mode != RUN:
            continue
        begin = history[index].at
        end = history[index + 1].at if index + 1 < len(history) else begin + 20 * 1440 * MINUTE
        if (end - begin) >= 3 * MINUTE:
            gaps.append((index, begin, end))
    if not gaps:
        # Nothing runs for three minutes: run it again at the end.
        last = history[-1].at
        history = [
            *history,
            ManualChange(last + MINUTE, "start"),
            StageEntry(last + 2 * MINUTE, RUN, "scheduled"),
        ]
        case = (calendar, reported_at, history, targets)
        index = len(history) - 1
        gaps = [(index, history[index].at, history[index].at + 20 * 1440 * MINUTE)]
    index, begin, end = draw(st.sampled_from(gaps))
    span = (end - begin) // MINUTE
    first = draw(st.integers(1, span - 2))
    second = draw(st.integers(first + 1, span - 1))
    t1, t2 = begin + first * MINUTE, begin + second * MINUTE
    entered = next(c for c in reversed(history[: index + 1]) if isinstance(c, StageEntry))
    assert entered.clock == RUN
    paused = [
        *history[: index + 1],
        StageEntry(t1, PAUSE, "on_hold"),
        StageEntry(t2, RUN, entered.category),
        *history[index + 1 :],
    ]
    return case, paused, t1, t2


def run_end(history, t1: datetime) -> datetime | None:
    """Where the run that is going on at t1 ends (None: it never does)."""
    for change, mode in zip(history, modes(history), strict=True):
        if change.at > t1 and mode != RUN:
            return change.at
    return None


@given(example=paused_cases())
def test_a_pause_costs_exactly_the_business_time_paused(example):
    case, paused, t1, t2 = example
    calendar, _reported_at, history, targets = case
    plain, held = clock_of(case), clock_of(case, paused)
    paused_us = business_between(calendar, t1, t2)

    # Used time after the pause is the unpaused figure minus the business time of [t1, t2].
    last = max(history[-1].at, t2)
    for now in (t2, last, last + timedelta(days=3), last + timedelta(days=45)):
        assert run_time(case, paused, now) == run_time(case, history, now) - paused_us
        if now >= last:
            assert held.used_us_at(now, calendar) == plain.used_us_at(now, calendar) - paused_us
    # The pause changes nothing but the time counted.
    assert (held.mode, held.cancelled, held.responded_at, held.resolved_at, held.stopped_at) == (
        plain.mode,
        plain.cancelled,
        plain.responded_at,
        plain.resolved_at,
        plain.stopped_at,
    )

    end = run_end(history, t1)
    for minutes, before, after in (
        (targets.response_minutes, plain.response_due_at, held.response_due_at),
        (targets.resolution_minutes, plain.resolution_due_at, held.resolution_due_at),
    ):
        if before is None:  # never reached: with less time counted, still not
            assert after is None
            continue
        if before <= t1:  # reached before the pause: unchanged
            assert after == before
            continue
        if after is None:  # the runs that reached it no longer hold enough time
            assert held.running_since is None
            assert held.used_us < minutes * MINUTE_US
            assert plain.used_us - paused_us == held.used_us
            continue
        # Reached later: the run time up to the due is still the target, and the due is the
        # first instant it is.
        assert after >= before
        assert run_time(case, paused, after) == minutes * MINUTE_US
        assert run_time(case, paused, after - timedelta(microseconds=1)) < minutes * MINUTE_US
        # Within the same run it moves by exactly the business time paused.
        shifted = from_us(calendar.add_us(to_us(before), paused_us))
        if end is None or shifted <= end:
            assert after == shifted


# -- (c) used time ---------------------------------------------------------------------------------


@given(case=cases(max_changes=8), data=st.data())
def test_used_time_is_monotone_and_never_more_than_the_business_time(case, data):
    calendar, reported_at, history, _targets = case
    offsets = data.draw(st.lists(st.integers(0, SPAN + 30 * 1440), min_size=1, max_size=8))
    nows = sorted(reported_at + offset * MINUTE for offset in offsets)
    clock = clock_of(case)
    last = history[-1].at

    previous = 0
    for now in nows:
        used = run_time(case, history, now)
        assert 0 <= used <= business_between(calendar, reported_at, now)
        assert used >= previous
        previous = used
        if now >= last:
            assert clock.used_us_at(now, calendar) == used
    # The final clock never goes backwards either, and stands still unless it runs.
    at_last = clock.used_us_at(last, calendar)
    later = clock.used_us_at(max(nows[-1], last), calendar)
    assert later >= at_last >= clock.used_us
    if clock.running_since is None:
        assert later == clock.used_us
    assert clock.used_us % MINUTE_US == 0  # minute-aligned history, minute-aligned calendars


# -- (d) instants ----------------------------------------------------------------------------------


@given(case=cases())
def test_instants_are_ordered(case):
    _calendar, reported_at, history, targets = case
    clock = clock_of(case)
    events = clock.event_instants()

    assert set(events) <= set(EVENT_KINDS)
    for at in events.values():
        assert at >= reported_at
    for value in (clock.response_due_at, clock.resolution_due_at):
        assert value is None or value >= reported_at
    # Both targets count on the same runs, so the smaller is reached first.
    if clock.resolution_due_at is not None:
        assert clock.response_due_at is not None
        assert clock.response_due_at <= clock.resolution_due_at
    # A breach is the due instant; its warning comes no later.
    if clock.response_breach_at is not None:
        assert clock.response_breach_at == clock.response_due_at
        assert clock.response_warning_at is not None
        assert clock.response_warning_at <= clock.response_breach_at
    if clock.resolution_breach_at is not None:
        assert clock.resolution_breach_at == clock.resolution_due_at
        assert clock.resolution_warning_at is not None
        assert clock.resolution_warning_at <= clock.resolution_breach_at
    # A breach means the target was missed: met after it, or not met at all.
    if clock.response_breach_at is not None and clock.responded_at is not None:
        assert clock.responded_at > clock.response_breach_at
    if clock.resolution_breach_at is not None and clock.resolved_at is not None:
        assert clock.resolved_at > clock.resolution_breach_at
    # At the due instant exactly the target has been used.
    for minutes, due in (
        (targets.response_minutes, clock.response_due_at),
        (targets.resolution_minutes, clock.resolution_due_at),
    ):
        if due is not None:
            assert run_time(case, history, due) == minutes * MINUTE_US
    # A cancelled clock produces no events; the state is one of the six.
    if clock.cancelled:
        assert events == {}
        assert clock.mode == STOP
    assert clock.state_at(history[-1].at + timedelta(days=90)) in STATES
    if history[-1] == ManualChange(history[-1].at, MANUAL_CANCEL):
        assert clock.cancelled
    if isinstance(history[-1], ManualChange) and history[-1].action == MANUAL_STOP:
        assert clock.mode == STOP
