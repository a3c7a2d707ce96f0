"""Page forms for service orders. They parse input only; the services decide and write.

Choices (stages, customers, sites, technicians, items, reason codes) come from the selectors
through the view, so each form shows only what the user may see."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openservice.orders.models import OrderLine, ServiceOrder


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site):
        return f"{site.name}, {site.city}" if site.city else site.name


def object_label(obj) -> str:
    """'SO00001 Chiller 120 kW, CH-2018-1055' (the selector loads the item with the object)."""
    label = f"{obj.number} {obj.item.name}"
    return f"{label}, {obj.serial_number}" if obj.serial_number else label


class ObjectChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return object_label(obj)


class OrderFilterForm(forms.Form):
    """The list's search, filters and sort; every value lives in the URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, description, customer or site")}
        ),
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("All")), *ServiceOrder.Priority.choices],
    )
    customer_id = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int)
    technician_id = forms.TypedChoiceField(label=_("Technician"), required=False, coerce=int)
    service_on_from = forms.DateField(label=_("Service from"), required=False, widget=DateInput())
    service_on_to = forms.DateField(label=_("Service to"), required=False, widget=DateInput())
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("number", _("Oldest first")),
            ("service_on", _("Service date, soonest first")),
            ("-service_on", _("Service date, latest first")),
            ("-priority", _("Most urgent first")),
            ("customer", _("Customer")),
            ("stage", _("Stage")),
        ],
    )

    def __init__(self, *args, stages=(), customers=None, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("All"))] + [(s.code, s.name) for s in stages]
        # Technicians and customers see only their own orders: no customer or technician filter.
        if customers is None:
            del self.fields["customer_id"]
        else:
            self.fields["customer_id"].choices = [("", _("All"))] + [
                (c.pk, c.name) for c in customers
            ]
        if technicians is None:
            del self.fields["technician_id"]
        else:
            self.fields["technician_id"].choices = [("", _("All"))] + [
                (t.pk, t.name) for t in technicians
            ]

    def selector_filters(self) -> dict:
        """The valid filters; an unreadable value is ignored rather than emptying the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {
            "q": data.get("q") or None,
            "stage": data.get("stage") or None,
            "priority": data.get("priority") or None,
            "customer_id": data.get("customer_id") or None,
            "technician_id": data.get("technician_id") or None,
            "service_on_from": data.get("service_on_from"),
            "service_on_to": data.get("service_on_to"),
            "order_by": data.get("order_by") or None,
        }
        return {key: value for key, value in filters.items() if value is not None}


class OrderForm(forms.Form):
    """The header of a new order (with its customer) or of an existing one (with its version,
    objects and tasks)."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    site = SiteChoiceField(label=_("Site"), queryset=None)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=ServiceOrder.Priority.choices, initial="normal"
    )
    service_on = forms.DateField(label=_("Service on"), required=False, widget=DateInput())
    requested_start = forms.DateTimeField(
        label=_("Earliest start"), required=False, widget=DateTimeInput()
    )
    requested_end = forms.DateTimeField(
        label=_("Latest end"), required=False, widget=DateTimeInput()
    )
    preferred_technician = forms.ModelChoiceField(
        label=_("Preferred technician"), queryset=None, required=False
    )
    objects = ObjectChoiceField(
        label=_("Objects"),
        queryset=None,
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    tasks = forms.ModelMultipleChoiceField(
        label=_("Tasks"),
        queryset=None,
        required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    agreement = forms.ModelChoiceField(
        label=_("Agreement"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("The active service agreement the order is made under."),
    )
    sla_policy = forms.ModelChoiceField(
        label=_("SLA policy"),
        queryset=None,
        required=False,
        empty_label=_("Automatic: the agreement's, the customer's, the group's or the default"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args,
        customers=None,
        sites,
        technicians,
        tasks,
        objects=None,
        policies=None,
        agreements=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        if agreements is None:
            del self.fields["agreement"]
        else:
            self.fields["agreement"].queryset = agreements
            self.fields["agreement"].required = settings.ORDERS_REQUIRE_AGREEMENT
        if policies is None:
            del self.fields["sla_policy"]
        else:
            self.fields["sla_policy"].queryset = policies
            if customers is None:  # editing: an order measured keeps a policy (cancel its SLA)
                has_policy = bool(self.initial.get("sla_policy"))
                self.fields["sla_policy"].empty_label = None if has_policy else _("No SLA")
        if customers is None:  # editing: the customer stays
            del self.fields["customer"]
        else:
            self.fields["customer"].queryset = customers
            # Choosing the customer fetches the form again and swaps in its sites only.
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": reverse("orders:create"),
                    "hx-target": "#site-field",
                    "hx-select": "#site-field",
                    "hx-select-oob": "#agreement-field",
                    "hx-swap": "outerHTML",
                }
            )
            del self.fields["version"]
        self.fields["site"].queryset = sites
        self.fields["preferred_technician"].queryset = technicians
        self.fields["tasks"].queryset = tasks
        if objects is None:  # a new order's objects are chosen once its customer is known
            del self.fields["objects"]
        else:
            self.fields["objects"].queryset = objects

    def clean(self):
        data = super().clean()
        start, end = data.get("requested_start"), data.get("requested_end")
        if start and end and end < start:
            self.add_error("requested_end", _("The latest end must not be before the start."))
        return data


class StageChangeForm(forms.Form):
    to = forms.CharField(max_length=30)
    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=None, required=False, to_field_name="code"
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons


class CancelForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=None,
        to_field_name="code",
        error_messages={"required": _("Choose why the order is cancelled.")},
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons


class SignOffForm(forms.Form):
    signer_name = forms.CharField(
        label=_("Signer's name"),
        max_length=200,
        error_messages={"required": _("Enter the name of the person who signs.")},
        widget=forms.TextInput(attrs={"autocomplete": "name", "autocapitalize": "words"}),
    )
    confirm = forms.BooleanField(
        label=_("The customer has checked the work and accepts it."),
        error_messages={"required": _("The customer must confirm the work to sign off.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "signoff-%s")
        super().__init__(*args, **kwargs)


class LineForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrderLine.Kind.choices)
    item = forms.ModelChoiceField(label=_("Item"), queryset=None, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=Decimal("0.001"),
        max_digits=12,
        decimal_places=3,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to use the item's price."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=None, required=False)
    object = forms.ModelChoiceField(label=_("Object"), queryset=None, required=False)
    task = forms.ModelChoiceField(label=_("Task"), queryset=None, required=False)

    def __init__(self, *args, items, technicians, objects, tasks, **kwargs):
        kwargs.setdefault("auto_id", "line-%s")
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda item: f"{item.sku} {item.name}"
        self.fields["technician"].queryset = technicians
        self.fields["object"].label_from_instance = object_label
        for name, choices in (("object", objects), ("task", tasks)):
            if choices:
                self.fields[name].queryset = choices
            else:  # lines may only use the order's own objects and tasks
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if not data.get("item") and not data.get("description"):
            self.add_error("description", _("Describe the line or choose an item."))
        return data

    def line_fields(self) -> dict:
        """The service's keyword arguments: empty choices are left to its defaults."""
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


class SlaActionForm(forms.Form):
    """Stop, restart or cancel an order's SLA clock by hand, with a reason code."""

    reason = forms.ModelChoiceField(
        label=_("Reason"), queryset=None, to_field_name="code", required=False
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = reasons


class SlaMonitorFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("SLA state"),
        required=False,
        choices=[
            ("", _("Open (all)")),
            ("at_risk", _("At risk")),
            ("breached", _("Breached")),
            ("on_track", _("On track")),
            ("paused", _("Paused")),
        ],
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def selector_filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "state": data.get("state") or None,
            "team_id": data["team"].pk if data.get("team") else None,
        }


class AgreementChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, agreement):
        customer = agreement.customer.name if agreement.customer_id else ""
        return f"{agreement.number} {customer} – {agreement.description}"


class GenerateForm(forms.Form):
    """A generation run or its preview: the period, the agreements (none: every active one),
    the line kinds and whether each line continues from its last generated occurrence. The
    period's fields are named `from` and `to`, as the service's field errors name them."""

    agreements = AgreementChoiceField(
        label=_("Agreements"),
        queryset=None,
        required=False,
        help_text=_("None chosen: every active agreement. Hold Ctrl (or ⌘) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Line kinds"),
        choices=OrderLine.Kind.choices,
        initial=OrderLine.Kind.values,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of line.")},
    )
    continuous = forms.BooleanField(
        label=_("Continuous: each line from the day after its last generated occurrence"),
        required=False,
        help_text=_("Fills what earlier runs left out; the start date may then stay empty."),
    )

    def __init__(self, *args, agreements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=DateInput())
        self.fields["to"] = forms.DateField(label=_("To"), widget=DateInput())
        self.order_fields(["from", "to", "agreements", "kinds", "continuous"])
        self.fields["agreements"].queryset = agreements

    def run_arguments(self) -> dict:
        """orders_generate_from_agreements' arguments (all kinds ticked: no kind filter)."""
        data = self.cleaned_data
        kinds = set(data["kinds"])
        return {
            "date_from": data.get("from"),
            "date_to": data["to"],
            "agreements": list(data["agreements"]) or None,
            "kinds": None if kinds == set(OrderLine.Kind.values) else sorted(kinds),
            "continuous": data["continuous"],
        }
