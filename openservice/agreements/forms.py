"""Page forms for agreements: the list's filters, the header with the objects and tasks it
covers, status actions and renewal (the line editor and copying lines are in `line_forms.py`).
They parse input only; the services decide and write. Choices (customers, sites, objects, tasks,
policies, calendars, technicians, users) come from the selectors through the view, so each form
offers only what the user may see."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openservice.agreements.models import ServiceAgreement
from openservice.agreements.services import TRANSITIONS

DESCRIPTION_MAX = 300


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.number} {customer.name}"


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site):
        return f"{site.name}, {site.city}" if site.city else site.name


class GroupChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, group):
        return f"{group.code} — {group.name}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class AgreementFilterForm(forms.Form):
    """The list's search, filters and sort; every value lives in the URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, description or customer")}
        ),
    )
    customer_id = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *ServiceAgreement.Status.choices],
    )
    agreement_group = forms.ChoiceField(label=_("Agreement group"), required=False)
    is_template = forms.ChoiceField(
        label=_("Templates"),
        required=False,
        choices=[
            ("", _("Agreements and templates")),
            ("false", _("Agreements only")),
            ("true", _("Templates only")),
        ],
    )
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("number", _("Oldest first")),
            ("-starts_on", _("Latest start first")),
            ("starts_on", _("Earliest start first")),
            ("customer", _("Customer")),
            ("status", _("Status")),
        ],
    )

    def __init__(self, *args, customers, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = [("", _("All"))] + [
            (customer.pk, customer.name) for customer in customers
        ]
        self.fields["agreement_group"].choices = [("", _("All"))] + [
            (group.code, group.name) for group in groups
        ]

    def selector_filters(self) -> dict:
        """The valid filters; an unreadable value is ignored rather than emptying the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {
            "q": data.get("q") or None,
            "customer_id": data.get("customer_id") or None,
            "status": data.get("status") or None,
            "agreement_group": data.get("agreement_group") or None,
            "is_template": {"true": True, "false": False}.get(data.get("is_template") or ""),
            "order_by": data.get("order_by") or None,
        }
        return {key: value for key, value in filters.items() if value is not None}


def _note_field(label) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.TextInput(attrs={"size": 24})
    )


class AgreementForm(forms.Form):
    """An agreement's header, with the objects and tasks it covers: one row per candidate (the
    customer's objects, the active tasks) with a checkbox and the two notes. A new agreement
    also takes its customer, or a template group (a template needs no customer)."""

    customer = CustomerChoiceField(label=_("Customer"), queryset=None, required=False)
    site = SiteChoiceField(label=_("Service site"), queryset=None, required=False)
    template_group = forms.ModelChoiceField(
        label=_("Template group"),
        queryset=None,
        required=False,
        empty_label=_("None: an agreement with a customer"),
        help_text=_("Choose a group to make a template: it needs no customer, never generates."),
    )
    description = forms.CharField(label=_("Description"), max_length=DESCRIPTION_MAX)
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: runs until cancelled."),
    )
    agreement_group = GroupChoiceField(
        label=_("Agreement group"),
        queryset=None,
        required=False,
        empty_label=_("The customer's group"),
    )
    sla_policy = forms.ModelChoiceField(
        label=_("SLA policy"),
        queryset=None,
        required=False,
        empty_label=_("Automatic: the customer's, the agreement group's or the default"),
    )
    calendar = forms.ModelChoiceField(
        label=_("Calendar"),
        queryset=None,
        required=False,
        empty_label=_("Company default"),
        help_text=_("The open days visits are planned on."),
    )
    preferred_technician = forms.ModelChoiceField(
        label=_("Preferred technician"), queryset=None, required=False
    )
    responsible = UserChoiceField(label=_("Responsible"), queryset=None, required=False)
    grouping = forms.ChoiceField(
        label=_("Grouping of generated orders"),
        choices=ServiceAgreement.Grouping.choices,
        initial=ServiceAgreement.Grouping.AGREEMENT,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    HEADER_FIELDS = (
        "customer",
        "site",
        "template_group",
        "description",
        "starts_on",
        "ends_on",
        "agreement_group",
        "sla_policy",
        "calendar",
        "preferred_technician",
        "responsible",
        "grouping",
        "note",
    )
    # What agreement_update takes (the customer and the template group never change).
    CHANGEABLE = (
        "site",
        "description",
        "note",
        "agreement_group",
        "sla_policy",
        "calendar",
        "preferred_technician",
        "responsible",
        "grouping",
        "starts_on",
        "ends_on",
    )

    def __init__(
        self,
        *args,
        sites,
        groups,
        policies,
        calendars,
        technicians,
        users,
        objects=(),
        tasks=(),
        customers=None,
        template_groups=None,
        agreement: ServiceAgreement | None = None,
        **kwargs,
    ):
        if agreement is not None:
            kwargs.setdefault("initial", self.initial_of(agreement))
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        if customers is None:  # editing: the customer and template group stay
            del self.fields["customer"]
            del self.fields["template_group"]
        else:
            self.fields["customer"].queryset = customers
            self.fields["template_group"].queryset = template_groups
            # Choosing the customer fetches the form again and swaps in its sites and objects.
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": reverse("agreements:create"),
                    "hx-target": "#site-field",
                    "hx-select": "#site-field",
                    "hx-select-oob": "#object-fields",
                    "hx-swap": "outerHTML",
                }
            )
        if agreement is not None and agreement.is_template:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = sites
        self.fields["agreement_group"].queryset = groups
        self.fields["sla_policy"].queryset = policies
        self.fields["calendar"].queryset = calendars
        self.fields["preferred_technician"].queryset = technicians
        self.fields["responsible"].queryset = users
        covered_objects = self.initial.get("objects", {})
        covered_tasks = self.initial.get("tasks", {})
        # The covered ones first, each part in the selector's order.
        self.objects = sorted(objects, key=lambda record: record.pk not in covered_objects)
        self.tasks = sorted(tasks, key=lambda record: record.pk not in covered_tasks)
        for prefix, records, covered in (
            ("object", self.objects, covered_objects),
            ("task", self.tasks, covered_tasks),
        ):
            for record in records:
                notes = covered.get(record.pk)
                name = f"{prefix}_{record.pk}"
                self.fields[name] = forms.BooleanField(
                    label=_("Covered"), required=False, initial=notes is not None
                )
                self.fields[f"{name}_internal"] = _note_field(_("Internal note"))
                self.fields[f"{name}_external"] = _note_field(_("Note for the customer"))
                if notes is not None:
                    self.initial[f"{name}_internal"], self.initial[f"{name}_external"] = notes

    @staticmethod
    def initial_of(agreement: ServiceAgreement) -> dict:
        """The agreement's values, and its relations as {id: (internal note, external note)}."""
        return {
            "site": agreement.site_id,
            "description": agreement.description,
            "note": agreement.note,
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
            "agreement_group": agreement.agreement_group_id,
            "sla_policy": agreement.sla_policy_id,
            "calendar": agreement.calendar_id,
            "preferred_technician": agreement.preferred_technician_id,
            "responsible": agreement.responsible_id,
            "grouping": agreement.grouping,
            "objects": {
                relation.object_id: (relation.internal_note, relation.external_note)
                for relation in agreement.object_relations.all()
            },
            "tasks": {
                relation.task_id: (relation.internal_note, relation.external_note)
                for relation in agreement.task_relations.all()
            },
        }

    def header_fields(self):
        return [self[name] for name in self.HEADER_FIELDS if name in self.fields]

    def _rows(self, prefix: str, records) -> list[tuple]:
        return [
            (
                record,
                self[f"{prefix}_{record.pk}"],
                self[f"{prefix}_{record.pk}_internal"],
                self[f"{prefix}_{record.pk}_external"],
            )
            for record in records
        ]

    def object_rows(self) -> list[tuple]:
        """(object, covered checkbox, internal note, external note) per candidate object."""
        return self._rows("object", self.objects)

    def task_rows(self) -> list[tuple]:
        return self._rows("task", self.tasks)

    def clean(self):
        data = super().clean()
        if "customer" in self.fields and not data.get("template_group"):
            if not data.get("customer") and "customer" not in self.errors:
                self.add_error("customer", _("Choose the customer, or a template group."))
            if not data.get("site") and "site" not in self.errors:
                self.add_error("site", _("Choose where the visits take place."))
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The agreement cannot end before it starts."))
        return data

    def _relations(self, prefix: str, records) -> list[tuple]:
        data = self.cleaned_data
        return [
            (record, data[f"{name}_internal"], data[f"{name}_external"])
            for record in records
            if data.get(name := f"{prefix}_{record.pk}")
        ]

    def create_fields(self) -> dict:
        """The keyword arguments of agreement_create; a template takes no customer or site."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.HEADER_FIELDS}
        if fields["template_group"] is not None:
            fields["customer"] = fields["site"] = None
        return {
            **fields,
            "objects": self._relations("object", self.objects),
            "tasks": self._relations("task", self.tasks),
        }

    def update_fields(self) -> dict:
        """The keyword arguments of agreement_update: the header, and the covered objects (for
        an agreement with a customer) and tasks."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.CHANGEABLE if name in self.fields}
        if self.agreement is not None and self.agreement.customer_id:
            fields["objects"] = self._relations("object", self.objects)
        fields["tasks"] = self._relations("task", self.tasks)
        return fields


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in TRANSITIONS])


class RenewForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Renewal starts on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: the day after this agreement ends."),
    )
    ends_on = forms.DateField(
        label=_("Renewal ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: as long as this agreement ran."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "renew-%s")
        super().__init__(*args, **kwargs)
