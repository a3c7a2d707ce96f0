"""Page forms for service objects. They parse input only; the services decide and write."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.equipment.models import ServiceObject


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ObjectFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, serial, customer, site or town")}
        ),
    )
    warranty = forms.ChoiceField(
        label=_("Warranty"),
        required=False,
        choices=[
            ("", _("All")),
            ("active", _("Under warranty")),
            ("expired", _("Warranty expired")),
            ("none", _("No warranty")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ServiceObject.Status.choices]
    )
    group = forms.ChoiceField(label=_("Group"), required=False)
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Number")),
            ("customer", _("Customer")),
            ("serial", _("Serial number")),
            ("-installed_on", _("Newest installation first")),
            ("installed_on", _("Oldest installation first")),
            ("warranty_ends_on", _("Warranty ending first")),
        ],
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("All"))] + [
            (group.code, group.name) for group in groups
        ]

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "warranty": data.get("warranty") or None,
            "status": data.get("status") or None,
            "group": data.get("group") or None,
            "order_by": data.get("order_by") or None,
        }


class TreeDayForm(forms.Form):
    on = forms.DateField(label=_("Show the tree on"), required=False, widget=DateInput())
    component = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def _value(self, name: str):
        if self.is_bound and self.is_valid():
            return self.cleaned_data[name]
        return None

    def day(self, default: date) -> date:
        """The requested day, or `default` when none (or an unreadable one) was given."""
        return self._value("on") or default

    def focus(self) -> int | None:
        """The unit to open the tree at (after a replacement, or from a link)."""
        return self._value("component")


class ComponentReplaceForm(forms.Form):
    item = forms.ModelChoiceField(label=_("New item"), queryset=None)
    serial = forms.CharField(label=_("Serial"), required=False, max_length=60)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)
    on = forms.DateField(label=_("Replaced on"), widget=DateInput())

    def __init__(self, *args, items, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["on"].widget.attrs["max"] = today.isoformat()


class BomUpgradeForm(forms.Form):
    bom = forms.TypedChoiceField(label=_("Upgrade to version"), coerce=int)

    def __init__(self, *args, versions, current_id: int | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.versions = {bom.pk: bom for bom in versions}
        self.fields["bom"].choices = [
            (bom.pk, _("Version %(version)s (current)") % {"version": bom.version})
            if bom.pk == current_id
            else (bom.pk, _("Version %(version)s") % {"version": bom.version})
            for bom in versions
        ]
        others = [bom.pk for bom in versions if bom.pk != current_id]
        self.fields["bom"].initial = others[-1] if others else current_id
        self.offers_change = bool(others)

    def selected_bom(self):
        return self.versions[self.cleaned_data["bom"]]
