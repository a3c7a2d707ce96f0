"""Returns built through the services: codes for every action, a posted invoice to return
goods against, and returns with their lines."""

from datetime import UTC, date, datetime
from decimal import Decimal

from openservice.billing import services as billing
from openservice.billing.models import Invoice
from openservice.catalog.tests.factories import ItemFactory
from openservice.orders import services as orders
from openservice.orders.tests.factories import add_line, signed_off_order
from openservice.repairs import services as repairs
from openservice.repairs.models import RepairStage
from openservice.returns import services
from openservice.returns.models import DispositionCode, ReturnReason, ReturnReasonGroup

POSTED_AT = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)
ACTIONS = {
    "CREDIT": "credit",
    "CREDIT_ONLY": "credit_only",
    "SCRAP": "scrap",
    "REPLACE": "replace_and_credit",
    "REPLACE_SCRAP": "replace_and_scrap",
    "RETURN": "return_to_customer",
    "REPAIR": "repair",
}


def return_codes() -> dict:
    """Reasons DEFECT and WRONG_ITEM, a disposition per action, and the repair stages."""
    quality = services.return_code_create(
        ReturnReasonGroup, by=None, code="QUALITY", name="Quality"
    )
    codes = {
        "DEFECT": services.return_code_create(
            ReturnReason,
            by=None,
            code="DEFECT",
            name="Defective",
            description="Stops during use",
            group=quality,
        ),
        "WRONG_ITEM": services.return_code_create(
            ReturnReason, by=None, code="WRONG_ITEM", name="Wrong item delivered"
        ),
    }
    for code, action in ACTIONS.items():
        codes[code] = services.return_code_create(
            DispositionCode, by=None, code=code, name=code.title(), action=action
        )
    if not RepairStage.objects.exists():
        repairs.code_create(RepairStage, by=None, code="OPEN", name="Open")
        repairs.code_create(RepairStage, by=None, code="DONE", name="Done", is_finished=True)
    return codes


def posted_invoice(manager, customer, lines=(("2", "40.00"),), vat_rate=None) -> Invoice:
    """A posted invoice billing item lines of (quantity, unit price)."""
    order = signed_off_order("completed", by=manager, customer=customer, lines=0)
    for quantity, price in lines:
        item = ItemFactory(kind="product", unit="pcs", vat_rate=vat_rate)
        add_line(
            order,
            by=manager,
            kind="item",
            item=item,
            quantity=quantity,
            unit_price=Decimal(price),
        )
    orders.order_post(order=order, by=manager, now=POSTED_AT)
    proposal = billing.invoices_propose(by=manager, through=date(2027, 1, 31), customer=customer)
    (draft_id,) = proposal.invoice_ids
    return billing.invoice_post(invoice=Invoice.objects.get(pk=draft_id), by=manager)


def line_input(**fields) -> services.LineInput:
    if "quantity" in fields:
        fields["quantity"] = Decimal(fields["quantity"])
    return services.LineInput(**fields)
