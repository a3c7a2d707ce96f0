"""Stage changes: the only code that assigns an order's stage."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openservice.core.events import publish
from openservice.core.models import ReasonCode
from openservice.core.roles import Role, roles_of
from openservice.core.services import audit
from openservice.orders.errors import (
    CancelNotAllowed,
    ChangeBeforePrevious,
    ChangeInFuture,
    InvalidTransition,
    NotCancelled,
    ReasonNotUsable,
    ReasonRequired,
    TransitionNotAllowedForRole,
)
from openservice.orders.events import OrderCancelled, OrderStageChanged
from openservice.orders.models import OrderLine, ServiceOrder, Stage, StageChange, StageTransition
from openservice.orders.selectors import is_assigned_to
from openservice.orders.services.common import bump_version, lock_order
from openservice.orders.services.sla import order_sla_refresh


def may_make(user, order: ServiceOrder, transition: StageTransition) -> bool:
    """Whether the user's roles allow the transition on this order. Technicians act only on
    orders assigned to them (the preferred technician, or booked by an appointment)."""
    if user.is_superuser:
        return True
    allowed = {group.name for group in transition.roles.all()}
    roles = {role.value for role in roles_of(user)} & allowed
    if roles - {Role.TECHNICIAN.value}:
        return True
    return bool(roles) and is_assigned_to(user, order)


def allowed_transitions(user, order: ServiceOrder) -> list[StageTransition]:
    """The transitions out of the order's stage this user may make (for stage buttons)."""
    transitions = (
        StageTransition.objects.filter(from_stage_id=order.stage_id)
        .select_related("to_stage")
        .prefetch_related("roles")
        .exclude(to_stage__category=Stage.Category.CANCELLED)
    )
    return [t for t in transitions if may_make(user, order, t)]


def _check_reason(stage: Stage, reason: ReasonCode | None, purpose: str) -> None:
    if stage.requires_reason and reason is None:
        raise ReasonRequired(stage=stage.code)
    if reason is not None and not reason.usable_for(purpose):
        raise ReasonNotUsable(reason=reason.code, purpose=purpose)


def _check_at(order: ServiceOrder, at: datetime, now: datetime) -> None:
    if at > now:
        raise ChangeInFuture(at=at.isoformat())
    previous = (
        StageChange.objects.filter(order=order).order_by("-at", "-pk").values_list("at", flat=True)
    ).first()
    if previous is not None and at < previous:
        raise ChangeBeforePrevious(at=at.isoformat(), previous=previous.isoformat())


def _move(order, to: Stage, *, by, reason, note, at, now, verb: str) -> ServiceOrder:
    from_stage = order.stage
    StageChange.objects.create(
        order=order, from_stage=from_stage, to_stage=to, by=by, at=at, reason=reason, note=note
    )
    order.stage = to
    bump_version(order, "stage", "stage_before_cancel")
    order_sla_refresh(order=order, now=now)
    audit(
        by,
        verb,
        order,
        {
            "from": from_stage.code,
            "to": to.code,
            "at": at.isoformat(),
            "reason": reason.code if reason else None,
        },
    )
    publish(
        OrderStageChanged(
            order_id=order.pk,
            from_stage=from_stage.code,
            to_stage=to.code,
            to_category=to.category,
            at=at,
        )
    )
    return order


@transaction.atomic
def order_change_stage(
    *,
    order: ServiceOrder,
    to: Stage,
    by,
    reason: ReasonCode | None = None,
    note: str = "",
    at: datetime | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """Move an order along the workflow: checks the transition and the user's role for it,
    the reason where the target stage requires one, and that `at` (default now; work may be
    recorded after the fact) is neither in the future nor before the previous change."""
    order = lock_order(order)
    now = now or timezone.now()
    at = at or now
    if to.category == Stage.Category.CANCELLED:
        raise InvalidTransition(
            from_stage=order.stage.code, to_stage=to.code, hint="use the cancel action"
        )
    transition = (
        StageTransition.objects.filter(from_stage_id=order.stage_id, to_stage=to)
        .prefetch_related("roles")
        .first()
    )
    if transition is None:
        raise InvalidTransition(from_stage=order.stage.code, to_stage=to.code)
    if not may_make(by, order, transition):
        raise TransitionNotAllowedForRole(from_stage=order.stage.code, to_stage=to.code)
    _check_reason(to, reason, "stage_change")
    _check_at(order, at, now)
    return _move(
        order, to, by=by, reason=reason, note=note, at=at, now=now, verb="order.stage_changed"
    )


def _cancelled_stage() -> Stage:
    return Stage.objects.filter(category=Stage.Category.CANCELLED).order_by("sort_order").first()


@transaction.atomic
def order_cancel(
    *, order: ServiceOrder, by, reason: ReasonCode | None, note: str = "", now=None
) -> ServiceOrder:
    """Cancel where the stage allows it and nothing is posted; remembers the stage to return
    to if the cancellation is revoked."""
    order = lock_order(order)
    now = now or timezone.now()
    cancelled = _cancelled_stage()
    posted = OrderLine.objects.filter(order=order, status=OrderLine.Status.POSTED).exists()
    if cancelled is None or not order.stage.allows_cancel or posted:
        raise CancelNotAllowed(stage=order.stage.code, posted=posted)
    _check_reason(cancelled, reason, "cancel")
    if reason is None:
        raise ReasonRequired(stage=cancelled.code)
    _check_at(order, now, now)
    order.stage_before_cancel = order.stage
    _move(
        order, cancelled, by=by, reason=reason, note=note, at=now, now=now, verb="order.cancelled"
    )
    publish(OrderCancelled(order_id=order.pk, reason=reason.code, at=now))
    return order


@transaction.atomic
def order_revoke_cancel(*, order: ServiceOrder, by, note: str = "", now=None) -> ServiceOrder:
    """Undo a cancellation: the order returns to the stage it was cancelled from."""
    order = lock_order(order)
    now = now or timezone.now()
    if order.stage.category != Stage.Category.CANCELLED or order.stage_before_cancel is None:
        raise NotCancelled(stage=order.stage.code)
    back = order.stage_before_cancel
    order.stage_before_cancel = None
    _check_at(order, now, now)
    return _move(
        order, back, by=by, reason=None, note=note, at=now, now=now, verb="order.cancel_revoked"
    )
