"""Reads for service orders, with row-level visibility: managers, dispatchers and
administrators see every order; a technician sees the orders assigned to them; a customer's
users see their customer's orders."""

from datetime import date

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When

from openservice.catalog.models import ServiceTask
from openservice.core.errors import NotFound
from openservice.core.roles import Role, has_role
from openservice.core.selectors import audit_events_for, ordered, text_search
from openservice.equipment.models import ServiceObject
from openservice.orders.models import OrderLine, ServiceOrder, Stage, StageChange

ORDER_ORDERING = {
    "number": "number",
    "service_on": "service_on",
    "reported_at": "reported_at",
    "priority": "priority_rank",
    "customer": "customer__name",
    "stage": "stage__sort_order",
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


def _visible(user) -> QuerySet[ServiceOrder]:
    orders = ServiceOrder.objects.all()
    if user.is_superuser or has_role(user, *OFFICE_ROLES):
        return orders
    scope = Q(pk__in=[])
    if has_role(user, Role.TECHNICIAN):
        scope |= Q(preferred_technician__user=user)
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
    order_by: str | None = None,
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
        orders = orders.filter(preferred_technician_id=technician_id)
    if agreement_id is not None:
        orders = orders.none()  # agreements arrive in a later release; no order has one yet
    if origin:
        orders = orders.filter(origin=origin)
    if service_on_from is not None:
        orders = orders.filter(service_on__gte=service_on_from)
    if service_on_to is not None:
        orders = orders.filter(service_on__lte=service_on_to)
    if order_by and order_by.lstrip("-") == "priority":
        orders = orders.annotate(priority_rank=PRIORITY_RANK)
    return ordered(orders, order_by, ORDER_ORDERING, default=("-number",))


def order_get(*, user, order_id: int) -> ServiceOrder:
    order = order_list(user=user).filter(pk=order_id).first()
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
        orders = orders.filter(preferred_technician_id=technician_id)
    return orders.order_by(F("service_on").asc(nulls_last=True), "-priority_rank", "number")
