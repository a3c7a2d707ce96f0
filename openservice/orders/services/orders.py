"""Creating, changing and deleting orders, and copying or moving their lines."""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput
from openservice.core.services import (
    audit,
    only_fields,
    save_validated,
    sequence_next,
    validation_field_errors,
)
from openservice.customers.errors import CustomerInactive
from openservice.orders.errors import (
    AgreementNotUsable,
    AgreementRequired,
    CustomerMismatch,
    DeleteNotAllowed,
    LinesNotMovable,
    NoAgreement,
    OtherAgreement,
    ReportedInFuture,
    SlaPolicyInactive,
    SlaPolicyRequired,
    SlaSettled,
)
from openservice.orders.models import OrderLine, ServiceOrder, Stage, StageChange
from openservice.orders.services.common import bump_version, lock_order, require_editable
from openservice.orders.services.sla import order_sla_refresh
from openservice.sla.selectors import policy_by_id, policy_for_order

ORDER_FIELDS = (
    "agreement",
    "site",
    "description",
    "priority",
    "preferred_technician",
    "responsible",
    "service_on",
    "requested_start",
    "requested_end",
    "sla_policy",
)


def initial_stage() -> Stage:
    return Stage.objects.get(is_initial=True)


def _check_relations(customer, site, objects) -> None:
    if site.customer_id != customer.pk or any(o.customer_id != customer.pk for o in objects):
        raise CustomerMismatch(customer_id=customer.pk)


AGREEMENT_REQUIRED_FOR = (ServiceOrder.Origin.MANUAL, ServiceOrder.Origin.API)


def _check_agreement(agreement, customer, day: date, origin: str) -> None:
    """An order made under an agreement: an active one of the same customer, valid on the
    service date. With ORDERS_REQUIRE_AGREEMENT, orders made by hand or through the API must
    name one (portal requests and returns may not know it)."""
    if agreement is None:
        if settings.ORDERS_REQUIRE_AGREEMENT and origin in AGREEMENT_REQUIRED_FOR:
            raise AgreementRequired(
                {"agreement_id": [_("Name the service agreement the order is made under.")]}
            )
        return
    if (
        agreement.template_group_id is not None
        or agreement.status != "active"
        or agreement.customer_id != customer.pk
        or not agreement.covers(day)
    ):
        raise AgreementNotUsable(agreement_id=agreement.pk, status=agreement.status)


@transaction.atomic
def order_create(
    *,
    by,
    customer,
    site,
    description: str = "",
    priority: str = ServiceOrder.Priority.NORMAL,
    origin: str = ServiceOrder.Origin.MANUAL,
    reported_at: datetime | None = None,
    service_on: date | None = None,
    requested_start: datetime | None = None,
    requested_end: datetime | None = None,
    preferred_technician=None,
    responsible=None,
    objects=(),
    tasks=(),
    sla_policy=None,
    agreement=None,
    now: datetime | None = None,
) -> ServiceOrder:
    """A new order in the initial stage. A past `reported_at` (the customer called earlier)
    counts as entering the initial stage then: the SLA clock starts at `reported_at`. The SLA
    policy is `sla_policy` when given, else the agreement's, the customer's, the customer's
    agreement group's or the default (sla.selectors.policy_for_order). Orders generated from
    agreements are made in bulk by services/generation.py, with the same result."""
    now = now or timezone.now()
    reported_at = reported_at or now
    if reported_at > now:
        raise ReportedInFuture(reported_at=reported_at.isoformat())
    if not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    _check_relations(customer, site, objects)
    _check_agreement(agreement, customer, service_on or timezone.localdate(reported_at), origin)
    if sla_policy is not None and not sla_policy.is_active:
        raise SlaPolicyInactive(policy_id=sla_policy.pk)
    policy = sla_policy or policy_for_order(
        customer=customer,
        # Read fresh: the caller's agreement may carry a policy deactivated since it was read.
        agreement_policy=policy_by_id(agreement.sla_policy_id) if agreement else None,
    )
    stage = initial_stage()
    order = ServiceOrder(
        number=sequence_next("service_order", prefix="WO", padding=6),
        customer=customer,
        site=site,
        agreement=agreement,
        description=description,
        priority=priority,
        origin=origin,
        stage=stage,
        currency=customer.currency,
        reported_at=reported_at,
        service_on=service_on,
        requested_start=requested_start,
        requested_end=requested_end,
        preferred_technician=preferred_technician,
        responsible=responsible,
        sla_policy=policy,
    )
    save_validated(order)
    order.objects_covered.set(objects)
    order.tasks.set(tasks)
    StageChange.objects.create(order=order, from_stage=None, to_stage=stage, by=by, at=reported_at)
    order_sla_refresh(order=order, now=now)
    audit(
        by,
        "order.created",
        order,
        {
            "number": order.number,
            "origin": origin,
            "agreement": agreement.pk if agreement else None,
            "sla_policy": policy.pk if policy else None,
        },
    )
    return order


def _check_sla_change(order: ServiceOrder, changes: dict) -> None:
    """What measures an order is not changed behind the compliance report's back: a settled SLA
    (stopped clock) keeps its policy and priority, and an SLA is taken away only by cancelling
    it with a reason."""
    moves_policy = (
        "sla_policy" in changes
        and getattr(changes["sla_policy"], "pk", None) != order.sla_policy_id
    )
    moves_priority = "priority" in changes and changes["priority"] != order.priority
    if not (moves_policy or moves_priority):
        return
    if order.sla_policy_id and order.sla_clock == "stop":
        raise SlaSettled(order_id=order.pk)
    policy = changes.get("sla_policy")
    if moves_policy and policy is None and order.sla_state:
        raise SlaPolicyRequired(order_id=order.pk)
    if moves_policy and policy is not None and not policy.is_active:
        raise SlaPolicyInactive(policy_id=policy.pk)


@transaction.atomic
def order_update(
    *,
    order: ServiceOrder,
    by,
    version: int,
    objects=None,
    tasks=None,
    now: datetime | None = None,
    **changes,
) -> ServiceOrder:
    """Change the header where the stage allows editing; `version` must be the one the
    caller read (409 otherwise). `objects` / `tasks`, when given, replace the relations."""
    changes = only_fields(ORDER_FIELDS, changes)
    order = lock_order(order, version=version)
    require_editable(order)
    _check_sla_change(order, changes)
    _check_relations(order.customer, changes.get("site", order.site), objects or ())
    if "agreement" in changes and getattr(changes["agreement"], "pk", None) != order.agreement_id:
        _check_agreement(
            changes["agreement"],
            order.customer,
            changes.get("service_on", order.service_on) or timezone.localdate(order.reported_at),
            order.origin,
        )
    changed = {}
    for field, value in changes.items():
        if getattr(order, field) != value:
            changed[field] = str(value) if value is not None else None
            setattr(order, field, value)
    try:
        order.full_clean()
    except ValidationError as exc:
        raise InvalidInput(validation_field_errors(exc)) from exc
    if objects is not None:
        order.objects_covered.set(objects)
        changed["objects"] = sorted(o.pk for o in objects)
    if tasks is not None:
        order.tasks.set(tasks)
        changed["tasks"] = sorted(t.pk for t in tasks)
    bump_version(order, *changes)
    if {"priority", "sla_policy"} & set(changed):
        order_sla_refresh(order=order, now=now)
    audit(by, "order.updated", order, {"changes": changed})
    return order


@transaction.atomic
def order_delete(*, order: ServiceOrder, by) -> None:
    order = lock_order(order)
    if not order.stage.allows_delete or order.lines.filter(status=OrderLine.Status.POSTED).exists():
        raise DeleteNotAllowed(stage=order.stage.code)
    audit(by, "order.deleted", order, {"number": order.number})
    try:
        with transaction.atomic():
            order.delete()
    except ProtectedError as exc:
        # Records of higher apps that must outlive the order refer to it (a component
        # replaced from one of its repair lines): cancel the order instead.
        raise DeleteNotAllowed(
            _("Records made on the order refer to it; cancel the order instead."),
            stage=order.stage.code,
        ) from exc


@transaction.atomic
def order_copy_lines(*, order: ServiceOrder, source: ServiceOrder, by) -> list[OrderLine]:
    """Copy the open lines of another order (a template visit, a repeat job) as new lines."""
    from openservice.orders.services.lines import order_line_add

    order = lock_order(order)
    require_editable(order)
    copied = [
        order_line_add(
            order=order,
            by=by,
            kind=line.kind,
            description=line.description,
            task=line.task,
            object=line.object,
            technician=line.technician,
            item=line.item,
            quantity=line.quantity,
            unit=line.unit,
            unit_cost=line.unit_cost,
            unit_price=line.unit_price,
            is_billable=line.is_billable,
        )
        for line in source.lines.filter(status=OrderLine.Status.OPEN).select_related(
            "task", "object", "technician", "item"
        )
    ]
    audit(by, "order.lines_copied", order, {"from": source.pk, "lines": len(copied)})
    return copied


@transaction.atomic
def order_copy_agreement_lines(
    *, order: ServiceOrder, source, by, line_ids=None
) -> list[OrderLine]:
    """Copy lines of a template (or of an agreement) into the order as ordinary lines, with the
    objects and tasks they use: prices from the agreement line, else the item. Objects of
    another customer are left off."""
    from openservice.agreements.selectors import lines_of
    from openservice.orders.services.lines import order_line_add

    order = lock_order(order)
    require_editable(order)
    lines = lines_of(source, line_ids)
    objects = {
        line.object_id
        for line in lines
        if line.object_id and line.object.customer_id == order.customer_id
    }
    if objects:
        order.objects_covered.add(*objects)
    tasks = {line.task_id for line in lines if line.task_id}
    if tasks:
        order.tasks.add(*tasks)
    copied = []
    for line in lines:
        fields = {
            "kind": line.kind,
            "task": line.task,
            "object": line.object if line.object_id in objects else None,
            "technician": line.technician,
            "item": line.item,
            "quantity": line.quantity,
            "is_billable": line.is_billable,
        }
        for name in ("description", "unit"):
            if getattr(line, name):
                fields[name] = getattr(line, name)
        if line.unit_price is not None:
            fields["unit_price"] = line.unit_price
        copied.append(order_line_add(order=order, by=by, **fields))
    audit(
        by,
        "order.agreement_lines_copied",
        order,
        {"from_agreement": source.pk, "lines": [line.pk for line in copied]},
    )
    return copied


@transaction.atomic
def order_move_lines(*, order: ServiceOrder, target: ServiceOrder, lines, by) -> list[OrderLine]:
    """Move open lines to another order of the same agreement (a visit split or merged by
    hand). Generated lines keep their agreement line and occurrence, so the occurrence is still
    generated exactly once. Both orders must allow editing."""
    if order.pk == target.pk:
        raise LinesNotMovable(order_id=order.pk, target_id=target.pk)
    first, second = sorted([order, target], key=lambda o: o.pk)
    locked = {o.pk: lock_order(o) for o in (first, second)}  # in id order: no deadlock
    order, target = locked[order.pk], locked[target.pk]
    if order.agreement_id is None:
        raise NoAgreement(order_id=order.pk, target_id=target.pk)
    if target.agreement_id != order.agreement_id:
        raise OtherAgreement(order_id=order.pk, target_id=target.pk)
    require_editable(order)
    require_editable(target)
    wanted = {getattr(line, "pk", line) for line in lines}
    rows = list(
        OrderLine.objects.select_for_update().filter(
            pk__in=wanted, order=order, status=OrderLine.Status.OPEN
        )
    )
    if not wanted or len(rows) != len(wanted):
        raise LinesNotMovable(order_id=order.pk, line_ids=sorted(wanted))
    objects = {row.object_id for row in rows if row.object_id}
    if objects:
        target.objects_covered.add(*objects)
    OrderLine.objects.filter(pk__in=wanted).update(order=target, updated_at=timezone.now())
    bump_version(order)
    bump_version(target)
    audit(by, "order.lines_moved", order, {"to": target.pk, "lines": sorted(wanted)})
    audit(by, "order.lines_received", target, {"from": order.pk, "lines": sorted(wanted)})
    return list(OrderLine.objects.filter(pk__in=wanted).order_by("pk"))
