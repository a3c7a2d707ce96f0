"""What returns do when orders change: a repair order that completes sends its returned units
back to the customer; one that is cancelled hands them back to be decided anew; one that opens
again (reopened, or its cancellation revoked) puts them back in repair."""

from openservice.core.events import subscribe
from openservice.orders.events import OrderCancelled, OrderStageChanged
from openservice.orders.models import Stage
from openservice.returns.services.processing import (
    repair_cancelled,
    repair_completed,
    repair_resumed,
)

DONE = {Stage.Category.COMPLETED, Stage.Category.CLOSED}


def on_stage_changed(event: OrderStageChanged) -> None:
    if event.to_category in DONE:
        repair_completed(order_id=event.order_id, at=event.at)
    elif event.to_category != Stage.Category.CANCELLED:
        repair_resumed(order_id=event.order_id, at=event.at)


def on_cancelled(event: OrderCancelled) -> None:
    repair_cancelled(order_id=event.order_id)


def register() -> None:
    subscribe(OrderStageChanged, on_stage_changed)
    subscribe(OrderCancelled, on_cancelled)
