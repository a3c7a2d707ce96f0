"""What dispatch does when orders change: a cancelled order's appointments are cancelled."""

from openservice.core.events import subscribe
from openservice.dispatch.services import appointments_cancel_for_order
from openservice.orders.events import OrderCancelled


def on_cancelled(event: OrderCancelled) -> None:
    appointments_cancel_for_order(order_id=event.order_id, at=event.at)


def register() -> None:
    subscribe(OrderCancelled, on_cancelled)
