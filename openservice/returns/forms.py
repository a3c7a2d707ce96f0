"""Page forms for returns. They parse input only; the services decide and write.

Choices (customers, items, the customer's service objects, invoices and invoice lines, reason
and disposition codes) come from the selectors through the view, so each form offers only what
the user may see; the services check every choice again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.returns.models import ReturnLine, ReturnOrder

LINE_PREFIX = "lines"
NAMING_FIELDS = ("object", "item", "serial", "invoice_line")  # what says which goods a line is


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CodeChoiceField(forms.ModelChoiceField):
    """A reason or disposition code as 'DEFECT · Defective'."""

    def label_from_instance(self, code):
        return f"{code.code} · {code.name}"


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.number} {customer.name}"


class ObjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        label = f"{obj.number} {obj.item.name}"
        return f"{label}, {obj.serial_number}" if obj.serial_number else label


def invoice_line_label(line) -> str:
    """'2027-000012 · Door roller set, 2 pcs'."""
    quantity = line.quantity.normalize()
    return f"{line.invoice.number} · {line.description}, {quantity:f} {line.unit}".strip()


# -- The list ----------------------------------------------------------------------------------


class ReturnFilterForm(forms.Form):
    """The list's search, filters and sort; every value lives in the URL. Customers see only
    their own returns: no customer filter for them."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("RMA number, customer or serial")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ReturnOrder.Status.choices]
    )
    customer_id = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int)
    overdue = forms.BooleanField(
        label=_("Overdue only"),
        required=False,
        help_text=_("The deadline has passed and goods are still expected."),
    )
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("number", _("RMA number")),
            ("deadline", _("Deadline, soonest first")),
            ("customer", _("Customer")),
            ("status", _("Status")),
        ],
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is None:
            del self.fields["customer_id"]
        else:
            self.fields["customer_id"].choices = [("", _("All"))] + [
                (customer.pk, customer.name) for customer in customers
            ]

    def selector_filters(self, *, today) -> dict:
        """The valid filters; an unreadable value is ignored rather than emptying the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {
            "q": data.get("q") or None,
            "status": data.get("status") or None,
            "customer_id": data.get("customer_id") or None,
            "overdue_on": today if data.get("overdue") else None,
            "order_by": data.get("order_by") or None,
        }
        return {key: value for key, value in filters.items() if value is not None}


class ReplacementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("To ship")), ("shipped", _("Shipped")), ("all", _("All"))],
    )

    def status_filter(self) -> str | None:
        self.is_valid()
        status = getattr(self, "cleaned_data", {}).get("status") or "open"
        return None if status == "all" else status


# -- Creating and changing a return ------------------------------------------------------------


class CustomerPickForm(forms.Form):
    """Step one of a new return: whose goods come back (the lines offer that customer's
    objects and invoices)."""

    customer = CustomerChoiceField(label=_("Customer"), queryset=None)

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class ReturnHeaderForm(forms.Form):
    """The return's own fields, for staff. The original order is named by its number; the
    original invoice is one of the customer's posted invoices."""

    reason = CodeChoiceField(label=_("Return reason"), queryset=None)
    reference_order = forms.CharField(
        label=_("Original order"),
        required=False,
        max_length=20,
        help_text=_("The number of the order the goods came with, if any."),
    )
    reference_invoice = forms.TypedChoiceField(
        label=_("Original invoice"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, reasons, invoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons
        self.fields["reference_invoice"].choices = [("", _("None"))] + [
            (invoice.pk, f"{invoice.number} ({invoice.issued_on})") for invoice in invoices
        ]


class RequestHeaderForm(forms.Form):
    """A customer's request: why the goods come back, and anything we should know."""

    reason = CodeChoiceField(label=_("Why are you returning the goods?"), queryset=None)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is wrong, or anything else we should know."),
    )

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons


class LineForm(forms.Form):
    """One line of a return: an item with a quantity, or one unit named by its service object
    or serial number; optionally the invoice line that billed it (its price is the default
    credit price). Staff may also set the credit price, a reason of its own and the
    disposition; customers name the goods only."""

    object = ObjectChoiceField(label=_("Service object"), queryset=None, required=False)
    item = forms.TypedChoiceField(label=_("Item"), required=False, coerce=int, empty_value=None)
    serial = forms.CharField(
        label=_("Serial number"),
        required=False,
        max_length=ReturnLine._meta.get_field("serial").max_length,
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0, initial=1
    )
    invoice_line = forms.TypedChoiceField(
        label=_("Invoice line"), required=False, coerce=int, empty_value=None
    )
    credit_price = forms.DecimalField(
        label=_("Credit price"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Per unit. Empty: the price of the invoice line."),
    )
    reason = CodeChoiceField(
        label=_("Reason of the line"),
        queryset=None,
        required=False,
        empty_label=_("As the return"),
    )
    disposition = CodeChoiceField(label=_("Disposition"), queryset=None, required=False)

    def __init__(
        self, *args, objects, items, invoice_lines, reasons=None, dispositions=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.invoice_lines = {line.pk: line for line in invoice_lines}
        self.items = {item.pk: item for item in items}
        self.fields["object"].queryset = objects
        self.fields["item"].choices = [("", "---------")] + [
            (item.pk, f"{item.sku} {item.name}") for item in items
        ]
        self.fields["invoice_line"].choices = [("", _("None"))] + [
            (line.pk, invoice_line_label(line)) for line in invoice_lines
        ]
        if reasons is None:  # a customer's request
            for name in ("serial", "credit_price", "reason", "disposition"):
                del self.fields[name]
            self.fields["object"].help_text = _("One of your units, or choose the item below.")
        else:
            self.fields["reason"].queryset = reasons
            self.fields["disposition"].queryset = dispositions

    def has_changed(self) -> bool:
        """A row is given when it names goods; a quantity or price alone is an empty row."""
        return any(name in self.changed_data for name in NAMING_FIELDS if name in self.fields)

    def line_fields(self) -> dict:
        """The line as `LineInput` fields: the chosen invoice line as a record."""
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        data["item"] = self.items.get(data.get("item"))
        data["invoice_line"] = self.invoice_lines.get(data.get("invoice_line"))
        if data["invoice_line"] is not None and data.get("item") is None and not data.get("object"):
            order_line = data["invoice_line"].order_line
            data["item"] = order_line.item if order_line is not None else None
        return {key: value for key, value in data.items() if value not in (None, "")}


class BaseLineFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[LineForm]:
        """The lines given, in order (call after `is_valid`): the lines the return had (unless
        ticked for removal) and the new rows filled in; empty new rows are left out."""
        return [
            form
            for index, form in enumerate(self.forms)
            if not (self.can_delete and form.cleaned_data.get("DELETE"))
            and (index < self.initial_form_count() or form.has_changed())
        ]


def line_formset(*, extra: int, can_delete: bool = False):
    """A formset class of return lines with `extra` empty rows (more are added by sending the
    form with "Add a line")."""
    return forms.formset_factory(
        LineForm,
        formset=BaseLineFormSet,
        extra=extra,
        can_delete=can_delete,
        can_delete_extra=False,
    )


# -- Actions on a line -------------------------------------------------------------------------


class ArrivalForm(forms.Form):
    """What arrived of an expected line: all of it (the default) or part of it, which splits
    the line."""

    quantity = forms.DecimalField(
        label=_("Quantity arrived"), max_digits=12, decimal_places=3, min_value=0
    )
    on = forms.DateField(
        label=_("Arrived on"), required=False, widget=DateInput(), help_text=_("Empty: today.")
    )


class QuarantineForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is held"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InspectForm(forms.Form):
    note = forms.CharField(
        label=_("What the inspection found"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    disposition = CodeChoiceField(label=_("Disposition"), queryset=None, required=False)

    def __init__(self, *args, dispositions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].queryset = dispositions


class DispositionForm(forms.Form):
    disposition = CodeChoiceField(
        label=_("Disposition"), queryset=None, required=False, empty_label=_("None yet")
    )

    def __init__(self, *args, dispositions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].queryset = dispositions


class ShipForm(forms.Form):
    serial = forms.CharField(label=_("Serial number sent"), required=False, max_length=60)
    on = forms.DateField(
        label=_("Shipped on"), required=False, widget=DateInput(), help_text=_("Empty: today.")
    )
