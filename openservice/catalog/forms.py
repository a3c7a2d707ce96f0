"""Page forms for the catalog. They parse input only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.catalog.models import Bom


class BomFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("SKU or name")}),
    )
    status = forms.ChoiceField(
        label=_("With a version that is"),
        required=False,
        choices=[("", _("Any status")), *Bom.Status.choices],
    )

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {
            "q": self.cleaned_data.get("q") or None,
            "status": self.cleaned_data.get("status") or None,
        }
