"""API for service orders: orders, lines, stage changes, cancellation, sign-off, posting."""

from dataclasses import replace
from typing import Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.renderers import JSONRenderer
from ninja.responses import Status

from openservice.agreements.selectors import agreement_get
from openservice.catalog.selectors import item_get, task_get
from openservice.core.errors import InvalidInput
from openservice.core.references import referenced as _ref
from openservice.core.roles import is_staff_member, require_perm
from openservice.core.schemas import (
    Id,
    PageIn,
    PageOut,
    paginate,
)
from openservice.core.selectors import reason_by_code, reason_code_list
from openservice.customers.selectors import customer_get, site_get
from openservice.equipment.selectors import object_get
from openservice.orders import selectors, services
from openservice.orders.errors import UnknownStage
from openservice.orders.models import ServiceOrder
from openservice.orders.schemas import (
    CancelIn,
    CopyAgreementLinesIn,
    CopyLinesIn,
    HistoryEntryOut,
    LineIn,
    LineOut,
    LineUpdateIn,
    MoveLinesIn,
    NoteIn,
    OrderCreateIn,
    OrderFilters,
    OrderOut,
    OrderUpdateIn,
    ReasonCodeOut,
    SignOffIn,
    SlaActionIn,
    SlaOut,
    StageChangeIn,
    StageOut,
    can_see_cost,
)
from openservice.orders.serializers import order_dict
from openservice.sla.selectors import policy_get
from openservice.workforce.selectors import technician_get

router = Router(tags=["orders"])


def _line_links(user, data: dict) -> dict:
    if not user.has_perm("orders.view_cost"):
        data.pop("unit_cost", None)  # costs come from the item or technician, unseen
    for field, key, lookup in (
        ("task_id", "task", lambda pk: task_get(user=user, task_id=pk)),
        ("object_id", "object", lambda pk: object_get(user=user, object_id=pk)),
        ("technician_id", "technician", lambda pk: technician_get(user=user, technician_id=pk)),
        ("item_id", "item", lambda pk: item_get(user=user, item_id=pk)),
    ):
        if field in data:
            pk = data.pop(field)
            data[key] = pk and _ref(field, lookup, pk=pk)
    for field in ("description", "unit", "unit_price", "unit_cost"):
        if field in data and data[field] is None:
            del data[field]  # not given: defaults come from the item or technician
    return data


def _order_links(user, data: dict) -> dict:
    if "agreement_id" in data:
        pk = data.pop("agreement_id")
        data["agreement"] = pk and _ref(
            "agreement_id", lambda: agreement_get(user=user, agreement_id=pk)
        )
    if "customer_id" in data:
        data["customer"] = _ref(
            "customer_id", lambda: customer_get(user=user, customer_id=data.pop("customer_id"))
        )
    if "site_id" in data:
        data["site"] = _ref("site_id", lambda: site_get(user=user, site_id=data.pop("site_id")))
    if "preferred_technician_id" in data:
        pk = data.pop("preferred_technician_id")
        data["preferred_technician"] = pk and _ref(
            "preferred_technician_id", lambda: technician_get(user=user, technician_id=pk)
        )
    if data.get("object_ids") is not None:
        data["objects"] = [
            _ref("object_ids", lambda pk=pk: object_get(user=user, object_id=pk))
            for pk in data.pop("object_ids")
        ]
    data.pop("object_ids", None)
    if data.get("task_ids") is not None:
        data["tasks"] = [
            _ref("task_ids", lambda pk=pk: task_get(user=user, task_id=pk))
            for pk in data.pop("task_ids")
        ]
    data.pop("task_ids", None)
    if "sla_policy_id" in data:
        pk = data.pop("sla_policy_id")
        data["sla_policy"] = pk and _ref(
            "sla_policy_id", lambda: policy_get(user=user, policy_id=pk)
        )
    return data


def _order(request, order_id: int, perm: str = "view") -> ServiceOrder:
    require_perm(request.auth, f"orders.{perm}_serviceorder")
    return selectors.order_get(user=request.auth, order_id=order_id)


def _fresh(request, order_id: int) -> ServiceOrder:
    return selectors.order_get(user=request.auth, order_id=order_id)


def _reason(code: str | None, field: str = "reason"):
    if not code:
        return None
    reason = reason_by_code(code)
    if reason is None:
        raise InvalidInput({field: [_("No reason code %s.") % code]})
    return reason


@router.get("/stages", response=list[StageOut], operation_id="list_stages", summary="Stages")
def list_stages(request: HttpRequest):
    require_perm(request.auth, "orders.view_stage")
    return list(selectors.stage_list())


@router.get(
    "/reason-codes",
    response=list[ReasonCodeOut],
    operation_id="list_reason_codes",
    summary="Reason codes",
)
def list_reason_codes(
    request: HttpRequest,
    purpose: Literal["stage_change", "cancel", "sla_stop", "sla_cancel", "note"] | None = None,
):
    require_perm(request.auth, "core.view_reasoncode")
    return list(reason_code_list(purpose=purpose))


@router.get("/orders", response=PageOut[OrderOut], operation_id="list_orders", summary="Orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters], page: Query[PageIn]):
    require_perm(request.auth, "orders.view_serviceorder")
    orders = selectors.order_list(
        user=request.auth, now=timezone.now(), **filters.dict(exclude_none=True)
    )
    result = paginate(orders, page)
    show_cost, now = can_see_cost(request), timezone.now()
    # Rendered directly (see orders/serializers.py); the declared schema documents the shape.
    body = {
        "items": [order_dict(order, show_cost=show_cost, now=now) for order in result["items"]],
        "count": result["count"],
    }
    return HttpResponse(
        JSONRenderer().render(request, body, response_status=200),
        content_type="application/json",
    )


@router.get("/orders/{id}", response=OrderOut, operation_id="get_order", summary="An order")
def get_order(request: HttpRequest, id: Path[Id]):
    return _order(request, id)


@router.post(
    "/orders", response={201: OrderOut}, operation_id="create_order", summary="Create an order"
)
def create_order(request: HttpRequest, payload: OrderCreateIn):
    require_perm(request.auth, "orders.add_serviceorder")
    data = payload.dict()
    lines = data.pop("lines")
    data = _order_links(request.auth, data)
    with transaction.atomic():
        order = services.order_create(by=request.auth, origin=ServiceOrder.Origin.API, **data)
        for line in lines:
            services.order_line_add(order=order, by=request.auth, **_line_links(request.auth, line))
    return Status(201, _fresh(request, order.pk))


@router.patch(
    "/orders/{id}",
    response=OrderOut,
    operation_id="update_order",
    summary="Change an order (send the version you read)",
)
def update_order(request: HttpRequest, id: Path[Id], payload: OrderUpdateIn):
    order = _order(request, id, "change")
    data = _order_links(request.auth, payload.dict(exclude_unset=True))
    services.order_update(order=order, by=request.auth, **data)
    return _fresh(request, id)


@router.delete(
    "/orders/{id}",
    response={204: None},
    operation_id="delete_order",
    summary="Delete an order (only where its stage allows)",
)
def delete_order(request: HttpRequest, id: Path[Id]):
    services.order_delete(order=_order(request, id, "delete"), by=request.auth)
    return Status(204, None)


@router.post(
    "/orders/{id}/lines",
    response={201: LineOut},
    operation_id="add_order_line",
    summary="Add a line",
)
def add_order_line(request: HttpRequest, id: Path[Id], payload: LineIn):
    require_perm(request.auth, "orders.add_orderline")
    order = selectors.order_get(user=request.auth, order_id=id)
    data = _line_links(request.auth, payload.dict())
    return Status(201, services.order_line_add(order=order, by=request.auth, **data))


@router.patch(
    "/orders/{id}/lines/{line_id}",
    response=LineOut,
    operation_id="update_order_line",
    summary="Change an open line",
)
def update_order_line(request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: LineUpdateIn):
    require_perm(request.auth, "orders.change_orderline")
    order = selectors.order_get(user=request.auth, order_id=id)
    line = selectors.order_line_get(order, line_id)
    data = _line_links(request.auth, payload.dict(exclude_unset=True))
    return services.order_line_update(line=line, by=request.auth, **data)


@router.delete(
    "/orders/{id}/lines/{line_id}",
    response=LineOut,
    operation_id="cancel_order_line",
    summary="Cancel an open line (lines are kept, marked cancelled)",
)
def cancel_order_line(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    require_perm(request.auth, "orders.change_orderline")
    order = selectors.order_get(user=request.auth, order_id=id)
    return services.order_line_cancel(
        line=selectors.order_line_get(order, line_id), by=request.auth
    )


@router.post(
    "/orders/{id}/stage",
    response=OrderOut,
    operation_id="change_order_stage",
    summary="Move the order to another stage",
)
def change_order_stage(request: HttpRequest, id: Path[Id], payload: StageChangeIn):
    order = _order(request, id)
    to = selectors.stage_by_code(payload.to)
    if to is None:
        raise UnknownStage(stage=payload.to)
    services.order_change_stage(
        order=order,
        to=to,
        by=request.auth,
        reason=_reason(payload.reason),
        note=payload.note,
        at=payload.at,
    )
    return _fresh(request, id)


@router.post(
    "/orders/{id}/cancel", response=OrderOut, operation_id="cancel_order", summary="Cancel"
)
def cancel_order(request: HttpRequest, id: Path[Id], payload: CancelIn):
    order = _order(request, id, "cancel")
    services.order_cancel(
        order=order, by=request.auth, reason=_reason(payload.reason), note=payload.note
    )
    return _fresh(request, id)


@router.post(
    "/orders/{id}/revoke-cancel",
    response=OrderOut,
    operation_id="revoke_order_cancel",
    summary="Revoke a cancellation",
)
def revoke_order_cancel(request: HttpRequest, id: Path[Id], payload: NoteIn | None = None):
    order = _order(request, id, "cancel")
    services.order_revoke_cancel(order=order, by=request.auth, note=payload.note if payload else "")
    return _fresh(request, id)


@router.post(
    "/orders/{id}/sign-off",
    response=OrderOut,
    operation_id="sign_off_order",
    summary="Record the customer's sign-off",
)
def sign_off_order(request: HttpRequest, id: Path[Id], payload: SignOffIn):
    order = _order(request, id, "sign_off")
    services.order_sign_off(order=order, by=request.auth, signer_name=payload.signer_name)
    return _fresh(request, id)


@router.post(
    "/orders/{id}/post",
    response=OrderOut,
    operation_id="post_order",
    summary="Post the order's lines (again posts only new lines)",
)
def post_order(request: HttpRequest, id: Path[Id]):
    services.order_post(order=_order(request, id, "post"), by=request.auth)
    return _fresh(request, id)


@router.post(
    "/orders/{id}/copy-lines",
    response=OrderOut,
    operation_id="copy_order_lines",
    summary="Copy the open lines of another order",
)
def copy_order_lines(request: HttpRequest, id: Path[Id], payload: CopyLinesIn):
    order = _order(request, id, "change")
    source = _ref(
        "from_order_id",
        lambda: selectors.order_get(user=request.auth, order_id=payload.from_order_id),
    )
    services.order_copy_lines(order=order, source=source, by=request.auth)
    return _fresh(request, id)


@router.post(
    "/orders/{id}/copy-agreement-lines",
    response=OrderOut,
    operation_id="copy_agreement_lines_to_order",
    summary="Copy lines of a template or an agreement into the order",
)
def copy_agreement_lines(request: HttpRequest, id: Path[Id], payload: CopyAgreementLinesIn):
    order = _order(request, id, "change")
    source = _ref(
        "from_agreement_id",
        lambda: agreement_get(user=request.auth, agreement_id=payload.from_agreement_id),
    )
    services.order_copy_agreement_lines(
        order=order, source=source, by=request.auth, line_ids=payload.line_ids
    )
    return _fresh(request, id)


@router.post(
    "/orders/{id}/move-lines",
    response=OrderOut,
    operation_id="move_order_lines",
    summary="Move lines to another order of the same agreement",
)
def move_order_lines(request: HttpRequest, id: Path[Id], payload: MoveLinesIn):
    order = _order(request, id, "change")
    target = _ref(
        "to_order_id", lambda: selectors.order_get(user=request.auth, order_id=payload.to_order_id)
    )
    services.order_move_lines(order=order, target=target, lines=payload.line_ids, by=request.auth)
    return _fresh(request, id)


@router.get(
    "/orders/{id}/history",
    response=list[HistoryEntryOut],
    operation_id="get_order_history",
    summary="Stage changes and audit events, oldest first",
)
def get_order_history(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "orders.view_stagechange")  # staff only: notes are internal
    order = _order(request, id)
    return selectors.order_history(order, show_cost=can_see_cost(request))


def _sla(request, order: ServiceOrder):
    view = selectors.order_sla(order, now=timezone.now())
    if not is_staff_member(request.auth):  # who stopped a clock, and why, is internal
        view = replace(view, clock_changes=[])
    return view


@router.get(
    "/orders/{id}/sla",
    response=SlaOut,
    operation_id="get_order_sla",
    summary="The order's SLA clock now: due instants, time used, state",
)
def get_order_sla(request: HttpRequest, id: Path[Id]):
    return _sla(request, _order(request, id))


def _sla_action(request, id: int, action, payload: SlaActionIn | None):
    require_perm(request.auth, "orders.manage_sla")
    order = _order(request, id)
    payload = payload or SlaActionIn()
    reason = _reason(payload.reason)
    action(order=order, by=request.auth, reason=reason, note=payload.note)
    return _sla(request, _fresh(request, id))


@router.post(
    "/orders/{id}/sla/stop",
    response=SlaOut,
    operation_id="stop_order_sla",
    summary="Stop the SLA clock by hand (a reason is required after a missed target)",
)
def stop_order_sla(request: HttpRequest, id: Path[Id], payload: SlaActionIn | None = None):
    return _sla_action(request, id, services.order_sla_stop, payload)


@router.post(
    "/orders/{id}/sla/start",
    response=SlaOut,
    operation_id="start_order_sla",
    summary="Restart a clock stopped or cancelled by hand",
)
def start_order_sla(request: HttpRequest, id: Path[Id], payload: SlaActionIn | None = None):
    return _sla_action(request, id, services.order_sla_start, payload)


@router.post(
    "/orders/{id}/sla/cancel",
    response=SlaOut,
    operation_id="cancel_order_sla",
    summary="Cancel the order's SLA (needs a reason code)",
)
def cancel_order_sla(request: HttpRequest, id: Path[Id], payload: SlaActionIn):
    return _sla_action(request, id, services.order_sla_cancel, payload)
