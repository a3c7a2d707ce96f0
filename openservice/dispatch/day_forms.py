"""Forms of the technician's day: which day (and, for planners, whose), the status step, and
the short forms that record hours, parts and expenses on an appointment's order.

Each recording form is one kind of order line with only the fields a technician fills in on a
phone; `line_fields()` gives `order_line_add` its keyword arguments. Field ids carry the
appointment's id, so a card's forms stay apart from every other card's on the page."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.dispatch.models import Appointment
from openservice.orders.models import OrderLine

DECIMAL_INPUT = {"inputmode": "decimal", "autocomplete": "off"}


class DayFilterForm(forms.Form):
    """`?date=YYYY-MM-DD&technician=<id>&open=<appointment id>`; an unreadable value is
    ignored (today, one's own day, the card the page chooses)."""

    date = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    technician = forms.IntegerField(required=False, min_value=1)
    open = forms.IntegerField(required=False, min_value=1)

    def value(self, name: str):
        """The field's value, or None when it is missing or unreadable (the others still
        count: Django keeps every valid field in `cleaned_data`)."""
        self.is_valid()
        return self.cleaned_data.get(name)


class StatusForm(forms.Form):
    """The next step an appointment's status button asks for (the service checks the path)."""

    to = forms.ChoiceField(choices=Appointment.Status.choices)


def _auto_id(appointment: Appointment, kind: str) -> str:
    return f"day-{appointment.pk}-{kind}-%s"


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, item):
        return f"{item.sku} {item.name}"


class _LineForm(forms.Form):
    kind = ""  # the order line's kind this form records

    def __init__(self, *args, appointment: Appointment, **kwargs):
        kwargs.setdefault("auto_id", _auto_id(appointment, self.kind))
        super().__init__(*args, **kwargs)
        self.appointment = appointment

    def line_fields(self) -> dict:
        """`order_line_add`'s keyword arguments: empty values are left to its defaults."""
        fields = {"kind": self.kind, **self.cleaned_data}
        return {key: value for key, value in fields.items() if value not in (None, "")}


class HoursForm(_LineForm):
    """Hours worked: how many, at which rate (an hourly service item), what was done."""

    kind = OrderLine.Kind.HOUR

    quantity = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", **DECIMAL_INPUT}),
    )
    item = ItemChoiceField(label=_("Rate"), queryset=None, empty_label=None)
    description = forms.CharField(
        label=_("What was done"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, rates, **kwargs):
        super().__init__(*args, **kwargs)
        first = rates.first()
        if first is None:  # no hourly rates in the catalog: the hours are described instead
            del self.fields["item"]
            self.fields["description"].required = True
        else:
            self.fields["item"].queryset = rates
            self.fields["item"].initial = first.pk


class PartForm(_LineForm):
    """A part or product used: picked from the catalog (the list filters as you type)."""

    kind = OrderLine.Kind.ITEM

    item = ItemChoiceField(
        label=_("Part"),
        queryset=None,
        empty_label=_("Choose a part"),
        error_messages={"required": _("Choose the part that was used.")},
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        initial=1,
        widget=forms.NumberInput(attrs={"step": "any", **DECIMAL_INPUT}),
    )

    def __init__(self, *args, parts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = parts


class ExpenseForm(_LineForm):
    """An expense paid on the job (parking, a ferry, a bought part): what and how much."""

    kind = OrderLine.Kind.EXPENSE

    description = forms.CharField(
        label=_("What for"),
        max_length=300,
        error_messages={"required": _("Say what the expense was for.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    unit_price = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        error_messages={"required": _("Enter the amount.")},
        widget=forms.NumberInput(attrs={"step": "0.01", **DECIMAL_INPUT}),
    )

    def line_fields(self) -> dict:
        return {**super().line_fields(), "quantity": Decimal("1")}


LINE_FORMS = {form.kind.value: form for form in (HoursForm, PartForm, ExpenseForm)}
