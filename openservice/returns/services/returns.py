"""Return orders: created by staff or requested by a customer, changed while nothing has
arrived, cancelled while nothing has arrived, closed when every line has ended (or by hand,
giving up the lines still expected)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.billing.models import Invoice
from openservice.billing.selectors import credited_amounts
from openservice.billing.services import invoice_lines_lock
from openservice.core.errors import InvalidInput, PermissionDenied
from openservice.core.money import MAX_AMOUNT
from openservice.core.roles import Role, has_role
from openservice.core.services import audit, save_validated, sequence_next
from openservice.customers.selectors import customer_of_user
from openservice.equipment.selectors import object_by_serial
from openservice.returns.errors import (
    AlreadyCredited,
    ExceedsInvoiced,
    LineNotInStatus,
    LinesFixed,
    NotCancellable,
)
from openservice.returns.models import (
    BUSY,
    DispositionCode,
    ReturnLine,
    ReturnOrder,
    ReturnReason,
)
from openservice.returns.services.common import close_if_done, line_of, lock_return, writable

# The largest quantity a line holds (12 digits, 3 of them decimals).
MAX_QUANTITY = Decimal("1000000000")


@dataclass(frozen=True)
class LineInput:
    """One line of a new return: an item (with a quantity), or one unit named by its service
    object or serial number. The credit price defaults from the original invoice line."""

    item: Any = None
    object: Any = None
    serial: str = ""
    quantity: Decimal = Decimal(1)
    invoice_line: Any = None
    credit_price: Decimal | None = None
    reason: ReturnReason | None = None
    disposition: DispositionCode | None = None
    unit: str = ""


def _field(index: int, name: str, message: str) -> InvalidInput:
    return InvalidInput({f"lines.{index}.{name}": [message]})


def _check_reference(customer, reference_order, reference_invoice) -> None:
    errors = {}
    if reference_order is not None and reference_order.customer_id != customer.pk:
        errors["reference_order_id"] = [_("The order is not one of this customer's.")]
    if reference_invoice is not None and (
        reference_invoice.customer_id != customer.pk
        or reference_invoice.kind != Invoice.Kind.INVOICE
        or reference_invoice.status != Invoice.Status.POSTED
    ):
        errors["reference_invoice_id"] = [_("Name a posted invoice of this customer.")]
    if errors:
        raise InvalidInput(errors)


def _already_returned(invoice_line, exclude_return: ReturnOrder | None) -> Decimal:
    lines = ReturnLine.objects.filter(invoice_line=invoice_line).exclude(
        status=ReturnLine.Status.CANCELLED
    )
    if exclude_return is not None:
        lines = lines.exclude(return_order=exclude_return)
    return lines.aggregate(total=Sum("quantity"))["total"] or Decimal(0)


def _build_line(
    index: int, spec: LineInput, *, customer, currency: str, reason, reference_invoice
) -> ReturnLine:
    item, obj, serial = spec.item, spec.object, (spec.serial or "").strip()
    if obj is None and item is not None and serial:
        obj = object_by_serial(customer=customer, item=item, serial=serial)
    if obj is not None:
        if obj.customer_id != customer.pk:
            raise _field(index, "object_id", _("The service object is not this customer's."))
        if item is not None and item.pk != obj.item_id:
            raise _field(index, "item_id", _("The service object is of another item."))
        item = obj.item
        serial = serial or obj.serial_number
    if item is None:
        raise _field(index, "item_id", _("Name the item or the service object."))
    quantity = Decimal(spec.quantity)
    if quantity <= 0:
        raise _field(index, "quantity", _("The quantity must be above zero."))
    if (obj is not None or serial) and quantity != 1:
        raise _field(index, "quantity", _("A unit named by its serial or object is one unit."))
    if spec.credit_price is not None and spec.credit_price < 0:
        raise _field(index, "credit_price", _("The credit price cannot be negative."))
    if quantity >= MAX_QUANTITY:
        raise _field(index, "quantity", _("The quantity is too large."))
    if not item.is_active and spec.item is not None:
        raise _field(index, "item_id", _("The item is no longer in use."))
    line = ReturnLine(
        position=index + 1,
        item=item,
        object=obj,
        serial=serial,
        quantity=quantity,
        unit=spec.unit or item.unit,
        credit_price=spec.credit_price,
        reason=spec.reason or reason,
        disposition=spec.disposition,
    )
    invoice_line = spec.invoice_line
    if invoice_line is not None:
        invoice = invoice_line.invoice
        if (
            invoice.customer_id != customer.pk
            or invoice.kind != Invoice.Kind.INVOICE
            or invoice.status != Invoice.Status.POSTED
            or invoice.currency != currency
        ):
            raise _field(
                index, "invoice_line_id", _("Name a line of a posted invoice of this customer.")
            )
        if reference_invoice is not None and invoice.pk != reference_invoice.pk:
            raise _field(index, "invoice_line_id", _("The line is not on the original invoice."))
        order_line = invoice_line.order_line
        if order_line is None:
            raise _field(
                index, "invoice_line_id", _("Name an invoice line that billed goods or work.")
            )
        if order_line.item_id not in (None, item.pk):
            raise _field(index, "invoice_line_id", _("The invoice line billed another item."))
        line.invoice_line = invoice_line
        if line.credit_price is None:
            line.credit_price = invoice_line.unit_price
        line.unit = spec.unit or invoice_line.unit or line.unit
    if line.credit_price is not None and quantity * line.credit_price > MAX_AMOUNT:
        raise _field(index, "credit_price", _("The credit amount is too large."))
    return line


def _check_invoiced(lines: list[ReturnLine], exclude_return: ReturnOrder | None) -> None:
    """What comes back against an invoice line never exceeds what it billed, over every
    return; a line billing credited in full is not returned again."""
    wanted: dict[int, Decimal] = {}
    for line in lines:
        if line.invoice_line_id is not None:
            wanted[line.invoice_line_id] = wanted.get(line.invoice_line_id, 0) + line.quantity
    # Locked: two returns against the same line queue here.
    locked = invoice_lines_lock(wanted)
    credited = credited_amounts(wanted)
    for invoice_line in locked:
        if credited.get(invoice_line.pk, 0) >= invoice_line.net_amount:
            raise AlreadyCredited(
                _("The invoice line has been credited already."), invoice_line_id=invoice_line.pk
            )
        before = _already_returned(invoice_line, exclude_return)
        if before + wanted[invoice_line.pk] > invoice_line.quantity:
            raise ExceedsInvoiced(
                invoice_line_id=invoice_line.pk,
                invoiced=f"{invoice_line.quantity:.3f}",
                returned_before=f"{before:.3f}",  # a sum: as many places on every database
            )


def _lines(
    specs: list[LineInput], *, customer, currency: str, reason, reference_invoice
) -> list[ReturnLine]:
    if not specs:
        raise InvalidInput({"lines": [_("A return needs at least one line.")]})
    return [
        _build_line(
            index,
            spec,
            customer=customer,
            currency=currency,
            reason=reason,
            reference_invoice=reference_invoice,
        )
        for index, spec in enumerate(specs)
    ]


def _check_customer_actor(by, customer) -> bool:
    """Whether `by` acts as the customer; a customer contact acts only for their own."""
    if has_role(by, Role.CUSTOMER) and not by.is_superuser:
        own = customer_of_user(by)
        if own is None or own.pk != customer.pk:
            raise PermissionDenied(customer_id=customer.pk)
        return True
    return False


@transaction.atomic
def return_create(
    *,
    by,
    customer,
    reason: ReturnReason,
    lines: list[LineInput],
    reference_order=None,
    reference_invoice=None,
    note: str = "",
    today: date | None = None,
) -> ReturnOrder:
    """A return authorisation: an RMA number, a deadline `RETURN_VALIDITY_DAYS` from today,
    its lines expected. A customer contact requests one for their own customer (no
    dispositions or prices: staff set those)."""
    by_customer = _check_customer_actor(by, customer)
    if by_customer and any(s.disposition or s.credit_price is not None for s in lines):
        raise PermissionDenied(_("Dispositions and credit prices are set by the service staff."))
    if not customer.is_active:
        raise InvalidInput({"customer_id": [_("The customer is not active.")]})
    if not reason.is_active:
        raise InvalidInput({"reason": [_("The reason is no longer in use.")]})
    _check_reference(customer, reference_order, reference_invoice)
    currency = reference_invoice.currency if reference_invoice else customer.currency
    built = _lines(
        lines,
        customer=customer,
        currency=currency,
        reason=reason,
        reference_invoice=reference_invoice,
    )
    _check_invoiced(built, None)
    today = today or timezone.localdate()
    ret = ReturnOrder(
        number=sequence_next("return_order", prefix="RMA", padding=6),
        customer=customer,
        reason=reason,
        deadline=today + timedelta(days=settings.RETURN_VALIDITY_DAYS),
        currency=currency,
        reference_order=reference_order,
        reference_invoice=reference_invoice,
        note=note,
        requested_by_customer=by_customer,
        created_by=by,
    )
    save_validated(ret)
    for line in built:
        line.return_order = ret
        save_validated(line)
    audit(by, "return.created", ret, {"number": ret.number, "lines": len(built)})
    return ret


HEADER_FIELDS = ("reason", "note", "reference_order", "reference_invoice")


@transaction.atomic
def return_update(*, ret: ReturnOrder, by, lines: list[LineInput] | None = None, **changes):
    """Change the header of an unfinished return; replace its lines while nothing arrived."""
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"not changeable here: {', '.join(sorted(unknown))}")
    ret = writable(ret)
    if "reason" in changes and not changes["reason"].is_active:
        raise InvalidInput({"reason": [_("The reason is no longer in use.")]})
    reference_order = changes.get("reference_order", ret.reference_order)
    reference_invoice = changes.get("reference_invoice", ret.reference_invoice)
    _check_reference(ret.customer, reference_order, reference_invoice)
    if (lines is not None or "reference_invoice" in changes) and (
        ret.status != ReturnOrder.Status.CREATED
    ):
        raise LinesFixed(return_id=ret.pk)
    for name, value in changes.items():
        setattr(ret, name, value)
    if reference_invoice is not None:
        ret.currency = reference_invoice.currency
    save_validated(ret)
    if lines is not None:
        built = _lines(
            lines,
            customer=ret.customer,
            currency=ret.currency,
            reason=ret.reason,
            reference_invoice=reference_invoice,
        )
        _check_invoiced(built, ret)
        ret.lines.all().delete()
        for line in built:
            line.return_order = ret
            save_validated(line)
    elif "reference_invoice" in changes and reference_invoice is not None:
        for line in ret.lines.select_related("invoice_line"):
            if line.invoice_line and line.invoice_line.invoice_id != reference_invoice.pk:
                raise InvalidInput(
                    {"reference_invoice_id": [_("The lines name lines of another invoice.")]}
                )
    audit(
        by,
        "return.changed",
        ret,
        {"fields": sorted(changes), "lines": None if lines is None else len(lines)},
    )
    return ret


@transaction.atomic
def return_delete(*, ret: ReturnOrder, by) -> None:
    """Delete a return nothing has happened to (a mistake); otherwise cancel it."""
    ret = writable(ret)
    if ret.status != ReturnOrder.Status.CREATED:
        raise NotCancellable(_("Only a return nothing has arrived for can be deleted."))
    audit(by, "return.deleted", ret, {"number": ret.number})
    ret.lines.all().delete()
    ret.delete()


@transaction.atomic
def return_cancel(*, ret: ReturnOrder, by, now=None) -> ReturnOrder:
    """Cancel a return nothing has arrived for (a customer may cancel their own request)."""
    ret = lock_return(ret)
    if _check_customer_actor(by, ret.customer) and not ret.requested_by_customer:
        raise PermissionDenied(_("Only a return you requested is cancelled here."))
    ret = writable(ret)
    if ret.status != ReturnOrder.Status.CREATED:
        raise NotCancellable(return_id=ret.pk, status=ret.status)
    ret.lines.update(status=ReturnLine.Status.CANCELLED, updated_at=timezone.now())
    ret.status = ReturnOrder.Status.CANCELLED
    ret.cancelled_at = now or timezone.now()
    ret.save(update_fields=["status", "cancelled_at", "updated_at"])
    audit(by, "return.cancelled", ret, {"number": ret.number})
    return ret


@transaction.atomic
def return_line_cancel(*, ret: ReturnOrder, line, by) -> ReturnOrder:
    """Give up a line still expected (the goods will not come); the return closes if that was
    the last line open."""
    ret = writable(ret)
    line = line_of(ret, line, ReturnLine.Status.EXPECTED)
    line.status = ReturnLine.Status.CANCELLED
    line.save(update_fields=["status", "updated_at"])
    audit(by, "return.line_cancelled", ret, {"line": line.pk})
    if ret.lines.exclude(status=ReturnLine.Status.CANCELLED).exists():
        close_if_done(ret)
    else:
        ret.status = ReturnOrder.Status.CANCELLED
        ret.cancelled_at = timezone.now()
        ret.save(update_fields=["status", "cancelled_at", "updated_at"])
    return ret


@transaction.atomic
def return_close(*, ret: ReturnOrder, by, now=None) -> ReturnOrder:
    """Close an open return by hand: lines still expected are given up; lines that hold goods
    or are in repair must be processed first."""
    ret = writable(ret)
    if ret.status != ReturnOrder.Status.OPEN:
        raise NotCancellable(_("Only an open return is closed by hand; cancel a created one."))
    busy = list(ret.lines.filter(status__in=BUSY).values_list("pk", flat=True))
    if busy:
        raise LineNotInStatus(
            _("Process the lines that hold goods or are in repair first."), line_ids=busy
        )
    given_up = list(
        ret.lines.filter(status=ReturnLine.Status.EXPECTED).values_list("pk", flat=True)
    )
    ret.lines.filter(pk__in=given_up).update(
        status=ReturnLine.Status.CANCELLED, updated_at=timezone.now()
    )
    ret.status = ReturnOrder.Status.CLOSED
    ret.closed_at = now or timezone.now()
    ret.save(update_fields=["status", "closed_at", "updated_at"])
    audit(by, "return.closed", ret, {"cancelled_lines": given_up})
    return ret
