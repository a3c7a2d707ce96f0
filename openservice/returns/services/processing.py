"""Processing a return: each registered or received line with a disposition (and each
`credit_only` line, whose goods never come) is acted on by its disposition's action; the rest
are skipped. Nothing is processed twice, so processing again creates nothing new.

- credit actions: one credit note for the lines credited in the run, through billing's
  `credit_note_create` (negative amounts, reference = the RMA number, crediting the original
  invoice when there is one), posted; each line links to its credit-note line;
- replace actions: a replacement order record per line;
- scrap and return-to-customer: the line records what happened;
- repair: a service order (origin `return`) at the unit's site with the unit related and a
  repair line prefilled from the return reason; the line stays `in_repair` until the order
  completes (see subscribers.py), then it is `returned`.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.billing.services import CreditLine, credit_note_create
from openservice.core.errors import InvalidInput
from openservice.core.services import audit, sequence_next
from openservice.orders.models import ServiceOrder
from openservice.orders.services import order_create
from openservice.repairs.services import repair_line_create
from openservice.returns.errors import (
    CreditPriceMissing,
    DispositionMissing,
    ObjectRequired,
    ObjectWithoutSite,
    ReplacementShipped,
)
from openservice.returns.models import (
    CREDIT_ACTIONS,
    REPLACE_ACTIONS,
    DispositionCode,
    Replacement,
    ReturnLine,
    ReturnOrder,
)
from openservice.returns.services.common import (
    close_if_done,
    lock_return,
    open_return,
    require_writable,
)

A = DispositionCode.Action
S = ReturnLine.Status
STATUS_AFTER = {
    A.CREDIT: S.CREDITED,
    A.CREDIT_ONLY: S.CREDITED,
    A.SCRAP: S.SCRAPPED,
    A.REPLACE_AND_CREDIT: S.REPLACED,
    A.REPLACE_AND_SCRAP: S.REPLACED,
    A.RETURN_TO_CUSTOMER: S.RETURNED,
    A.REPAIR: S.IN_REPAIR,
}


@dataclass
class ProcessResult:
    """What one processing run created (empty when it created nothing)."""

    credit_note_id: int | None = None
    replacement_order_ids: list[int] = field(default_factory=list)
    service_order_ids: list[int] = field(default_factory=list)
    processed_line_ids: list[int] = field(default_factory=list)
    skipped_line_ids: list[int] = field(default_factory=list)


def _select(ret: ReturnOrder, line_ids) -> tuple[list[ReturnLine], list[ReturnLine]]:
    lines = list(
        ReturnLine.objects.select_for_update(of=("self",))
        .select_related("disposition", "item", "object", "invoice_line__invoice", "reason")
        .filter(return_order=ret)
        .order_by("position", "pk")
    )
    if line_ids is not None:
        unknown = sorted(set(line_ids) - {line.pk for line in lines})
        if unknown:
            raise InvalidInput({"line_ids": [_("Not lines of this return: %s") % unknown]})
        lines = [line for line in lines if line.pk in set(line_ids)]
    candidates = [line for line in lines if line.is_processable]
    ready = [line for line in candidates if line.disposition_id is not None]
    waiting = [line for line in candidates if line.disposition_id is None]
    # Named lines must be ready; a run over the whole return is refused only when it could do
    # nothing at all and nothing was ever processed (a repeated run just reports the skipped).
    ever_processed = any(line.processed_at is not None for line in lines)
    if waiting and (line_ids is not None or (not ready and not ever_processed)):
        raise DispositionMissing(line_ids=[line.pk for line in waiting])
    return ready, waiting


def _check(lines: list[ReturnLine]) -> None:
    """Everything that could refuse, before anything is written."""
    for line in lines:
        action = line.disposition.action
        if action in CREDIT_ACTIONS and line.credit_price is None:
            raise CreditPriceMissing(line_id=line.pk)
        if action == A.REPAIR:
            if line.object is None:
                raise ObjectRequired(line_id=line.pk)
            if line.object.site_id is None:
                raise ObjectWithoutSite(line_id=line.pk, object_id=line.object_id)


def _credit(ret: ReturnOrder, lines: list[ReturnLine], by) -> int | None:
    if not lines:
        return None
    credit_lines = []
    for line in lines:
        original = line.invoice_line
        description = f"{ret.number}: {line.item.name}"
        if line.serial:
            description += f" ({line.serial})"
        credit_lines.append(
            CreditLine(
                description=description[:300],
                quantity=line.quantity,
                unit_price=line.credit_price,
                unit=line.unit,
                vat_rate=original.vat_rate if original is not None else line.item.vat_rate,
                credited_line=original,
            )
        )
    # The original invoice: the return's, else the one invoice every credited line came from.
    invoices = {line.invoice_line.invoice for line in lines if line.invoice_line_id}
    credited_invoice = ret.reference_invoice
    if credited_invoice is None and len(invoices) == 1:
        credited_invoice = invoices.pop()
    note = credit_note_create(
        by=by,
        customer=ret.customer,
        lines=credit_lines,
        reference=ret.number,
        currency=ret.currency,
        credited_invoice=credited_invoice,
        post=True,
    )
    note_lines = list(note.lines.order_by("position", "pk"))
    for line, note_line in zip(lines, note_lines, strict=True):
        line.credit_note_line = note_line
    return note.pk


def _replace(ret: ReturnOrder, line: ReturnLine) -> Replacement:
    return Replacement.objects.create(
        number=sequence_next("replacement_order", prefix="RPL", padding=6),
        return_line=line,
        customer=ret.customer,
        item=line.item,
        quantity=line.quantity,
    )


def _repair(ret: ReturnOrder, line: ReturnLine, by) -> ServiceOrder:
    obj = line.object
    reason = line.reason
    order = order_create(
        by=by,
        customer=ret.customer,
        site=obj.site,
        description=_("Repair of the returned %(object)s (%(rma)s): %(reason)s")
        % {"object": obj.number, "rma": ret.number, "reason": reason.name},
        origin=ServiceOrder.Origin.RETURN,
        objects=[obj],
    )
    note = "\n".join(part for part in (reason.description, line.inspection_note, ret.note) if part)
    repair_line_create(
        order=order,
        by=by,
        object=obj,
        description=f"{reason.code}: {reason.name}"[:300],
        note=note,
    )
    return order


@transaction.atomic
def return_process(*, ret: ReturnOrder, by, line_ids=None) -> ProcessResult:
    """Process the return's lines that are ready (or only `line_ids`); see the module doc."""
    ret = lock_return(ret)
    if ret.status == ReturnOrder.Status.CLOSED and line_ids is None:
        return ProcessResult()  # everything has ended: nothing to do, nothing created
    require_writable(ret)
    ready, waiting = _select(ret, line_ids)
    result = ProcessResult(skipped_line_ids=[line.pk for line in waiting])
    if not ready:
        return result
    _check(ready)
    now = timezone.now()
    result.credit_note_id = _credit(
        ret, [line for line in ready if line.disposition.action in CREDIT_ACTIONS], by
    )
    for line in ready:
        action = line.disposition.action
        if action in REPLACE_ACTIONS:
            result.replacement_order_ids.append(_replace(ret, line).pk)
        if action == A.REPAIR:
            order = _repair(ret, line, by)
            line.service_order = order
            result.service_order_ids.append(order.pk)
        line.status = STATUS_AFTER[action]
        line.processed_at = now
        line.save(
            update_fields=[
                "status",
                "processed_at",
                "credit_note_line",
                "service_order",
                "updated_at",
            ]
        )
        result.processed_line_ids.append(line.pk)
    open_return(ret)
    close_if_done(ret, now)
    audit(
        by,
        "return.processed",
        ret,
        {
            "lines": result.processed_line_ids,
            "credit_note": result.credit_note_id,
            "replacements": result.replacement_order_ids,
            "service_orders": result.service_order_ids,
        },
    )
    return result


@transaction.atomic
def replacement_ship(*, replacement: Replacement, by, serial: str = "", on=None) -> Replacement:
    """Record that the replacement left for the customer."""
    replacement = Replacement.objects.select_for_update().get(pk=replacement.pk)
    if replacement.status != Replacement.Status.OPEN:
        raise ReplacementShipped(replacement_id=replacement.pk)
    replacement.status = Replacement.Status.SHIPPED
    replacement.serial = serial
    today = timezone.localdate()
    if on is not None and on > today:
        raise InvalidInput({"on": [_("A replacement cannot ship in the future.")]})
    replacement.shipped_on = on or today
    replacement.save(update_fields=["status", "serial", "shipped_on", "updated_at"])
    audit(by, "replacement.shipped", replacement, {"serial": serial})
    return replacement


def _audit_line(line: ReturnLine, verb: str, order_id: int) -> None:
    audit(None, verb, line.return_order, {"line": line.pk, "order": order_id})


def _lines_of_order(order_id: int, *statuses: str) -> list[ReturnLine]:
    """The order's return lines in `statuses`, locked after their returns (the order every
    writer of a return takes)."""
    lines = ReturnLine.objects.filter(service_order_id=order_id, status__in=statuses)
    for ret_id in sorted(set(lines.values_list("return_order_id", flat=True))):
        lock_return(ReturnOrder(pk=ret_id))
    return list(lines.select_for_update(of=("self",)).select_related("return_order").order_by("pk"))


def repair_completed(*, order_id: int, at) -> list[int]:
    """The order repairing returned units completed: they go back to the customer, and a return
    whose lines have all ended closes."""
    lines = _lines_of_order(order_id, S.IN_REPAIR)
    for line in lines:
        line.status = S.RETURNED
        line.save(update_fields=["status", "updated_at"])
        audit(
            None, "return.repair_completed", line.return_order, {"line": line.pk, "order": order_id}
        )
    for ret in {line.return_order_id: line.return_order for line in lines}.values():
        close_if_done(ret, at)
    return [line.pk for line in lines]


def repair_cancelled(*, order_id: int) -> list[int]:
    """The repair order was cancelled: its units are received again, to be decided anew (the
    link stays, so revoking the cancellation puts them back in repair)."""
    lines = _lines_of_order(order_id, S.IN_REPAIR)
    for line in lines:
        line.status = S.RECEIVED
        line.processed_at = None
        line.save(update_fields=["status", "processed_at", "updated_at"])
        audit(
            None, "return.repair_cancelled", line.return_order, {"line": line.pk, "order": order_id}
        )
    return [line.pk for line in lines]


def repair_resumed(*, order_id: int, at) -> list[int]:
    """The repair order is open again — reopened after completing, or its cancellation revoked:
    its units are in repair again (a return closed by the completion opens again)."""
    lines = [
        line
        for line in _lines_of_order(order_id, S.RETURNED, S.RECEIVED)
        if line.disposition_id is not None and line.disposition.action == A.REPAIR
    ]
    for line in lines:
        line.status = S.IN_REPAIR
        line.processed_at = line.processed_at or at
        line.save(update_fields=["status", "processed_at", "updated_at"])
        audit(
            None, "return.repair_resumed", line.return_order, {"line": line.pk, "order": order_id}
        )
        ret = line.return_order
        if ret.status == ReturnOrder.Status.CLOSED:
            ret.status = ReturnOrder.Status.OPEN
            ret.closed_at = None
            ret.save(update_fields=["status", "closed_at", "updated_at"])
    return [line.pk for line in lines]
