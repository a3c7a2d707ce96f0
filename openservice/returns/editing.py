"""The form of a return being created or changed by staff, or requested by a customer: the
header form and the lines formset, with the choices they offer (read through the selectors, so
each user is offered only what they may see) and the way a service's refusal finds its field.

Staff choose the customer first; the lines then offer that customer's service objects and the
item lines of their latest posted invoices. A customer is offered their own objects, and the
items of their own posted invoices. "Add a line" sends the form back with one more empty row,
saving nothing."""

from django.db.models import Q
from django.utils.translation import gettext as _

from openservice.billing.selectors import invoice_list
from openservice.catalog.selectors import item_list
from openservice.core.choices import LineKind
from openservice.core.errors import DomainError, InvalidInput
from openservice.customers.selectors import customer_list, customer_of_user
from openservice.equipment.selectors import object_list
from openservice.orders.selectors import order_list
from openservice.returns import selectors, services
from openservice.returns.forms import (
    LINE_PREFIX,
    CustomerPickForm,
    RequestHeaderForm,
    ReturnHeaderForm,
    line_formset,
)
from openservice.returns.models import ReturnLine, ReturnOrder

INVOICES_OFFERED = 50  # the customer's latest posted invoices whose lines are offered
NEW_ROWS = 3  # empty line rows of a new return (staff; a customer starts with one)
REFUSED = 409
INVALID = 422
# Fields the services name in their refusals → the page form's field.
HEADER_FIELDS = {
    "reason": "reason",
    "note": "note",
    "reference_order_id": "reference_order",
    "reference_invoice_id": "reference_invoice",
}


def _invoices(user, customer, keep=None) -> list:
    """The customer's latest posted invoices (and `keep`, the return's own), with their item
    lines loaded."""
    found = list(
        invoice_list(user=user, customer_id=customer.pk, kind="invoice", status="posted")
        .order_by("-issued_on", "-pk")
        .prefetch_related("lines__order_line__item")[:INVOICES_OFFERED]
    )
    if keep is not None and keep.pk not in {invoice.pk for invoice in found}:
        found += list(
            invoice_list(user=user, customer_id=customer.pk)
            .filter(pk=keep.pk)
            .prefetch_related("lines__order_line__item")
        )
    return found


def _item_lines(invoices, extra=()) -> list:
    """The invoice lines that billed goods (an item line of an order), newest invoice first;
    `extra` lines (those the return already names) are kept whatever they billed."""
    lines = [
        line
        for invoice in invoices
        for line in invoice.lines.all()
        if line.order_line is not None
        and line.order_line.kind == LineKind.ITEM
        and line.order_line.item_id is not None
    ]
    known = {line.pk for line in lines}
    return lines + [line for line in extra if line.pk not in known]


def line_initial(ret: ReturnOrder) -> list[dict]:
    """The return's lines (those not cancelled) as the formset's rows."""
    rows = []
    for line in ret.lines.all():
        if line.status == ReturnLine.Status.CANCELLED:
            continue
        named_by_object = line.object_id is not None
        rows.append(
            {
                "object": line.object_id,
                "item": None if named_by_object else line.item_id,
                "serial": "" if named_by_object else line.serial,
                "quantity": line.quantity.normalize(),
                "invoice_line": line.invoice_line_id,
                "credit_price": line.credit_price,
                "reason": line.reason_id if line.reason_id != ret.reason_id else None,
                "disposition": line.disposition_id,
            }
        )
    return rows


class LineEditor:
    """The header form and the lines formset of one return, bound to the request's data."""

    def __init__(self, request, *, user, customer, ret=None, for_customer=False, initial=()):
        self.user = user
        self.customer = customer
        self.for_customer = for_customer
        self.status = 200
        self.reference_order = None
        data = request.POST if request.method == "POST" else None
        self.adding_line = data is not None and "add_line" in data
        if self.adding_line:
            data = data.copy()
            count = data.get(f"{LINE_PREFIX}-TOTAL_FORMS", "0")
            data[f"{LINE_PREFIX}-TOTAL_FORMS"] = str(int(count) + 1 if count.isdigit() else 1)
        reasons = selectors.reasons(is_active=True)
        if ret is not None:  # keep the return's reason choosable, even if no longer in use
            reasons = selectors.reasons().filter(Q(is_active=True) | Q(pk=ret.reason_id))
        self.invoices = _invoices(user, customer, keep=ret.reference_invoice if ret else None)
        existing = (
            [line.invoice_line for line in ret.lines.all() if line.invoice_line] if ret else []
        )
        invoice_lines = _item_lines(self.invoices, existing)
        line_kwargs = {
            "objects": object_list(user=user, customer_id=customer.pk),
            "invoice_lines": invoice_lines,
        }
        if for_customer:
            self.header = RequestHeaderForm(data, reasons=reasons)
            bought = {line.order_line.item_id: line.order_line.item for line in invoice_lines}
            line_kwargs["items"] = sorted(bought.values(), key=lambda item: item.sku)
        else:
            self.header = ReturnHeaderForm(
                data,
                reasons=reasons,
                invoices=self.invoices,
                initial=_header_initial(ret),
            )
            line_kwargs["items"] = list(item_list(user=user, is_active=True))
            line_kwargs["reasons"] = selectors.reasons(is_active=True)
            line_kwargs["dispositions"] = selectors.dispositions(is_active=True)
        rows = 1 if initial or for_customer else NEW_ROWS  # a phone shows one row to start
        formset = line_formset(extra=rows, can_delete=ret is not None)
        self.lines = formset(
            data, prefix=LINE_PREFIX, initial=list(initial) or None, form_kwargs=line_kwargs
        )

    # -- Reading the form ------------------------------------------------------------------

    def is_valid(self) -> bool:
        header_valid = self.header.is_valid()
        lines_valid = self.lines.is_valid()
        if header_valid and not self.for_customer:
            self._find_reference_order()
        if lines_valid and not self.for_customer:
            self._find_units_by_serial()
        valid = (
            header_valid
            and lines_valid
            and not self.header.errors
            and not any(form.errors for form in self.lines.filled_forms())
        )
        if not valid:
            self.status = INVALID
        return valid

    def _find_reference_order(self) -> None:
        number = (self.header.cleaned_data.get("reference_order") or "").strip()
        if not number:
            return
        found = order_list(user=self.user, customer_id=self.customer.pk, q=number)
        self.reference_order = next(
            (
                order
                for order in found.prefetch_related(None)
                if order.number.lower() == number.lower()
            ),
            None,
        )
        if self.reference_order is None:
            self.header.add_error(
                "reference_order", _("No order of this customer has this number.")
            )

    def _find_units_by_serial(self) -> None:
        """A line named by a serial number alone is the customer's unit with that serial."""
        for form in self.lines.filled_forms():
            data = form.cleaned_data
            serial = (data.get("serial") or "").strip()
            if not serial or data.get("item") or data.get("object"):
                continue
            units = list(object_list(user=self.user, customer_id=self.customer.pk, serial=serial))
            if len(units) == 1:
                data["object"] = units[0]
            else:
                form.add_error(
                    "serial",
                    _("No unit of this customer has this serial number: choose the item too."),
                )

    def fields(self) -> dict:
        """The service's arguments: the header's fields and the lines as `LineInput`s."""
        header = self.header.cleaned_data
        fields = {
            "reason": header["reason"],
            "note": header.get("note", ""),
            "lines": [
                services.LineInput(**form.line_fields()) for form in self.lines.filled_forms()
            ],
        }
        if not self.for_customer:
            invoices = {invoice.pk: invoice for invoice in self.invoices}
            fields["reference_order"] = self.reference_order
            fields["reference_invoice"] = invoices.get(header.get("reference_invoice"))
        return fields

    # -- Refusals --------------------------------------------------------------------------

    def add_error(self, error: DomainError) -> None:
        """Put a service's refusal where it belongs: a line's field, the header's, or on top."""
        filled = self.lines.filled_forms()
        if not isinstance(error, InvalidInput):
            self.status = REFUSED
            line_id = error.details.get("invoice_line_id")
            form = next((f for f in filled if f.cleaned_data.get("invoice_line") == line_id), None)
            if line_id is not None and form is not None and "invoice_line" in form.fields:
                form.add_error("invoice_line", error.message)
            else:
                self.header.add_error(None, error.message)
            return
        self.status = INVALID
        for name, problems in error.field_errors.items():
            for message in problems:
                self._place(name, message, filled)

    def _place(self, name: str, message: str, filled) -> None:
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(filled):
                form = filled[index]
                field = parts[2].removesuffix("_id")
                form.add_error(field if field in form.fields else None, message)
                return
        field = HEADER_FIELDS.get(name)
        self.header.add_error(field if field in self.header.fields else None, message)


def _header_initial(ret: ReturnOrder | None) -> dict | None:
    if ret is None:
        return None
    return {
        "reason": ret.reason_id,
        "reference_order": ret.reference_order.number if ret.reference_order else "",
        "reference_invoice": ret.reference_invoice_id,
        "note": ret.note,
    }


def edit_context(request, *, user, ret=None, initial_lines=(), for_customer=False) -> dict:
    """The form page's context: the editor of a return for a known customer, or (staff
    creating a return) the form that asks whose goods come back."""
    if ret is not None:
        customer = ret.customer
        title = _("Change %(number)s") % {"number": ret.number}
    elif for_customer:
        customer = customer_of_user(user)
        title = _("Request a return")
        if customer is None:
            return {"title": title}
    else:
        title = _("New return")
        source = request.POST if request.method == "POST" else request.GET
        if not source.get("customer"):
            return {"title": title, "pick_form": _pick_form(user)}
        pick = _pick_form(user, source)
        if not pick.is_valid():
            return {"title": title, "pick_form": pick}
        customer = pick.cleaned_data["customer"]
    editor = LineEditor(
        request,
        user=user,
        customer=customer,
        ret=ret,
        for_customer=for_customer,
        initial=initial_lines,
    )
    return {"title": title, "editor": editor, "customer": customer, "ret": ret}


def _pick_form(user, data=None) -> CustomerPickForm:
    return CustomerPickForm(data, customers=customer_list(user=user, is_active=True))
