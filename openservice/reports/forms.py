from django import forms
from django.utils.translation import gettext_lazy as _

GROUP_CHOICES = [
    ("customer", _("Customer")),
    ("agreement_group", _("Agreement group")),
    ("priority", _("Priority")),
    ("technician", _("Technician")),
    ("month", _("Month")),
]


class ComplianceForm(forms.Form):
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)
    date_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end must not be before the start."))
        if start and end and (end - start).days > 3660:
            self.add_error("date_from", _("The period can be at most ten years."))
        return data
