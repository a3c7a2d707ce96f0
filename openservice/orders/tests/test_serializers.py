"""The list endpoint's fast rendering must equal the schema's, field for field."""

import json
from decimal import Decimal

import pytest
from django.utils import timezone
from ninja.renderers import JSONRenderer

from openservice.orders.models import ServiceOrder
from openservice.orders.schemas import OrderOut
from openservice.orders.serializers import order_dict
from openservice.orders.services import order_cancel, order_line_add, order_line_cancel
from openservice.orders.tests.factories import make_order
from openservice.sla.services import policy_create


class _Request:
    def __init__(self, user):
        self.auth = user


def _render(data):
    return json.loads(JSONRenderer().render(None, data, response_status=200))


@pytest.mark.parametrize("role", ["manager", "technician_user"])
def test_fast_rendering_equals_the_schema(request, manager, role):
    user = request.getfixturevalue(role)
    policy_create(
        by=manager,
        name="Round the clock",
        is_default=True,
        targets=[{"priority": "normal", "response_minutes": 60, "resolution_minutes": 240}],
    )
    order = make_order(by=manager)
    line = order_line_add(
        order=order,
        by=manager,
        kind="item",
        quantity=Decimal("1.333"),
        unit_price=Decimal("10.05"),
        unit_cost=Decimal("4"),
    )
    order_line_add(order=order, by=manager, kind="fee", quantity=Decimal(2), unit_price=Decimal(3))
    order_line_cancel(line=line, by=manager)
    fetched = ServiceOrder.objects.prefetch_related("lines", "objects_covered", "tasks").get(
        pk=order.pk
    )
    show_cost = user.has_perm("orders.view_cost")

    fast = _render(order_dict(fetched, show_cost=show_cost, now=timezone.now()))
    schema = _render(
        OrderOut.model_validate(fetched, context={"request": _Request(user)}).model_dump()
    )

    assert fast == schema
    assert (fast["totals"]["cost_amount"] is None) is (not show_cost)
    assert (fast["sla_policy_id"], fast["sla_state"]) == (order.sla_policy_id, "on_track")


def test_fast_rendering_of_a_cancelled_order_equals_the_schema(manager):
    from openservice.core.selectors import reason_by_code

    order = make_order(by=manager)
    order_cancel(order=order, by=manager, reason=reason_by_code("DUPLICATE"))
    fetched = ServiceOrder.objects.get(pk=order.pk)
    fast = _render(order_dict(fetched, show_cost=True, now=timezone.now()))
    schema = _render(
        OrderOut.model_validate(fetched, context={"request": _Request(manager)}).model_dump()
    )
    assert fast == schema
    assert fast["stage"] == {"code": "cancelled", "name": "Cancelled"}
