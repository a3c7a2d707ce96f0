"""API for returns (RMA): return orders and their lines, arrivals, quarantine and inspection,
dispositions, processing, the reason and disposition code lists, and replacements to ship.

Codes go in and out as their code strings (`"reason": "DEFECT"`); an unknown or retired code, or
an id the user may not see, is a field error (422) named like the services name them
(`lines.0.item_id`). A return the user may not see is not found (404)."""

from functools import partial

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.responses import Status

from openservice.billing.selectors import invoice_get, invoice_list
from openservice.catalog.selectors import items_by_id
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.references import code_named
from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.customers.selectors import customer_get, customer_of_user
from openservice.equipment.selectors import object_get
from openservice.orders.selectors import order_get
from openservice.returns import selectors, services
from openservice.returns.models import (
    DispositionCode,
    ReturnOrder,
    ReturnReason,
    ReturnReasonGroup,
)
from openservice.returns.schemas import (
    ArrivalIn,
    CodeCreateIn,
    CodeFilters,
    CodeOut,
    CodeUpdateIn,
    DispositionCreateIn,
    DispositionIn,
    DispositionOut,
    DispositionUpdateIn,
    InspectIn,
    ProcessIn,
    ProcessOut,
    QuarantineIn,
    ReasonCreateIn,
    ReasonOut,
    ReasonUpdateIn,
    ReplacementFilters,
    ReplacementOut,
    ReturnCreateIn,
    ReturnFilters,
    ReturnLineIn,
    ReturnOut,
    ReturnUpdateIn,
    ShipIn,
)

router = Router(tags=["returns"])

# A code list's record named by its code string in a payload (core.references.code_named).
_code = partial(code_named, find=selectors.code_by_code)


def _invoice_line(user, pk: int):
    """A line of an invoice the user may see (a customer's contact: their own posted ones)."""
    invoice = invoice_list(user=user).filter(lines__pk=pk).first()
    if invoice is None:
        raise NotFound(invoice_line_id=pk)
    return invoice.lines.select_related("invoice", "order_line").get(pk=pk)


def _item(pk: int):
    # Customers name what they send back, so the item is looked up without the catalog's
    # staff-only rule; the return shows its name and nothing else of it.
    item = items_by_id([pk]).get(pk)
    if item is None:
        raise NotFound(item_id=pk)
    return item


def _line_input(user, index: int, row: ReturnLineIn) -> services.LineInput:
    def field(name: str) -> str:
        return f"lines.{index}.{name}"

    return services.LineInput(
        item=row.item_id and _ref(field("item_id"), _item, pk=row.item_id),
        object=row.object_id
        and _ref(field("object_id"), object_get, user=user, object_id=row.object_id),
        serial=row.serial,
        quantity=row.quantity,
        invoice_line=row.invoice_line_id
        and _ref(field("invoice_line_id"), _invoice_line, user=user, pk=row.invoice_line_id),
        credit_price=row.credit_price,
        reason=_code(ReturnReason, field("reason"), row.reason),
        disposition=_code(DispositionCode, field("disposition"), row.disposition),
    )


def _header(user, data: dict) -> dict:
    """API ids and codes of a return's header to the records the services take."""
    changes = {}
    if "reason" in data:
        changes["reason"] = _code(ReturnReason, "reason", data["reason"])
    if "note" in data:
        changes["note"] = data["note"]
    if "reference_order_id" in data:
        pk = data["reference_order_id"]
        changes["reference_order"] = pk and _ref(
            "reference_order_id", order_get, user=user, order_id=pk
        )
    if "reference_invoice_id" in data:
        pk = data["reference_invoice_id"]
        changes["reference_invoice"] = pk and _ref(
            "reference_invoice_id", invoice_get, user=user, invoice_id=pk
        )
    return changes


def _customer(user, customer_id: int | None):
    if customer_id is not None:
        return _ref("customer_id", customer_get, user=user, customer_id=customer_id)
    own = customer_of_user(user)
    if own is None:
        raise InvalidInput({"customer_id": [_("Name the customer the goods come back from.")]})
    return own


def _return(request, return_id: int, perm: str = "returns.view_returnorder") -> ReturnOrder:
    require_perm(request.auth, perm)
    return selectors.return_get(user=request.auth, return_id=return_id)


def _fresh(request, return_id: int) -> ReturnOrder:
    return selectors.return_get(user=request.auth, return_id=return_id)


def _line_of(ret: ReturnOrder, line_id: int):
    line = next((line for line in ret.lines.all() if line.pk == line_id), None)
    if line is None:
        raise NotFound(line_id=line_id)
    return line


# -- Return orders -------------------------------------------------------------------------------


@router.get(
    "/returns",
    response=PageOut[ReturnOut],
    operation_id="list_returns",
    summary="Return orders (a customer's contacts: their own customer's)",
)
def list_returns(request: HttpRequest, filters: Query[ReturnFilters], page: Query[PageIn]):
    require_perm(request.auth, "returns.view_returnorder")
    returns = selectors.return_list(user=request.auth, **filters.dict(exclude_none=True))
    return paginate(selectors.with_lines(returns), page)


@router.get("/returns/{id}", response=ReturnOut, operation_id="get_return", summary="A return")
def get_return(request: HttpRequest, id: Path[Id]):
    return _return(request, id)


@router.post(
    "/returns",
    response={201: ReturnOut},
    operation_id="create_return",
    summary="Authorise a return: an RMA number, a deadline, its lines expected",
)
def create_return(request: HttpRequest, payload: ReturnCreateIn):
    require_perm(request.auth, "returns.add_returnorder")
    user = request.auth
    customer = _customer(user, payload.customer_id)
    header = _header(user, payload.dict(exclude={"customer_id", "lines"}))
    lines = [_line_input(user, index, row) for index, row in enumerate(payload.lines)]
    ret = services.return_create(by=user, customer=customer, lines=lines, **header)
    return Status(201, _fresh(request, ret.pk))


@router.patch(
    "/returns/{id}",
    response=ReturnOut,
    operation_id="update_return",
    summary="Change the header of an unfinished return; replace its lines while it is created",
)
def update_return(request: HttpRequest, id: Path[Id], payload: ReturnUpdateIn):
    ret = _return(request, id, "returns.change_returnorder")
    data = payload.dict(include=payload.model_fields_set)
    changes = _header(request.auth, data)
    lines = None
    if data.get("lines") is not None:
        lines = [_line_input(request.auth, i, row) for i, row in enumerate(payload.lines)]
    services.return_update(ret=ret, by=request.auth, lines=lines, **changes)
    return _fresh(request, id)


@router.delete(
    "/returns/{id}",
    response={204: None},
    operation_id="delete_return",
    summary="Delete a return nothing has arrived for (a mistake); cancel it otherwise",
)
def delete_return(request: HttpRequest, id: Path[Id]):
    ret = _return(request, id, "returns.delete_returnorder")
    services.return_delete(ret=ret, by=request.auth)
    return Status(204, None)


@router.post(
    "/returns/{id}/arrivals",
    response=ReturnOut,
    operation_id="register_return_arrival",
    summary="Register goods that arrived on an expected line (less than expected splits it)",
)
def register_return_arrival(request: HttpRequest, id: Path[Id], payload: ArrivalIn):
    ret = _return(request, id, "returns.change_returnline")
    try:
        line = _line_of(ret, payload.line_id)
    except NotFound as exc:
        raise InvalidInput({"line_id": [_("Not a line of this return.")]}) from exc
    services.arrival_register(
        ret=ret, line=line, quantity=payload.quantity, by=request.auth, on=payload.on
    )
    return _fresh(request, id)


@router.post(
    "/returns/{id}/lines/{line_id}/quarantine",
    response=ReturnOut,
    operation_id="quarantine_return_line",
    summary="Hold a registered line apart until it is inspected",
)
def quarantine_return_line(
    request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: QuarantineIn | None = None
):
    ret = _return(request, id, "returns.change_returnline")
    note = payload.note if payload else ""
    services.line_quarantine(ret=ret, line=_line_of(ret, line_id), by=request.auth, note=note)
    return _fresh(request, id)


@router.post(
    "/returns/{id}/lines/{line_id}/inspect",
    response=ReturnOut,
    operation_id="inspect_return_line",
    summary="Record the inspection of a registered or quarantined line (it is received)",
)
def inspect_return_line(request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: InspectIn):
    ret = _return(request, id, "returns.change_returnline")
    line = _line_of(ret, line_id)
    services.line_inspect(
        ret=ret,
        line=line,
        by=request.auth,
        note=payload.note,
        disposition=_code(DispositionCode, "disposition", payload.disposition),
    )
    return _fresh(request, id)


@router.post(
    "/returns/{id}/lines/{line_id}/disposition",
    response=ReturnOut,
    operation_id="set_return_line_disposition",
    summary="Choose (or clear) what processing does with a line not processed yet",
)
def set_return_line_disposition(
    request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: DispositionIn
):
    ret = _return(request, id, "returns.change_returnline")
    line = _line_of(ret, line_id)
    disposition = _code(DispositionCode, "code", payload.code)
    services.line_set_disposition(ret=ret, line=line, by=request.auth, disposition=disposition)
    return _fresh(request, id)


@router.post(
    "/returns/{id}/lines/{line_id}/cancel",
    response=ReturnOut,
    operation_id="cancel_return_line",
    summary="Give up a line still expected (the goods will not come)",
)
def cancel_return_line(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    ret = _return(request, id, "returns.change_returnline")
    services.return_line_cancel(ret=ret, line=_line_of(ret, line_id), by=request.auth)
    return _fresh(request, id)


@router.post(
    "/returns/{id}/process",
    response=ProcessOut,
    operation_id="process_return",
    summary="Act on the arrived lines by their dispositions; again, it creates nothing new",
)
def process_return(request: HttpRequest, id: Path[Id], payload: ProcessIn | None = None):
    ret = _return(request, id, "returns.change_returnorder")
    line_ids = payload.line_ids if payload else None
    return services.return_process(ret=ret, by=request.auth, line_ids=line_ids)


@router.post(
    "/returns/{id}/cancel",
    response=ReturnOut,
    operation_id="cancel_return",
    summary="Cancel a return nothing has arrived for (a customer: their own request)",
)
def cancel_return(request: HttpRequest, id: Path[Id]):
    # Whoever may request a return may withdraw it: a customer's contact sees only their own
    # customer's returns, and the service refuses them any other.
    if not request.auth.has_perm("returns.add_returnorder"):
        require_perm(request.auth, "returns.change_returnorder")
    services.return_cancel(ret=_return(request, id), by=request.auth)
    return _fresh(request, id)


@router.post(
    "/returns/{id}/close",
    response=ReturnOut,
    operation_id="close_return",
    summary="Close an open return by hand, giving up the lines still expected",
)
def close_return(request: HttpRequest, id: Path[Id]):
    ret = _return(request, id, "returns.change_returnorder")
    services.return_close(ret=ret, by=request.auth)
    return _fresh(request, id)


# -- Replacements --------------------------------------------------------------------------------


@router.get(
    "/replacements",
    response=PageOut[ReplacementOut],
    operation_id="list_replacements",
    summary="Replacements owed to customers by replace dispositions, newest first",
)
def list_replacements(
    request: HttpRequest, filters: Query[ReplacementFilters], page: Query[PageIn]
):
    require_perm(request.auth, "returns.view_replacement")
    return paginate(selectors.replacements(status=filters.status), page)


@router.post(
    "/replacements/{id}/ship",
    response=ReplacementOut,
    operation_id="ship_replacement",
    summary="Record that the replacement left for the customer",
)
def ship_replacement(request: HttpRequest, id: Path[Id], payload: ShipIn):
    require_perm(request.auth, "returns.change_replacement")
    replacement = selectors.replacements().filter(pk=id).first()
    if replacement is None:
        raise NotFound(replacement_id=id)
    services.replacement_ship(
        replacement=replacement, by=request.auth, serial=payload.serial, on=payload.on
    )
    return selectors.replacements().get(pk=id)


# -- Codes ---------------------------------------------------------------------------------------

# URL name: (what one is called, out, create, update)
CODE_SCHEMAS: dict[str, tuple[str, type[Schema], type[Schema], type[Schema]]] = {
    "reason-groups": ("return reason group", CodeOut, CodeCreateIn, CodeUpdateIn),
    "reasons": ("return reason", ReasonOut, ReasonCreateIn, ReasonUpdateIn),
    "dispositions": (
        "return disposition",
        DispositionOut,
        DispositionCreateIn,
        DispositionUpdateIn,
    ),
}


def _group(data: dict) -> dict:
    """A reason's `group` code string as its group record."""
    if "group" in data:
        data["group"] = _code(ReturnReasonGroup, "group", data["group"])
    return data


def _add_code_routes(kind: str, model) -> None:
    verbose, out, create_in, update_in = CODE_SCHEMAS[kind]
    path = f"/return-codes/{kind}"
    one = verbose.replace(" ", "_")
    plural = f"return_{kind.replace('-', '_')}"

    def perm(action: str) -> str:
        return f"returns.{action}_{model._meta.model_name}"

    @router.get(
        path, response=PageOut[out], operation_id=f"list_{plural}", summary=f"List {verbose}s"
    )
    def list_codes(request: HttpRequest, filters: Query[CodeFilters], page: Query[PageIn]):
        require_perm(request.auth, perm("view"))
        found = selectors.code_list(model, user=request.auth, **filters.dict(exclude_none=True))
        return paginate(found, page)

    @router.get(f"{path}/{{id}}", response=out, operation_id=f"get_{one}", summary=f"A {verbose}")
    def get_code(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, perm("view"))
        return selectors.code_get(model, user=request.auth, code_id=id)

    @router.post(
        path, response={201: out}, operation_id=f"create_{one}", summary=f"Create a {verbose}"
    )
    def create_code(request: HttpRequest, payload: create_in):
        require_perm(request.auth, perm("add"))
        record = services.return_code_create(model, by=request.auth, **_group(payload.dict()))
        return Status(201, selectors.code_get(model, user=request.auth, code_id=record.pk))

    @router.patch(
        f"{path}/{{id}}",
        response=out,
        operation_id=f"update_{one}",
        summary=f"Change a {verbose} (is_active false deactivates it)",
    )
    def update_code(request: HttpRequest, id: Path[Id], payload: update_in):
        require_perm(request.auth, perm("change"))
        record = selectors.code_get(model, user=request.auth, code_id=id)
        changes = _group(payload.dict(include=payload.model_fields_set))
        services.return_code_update(record, by=request.auth, **changes)
        return selectors.code_get(model, user=request.auth, code_id=id)

    @router.delete(
        f"{path}/{{id}}",
        response={204: None},
        operation_id=f"delete_{one}",
        summary=f"Delete a {verbose} nothing refers to (deactivate one in use)",
    )
    def delete_code(request: HttpRequest, id: Path[Id]):
        require_perm(request.auth, perm("delete"))
        record = selectors.code_get(model, user=request.auth, code_id=id)
        services.return_code_delete(record, by=request.auth)
        return Status(204, None)


for _kind, _model in services.CODE_MODELS.items():
    _add_code_routes(_kind, _model)


__all__ = ["router"]
