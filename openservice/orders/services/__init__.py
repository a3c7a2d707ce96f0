"""Writes for service orders, split by sub-flow; import them from here."""

from openservice.orders.services.completion import order_post, order_sign_off
from openservice.orders.services.lines import order_line_add, order_line_cancel, order_line_update
from openservice.orders.services.orders import (
    initial_stage,
    order_copy_agreement_lines,
    order_copy_lines,
    order_create,
    order_delete,
    order_move_lines,
    order_update,
)
from openservice.orders.services.sla import (
    order_sla_cancel,
    order_sla_refresh,
    order_sla_start,
    order_sla_stop,
    orders_sla_recompute,
    sla_scan,
)
from openservice.orders.services.stages import (
    allowed_transitions,
    may_make,
    order_cancel,
    order_change_stage,
    order_revoke_cancel,
)

__all__ = [
    "allowed_transitions",
    "initial_stage",
    "may_make",
    "order_cancel",
    "order_change_stage",
    "order_copy_agreement_lines",
    "order_copy_lines",
    "order_create",
    "order_delete",
    "order_line_add",
    "order_line_cancel",
    "order_line_update",
    "order_move_lines",
    "order_post",
    "order_revoke_cancel",
    "order_sign_off",
    "order_sla_cancel",
    "order_sla_refresh",
    "order_sla_start",
    "order_sla_stop",
    "order_update",
    "orders_sla_recompute",
    "sla_scan",
]
