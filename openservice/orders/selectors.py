"""Reads for service orders, with row-level visibility: managers, dispatchers and
administrators see every order; a technician sees the orders assigned to them; a customer's
users see their customer's orders."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from openservice.calendars.arithmetic import to_us
from openservice.catalog.models import ServiceTask
from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.core.selectors import audit_events_for, ordered, text_search
from openservice.equipment.models import ServiceObject
from openservice.orders.models import OrderLine, ServiceOrder, SlaState, Stage, StageChange
from openservice.sla import clock as sla_clock
from openservice.sla.selectors import calendar_of, policy_by_id, targets_of

ORDER_ORDERING = {
    "number": "number",
    "service_on": "service_on",
    "reported_at": "reported_at",
    "priority": "priority_rank",
    "customer": "customer__name",
    "stage": "stage__sort_order",
    "sla_due": "sla_due_at",
}
OFFICE_ROLES = (Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR)
# Priority sorts by urgency, not alphabetically: "-priority" puts critical orders first.
PRIORITY_RANK = Case(
    *(
        When(priority=value, then=Value(rank))
        for rank, value in enumerate(ServiceOrder.Priority.values)
    ),
    default=Value(0),
    output_field=IntegerField(),
)


# The appointment statuses that give a technician the order (dispatch's; cancelled does not).
BOOKED = ("tentative", "confirmed", "travelling", "on_site", "done")


def assigned_to(user) -> Q:
    """The orders a technician works on: those they are the preferred technician of, and those
    they have an appointment for (dispatch), done ones included so they can still sign off."""
    booked = ServiceOrder.objects.filter(
        appointments__technician__user=user, appointments__status__in=BOOKED
    ).values("pk")
    return Q(preferred_technician__user=user) | Q(pk__in=booked)


def is_assigned_to(user, order: ServiceOrder) -> bool:
    return ServiceOrder.objects.filter(assigned_to(user), pk=order.pk).exists()


def of_technician(technician_id: int) -> Q:
    """The orders of a technician (a filter): preferred technician or booked by appointment."""
    booked = ServiceOrder.objects.filter(
        appointments__technician_id=technician_id, appointments__status__in=BOOKED
    ).values("pk")
    return Q(preferred_technician_id=technician_id) | Q(pk__in=booked)


def orders_visible_among(*, user, order_ids) -> set[int]:
    """Which of the orders the user may open."""
    return set(_visible(user).filter(pk__in=list(order_ids)).values_list("pk", flat=True))


def _visible(user) -> QuerySet[ServiceOrder]:
    orders = ServiceOrder.objects.all()
    if user.is_superuser or has_role(user, *OFFICE_ROLES):
        return orders
    scope = Q(pk__in=[])
    if has_role(user, Role.TECHNICIAN):
        scope |= assigned_to(user)
    if has_role(user, Role.CUSTOMER):
        scope |= Q(customer__contacts__user=user, customer__contacts__is_active=True)
    return orders.filter(scope)


def order_list(
    *,
    user,
    q: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    customer_id: int | None = None,
    site_id: int | None = None,
    priority: str | None = None,
    technician_id: int | None = None,
    agreement_id: int | None = None,
    origin: str | None = None,
    service_on_from: date | None = None,
    service_on_to: date | None = None,
    sla_state: str | None = None,
    order_by: str | None = None,
    now: datetime | None = None,
) -> QuerySet[ServiceOrder]:
    orders = (
        _visible(user)
        .select_related("stage", "customer", "site", "preferred_technician")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
            # Lists show the ids of related objects and tasks; load nothing else of them.
            Prefetch("objects_covered", queryset=ServiceObject.objects.only("id")),
            Prefetch("tasks", queryset=ServiceTask.objects.only("id")),
        )
    )
    orders = text_search(orders, q, ["number", "description", "customer__name", "site__name"])
    if stage:
        orders = orders.filter(stage__code=stage)
    if category:
        orders = orders.filter(stage__category=category)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if site_id is not None:
        orders = orders.filter(site_id=site_id)
    if priority:
        orders = orders.filter(priority=priority)
    if technician_id is not None:
        orders = orders.filter(of_technician(technician_id))
    if agreement_id is not None:
        orders = orders.filter(agreement_id=agreement_id)
    if origin:
        orders = orders.filter(origin=origin)
    if service_on_from is not None:
        orders = orders.filter(service_on__gte=service_on_from)
    if service_on_to is not None:
        orders = orders.filter(service_on__lte=service_on_to)
    if sla_state:
        orders = orders.filter(sla_state_q(sla_state, now or timezone.now()))
    if order_by and order_by.lstrip("-") == "priority":
        orders = orders.annotate(priority_rank=PRIORITY_RANK)
    return ordered(orders, order_by, ORDER_ORDERING, default=("-number",))


def order_get(*, user, order_id: int) -> ServiceOrder:
    order = order_list(user=user).select_related("agreement").filter(pk=order_id).first()
    if order is None:
        raise NotFound(order_id=order_id)
    return order


def order_line_get(order: ServiceOrder, line_id: int) -> OrderLine:
    line = order.lines.select_related("order").filter(pk=line_id).first()
    if line is None:
        raise NotFound(line_id=line_id)
    return line


def order_stage_history(order: ServiceOrder) -> list[StageChange]:
    return list(
        order.stage_changes.select_related("from_stage", "to_stage", "by", "reason").order_by(
            "at", "pk"
        )
    )


def stage_list() -> QuerySet[Stage]:
    return Stage.objects.order_by("sort_order", "code")


def stage_by_code(code: str) -> Stage | None:
    return Stage.objects.filter(code=code).first()


def orders_by_stage(*, user) -> list[tuple[Stage, int]]:
    """Open orders per stage, for the manager's home page."""
    counts = dict(_visible(user).values_list("stage_id").annotate(n=Count("pk")).order_by())
    return [(stage, counts.get(stage.pk, 0)) for stage in stage_list()]


def orders_to_post(*, user) -> QuerySet[ServiceOrder]:
    """Signed-off orders in a posting stage with open lines left to post."""
    return (
        _visible(user)
        .filter(stage__allows_posting=True, signed_off_at__isnull=False)
        .filter(lines__status=OrderLine.Status.OPEN)
        .distinct()
        .select_related("customer", "stage")
        .order_by("number")
    )


def posted_billable_lines(*, through: date, customer_ids=None) -> QuerySet[OrderLine]:
    """Posted, billable order lines posted on or before `through` (in the company's time
    zone), for billing's invoice proposal (which keeps those not invoiced yet)."""
    lines = OrderLine.objects.filter(
        status=OrderLine.Status.POSTED, is_billable=True, posted_at__date__lte=through
    )
    if customer_ids is not None:
        lines = lines.filter(order__customer_id__in=list(customer_ids))
    return lines.select_related("order", "item").order_by("order__customer_id", "order_id", "pk")


COST_FIELDS = {"unit_cost", "cost_amount"}


def order_history(order: ServiceOrder, *, show_cost: bool = True) -> list[dict]:
    """Stage changes and the other audited actions of an order, oldest first (stage changes
    at the time they happened, which may precede when they were recorded)."""
    entries = [
        {
            "kind": "stage",
            "at": change.at,
            "by": change.by.get_username() if change.by_id else None,
            "verb": "order.stage_changed" if change.from_stage_id else "order.created",
            "from_stage": change.from_stage.code if change.from_stage_id else None,
            "to_stage": change.to_stage.code,
            "reason": change.reason.code if change.reason_id else None,
            "note": change.note,
            "data": {},
        }
        for change in order_stage_history(order)
    ]
    stage_verbs = {
        "order.created",
        "order.stage_changed",
        "order.cancelled",
        "order.cancel_revoked",
    }
    entries += [
        {
            "kind": "audit",
            "at": event.at,
            "by": event.actor.get_username() if event.actor_id else None,
            "verb": event.verb,
            "data": event.data,
        }
        for event in audit_events_for(order)
        if event.verb not in stage_verbs
    ]
    if not show_cost:  # audited line changes may carry costs the reader must not see
        for entry in entries:
            changes = entry["data"].get("changes")
            if isinstance(changes, dict):
                kept = {key: value for key, value in changes.items() if key not in COST_FIELDS}
                entry["data"] = {**entry["data"], "changes": kept}
    return sorted(entries, key=lambda entry: entry["at"])


CLOSED_CATEGORIES = (Stage.Category.CLOSED, Stage.Category.CANCELLED)
DONE_CATEGORIES = (Stage.Category.COMPLETED, *CLOSED_CATEGORIES)


def orders_open(
    *, user, technician_id: int | None = None, include_completed: bool = False
) -> QuerySet[ServiceOrder]:
    """Orders not yet closed or cancelled (nor completed, unless `include_completed`): the
    soonest service date first, undated ones last, the most urgent first within a day. For the
    technician's day and the customer's home."""
    done = CLOSED_CATEGORIES if include_completed else DONE_CATEGORIES
    orders = (
        _visible(user)
        .exclude(stage__category__in=done)
        .select_related("stage", "customer", "site")
        .annotate(priority_rank=PRIORITY_RANK)
    )
    if technician_id is not None:
        orders = orders.filter(of_technician(technician_id))
    return orders.order_by(F("service_on").asc(nulls_last=True), "-priority_rank", "number")


# -- SLA ------------------------------------------------------------------------------------------

BREACH_FIELDS = ("sla_response_breach_at", "sla_resolution_breach_at")
WARNING_FIELDS = ("sla_response_warning_at", "sla_resolution_warning_at")
MET_FIELDS = ("sla_responded_at", "sla_resolved_at")


def _any_passed(fields: tuple[str, ...], now: datetime) -> Q:
    condition = Q(pk__in=[])
    for field in fields:
        condition |= Q(**{f"{field}__lte": now})
    return condition


def sla_warned_q(now: datetime) -> Q:
    """The warning threshold of a target not yet met has passed."""
    condition = Q(pk__in=[])
    for warning, met in zip(WARNING_FIELDS, MET_FIELDS, strict=True):
        condition |= Q(**{f"{warning}__lte": now}) & (
            Q(**{f"{met}__isnull": True}) | Q(**{f"{met}__gt": now})
        )
    return condition


def sla_state_q(state: str, now: datetime) -> Q:
    """Orders whose SLA state is `state` at `now`, worked out from the stored instants (the
    stored state is as of the last recompute; this is as of `now`)."""
    breached = _any_passed(BREACH_FIELDS, now)
    warned = sla_warned_q(now)
    counting = Q(sla_state__in=[SlaState.ON_TRACK, SlaState.AT_RISK])
    if state == SlaState.BREACHED:
        return Q(sla_state=SlaState.BREACHED) | (
            breached & ~Q(sla_state__in=["", SlaState.CANCELLED])
        )
    if state == SlaState.AT_RISK:
        return counting & warned & ~breached
    if state == SlaState.ON_TRACK:
        return counting & ~warned & ~breached
    return Q(sla_state=state) & ~breached if state != SlaState.CANCELLED else Q(sla_state=state)


def sla_state_now(order: ServiceOrder, now: datetime) -> str:
    """The order's SLA state at `now` from its stored instants ("" when it has no SLA)."""
    if not order.sla_state:
        return ""
    return sla_clock.state_at(
        now=now,
        cancelled=order.sla_state == SlaState.CANCELLED,
        mode=order.sla_clock,
        breach_instants=[getattr(order, field) for field in BREACH_FIELDS],
        warning_instants=[getattr(order, field) for field in WARNING_FIELDS],
        met_instants=[getattr(order, field) for field in MET_FIELDS],
    )


@dataclass(frozen=True)
class SlaView:
    """Everything the SLA panel and `GET /orders/{id}/sla` show, as of `now`."""

    policy: object | None
    state: str | None
    clock: str | None
    response_minutes: int | None
    resolution_minutes: int | None
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    responded_at: datetime | None
    resolved_at: datetime | None
    due_at: datetime | None
    business_minutes_used: int | None
    percent_used: float | None
    events: list
    clock_changes: list


def order_sla(order: ServiceOrder, *, now: datetime) -> SlaView:
    policy = policy_by_id(order.sla_policy_id)
    events = list(order.sla_events.filter(recorded_at__isnull=False).order_by("at", "pk"))
    changes = list(order.sla_clock_changes.select_related("by", "reason").order_by("at", "pk"))
    targets = targets_of(policy, order.priority) if policy else None
    if not order.sla_state or targets is None:
        return SlaView(policy, None, None, None, None, *([None] * 7), events, changes)
    used = order.sla_used_seconds * 1_000_000
    if order.sla_running_since is not None and now > order.sla_running_since:
        used += calendar_of(policy).between_us(to_us(order.sla_running_since), to_us(now))
    responding = order.sla_responded_at is None and order.sla_clock != sla_clock.STOP
    target = targets.response_minutes if responding else targets.resolution_minutes
    return SlaView(
        policy=policy,
        state=sla_state_now(order, now),
        clock=order.sla_clock,
        response_minutes=targets.response_minutes,
        resolution_minutes=targets.resolution_minutes,
        response_due_at=order.sla_response_due_at,
        resolution_due_at=order.sla_resolution_due_at,
        responded_at=order.sla_responded_at,
        resolved_at=order.sla_resolved_at,
        due_at=order.sla_due_at,
        business_minutes_used=used // 60_000_000,
        percent_used=sla_clock.percent(used, target),
        events=events,
        clock_changes=changes,
    )


def sla_clock_history(order: ServiceOrder) -> list[dict]:
    """The stage entries and manual clock changes, oldest first, each with what the clock did
    (runs, paused, stopped): the pause history on the order page."""
    rows = [
        {
            "at": change.at,
            "what": change.to_stage.name,
            "clock": change.to_stage.sla_clock,
            "by": change.by.get_username() if change.by_id else None,
            "reason": change.reason.code if change.reason_id else None,
            "manual": False,
        }
        for change in order_stage_history(order)
    ]
    manual_clock = {"start": "run", "stop": "stop", "cancel": "stop"}
    rows += [
        {
            "at": change.at,
            "what": change.get_action_display(),
            "clock": manual_clock[change.action],
            "by": change.by.get_username() if change.by_id else None,
            "reason": change.reason.code if change.reason_id else None,
            "manual": True,
        }
        for change in order.sla_clock_changes.select_related("by", "reason").order_by("at", "pk")
    ]
    return sorted(rows, key=lambda row: row["at"])


SLA_OPEN_STATES = [SlaState.ON_TRACK, SlaState.AT_RISK, SlaState.BREACHED, SlaState.PAUSED]


def sla_monitor(
    *, user, now: datetime, state: str | None = None, team_id: int | None = None
) -> QuerySet[ServiceOrder]:
    """Open orders measured against an SLA (the clock counts or is paused), the nearest deadline
    first, paused ones after; `state` narrows to the live state."""
    orders = (
        _visible(user)
        .filter(sla_policy__isnull=False)
        .exclude(sla_clock__in=["", sla_clock.STOP])
        .select_related("stage", "customer", "site", "preferred_technician", "sla_policy")
        .annotate(priority_rank=PRIORITY_RANK)
    )
    if state:
        orders = orders.filter(sla_state_q(state, now))
    if team_id is not None:
        orders = orders.filter(preferred_technician__team_id=team_id)
    return orders.order_by(F("sla_due_at").asc(nulls_last=True), "-priority_rank", "number")


def sla_monitor_counts(*, user, now: datetime) -> dict[str, int]:
    """Open SLA orders per live state, for the monitor's summary and the dispatcher's home."""
    orders = (
        _visible(user).filter(sla_policy__isnull=False).exclude(sla_clock__in=["", sla_clock.STOP])
    )
    states = (SlaState.BREACHED, SlaState.AT_RISK, SlaState.ON_TRACK, SlaState.PAUSED)
    return orders.aggregate(
        **{state: Count("pk", filter=sla_state_q(state, now)) for state in states}
    )
