from django import forms
from django.utils.translation import gettext_lazy as _


class TechnicianFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    team_id = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    skill = forms.ChoiceField(label=_("Skill"), required=False)
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("true", _("Active")), ("false", _("Inactive")), ("all", _("All"))],
    )

    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Name")), ("-name", _("Name, Z–A")), ("team", _("Team"))],
    )

    def __init__(self, *args, teams=(), skills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_id"].choices = [("", _("All"))] + [(t.pk, t.name) for t in teams]
        self.fields["skill"].choices = [("", _("All"))] + [(s.code, s.name) for s in skills]

    def selector_filters(self) -> dict:
        if not self.is_bound:
            return {"is_active": True}
        if not self.is_valid():
            return {"is_active": True}
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "team_id": data.get("team_id"),
            "skill": data.get("skill") or None,
            "is_active": {"true": True, "false": False, "all": None}.get(
                data.get("is_active") or "true"
            ),
            "order_by": data.get("order_by") or None,
        }
