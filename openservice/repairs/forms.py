"""Page forms for repair lines, component replacements and the repair reports. They parse
input only; the services decide and write (a code outside its area, an object the order does
not cover, a component not installed: the services refuse them, and the views put the refusal
on the form).

Choices come from the selectors through the view. The pickers that depend on another field
(the components of the chosen object, the codes of the chosen area) show only what fits the
choice and are swapped by htmx when it changes; without JavaScript the server narrows them
when the form comes back."""

from datetime import date
from decimal import Decimal

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

# One repair form per page: its fields' ids are fixed, so the htmx pickers can swap them.
AUTO_ID = "repair-%s"
CODE_FIELDS = {"symptom_area": "symptom_code", "diagnosis_area": "diagnosis_code"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def chosen_id(form: forms.Form, name: str) -> int | None:
    """The id chosen in a field: the submitted value of a bound form, else the initial one."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else form.initial.get(name)
    value = getattr(value, "pk", value)
    return int(value) if str(value or "").isdigit() else None


class _AreaCodes(ModelChoiceIterator):
    """The choices of an area's codes only (the field still accepts every code: a code of
    another area is refused by the service, with its own message)."""

    def __init__(self, field):
        super().__init__(field)
        if field.area_id is not None:
            self.queryset = self.queryset.filter(area_id=field.area_id)


class AreaCodeField(forms.ModelChoiceField):
    iterator = _AreaCodes
    area_id: int | None = None

    def show_area(self, area_id: int | None) -> None:
        self.area_id = area_id
        self.widget.choices = self.choices


def code_field(label) -> AreaCodeField:
    return AreaCodeField(label=label, queryset=None, required=False)


def component_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Component"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Optional: the unit of the object that was repaired."),
    )


def object_label(obj) -> str:
    label = f"{obj.number} {obj.item.name}"
    return f"{label}, {obj.serial_number}" if obj.serial_number else label


class RepairLineForm(forms.Form):
    """A repair line, new or changed. `codes` holds the querysets of the code lists (each the
    active codes, plus the codes a changed line already has); `components` the (id, label)
    choices of the chosen object's installed units; `urls` where the pickers fetch their
    narrowed choices."""

    object = forms.ModelChoiceField(label=_("Object"), queryset=None)
    component = component_field()
    condition = forms.ModelChoiceField(label=_("Condition"), queryset=None, required=False)
    symptom_area = forms.ModelChoiceField(label=_("Symptom area"), queryset=None, required=False)
    symptom_code = code_field(_("Symptom"))
    diagnosis_area = forms.ModelChoiceField(
        label=_("Diagnosis area"), queryset=None, required=False
    )
    diagnosis_code = code_field(_("Diagnosis"))
    resolution = forms.ModelChoiceField(label=_("Resolution"), queryset=None, required=False)
    stage = forms.ModelChoiceField(label=_("Repair stage"), queryset=None, empty_label=None)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, objects, components, codes: dict, urls: dict, **kwargs):
        kwargs.setdefault("auto_id", AUTO_ID)
        super().__init__(*args, **kwargs)
        self.fields["object"].queryset = objects
        self.fields["object"].label_from_instance = object_label
        self.fields["component"].choices = [("", _("None (the whole object)")), *components]
        for name, queryset in codes.items():
            self.fields[name].queryset = queryset
        for area, code in CODE_FIELDS.items():
            self.fields[code].show_area(chosen_id(self, area))
        # A changed choice fetches the choices that depend on it (htmx); the server checks
        # them again when the form is sent.
        self.fields["object"].widget.attrs.update(
            {
                "hx-get": urls["components"],
                "hx-target": "#repair-component-field",
                "hx-swap": "outerHTML",
                "hx-include": "this",
            }
        )
        for area, code in CODE_FIELDS.items():
            self.fields[area].widget.attrs.update(
                {
                    "hx-get": urls[code],
                    "hx-target": f"#repair-{code}-field",
                    "hx-swap": "outerHTML",
                    "hx-include": "this",
                }
            )

    def service_fields(self, component) -> dict:
        """The service's keyword arguments, with the component as a unit of the object."""
        data = dict(self.cleaned_data)
        data["component"] = component
        return data


class CodePickerForm(forms.Form):
    """One code field narrowed to an area: what the htmx picker swaps in."""

    def __init__(self, *args, name: str, label, codes, area_id: int | None, **kwargs):
        kwargs.setdefault("auto_id", AUTO_ID)
        super().__init__(*args, **kwargs)
        self.fields[name] = code_field(label)
        self.fields[name].queryset = codes
        self.fields[name].show_area(area_id)


class ComponentPickerForm(forms.Form):
    component = component_field()

    def __init__(self, *args, components, **kwargs):
        kwargs.setdefault("auto_id", AUTO_ID)
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [("", _("None (the whole object)")), *components]


class ReplaceForm(forms.Form):
    """A unit of the line's object replaced by a new one, optionally billed on the order."""

    component = forms.TypedChoiceField(label=_("Component to replace"), coerce=int)
    item = forms.ModelChoiceField(label=_("New item"), queryset=None)
    serial = forms.CharField(label=_("Serial of the new unit"), required=False, max_length=60)
    on = forms.DateField(label=_("Replaced on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    bill = forms.BooleanField(label=_("Bill the new unit on this order"), required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to bill the item's price."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args, components, items, today: date, may_bill: bool, **kwargs):
        kwargs.setdefault("auto_id", "replace-%s")
        super().__init__(*args, **kwargs)
        if not may_bill:  # billing adds an order line: for who may add them
            del self.fields["bill"], self.fields["unit_price"]
        self.fields["component"].choices = components
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda item: f"{item.sku} {item.name}"
        self.fields["on"].widget.attrs["max"] = today.isoformat()

    def clean(self):
        data = super().clean()
        if data.get("unit_price") is not None and not data.get("bill"):
            self.add_error("unit_price", _("A price is only used when the unit is billed."))
        return data


class RepairReportForm(forms.Form):
    """The filters of the repair reports; every value lives in the URL."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    q = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or serial")}),
    )
    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=None, required=False, empty_label=_("All")
    )

    def __init__(self, *args, technicians=None, fields=("date_from", "date_to"), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
        if "technician" in self.fields:
            self.fields["technician"].queryset = technicians

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end must not be before the start."))
        return data

    def filters(self) -> dict | None:
        """The selector's filters, or None when the form has errors."""
        if self.is_bound and not self.is_valid():
            return None
        data = self.cleaned_data if self.is_bound else {}
        technician = data.get("technician")
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "object_q": data.get("q") or None,
            "technician_id": technician.pk if technician else None,
        }
