"""Customer pages: list with search and filters, the customer with its sites and contacts,
and the forms to create and change them. Views parse, call a service, and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openservice.core.errors import DomainError
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import is_staff_member
from openservice.customers import selectors, services
from openservice.customers.forms import ContactForm, CustomerFilterForm, CustomerForm, SiteForm


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_list(request: HttpRequest):
    if not is_staff_member(request.user):
        own = selectors.customer_of_user(request.user)
        if own is not None:
            return redirect("customers:detail", own.pk)
    groups = selectors.agreement_group_list(user=request.user, is_active=True)
    filters = CustomerFilterForm(request.GET or None, groups=groups)
    customers = selectors.customer_list(user=request.user, **filters.selector_filters())
    context = {"filters": filters, **page_of(request, customers)}
    template = "customers/_customer_rows.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request: HttpRequest, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "sites": selectors.site_list(user=request.user, customer_id=customer.pk),
            "contacts": selectors.contact_list(user=request.user, customer_id=customer.pk),
            "can_change": request.user.has_perm("customers.change_customer"),
        },
    )


def _save(request, form, action):
    """Run the service behind a valid form; a refusal goes back onto the form."""
    if not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return None


@login_required
@permission_required("customers.add_customer", raise_exception=True)
def customer_create(request: HttpRequest):
    form = CustomerForm(request.POST or None)
    if request.method == "POST":
        customer = _save(
            request, form, lambda data: services.customer_create(by=request.user, **data)
        )
        if customer is not None:
            messages.success(request, _("Customer %s created.") % customer.number)
            return redirect("customers:detail", customer.pk)
    return render(request, "customers/form.html", {"form": form, "title": _("New customer")})


@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_edit(request: HttpRequest, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = CustomerForm(
        request.POST or None, instance=selectors.customer_get(user=request.user, customer_id=pk)
    )
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.customer_update(customer=customer, by=request.user, **data),
        )
        if saved is not None:
            messages.success(request, _("Customer saved."))
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("Change %s") % customer.name, "customer": customer},
    )


@require_POST
@login_required
@permission_required("customers.change_customer", raise_exception=True)
def customer_set_active(request: HttpRequest, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    activate = request.POST.get("active") == "true"
    try:
        services.customer_set_active(customer=customer, by=request.user, is_active=activate)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Customer reactivated.") if activate else _("Customer deactivated.")
        )
    return redirect("customers:detail", customer.pk)


@login_required
@permission_required("customers.add_site", raise_exception=True)
def site_create(request: HttpRequest, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = SiteForm(request.POST or None, initial={"country": "FI", "timezone": "Europe/Helsinki"})
    if request.method == "POST":
        site = _save(
            request,
            form,
            lambda data: services.site_create(by=request.user, customer=customer, **data),
        )
        if site is not None:
            messages.success(request, _("Site %s added.") % site.name)
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("New site for %s") % customer.name, "customer": customer},
    )


@login_required
@permission_required("customers.change_site", raise_exception=True)
def site_edit(request: HttpRequest, pk: int):
    site = selectors.site_get(user=request.user, site_id=pk)
    form = SiteForm(
        request.POST or None, instance=selectors.site_get(user=request.user, site_id=pk)
    )
    if request.method == "POST":
        saved = _save(
            request, form, lambda data: services.site_update(site=site, by=request.user, **data)
        )
        if saved is not None:
            messages.success(request, _("Site saved."))
            return redirect("customers:detail", site.customer_id)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("Change %s") % site.name, "customer": site.customer},
    )


@login_required
@permission_required("customers.add_contact", raise_exception=True)
def contact_create(request: HttpRequest, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        contact = _save(
            request,
            form,
            lambda data: services.contact_create(by=request.user, customer=customer, **data),
        )
        if contact is not None:
            messages.success(request, _("Contact %s added.") % contact.name)
            return redirect("customers:detail", customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("New contact for %s") % customer.name, "customer": customer},
    )


@login_required
@permission_required("customers.change_contact", raise_exception=True)
def contact_edit(request: HttpRequest, pk: int):
    contact = selectors.contact_get(user=request.user, contact_id=pk)
    form = ContactForm(
        request.POST or None, instance=selectors.contact_get(user=request.user, contact_id=pk)
    )
    if request.method == "POST":
        saved = _save(
            request,
            form,
            lambda data: services.contact_update(contact=contact, by=request.user, **data),
        )
        if saved is not None:
            messages.success(request, _("Contact saved."))
            return redirect("customers:detail", contact.customer_id)
    return render(
        request,
        "customers/form.html",
        {"form": form, "title": _("Change %s") % contact.name, "customer": contact.customer},
    )
