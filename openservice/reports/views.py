"""Report pages, and the index of every app's reports."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from openservice.core.sections import sections_for
from openservice.reports import selectors
from openservice.reports.forms import ComplianceForm


@login_required
def report_index(request: HttpRequest):
    """The reports the user may read, from every app that registers one (core.sections)."""
    reports = sections_for("reports", request.user)
    if not reports:
        raise PermissionDenied
    return render(request, "reports/index.html", {"reports": reports})


@login_required
@permission_required("orders.view_reports", raise_exception=True)
def sla_compliance(request: HttpRequest):
    """Share of SLAs met per customer, agreement group, priority, technician or month, with a
    bar per group (met, breached, open) and the same figures as a table."""
    form = ComplianceForm(request.GET or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    date_to = data.get("date_to") or today
    date_from = data.get("date_from") or date_to.replace(day=1)
    report = None
    if not form.is_bound or form.is_valid():
        report = selectors.sla_compliance(
            user=request.user,
            group_by=data.get("group_by") or "customer",
            date_from=min(date_from, date_to),
            date_to=date_to,
            now=timezone.now(),
        )
    return render(
        request,
        "reports/sla_compliance.html",
        {"form": form, "report": report},
        status=200 if report else 422,
    )
