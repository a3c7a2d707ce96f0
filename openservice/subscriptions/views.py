"""Subscription pages: the list with search and filters, one subscription (its terms in words,
the actions its status allows, the fee schedule, the price history, the pauses and the accrual
of its invoiced fees), the subscription form, and the plan list and editor. Views parse, call
the selectors and services, and render; an action posts, then redirects back with its outcome as
a message, or shows its form again with the refusal on it (in place, through htmx, or as the
whole page without JavaScript).

Managers do everything; administrators read (the `view` permissions), other roles get 403.

The accrual table is billing's (it owns the entries): the page loads it with htmx from
`subscription_billing:accruals`, as the agreement page loads the orders app's partials."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from openservice.agreements.selectors import agreement_list
from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.customers.selectors import customer_list
from openservice.subscriptions import display, selectors, services
from openservice.subscriptions.forms import (
    DayForm,
    PlanFilterForm,
    PlanForm,
    PriceChangeForm,
    SubscriptionFilterForm,
    SubscriptionForm,
)
from openservice.subscriptions.models import Subscription, SubscriptionPlan

VIEW = "subscriptions.view_subscription"
CHANGE = "subscriptions.change_subscription"
# Refusals that concern one field go next to it rather than on top of the form.
ERROR_FIELDS = {
    "subscriptions.customer_mismatch": "agreement",
    "subscriptions.customer_inactive": "customer",
    "subscriptions.change_before_last": "effective_on",
}


def _saved(form, action):
    """Run the service behind a valid form; a refusal goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action()
    except DomainError as error:
        target = ERROR_FIELDS.get(error.code)
        if target in form.fields:
            form.add_error(target, error.message)
        else:
            add_domain_error(form, error)
        return None


# -- List --------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def subscription_list(request: HttpRequest):
    user = request.user
    filters = SubscriptionFilterForm(
        request.GET or None,
        plans=selectors.plan_list(user=user),
        # Only customers that have subscriptions: the filter stays short.
        customers=customer_list(user=user).filter(
            pk__in=selectors.subscription_list(user=user).values("customer_id")
        ),
    )
    subscriptions = selectors.subscription_list(user=user, **filters.selector_filters())
    context = {"filters": filters, **page_of(request, subscriptions)}
    context["rows"] = display.subscription_rows(context["page_obj"].object_list)
    template = (
        "subscriptions/_subscription_rows.html" if request.htmx else "subscriptions/list.html"
    )
    return render(request, template, context)


# -- One subscription --------------------------------------------------------------------------


def _action_form(action: str, data=None):
    """The empty (today as its day) or posted form of an action."""
    today = timezone.localdate()
    if action == "index":
        return PriceChangeForm(data, initial={"effective_on": today})
    return DayForm(data, action=action, initial={"on": today})


ACTION_TEXTS = {
    # summary button, what it does, submit button, whether it is a warning
    "pause": (
        gettext_lazy("Pause…"),
        gettext_lazy("Paused days bill nothing; open fees from that day are recomputed."),
        gettext_lazy("Pause"),
        False,
    ),
    "resume": (
        gettext_lazy("Resume…"),
        gettext_lazy("Bills again from that day; a resume on the pause's first day undoes it."),
        gettext_lazy("Resume"),
        False,
    ),
    "cancel": (
        gettext_lazy("Cancel subscription…"),
        gettext_lazy(
            "The subscription ends with that day. Invoiced fees stay as they are (credit them "
            "if needed)."
        ),
        gettext_lazy("Cancel subscription"),
        True,
    ),
    "index": (
        gettext_lazy("Index or change price…"),
        gettext_lazy("Invoiced fees never change; open fees from the effective date do."),
        gettext_lazy("Save price change"),
        False,
    ),
}
ACTION_DONE = {
    "pause": gettext_lazy("Subscription %(number)s paused from %(day)s."),
    "resume": gettext_lazy("Subscription %(number)s bills again from %(day)s."),
    "cancel": gettext_lazy("Subscription %(number)s cancelled: %(day)s is its last billed day."),
    "index": gettext_lazy("Price of %(number)s changed from %(day)s."),
}
SERVICES = {
    "pause": services.subscription_pause,
    "resume": services.subscription_resume,
    "cancel": services.subscription_cancel,
    "index": services.subscription_change_price,
}


def _prompt(subscription: Subscription, action: str, form) -> dict:
    label, help_text, submit, danger = ACTION_TEXTS[action]
    return {
        "subscription": subscription,
        "action": action,
        "form": form,
        "label": label,
        "help": help_text,
        "submit": submit,
        "danger": danger,
        "url": reverse(f"subscriptions:{action}", args=[subscription.pk]),
    }


def _detail(request, subscription: Subscription, *, failed: tuple[str, object] | None = None):
    """The subscription page; an action form that came back with errors replaces its empty
    twin (and is shown even when the status no longer offers it, with the refusal on it)."""
    user = request.user
    plan = subscription.plan
    fees = list(selectors.fee_list(subscription))
    prompts = []
    if user.has_perm(CHANGE):
        actions = list(display.status_actions(subscription))
        if failed is not None and failed[0] not in actions:
            actions.append(failed[0])
        for action in actions:
            form = failed[1] if failed and failed[0] == action else _action_form(action)
            prompts.append(_prompt(subscription, action, form))
    currency = subscription.currency
    context = {
        "subscription": subscription,
        "terms": display.describe_terms(plan),
        "accrual": display.describe_accrual(plan),
        "base_price": display.money(subscription.base_price, currency),
        "index": display.number(subscription.index),
        "full_fee": display.full_fee(subscription.base_price, subscription.index, currency),
        "fees": display.fee_rows(fees),
        "changes": display.change_rows(subscription.price_changes.all(), currency),
        "pauses": subscription.pauses.all(),
        "prompts": prompts,
        "can_edit": user.has_perm(CHANGE),
    }
    return render(request, "subscriptions/detail.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def subscription_detail(request: HttpRequest, pk: int):
    return _detail(request, selectors.subscription_get(user=request.user, subscription_id=pk))


def _act(request: HttpRequest, pk: int, action: str):
    subscription = selectors.subscription_get(user=request.user, subscription_id=pk)
    form = _action_form(action, request.POST)
    done = _saved(
        form,
        lambda: SERVICES[action](subscription=subscription, by=request.user, **form.cleaned_data),
    )
    if done is None:
        if request.htmx:
            return render(
                request,
                "subscriptions/_action_form.html",
                _prompt(subscription, action, form),
            )
        return _detail(request, subscription, failed=(action, form))
    day = form.cleaned_data.get("on") or form.cleaned_data.get("effective_on")
    messages.success(
        request,
        str(ACTION_DONE[action]) % {"number": subscription.number, "day": display.date_text(day)},
    )
    url = reverse("subscriptions:detail", args=[subscription.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_pause(request: HttpRequest, pk: int):
    return _act(request, pk, "pause")


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_resume(request: HttpRequest, pk: int):
    return _act(request, pk, "resume")


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_cancel(request: HttpRequest, pk: int):
    return _act(request, pk, "cancel")


@require_POST
@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_index(request: HttpRequest, pk: int):
    return _act(request, pk, "index")


# -- Subscription form -------------------------------------------------------------------------


def _agreements(user, customer_id):
    """The customer's agreements (never templates)."""
    if not customer_id:
        return agreement_list(user=user).none()
    return agreement_list(user=user, customer_id=customer_id, is_template=False).prefetch_related(
        None
    )


def _plans(user, current_id=None):
    """The active plans, and the subscription's own even when it is inactive."""
    return selectors.plan_list(user=user).filter(Q(is_active=True) | Q(pk=current_id))


def _form_page(request, form, *, title, subscription=None):
    return render(
        request,
        "subscriptions/form.html",
        {"form": form, "subscription": subscription, "title": title},
    )


@login_required
@permission_required("subscriptions.add_subscription", raise_exception=True)
def subscription_create(request: HttpRequest):
    """A new active subscription; its fees come from the next fee generation. Choosing the
    customer offers its agreements (htmx swaps them in)."""
    user = request.user
    data = request.POST if request.method == "POST" else None
    source = data if data is not None else request.GET
    customer_id = source.get("customer", "")
    customer_id = int(customer_id) if customer_id.isdigit() else None
    form = SubscriptionForm(
        data,
        customers=customer_list(user=user, is_active=True),
        plans=_plans(user),
        agreements=_agreements(user, customer_id),
        initial={"customer": customer_id} if customer_id else None,
    )
    if request.method == "POST":
        subscription = _saved(
            form, lambda: services.subscription_create(by=user, **form.create_fields())
        )
        if subscription is not None:
            messages.success(
                request,
                _("Subscription %s created: its fees come with the next fee generation.")
                % subscription.number,
            )
            return redirect("subscriptions:detail", subscription.pk)
    return _form_page(request, form, title=_("New subscription"))


@login_required
@permission_required(CHANGE, raise_exception=True)
def subscription_edit(request: HttpRequest, pk: int):
    user = request.user
    subscription = selectors.subscription_get(user=user, subscription_id=pk)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        subscription=subscription,
        has_fees=selectors.fee_list(subscription).exists(),
        plans=_plans(user, subscription.plan_id),
        agreements=_agreements(user, subscription.customer_id),
    )
    if request.method == "POST":
        saved = _saved(
            form,
            lambda: services.subscription_update(
                subscription=subscription, by=user, **form.update_fields()
            ),
        )
        if saved is not None:
            messages.success(request, _("Subscription %s saved.") % saved.number)
            return redirect("subscriptions:detail", subscription.pk)
    return _form_page(
        request, form, title=_("Change %s") % subscription.number, subscription=subscription
    )


# -- Plans -------------------------------------------------------------------------------------


@login_required
@permission_required("subscriptions.view_subscriptionplan", raise_exception=True)
def plan_list(request: HttpRequest):
    filters = PlanFilterForm(request.GET or None)
    wanted = filters.values()
    plans = selectors.plan_list(user=request.user, is_active=wanted["is_active"])
    if wanted["q"]:
        plans = plans.filter(name__icontains=wanted["q"])
    if wanted["order_by"]:
        plans = plans.order_by(wanted["order_by"], "name")
    context = {"filters": filters, **page_of(request, plans)}
    context["rows"] = [
        (plan, display.describe_terms(plan), display.describe_accrual(plan))
        for plan in context["page_obj"].object_list
    ]
    template = "subscriptions/_plan_rows.html" if request.htmx else "subscriptions/plan_list.html"
    return render(request, template, context)


def _plan_page(request, form, *, title, plan=None):
    return render(
        request, "subscriptions/plan_form.html", {"form": form, "plan": plan, "title": title}
    )


@login_required
@permission_required("subscriptions.add_subscriptionplan", raise_exception=True)
def plan_create(request: HttpRequest):
    form = PlanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        plan = _saved(form, lambda: services.plan_create(by=request.user, **form.plan_fields()))
        if plan is not None:
            messages.success(request, _("Plan %s created.") % plan.name)
            return redirect("subscriptions:plan_list")
    return _plan_page(request, form, title=_("New plan"))


@login_required
@permission_required("subscriptions.change_subscriptionplan", raise_exception=True)
def plan_edit(request: HttpRequest, pk: int):
    plan = selectors.plan_get(user=request.user, plan_id=pk)
    form = PlanForm(request.POST if request.method == "POST" else None, plan=plan)
    if request.method == "POST":
        saved = _saved(
            form, lambda: services.plan_update(plan=plan, by=request.user, **form.plan_fields())
        )
        if saved is not None:
            messages.success(request, _("Plan %s saved.") % saved.name)
            return redirect("subscriptions:plan_list")
    return _plan_page(request, form, title=_("Change plan %s") % plan.name, plan=plan)


@require_POST
@login_required
@permission_required("subscriptions.delete_subscriptionplan", raise_exception=True)
def plan_delete(request: HttpRequest, pk: int):
    plan: SubscriptionPlan = selectors.plan_get(user=request.user, plan_id=pk)
    try:
        services.plan_delete(plan=plan, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("subscriptions:plan_edit", plan.pk)
    messages.success(request, _("Plan %s deleted.") % plan.name)
    return redirect("subscriptions:plan_list")
