"""Helpers every app's pages share: pagination in the URL and refusals shown on the form."""

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from openservice.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied

PAGE_SIZE = 25


def page_of(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> dict:
    """The requested page and the query string to keep (filters, sorting) in page links."""
    page: Page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return {"page_obj": page, "querystring_without_page": f"{encoded}&" if encoded else ""}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the form: field problems next to their fields, rules on top."""
    if isinstance(error, InvalidInput):
        for field, messages in error.field_errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, error.message)


class DomainErrorPagesMiddleware:
    """On pages, an unknown or invisible record is a 404 and a missing right a 403, as in the
    API. Other refusals are caught by the view that took the action and shown there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message) from exception
        return None


def business_duration(minutes: int | None) -> str:
    """Business minutes as "2 h 30 min", "4 h" or "45 min" (a dash for none); shared by the
    calendar, SLA policy and order pages."""
    if minutes is None or minutes == "":
        return "—"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": rest}
