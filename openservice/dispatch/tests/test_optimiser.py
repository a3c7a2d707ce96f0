"""The optimiser on small worked cases and random small problems. Pure: no database."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openservice.dispatch.optimiser import (
    NO_CAPACITY,
    NO_SKILLS,
    NO_WINDOW,
    Assignment,
    Break,
    Fixed,
    Job,
    Location,
    Planned,
    Problem,
    Shift,
    Technician,
    check,
    propose,
)

DAY = datetime(2025, 3, 4, tzinfo=UTC)
CENTRE = Location(60.17, 24.94)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def place(km_east: float, km_north: float) -> Location:
    """`km_east`, `km_north` from the centre (1° of latitude ≈ 111 km; of longitude ≈ 55 km)."""
    return Location(CENTRE.lat + km_north / 111.2, CENTRE.lon + km_east / 55.4)


def technician(ident, skills=(1,), home=(0, 0), start=8, end=16, breaks=()):
    return Technician(ident, place(*home), frozenset(skills), (Shift(at(start), at(end), breaks),))


def job(ident, where=(0, 0), minutes=60, skills=(1,), priority="normal", windows=(), due=None):
    return Job(ident, place(*where), minutes, windows, frozenset(skills), priority, due)


def solve(problem: Problem):
    proposal = propose(problem)
    assert check(problem, proposal) == []
    return proposal


def by_job(proposal) -> dict[int, Assignment]:
    return {a.job_id: a for a in proposal.assignments}


def test_skills_are_always_respected_even_when_the_other_technician_is_closer():
    problem = Problem(
        jobs=tuple(
            job(n, where=(10, 0) if n % 2 else (0, 0), skills=(1,) if n % 2 else (2,))
            for n in range(1, 7)
        ),
        technicians=(technician(1, skills=(1,)), technician(2, skills=(2,), home=(10, 0))),
    )
    proposal = solve(problem)
    assert {a.job_id for a in proposal.assignments} == set(range(1, 7))
    for a in proposal.assignments:
        assert a.technician_id == (1 if a.job_id % 2 else 2)


def test_a_job_whose_skills_nobody_has_comes_back_unassigned_with_the_reason():
    problem = Problem(
        jobs=(job(1), job(2, skills=(1, 9))), technicians=(technician(1, skills=(1, 2)),)
    )
    proposal = solve(problem)
    assert [a.job_id for a in proposal.assignments] == [1]
    assert [(u.job_id, u.reason) for u in proposal.unassigned] == [(2, NO_SKILLS)]


def test_a_window_outside_every_shift_comes_back_unassigned_with_the_reason():
    problem = Problem(
        jobs=(job(1, windows=((at(17), at(19)),)), job(2, minutes=600)),
        technicians=(technician(1),),
    )
    proposal = solve(problem)
    assert [(u.job_id, u.reason) for u in proposal.unassigned] == [(1, NO_WINDOW), (2, NO_WINDOW)]


def test_fixed_appointments_stay_put_and_nothing_overlaps_them():
    fixed = (Fixed(100, 1, at(10), at(11)), Fixed(101, 1, at(13), at(14, 30)))
    problem = Problem(
        jobs=(
            job(100, where=(3, 0)),
            job(101, where=(0, 3)),
            *(job(n, where=(n, 1), windows=((at(9), at(15)),)) for n in range(1, 5)),
        ),
        technicians=(technician(1, breaks=(Break(at(11), at(13), 30),)),),
        fixed=fixed,
    )
    proposal = solve(problem)
    planned = {a.job_id for a in proposal.assignments} | {u.job_id for u in proposal.unassigned}
    assert planned == {1, 2, 3, 4}  # the fixed jobs are neither re-planned nor unassigned
    for a in proposal.assignments:
        for f in fixed:
            assert a.end <= f.start or a.start >= f.end


def test_a_fixed_appointment_with_no_time_to_get_there_starts_the_day_at_its_site():
    problem = Problem(
        jobs=(job(1, where=(2, 0)),),
        technicians=(technician(1, home=(-20, 0)),),
        fixed=(Fixed(100, 1, at(8), at(9), location=place(1, 0)),),
    )
    proposal = solve(problem)
    (assignment,) = proposal.assignments
    assert assignment.start >= at(9) + timedelta(minutes=assignment.travel_minutes)
    assert assignment.travel_minutes == 3  # from the fixed site, not from home


def test_shifts_and_breaks_are_respected():
    lunch = Break(at(10), at(10, 30), 30)  # exactly 10:00-10:30
    problem = Problem(
        jobs=tuple(job(n, where=(n * 0.5, 0), minutes=45) for n in range(1, 8)),
        technicians=(technician(1, start=8, end=12, breaks=(lunch,)),),
    )
    proposal = solve(problem)
    assert proposal.breaks and proposal.breaks[0].start == at(10)
    for a in proposal.assignments:
        assert at(8) <= a.start and a.end <= at(12)
        assert a.end <= at(10) or a.start >= at(10, 30)
    assert 3 <= len(proposal.assignments) < 7
    assert {u.reason for u in proposal.unassigned} == {NO_CAPACITY}


def test_a_critical_job_is_preferred_over_a_low_one_when_only_one_fits():
    problem = Problem(
        jobs=(
            job(1, minutes=90, priority="low"),
            job(2, where=(1, 0), minutes=90, priority="critical"),
        ),
        technicians=(technician(1, start=8, end=10),),
    )
    proposal = solve(problem)
    assert [a.job_id for a in proposal.assignments] == [2]
    assert [(u.job_id, u.reason) for u in proposal.unassigned] == [(1, NO_CAPACITY)]


def test_one_critical_job_outweighs_three_high_ones():
    problem = Problem(
        jobs=(
            job(1, minutes=110, priority="critical"),
            *(job(n, minutes=35, priority="high") for n in (2, 3, 4)),
        ),
        technicians=(technician(1, start=8, end=10),),
    )
    assert [a.job_id for a in solve(problem).assignments] == [1]


def test_no_job_is_assigned_twice():
    problem = Problem(
        jobs=tuple(job(n, where=(n % 5, n // 5), minutes=30) for n in range(1, 21)),
        technicians=tuple(technician(t, home=(t, t)) for t in range(1, 4)),
    )
    proposal = solve(problem)
    ids = [a.job_id for a in proposal.assignments] + [u.job_id for u in proposal.unassigned]
    assert sorted(ids) == list(range(1, 21))


def test_a_job_is_planned_to_end_by_its_due_instant_when_it_can():
    problem = Problem(
        jobs=(job(1, where=(1, 0)), job(2, where=(1, 0), due=at(10))),
        technicians=(technician(1),),
    )
    proposal = solve(problem)
    assert by_job(proposal)[2].end <= at(10)
    assert proposal.late_minutes == 0


def test_of_two_jobs_that_cannot_both_be_on_time_the_one_due_first_goes_first():
    problem = Problem(
        jobs=(job(1, due=at(8, 40)), job(2, due=at(8, 20))),  # at home: no travel
        technicians=(technician(1),),
    )
    proposal = solve(problem)
    first, second = by_job(proposal)[2], by_job(proposal)[1]
    assert (first.start, second.start) == (at(8), at(9))
    assert proposal.late_minutes == 40 + 80


def test_a_job_that_cannot_be_on_time_is_still_planned_late():
    problem = Problem(
        jobs=(job(1, where=(5, 0), due=at(7)),),  # due before the shift starts
        technicians=(technician(1),),
    )
    proposal = solve(problem)
    assert [a.job_id for a in proposal.assignments] == [1]
    assert proposal.late_minutes > 60


def random_day(seed: int, jobs: int, technicians: int) -> Problem:
    rng = random.Random(seed)
    lunch = (Break(at(11), at(13), 30),)
    return Problem(
        jobs=tuple(
            job(
                n,
                where=(rng.uniform(-10, 10), rng.uniform(-10, 10)),
                minutes=rng.choice((30, 45, 60, 90)),
                skills=(rng.randint(1, 3),),
                priority=rng.choice(("low", "normal", "high", "critical")),
                windows=rng.choice(((), ((at(8), at(12)),), ((at(12), at(16)),))),
            )
            for n in range(1, jobs + 1)
        ),
        technicians=tuple(
            technician(
                t,
                skills=rng.sample((1, 2, 3), 2),
                home=(rng.uniform(-10, 10), rng.uniform(-10, 10)),
                breaks=lunch,
            )
            for t in range(1, technicians + 1)
        ),
        time_limit_seconds=5,
    )


def test_the_same_problem_and_seed_give_the_same_proposal():
    problem = random_day(7, jobs=40, technicians=4)
    first = propose(problem)
    assert propose(problem) == first
    other = replace(problem, seed=3)
    assert propose(other) == propose(other)
    replan = replace(
        problem,
        fixed=tuple(
            Fixed(a.job_id, a.technician_id, a.start, a.end) for a in first.assignments[:3]
        ),
        current=tuple(Planned(a.job_id, a.technician_id, a.start) for a in first.assignments[3:]),
    )
    assert propose(replan) == propose(replan)


def test_a_re_plan_after_urgent_work_keeps_most_jobs_with_their_technician():
    problem = random_day(11, jobs=40, technicians=5)
    plan = solve(problem)
    pins = tuple(
        Fixed(a.job_id, a.technician_id, a.start, a.end)
        for a in plan.assignments
        if a.start < at(9, 30)
    )
    pinned = {f.job_id for f in pins}
    urgent = (
        job(901, where=(0, 0), minutes=30, priority="critical", skills=(1,), due=at(15)),
        job(902, where=(3, -2), minutes=45, priority="critical", skills=(2,), due=at(15)),
    )
    replanned = solve(
        replace(
            problem,
            jobs=problem.jobs + urgent,
            fixed=pins,
            current=tuple(
                Planned(a.job_id, a.technician_id, a.start)
                for a in plan.assignments
                if a.job_id not in pinned
            ),
        )
    )
    after = by_job(replanned)
    assert {901, 902} <= set(after)
    before = {a.job_id: a.technician_id for a in plan.assignments if a.job_id not in pinned}
    moved = [j for j, t in before.items() if j in after and after[j].technician_id != t]
    assert len(moved) <= 0.1 * len(before)


def test_check_finds_broken_rules():
    problem = Problem(
        jobs=(job(1, windows=((at(9), at(11)),)), job(2, skills=(2,)), job(3)),
        technicians=(technician(1, skills=(1,), breaks=(Break(at(11), at(13), 30),)),),
    )
    proposal = solve(problem)
    bad = replace(
        proposal,
        assignments=(
            Assignment(1, 1, at(8), at(9), 0),  # outside its window
            Assignment(2, 1, at(8, 30), at(9, 30), 0),  # lacks the skill, overlaps job 1
            Assignment(3, 1, at(15, 30), at(16, 30), 0),  # past the shift's end
        ),
        unassigned=(),
        breaks=(),
    )
    found = " | ".join(check(problem, bad))
    for part in ("outside its windows", "lacks skills", "overlaps", "shifts", "break"):
        assert part in found
    twice = replace(proposal, unassigned=(*proposal.unassigned, *proposal.unassigned[:1]))
    if proposal.unassigned:
        assert any("appears 2 times" in v for v in check(problem, twice))
    assert any("neither" in v for v in check(problem, replace(proposal, assignments=())))


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone"):
        Shift(datetime(2025, 3, 4, 8), datetime(2025, 3, 4, 16))


def test_overlapping_fixed_appointments_are_refused():
    problem = Problem(
        jobs=(job(1), job(2)),
        technicians=(technician(1),),
        fixed=(Fixed(1, 1, at(9), at(10)), Fixed(2, 1, at(9, 30), at(10, 30))),
    )
    with pytest.raises(ValueError, match="overlap"):
        propose(problem)


# --- properties ----------------------------------------------------------------------------


@st.composite
def problems(draw):
    technicians = []
    for t in range(1, draw(st.integers(1, 3)) + 1):
        start = draw(st.integers(7, 9))
        end = start + draw(st.integers(4, 9))
        breaks = ()
        if draw(st.booleans()):
            earliest = draw(st.integers(start + 1, end - 2))
            breaks = (Break(at(earliest), at(earliest + draw(st.integers(1, 2))), 30),)
        technicians.append(
            technician(
                t,
                skills=draw(st.sets(st.integers(1, 3), min_size=1, max_size=3)),
                home=(draw(st.integers(-8, 8)), draw(st.integers(-8, 8))),
                start=start,
                end=end,
                breaks=breaks,
            )
        )
    jobs = []
    for n in range(1, draw(st.integers(0, 8)) + 1):
        windows = ()
        if draw(st.booleans()):
            begin = draw(st.integers(7, 15))
            windows = ((at(begin), at(begin + draw(st.integers(1, 4)))),)
        jobs.append(
            job(
                n,
                where=(draw(st.integers(-8, 8)), draw(st.integers(-8, 8))),
                minutes=draw(st.sampled_from((15, 30, 60, 90))),
                skills=draw(st.sets(st.integers(1, 4), min_size=1, max_size=2)),
                priority=draw(st.sampled_from(("low", "normal", "high", "critical"))),
                windows=windows,
                due=draw(st.none() | st.integers(8, 17).map(at)),
            )
        )
    fixed = []
    for t in technicians:
        if jobs and draw(st.booleans()):
            hour = draw(st.integers(8, 15))
            target = draw(st.sampled_from(jobs))
            if target.id not in {f.job_id for f in fixed}:
                fixed.append(Fixed(target.id, t.id, at(hour), at(hour, 45)))
    fixed_ids = {f.job_id for f in fixed}
    current = [
        Planned(j.id, draw(st.sampled_from(technicians)).id, at(draw(st.integers(8, 15))))
        for j in jobs
        if j.id not in fixed_ids and draw(st.booleans())
    ]
    return Problem(
        tuple(jobs), tuple(technicians), tuple(fixed), tuple(current), time_limit_seconds=5
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_random_small_problems_break_no_hard_rule(problem):
    proposal = propose(problem)
    assert check(problem, proposal) == []
    fixed = {f.job_id for f in problem.fixed}
    listed = [a.job_id for a in proposal.assignments] + [u.job_id for u in proposal.unassigned]
    assert sorted(listed) == sorted(j.id for j in problem.jobs if j.id not in fixed)
