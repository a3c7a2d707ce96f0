"""The /api/v1 returns: the role matrix on every operation (nothing written on a refusal; a
customer's contacts read, request and withdraw only their own customer's returns), the exact
output of a return, the whole flow through the API (a partial arrival that splits a line,
quarantine, inspection, a repair order that sends the unit back when it completes), credits with
exact amounts, processing twice is once, each refusal's code with nothing changed, filters and
pages, the code lists and replacements."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from openservice.billing import services as billing
from openservice.billing.models import Invoice, InvoiceLine
from openservice.catalog.tests.factories import ItemFactory
from openservice.core.models import AuditEvent
from openservice.customers.tests.factories import CustomerFactory, SiteFactory
from openservice.orders.models import ServiceOrder
from openservice.orders.tests.factories import service_object
from openservice.returns import services
from openservice.returns.models import (
    DispositionCode,
    Replacement,
    ReturnLine,
    ReturnOrder,
    ReturnReason,
    ReturnReasonGroup,
)
from openservice.returns.tests.factories import line_input, posted_invoice, return_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes():
    return return_codes()


@pytest.fixture
def portal_customer(customer_user):
    return customer_user.customer_contact.customer


def everything() -> tuple:
    """Every return, line, replacement, code, invoice, order and business audit event, to show
    that a refused request wrote nothing."""
    return (
        list(ReturnOrder.objects.order_by("pk").values()),
        list(ReturnLine.objects.order_by("pk").values()),
        list(Replacement.objects.order_by("pk").values()),
        [
            list(model.objects.order_by("pk").values())
            for model in (ReturnReasonGroup, ReturnReason, DispositionCode)
        ],
        list(Invoice.objects.order_by("pk").values_list("pk", "status", "net_amount")),
        list(InvoiceLine.objects.order_by("pk").values_list("pk", "net_amount")),
        list(ServiceOrder.objects.order_by("pk").values_list("pk", "stage_id")),
        list(
            AuditEvent.objects.exclude(verb__startswith="api_token.")
            .order_by("pk")
            .values_list("verb", "object_id")
        ),
    )


def instant(value) -> str:
    """An instant as the API writes it."""
    return DjangoJSONEncoder().default(value)


def error_of(response) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def field_errors(response, code: str = "core.invalid_input") -> dict:
    assert error_of(response) == (422, code), response.content
    return response.json()["details"]["fields"]


def new_return(by, customer, codes, *lines, **fields) -> ReturnOrder:
    """A return through the service: by default one item line of 3 at 10.00."""
    return services.return_create(
        by=by,
        customer=customer,
        reason=codes["DEFECT"],
        lines=list(lines)
        or [line_input(item=ItemFactory(), quantity="3", credit_price=Decimal("10.00"))],
        **fields,
    )


def registered(ret, by, disposition=None, codes=None) -> ReturnLine:
    """The return's first line arrived whole, with the disposition when given."""
    line = ret.lines.order_by("position", "pk").first()
    line = services.arrival_register(ret=ret, line=line, quantity=line.quantity, by=by)
    if disposition:
        services.line_set_disposition(ret=ret, line=line, by=by, disposition=codes[disposition])
    return line


def line_rows(body) -> list[tuple]:
    return [
        (row["position"], row["status"], row["quantity"], row["split_from_id"])
        for row in body["lines"]
    ]


# -- The role matrix -----------------------------------------------------------------------------

ACTORS = [
    "anonymous",
    "customer",
    "customer_other",  # a customer's contact acting on another customer's return
    "technician",
    "dispatcher",
    "manager",
    "administrator",
]
READ_OWN = (401, 200, 404, 403, 200, 200, 200)
LIST_OWN = (401, 200, 200, 403, 200, 200, 200)
REQUEST = (401, 201, 422, 403, 403, 201, 403)
WITHDRAW = (401, 200, 404, 403, 403, 200, 403)
READ_STAFF = (401, 403, 403, 403, 200, 200, 200)
READ_ALL = (401, 200, 200, 403, 200, 200, 200)
CHANGE = (401, 403, 403, 403, 403, 200, 403)
CREATE = (401, 403, 403, 403, 403, 201, 403)
DELETE = (401, 403, 403, 403, 403, 204, 403)
# operation id: (statuses in ACTORS order, the permission a refusal names)
MATRIX = {
    "list_returns": (LIST_OWN, "view_returnorder"),
    "get_return": (READ_OWN, "view_returnorder"),
    "create_return": (REQUEST, "add_returnorder"),
    "update_return": (CHANGE, "change_returnorder"),
    "delete_return": (DELETE, "delete_returnorder"),
    "register_return_arrival": (CHANGE, "change_returnline"),
    "quarantine_return_line": (CHANGE, "change_returnline"),
    "inspect_return_line": (CHANGE, "change_returnline"),
    "set_return_line_disposition": (CHANGE, "change_returnline"),
    "cancel_return_line": (CHANGE, "change_returnline"),
    "process_return": (CHANGE, "change_returnorder"),
    "cancel_return": (WITHDRAW, "change_returnorder"),
    "close_return": (CHANGE, "change_returnorder"),
    "list_replacements": (READ_STAFF, "view_replacement"),
    "ship_replacement": (CHANGE, "change_replacement"),
}
CODE_KINDS = {
    "reason-groups": ("return_reason_group", "returnreasongroup", READ_STAFF),
    "reasons": ("return_reason", "returnreason", READ_ALL),
    "dispositions": ("return_disposition", "dispositioncode", READ_STAFF),
}
CODE_OPERATIONS = {}  # operation id: the code list's URL name
for _kind, (_one, _model, _read) in CODE_KINDS.items():
    for _operation, _allowed, _action in (
        (f"list_return_{_kind.replace('-', '_')}", _read, "view"),
        (f"get_{_one}", _read, "view"),
        (f"create_{_one}", CREATE, "add"),
        (f"update_{_one}", CHANGE, "change"),
        (f"delete_{_one}", DELETE, "delete"),
    ):
        MATRIX[_operation] = (_allowed, f"{_action}_{_model}")
        CODE_OPERATIONS[_operation] = _kind
NEW_CODES = {
    "reason-groups": {"code": "LOGISTICS", "name": "Logistics"},
    "reasons": {"code": "LATE", "name": "Came too late", "group": "QUALITY"},
    "dispositions": {"code": "REFURBISH", "name": "Refurbish", "action": "repair"},
}


def code_request(operation: str, kind: str, codes) -> tuple:
    model = services.CODE_MODELS[kind]
    path = f"return-codes/{kind}"
    unused = services.return_code_create(
        model,
        by=None,
        code="UNUSED",
        name="Unused",
        **({"action": "scrap"} if kind == "dispositions" else {}),
    )
    if operation.startswith("list_"):
        return "get", path, None
    if operation.startswith("create_"):
        return "post", path, NEW_CODES[kind]
    item = f"{path}/{unused.pk}"
    return {
        "get": ("get", item, None),
        "update": ("patch", item, {"name": "Renamed", "is_active": False}),
        "delete": ("delete", item, None),
    }[operation.split("_", 1)[0]]


def request_for(operation: str, customer, manager, codes) -> tuple:
    """(method, path, body) of a request that succeeds for a role allowed to make it, on a
    return of `customer`."""
    if operation in CODE_OPERATIONS:
        return code_request(operation, CODE_OPERATIONS[operation], codes)
    if operation == "create_return":
        item = ItemFactory()
        body = {"reason": "DEFECT", "lines": [{"item_id": item.pk, "quantity": "2"}]}
        return "post", "returns", {"customer_id": customer.pk, **body}
    ret = new_return(manager, customer, codes)
    path = f"returns/{ret.pk}"
    line = ret.lines.get()
    if operation in ("quarantine_return_line", "inspect_return_line"):
        registered(ret, manager)
    if operation == "process_return":
        registered(ret, manager, "SCRAP", codes)
    if operation in ("list_replacements", "ship_replacement"):
        registered(ret, manager, "REPLACE_SCRAP", codes)
        replacement = services.return_process(ret=ret, by=manager).replacement_order_ids[0]
        if operation == "list_replacements":
            return "get", "replacements", None
        return "post", f"replacements/{replacement}/ship", {"serial": "NEW-1", "on": "2026-02-03"}
    if operation == "cancel_return":  # a customer cancels only a return they requested
        ReturnOrder.objects.filter(pk=ret.pk).update(requested_by_customer=True)
    if operation == "close_return":  # one of three arrived and was scrapped; two expected
        split = services.arrival_register(ret=ret, line=line, quantity=Decimal(1), by=manager)
        services.line_set_disposition(ret=ret, line=split, by=manager, disposition=codes["SCRAP"])
        services.return_process(ret=ret, by=manager)
    lines = f"{path}/lines/{line.pk}"
    return {
        "list_returns": ("get", "returns", None),
        "get_return": ("get", path, None),
        "update_return": ("patch", path, {"note": "Call first"}),
        "delete_return": ("delete", path, None),
        "register_return_arrival": (
            "post",
            f"{path}/arrivals",
            {"line_id": line.pk, "quantity": 1},
        ),
        "quarantine_return_line": ("post", f"{lines}/quarantine", {"note": "Smells of smoke"}),
        "inspect_return_line": (
            "post",
            f"{lines}/inspect",
            {"note": "Burnt", "disposition": "SCRAP"},
        ),
        "set_return_line_disposition": ("post", f"{lines}/disposition", {"code": "SCRAP"}),
        "cancel_return_line": ("post", f"{lines}/cancel", None),
        "process_return": ("post", f"{path}/process", None),
        "cancel_return": ("post", f"{path}/cancel", None),
        "close_return": ("post", f"{path}/close", None),
    }[operation]


def _statuses(body) -> list[str]:
    return [line["status"] for line in body["lines"]]


# What a successful answer shows, per operation.
SUCCESS = {
    "list_returns": lambda body: body["count"] == 1 and _statuses(body["items"][0]) == ["expected"],
    "get_return": lambda body: (body["status"], _statuses(body)) == ("created", ["expected"]),
    "create_return": lambda body: [line["quantity"] for line in body["lines"]] == ["2.000"],
    "update_return": lambda body: body["note"] == "Call first",
    "delete_return": lambda body: body is None,
    "register_return_arrival": lambda body: _statuses(body) == ["expected", "registered"],
    "quarantine_return_line": lambda body: (
        (_statuses(body), body["lines"][0]["inspection_note"])
        == (["quarantine"], "Smells of smoke")
    ),
    "inspect_return_line": lambda body: (
        (_statuses(body), body["lines"][0]["disposition"]) == (["received"], "SCRAP")
    ),
    "set_return_line_disposition": lambda body: body["lines"][0]["disposition"] == "SCRAP",
    "cancel_return_line": lambda body: (
        (body["status"], _statuses(body)) == ("cancelled", ["cancelled"])
    ),
    "process_return": lambda body: (
        (len(body["processed_line_ids"]), body["credit_note_id"], body["skipped_line_ids"])
        == (1, None, [])
    ),
    "cancel_return": lambda body: (body["status"], _statuses(body)) == ("cancelled", ["cancelled"]),
    "close_return": lambda body: (
        (body["status"], _statuses(body)) == ("closed", ["cancelled", "scrapped"])
    ),
    "list_replacements": lambda body: [row["status"] for row in body["items"]] == ["open"],
    "ship_replacement": lambda body: (
        (body["status"], body["serial"], body["shipped_on"]) == ("shipped", "NEW-1", "2026-02-03")
    ),
}


def code_success(operation: str, body) -> bool:
    kind = CODE_OPERATIONS[operation]
    if operation.startswith("list_"):
        return "UNUSED" in [row["code"] for row in body["items"]]
    if operation.startswith("get_"):
        return body["code"] == "UNUSED"
    if operation.startswith("create_"):
        return {key: body[key] for key in NEW_CODES[kind]} == NEW_CODES[kind]
    if operation.startswith("update_"):
        return (body["name"], body["is_active"]) == ("Renamed", False)
    return body is None


@pytest.fixture
def user_of(request):
    def get(actor):
        if actor == "anonymous":
            return None
        fixture = {
            "customer": "customer_user",
            "customer_other": "customer_user",
            "technician": "technician_user",
        }.get(actor, actor)
        return request.getfixturevalue(fixture)

    return get


def send(api, method, path, body):
    if method in ("get", "delete"):
        return getattr(api, method)(path)
    return getattr(api, method)(path, body)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(MATRIX))
def test_role_matrix_on_every_returns_operation(
    operation, actor, user_of, portal_customer, manager, codes, api_as
):
    customer = CustomerFactory() if actor == "customer_other" else portal_customer
    method, path, body = request_for(operation, customer, manager, codes)
    api = api_as(user_of(actor))
    before = everything()

    response = send(api, method, path, body)

    statuses, perm = MATRIX[operation]
    status = statuses[ACTORS.index(actor)]
    assert response.status_code == status, response.content
    if status == 401:
        assert response.json()["code"] == "core.not_authenticated"
    elif status == 403:
        assert response.json() == {
            "code": "core.permission_denied",
            "message": "You do not have permission to do this.",
            "details": {"perm": f"returns.{perm}"},
        }
    elif status == 404:
        assert response.json()["code"] == "core.not_found"
    elif status == 422:  # another customer's id is not visible
        assert field_errors(response) == {"customer_id": ["No such record is visible to you."]}
    if status >= 400:
        assert everything() == before
        return
    body = response.json() if response.content else None
    if (actor, operation) == ("customer_other", "list_returns"):  # none of the other's
        assert body == {"items": [], "count": 0}
    elif operation in CODE_OPERATIONS:
        assert code_success(operation, body), body
    else:
        assert SUCCESS[operation](body), body
    if method == "get":
        assert everything() == before
    else:
        assert everything() != before  # the write happened


def test_the_matrix_names_every_returns_operation():
    from openservice.api import api

    operations = {
        operation["operationId"]
        for path, item in api.get_openapi_schema()["paths"].items()
        if path.startswith(("/api/v1/returns", "/api/v1/return-codes", "/api/v1/replacements"))
        for operation in item.values()
    }
    assert operations == set(MATRIX)


# -- Reading and creating ------------------------------------------------------------------------


def test_a_return_with_exactly_its_documented_fields(manager, codes, api_as, settings):
    settings.RETURN_VALIDITY_DAYS = 21
    customer = CustomerFactory(name="Kone Oy")
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()
    item = invoice_line.order_line.item
    obj = service_object(customer, site=SiteFactory(customer=customer))
    api = api_as(manager)

    created = api.post(
        "returns",
        {
            "customer_id": customer.pk,
            "reason": "DEFECT",
            "reference_invoice_id": invoice.pk,
            "note": " Call first ",
            "lines": [
                {"item_id": item.pk, "invoice_line_id": invoice_line.pk, "quantity": "1"},
                {
                    "object_id": obj.pk,
                    "reason": "WRONG_ITEM",
                    "credit_price": "12.5",
                    "disposition": "REPAIR",
                },
            ],
        },
    )

    assert created.status_code == 201, created.content
    ret = ReturnOrder.objects.get()
    first, second = ret.lines.order_by("position")
    body = created.json()
    line = {
        "serial": "",
        "quantity": "1.000",
        "unit": "pcs",
        "status": "expected",
        "inspection_note": "",
        "split_from_id": None,
        "arrived_on": None,
        "processed_at": None,
        "credit_note_id": None,
        "credit_note_line_id": None,
        "service_order_id": None,
        "service_order_number": None,
        "replacement": None,
    }
    assert body == {
        "id": ret.pk,
        "number": "RMA000001",
        "customer_id": customer.pk,
        "customer_name": "Kone Oy",
        "status": "created",
        "deadline": (timezone.localdate() + timedelta(days=21)).isoformat(),
        "currency": "EUR",
        "reason": "DEFECT",
        "reason_name": "Defective",
        "reference_order_id": None,
        "reference_invoice_id": invoice.pk,
        "note": "Call first",
        "requested_by_customer": False,
        "created_at": instant(ret.created_at),
        "closed_at": None,
        "cancelled_at": None,
        "overdue": False,
        "credit_note_ids": [],
        "lines": [
            {
                **line,
                "id": first.pk,
                "position": 1,
                "item_id": item.pk,
                "item_name": item.name,
                "object_id": None,
                "invoice_line_id": invoice_line.pk,
                "credit_price": "40.00",  # the invoice line's price
                "reason": "DEFECT",  # the return's
                "disposition": None,
                "disposition_action": None,
            },
            {
                **line,
                "id": second.pk,
                "position": 2,
                "item_id": obj.item_id,
                "item_name": obj.item.name,
                "object_id": obj.pk,
                "invoice_line_id": None,
                "credit_price": "12.50",
                "reason": "WRONG_ITEM",
                "disposition": "REPAIR",
                "disposition_action": "repair",
            },
        ],
    }
    read = api.get(f"returns/{ret.pk}").json()
    assert read == created.json()
    assert api.get("returns").json() == {"items": [read], "count": 1}


def test_the_whole_flow_through_the_api_sends_the_repaired_unit_back(manager, codes, api_as):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    obj = service_object(customer, site=site)
    item = ItemFactory()
    api = api_as(manager)
    ret = api.post(
        "returns",
        {
            "customer_id": customer.pk,
            "reason": "DEFECT",
            "note": "Stops at floor 3",
            "lines": [
                {"object_id": obj.pk},
                {"item_id": item.pk, "quantity": "3", "credit_price": "10.00"},
            ],
        },
    ).json()
    path = f"returns/{ret['id']}"
    unit_id, items_id = (line["id"] for line in ret["lines"])

    # Part of the items arrive: the line splits, the rest stays expected.
    partial = api.post(
        f"{path}/arrivals", {"line_id": items_id, "quantity": "1", "on": "2026-02-01"}
    )
    assert partial.status_code == 200, partial.content
    body = partial.json()
    assert body["status"] == "open"
    split = body["lines"][2]
    assert line_rows(body) == [
        (1, "expected", "1.000", None),
        (2, "expected", "2.000", None),
        (2, "registered", "1.000", items_id),
    ]
    assert (split["arrived_on"], split["credit_price"]) == ("2026-02-01", "10.00")
    # The unit arrives, is held apart, inspected, and goes to repair.
    api.post(f"{path}/arrivals", {"line_id": unit_id, "quantity": 1})
    quarantined = api.post(f"{path}/lines/{unit_id}/quarantine", {"note": "Oil leak"})
    assert quarantined.json()["lines"][0]["status"] == "quarantine"
    inspected = api.post(
        f"{path}/lines/{unit_id}/inspect", {"note": "Drive unit fault", "disposition": "REPAIR"}
    )
    assert inspected.status_code == 200, inspected.content
    unit = inspected.json()["lines"][0]
    assert (unit["status"], unit["inspection_note"], unit["disposition"]) == (
        "received",
        "Drive unit fault",
        "REPAIR",
    )
    # The arrived items are scrapped; the two still expected will not come.
    api.post(f"{path}/lines/{split['id']}/disposition", {"code": "SCRAP"})
    api.post(f"{path}/lines/{items_id}/cancel")

    processed = api.post(f"{path}/process")

    assert processed.status_code == 200, processed.content
    order = ServiceOrder.objects.get(origin="return")
    assert processed.json() == {
        "credit_note_id": None,
        "replacement_order_ids": [],
        "service_order_ids": [order.pk],
        "processed_line_ids": [unit_id, split["id"]],
        "skipped_line_ids": [],
    }
    body = api.get(path).json()
    assert body["status"] == "open"
    assert [
        (line["status"], line["service_order_id"], line["service_order_number"])
        for line in body["lines"]
    ] == [
        ("in_repair", order.pk, order.number),
        ("cancelled", None, None),
        ("scrapped", None, None),
    ]
    assert order.site == site and list(order.objects_covered.all()) == [obj]

    # The repair order completes (through the orders API): the unit goes back, the return ends.
    for stage in ("scheduled", "in_progress", "completed"):
        moved = api.post(f"orders/{order.pk}/stage", {"to": stage})
        assert moved.status_code == 200, moved.content

    body = api.get(path).json()
    assert (body["status"], body["lines"][0]["status"]) == ("closed", "returned")
    assert body["closed_at"] is not None


# -- Processing ----------------------------------------------------------------------------------


def test_a_credit_through_the_api_makes_a_posted_credit_note_of_exact_amounts(
    manager, codes, api_as
):
    customer = CustomerFactory()
    invoice = posted_invoice(
        manager, customer, lines=[("3", "33.33"), ("1", "19.99")], vat_rate=Decimal("24.00")
    )
    first, second = invoice.lines.order_by("position")
    api = api_as(manager)
    ret = api.post(
        "returns",
        {
            "customer_id": customer.pk,
            "reason": "DEFECT",
            "reference_invoice_id": invoice.pk,
            "lines": [
                {"item_id": first.order_line.item_id, "invoice_line_id": first.pk, "quantity": 2},
                {"item_id": second.order_line.item_id, "invoice_line_id": second.pk},
            ],
        },
    ).json()
    path = f"returns/{ret['id']}"
    for line in ret["lines"]:
        api.post(f"{path}/arrivals", {"line_id": line["id"], "quantity": line["quantity"]})
        api.post(f"{path}/lines/{line['id']}/disposition", {"code": "CREDIT"})

    processed = api.post(f"{path}/process")

    assert processed.status_code == 200, processed.content
    note = Invoice.objects.get(kind="credit_note")
    line_ids = [line["id"] for line in ret["lines"]]
    assert processed.json() == {
        "credit_note_id": note.pk,
        "replacement_order_ids": [],
        "service_order_ids": [],
        "processed_line_ids": line_ids,
        "skipped_line_ids": [],
    }
    credit_note = api.get(f"invoices/{note.pk}").json()
    assert (
        credit_note["status"],
        credit_note["reference"],
        credit_note["credited_invoice_id"],
    ) == (
        "posted",
        ret["number"],
        invoice.pk,
    )
    assert [
        (line["quantity"], line["unit_price"], line["net_amount"], line["vat_amount"])
        for line in credit_note["lines"]
    ] == [("-2.000", "33.33", "-66.66", "-16.00"), ("-1.000", "19.99", "-19.99", "-4.80")]
    assert credit_note["totals"] == {
        "net_amount": "-86.65",
        "vat_amount": "-20.80",
        "gross_amount": "-107.45",
    }
    body = api.get(path).json()
    assert (body["status"], body["credit_note_ids"]) == ("closed", [note.pk])
    assert [
        (line["status"], line["credit_note_id"], line["credit_note_line_id"])
        for line in body["lines"]
    ] == [
        ("credited", note.pk, credit_note["lines"][0]["id"]),
        ("credited", note.pk, credit_note["lines"][1]["id"]),
    ]


def test_processing_again_creates_nothing_new(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = registered(ret, manager, "REPLACE", codes)
    api = api_as(manager)

    first = api.post(f"returns/{ret.pk}/process", {"line_ids": None})
    made = everything()
    again = api.post(f"returns/{ret.pk}/process")

    assert first.status_code == 200, first.content
    replacement = Replacement.objects.get()
    assert first.json() == {
        "credit_note_id": Invoice.objects.get().pk,
        "replacement_order_ids": [replacement.pk],
        "service_order_ids": [],
        "processed_line_ids": [line.pk],
        "skipped_line_ids": [],
    }
    assert (again.status_code, again.json()) == (
        200,
        {
            "credit_note_id": None,
            "replacement_order_ids": [],
            "service_order_ids": [],
            "processed_line_ids": [],
            "skipped_line_ids": [],
        },
    )
    assert everything() == made
    line_out = api.get(f"returns/{ret.pk}").json()["lines"][0]
    assert line_out["replacement"] == {
        "id": replacement.pk,
        "number": "RPL000001",
        "status": "open",
    }


def test_a_retried_process_request_replays_the_first_answer(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    registered(ret, manager, "CREDIT", codes)
    api = api_as(manager)
    key = {"Idempotency-Key": f"process-{ret.number}"}

    first = api.post(f"returns/{ret.pk}/process", **key)
    made = everything()
    retry = api.post(f"returns/{ret.pk}/process", **key)

    assert first.json()["credit_note_id"] is not None
    assert (retry.status_code, retry.json()) == (200, first.json())
    assert retry["Idempotent-Replayed"] == "true"
    assert everything() == made


def test_only_the_chosen_lines_are_processed_and_lines_without_a_disposition_are_skipped(
    manager, codes, api_as
):
    ret = new_return(
        manager,
        CustomerFactory(),
        codes,
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1"),
        line_input(item=ItemFactory(), quantity="1"),
    )
    first, second, third = ret.lines.order_by("position")
    for line in (first, second, third):
        services.arrival_register(ret=ret, line=line, quantity=Decimal(1), by=manager)
    for line in (first, second):
        services.line_set_disposition(ret=ret, line=line, by=manager, disposition=codes["SCRAP"])
    api = api_as(manager)

    chosen = api.post(f"returns/{ret.pk}/process", {"line_ids": [second.pk]})
    rest = api.post(f"returns/{ret.pk}/process")

    assert chosen.json()["processed_line_ids"] == [second.pk]
    assert (rest.json()["processed_line_ids"], rest.json()["skipped_line_ids"]) == (
        [first.pk],
        [third.pk],
    )
    assert _statuses(api.get(f"returns/{ret.pk}").json()) == ["scrapped", "scrapped", "registered"]


# -- Refusals: the service's code, nothing written -----------------------------------------------


def test_an_arrival_above_the_expected_quantity_is_refused(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    api = api_as(manager)
    before = everything()

    response = api.post(f"returns/{ret.pk}/arrivals", {"line_id": line.pk, "quantity": "3.5"})

    assert field_errors(response, "returns.arrival_exceeds_expected") == {
        "quantity": ["At most 3 is expected on this line."]
    }
    assert everything() == before


def test_processing_a_line_without_a_disposition_is_refused(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = registered(ret, manager)
    api = api_as(manager)
    before = everything()

    for body in (None, {"line_ids": [line.pk]}):
        response = api.post(f"returns/{ret.pk}/process", body)
        assert error_of(response) == (409, "returns.disposition_missing")
        assert response.json()["details"] == {"line_ids": [line.pk]}
    assert everything() == before


def test_a_closed_return_cannot_change(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = registered(ret, manager, "SCRAP", codes)
    services.return_process(ret=ret, by=manager)
    api = api_as(manager)
    path = f"returns/{ret.pk}"
    lines = f"{path}/lines/{line.pk}"
    before = everything()

    for response in (
        api.patch(path, {"note": "Changed"}),
        api.delete(path),
        api.post(f"{path}/arrivals", {"line_id": line.pk, "quantity": 1}),
        api.post(f"{lines}/quarantine"),
        api.post(f"{lines}/inspect", {"note": "Again"}),
        api.post(f"{lines}/disposition", {"code": "CREDIT"}),
        api.post(f"{lines}/cancel"),
        api.post(f"{path}/process", {"line_ids": [line.pk]}),
        api.post(f"{path}/cancel"),
        api.post(f"{path}/close"),
    ):
        assert error_of(response) == (409, "returns.closed"), response.request
    assert everything() == before


def test_a_cancelled_return_cannot_change(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    services.return_cancel(ret=ret, by=manager)
    api = api_as(manager)
    before = everything()

    assert error_of(api.patch(f"returns/{ret.pk}", {"note": "x"})) == (409, "returns.cancelled")
    assert error_of(api.post(f"returns/{ret.pk}/cancel")) == (409, "returns.cancelled")
    assert everything() == before


def test_an_open_return_is_neither_cancelled_nor_deleted_nor_given_new_lines(
    manager, codes, api_as
):
    ret = new_return(manager, CustomerFactory(), codes)
    services.arrival_register(ret=ret, line=ret.lines.get(), quantity=Decimal(1), by=manager)
    api = api_as(manager)
    path = f"returns/{ret.pk}"
    before = everything()

    assert error_of(api.post(f"{path}/cancel")) == (409, "returns.not_cancellable")
    assert error_of(api.delete(path)) == (409, "returns.not_cancellable")
    new_lines = {"lines": [{"item_id": ItemFactory().pk}]}
    assert error_of(api.patch(path, new_lines)) == (409, "returns.lines_fixed")
    assert everything() == before


def test_a_return_already_credited_or_beyond_the_invoice_is_refused(manager, codes, api_as):
    customer = CustomerFactory()
    credited = posted_invoice(manager, customer, lines=[("1", "40.00")])
    billing.invoice_credit(invoice=credited, by=manager)
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    api = api_as(manager)

    def request(invoice_line, quantity):
        return api.post(
            "returns",
            {
                "customer_id": customer.pk,
                "reason": "DEFECT",
                "lines": [
                    {
                        "item_id": invoice_line.order_line.item_id,
                        "invoice_line_id": invoice_line.pk,
                        "quantity": quantity,
                    }
                ],
            },
        )

    before = everything()
    assert error_of(request(credited.lines.get(), 1)) == (409, "returns.already_credited")
    assert error_of(request(invoice.lines.get(), 3)) == (409, "returns.exceeds_invoiced")
    assert everything() == before
    assert request(invoice.lines.get(), 2).status_code == 201
    before = everything()
    again = request(invoice.lines.get(), 1)
    assert error_of(again) == (409, "returns.exceeds_invoiced")
    assert again.json()["details"] == {
        "invoice_line_id": invoice.lines.get().pk,
        "invoiced": "2.000",
        "returned_before": "2.000",
    }
    assert everything() == before


def test_a_repair_needs_a_line_that_names_a_service_object(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = registered(ret, manager)
    api = api_as(manager)
    lines = f"returns/{ret.pk}/lines/{line.pk}"
    before = everything()

    assert error_of(api.post(f"{lines}/disposition", {"code": "REPAIR"})) == (
        409,
        "returns.object_required",
    )
    assert error_of(api.post(f"{lines}/inspect", {"note": "Worn", "disposition": "REPAIR"})) == (
        409,
        "returns.object_required",
    )
    assert everything() == before


def test_a_line_action_from_the_wrong_status_is_refused(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    api = api_as(manager)
    lines = f"returns/{ret.pk}/lines/{line.pk}"
    before = everything()

    assert error_of(api.post(f"{lines}/quarantine")) == (409, "returns.line_status")
    assert error_of(api.post(f"{lines}/inspect", {"note": "Fine"})) == (409, "returns.line_status")
    assert error_of(api.post(f"returns/{ret.pk}/close")) == (409, "returns.not_cancellable")
    assert everything() == before


# -- Input that fails validation: 422 on the field ----------------------------------------------


@pytest.fixture
def valid_request(manager, codes):
    """A customer, a body that creates a return for it, and what the cases refer to."""
    customer = CustomerFactory()
    other = CustomerFactory()
    body = {
        "customer_id": customer.pk,
        "reason": "DEFECT",
        "lines": [{"item_id": ItemFactory().pk, "quantity": "2"}],
    }
    refs = {
        "others_object": service_object(other).pk,
        "others_invoice": posted_invoice(manager, other),
    }
    return body, refs


def _line(body, **fields):
    return {**body, "lines": [{**body["lines"][0], **fields}]}


BAD_RETURNS = [
    # (change the valid body, the field, its message; None: any message)
    (lambda b, r: {**b, "reason": "NOPE"}, "reason", "No return reason has the code NOPE."),
    (lambda b, r: {**b, "reason": ""}, "reason", None),
    (lambda b, r: {**b, "customer_id": 999999}, "customer_id", "No such record is visible to you."),
    (
        lambda b, r: {k: v for k, v in b.items() if k != "customer_id"},
        "customer_id",
        "Name the customer the goods come back from.",
    ),
    (lambda b, r: {**b, "reference_order_id": 999999}, "reference_order_id", None),
    (lambda b, r: {**b, "reference_invoice_id": 999999}, "reference_invoice_id", None),
    (
        lambda b, r: {**b, "reference_invoice_id": r["others_invoice"].pk},
        "reference_invoice_id",
        "Name a posted invoice of this customer.",
    ),
    (lambda b, r: {**b, "lines": []}, "lines", None),
    (
        lambda b, r: _line(b, item_id=999999),
        "lines.0.item_id",
        "No such record is visible to you.",
    ),
    (
        lambda b, r: _line(b, item_id=None),
        "lines.0.item_id",
        "Name the item or the service object.",
    ),
    (
        lambda b, r: _line(b, item_id=None, object_id=r["others_object"]),
        "lines.0.object_id",
        "The service object is not this customer's.",
    ),
    (lambda b, r: _line(b, object_id=999999), "lines.0.object_id", None),
    (lambda b, r: _line(b, invoice_line_id=999999), "lines.0.invoice_line_id", None),
    (
        lambda b, r: _line(b, invoice_line_id=r["others_invoice"].lines.get().pk),
        "lines.0.invoice_line_id",
        "Name a line of a posted invoice of this customer.",
    ),
    (
        lambda b, r: _line(b, reason="NOPE"),
        "lines.0.reason",
        "No return reason has the code NOPE.",
    ),
    (
        lambda b, r: _line(b, disposition="NOPE"),
        "lines.0.disposition",
        "No disposition code has the code NOPE.",
    ),
    (lambda b, r: _line(b, quantity="0"), "lines.0.quantity", None),
    (lambda b, r: _line(b, quantity="1.0001"), "lines.0.quantity", None),
    (lambda b, r: _line(b, credit_price="-1"), "lines.0.credit_price", None),
    (lambda b, r: _line(b, credit_price="1.001"), "lines.0.credit_price", None),
    (
        lambda b, r: _line(b, quantity="999999", credit_price="999999999.99"),
        "lines.0",
        "quantity × credit_price is too large to credit",
    ),
    (lambda b, r: _line(b, serial="x" * 61), "lines.0.serial", None),
    (lambda b, r: {**b, "note": "a\x00b"}, "note", None),
]


@pytest.mark.parametrize("case", range(len(BAD_RETURNS)))
def test_bad_returns_are_refused_on_their_field_and_write_nothing(
    case, valid_request, manager, api_as
):
    change, field, message = BAD_RETURNS[case]
    body, refs = valid_request
    api = api_as(manager)
    before = everything()

    errors = field_errors(api.post("returns", change(body, refs)))

    assert list(errors) == [field]
    if message is not None:
        assert errors[field] == [message]
    assert everything() == before
    assert api.post("returns", body).status_code == 201


def test_a_retired_code_is_refused_for_new_returns(manager, codes, api_as):
    services.return_code_update(codes["WRONG_ITEM"], by=None, is_active=False)
    services.return_code_update(codes["SCRAP"], by=None, is_active=False)
    ret = new_return(manager, CustomerFactory(), codes)
    line = ret.lines.get()
    api = api_as(manager)
    body = {
        "customer_id": ret.customer_id,
        "reason": "WRONG_ITEM",
        "lines": [{"item_id": line.item_id}],
    }
    before = everything()

    assert field_errors(api.post("returns", body)) == {
        "reason": ["WRONG_ITEM is no longer in use."]
    }
    assert field_errors(
        api.post(f"returns/{ret.pk}/lines/{line.pk}/disposition", {"code": "SCRAP"})
    ) == {"code": ["SCRAP is no longer in use."]}
    assert everything() == before


def test_bad_line_actions_are_refused_on_their_field(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    other = new_return(manager, CustomerFactory(), codes)
    line, others_line = ret.lines.get(), other.lines.get()
    api = api_as(manager)
    path = f"returns/{ret.pk}"
    before = everything()

    arrivals = f"{path}/arrivals"
    assert field_errors(api.post(arrivals, {"line_id": others_line.pk, "quantity": 1})) == {
        "line_id": ["Not a line of this return."]
    }
    assert list(field_errors(api.post(arrivals, {"line_id": line.pk, "quantity": 0}))) == [
        "quantity"
    ]
    assert list(field_errors(api.post(arrivals, {"line_id": line.pk}))) == ["quantity"]
    assert list(
        field_errors(api.post(arrivals, {"line_id": line.pk, "quantity": 1, "on": "1800-01-01"}))
    ) == ["on"]
    services.arrival_register(ret=ret, line=line, quantity=Decimal(3), by=manager)
    before = everything()
    lines = f"{path}/lines/{line.pk}"
    assert list(field_errors(api.post(f"{lines}/inspect", {"note": " "}))) == ["note"]
    assert list(field_errors(api.post(f"{lines}/inspect", {"disposition": "SCRAP"}))) == ["note"]
    assert list(field_errors(api.post(f"{lines}/disposition", {}))) == ["code"]
    assert field_errors(api.post(f"{path}/process", {"line_ids": [others_line.pk]})) == {
        "line_ids": [f"Not lines of this return: [{others_line.pk}]"]
    }
    assert everything() == before


def test_unknown_or_invisible_ids_are_not_found(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    other = new_return(manager, CustomerFactory(), codes)
    others_line = other.lines.get()
    api = api_as(manager)
    before = everything()

    for path in ("returns/999999", "return-codes/reasons/999999"):
        assert error_of(api.get(path)) == (404, "core.not_found"), path
    for path in (
        "returns/999999/process",
        "returns/999999/cancel",
        f"returns/{ret.pk}/lines/{others_line.pk}/cancel",
        f"returns/{ret.pk}/lines/999999/quarantine",
        "replacements/999999/ship",
    ):
        assert error_of(api.post(path)) == (404, "core.not_found"), path
    assert error_of(api.delete("return-codes/dispositions/999999")) == (404, "core.not_found")
    assert everything() == before


# -- Changing ------------------------------------------------------------------------------------


def test_a_created_return_changes_its_header_and_replaces_its_lines(manager, codes, api_as):
    customer = CustomerFactory()
    invoice = posted_invoice(manager, customer, lines=[("2", "40.00")])
    invoice_line = invoice.lines.get()
    ret = new_return(manager, customer, codes)
    old_line = ret.lines.get()
    api = api_as(manager)
    path = f"returns/{ret.pk}"

    changed = api.patch(
        path,
        {
            "reason": "WRONG_ITEM",
            "note": "Sent the wrong model",
            "reference_invoice_id": invoice.pk,
            "lines": [
                {
                    "item_id": invoice_line.order_line.item_id,
                    "invoice_line_id": invoice_line.pk,
                    "quantity": 2,
                    "disposition": "CREDIT",
                }
            ],
        },
    )

    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["reason"], body["reason_name"], body["note"], body["reference_invoice_id"]) == (
        "WRONG_ITEM",
        "Wrong item delivered",
        "Sent the wrong model",
        invoice.pk,
    )
    (line,) = body["lines"]
    assert line["id"] != old_line.pk
    assert (line["reason"], line["credit_price"], line["disposition"], line["quantity"]) == (
        "WRONG_ITEM",
        "40.00",
        "CREDIT",
        "2.000",
    )
    assert not ReturnLine.objects.filter(pk=old_line.pk).exists()
    cleared = api.patch(path, {"reference_invoice_id": None, "note": ""}).json()
    assert (cleared["reference_invoice_id"], cleared["note"], len(cleared["lines"])) == (
        None,
        "",
        1,
    )
    before = everything()
    for field in ("reason", "note", "lines"):
        assert list(field_errors(api.patch(path, {field: None}))) == [field]
    assert everything() == before


def test_a_created_return_is_deleted(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)

    assert api_as(manager).delete(f"returns/{ret.pk}").status_code == 204

    assert not ReturnOrder.objects.exists()
    assert not ReturnLine.objects.exists()


# -- Customers -----------------------------------------------------------------------------------


def test_a_customer_requests_a_return_for_their_own_customer(
    customer_user, portal_customer, codes, api_as
):
    obj = service_object(portal_customer, site=SiteFactory(customer=portal_customer))
    api = api_as(customer_user)

    created = api.post("returns", {"reason": "DEFECT", "lines": [{"object_id": obj.pk}]})

    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["customer_id"], body["requested_by_customer"], body["status"]) == (
        portal_customer.pk,
        True,
        "created",
    )
    assert [(line["object_id"], line["disposition"]) for line in body["lines"]] == [(obj.pk, None)]
    cancelled = api.post(f"returns/{body['id']}/cancel")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


def test_a_customer_sets_no_disposition_or_credit_price(
    customer_user, portal_customer, codes, api_as
):
    api = api_as(customer_user)
    item = ItemFactory()
    before = everything()

    for line in ({"disposition": "CREDIT"}, {"credit_price": "10.00"}):
        response = api.post(
            "returns", {"reason": "DEFECT", "lines": [{"item_id": item.pk, **line}]}
        )
        assert error_of(response) == (403, "core.permission_denied"), line
    assert everything() == before


def test_a_customer_reads_only_their_own_customers_returns(
    customer_user, portal_customer, manager, codes, api_as
):
    own = new_return(manager, portal_customer, codes)
    others = new_return(manager, CustomerFactory(), codes)
    api = api_as(customer_user)

    listed = api.get("returns")

    assert [row["id"] for row in listed.json()["items"]] == [own.pk]
    assert api.get("returns", {"customer_id": others.customer_id}).json()["count"] == 0
    assert error_of(api.get(f"returns/{others.pk}")) == (404, "core.not_found")
    before = everything()
    assert error_of(api.post(f"returns/{others.pk}/cancel")) == (404, "core.not_found")
    assert everything() == before
    contact = customer_user.customer_contact
    contact.is_active = False
    contact.save()
    assert api.get("returns").json() == {"items": [], "count": 0}
    assert error_of(api.get(f"returns/{own.pk}")) == (404, "core.not_found")


# -- Lists ---------------------------------------------------------------------------------------


@pytest.fixture
def listed(manager, codes):
    """a: Alpha's, created, overdue; b: Beta's, open with a serial on two lines; c: Alpha's,
    cancelled, past its deadline (not overdue: cancelled)."""
    alpha = CustomerFactory(name="Alpha Oy")
    beta = CustomerFactory(name="Beta Oy")
    past = timezone.localdate() - timedelta(days=60)
    a = new_return(manager, alpha, codes, today=past)
    b = new_return(
        manager,
        beta,
        codes,
        line_input(item=ItemFactory(), serial="SN-77"),
        line_input(item=ItemFactory(), serial="SN-770"),
        note="Water damage",
    )
    registered(b, manager)
    c = new_return(manager, alpha, codes, today=past)
    services.return_cancel(ret=c, by=manager)
    return {a.pk: "a", b.pk: "b", c.pk: "c"}, alpha, a


def test_the_list_filters_sorts_and_pages(listed, manager, api_as):
    names, alpha, a = listed
    api = api_as(manager)
    cases = [
        ({}, ["c", "b", "a"]),  # newest first
        ({"customer_id": alpha.pk}, ["c", "a"]),
        ({"status": "open"}, ["b"]),
        ({"status": "cancelled"}, ["c"]),
        ({"overdue": "true"}, ["a"]),
        ({"overdue": "false"}, ["c", "b"]),
        ({"q": "sn-77"}, ["b"]),  # two lines match: one row
        ({"q": "water"}, ["b"]),
        ({"q": a.number}, ["a"]),
        ({"q": "alpha"}, ["c", "a"]),
        ({"order_by": "number"}, ["a", "b", "c"]),
        ({"order_by": "-customer"}, ["b", "c", "a"]),
    ]
    for params, expected in cases:
        response = api.get("returns", params)
        assert response.status_code == 200, response.content
        assert [names[row["id"]] for row in response.json()["items"]] == expected, params
        assert response.json()["count"] == len(expected), params
    assert [row["overdue"] for row in api.get("returns").json()["items"]] == [False, False, True]
    page = api.get("returns", {"limit": 1, "offset": 1}).json()
    assert ([names[row["id"]] for row in page["items"]], page["count"]) == (["b"], 3)


def test_bad_list_parameters_are_invalid_input(manager, api_as):
    api = api_as(manager)
    for params, field in [
        ({"status": "lost"}, "status"),
        ({"customer_id": "0"}, "customer_id"),
        ({"overdue": "maybe"}, "overdue"),
        ({"order_by": "secret"}, "order_by"),
        ({"limit": "501"}, "limit"),
    ]:
        assert list(field_errors(api.get("returns", params))) == [field], params


def test_a_page_of_returns_costs_the_same_queries_however_many_rows(
    manager, codes, api_as, django_assert_num_queries
):
    api = api_as(manager)

    def fill(count):
        for _ in range(count):
            ret = new_return(
                manager,
                CustomerFactory(),
                codes,
                line_input(item=ItemFactory(), quantity="2", credit_price=Decimal("5.00")),
                line_input(item=ItemFactory(), quantity="1"),
            )
            line = registered(ret, manager, "REPLACE", codes)
            services.return_process(ret=ret, by=manager, line_ids=[line.pk])

    fill(1)
    api.get("returns")  # the token's last use is stamped once a minute
    # The token, the user's permissions (2) and roles, the page, its lines, the count.
    with django_assert_num_queries(7):
        assert api.get("returns").json()["count"] == 1
    fill(7)
    with django_assert_num_queries(7):
        page = api.get("returns").json()
    assert page["count"] == 8
    assert {len(row["lines"]) for row in page["items"]} == {2}
    assert all(row["credit_note_ids"] and row["lines"][0]["replacement"] for row in page["items"])


# -- Replacements --------------------------------------------------------------------------------


def test_a_replacement_is_listed_and_shipped_once(manager, codes, api_as):
    customer = CustomerFactory(name="Kone Oy")
    ret = new_return(manager, customer, codes)
    line = registered(ret, manager, "REPLACE_SCRAP", codes)
    services.return_process(ret=ret, by=manager)
    replacement = Replacement.objects.get()
    api = api_as(manager)

    listed = api.get("replacements", {"status": "open"}).json()
    shipped = api.post(
        f"replacements/{replacement.pk}/ship", {"serial": "NEW-1", "on": "2026-02-03"}
    )

    out = {
        "id": replacement.pk,
        "number": "RPL000001",
        "status": "open",
        "return_id": ret.pk,
        "return_number": ret.number,
        "return_line_id": line.pk,
        "customer_id": customer.pk,
        "customer_name": "Kone Oy",
        "item_id": line.item_id,
        "item_name": line.item.name,
        "quantity": "3.000",
        "serial": "",
        "shipped_on": None,
        "created_at": instant(replacement.created_at),
    }
    assert listed == {"items": [out], "count": 1}
    assert shipped.status_code == 200, shipped.content
    assert shipped.json() == {
        **out,
        "status": "shipped",
        "serial": "NEW-1",
        "shipped_on": "2026-02-03",
    }
    assert api.get("replacements", {"status": "open"}).json()["count"] == 0
    before = everything()
    assert error_of(api.post(f"replacements/{replacement.pk}/ship", {})) == (
        409,
        "returns.replacement_shipped",
    )
    assert list(field_errors(api.get("replacements", {"status": "lost"}))) == ["status"]
    assert everything() == before


# -- Codes ---------------------------------------------------------------------------------------


def test_codes_are_created_changed_deactivated_and_listed(manager, codes, api_as):
    api = api_as(manager)

    group = api.post("return-codes/reason-groups", {"code": "LOGISTICS", "name": "Logistics"})
    reason = api.post(
        "return-codes/reasons",
        {
            "code": "LATE",
            "name": "Came late",
            "description": "After the deadline",
            "group": "LOGISTICS",
        },
    )
    disposition = api.post(
        "return-codes/dispositions", {"code": "REFURBISH", "name": "Refurbish", "action": "repair"}
    )

    assert group.status_code == 201, group.content
    assert reason.status_code == 201, reason.content
    reason_id = ReturnReason.objects.get(code="LATE").pk
    assert reason.json() == {
        "id": reason_id,
        "code": "LATE",
        "name": "Came late",
        "description": "After the deadline",
        "is_active": True,
        "group": "LOGISTICS",
    }
    assert disposition.json() == {
        "id": DispositionCode.objects.get(code="REFURBISH").pk,
        "code": "REFURBISH",
        "name": "Refurbish",
        "description": "",
        "is_active": True,
        "action": "repair",
    }
    path = f"return-codes/reasons/{reason_id}"
    changed = api.patch(path, {"group": None, "is_active": False, "name": "Late"}).json()
    assert (changed["group"], changed["is_active"], changed["name"]) == (None, False, "Late")
    assert api.get(path).json() == changed
    listed = api.get("return-codes/reasons", {"is_active": "false"}).json()
    assert [row["code"] for row in listed["items"]] == ["LATE"]
    searched = api.get("return-codes/reasons", {"q": "defect"}).json()
    assert [row["code"] for row in searched["items"]] == ["DEFECT"]
    assert [row["code"] for row in api.get("return-codes/dispositions").json()["items"]] == [
        "CREDIT",
        "CREDIT_ONLY",
        "REFURBISH",
        "REPAIR",
        "REPLACE",
        "REPLACE_SCRAP",
        "RETURN",
        "SCRAP",
    ]


def test_bad_codes_are_refused_on_their_field(manager, codes, api_as):
    api = api_as(manager)
    before = everything()

    for path, body, field in [
        ("reasons", {"code": "DEFECT", "name": "Again"}, "code"),
        ("reasons", {"code": "NEW", "name": "New", "group": "NOPE"}, "group"),
        ("reasons", {"code": "", "name": "New"}, "code"),
        ("reasons", {"code": "NEW"}, "name"),
        ("dispositions", {"code": "NEW", "name": "New"}, "action"),
        ("dispositions", {"code": "NEW", "name": "New", "action": "sell"}, "action"),
        ("reason-groups", {"code": "X" * 31, "name": "New"}, "code"),
    ]:
        assert list(field_errors(api.post(f"return-codes/{path}", body))) == [field], body
    scrap = f"return-codes/dispositions/{codes['SCRAP'].pk}"
    assert list(field_errors(api.patch(scrap, {"code": "CREDIT"}))) == ["code"]
    assert list(field_errors(api.patch(scrap, {"action": None}))) == ["action"]
    assert everything() == before


def test_a_code_in_use_is_not_deleted_an_unused_one_is(manager, codes, api_as):
    ret = new_return(manager, CustomerFactory(), codes)
    registered(ret, manager, "SCRAP", codes)
    api = api_as(manager)
    before = everything()

    for path in (
        f"return-codes/reasons/{codes['DEFECT'].pk}",  # a return's reason
        f"return-codes/reason-groups/{codes['DEFECT'].group_id}",  # a reason's group
        f"return-codes/dispositions/{codes['SCRAP'].pk}",  # a line's disposition
    ):
        response = api.delete(path)
        assert error_of(response) == (409, "returns.code_in_use"), path
    assert everything() == before
    assert api.delete(f"return-codes/dispositions/{codes['RETURN'].pk}").status_code == 204
    assert not DispositionCode.objects.filter(code="RETURN").exists()
