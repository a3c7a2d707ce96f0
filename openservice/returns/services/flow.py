"""The goods' way in: arrival (a partial arrival splits the line, the remainder stays
expected), quarantine, inspection (which may set the disposition), and the disposition that
says what processing will do."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput
from openservice.core.services import audit
from openservice.returns.errors import ArrivalExceedsExpected, ObjectRequired
from openservice.returns.models import DispositionCode, ReturnLine, ReturnOrder
from openservice.returns.services.common import line_of, open_return, writable

S = ReturnLine.Status
# Lines whose disposition may still be chosen or changed (nothing was done with them yet).
UNPROCESSED = (S.EXPECTED, S.REGISTERED, S.QUARANTINE, S.RECEIVED)


@transaction.atomic
def arrival_register(
    *, ret: ReturnOrder, line, quantity: Decimal, by, on: date | None = None
) -> ReturnLine:
    """Register that `quantity` of an expected line arrived; returns the registered line.

    The whole quantity registers the line itself; less splits it: a new registered line of
    the arrived quantity, the original keeping the rest as expected (so later arrivals are
    registered against the same line)."""
    ret = writable(ret)
    line = line_of(ret, line, S.EXPECTED)
    quantity = Decimal(quantity)
    if quantity <= 0:
        raise InvalidInput({"quantity": [_("The quantity must be above zero.")]})
    if quantity > line.quantity:
        raise ArrivalExceedsExpected(
            {
                "quantity": [
                    _("At most %(expected)s is expected on this line.")
                    % {"expected": f"{line.quantity.normalize():f}"}
                ]
            }
        )
    if (line.object_id is not None or line.serial) and quantity != line.quantity:
        raise InvalidInput({"quantity": [_("A unit named by its serial or object arrives whole.")]})
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise InvalidInput({"on": [_("Goods cannot arrive in the future.")]})
    if quantity == line.quantity:
        registered = line
    else:
        line.quantity -= quantity
        line.save(update_fields=["quantity", "updated_at"])
        registered = ReturnLine(
            return_order=ret,
            position=line.position,
            item_id=line.item_id,
            serial=line.serial,
            object_id=line.object_id,
            quantity=quantity,
            unit=line.unit,
            invoice_line_id=line.invoice_line_id,
            credit_price=line.credit_price,
            reason_id=line.reason_id,
            disposition_id=line.disposition_id,
            split_from=line,
        )
    registered.status = S.REGISTERED
    registered.arrived_on = on
    registered.save()
    open_return(ret)
    audit(
        by,
        "return.arrival_registered",
        ret,
        {"line": registered.pk, "quantity": str(quantity), "split_from": registered.split_from_id},
    )
    return registered


def _check_disposition(line: ReturnLine, disposition: DispositionCode | None) -> None:
    if disposition is None:
        return
    if not disposition.is_active:
        raise InvalidInput({"disposition": [_("The disposition code is no longer in use.")]})
    if disposition.action == DispositionCode.Action.REPAIR and line.object_id is None:
        raise ObjectRequired(line_id=line.pk)


@transaction.atomic
def line_quarantine(*, ret: ReturnOrder, line, by, note: str = "") -> ReturnLine:
    """Hold a registered line apart until it is inspected."""
    ret = writable(ret)
    line = line_of(ret, line, S.REGISTERED)
    line.status = S.QUARANTINE
    if note:
        line.inspection_note = note
    line.save(update_fields=["status", "inspection_note", "updated_at"])
    audit(by, "return.line_quarantined", ret, {"line": line.pk})
    return line


@transaction.atomic
def line_inspect(
    *, ret: ReturnOrder, line, by, note: str, disposition: DispositionCode | None = None
) -> ReturnLine:
    """Record the inspection of a registered or quarantined line: it is received, with the
    note, and with the disposition the inspection decided (when given)."""
    ret = writable(ret)
    line = line_of(ret, line, S.REGISTERED, S.QUARANTINE)
    if not (note or "").strip():
        raise InvalidInput({"note": [_("Write what the inspection found.")]})
    _check_disposition(line, disposition)
    line.status = S.RECEIVED
    line.inspection_note = note.strip()
    if disposition is not None:
        line.disposition = disposition
    line.save(update_fields=["status", "inspection_note", "disposition", "updated_at"])
    audit(
        by,
        "return.line_inspected",
        ret,
        {"line": line.pk, "disposition": disposition.code if disposition else None},
    )
    return line


@transaction.atomic
def line_set_disposition(
    *, ret: ReturnOrder, line, by, disposition: DispositionCode | None
) -> ReturnLine:
    """Choose (or clear) what processing will do with a line not processed yet."""
    ret = writable(ret)
    line = line_of(ret, line, *UNPROCESSED)
    _check_disposition(line, disposition)
    line.disposition = disposition
    line.save(update_fields=["disposition", "updated_at"])
    audit(
        by,
        "return.disposition_set",
        ret,
        {"line": line.pk, "disposition": disposition.code if disposition else None},
    )
    return line
