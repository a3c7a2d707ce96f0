"""Hand-worked examples for `openservice.sla.clock.compute` (pure Python, no database).

The calendar is Finnish office hours: Mon-Fri 08:00-12:00 and 12:30-16:30 Europe/Helsinki
(480 business minutes a day) with Finnish public holidays. Helsinki is UTC+2 in winter. Targets
are 120 business minutes to respond, 960 to resolve, with a warning at 75% (90 and 720 minutes).

January 2027: Fri 1 (New Year's Day) and Wed 6 (Epiphany) are holidays; Mon 11, Fri 15 and
Mon 18 are ordinary working days. Every expected instant is worked out in the comment above it.
"""

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from openservice.calendars.arithmetic import Calendar, business_minutes_between, make_interval
from openservice.sla import clock
from openservice.sla.clock import (
    AT_RISK,
    BREACHED,
    MET,
    ON_TRACK,
    PAUSED,
    STATE_CANCELLED,
    STOP,
    ManualChange,
    StageEntry,
    Targets,
    compute,
    state_at,
)

HEL = ZoneInfo("Europe/Helsinki")
MINUTE_US = 60_000_000

FINNISH = Calendar(
    timezone="Europe/Helsinki",
    week=dict.fromkeys(range(5), ((480, 720), (750, 990))),
    holiday_country="FI",
)
TARGETS = Targets(response_minutes=120, resolution_minutes=960, warning_percent=75)


def hel(*args: int) -> datetime:
    return datetime(*args, tzinfo=HEL)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# The default workflow's stages as the clock sees them.
def new(at):
    return StageEntry(at, "run", "new")


def scheduled(at):
    return StageEntry(at, "run", "scheduled")


def in_progress(at):
    return StageEntry(at, "run", "in_progress")


def on_hold(at):
    return StageEntry(at, "pause", "on_hold")


def completed(at):
    return StageEntry(at, "stop", "completed")


def closed(at):
    return StageEntry(at, "stop", "closed")


def cancelled(at):
    return StageEntry(at, "stop", "cancelled")


def manual(at, action):
    return ManualChange(at, action)


def run(reported_at, *history, targets=TARGETS, calendar=FINNISH) -> clock.Clock:
    return compute(
        reported_at=reported_at,
        history=[new(reported_at), *history],
        targets=targets,
        calendar=calendar,
    )


def minutes(value_us: int) -> int:
    assert value_us % MINUTE_US == 0
    return value_us // MINUTE_US


def test_the_calendar_is_the_one_described():
    assert FINNISH.week[0] == (make_interval("08:00", "12:00"), make_interval("12:30", "16:30"))
    assert FINNISH.weekly_minutes == 5 * 480
    assert TARGETS.warning_minutes(120) == 90
    assert TARGETS.warning_minutes(960) == 720


# -- A clock that just runs ------------------------------------------------------------------------


def test_reported_friday_afternoon_is_due_monday_morning():
    # Fri 15:00: 90 minutes until 16:30, so the 120-minute response needs 30 on Monday -> 08:30.
    # The warning (90 minutes) falls exactly at Friday's closing time, 16:30.
    # Resolution: 90 on Friday + 480 on Monday = 570; Tuesday needs 390 more: 240 in the morning
    # and 150 after lunch -> Tue 12:30 + 150 = 15:00. Its warning (720) is 570 + 150 -> Tue 10:30.
    result = run(hel(2027, 1, 15, 15, 0))

    assert result.mode == "run"
    assert not result.cancelled
    assert result.running_since == hel(2027, 1, 15, 15, 0)
    assert result.running_since.utcoffset().total_seconds() == 0  # instants are UTC
    assert result.used_us == 0
    assert result.responded_at is None
    assert result.resolved_at is None
    assert result.stopped_at is None
    assert result.response_due_at == hel(2027, 1, 18, 8, 30) == utc(2027, 1, 18, 6, 30)
    assert result.response_warning_at == hel(2027, 1, 15, 16, 30) == utc(2027, 1, 15, 14, 30)
    assert result.response_breach_at == hel(2027, 1, 18, 8, 30)
    assert result.resolution_due_at == hel(2027, 1, 19, 15, 0)
    assert result.resolution_warning_at == hel(2027, 1, 19, 10, 30)
    assert result.resolution_breach_at == hel(2027, 1, 19, 15, 0)
    assert result.event_instants() == {
        "response_warning": hel(2027, 1, 15, 16, 30),
        "response_breach": hel(2027, 1, 18, 8, 30),
        "resolution_warning": hel(2027, 1, 19, 10, 30),
        "resolution_breach": hel(2027, 1, 19, 15, 0),
    }
    # Over the weekend the clock "runs" but no business time passes.
    assert minutes(result.used_us_at(hel(2027, 1, 15, 16, 0), FINNISH)) == 60
    assert minutes(result.used_us_at(hel(2027, 1, 17, 23, 0), FINNISH)) == 90
    assert minutes(result.used_us_at(hel(2027, 1, 18, 8, 30), FINNISH)) == 120


def test_the_warning_is_75_percent_of_the_target():
    result = run(hel(2027, 1, 15, 15, 0))
    # 90 of 120 minutes used at the warning instant: exactly 75%.
    used = result.used_us_at(result.response_warning_at, FINNISH)
    assert minutes(used) == 90
    assert clock.percent(used, 120) == 75.0
    # One minute before, still on track; at the instant, at risk; at the due instant, breached.
    assert result.state_at(hel(2027, 1, 15, 16, 29)) == ON_TRACK
    assert result.state_at(hel(2027, 1, 15, 16, 30)) == AT_RISK
    assert result.state_at(hel(2027, 1, 18, 8, 29)) == AT_RISK
    assert result.state_at(hel(2027, 1, 18, 8, 30)) == BREACHED


def test_warning_minutes_round_up():
    # 75% of 10 is 7.5: at risk once 8 minutes are used.
    assert Targets(10, 20, 75).warning_minutes(10) == 8
    assert Targets(10, 20, 50).warning_minutes(10) == 5


# -- Pauses ----------------------------------------------------------------------------------------


def test_a_pause_over_the_weekend_moves_the_due_by_the_business_time_paused():
    # Reported Fri 15:00, on hold Fri 16:00 - Mon 10:00. Used before the pause: 60. The pause
    # covers Fri 16:00-16:30 (30) and Mon 08:00-10:00 (120): 150 business minutes, although
    # 66 hours pass on the wall clock. Response: 60 more from Mon 10:00 -> 11:00, which is the
    # unpaused due (Mon 08:30) plus 150 business minutes.
    reported = hel(2027, 1, 15, 15, 0)
    pause, resume = hel(2027, 1, 15, 16, 0), hel(2027, 1, 18, 10, 0)
    plain = run(reported)
    paused = run(reported, on_hold(pause), scheduled(resume))

    assert business_minutes_between(pause, resume, FINNISH) == 150
    assert paused.response_due_at == hel(2027, 1, 18, 11, 0)
    assert business_minutes_between(plain.response_due_at, paused.response_due_at, FINNISH) == 150
    # Resolution: 60 on Friday, Mon 10:00-16:30 gives 360 (420), Tuesday 480 (900), 60 on
    # Wednesday -> Wed 2027-01-20 09:00; the unpaused Tue 15:00 plus 150 business minutes.
    assert paused.resolution_due_at == hel(2027, 1, 20, 9, 0)
    assert business_minutes_between(plain.resolution_due_at, paused.resolution_due_at, FINNISH) == (
        150
    )
    # The warning (90 used) now falls at Mon 10:30: 60 before the pause + 30 after it.
    assert paused.response_warning_at == hel(2027, 1, 18, 10, 30)
    assert paused.mode == "run"
    assert paused.running_since == resume
    assert minutes(paused.used_us) == 60
    # Used time at any instant after the pause is the unpaused figure minus the 150 paused.
    for now in (hel(2027, 1, 18, 10, 0), hel(2027, 1, 18, 14, 0), hel(2027, 1, 22, 12, 0)):
        assert minutes(paused.used_us_at(now, FINNISH)) == (
            minutes(plain.used_us_at(now, FINNISH)) - 150
        )


def test_while_paused_the_clock_stands_still_and_no_crossing_is_projected():
    # Still on hold since Fri 16:00: 60 used, nothing is due until the clock runs again.
    reported = hel(2027, 1, 15, 15, 0)
    result = run(reported, in_progress(hel(2027, 1, 15, 15, 30)), on_hold(hel(2027, 1, 15, 16, 0)))

    assert result.mode == "pause"
    assert result.running_since is None
    assert minutes(result.used_us) == 60
    assert minutes(result.used_us_at(hel(2027, 2, 1, 12, 0), FINNISH)) == 60
    assert result.responded_at == hel(2027, 1, 15, 15, 30)
    assert result.response_due_at is None
    assert result.resolution_due_at is None
    assert result.event_instants() == {}
    assert result.state_at(hel(2027, 2, 1, 12, 0)) == PAUSED


def test_a_pause_over_epiphany_costs_nothing_on_the_holiday():
    # Reported Tue 2027-01-05 14:00; on hold Tue 15:00 - Thu 2027-01-07 09:00. Used: 60. The
    # pause covers Tue 15:00-16:30 (90), Wednesday (Epiphany: 0) and Thu 08:00-09:00 (60): 150.
    # Response: 60 more from Thu 09:00 -> Thu 10:00. Without the pause it was Tue 16:00
    # (14:00 + 120, the lunch break is before); Tue 16:00 + 150 business minutes is also
    # Thu 10:00 (30 on Tuesday, Wednesday closed, 120 on Thursday).
    reported = hel(2027, 1, 5, 14, 0)
    pause, resume = hel(2027, 1, 5, 15, 0), hel(2027, 1, 7, 9, 0)
    plain = run(reported)
    paused = run(reported, scheduled(hel(2027, 1, 5, 14, 30)), on_hold(pause), scheduled(resume))

    assert plain.response_due_at == hel(2027, 1, 5, 16, 0)
    assert business_minutes_between(pause, resume, FINNISH) == 150
    assert paused.response_due_at == hel(2027, 1, 7, 10, 0)
    # Warning at 90 used: 60 before the pause + 30 -> Thu 09:30.
    assert paused.response_warning_at == hel(2027, 1, 7, 9, 30)
    # Resolution: 60 + Thu 09:00-16:30 (180 + 240) = 480, and Fri 2027-01-08 gives the other
    # 480 -> Friday's closing time, 16:30.
    assert paused.resolution_due_at == hel(2027, 1, 8, 16, 30)


def test_pausing_outside_business_hours_changes_nothing():
    # On hold Fri 17:00 - Mon 07:00: no business time in between, so every instant is as before.
    reported = hel(2027, 1, 15, 15, 0)
    plain = run(reported)
    paused = run(reported, on_hold(hel(2027, 1, 15, 17, 0)), scheduled(hel(2027, 1, 18, 7, 0)))
    assert paused.response_due_at == plain.response_due_at
    assert paused.resolution_due_at == plain.resolution_due_at
    assert paused.event_instants() == plain.event_instants()


# -- Stops, re-entering a run stage ----------------------------------------------------------------


def test_completing_resolves_and_reopening_restarts_from_the_minutes_used():
    # Reported Mon 2027-01-11 08:00, in progress 09:00 (responded after 60), completed 10:00
    # (120 used). Reopened (in progress again) Tue 08:00: 840 of 960 left, Tuesday gives 480,
    # Wednesday 240 in the morning and 120 after lunch -> Wed 2027-01-13 14:30.
    reported = hel(2027, 1, 11, 8, 0)
    done = run(reported, in_progress(hel(2027, 1, 11, 9, 0)), completed(hel(2027, 1, 11, 10, 0)))

    assert done.mode == "stop"
    assert done.running_since is None
    assert minutes(done.used_us) == 120
    assert done.responded_at == hel(2027, 1, 11, 9, 0)
    assert done.resolved_at == done.stopped_at == hel(2027, 1, 11, 10, 0)
    assert done.response_due_at == hel(2027, 1, 11, 10, 0)  # reached as the clock stopped
    assert done.response_breach_at is None  # responded at 09:00, before it
    assert done.resolution_due_at is None  # never reached
    # The response warning (90 used) would have been at 09:30, after the response: no events.
    assert done.event_instants() == {}
    assert done.state_at(hel(2027, 1, 12, 12, 0)) == MET

    reopened = run(
        reported,
        in_progress(hel(2027, 1, 11, 9, 0)),
        completed(hel(2027, 1, 11, 10, 0)),
        in_progress(hel(2027, 1, 12, 8, 0)),
    )
    assert reopened.mode == "run"
    assert reopened.running_since == hel(2027, 1, 12, 8, 0)
    assert minutes(reopened.used_us) == 120
    assert reopened.responded_at == hel(2027, 1, 11, 9, 0)  # the first entry counts
    assert reopened.resolved_at is None
    assert reopened.stopped_at is None
    assert reopened.resolution_due_at == hel(2027, 1, 13, 14, 30)
    # Warning at 720 used: 600 more after Tuesday 08:00 -> Tue 480, 120 more -> Wed 10:00.
    assert reopened.resolution_warning_at == hel(2027, 1, 13, 10, 0)
    assert minutes(reopened.used_us_at(hel(2027, 1, 12, 16, 30), FINNISH)) == 600


def test_closing_after_completing_keeps_the_first_stop_as_the_resolution():
    # completed Mon 10:00 then closed Tue 09:00: two stop stages in a row; the clock stopped at
    # the first, so resolved at Mon 10:00 and 120 used.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(
        reported,
        in_progress(hel(2027, 1, 11, 9, 0)),
        completed(hel(2027, 1, 11, 10, 0)),
        closed(hel(2027, 1, 12, 9, 0)),
    )
    assert result.resolved_at == hel(2027, 1, 11, 10, 0)
    assert minutes(result.used_us) == 120
    assert result.state_at(hel(2027, 1, 20, 9, 0)) == MET


# -- Response --------------------------------------------------------------------------------------


def test_response_met_before_due_is_no_breach():
    # Reported Mon 08:00, due 10:00, warning 09:30. In progress at 09:45: after the warning
    # (which happened), before the due: no response breach, and the response warning stays.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, scheduled(hel(2027, 1, 11, 8, 30)), in_progress(hel(2027, 1, 11, 9, 45)))

    assert result.responded_at == hel(2027, 1, 11, 9, 45)
    assert result.response_due_at == hel(2027, 1, 11, 10, 0)
    assert result.response_breach_at is None
    assert result.response_warning_at == hel(2027, 1, 11, 9, 30)
    # Resolution still runs: 960 from Mon 08:00 is two full days -> Tue 16:30.
    assert result.resolution_due_at == hel(2027, 1, 12, 16, 30)
    assert result.resolution_breach_at == hel(2027, 1, 12, 16, 30)
    # The resolution warning (720: 480 on Monday + 240 on Tuesday morning) is Tue 12:00.
    assert result.resolution_warning_at == hel(2027, 1, 12, 12, 0)
    assert result.state_at(hel(2027, 1, 12, 16, 30)) == BREACHED


def test_responding_before_the_warning_leaves_no_response_event():
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, in_progress(hel(2027, 1, 11, 9, 0)))
    assert result.response_warning_at is None
    assert result.response_breach_at is None
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == ON_TRACK


def test_response_after_due_is_a_breach_at_the_due_instant():
    # In progress at 10:30, half an hour after the 10:00 due: breached at 10:00 exactly.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, in_progress(hel(2027, 1, 11, 10, 30)))

    assert result.responded_at == hel(2027, 1, 11, 10, 30)
    assert result.response_breach_at == hel(2027, 1, 11, 10, 0)
    assert result.response_warning_at == hel(2027, 1, 11, 9, 30)
    assert result.state_at(hel(2027, 1, 11, 9, 59)) == AT_RISK
    assert result.state_at(hel(2027, 1, 11, 10, 0)) == BREACHED


def test_responding_exactly_at_the_due_instant_is_in_time():
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, in_progress(hel(2027, 1, 11, 10, 0)))
    assert result.response_breach_at is None


def test_a_missed_response_stays_breached_after_completion():
    # In progress 10:30 (response breached at 10:00), completed 11:00 (resolution met).
    reported = hel(2027, 1, 11, 8, 0)
    result = run(
        reported, in_progress(hel(2027, 1, 11, 10, 30)), completed(hel(2027, 1, 11, 11, 0))
    )
    assert result.mode == "stop"
    assert result.resolved_at == hel(2027, 1, 11, 11, 0)
    assert result.response_breach_at == hel(2027, 1, 11, 10, 0)
    assert result.resolution_breach_at is None
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == BREACHED
    assert result.state_at(hel(2027, 3, 1, 12, 0)) == BREACHED


def test_completing_without_in_progress_counts_as_the_response_too():
    # Straight from scheduled to completed at 09:00: responded and resolved at 09:00.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, scheduled(hel(2027, 1, 11, 8, 30)), completed(hel(2027, 1, 11, 9, 0)))
    assert result.responded_at == result.resolved_at == hel(2027, 1, 11, 9, 0)
    assert result.event_instants() == {}
    assert result.state_at(hel(2027, 1, 11, 9, 0)) == MET


def test_an_in_progress_entry_while_manually_stopped_still_counts_as_the_response():
    reported = hel(2027, 1, 11, 8, 0)
    result = run(
        reported,
        manual(hel(2027, 1, 11, 8, 30), "stop"),
        in_progress(hel(2027, 1, 11, 11, 0)),
    )
    assert result.responded_at == hel(2027, 1, 11, 11, 0)
    assert result.mode == "stop"
    assert minutes(result.used_us) == 30


# -- Manual start, stop and cancel -----------------------------------------------------------------


def test_manual_stop_before_the_target_is_met():
    # Stopped by hand at 09:00 (60 used): neither target is ever reached, nothing is due.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, manual(hel(2027, 1, 11, 9, 0), "stop"))

    assert result.mode == "stop"
    assert not result.cancelled
    assert result.stopped_at == hel(2027, 1, 11, 9, 0)
    assert result.resolved_at is None  # a manual stop is no resolution
    assert minutes(result.used_us) == 60
    assert result.response_due_at is None
    assert result.event_instants() == {}
    assert result.state_at(hel(2027, 1, 11, 9, 0)) == MET
    assert result.state_at(hel(2027, 2, 1, 9, 0)) == MET


def test_manual_stop_after_the_target_stays_breached():
    # Stopped at 11:00 with 180 used: the response was due at 10:00 and breached then.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, manual(hel(2027, 1, 11, 11, 0), "stop"))

    assert result.mode == "stop"
    assert minutes(result.used_us) == 180
    assert result.response_due_at == hel(2027, 1, 11, 10, 0)
    assert result.response_breach_at == hel(2027, 1, 11, 10, 0)
    assert result.response_warning_at == hel(2027, 1, 11, 9, 30)
    assert result.resolution_due_at is None
    assert result.resolution_breach_at is None
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == BREACHED
    assert result.state_at(hel(2028, 1, 1, 0, 0)) == BREACHED


def test_manual_cancel_is_cancelled_with_no_events():
    # Cancelled by hand at 11:00, after the response was due: no events at all.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, manual(hel(2027, 1, 11, 11, 0), "cancel"))

    assert result.cancelled
    assert result.mode == "stop"
    assert result.resolved_at is None
    assert result.event_instants() == {}
    assert result.response_breach_at is None
    assert result.response_warning_at is None
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == STATE_CANCELLED
    # Stage changes after it do not bring the clock back.
    later = run(
        reported,
        manual(hel(2027, 1, 11, 11, 0), "cancel"),
        in_progress(hel(2027, 1, 11, 12, 30)),
        completed(hel(2027, 1, 11, 13, 0)),
    )
    assert later.cancelled
    assert later.resolved_at is None
    assert minutes(later.used_us) == 180
    assert later.event_instants() == {}


def test_manual_start_after_a_manual_stop_resumes():
    # Stopped by hand 09:00-11:00 with 60 used: the response needs 60 more from 11:00 -> 12:00,
    # the start of lunch (a due at a closing time is that closing time). Warning at 90: 11:30.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(
        reported, manual(hel(2027, 1, 11, 9, 0), "stop"), manual(hel(2027, 1, 11, 11, 0), "start")
    )

    assert result.mode == "run"
    assert result.running_since == hel(2027, 1, 11, 11, 0)
    assert minutes(result.used_us) == 60
    assert result.response_due_at == hel(2027, 1, 11, 12, 0)
    assert result.response_warning_at == hel(2027, 1, 11, 11, 30)
    # Resolution: 60 before, Mon 11:00-16:30 gives 300 (360), Tue 480 (840), Wed 120 -> 10:00.
    assert result.resolution_due_at == hel(2027, 1, 13, 10, 0)
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == ON_TRACK


def test_manual_start_hands_the_clock_back_to_the_stage():
    # Stopped by hand while scheduled, put on hold meanwhile, started again: the stage (on hold)
    # pauses it; back in progress, it runs.
    reported = hel(2027, 1, 11, 8, 0)
    history = [
        manual(hel(2027, 1, 11, 9, 0), "stop"),
        in_progress(hel(2027, 1, 11, 9, 30)),
        on_hold(hel(2027, 1, 11, 10, 0)),
        manual(hel(2027, 1, 11, 11, 0), "start"),
    ]
    result = run(reported, *history)
    assert result.mode == "pause"
    assert minutes(result.used_us) == 60

    resumed = run(reported, *history, in_progress(hel(2027, 1, 11, 13, 0)))
    assert resumed.mode == "run"
    assert resumed.running_since == hel(2027, 1, 11, 13, 0)
    assert minutes(resumed.used_us) == 60


def test_manual_start_after_a_manual_cancel_resumes_and_clears_the_cancel():
    reported = hel(2027, 1, 11, 8, 0)
    result = run(
        reported,
        manual(hel(2027, 1, 11, 9, 0), "cancel"),
        manual(hel(2027, 1, 11, 10, 0), "start"),
    )
    assert not result.cancelled
    assert result.mode == "run"
    assert result.response_due_at == hel(2027, 1, 11, 11, 0)  # 60 + 60 from 10:00


def test_the_cancelled_stage_is_cancelled():
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, scheduled(hel(2027, 1, 11, 9, 0)), cancelled(hel(2027, 1, 11, 11, 0)))

    assert result.cancelled
    assert result.mode == "stop"
    assert result.resolved_at is None
    assert result.responded_at is None
    assert minutes(result.used_us) == 180
    assert result.event_instants() == {}
    assert result.state_at(hel(2027, 1, 11, 11, 0)) == STATE_CANCELLED


def test_revoking_a_cancellation_runs_the_clock_again():
    # Cancelled 09:00-10:00 (stage), then back to scheduled: 60 used, runs again from 10:00.
    reported = hel(2027, 1, 11, 8, 0)
    result = run(reported, cancelled(hel(2027, 1, 11, 9, 0)), scheduled(hel(2027, 1, 11, 10, 0)))
    assert not result.cancelled
    assert result.mode == "run"
    assert result.response_due_at == hel(2027, 1, 11, 11, 0)


# -- State precedence ------------------------------------------------------------------------------

REPORTED = hel(2027, 1, 11, 8, 0)  # response warning 09:30, due 10:00


@pytest.mark.parametrize(
    ("history", "now", "expected"),
    [
        # Running: on track, at risk from 09:30, breached from 10:00.
        ((), hel(2027, 1, 11, 9, 29), ON_TRACK),
        ((), hel(2027, 1, 11, 9, 30), AT_RISK),
        ((), hel(2027, 1, 11, 10, 0), BREACHED),
        # Paused after the warning, before the due: paused beats at risk.
        ((on_hold(hel(2027, 1, 11, 9, 45)),), hel(2027, 1, 11, 12, 0), PAUSED),
        # Paused before the warning.
        ((on_hold(hel(2027, 1, 11, 9, 0)),), hel(2027, 1, 11, 12, 0), PAUSED),
        # Paused after the due: breached beats paused.
        ((on_hold(hel(2027, 1, 11, 10, 30)),), hel(2027, 1, 11, 12, 0), BREACHED),
        # Completed after the warning, in time: met beats at risk.
        ((completed(hel(2027, 1, 11, 9, 45)),), hel(2027, 1, 11, 12, 0), MET),
        # Completed late: breached beats met.
        ((completed(hel(2027, 1, 11, 10, 30)),), hel(2027, 1, 11, 12, 0), BREACHED),
        # Stopped by hand late: breached beats met.
        ((manual(hel(2027, 1, 11, 10, 30), "stop"),), hel(2027, 1, 11, 12, 0), BREACHED),
        # Cancelled late (stage or by hand): cancelled beats breached.
        ((cancelled(hel(2027, 1, 11, 10, 30)),), hel(2027, 1, 11, 12, 0), STATE_CANCELLED),
        ((manual(hel(2027, 1, 11, 10, 30), "cancel"),), hel(2027, 1, 11, 12, 0), STATE_CANCELLED),
    ],
)
def test_state_precedence_of_computed_clocks(history, now, expected):
    assert run(REPORTED, *history).state_at(now) == expected


def test_state_precedence_of_the_stored_facts():
    past, future = utc(2027, 1, 1), utc(2027, 2, 1)
    now = utc(2027, 1, 15)

    def state(*, cancelled=False, mode="run", breach=None, warning=None, responded=None):
        return state_at(
            now=now,
            cancelled=cancelled,
            mode=mode,
            breach_instants=(None, breach),
            warning_instants=(warning, None),
            met_instants=(responded, None),
        )

    assert state(cancelled=True, mode="stop", breach=past, warning=past) == STATE_CANCELLED
    assert state(mode="stop", breach=past, warning=past) == BREACHED
    assert state(mode="pause", breach=past) == BREACHED
    assert state(mode="stop", breach=future, warning=past) == MET
    assert state(mode="pause", warning=past) == PAUSED
    assert state(mode="run", warning=past, breach=future) == AT_RISK
    assert state(mode="run", warning=future, breach=future) == ON_TRACK
    assert state(mode="run") == ON_TRACK
    # An instant equal to now has happened.
    assert state(mode="run", breach=now) == BREACHED
    assert state(mode="run", warning=now) == AT_RISK
    # A response given after its warning: the order is no longer at risk for it.
    assert state(mode="run", warning=past, responded=past) == ON_TRACK
    assert state(mode="run", warning=past, responded=future) == AT_RISK


# -- Order of recording ----------------------------------------------------------------------------


def test_the_history_in_any_order_gives_the_same_clock():
    reported = hel(2027, 1, 8, 14, 0)
    history = [
        new(reported),
        scheduled(hel(2027, 1, 8, 15, 0)),
        in_progress(hel(2027, 1, 11, 9, 0)),
        on_hold(hel(2027, 1, 11, 10, 15)),
        manual(hel(2027, 1, 11, 11, 0), "stop"),
        in_progress(hel(2027, 1, 12, 8, 30)),
        manual(hel(2027, 1, 12, 13, 0), "start"),
        completed(hel(2027, 1, 13, 9, 0)),
        in_progress(hel(2027, 1, 14, 10, 0)),
        on_hold(hel(2027, 1, 14, 12, 45)),
        in_progress(hel(2027, 1, 18, 8, 0)),
    ]
    expected = compute(reported_at=reported, history=history, targets=TARGETS, calendar=FINNISH)
    shuffler = random.Random(20270111)
    for _ in range(25):
        shuffled = history[:]
        shuffler.shuffle(shuffled)
        assert (
            compute(reported_at=reported, history=shuffled, targets=TARGETS, calendar=FINNISH)
            == expected
        )
    # And the result is the one worked out by hand: runs Fri 14:00-Mon 10:15 (150 + 135 = 285),
    # paused, stopped by hand from Mon 11:00 until the start at Tue 13:00 (in progress: runs),
    # Tue 13:00-Wed 09:00 (210 + 60 = 270, 555 in all), completed, reopened Thu 10:00-12:45
    # (120 + 15 = 135, 690), on hold, in progress Mon 2027-01-18 08:00: running since then.
    assert expected.mode == "run"
    assert expected.running_since == hel(2027, 1, 18, 8, 0)
    assert minutes(expected.used_us) == 690
    assert expected.responded_at == hel(2027, 1, 11, 9, 0)
    # Response due (120): Fri 14:00-16:30 gives 150 -> Fri 16:00; responded Mon: breached.
    assert expected.response_due_at == hel(2027, 1, 8, 16, 0)
    assert expected.response_breach_at == hel(2027, 1, 8, 16, 0)
    # Resolution warning (720): 30 more from Mon 2027-01-18 08:00 -> 08:30; due (960) 270 more
    # -> 08:00 + 240 = 12:00, 30 after lunch -> 13:00.
    assert expected.resolution_warning_at == hel(2027, 1, 18, 8, 30)
    assert expected.resolution_due_at == hel(2027, 1, 18, 13, 0)


def test_a_change_recorded_before_the_report_counts_from_the_report():
    # An entry dated before reported_at is taken as happening at reported_at.
    reported = hel(2027, 1, 11, 8, 0)
    early = compute(
        reported_at=reported,
        history=[in_progress(hel(2027, 1, 11, 7, 0))],
        targets=TARGETS,
        calendar=FINNISH,
    )
    assert early.responded_at == reported


# -- Clock changes ---------------------------------------------------------------------------------

# Every night 22:00-06:00 Helsinki time. The night of Sat 27 -> Sun 28 March 2027 lasts 7 hours
# (03:00 EET jumps to 04:00 EEST at 01:00 UTC): 20:00 UTC -> 03:00 UTC. The night of
# Sat 30 -> Sun 31 October 2027 lasts 9 hours (04:00 EEST falls back to 03:00 EET at 01:00 UTC):
# 19:00 UTC -> 04:00 UTC.
NIGHTS = Calendar(timezone="Europe/Helsinki", week=dict.fromkeys(range(7), ((1320, 1800),)))


def test_nights_are_seven_and_nine_hours_long_on_the_clock_change_nights():
    assert business_minutes_between(utc(2027, 3, 27, 12), utc(2027, 3, 28, 12), NIGHTS) == 420
    assert business_minutes_between(utc(2027, 10, 30, 12), utc(2027, 10, 31, 12), NIGHTS) == 540


def test_a_clock_through_the_spring_night():
    # Reported Sat 2027-03-27 22:00 EET = 20:00 UTC; targets 400 / 480, warning 75% (300 / 360).
    # Response: 20:00 UTC + 400 min = 02:40 UTC (05:40 EEST; 04:40 if the night had 8 hours).
    # Response warning: 20:00 + 300 = 01:00 UTC, the very instant of the change (04:00 EEST).
    # Resolution: the night gives 420; 60 more from Sun 22:00 EEST (19:00 UTC) -> 20:00 UTC.
    # Resolution warning: 360 -> 02:00 UTC (05:00 EEST).
    targets = Targets(response_minutes=400, resolution_minutes=480, warning_percent=75)
    reported = hel(2027, 3, 27, 22, 0)
    assert reported == utc(2027, 3, 27, 20, 0)
    result = run(reported, targets=targets, calendar=NIGHTS)

    assert result.response_due_at == utc(2027, 3, 28, 2, 40) == hel(2027, 3, 28, 5, 40)
    assert result.response_warning_at == utc(2027, 3, 28, 1, 0)
    assert result.resolution_warning_at == utc(2027, 3, 28, 2, 0)
    assert result.resolution_due_at == utc(2027, 3, 28, 20, 0) == hel(2027, 3, 28, 23, 0)
    assert minutes(result.used_us_at(utc(2027, 3, 28, 12, 0), NIGHTS)) == 420


def test_a_pause_during_the_spring_night():
    # Same report, on hold 23:00 EET (21:00 UTC) - 05:00 EEST (02:00 UTC): 5 real hours paused,
    # 300 business minutes (23:00 -> 05:00 on the wall clock would say 6 hours). Used: 60 before,
    # 02:00-03:00 UTC (60) after: 120 by the end of the night. Resolution (480): 360 more from
    # Sun 19:00 UTC -> Mon 01:00 UTC (Mon 2027-03-29 04:00 EEST).
    targets = Targets(response_minutes=400, resolution_minutes=480, warning_percent=75)
    reported = hel(2027, 3, 27, 22, 0)
    pause, resume = hel(2027, 3, 27, 23, 0), hel(2027, 3, 28, 5, 0)
    assert business_minutes_between(pause, resume, NIGHTS) == 300
    result = run(reported, on_hold(pause), scheduled(resume), targets=targets, calendar=NIGHTS)

    assert minutes(result.used_us_at(utc(2027, 3, 28, 12, 0), NIGHTS)) == 120
    assert result.resolution_due_at == utc(2027, 3, 29, 1, 0) == hel(2027, 3, 29, 4, 0)
    # Response (400): 120 on the first night, 280 more from Sun 19:00 UTC -> 23:40 UTC.
    assert result.response_due_at == utc(2027, 3, 28, 23, 40)


def test_a_clock_through_the_autumn_night():
    # Reported Sat 2027-10-30 22:00 EEST = 19:00 UTC; targets 500 / 600, warning 75% (375 / 450).
    # Response: 19:00 UTC + 500 min = 03:20 UTC = 05:20 EET (reading the night as 8 hours of wall
    # clock, 22:00 + 500 min would be 06:20, after the night's end). Warning: 19:00 + 375 =
    # 01:15 UTC, the second 03:15 local (EET, after the change). Resolution: the night gives 540;
    # 60 more from Sun 22:00 EET (20:00 UTC) -> 21:00 UTC. Resolution warning: 450 -> 02:30 UTC
    # (04:30 EET).
    targets = Targets(response_minutes=500, resolution_minutes=600, warning_percent=75)
    reported = hel(2027, 10, 30, 22, 0)
    assert reported == utc(2027, 10, 30, 19, 0)
    result = run(reported, targets=targets, calendar=NIGHTS)

    assert result.response_due_at == utc(2027, 10, 31, 3, 20) == hel(2027, 10, 31, 5, 20)
    assert result.response_warning_at == utc(2027, 10, 31, 1, 15)
    assert result.resolution_warning_at == utc(2027, 10, 31, 2, 30)
    assert result.resolution_due_at == utc(2027, 10, 31, 21, 0) == hel(2027, 10, 31, 23, 0)
    assert minutes(result.used_us_at(utc(2027, 10, 31, 12, 0), NIGHTS)) == 540


def test_a_response_in_the_repeated_autumn_hour():
    # In progress at 01:30 UTC, which is the second 03:30 local (EET): 390 minutes after the
    # report, before the 500 due; then completed at 03:00 UTC (480 used), in time.
    targets = Targets(response_minutes=500, resolution_minutes=600, warning_percent=75)
    reported = hel(2027, 10, 30, 22, 0)
    result = run(
        reported,
        in_progress(utc(2027, 10, 31, 1, 30)),
        completed(utc(2027, 10, 31, 3, 0)),
        targets=targets,
        calendar=NIGHTS,
    )
    assert result.responded_at == utc(2027, 10, 31, 1, 30)
    assert minutes(result.used_us) == 480
    assert result.response_warning_at == utc(2027, 10, 31, 1, 15)  # 375 used: it happened
    assert result.response_breach_at is None
    assert result.resolution_warning_at == utc(2027, 10, 31, 2, 30)
    assert result.resolution_breach_at is None
    assert result.state_at(utc(2027, 11, 1)) == MET


# -- What resolves an order --------------------------------------------------------------------


def test_completion_after_a_manual_stop_is_the_resolution():
    # Stopped by hand at 09:00, completed at 10:00, the hand-stop released at 11:00: resolved
    # at 10:00, when the order entered the completed stage (the clock counted until 09:00).
    clock = run(
        hel(2027, 1, 11, 8, 0),
        in_progress(hel(2027, 1, 11, 8, 30)),
        manual(hel(2027, 1, 11, 9, 0), "stop"),
        completed(hel(2027, 1, 11, 10, 0)),
        manual(hel(2027, 1, 11, 11, 0), "start"),
    )
    assert clock.resolved_at == hel(2027, 1, 11, 10, 0)
    assert clock.responded_at == hel(2027, 1, 11, 8, 30)
    assert clock.used_us == 60 * MINUTE_US
    assert clock.state_at(hel(2027, 1, 12, 12, 0)) == MET


def test_a_stop_by_hand_alone_is_not_a_resolution():
    clock = run(
        hel(2027, 1, 11, 8, 0),
        manual(hel(2027, 1, 11, 9, 0), "stop"),
    )
    assert (clock.mode, clock.resolved_at, clock.responded_at) == (STOP, None, None)
    assert clock.state_at(hel(2027, 1, 20, 12, 0)) == MET


def test_a_custom_stage_that_stops_the_clock_does_not_resolve():
    # A "waiting for the customer" stage configured to stop the clock (category on hold).
    waiting = StageEntry(hel(2027, 1, 11, 9, 0), STOP, "on_hold")
    clock = run(hel(2027, 1, 11, 8, 0), waiting)
    assert (clock.mode, clock.resolved_at) == (STOP, None)
    later = run(
        hel(2027, 1, 11, 8, 0),
        waiting,
        completed(hel(2027, 1, 12, 9, 0)),
    )
    assert later.resolved_at == hel(2027, 1, 12, 9, 0)
