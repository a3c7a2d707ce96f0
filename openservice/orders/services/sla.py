"""SLA tracking of orders: the clock recomputed from the history on every change, manual start,
stop and cancel, the warning and breach scan, and recomputing after a calendar or policy change.

What is stored on the order is a function of the history (stage changes and manual clock
changes, replayed in the order of `at`), the policy's targets for the order's priority and the
calendar; only `sla_state` also depends on the moment it was computed (it is the state as of the
last recompute; readers derive the live state from the stored instants: selectors.sla_state_now
and sla_state_q). Each warning and breach the clock foresees is a scheduled SlaEvent row until
the scan records it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.models import ReasonCode
from openservice.core.services import audit
from openservice.orders.errors import (
    NoSla,
    ReasonNotUsable,
    ReasonRequired,
    SlaAlreadyCancelled,
    SlaAlreadyStopped,
    SlaNotStopped,
)
from openservice.orders.models import ServiceOrder, SlaClockChange, SlaEvent, SlaState, StageChange
from openservice.orders.services.common import lock_order
from openservice.sla import clock as sla_clock
from openservice.sla.models import SlaPolicy
from openservice.sla.selectors import calendar_of, policies_by_ids, targets_of

_US = 1_000_000
INSTANT_FIELDS = {
    "response_warning": "sla_response_warning_at",
    "response_breach": "sla_response_breach_at",
    "resolution_warning": "sla_resolution_warning_at",
    "resolution_breach": "sla_resolution_breach_at",
}
SLA_FIELDS = (
    "sla_state",
    "sla_clock",
    "sla_used_seconds",
    "sla_running_since",
    "sla_responded_at",
    "sla_resolved_at",
    "sla_response_due_at",
    "sla_resolution_due_at",
    "sla_due_at",
    *INSTANT_FIELDS.values(),
)
NO_SLA = dict.fromkeys(SLA_FIELDS) | {"sla_state": "", "sla_clock": "", "sla_used_seconds": 0}


def _histories(order_ids: list[int]) -> dict[int, list]:
    """Each order's stage entries and manual clock changes, in the order they happened (ties in
    the order they were recorded)."""
    rows: dict[int, list] = defaultdict(list)
    for order_id, at, recorded, clock, category in StageChange.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "at", "recorded_at", "to_stage__sla_clock", "to_stage__category"):
        rows[order_id].append((at, recorded, sla_clock.StageEntry(at, clock, category)))
    for order_id, at, recorded, action in SlaClockChange.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "at", "recorded_at", "action"):
        rows[order_id].append((at, recorded, sla_clock.ManualChange(at, action)))
    return {
        order_id: [change for _at, _rec, change in sorted(items, key=lambda r: (r[0], r[1]))]
        for order_id, items in rows.items()
    }


class _Event(NamedTuple):
    pk: int
    at: datetime
    recorded_at: datetime | None


def _events(order_ids: list[int]) -> dict[int, dict[str, _Event]]:
    """Each order's SLA events (scheduled and recorded) by kind, as plain tuples."""
    events: dict[int, dict[str, _Event]] = defaultdict(dict)
    for pk, order_id, kind, at, recorded_at in SlaEvent.objects.filter(
        order_id__in=order_ids
    ).values_list("pk", "order_id", "kind", "at", "recorded_at"):
        events[order_id][kind] = _Event(pk, at, recorded_at)
    return events


@dataclass
class _Schedule:
    """The changes to the scheduled (not yet recorded) SLA events that recomputed clocks ask for;
    recorded events are never touched."""

    create: list[SlaEvent]
    move: list[tuple[datetime, int]]
    drop: list[int]

    @classmethod
    def empty(cls) -> "_Schedule":
        return cls([], [], [])

    def plan(self, order_id: int, clock, events: dict[str, _Event]) -> None:
        instants = clock.event_instants() if clock is not None else {}
        for kind in INSTANT_FIELDS:
            at, event = instants.get(kind), events.get(kind)
            if event is not None and event.recorded_at is not None:
                continue
            if event is None and at is not None:
                self.create.append(SlaEvent(order_id=order_id, kind=kind, at=at))
            elif event is not None and at is None:
                self.drop.append(event.pk)
            elif event is not None and at != event.at:
                self.move.append((at, event.pk))

    def apply(self) -> None:
        if self.drop:
            SlaEvent.objects.filter(pk__in=self.drop, recorded_at__isnull=True).delete()
        if self.move:
            table = connection.ops.quote_name(SlaEvent._meta.db_table)
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {quote('at')} = %s "
                    f"WHERE {quote('id')} = %s AND {quote('recorded_at')} IS NULL",
                    [(connection.ops.adapt_datetimefield_value(at), pk) for at, pk in self.move],
                )
        if self.create:
            SlaEvent.objects.bulk_create(self.create, ignore_conflicts=True)


@dataclass(frozen=True)
class _Measure:
    policy: SlaPolicy
    calendar: object  # calendars.arithmetic.Calendar


def _policies(policy_ids: Iterable[int | None]) -> dict[int, _Measure]:
    """The policies with their targets and the calendar arithmetic each measures in (built once
    per policy, whatever the number of orders)."""
    policies = policies_by_ids({pk for pk in policy_ids if pk is not None})
    return {policy.pk: _Measure(policy, calendar_of(policy)) for policy in policies}


def clock_of(
    order: ServiceOrder, measure: _Measure | None, history: list
) -> sla_clock.Clock | None:
    """The order's clock under its policy, or None when it is not measured (no policy, or the
    policy sets no target for the order's priority)."""
    if measure is None:
        return None
    targets = targets_of(measure.policy, order.priority)
    if targets is None:
        return None
    return sla_clock.compute(
        reported_at=order.reported_at,
        history=history,
        targets=targets,
        calendar=measure.calendar,
    )


def _fields(clock: sla_clock.Clock | None, now: datetime) -> dict:
    if clock is None:
        return dict(NO_SLA)
    open_clock = clock.mode != sla_clock.STOP and not clock.cancelled
    due = None
    if open_clock:
        due = clock.response_due_at if clock.responded_at is None else clock.resolution_due_at
    instants = clock.event_instants()
    return {
        "sla_state": clock.state_at(now),
        "sla_clock": clock.mode,
        "sla_used_seconds": clock.used_us // _US,
        "sla_running_since": clock.running_since,
        "sla_responded_at": clock.responded_at,
        "sla_resolved_at": clock.resolved_at,
        "sla_response_due_at": clock.response_due_at,
        "sla_resolution_due_at": clock.resolution_due_at,
        "sla_due_at": due,
        **{field: instants.get(kind) for kind, field in INSTANT_FIELDS.items()},
    }


def order_sla_refresh(*, order: ServiceOrder, now: datetime | None = None) -> ServiceOrder:
    """Recompute the order's clock from its whole history, store it and reschedule its warning
    and breach events (called by every change of stage, priority, policy or manual clock
    change, inside the caller's transaction)."""
    now = now or timezone.now()
    measure = _policies([order.sla_policy_id]).get(order.sla_policy_id)
    clock = clock_of(order, measure, _histories([order.pk]).get(order.pk, []))
    fields = _fields(clock, now)
    ServiceOrder.objects.filter(pk=order.pk).update(**fields)
    for field, value in fields.items():
        setattr(order, field, value)
    schedule = _Schedule.empty()
    schedule.plan(order.pk, clock, _events([order.pk]).get(order.pk, {}))
    schedule.apply()
    return order


def orders_sla_recompute(
    *, orders: QuerySet, now: datetime | None = None, batch_size: int = 2000
) -> int:
    """Recompute the clocks of many orders (after a calendar or policy change) in batches: a
    few queries per batch, one build of each calendar's yearly tables, and a write only for the
    orders whose stored clock actually changes. Returns how many orders were recomputed."""
    now = now or timezone.now()
    ids = list(orders.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            _recompute_batch(ids[start : start + batch_size], now)
    return len(ids)


class _Row(NamedTuple):
    """An order as the recompute reads it: what the clock needs, then its stored clock."""

    pk: int
    reported_at: datetime
    priority: str
    sla_policy_id: int | None
    stored: tuple


def _recompute_batch(batch_ids: list[int], now: datetime) -> None:
    # The rows are locked before their histories are read, in id order (as every writer
    # locks one order at a time): a stage change made meanwhile waits, then recomputes on top.
    rows = (
        ServiceOrder.objects.select_for_update()
        .filter(pk__in=batch_ids)
        .order_by("pk")
        .values_list("pk", "reported_at", "priority", "sla_policy_id", *SLA_FIELDS)
    )
    batch = [_Row(*row[:4], stored=tuple(row[4:])) for row in rows]
    policies = _policies(row.sla_policy_id for row in batch)
    histories = _histories(batch_ids)
    events = _events(batch_ids)
    changed, schedule = [], _Schedule.empty()
    for row in batch:
        clock = clock_of(row, policies.get(row.sla_policy_id), histories.get(row.pk, []))
        fields = _fields(clock, now)
        if tuple(fields[name] for name in SLA_FIELDS) != row.stored:
            changed.append((row.pk, fields))
        schedule.plan(row.pk, clock, events.get(row.pk, {}))
    _write(changed)
    schedule.apply()


def _write(rows: Iterable[tuple[int, dict]]) -> None:
    """One parameterised UPDATE per order, sent with executemany: Django's bulk_update builds a
    CASE expression per field and row, which costs far more than the database's work here."""
    fields = [ServiceOrder._meta.get_field(name) for name in SLA_FIELDS]
    table = connection.ops.quote_name(ServiceOrder._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {table} SET {assignments} WHERE {connection.ops.quote_name('id')} = %s"
    adapt_instant = connection.ops.adapt_datetimefield_value
    instants = {f.name for f in fields if f.get_internal_type() == "DateTimeField"}
    params = [
        [adapt_instant(values[name]) if name in instants else values[name] for name in SLA_FIELDS]
        + [pk]
        for pk, values in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def open_clocks() -> QuerySet:
    """Orders with a policy whose clock is still counting or paused, and those in a stage that
    does not stop the clock whose policy set no target for their priority (a target added later
    measures them). Stopped and cancelled clocks are final."""
    return ServiceOrder.objects.filter(sla_policy__isnull=False).filter(
        Q(sla_clock__in=[sla_clock.RUN, sla_clock.PAUSE])
        | (Q(sla_clock="") & ~Q(stage__sla_clock=sla_clock.STOP))
    )


def orders_sla_recompute_after_stage_change(*, stage, now: datetime | None = None) -> int:
    """A stage's clock flag or category was changed (in the admin): recompute every open clock
    and every order now in that stage. Settled clocks of other stages keep their outcome."""
    orders = ServiceOrder.objects.filter(sla_policy__isnull=False).filter(
        Q(stage=stage) | Q(pk__in=open_clocks().values("pk"))
    )
    return orders_sla_recompute(orders=orders, now=now)


# -- Manual start, stop and cancel -----------------------------------------------------------


def _check_reason(reason: ReasonCode | None, purpose: str) -> None:
    if reason is not None and not reason.usable_for(purpose):
        raise ReasonNotUsable(reason=reason.code, purpose=purpose)


def _last_manual(order: ServiceOrder) -> str | None:
    return (
        SlaClockChange.objects.filter(order=order)
        .order_by("-at", "-pk")
        .values_list("action", flat=True)
        .first()
    )


def _record(order, action: str, *, by, reason, note, now) -> ServiceOrder:
    SlaClockChange.objects.create(
        order=order, action=action, at=now, by=by, reason=reason, note=note
    )
    order_sla_refresh(order=order, now=now)
    audit(
        by,
        f"order.sla_{action}",
        order,
        {"reason": reason.code if reason else None, "state": order.sla_state},
    )
    return order


def _require_sla(order: ServiceOrder) -> None:
    if not order.sla_state:
        raise NoSla(order_id=order.pk)


@transaction.atomic
def order_sla_stop(
    *, order: ServiceOrder, by, reason: ReasonCode | None = None, note: str = "", now=None
) -> ServiceOrder:
    """Stop the clock by hand (the SLA no longer applies). Stopping after a target was missed
    needs a reason code, which the compliance report shows."""
    now = now or timezone.now()
    order = lock_order(order)
    _require_sla(order)
    if order.sla_state == SlaState.CANCELLED:
        raise SlaAlreadyCancelled(order_id=order.pk)
    if order.sla_clock == sla_clock.STOP:
        raise SlaAlreadyStopped(order_id=order.pk)
    _check_reason(reason, "sla_stop")
    late = any(
        at is not None and at <= now
        for at in (order.sla_response_breach_at, order.sla_resolution_breach_at)
    )
    if late and reason is None:
        raise ReasonRequired(
            _("Stopping the clock after a missed target needs a reason code."), action="sla_stop"
        )
    return _record(order, SlaClockChange.Action.STOP, by=by, reason=reason, note=note, now=now)


@transaction.atomic
def order_sla_start(
    *, order: ServiceOrder, by, reason: ReasonCode | None = None, note: str = "", now=None
) -> ServiceOrder:
    """Restart a clock stopped or cancelled by hand: it follows the order's stage again."""
    now = now or timezone.now()
    order = lock_order(order)
    _require_sla(order)
    if _last_manual(order) not in (SlaClockChange.Action.STOP, SlaClockChange.Action.CANCEL):
        raise SlaNotStopped(order_id=order.pk)
    _check_reason(reason, "sla_stop")
    return _record(order, SlaClockChange.Action.START, by=by, reason=reason, note=note, now=now)


@transaction.atomic
def order_sla_cancel(
    *, order: ServiceOrder, by, reason: ReasonCode | None, note: str = "", now=None
) -> ServiceOrder:
    """Cancel the SLA of an order (it is left out of compliance); needs a reason code."""
    now = now or timezone.now()
    order = lock_order(order)
    _require_sla(order)
    if order.sla_state == SlaState.CANCELLED:
        raise SlaAlreadyCancelled(order_id=order.pk)
    if reason is None:
        raise ReasonRequired(_("Cancelling an SLA needs a reason code."), action="sla_cancel")
    _check_reason(reason, "sla_cancel")
    return _record(order, SlaClockChange.Action.CANCEL, by=by, reason=reason, note=note, now=now)


# -- The scan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    events: int


def sla_scan(*, now: datetime | None = None) -> ScanResult:
    """Record every warning and breach whose instant has passed: one UPDATE of the scheduled
    SLA events due by `now` (found by the partial index on their instant). Each event exists once
    per order and kind (a unique constraint) and is recorded once: a scan running twice, at the
    same time as another (the second waits for the rows the first holds, then finds them
    recorded), late, or after an hour of downtime records each crossing exactly once, with its
    own instant as `at`."""
    now = now or timezone.now()
    with transaction.atomic():
        count = SlaEvent.objects.filter(recorded_at__isnull=True, at__lte=now).update(
            recorded_at=now
        )
    return ScanResult(events=count)
