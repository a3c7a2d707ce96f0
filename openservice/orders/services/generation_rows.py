"""The rows a generation batch writes: each new order's values (visit times in the calendar's
zone, the SLA clock like order_create measures it), each order line's values, the relations,
and the multi-row INSERTs that write them (core.bulk). generation.py decides what to make."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

from django.db.models import F

from openservice.core.bulk import Table, insert_rows
from openservice.core.services import sequence_take
from openservice.orders import planning
from openservice.orders.models import OrderLine, ServiceOrder, SlaEvent, StageChange
from openservice.orders.services.lines import _amounts, _defaults
from openservice.orders.services.sla import INSTANT_FIELDS, _fields, clock_of
from openservice.sla import clock as sla_clock


@dataclass
class GenerationResult:
    agreements: int = 0
    orders_created: int = 0
    lines_created: int = 0
    orders_joined: int = 0
    conflicts: list[dict] = field(default_factory=list)  # {agreement_id, order_id, service_on}
    skipped: list[dict] = field(default_factory=list)  # {agreement_line_id, reason}
    # Per agreement, the numbers of the orders made (for the audit log; not added up).
    made: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def add(self, other: GenerationResult) -> None:
        self.agreements += other.agreements
        self.orders_created += other.orders_created
        self.lines_created += other.lines_created
        self.orders_joined += other.orders_joined
        self.conflicts.extend(other.conflicts)
        self.skipped.extend(other.skipped)


def grouping_key(agreement, line) -> str:
    """Which generated orders a line's occurrences may share, by the agreement's rule."""
    rule = agreement.grouping
    if rule == "task":
        return f"task:{line.task_id or '-'}"
    if rule == "technician":
        return f"technician:{line.technician_id or agreement.preferred_technician_id or '-'}"
    if rule == "object":
        return f"object:{line.object_id or '-'}"
    return "agreement"


def _key_id(key: str) -> int | None:
    _rule, _sep, value = key.partition(":")
    return int(value) if value and value != "-" else None


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _visit_times(visit, lines_by_id, calendar, memo: dict) -> tuple:
    """reported_at (the SLA clock's start: the lines' earliest start that day, else the
    calendar's first opening, else midnight) and the requested window, read in the calendar's
    zone the way the calendar reads its own hours (a time skipped by a clock change is the
    instant of the change). Visits of one day share them: `memo` keeps them for the batch."""
    starts = [lines_by_id[o.line_id].earliest_time for o in visit.occurrences]
    ends = [lines_by_id[o.line_id].latest_time for o in visit.occurrences]
    starts = [_minutes(t) for t in starts if t is not None]
    ends = [_minutes(t) for t in ends if t is not None]
    key = (id(calendar), visit.on, min(starts, default=None), max(ends, default=None))
    found = memo.get(key)
    if found is None:
        found = memo[key] = _times(visit.on, key[2], key[3], calendar)
    return found


def _times(day: date, start_minutes, end_minutes, calendar) -> tuple:
    start = None if start_minutes is None else calendar.local_instant(day, start_minutes)
    end = None if end_minutes is None else calendar.local_instant(day, end_minutes)
    if start is not None and end is not None and end < start:
        end = None
    if start is not None:
        reported = start
    else:
        intervals = calendar.intervals_on(day)
        reported = calendar.local_instant(day, intervals[0][0] if intervals else 0)
    return reported, start, end


_LINE_VALUE_FIELDS = (
    "kind",
    "description",
    "task_id",
    "object_id",
    "technician_id",
    "item_id",
    "quantity",
    "unit",
    "unit_cost",
    "unit_price",
    "net_amount",
    "cost_amount",
    "is_billable",
)


def _line_values(line, currency: str) -> dict:
    """What every order line generated from an agreement line carries (computed once per line
    and batch): prices from the agreement line, else the item; costs from the item or the
    technician; amounts rounded once, as order_line_add does."""
    fields = {
        "kind": line.kind,
        "task": line.task,
        "object": line.object,
        "technician": line.technician,
        "item": line.item,
        "is_billable": line.is_billable,
    }
    if line.description:
        fields["description"] = line.description
    if line.unit:
        fields["unit"] = line.unit
    if line.unit_price is not None:
        fields["unit_price"] = line.unit_price
    fields = _defaults(fields)
    if not fields.get("description") and line.task is not None:
        fields["description"] = line.task.name
    built = OrderLine(quantity=line.quantity, **fields)
    _amounts(built, currency)
    return {name: getattr(built, name) for name in _LINE_VALUE_FIELDS}


class _Clocked(NamedTuple):
    """What the SLA clock reads of an order."""

    reported_at: datetime
    priority: str


@dataclass
class _New:
    """An order to create for a visit."""

    visit: planning.Visit
    agreement: object
    lines_by_id: dict
    values: dict
    events: tuple  # (kind, instant) of the SLA events to schedule


@dataclass
class _Batch:
    """Everything one batch writes, gathered before the inserts."""

    new: list[_New] = field(default_factory=list)
    joined: list[tuple] = field(default_factory=list)  # (order_id, visit, agreement, lines_by_id)


@dataclass
class _Memo:
    """What many orders of a batch share: visit times per calendar and day, and the SLA clock
    per policy, priority and start (a clock is a function of these for a new order)."""

    measures: dict
    now: datetime
    times: dict = field(default_factory=dict)
    clocks: dict = field(default_factory=dict)

    def clock(self, policy, priority: str, reported_at: datetime, stage) -> tuple:
        """(the order's SLA fields, its scheduled events) for a new order."""
        key = (policy.pk if policy else None, priority, reported_at)
        found = self.clocks.get(key)
        if found is None:
            clock = None
            if policy is not None:
                history = [sla_clock.StageEntry(reported_at, stage.sla_clock, stage.category)]
                clock = clock_of(
                    _Clocked(reported_at, priority), self.measures.get(policy.pk), history
                )
            events = ()
            if clock is not None:
                events = tuple(
                    (kind, at)
                    for kind, at in clock.event_instants().items()
                    if kind in INSTANT_FIELDS
                )
            found = self.clocks[key] = (_fields(clock, self.now), events)
        return found


def _new_order(agreement, visit, lines_by_id, calendar, stage, policy, memo: _Memo) -> _New:
    reported_at, requested_start, requested_end = _visit_times(
        visit, lines_by_id, calendar, memo.times
    )
    key_id = _key_id(visit.key)
    site_id = agreement.site_id
    technician_id = agreement.preferred_technician_id
    if agreement.grouping == "object" and key_id is not None:
        obj = lines_by_id[visit.occurrences[0].line_id].object
        site_id = obj.site_id or site_id
    if agreement.grouping == "technician":
        technician_id = key_id
    priority = ServiceOrder.Priority.NORMAL
    sla_fields, events = memo.clock(policy, priority, reported_at, stage)
    values = {
        "customer_id": agreement.customer_id,
        "site_id": site_id,
        "agreement_id": agreement.pk,
        "description": agreement.description,
        "priority": priority,
        "stage_id": stage.pk,
        "origin": ServiceOrder.Origin.AGREEMENT,
        "currency": agreement.currency,
        "reported_at": reported_at,
        "service_on": visit.on,
        "requested_start": requested_start,
        "requested_end": requested_end,
        "calendar_conflict": visit.calendar_conflict,
        "generation_key": visit.key,
        "preferred_technician_id": technician_id,
        "responsible_id": agreement.responsible_id,
        "sla_policy_id": policy.pk if policy is not None else None,
        **sla_fields,
    }
    return _New(visit, agreement, lines_by_id, values, events)


def _line_signature(line, currency: str) -> tuple:
    """What an order line's values depend on: lines alike share them within a batch."""
    return (
        line.kind,
        line.description,
        line.task_id,
        line.object_id,
        line.technician_id,
        line.item_id,
        line.quantity,
        line.unit,
        line.unit_price,
        line.is_billable,
        currency,
    )


def _relations(agreement, visit, lines_by_id, memo: dict) -> tuple[tuple, tuple]:
    """The objects and tasks a new order covers, sorted: the agreement's (only the key's object
    or task when grouping by it), plus whatever its lines name. Visits of the same agreement,
    key and lines cover the same: `memo` keeps them for the batch."""
    line_ids = tuple(occurrence.line_id for occurrence in visit.occurrences)
    found = memo.get((agreement.pk, visit.key, line_ids))
    if found is not None:
        return found
    key_id = _key_id(visit.key)
    objects = {r.object_id for r in agreement.covered_objects}
    tasks = {r.task_id for r in agreement.covered_tasks}
    if agreement.grouping == "object" and key_id is not None:
        objects = {key_id}
    if agreement.grouping == "task" and key_id is not None:
        tasks = {key_id}
    for line_id in line_ids:
        line = lines_by_id[line_id]
        if line.object_id:
            objects.add(line.object_id)
        if line.task_id:
            tasks.add(line.task_id)
    found = memo[(agreement.pk, visit.key, line_ids)] = (
        tuple(sorted(objects)),
        tuple(sorted(tasks)),
    )
    return found


def _write(batch: _Batch, *, by, stage, now: datetime) -> GenerationResult:
    """Every row of the batch with a handful of multi-row INSERTs (core.bulk)."""
    result = GenerationResult()
    by_id = by.pk if getattr(by, "is_authenticated", False) else None
    orders = Table(ServiceOrder, now=now)
    numbers = sequence_take("service_order", len(batch.new), prefix="WO", padding=6)
    for new, number in zip(batch.new, numbers, strict=True):
        orders.add(number=number, **new.values)
    order_ids = orders.insert(returning="number")
    lines, stages = Table(OrderLine, now=now), Table(StageChange, now=now)
    events = Table(SlaEvent, now=now)
    object_rows, task_rows = [], []
    line_values: dict[int, dict] = {}  # by agreement line
    alike: dict[tuple, dict] = {}  # by _line_signature
    covered: dict[tuple, tuple] = {}  # by agreement, key and lines: see _relations

    def add_lines(order_id: int, visit, agreement, lines_by_id) -> None:
        for occurrence in visit.occurrences:
            values = line_values.get(occurrence.line_id)
            if values is None:
                line = lines_by_id[occurrence.line_id]
                signature = _line_signature(line, agreement.currency)
                values = alike.get(signature)
                if values is None:
                    values = alike[signature] = _line_values(line, agreement.currency)
                line_values[line.pk] = values
            lines.add(
                order_id=order_id,
                agreement_line_id=occurrence.line_id,
                occurrence_on=occurrence.on,
                **values,
            )

    for new, order_id, number in zip(batch.new, order_ids, numbers, strict=True):
        visit, agreement = new.visit, new.agreement
        result.made.setdefault(agreement.pk, []).append(number)
        add_lines(order_id, visit, agreement, new.lines_by_id)
        # The order entered its initial stage when it was generated (at the visit, for a visit
        # in the past); its SLA clock starts at the visit whatever happens to it before.
        stages.add(
            order_id=order_id,
            to_stage_id=stage.pk,
            by_id=by_id,
            at=min(new.values["reported_at"], now),
        )
        for kind, at in new.events:
            events.add(order_id=order_id, kind=kind, at=at)
        objects, tasks = _relations(agreement, visit, new.lines_by_id, covered)
        object_rows.extend((order_id, pk) for pk in objects)
        task_rows.extend((order_id, pk) for pk in tasks)
        if visit.calendar_conflict:
            result.conflicts.append(
                {"agreement_id": agreement.pk, "order_id": order_id, "service_on": visit.on}
            )
    joined_ids, joined_objects, joined_tasks = [], set(), set()
    for order_id, visit, agreement, lines_by_id in batch.joined:
        add_lines(order_id, visit, agreement, lines_by_id)
        joined_ids.append(order_id)
        result.made.setdefault(agreement.pk, [])
        for occurrence in visit.occurrences:
            line = lines_by_id[occurrence.line_id]
            if line.object_id:
                joined_objects.add((order_id, line.object_id))
            if line.task_id:
                joined_tasks.add((order_id, line.task_id))
    result.lines_created = len(lines.rows)
    for table in (lines, stages, events):
        table.insert()
    through_objects = ServiceOrder.objects_covered.through
    through_tasks = ServiceOrder.tasks.through
    insert_rows(through_objects, ("serviceorder_id", "serviceobject_id"), object_rows)
    insert_rows(through_tasks, ("serviceorder_id", "servicetask_id"), task_rows)
    if joined_ids:
        # Lines that join an order bring their objects and tasks along (those not there yet).
        through_objects.objects.bulk_create(
            [
                through_objects(serviceorder_id=order_id, serviceobject_id=object_id)
                for order_id, object_id in sorted(joined_objects)
            ],
            ignore_conflicts=True,
        )
        through_tasks.objects.bulk_create(
            [
                through_tasks(serviceorder_id=order_id, servicetask_id=task_id)
                for order_id, task_id in sorted(joined_tasks)
            ],
            ignore_conflicts=True,
        )
        ServiceOrder.objects.filter(pk__in=joined_ids).update(
            version=F("version") + 1, updated_at=now
        )
    result.orders_created = len(order_ids)
    result.orders_joined = len(joined_ids)
    return result
