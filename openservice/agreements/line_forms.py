"""Page forms for an agreement's lines: the line editor and copying lines from a template or
another agreement. They parse input only; the services decide and write. Choices (items, tasks,
objects, technicians, the source's lines) come from the selectors through the view."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.agreements.forms import DESCRIPTION_MAX, DateInput
from openservice.agreements.models import AgreementLine


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def plain_decimal(value: Decimal) -> Decimal:
    """2.500 as 2.5 and 10.000 as 10 (never 1E+1) for an input's value."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def object_label(obj) -> str:
    """'SO00001 Chiller 120 kW, CH-2018-1055' (the selector loads the item with the object)."""
    label = f"{obj.number} {obj.item.name}"
    return f"{label}, {obj.serial_number}" if obj.serial_number else label


class LineForm(forms.Form):
    """Every field of an agreement line. A new line's empty start is the agreement's start;
    days before and after only count for a window in days."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementLine.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        help_text=_("Empty: the item's or the task's name."),
    )
    task = forms.ModelChoiceField(label=_("Task"), queryset=None, required=False)
    object = forms.ModelChoiceField(
        label=_("Object"),
        queryset=None,
        required=False,
        help_text=_("One of the objects the agreement covers."),
    )
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=None, required=False)
    item = forms.ModelChoiceField(label=_("Item"), queryset=None, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        initial=Decimal("1"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=10, required=False, help_text=_("Empty: the item's unit.")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the item's sales price when the order is generated."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    is_billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    interval_unit = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=AgreementLine.IntervalUnit.choices,
        initial=AgreementLine.IntervalUnit.MONTH,
    )
    interval_every = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=1000,
        initial=1,
        help_text=_("2 with weeks: every other week."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    window = forms.ChoiceField(
        label=_("Time window"),
        choices=AgreementLine.Window.choices,
        initial=AgreementLine.Window.EXACT,
        help_text=_("How far a visit may move so that lines share it or avoid a closed day."),
    )
    window_days_before = forms.IntegerField(
        label=_("Days before"),
        min_value=0,
        max_value=366,
        initial=0,
        help_text=_("Only for a window in days."),
    )
    window_days_after = forms.IntegerField(
        label=_("Days after"),
        min_value=0,
        max_value=366,
        initial=0,
        help_text=_("Only for a window in days."),
    )
    starts_on = forms.DateField(
        label=_("Period starts on"),
        required=False,
        widget=DateInput(),
        help_text=_("The first occurrence. Empty: the agreement's start."),
    )
    ends_on = forms.DateField(
        label=_("Period ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: until the agreement ends."),
    )
    earliest_time = forms.TimeField(label=_("Earliest start"), required=False, widget=TimeInput())
    latest_time = forms.TimeField(label=_("Latest end"), required=False, widget=TimeInput())
    is_stopped = forms.BooleanField(
        label=_("Stopped"), required=False, help_text=_("A stopped line generates nothing.")
    )

    RELATIONS = ("task", "object", "technician", "item")
    FIELD_GROUPS = (
        (_("What"), ("kind", "description", "item", "task", "object", "technician")),
        (_("Amount"), ("quantity", "unit", "unit_price", "is_billable")),
        (
            _("Recurrence"),
            (
                "interval_unit",
                "interval_every",
                "window",
                "window_days_before",
                "window_days_after",
            ),
        ),
        (
            _("Period and time of day"),
            ("starts_on", "ends_on", "earliest_time", "latest_time", "is_stopped"),
        ),
    )

    def __init__(self, *args, items, tasks, objects, technicians, line=None, **kwargs):
        if line is not None:
            initial = {
                name: getattr(line, f"{name}_id" if name in self.RELATIONS else name)
                for name in self.base_fields
            }
            initial["quantity"] = plain_decimal(line.quantity)
            kwargs.setdefault("initial", initial)
        kwargs.setdefault("auto_id", "line-%s")
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda item: f"{item.sku} {item.name}"
        self.fields["task"].queryset = tasks
        self.fields["object"].queryset = objects
        self.fields["object"].label_from_instance = object_label
        self.fields["technician"].queryset = technicians
        if line is not None:  # a line keeps a start; a new one may take the agreement's
            self.fields["starts_on"].required = True
            self.fields["starts_on"].help_text = _("The first occurrence.")

    def field_groups(self) -> list[tuple[str, list]]:
        """The form's fields under their fieldset legends."""
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELD_GROUPS]

    def clean(self):
        data = super().clean()
        if data.get("window") != AgreementLine.Window.DAYS:
            data["window_days_before"] = data["window_days_after"] = 0
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The line cannot end before it starts."))
        earliest, latest = data.get("earliest_time"), data.get("latest_time")
        if earliest and latest and latest <= earliest:
            self.add_error("latest_time", _("The latest end must be after the earliest start."))
        return data

    def create_fields(self) -> dict:
        """agreement_line_create's arguments: empty values are left to its defaults (the item's
        or task's name and unit, the agreement's start)."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}

    def update_fields(self) -> dict:
        """agreement_line_update's arguments: every field, so a value can be cleared."""
        return dict(self.cleaned_data)


class CopyLinesForm(forms.Form):
    """The lines of the source (a template or another agreement) to copy: all are ticked."""

    line_ids = forms.TypedMultipleChoiceField(
        label=_("Lines to copy"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one line to copy.")},
    )

    def __init__(self, *args, lines, **kwargs):
        kwargs.setdefault("initial", {"line_ids": [line.pk for line in lines]})
        super().__init__(*args, **kwargs)
        self.fields["line_ids"].choices = [(line.pk, str(line.pk)) for line in lines]
