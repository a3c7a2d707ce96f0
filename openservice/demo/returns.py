"""The demo's returns, loaded through the returns, billing, orders and repairs services.

Reason groups (quality, logistics, commercial), four reasons and a disposition code for each
action; then sixteen returns across the customers, in every status and every way a return ends:
created (two requested by the portal customer's contact, one of them past its deadline), open
with a line registered, in quarantine, received and waiting to be processed, or partly arrived
(and overdue); closed by a credit (against a posted demo invoice's item line when there is one),
a credit without goods, scrapping, replacements (one shipped, one still to ship) and sending
back; cancelled; and two heat pumps returned for repair: one whose repair order was completed
(the unit went back, the return closed), one still in repair.

Loaded after the repairs demo, whose repair stages the repair orders' lines take (they are
created here only when missing). Idempotent like the rest of the demo: codes are found by code
and each return by the marker in its note, so a rerun adds nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from openservice.billing import selectors as billing_selectors
from openservice.catalog import selectors as catalog_selectors
from openservice.core.choices import LineKind
from openservice.customers import selectors as customer_selectors
from openservice.demo import data
from openservice.equipment import selectors as equipment_selectors
from openservice.orders import selectors as order_selectors
from openservice.orders import services as order_services
from openservice.repairs import selectors as repair_selectors
from openservice.repairs import services as repair_services
from openservice.repairs.models import RepairStage, Resolution
from openservice.returns import selectors, services
from openservice.returns.models import DispositionCode, ReturnReason, ReturnReasonGroup

GROUPS = [
    ("QUALITY", "Quality", "Goods that fail or do not work as they should."),
    ("LOGISTICS", "Logistics", "Goods damaged or mixed up on their way."),
    ("COMMERCIAL", "Commercial", "Goods the customer no longer needs."),
]
REASONS = [
    ("DEFECT", "Defective", "QUALITY", "Does not work, or stops during use."),
    ("DAMAGED_IN_TRANSIT", "Damaged in transit", "LOGISTICS", "Arrived broken or dented."),
    ("WRONG_ITEM", "Wrong item delivered", "LOGISTICS", "Not what was ordered."),
    ("NOT_NEEDED", "No longer needed", "COMMERCIAL", "Ordered too many, or the job changed."),
]
DISPOSITIONS = [
    ("CREDIT", "Credit", "credit"),
    ("CREDIT_ONLY", "Credit only, goods stay with the customer", "credit_only"),
    ("SCRAP", "Scrap", "scrap"),
    ("REPLACE", "Replace and credit", "replace_and_credit"),
    ("REPLACE_SCRAP", "Replace and scrap", "replace_and_scrap"),
    ("RETURN", "Send back to the customer", "return_to_customer"),
    ("REPAIR", "Repair", "repair"),
]
REPAIR_MODEL = "HP-AW-16"  # the repaired units: a model the repairs demo's history leaves alone
LATE = timedelta(days=45)  # returns authorised this long ago are past their deadline


@dataclass
class Demo:
    """What the stories draw on: the actors, codes, customers, items and units."""

    manager: object
    portal_user: object | None
    codes: dict
    customers: list
    portal: object
    items: dict
    units: list  # heat pumps at staff customers' sites, for the repairs
    portal_units: list
    invoice_lines: list = field(default_factory=list)  # a posted item line to credit
    today: object = None

    def customer(self, index: int):
        return self.customers[index % len(self.customers)]


def load_returns(manager, admin, report, *, today=None) -> None:
    codes = _load_codes(admin, report)
    _repair_stages(admin, report)
    demo = _demo(manager, admin, codes, today or timezone.localdate())
    for number, (story, reason, note) in enumerate(STORIES, start=1):
        marker = f"(demo return #{number:02d})"
        if selectors.return_list(user=admin, q=marker).exists():
            continue
        STORY_STEPS[story](demo, number, codes[reason], f"{note} {marker}")
        report.add("returns")


# -- Codes -------------------------------------------------------------------------------------


def _load_codes(admin, report) -> dict:
    codes = {}
    groups = {group.code: group for group in selectors.reason_groups()}
    for code, name, description in GROUPS:
        if code not in groups:
            groups[code] = services.return_code_create(
                ReturnReasonGroup, by=admin, code=code, name=name, description=description
            )
            report.add("return reason groups")
    for code, name, group, description in REASONS:
        codes[code] = selectors.reason_by_code(code)
        if codes[code] is None:
            codes[code] = services.return_code_create(
                ReturnReason,
                by=admin,
                code=code,
                name=name,
                description=description,
                group=groups[group],
            )
            report.add("return reasons")
    for code, name, action in DISPOSITIONS:
        codes[code] = selectors.disposition_by_code(code)
        if codes[code] is None:
            codes[code] = services.return_code_create(
                DispositionCode, by=admin, code=code, name=name, action=action
            )
            report.add("disposition codes")
    return codes


def _repair_stages(admin, report) -> None:
    """A repair order's line starts at the first open repair stage: when no repairs demo made
    the stages, make the same two it would."""
    if repair_selectors.code_list(RepairStage, user=admin).exists():
        return
    repair_services.code_create(RepairStage, by=admin, code="OPEN", name="Open", sort_order=10)
    repair_services.code_create(
        RepairStage, by=admin, code="DONE", name="Done", is_finished=True, sort_order=90
    )
    report.add("repair stages", 2)


def _demo(manager, admin, codes, today) -> Demo:
    customers = [
        customer
        for customer in customer_selectors.customer_list(
            user=admin, is_active=True, order_by="number"
        )
        if customer.name != data.PORTAL_CUSTOMER
    ]
    portal = next(
        c for c in customer_selectors.customer_list(user=admin) if c.name == data.PORTAL_CUSTOMER
    )
    contact = next(
        (
            contact
            for contact in customer_selectors.contact_list(user=admin, customer_id=portal.pk)
            if contact.user_id is not None
        ),
        None,
    )
    units = equipment_selectors.object_list(user=admin).order_by("number")
    return Demo(
        manager=manager,
        portal_user=contact.user if contact else None,
        codes=codes,
        customers=customers,
        portal=portal,
        items={item.sku: item for item in catalog_selectors.item_list(user=admin)},
        units=[
            unit
            for unit in units
            if unit.item.sku == REPAIR_MODEL
            and unit.site_id
            and unit.customer.is_active
            and unit.customer_id != portal.pk
        ],
        portal_units=[unit for unit in units if unit.customer_id == portal.pk],
        invoice_lines=_item_lines(admin),
        today=today,
    )


def _item_lines(admin) -> list:
    """The first item line of a posted demo invoice that nothing has credited or returned."""
    invoices = billing_selectors.invoice_list(
        user=admin, kind="invoice", status="posted", order_by="number"
    ).prefetch_related("lines__order_line__item", "lines__credit_lines", "lines__return_lines")
    for invoice in invoices:
        for line in invoice.lines.all():
            order_line = line.order_line
            if (
                order_line is not None
                and order_line.kind == LineKind.ITEM
                and order_line.item_id is not None
                and not line.credit_lines.all()
                and not line.return_lines.all()
            ):
                return [line]
    return []


# -- Stories -----------------------------------------------------------------------------------


def _line(demo: Demo, sku: str, quantity: str, price: str | None = None, **fields):
    return services.LineInput(
        item=demo.items[sku],
        quantity=Decimal(quantity),
        credit_price=Decimal(price) if price is not None else None,
        **fields,
    )


def _create(demo: Demo, customer, reason, note, lines, *, by=None, late=False, **fields):
    return services.return_create(
        by=by or demo.manager,
        customer=customer,
        reason=reason,
        lines=lines,
        note=note,
        today=demo.today - LATE if late else demo.today,
        **fields,
    )


def _arrive(demo: Demo, ret, quantity=None):
    """The return's first line arrived (all of it, or `quantity`); the registered line."""
    line = selectors.lines_of(ret).first()
    return services.arrival_register(
        ret=ret,
        line=line,
        quantity=Decimal(quantity) if quantity is not None else line.quantity,
        by=demo.manager,
    )


def _decide(demo: Demo, ret, line, disposition: str, note: str = ""):
    """Inspect the arrived line (with a note) or just set its disposition."""
    code = demo.codes[disposition]
    if note:
        return services.line_inspect(
            ret=ret, line=line, by=demo.manager, note=note, disposition=code
        )
    return services.line_set_disposition(ret=ret, line=line, by=demo.manager, disposition=code)


def _process(demo: Demo, ret):
    return services.return_process(ret=ret, by=demo.manager)


def created_by_staff(demo: Demo, number, reason, note):
    _create(
        demo,
        demo.customer(number),
        reason,
        note,
        [_line(demo, "LFT-LIGHTC", "1", "410.00"), _line(demo, "LFT-BTN", "2", "38.00")],
    )


def requested_unit(demo: Demo, number, reason, note):
    """The portal customer's contact asks to send a unit back (named by its serial)."""
    if demo.portal_user is None or not demo.portal_units:
        return created_by_staff(demo, number, reason, note)
    unit = demo.portal_units[0]
    _create(
        demo,
        demo.portal,
        reason,
        note,
        [services.LineInput(object=unit)],
        by=demo.portal_user,
    )


def requested_late(demo: Demo, number, reason, note):
    """A request whose goods never came: its deadline has passed."""
    if demo.portal_user is None:
        return created_by_staff(demo, number, reason, note)
    lines = [_line(demo, "AHU-FLT-G4", "4")]
    _create(demo, demo.portal, reason, note, lines, by=demo.portal_user, late=True)


def registered(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "AHU-FAN-EC", "1")])
    _arrive(demo, ret)


def quarantined(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "HVAC-DMP-ACT", "2")])
    line = _arrive(demo, ret)
    services.line_quarantine(
        ret=ret, line=line, by=demo.manager, note="Smells burnt: held for the supplier's check."
    )


def received(demo: Demo, number, reason, note):
    ret = _create(
        demo, demo.customer(number), reason, note, [_line(demo, "LFT-DOOR-OP", "1", "890.00")]
    )
    _decide(demo, ret, _arrive(demo, ret), "CREDIT", "Motor winding open; under warranty.")


def partly_arrived(demo: Demo, number, reason, note):
    """Ten filters authorised weeks ago, four came: the rest is overdue."""
    ret = _create(
        demo,
        demo.customer(number),
        reason,
        note,
        [_line(demo, "AHU-FLT-F7", "10", "38.50")],
        late=True,
    )
    _decide(demo, ret, _arrive(demo, ret, "4"), "CREDIT")


def credited(demo: Demo, number, reason, note):
    """Goods billed on a posted invoice come back and are credited against it."""
    if not demo.invoice_lines:
        ret = _create(
            demo, demo.customer(number), reason, note, [_line(demo, "LFT-ROLLER", "2", "64.00")]
        )
    else:
        invoice_line = demo.invoice_lines.pop(0)
        invoice = invoice_line.invoice
        ret = _create(
            demo,
            invoice.customer,
            reason,
            note,
            [
                services.LineInput(
                    item=invoice_line.order_line.item,
                    quantity=invoice_line.quantity,
                    invoice_line=invoice_line,
                )
            ],
            reference_invoice=invoice,
            reference_order=invoice_line.order_line.order,
        )
    _decide(demo, ret, _arrive(demo, ret), "CREDIT", "Unused, in the original package.")
    _process(demo, ret)


def credited_only(demo: Demo, number, reason, note):
    """Cut-to-length rope is not taken back: credited, the goods stay with the customer."""
    ret = _create(
        demo, demo.customer(number), reason, note, [_line(demo, "LFT-ROPE-10", "25", "14.80")]
    )
    _decide(demo, ret, selectors.lines_of(ret).first(), "CREDIT_ONLY")
    _process(demo, ret)


def scrapped(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "LFT-BRAKE", "1")])
    _decide(demo, ret, _arrive(demo, ret), "SCRAP", "Linings worn through: not reusable.")
    _process(demo, ret)


def replaced_and_shipped(demo: Demo, number, reason, note):
    ret = _create(
        demo, demo.customer(number), reason, note, [_line(demo, "AUTO-GW", "1", "540.00")]
    )
    _decide(demo, ret, _arrive(demo, ret), "REPLACE", "No connection on any port.")
    result = _process(demo, ret)
    for replacement in selectors.replacements().filter(pk__in=result.replacement_order_ids):
        services.replacement_ship(
            replacement=replacement, by=demo.manager, serial=f"GW-{demo.today.year}-{number:04d}"
        )


def replaced_to_ship(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "ESC-COMB", "3")])
    _decide(demo, ret, _arrive(demo, ret), "REPLACE_SCRAP")
    _process(demo, ret)


def sent_back(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "HP-CIRC-PMP", "1")])
    _decide(demo, ret, _arrive(demo, ret), "RETURN", "No fault found on the test bench.")
    _process(demo, ret)


def cancelled(demo: Demo, number, reason, note):
    ret = _create(demo, demo.customer(number), reason, note, [_line(demo, "LFT-ROLLER", "2")])
    services.return_cancel(ret=ret, by=demo.manager)


def _repair_order(demo: Demo, number, reason, note, unit_index: int):
    """A heat pump comes back for repair: its repair order, or None without a unit."""
    if len(demo.units) <= unit_index:
        return None
    unit = demo.units[unit_index]
    ret = _create(demo, unit.customer, reason, note, [services.LineInput(object=unit)])
    _decide(demo, ret, _arrive(demo, ret), "REPAIR", "Compressor does not start.")
    result = _process(demo, ret)
    return order_selectors.order_list(user=demo.manager).get(pk=result.service_order_ids[0])


def _walk(demo: Demo, order, steps):
    stages = {stage.code: stage for stage in order_selectors.stage_list()}
    for step in steps:
        order = order_services.order_change_stage(order=order, to=stages[step], by=demo.manager)
    return order


def repaired(demo: Demo, number, reason, note):
    """Repaired and sent back: the repair line is finished and the order completed (which
    returns the unit and closes the return), then closed."""
    order = _repair_order(demo, number, reason, note, unit_index=0)
    if order is None:
        return
    order = _walk(demo, order, ["scheduled", "in_progress"])
    done = repair_selectors.code_list(RepairStage, user=demo.manager).filter(is_finished=True)
    fixed = repair_selectors.code_by_code(Resolution, "REPAIRED")
    for line in repair_selectors.repair_lines_of_order(order):
        changes = {"stage": done.first()} if done.exists() else {}
        if fixed is not None:
            changes["resolution"] = fixed
        if changes:
            repair_services.repair_line_update(line=line, by=demo.manager, **changes)
    _walk(demo, order, ["completed", "closed"])


def in_repair(demo: Demo, number, reason, note):
    order = _repair_order(demo, number, reason, note, unit_index=1)
    if order is not None:
        _walk(demo, order, ["scheduled", "in_progress"])


STORY_STEPS = {
    "created": created_by_staff,
    "requested_unit": requested_unit,
    "requested_late": requested_late,
    "registered": registered,
    "quarantined": quarantined,
    "received": received,
    "partly_arrived": partly_arrived,
    "credited": credited,
    "credited_only": credited_only,
    "scrapped": scrapped,
    "replaced_and_shipped": replaced_and_shipped,
    "replaced_to_ship": replaced_to_ship,
    "sent_back": sent_back,
    "cancelled": cancelled,
    "repaired": repaired,
    "in_repair": in_repair,
}
# (story, reason, note); the number is the position, the marker in the note ends it.
STORIES = [
    ("created", "WRONG_ITEM", "Light curtain and buttons for the wrong lift model."),
    ("requested_unit", "DEFECT", "The unit trips its breaker every morning."),
    ("requested_late", "NOT_NEEDED", "Filters left over after the renovation."),
    ("registered", "DAMAGED_IN_TRANSIT", "Fan housing dented on delivery."),
    ("quarantined", "DEFECT", "Actuators smoked at start-up."),
    ("received", "DEFECT", "Door operator stopped after two weeks."),
    ("partly_arrived", "WRONG_ITEM", "F7 bag filters instead of G4 panels."),
    ("credited", "NOT_NEEDED", "Spare part not used on the job."),
    ("credited_only", "NOT_NEEDED", "Rope ordered too long."),
    ("scrapped", "DEFECT", "Brake linings cracked."),
    ("replaced_and_shipped", "DEFECT", "Monitoring gateway dead on arrival."),
    ("replaced_to_ship", "DAMAGED_IN_TRANSIT", "Comb plates broken in the crate."),
    ("sent_back", "DEFECT", "Pump said to be noisy."),
    ("cancelled", "NOT_NEEDED", "Rollers ordered twice."),
    ("repaired", "DEFECT", "Heat pump does not start."),
    ("in_repair", "DEFECT", "Heat pump stops on high pressure."),
]
