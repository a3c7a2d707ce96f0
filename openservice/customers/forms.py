"""Page forms. They parse input only; the services decide and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.customers.models import AgreementGroup, Contact, Customer, Site


class CustomerForm(forms.ModelForm):
    number = forms.CharField(
        label=_("Number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to take the next number."),
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "number",
            "vat_id",
            "agreement_group",
            "currency",
            "email",
            "phone",
            "billing_address",
            "note",
        ]
        widgets = {
            "billing_address": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement_group"].queryset = AgreementGroup.objects.filter(is_active=True)
        if self.instance.pk:
            del self.fields["number"]


class SiteForm(forms.ModelForm):
    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "postcode",
            "city",
            "country",
            "latitude",
            "longitude",
            "timezone",
            "access_notes",
        ]
        widgets = {"access_notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone"]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    agreement_group = forms.ChoiceField(label=_("Agreement group"), required=False)
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
    )
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Name")),
            ("-name", _("Name, Z–A")),
            ("number", _("Number")),
            ("-created", _("Newest first")),
        ],
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreement_group"].choices = [("", _("All"))] + [
            (group.code, group.code) for group in groups
        ]

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        active = {"true": True, "false": False}.get(data.get("is_active") or "")
        return {
            "q": data.get("q") or None,
            "agreement_group": data.get("agreement_group") or None,
            "is_active": active,
            "order_by": data.get("order_by") or None,
        }
