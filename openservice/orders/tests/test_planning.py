"""Tests for `openservice.orders.planning` (pure Python, no database).

Worked examples first, then properties over small random agreements (a few grouping keys, windows
of 0 to 10 days, random sets of open days, a few existing orders). The visit count is compared
with a brute-force minimum cover written independently here.
"""

import random
from collections import Counter
from datetime import date, timedelta
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from openservice.agreements.recurrence import (
    EXACT,
    MONTH,
    SAME_WEEK,
    WEEK,
    Rule,
    occurrences,
    window,
)
from openservice.orders.planning import Existing, Occurrence, Visit, plan

MONDAY = date(2027, 6, 14)  # Monday 14 June 2027; Saturday 19th, Sunday 20th


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


def occ(line_id: int, on: date, key: str = "agreement", before: int = 0, after: int = 0):
    return Occurrence(line_id, on, key, on - timedelta(days=before), on + timedelta(days=after))


def weekdays(on: date) -> bool:
    return on.weekday() < 5


def always(on: date) -> bool:
    return True


def summary(visits: list[Visit]) -> list[tuple]:
    return [
        (v.on, v.key, sorted(o.line_id for o in v.occurrences), v.order_id, v.calendar_conflict)
        for v in visits
    ]


# -- worked examples -------------------------------------------------------------------------


def test_exact_windows_group_same_date_occurrences_of_one_key_and_keep_keys_apart():
    visits = plan(
        [
            occ(1, day(0), "task:1"),
            occ(2, day(0), "task:1"),
            occ(3, day(0), "task:2"),
            occ(1, day(7), "task:1"),
        ],
        is_open=always,
    )
    assert summary(visits) == [
        (day(0), "task:1", [1, 2], None, False),
        (day(0), "task:2", [3], None, False),
        (day(7), "task:1", [1], None, False),
    ]


def test_exact_windows_on_different_dates_make_one_visit_each():
    visits = plan([occ(1, day(0)), occ(1, day(1)), occ(2, day(3))], is_open=always)
    assert summary(visits) == [
        (day(0), "agreement", [1], None, False),
        (day(1), "agreement", [1], None, False),
        (day(3), "agreement", [2], None, False),
    ]


def test_monthly_same_week_line_merges_into_the_weekly_visit_of_that_week():
    june = (date(2027, 6, 1), date(2027, 6, 30))
    weekly = [
        Occurrence(1, on, "agreement", *window(on, EXACT))
        for on in occurrences(Rule(date(2027, 6, 7), WEEK), *june)
    ]
    monthly = [
        Occurrence(2, on, "agreement", *window(on, SAME_WEEK))
        for on in occurrences(Rule(date(2027, 5, 16), MONTH), *june)
    ]
    assert [o.on for o in weekly] == [date(2027, 6, d) for d in (7, 14, 21, 28)]
    assert [o.on for o in monthly] == [date(2027, 6, 16)]  # a Wednesday

    visits = plan(weekly + monthly, is_open=weekdays)

    assert summary(visits) == [
        (date(2027, 6, 7), "agreement", [1], None, False),
        (date(2027, 6, 14), "agreement", [1, 2], None, False),
        (date(2027, 6, 21), "agreement", [1], None, False),
        (date(2027, 6, 28), "agreement", [1], None, False),
    ]
    assert len(visits) < len(weekly) + len(monthly)


def test_same_week_occurrences_alone_stay_on_their_own_date():
    visits = plan([occ(2, day(2), before=2, after=4)], is_open=weekdays)
    assert summary(visits) == [(day(2), "agreement", [2], None, False)]


def test_days_window_moves_a_saturday_occurrence_back_to_friday():
    saturday = day(5)
    visits = plan([occ(1, saturday, before=2, after=2)], is_open=weekdays)
    assert summary(visits) == [(day(4), "agreement", [1], None, False)]


def test_days_window_moves_a_sunday_occurrence_on_to_monday():
    sunday = day(6)
    visits = plan([occ(1, sunday, before=2, after=2)], is_open=weekdays)
    assert summary(visits) == [(day(7), "agreement", [1], None, False)]


def test_saturday_and_sunday_occurrences_share_one_visit_on_the_earlier_of_two_equal_days():
    # Friday moves them 1 + 2 days, Monday 2 + 1: a tie, so the earlier day.
    visits = plan(
        [occ(1, day(5), before=2, after=2), occ(2, day(6), before=2, after=2)], is_open=weekdays
    )
    assert summary(visits) == [(day(4), "agreement", [1, 2], None, False)]


def test_a_visit_moves_to_the_open_day_closest_to_all_its_members():
    # Greedy opens the visit on Friday (the latest open day of the first window to end); every
    # member's window holds Monday to Friday, and Tuesday moves them fewest days in total.
    members = [
        occ(1, day(0), after=4),
        occ(2, day(1), before=1, after=5),
        occ(3, day(2), before=2, after=3),
    ]
    visits = plan(members, is_open=weekdays)
    assert summary(visits) == [(day(1), "agreement", [1, 2, 3], None, False)]


def test_an_occurrence_whose_whole_window_is_closed_keeps_its_date_and_is_a_conflict():
    saturday = day(5)
    visits = plan(
        [occ(1, saturday, after=1), occ(2, saturday), occ(3, day(6), before=1), occ(4, day(4))],
        is_open=weekdays,
    )
    assert summary(visits) == [
        (day(4), "agreement", [4], None, False),
        (saturday, "agreement", [1, 2], None, True),
        (day(6), "agreement", [3], None, True),
    ]


def test_a_conflict_is_kept_apart_from_other_keys_on_the_same_date():
    saturday = day(5)
    visits = plan([occ(1, saturday, "a"), occ(2, saturday, "b")], is_open=weekdays)
    assert summary(visits) == [
        (saturday, "a", [1], None, True),
        (saturday, "b", [2], None, True),
    ]


def test_an_occurrence_joins_the_closest_existing_order_of_its_key_in_its_window():
    wednesday = day(2)
    visits = plan(
        [occ(1, wednesday, before=3, after=3)],
        is_open=always,
        existing=[Existing(10, "agreement", day(0)), Existing(11, "agreement", day(3))],
    )
    assert summary(visits) == [(day(3), "agreement", [1], 11, False)]


def test_joining_an_existing_order_ties_to_the_earlier_date():
    wednesday = day(2)
    visits = plan(
        [occ(1, wednesday, before=3, after=3)],
        is_open=always,
        existing=[Existing(10, "agreement", day(4)), Existing(11, "agreement", day(0))],
    )
    assert summary(visits) == [(day(0), "agreement", [1], 11, False)]


def test_existing_orders_on_the_same_date_tie_to_the_lower_order_id():
    visits = plan(
        [occ(1, day(2), before=1, after=1)],
        is_open=always,
        existing=[Existing(12, "agreement", day(3)), Existing(11, "agreement", day(3))],
    )
    assert summary(visits) == [(day(3), "agreement", [1], 11, False)]


def test_an_existing_order_of_another_key_or_outside_the_window_is_not_joined():
    wednesday = day(2)
    visits = plan(
        [occ(1, wednesday, "task:1", before=1, after=1)],
        is_open=always,
        existing=[
            Existing(10, "task:2", wednesday),
            Existing(11, "task:1", day(4)),
            Existing(12, "task:1", day(0)),
        ],
    )
    assert summary(visits) == [(wednesday, "task:1", [1], None, False)]


def test_several_occurrences_join_one_existing_order_and_the_rest_get_new_visits():
    visits = plan(
        [
            occ(1, day(0), after=2),
            occ(2, day(2)),
            occ(3, day(1), before=1, after=1),
            occ(4, day(9)),
        ],
        is_open=always,
        existing=[Existing(10, "agreement", day(2))],
    )
    assert summary(visits) == [
        (day(2), "agreement", [1, 2, 3], 10, False),
        (day(9), "agreement", [4], None, False),
    ]


def test_an_existing_order_on_a_closed_day_is_joined_only_by_an_occurrence_stuck_on_it():
    saturday = day(5)
    existing = [Existing(10, "agreement", saturday)]
    visits = plan(
        # 1 could move to Friday; 3 is on Saturday with no open day in its window.
        [occ(1, saturday, before=1, after=1), occ(2, day(4), after=1), occ(3, saturday)],
        is_open=weekdays,
        existing=existing,
    )
    assert summary(visits) == [
        (day(4), "agreement", [1, 2], None, False),
        (saturday, "agreement", [3], 10, False),
    ]


def test_an_open_day_of_the_window_beats_a_closed_one_of_an_existing_order_elsewhere():
    sunday = day(6)
    visits = plan(
        [occ(1, sunday, before=2, after=1)],
        is_open=weekdays,
        existing=[Existing(10, "agreement", day(5))],
    )
    assert summary(visits) == [(day(7), "agreement", [1], None, False)]


def test_the_plan_is_the_same_for_a_shuffled_input():
    occurrences_ = [
        occ(line, day(offset), key, before, after)
        for line, (offset, key, before, after) in enumerate(
            [
                (0, "a", 0, 0),
                (0, "a", 0, 0),
                (1, "a", 1, 3),
                (2, "b", 2, 2),
                (5, "b", 2, 2),
                (6, "a", 0, 0),
                (5, "a", 0, 1),
                (9, "b", 3, 3),
                (10, "a", 1, 1),
                (12, "a", 2, 2),
            ]
        )
    ]
    existing = [Existing(50, "a", day(9)), Existing(51, "b", day(2)), Existing(52, "a", day(11))]
    expected = plan(occurrences_, is_open=weekdays, existing=existing)
    shuffler = random.Random(7)
    for _ in range(20):
        shuffler.shuffle(occurrences_)
        shuffler.shuffle(existing)
        assert plan(occurrences_, is_open=weekdays, existing=existing) == expected


def test_is_open_is_asked_once_per_date():
    asked = Counter()

    def is_open(on):
        asked[on] += 1
        return weekdays(on)

    plan(
        [occ(line, day(line % 9), before=3, after=3) for line in range(30)],
        is_open=is_open,
        existing=[Existing(10, "agreement", day(12))],
    )
    assert asked
    assert set(asked.values()) == {1}


def test_nothing_to_plan_gives_no_visits():
    assert plan([], is_open=always, existing=[Existing(1, "agreement", day(0))]) == []


# -- properties ------------------------------------------------------------------------------

KEYS = ("a", "b", "c")


@st.composite
def occurrence_lists(draw, max_size=8):
    size = draw(st.integers(0, max_size))
    found = []
    for line_id in range(size):
        on = day(draw(st.integers(0, 20)))
        width = draw(st.integers(0, 10))
        before = draw(st.integers(0, width))
        found.append(occ(line_id, on, draw(st.sampled_from(KEYS)), before, width - before))
    return found


@st.composite
def agreements(draw, max_size=8):
    """(occurrences, open days, existing orders) over a span of about five weeks."""
    occurrences_ = draw(occurrence_lists(max_size))
    open_days = draw(
        st.sets(st.integers(-10, 30)).map(lambda offsets: frozenset(day(o) for o in offsets))
        | st.just(frozenset(day(o) for o in range(-10, 31) if weekdays(day(o))))
    )
    existing = [
        Existing(100 + i, key, day(offset))
        for i, (key, offset) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(KEYS), st.integers(-5, 25)), max_size=3))
        )
    ]
    return occurrences_, open_days, existing


def _span(first: date, last: date):
    on = first
    while on <= last:
        yield on
        on += timedelta(days=1)


def _eligible(o: Occurrence, existing: list[Existing], open_days) -> list[Existing]:
    """The existing orders an occurrence may join: same key, in its window, on an open day, or
    on the occurrence's own date when its window has no open day."""
    return [
        e
        for e in existing
        if e.key == o.key
        and o.first <= e.on <= o.last
        and (e.on in open_days or (e.on == o.on and not _has_open_day(o, open_days)))
    ]


def _has_open_day(o: Occurrence, open_days) -> bool:
    return any(on in open_days for on in _span(o.first, o.last))


def _minimum_cover(rest: list[Occurrence], open_days) -> int:
    """The fewest open days that hit every window, by trying point sets of growing size. Days that
    hit the same occurrences are interchangeable, so one day per distinct hit set is tried."""
    if not rest:
        return 0
    candidates = {
        frozenset(i for i, o in enumerate(rest) if o.first <= on <= o.last)
        for o in rest
        for on in _span(o.first, o.last)
        if on in open_days
    }
    everything = frozenset(range(len(rest)))
    for size in range(1, len(rest) + 1):
        for chosen in combinations(candidates, size):
            if frozenset().union(*chosen) == everything:
                return size
    raise AssertionError("every window holds an open day, so one day per window covers them")


def _is_new(visit: Visit) -> bool:
    return visit.order_id is None and not visit.calendar_conflict


@settings(max_examples=150, deadline=None)
@given(agreements())
def test_every_occurrence_is_in_exactly_one_visit_of_its_key_inside_its_window(case):
    occurrences_, open_days, existing = case
    visits = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    placed = Counter(o for v in visits for o in v.occurrences)
    assert placed == Counter(occurrences_)
    for visit in visits:
        assert visit.occurrences
        for member in visit.occurrences:
            assert member.key == visit.key
            assert member.first <= visit.on <= member.last
    assert visits == sorted(visits, key=lambda v: (v.on, v.key, v.order_id or 0))


@settings(max_examples=150, deadline=None)
@given(agreements())
def test_visits_are_on_open_days_except_conflicts_which_keep_their_dates(case):
    occurrences_, open_days, existing = case
    visits = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    for visit in visits:
        if visit.calendar_conflict:
            assert visit.order_id is None
            for member in visit.occurrences:
                assert member.on == visit.on
                assert not _has_open_day(member, open_days)
        elif visit.order_id is None:
            assert visit.on in open_days
        else:
            # An existing order stays where it is: on a closed day only occurrences of that
            # very day with no open day to move to join it.
            assert visit.on in open_days or all(
                m.on == visit.on and not _has_open_day(m, open_days) for m in visit.occurrences
            )


@settings(max_examples=150, deadline=None)
@given(agreements())
def test_occurrences_join_the_closest_eligible_existing_order_and_only_then(case):
    occurrences_, open_days, existing = case
    visits = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    by_id = {e.order_id: e for e in existing}
    for visit in visits:
        for member in visit.occurrences:
            eligible = _eligible(member, existing, open_days)
            if visit.order_id is None:
                assert not eligible
                continue
            chosen = by_id[visit.order_id]
            assert (chosen.key, chosen.on) == (visit.key, visit.on)
            best = min(eligible, key=lambda e: (abs((e.on - member.on).days), e.on, e.order_id))
            assert chosen == best


@settings(max_examples=150, deadline=None)
@given(agreements(max_size=6))
def test_new_visits_per_key_are_as_few_as_possible(case):
    occurrences_, open_days, existing = case
    visits = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    for key in KEYS:
        rest = [
            o
            for o in occurrences_
            if o.key == key
            and not _eligible(o, existing, open_days)
            and _has_open_day(o, open_days)
        ]
        new = [v for v in visits if v.key == key and _is_new(v)]
        assert sorted(o.line_id for v in new for o in v.occurrences) == sorted(
            o.line_id for o in rest
        )
        assert len(new) == _minimum_cover(rest, open_days)
        assert len({v.on for v in new}) == len(new)


@settings(max_examples=150, deadline=None)
@given(agreements())
def test_a_new_visit_sits_on_the_open_day_its_members_move_least_to(case):
    occurrences_, open_days, existing = case
    visits = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    for visit in filter(_is_new, visits):
        first = max(m.first for m in visit.occurrences)
        last = min(m.last for m in visit.occurrences)
        moved = [
            (sum(abs((on - m.on).days) for m in visit.occurrences), on)
            for on in _span(first, last)
            if on in open_days
        ]
        assert min(moved)[1] == visit.on


@settings(max_examples=100, deadline=None)
@given(agreements(), st.randoms(use_true_random=False))
def test_the_plan_is_the_same_for_any_order_of_the_input(case, shuffler):
    occurrences_, open_days, existing = case
    expected = plan(occurrences_, is_open=open_days.__contains__, existing=existing)
    shuffled, shuffled_existing = list(occurrences_), list(existing)
    shuffler.shuffle(shuffled)
    shuffler.shuffle(shuffled_existing)
    assert plan(shuffled, is_open=open_days.__contains__, existing=shuffled_existing) == expected
