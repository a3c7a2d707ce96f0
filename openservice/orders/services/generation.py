"""Generating service orders from agreements for a period, and forecasting what it would make.

Each (agreement line, occurrence date) becomes an order line exactly once: the unique constraint
`order_line_occurrence_once` enforces it, and each batch of agreements is one transaction that
first locks its agreements (so an overlapping run waits, then sees what this one wrote), reads
what was generated already and plans only the rest. A run killed midway leaves whole batches;
the rerun finds them and makes the others. planning.py decides the visits; this module reads
what it needs, and generation_rows.py builds and writes everything a batch makes with a few
bulk inserts, measuring the new orders against their SLA like order_create does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from itertools import chain
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.agreements import recurrence
from openservice.agreements.selectors import (
    agreements_for_generation,
    generating_agreements,
    templates_and_unknown,
)
from openservice.agreements.services import agreements_lock_for_generation, line_amounts_fit
from openservice.calendars.selectors import arithmetic_of
from openservice.core.bulk import gc_paused
from openservice.core.errors import InvalidInput
from openservice.core.services import audit_many
from openservice.orders import planning
from openservice.orders.errors import (
    GenerationOnTemplate,
    GenerationPeriodReversed,
    GenerationPeriodTooLong,
)
from openservice.orders.models import OrderLine, ServiceOrder
from openservice.orders.services.generation_rows import (
    GenerationResult,
    _Batch,
    _Memo,
    _new_order,
    _write,
    grouping_key,
)
from openservice.orders.services.orders import initial_stage
from openservice.orders.services.sla import _policies
from openservice.sla.selectors import policies_for_customers

MAX_SPAN_DAYS = 3660
BATCH_SIZE = 250
KINDS = {kind.value for kind in OrderLine.Kind}


@dataclass(frozen=True)
class Request:
    """What to generate: the period, the line kinds, and whether to fill gaps per line."""

    date_from: date | None
    date_to: date
    kinds: frozenset[str] | None
    continuous: bool
    today: date = date.min  # visits never move into the past (before this day)


def _check(
    date_from: date | None, date_to: date | None, kinds, continuous: bool, *, now: datetime
) -> Request:
    if date_to is None:
        raise InvalidInput({"to": [_("Say up to which date to generate.")]})
    if date_from is None and not continuous:
        raise InvalidInput({"from": [_("Say from which date to generate.")]})
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not 1900 <= day.year <= 9000:
            raise InvalidInput({name: [_("Use a date between the years 1900 and 9000.")]})
    if date_from is not None and date_from > date_to:
        raise GenerationPeriodReversed({"from": [_("The start is after the end.")]})
    today = timezone.localdate(now)
    if (date_to - (date_from or min(today, date_to))).days > MAX_SPAN_DAYS:
        raise GenerationPeriodTooLong({"to": [_("Generate at most ten years at a time.")]})
    if kinds is not None:
        unknown = set(kinds) - KINDS
        if unknown:
            raise InvalidInput({"kinds": [_("Unknown line kinds: %s.") % sorted(unknown)]})
        kinds = frozenset(kinds)
    return Request(date_from, date_to, kinds, continuous, today)


# -- Reading what a batch needs ----------------------------------------------------------------


@dataclass
class _Line:
    """A generating line with the occurrence dates still to make, for one run."""

    line: object
    agreement: object
    dates: list[date]


def _line_start(request: Request, agreement, line, last: date | None) -> date | None:
    """Where a line's occurrences start for this run. A continuous run continues after the
    last generated occurrence, but never makes up for a suspension of the agreement or a stop
    of the line: it starts on the day they were resumed at the earliest."""
    if not request.continuous:
        return request.date_from
    start = last + timedelta(days=1) if last is not None else request.date_from
    marks = [day for day in (start, agreement.resumed_on, line.resumed_on) if day is not None]
    return max(marks) if marks else None


def _generated_marks(lines, request: Request) -> tuple[dict[int, date], dict[int, date]]:
    """Each line's last generated occurrence (continuous runs), and for lines whose schedule
    changed, the last occurrence generated before the change: the new schedule starts after it,
    so a rerun over a generated period does not make its visits a second time."""
    line_ids = [line.pk for _a, line in lines]
    last: dict[int, date] = {}
    if request.continuous:
        last = dict(
            OrderLine.objects.filter(agreement_line_id__in=line_ids)
            .order_by()
            .values("agreement_line_id")
            .annotate(last=Max("occurrence_on"))
            .values_list("agreement_line_id", "last")
        )
    changed = [line.pk for _a, line in lines if line.schedule_changed_at is not None]
    before_change: dict[int, date] = {}
    if changed:
        before_change = dict(
            OrderLine.objects.filter(
                agreement_line_id__in=changed,
                created_at__lt=F("agreement_line__schedule_changed_at"),
            )
            .order_by()
            .values("agreement_line_id")
            .annotate(last=Max("occurrence_on"))
            .values_list("agreement_line_id", "last")
        )
    return last, before_change


def _pending_lines(agreements, request: Request, skipped: list[dict]) -> list[_Line]:
    """Each line's occurrences in the run's range that were not generated before. Lines whose
    amounts no longer fit an order line (their item's price grew) are skipped and reported."""
    lines = []
    for agreement in agreements:
        for line in agreement.generating_lines:
            if request.kinds is not None and line.kind not in request.kinds:
                continue
            if not line_amounts_fit(line):
                skipped.append(
                    {"agreement_line_id": line.pk, "reason": "agreements.amount_too_large"}
                )
                continue
            lines.append((agreement, line))
    last, before_change = _generated_marks(lines, request)
    ranges = {}
    for agreement, line in lines:
        starts = [line.starts_on, agreement.starts_on]
        start = _line_start(request, agreement, line, last.get(line.pk))
        if start is not None:
            starts.append(start)
        if line.pk in before_change:
            starts.append(before_change[line.pk] + timedelta(days=1))
        start = max(starts)
        end = min(request.date_to, line.ends_on or date.max, agreement.ends_on or date.max)
        if start <= end:
            ranges[line.pk] = (start, end)
    if not ranges:
        return []
    low = min(start for start, _end in ranges.values())
    done = set(
        OrderLine.objects.filter(
            agreement_line_id__in=list(ranges),
            occurrence_on__gte=low,
            occurrence_on__lte=request.date_to,
        )
        .order_by()  # no default ordering: it would join every line's order to sort
        .values_list("agreement_line_id", "occurrence_on")
    )
    pending = []
    for agreement, line in lines:
        if line.pk not in ranges:
            continue
        rule = recurrence.Rule(
            line.starts_on, line.interval_unit, line.interval_every, line.ends_on
        )
        dates = [
            d for d in recurrence.occurrences(rule, *ranges[line.pk]) if (line.pk, d) not in done
        ]
        if dates:
            pending.append(_Line(line, agreement, dates))
    return pending


def _occurrences(pending: list[_Line], today: date) -> dict[int, list[planning.Occurrence]]:
    """Each occurrence with its window, clipped to the line's period and the agreement's
    validity; an occurrence due today or later does not move into the past either."""
    by_agreement: dict[int, list[planning.Occurrence]] = defaultdict(list)
    for item in pending:
        line, agreement = item.line, item.agreement
        key = grouping_key(agreement, line)
        floor = max(line.starts_on, agreement.starts_on)
        ceiling = min(line.ends_on or date.max, agreement.ends_on or date.max)
        for day in item.dates:
            first, last = recurrence.window(
                day, line.window, line.window_days_before, line.window_days_after
            )
            low = max(first, floor, today) if day >= today else max(first, floor)
            by_agreement[agreement.pk].append(
                planning.Occurrence(line.pk, day, key, low, min(last, ceiling))
            )
    return by_agreement


def _joinable(agreement_ids, occurrences, stage_id: int, lock: bool) -> dict[int, list]:
    """Orders generated earlier for these agreements, still in the initial stage, on dates the
    new occurrences could move to (locked when generating, so they stay in the initial stage
    until this batch commits)."""
    all_occurrences = list(chain.from_iterable(occurrences.values()))
    if not all_occurrences:
        return {}
    # "stage_id + 0" keeps the stage out of index selection: SQLite without statistics would
    # otherwise read every open order of the period through the stage index (all generated
    # orders sit in the initial stage), a cost that grows with the table; the agreements'
    # index finds just these agreements' orders on both databases.
    orders = (
        ServiceOrder.objects.alias(stage_plain=F("stage_id") + 0)
        .filter(
            agreement_id__in=list(agreement_ids),
            stage_plain=stage_id,
            service_on__gte=min(o.first for o in all_occurrences),
            service_on__lte=max(o.last for o in all_occurrences),
        )
        .exclude(generation_key="")
    )
    if lock:
        orders = orders.select_for_update()
    found: dict[int, list] = defaultdict(list)
    for pk, agreement_id, key, on in orders.order_by("pk").values_list(
        "pk", "agreement_id", "generation_key", "service_on"
    ):
        found[agreement_id].append(planning.Existing(pk, key, on))
    return found


def _is_open(calendar) -> Callable[[date], bool]:
    return lambda day: bool(calendar.intervals_on(day))


def _plans(agreements, request: Request, stage_id: int, lock: bool, skipped: list[dict]):
    """(agreement, visits) for each agreement with something to make."""
    pending = _pending_lines(agreements, request, skipped)
    occurrences = _occurrences(pending, request.today)
    existing = _joinable(occurrences.keys(), occurrences, stage_id, lock)
    calendars: dict[int | None, tuple] = {}  # calendar id -> (arithmetic, is_open), per batch
    for agreement in agreements:
        if agreement.pk not in occurrences:
            continue
        if agreement.calendar_id not in calendars:
            calendar = arithmetic_of(agreement.calendar)
            calendars[agreement.calendar_id] = (calendar, cache(_is_open(calendar)))
        calendar, is_open = calendars[agreement.calendar_id]
        visits = planning.plan(
            occurrences[agreement.pk], is_open=is_open, existing=existing.get(agreement.pk, ())
        )
        yield agreement, calendar, visits


# -- Building the rows -------------------------------------------------------------------------


def _local(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tz)


def _generate_batch(
    agreement_ids: list[int], request: Request, *, by, now: datetime
) -> GenerationResult:
    stage = initial_stage()
    ids = agreements_lock_for_generation(agreement_ids)
    agreements = agreements_for_generation(ids)
    result = GenerationResult(agreements=len(agreements))
    if not agreements:
        return result
    policies = policies_for_customers({a.customer for a in agreements})
    batch = _Batch()
    skipped: list[dict] = []
    plans = list(_plans(agreements, request, stage.pk, lock=True, skipped=skipped))
    chosen = {
        agreement.pk: (
            agreement.sla_policy
            if agreement.sla_policy_id and agreement.sla_policy.is_active
            else policies.get(agreement.customer_id)
        )
        for agreement, _c, _v in plans
    }
    memo = _Memo(_policies(p.pk for p in chosen.values() if p is not None), now)
    for agreement, calendar, visits in plans:
        lines_by_id = {line.pk: line for line in agreement.generating_lines}
        for visit in visits:
            if visit.order_id is not None:
                batch.joined.append((visit.order_id, visit, agreement, lines_by_id))
                continue
            batch.new.append(
                _new_order(
                    agreement,
                    visit,
                    lines_by_id,
                    calendar,
                    stage,
                    chosen[agreement.pk],
                    memo,
                )
            )
    written = _write(batch, by=by, stage=stage, now=now)
    written.agreements = result.agreements
    written.skipped = skipped
    # One audit row per agreement and run (the orders' own history starts with their stage
    # entry, which says who generated them and when).
    audit_many(
        by,
        "agreement.orders_generated",
        type(agreements[0]),
        [
            (
                pk,
                {
                    "from": _iso(request.date_from),
                    "to": request.date_to.isoformat(),
                    "orders": numbers,
                },
            )
            for pk, numbers in sorted(written.made.items())
        ],
    )
    written.made = {}
    return written


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def orders_generate_from_agreements(
    *,
    date_from: date | None,
    date_to: date,
    agreements: Iterable | None = None,
    kinds: Iterable[str] | None = None,
    continuous: bool = False,
    by=None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> GenerationResult:
    """Generate the orders of active agreements for occurrences in [date_from, date_to] (with
    `continuous`, each line from the day after its last generated occurrence, or from
    `date_from` or its start when it has none). Idempotent and restartable: see the module
    docstring. `agreements` limits the run (templates among them are refused); `kinds` limits
    the line kinds; `progress(done, total)` is called after each batch."""
    now = now or timezone.now()
    request = _check(date_from, date_to, kinds, continuous, now=now)
    agreement_ids = None
    if agreements is not None:
        agreement_ids = sorted({getattr(a, "pk", a) for a in agreements})
        templates, unknown = templates_and_unknown(agreement_ids)
        if unknown:
            raise InvalidInput({"agreement_ids": [_("No agreements %s.") % unknown]})
        if templates:
            raise GenerationOnTemplate(agreement_ids=templates)
    ids = list(
        generating_agreements(
            agreement_ids=agreement_ids,
            on_or_before=request.date_to,
            on_or_after=None if continuous else request.date_from,
        ).values_list("pk", flat=True)
    )
    result = GenerationResult()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        result.add(_run_batch(chunk, request, by=by, now=now))
        if progress is not None:
            progress(min(start + batch_size, len(ids)), len(ids))
    return result


def _run_batch(chunk: list[int], request: Request, *, by, now: datetime) -> GenerationResult:
    """One transaction per batch. The locks make a collision with another run impossible on
    PostgreSQL; on SQLite, writers already queue. Should the unique constraint still fire (a
    writer that bypasses the locks), the batch rolls back whole and is planned again once on top
    of what the other writer made."""
    try:
        with gc_paused(), transaction.atomic():
            return _generate_batch(chunk, request, by=by, now=now)
    except IntegrityError:
        with gc_paused(), transaction.atomic():
            return _generate_batch(chunk, request, by=by, now=now)


# -- Forecast ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedVisit:
    service_on: date
    key: str
    order_id: int | None  # an existing order the occurrences would join
    calendar_conflict: bool
    occurrences: tuple[tuple[int, date], ...]  # (agreement line id, occurrence date)


def orders_forecast(
    *,
    agreement,
    date_from: date,
    date_to: date,
    kinds: Iterable[str] | None = None,
    now: datetime | None = None,
) -> list[PlannedVisit]:
    """The visits a generation over [date_from, date_to] would make for the agreement, as if it
    were active, without writing anything (a template is refused: it never generates)."""
    request = _check(date_from, date_to, kinds, False, now=now or timezone.now())
    if agreement.template_group_id is not None:
        raise GenerationOnTemplate(agreement_ids=[agreement.pk])
    agreements = agreements_for_generation([agreement.pk])
    stage = initial_stage()
    return [
        PlannedVisit(
            service_on=visit.on,
            key=visit.key,
            order_id=visit.order_id,
            calendar_conflict=visit.calendar_conflict,
            occurrences=tuple((o.line_id, o.on) for o in visit.occurrences),
        )
        for _agreement, _calendar, visits in _plans(
            agreements, request, stage.pk, lock=False, skipped=[]
        )
        for visit in visits
    ]
