"""Page forms for subscriptions and plans: the list's filters, the subscription form, the
actions of one subscription (pause, resume, cancel on a day; index or change its price) and the
plan editor. They parse input only; the services decide and write. Choices (customers, plans,
agreements) come from the selectors through the view, so each form offers what the user may see.

A field the service would refuse to change (a used plan's terms, a subscription's terms once it
has fees, whatever its cancelled or ended status freezes) is shown disabled, with the reason."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openservice.subscriptions.models import (
    PeriodUnit,
    PriceChange,
    Subscription,
    SubscriptionPlan,
)
from openservice.subscriptions.services.subscriptions import TERMS_FIELDS, UPDATE_FIELDS

Status = Subscription.Status
PLAN_TERMS = ("period", "billing", "align_to_calendar", "accrue", "accrual_period")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, customer):
        return f"{customer.number} {customer.name}"


class AgreementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, agreement):
        return f"{agreement.number} {agreement.description}"


def _disable(form: forms.Form, names, reason) -> None:
    for name in names:
        if name in form.fields:
            form.fields[name].disabled = True
            form.fields[name].help_text = reason


# -- List --------------------------------------------------------------------------------------


class SubscriptionFilterForm(forms.Form):
    """The list's search, filters and sort; every value lives in the URL."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, description or customer")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Status.choices]
    )
    plan_id = forms.TypedChoiceField(label=_("Plan"), required=False, coerce=int)
    customer_id = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int)
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("number", _("Oldest first")),
            ("customer", _("Customer")),
            ("starts_on", _("Earliest start first")),
            ("ends_on", _("Earliest end first")),
            ("base_price", _("Lowest base price first")),
            ("status", _("Status")),
        ],
    )

    def __init__(self, *args, plans, customers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan_id"].choices = [("", _("All"))] + [(p.pk, p.name) for p in plans]
        self.fields["customer_id"].choices = [("", _("All"))] + [(c.pk, c.name) for c in customers]

    def selector_filters(self) -> dict:
        """The valid filters; an unreadable value is ignored rather than emptying the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        filters = {name: data.get(name) or None for name in self.fields}
        return {key: value for key, value in filters.items() if value is not None}


# -- Subscription ------------------------------------------------------------------------------


class SubscriptionForm(forms.Form):
    """A new subscription, or the changeable fields of one. The agreement offered is one of the
    customer's: choosing the customer fetches the form again and swaps in its agreements."""

    CHANGEABLE = UPDATE_FIELDS + TERMS_FIELDS  # what subscription_update takes

    customer = CustomerChoiceField(label=_("Customer"), queryset=None)
    plan = forms.ModelChoiceField(label=_("Plan"), queryset=None)
    description = forms.CharField(label=_("Description"), max_length=300)
    base_price = forms.DecimalField(
        label=_("Base price"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The fee of a full period at index 100."),
    )
    index = forms.DecimalField(
        label=_("Index"),
        max_digits=10,
        decimal_places=4,
        initial=100,
        help_text=_("100 = no indexation; the fee is base price × index / 100."),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
        help_text=_("Empty: the customer's currency."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=DateInput(),
        help_text=_("The last billed day; empty: runs until cancelled."),
    )
    agreement = AgreementChoiceField(
        label=_("Agreement"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("Optional: the customer's service agreement this fee belongs to."),
    )

    def __init__(
        self,
        *args,
        plans,
        agreements,
        customers=None,
        subscription: Subscription | None = None,
        has_fees: bool = False,
        **kwargs,
    ):
        if subscription is not None:
            kwargs.setdefault("initial", self.initial_of(subscription))
        super().__init__(*args, **kwargs)
        self.subscription = subscription
        self.fields["plan"].queryset = plans
        self.fields["agreement"].queryset = agreements
        if subscription is None:
            self.fields["customer"].queryset = customers
            self.fields["customer"].widget.attrs.update(
                {
                    "hx-get": reverse("subscriptions:create"),
                    "hx-target": "#agreement-field",
                    "hx-select": "#agreement-field",
                    "hx-swap": "outerHTML",
                }
            )
            return
        del self.fields["customer"]
        self.fields["currency"].required = True
        self.fields["currency"].help_text = ""
        if subscription.status == Status.CANCELLED:
            frozen = [name for name in self.CHANGEABLE if name != "description"]
            _disable(self, frozen, _("A cancelled subscription keeps its terms."))
        elif subscription.status == Status.ENDED:
            frozen = [name for name in self.CHANGEABLE if name not in ("description", "ends_on")]
            _disable(self, frozen, _("An ended subscription changes only its end."))
        elif has_fees:
            _disable(
                self,
                TERMS_FIELDS,
                _("Fees were made with it: change the price by indexation on the page."),
            )

    @staticmethod
    def initial_of(subscription: Subscription) -> dict:
        return {
            "plan": subscription.plan_id,
            "description": subscription.description,
            "base_price": subscription.base_price,
            "index": subscription.index,
            "currency": subscription.currency,
            "starts_on": subscription.starts_on,
            "ends_on": subscription.ends_on,
            "agreement": subscription.agreement_id,
        }

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def create_fields(self) -> dict:
        """The keyword arguments of subscription_create."""
        data = {name: self.cleaned_data[name] for name in self.fields}
        data["currency"] = data["currency"] or None
        return data

    def update_fields(self) -> dict:
        """The keyword arguments of subscription_update: the fields not frozen."""
        return {
            name: self.cleaned_data[name]
            for name in self.CHANGEABLE
            if name in self.fields and not self.fields[name].disabled
        }


class DayForm(forms.Form):
    """Pause, resume or cancel on a day; `auto_id` keeps the page's forms apart."""

    on = forms.DateField(label=_("On"), widget=DateInput())

    LABELS = {
        "pause": (_("Paused from"), _("The first day that bills nothing.")),
        "resume": (_("Bills again from"), _("The first day that bills again.")),
        "cancel": (
            _("Last billed day"),
            _("Open fees after it go; the one that contains it is prorated."),
        ),
    }

    def __init__(self, *args, action: str, **kwargs):
        kwargs.setdefault("auto_id", f"{action}-%s")
        super().__init__(*args, **kwargs)
        label, help_text = self.LABELS[action]
        self.fields["on"].label = label
        self.fields["on"].help_text = help_text


class PriceChangeForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=PriceChange.Method.choices)
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=14,
        decimal_places=4,
        help_text=_("A percentage (5 raises by 5 %, −2 lowers), or the new index or price."),
    )
    effective_on = forms.DateField(
        label=_("Effective on"),
        widget=DateInput(),
        help_text=_("Fees of periods starting on or after it use the new price."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "index-%s")
        super().__init__(*args, **kwargs)


# -- Plans -------------------------------------------------------------------------------------


class PlanFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name")}),
    )
    is_active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
    )
    order_by = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Name")), ("-subscription_count", _("Most subscriptions first"))],
    )

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": data.get("q") or "",
            "is_active": {"true": True, "false": False}.get(data.get("is_active") or ""),
            "order_by": data.get("order_by") or "",
        }


class PlanForm(forms.Form):
    """A plan's name and billing terms; the accrual period counts only when the plan accrues
    (the page disables it otherwise, and an unticked "accrue" clears it)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    period = forms.ChoiceField(label=_("Invoicing period"), choices=PeriodUnit.choices)
    billing = forms.ChoiceField(
        label=_("Billing"),
        choices=SubscriptionPlan.Billing.choices,
        initial=SubscriptionPlan.Billing.ADVANCE,
    )
    align_to_calendar = forms.BooleanField(
        label=_("Align to the calendar"),
        required=False,
        help_text=_(
            "Bill by calendar weeks, months, quarters or years; the first period is then partial."
        ),
    )
    accrue = forms.BooleanField(
        label=_("Accrue revenue"),
        required=False,
        widget=forms.CheckboxInput(
            attrs={"onchange": "this.form.elements.accrual_period.disabled = !this.checked"}
        ),
    )
    accrual_period = forms.ChoiceField(
        label=_("Accrual period"),
        required=False,
        choices=[("", "—"), *PeriodUnit.choices],
        help_text=_("Invoiced fees are recognised per this period; not longer than invoicing."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Only active plans are offered for new subscriptions."),
    )

    def __init__(self, *args, plan: SubscriptionPlan | None = None, **kwargs):
        if plan is not None:
            kwargs.setdefault(
                "initial", {name: getattr(plan, name) for name in ("name", *PLAN_TERMS)}
            )
            kwargs["initial"]["is_active"] = plan.is_active
        super().__init__(*args, **kwargs)
        self.plan = plan
        if plan is None:
            del self.fields["is_active"]  # a new plan is active
        elif getattr(plan, "subscription_count", 0):
            _disable(self, PLAN_TERMS, _("Subscriptions use this plan: its terms stay."))
        accrues = self["accrue"].value() if self.is_bound else self.initial.get("accrue")
        if not accrues or self.fields["accrue"].disabled:
            self.fields["accrual_period"].widget.attrs["disabled"] = True

    def clean(self):
        data = super().clean()
        if not data.get("accrue"):
            data["accrual_period"] = ""
        return data

    def plan_fields(self) -> dict:
        """The keyword arguments of plan_create / plan_update: the fields not frozen."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not self.fields[name].disabled
        }
