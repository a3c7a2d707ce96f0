"""The replacements owed to customers (a replace disposition processed): the list to ship,
and shipping one with the serial sent. Managers ship; dispatchers and administrators read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openservice.core.errors import DomainError, InvalidInput
from openservice.core.pages import add_domain_error, page_of
from openservice.core.roles import has_role
from openservice.returns import selectors, services
from openservice.returns.forms import ReplacementFilterForm, ShipForm
from openservice.returns.models import Replacement

REPLACEMENTS_PER_PAGE = 50
REFUSED = 409
INVALID = 422


def _sees_all(user) -> bool:
    """Staff only: customers are told about their replacement on their return's page."""
    return user.is_superuser or has_role(user, *selectors.STAFF)


def _replacements_page(request, *, bound=None, refusal=None, status=200):
    user = request.user
    filters = ReplacementFilterForm(request.GET or None)
    rows = selectors.replacements(status=filters.status_filter())
    context = {
        "filters": filters,
        "may_ship": user.has_perm("returns.change_replacement") and _sees_all(user),
        **page_of(request, rows, per_page=REPLACEMENTS_PER_PAGE),
    }
    for replacement in context["page_obj"].object_list:
        replacement.ship_form = None
        replacement.refusal = ""
        if replacement.status == Replacement.Status.OPEN and context["may_ship"]:
            replacement.ship_form = ShipForm(prefix=f"ship-{replacement.pk}")
        if bound is not None and bound[0] == replacement.pk:
            replacement.ship_form = bound[1]
        if refusal is not None and refusal[0] == replacement.pk:
            replacement.refusal = refusal[1]
    return render(request, "returns/replacements.html", context, status=status)


@login_required
@permission_required("returns.view_replacement", raise_exception=True)
def replacement_list(request: HttpRequest):
    """The replacements owed to customers: to ship (the default) or shipped."""
    if not _sees_all(request.user):
        raise PermissionDenied
    return _replacements_page(request)


@require_POST
@login_required
@permission_required("returns.change_replacement", raise_exception=True)
def replacement_ship(request: HttpRequest, pk: int):
    if not _sees_all(request.user):
        raise PermissionDenied
    replacement = selectors.replacements().filter(pk=pk).first()
    if replacement is None:
        raise Http404(_("No such replacement."))
    form = ShipForm(request.POST, prefix=f"ship-{replacement.pk}")
    if not form.is_valid():
        return _replacements_page(request, bound=(replacement.pk, form), status=INVALID)
    try:
        services.replacement_ship(
            replacement=replacement,
            by=request.user,
            serial=form.cleaned_data["serial"],
            on=form.cleaned_data["on"],
        )
    except InvalidInput as error:
        add_domain_error(form, error)
        return _replacements_page(request, bound=(replacement.pk, form), status=INVALID)
    except DomainError as error:
        return _replacements_page(request, refusal=(replacement.pk, error.message), status=REFUSED)
    messages.success(
        request,
        _("Replacement %(number)s shipped to %(customer)s.")
        % {"number": replacement.number, "customer": replacement.customer.name},
    )
    return redirect("returns:replacements")
