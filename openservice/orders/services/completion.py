"""Sign-off and posting: the customer accepts the work, the manager freezes the lines."""

from django.db import transaction
from django.utils import timezone

from openservice.core.services import audit
from openservice.orders.errors import (
    PostingNotAllowed,
    SignOffNotAllowed,
    SignOffRequired,
    StageReadOnly,
)
from openservice.orders.models import OrderLine, ServiceOrder, Stage
from openservice.orders.services.common import bump_version, lock_order

SIGN_OFF_CATEGORIES = {Stage.Category.IN_PROGRESS, Stage.Category.COMPLETED}


@transaction.atomic
def order_sign_off(*, order: ServiceOrder, by, signer_name: str, now=None) -> ServiceOrder:
    """Record the customer's acceptance (who signed, when, and who recorded it)."""
    order = lock_order(order)
    if order.stage.category not in SIGN_OFF_CATEGORIES:
        raise SignOffNotAllowed(stage=order.stage.code)
    if order.posted_at is not None:
        raise StageReadOnly(stage=order.stage.code, posted=True)
    order.signed_off_at = now or timezone.now()
    order.signed_off_by = by
    order.signer_name = signer_name
    bump_version(order, "signed_off_at", "signed_off_by", "signer_name")
    audit(by, "order.signed_off", order, {"signer_name": signer_name})
    return order


@transaction.atomic
def order_post(*, order: ServiceOrder, by, now=None) -> tuple[ServiceOrder, int]:
    """Freeze the order's open billable lines as posted, ready for invoicing.
    Needs sign-off and a stage that allows posting. Posting again posts only lines added
    since; with none, nothing changes. Returns the order and how many lines were posted."""
    order = lock_order(order)
    if not order.stage.allows_posting:
        raise PostingNotAllowed(stage=order.stage.code)
    if order.signed_off_at is None:
        raise SignOffRequired(order_id=order.pk)
    now = now or timezone.now()
    posted = OrderLine.objects.filter(
        order=order, status=OrderLine.Status.OPEN, is_billable=True
    ).update(status=OrderLine.Status.POSTED, posted_at=now)
    if posted:
        if order.posted_at is None:
            order.posted_at = now
        bump_version(order, "posted_at")
        audit(by, "order.posted", order, {"lines": posted})
    return order, posted
