"""Page forms for SLA policies and their assignments. They parse input only; the services decide
and write. Choices (calendars, customers, agreement groups) come from the selectors through the
view, so each form offers only what the user may see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from openservice.core.choices import Priority
from openservice.sla.models import MAX_TARGET_MINUTES

# Most urgent first, as the policy pages list them.
PRIORITY_ORDER = (Priority.CRITICAL, Priority.HIGH, Priority.NORMAL, Priority.LOW)


class PolicyFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or description")}),
    )
    is_active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
    )

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "is_active": {"true": True, "false": False}.get(data.get("is_active") or ""),
        }


class CalendarChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, calendar):
        return f"{calendar.name} ({calendar.timezone})"


def _minutes_field(label) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MAX_TARGET_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )


class PolicyForm(forms.Form):
    """A policy's header and its targets: one row per priority (response and resolution in
    business minutes); a row left empty sets no target for that priority."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    calendar = CalendarChoiceField(
        label=_("Calendar"),
        queryset=None,
        required=False,
        empty_label=_("Company default"),
        help_text=_("The business hours the targets count in."),
    )
    warning_percent = forms.IntegerField(
        label=_("Warning at % used"),
        min_value=1,
        max_value=99,
        initial=75,
        help_text=_("An order is at risk once this share of a target is used."),
    )
    is_default = forms.BooleanField(
        label=_("Default policy"),
        required=False,
        help_text=_("Orders with no more specific policy take this one."),
    )

    HEADER_FIELDS = ("name", "description", "calendar", "warning_percent", "is_default")

    def __init__(self, *args, calendars, policy=None, **kwargs):
        if policy is not None:
            kwargs.setdefault("initial", self.initial_of(policy))
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = calendars
        for priority in PRIORITY_ORDER:
            self.fields[f"{priority}_response"] = _minutes_field(
                _("%(priority)s: response (business minutes)") % {"priority": priority.label}
            )
            self.fields[f"{priority}_resolution"] = _minutes_field(
                _("%(priority)s: resolution (business minutes)") % {"priority": priority.label}
            )

    @staticmethod
    def initial_of(policy) -> dict:
        initial = {
            "name": policy.name,
            "description": policy.description,
            "calendar": policy.calendar_id,
            "warning_percent": policy.warning_percent,
            "is_default": policy.is_default,
        }
        for target in policy.targets.all():
            initial[f"{target.priority}_response"] = target.response_minutes
            initial[f"{target.priority}_resolution"] = target.resolution_minutes
        return initial

    def header_fields(self):
        return [self[name] for name in self.HEADER_FIELDS]

    def target_rows(self):
        """(priority, [response field, resolution field]) in the order of the targets table."""
        return [
            (priority, [self[f"{priority}_response"], self[f"{priority}_resolution"]])
            for priority in PRIORITY_ORDER
        ]

    def clean(self):
        data = super().clean()
        rows = 0
        for priority in PRIORITY_ORDER:
            response_field, resolution_field = f"{priority}_response", f"{priority}_resolution"
            if response_field in self.errors or resolution_field in self.errors:
                rows += 1  # already wrong: no second message about the row
                continue
            response, resolution = data.get(response_field), data.get(resolution_field)
            if response is None and resolution is None:
                continue
            rows += 1
            if response is None:
                self.add_error(response_field, _("Give the response too, or leave both empty."))
            elif resolution is None:
                self.add_error(resolution_field, _("Give the resolution too, or leave both empty."))
            elif resolution < response:
                self.add_error(resolution_field, _("Resolution cannot be due before the response."))
        if rows == 0:
            raise forms.ValidationError(_("Set the targets of at least one priority."))
        return data

    def policy_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **{name: data[name] for name in self.HEADER_FIELDS},
            "targets": [
                {
                    "priority": priority.value,
                    "response_minutes": data[f"{priority}_response"],
                    "resolution_minutes": data[f"{priority}_resolution"],
                }
                for priority in PRIORITY_ORDER
                if data.get(f"{priority}_response") is not None
            ],
        }


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.number} {customer.name}"


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return f"{group.code} — {group.name}"


class AssignmentForm(forms.Form):
    """Assign the policy to one customer or to one agreement group."""

    customer = CustomerChoiceField(
        label=_("Customer"), queryset=None, required=False, empty_label="—"
    )
    agreement_group = GroupChoiceField(
        label=_("or agreement group"), queryset=None, required=False, empty_label="—"
    )

    def __init__(self, *args, customers, groups, **kwargs):
        super().__init__(*args, auto_id="assign-%s", **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["agreement_group"].queryset = groups

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        customer, group = data.get("customer"), data.get("agreement_group")
        if customer is None and group is None:
            raise forms.ValidationError(_("Choose a customer or an agreement group."))
        if customer is not None and group is not None:
            raise forms.ValidationError(_("Choose a customer or an agreement group, not both."))
        return data
