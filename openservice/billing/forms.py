"""Page forms for invoices and the billing run. They parse input only; the services decide and
write. Choices (customers, an invoice's lines) come from the selectors through the view, so each
form offers only what the user may see."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openservice.billing.models import Invoice, InvoiceLine

MAX_IDS_TEXT = 20_000  # characters of a run's encoded draft ids (runs of ids compress well)
IDS_PATTERN = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.number} {customer.name}"


# -- Ids in a URL ------------------------------------------------------------------------------


def id_runs(ids) -> list[tuple[int, int]]:
    """Sorted ids as runs of consecutive ids: [3, 4, 5, 9] → [(3, 5), (9, 9)]."""
    runs: list[tuple[int, int]] = []
    for value in sorted(set(ids)):
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def encode_ids(ids) -> str:
    """Ids as runs: [3, 4, 5, 9] → "3-5,9". A billing run's drafts are made together, so their
    ids mostly run on, and the review's URL stays short however many it proposed."""
    return ",".join(str(low) if low == high else f"{low}-{high}" for low, high in id_runs(ids))


def decode_ids(text: str) -> list[int]:
    """The ids of `encode_ids`' text; ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_IDS_TEXT or not IDS_PATTERN.match(text):
        raise ValueError(text)
    ids: set[int] = set()
    for part in text.split(","):
        first, _dash, last = part.partition("-")
        low, high = int(first), int(last or first)
        if high < low:
            raise ValueError(part)
        ids.update(range(low, high + 1))
    return sorted(ids)


class IdsField(forms.CharField):
    """Invoice ids written as runs ("3-5,9"), cleaned to a sorted list of ints."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return decode_ids(super().to_python(value))
        except ValueError as exc:
            raise ValidationError(_("Not a list of invoice ids."), code="invalid") from exc


# -- The list ----------------------------------------------------------------------------------


class InvoiceFilterForm(forms.Form):
    """The list's search, filters and sort; every value lives in the URL. Customers see only
    their own posted invoices: no customer or status filter for them."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, reference or customer")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Invoice.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Invoice.Kind.choices]
    )
    customer_id = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int)
    issued_from = forms.DateField(label=_("Issued from"), required=False, widget=DateInput())
    issued_to = forms.DateField(label=_("Issued to"), required=False, widget=DateInput())
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("-issued_on", _("Latest issue date first")),
            ("issued_on", _("Earliest issue date first")),
            ("number", _("Number")),
            ("due_on", _("Due date, soonest first")),
            ("customer", _("Customer")),
            ("-gross_amount", _("Largest amount first")),
            ("status", _("Status")),
        ],
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customers is None:
            del self.fields["customer_id"]
            del self.fields["status"]
        else:
            self.fields["customer_id"].choices = [("", _("All"))] + [
                (customer.pk, customer.name) for customer in customers
            ]

    def selector_filters(self) -> dict:
        """The valid filters; an unreadable value is ignored rather than emptying the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {
            "q": data.get("q") or None,
            "status": data.get("status") or None,
            "kind": data.get("kind") or None,
            "customer_id": data.get("customer_id") or None,
            "issued_from": data.get("issued_from"),
            "issued_to": data.get("issued_to"),
            "order_by": data.get("order_by") or None,
        }
        return {key: value for key, value in filters.items() if value is not None}


# -- One invoice -------------------------------------------------------------------------------


class InvoiceCreateForm(forms.Form):
    """An empty draft for manual lines."""

    customer = CustomerChoiceField(label=_("Customer"), queryset=None)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the invoice."),
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class InvoiceLineForm(forms.Form):
    """A manual line on a draft (a charge no order or fee carries). An empty VAT rate takes the
    default rate."""

    description = forms.CharField(
        label=_("Description"), max_length=InvoiceLine._meta.get_field("description").max_length
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, initial=1)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=InvoiceLine._meta.get_field("unit").max_length,
        help_text=_("For example h, pcs or km."),
    )
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2)
    vat_rate = forms.DecimalField(
        label=_("VAT %"),
        required=False,
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
    )

    def __init__(self, *args, default_vat_rate=None, **kwargs):
        super().__init__(*args, prefix="line", **kwargs)
        if default_vat_rate is not None:
            self.fields["vat_rate"].widget.attrs["placeholder"] = str(default_vat_rate)
            self.fields["vat_rate"].help_text = _("Empty: the default rate, %(rate)s %%.") % {
                "rate": default_vat_rate
            }

    def line_fields(self) -> dict:
        return dict(self.cleaned_data)


class PostForm(forms.Form):
    issued_on = forms.DateField(label=_("Issue date"), widget=DateInput())


class CreditForm(forms.Form):
    """Credit the whole invoice ("all") or the ticked lines ("chosen"); the service refuses a
    choice of nothing and lines credited before."""

    scope = forms.ChoiceField(choices=[("all", _("All lines")), ("chosen", _("Chosen lines"))])
    line_ids = forms.TypedMultipleChoiceField(
        label=_("Lines to credit"), required=False, coerce=int
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line_ids"].choices = [(line.pk, line.description) for line in lines]

    def credited_line_ids(self) -> list[int] | None:
        """None for the whole invoice, else the ticked lines (perhaps none)."""
        if self.cleaned_data["scope"] == "all":
            return None
        return self.cleaned_data["line_ids"]


class DeleteForm(forms.Form):
    """Where to go after deleting a draft (the billing run's review, for instance)."""

    next = forms.CharField(required=False, max_length=MAX_IDS_TEXT + 200)


# -- The billing run ---------------------------------------------------------------------------


class ProposeForm(forms.Form):
    through = forms.DateField(
        label=_("Through"),
        widget=DateInput(),
        help_text=_(
            "Bills order lines posted on or before this date and subscription fees due by then."
        ),
    )
    customer = CustomerChoiceField(
        label=_("Customer"),
        queryset=None,
        required=False,
        empty_label=_("All customers"),
    )

    def __init__(self, *args, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers


class ReviewForm(forms.Form):
    """The drafts under review, from the URL: `ids` (and, once posted, `posted`) as written by
    `encode_ids`, with the date and customer they were proposed for."""

    ids = IdsField()
    posted = IdsField()
    through = forms.DateField(required=False)
    customer = forms.IntegerField(required=False)


class PostRunForm(forms.Form):
    ids = IdsField(required=True)
    issued_on = forms.DateField(label=_("Issue date"), widget=DateInput())
