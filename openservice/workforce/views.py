"""Technician pages: the list with skills, filterable by team and skill, and one technician."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest
from django.shortcuts import render

from openservice.core.pages import page_of
from openservice.workforce import selectors
from openservice.workforce.forms import TechnicianFilterForm


@login_required
@permission_required("workforce.view_technician", raise_exception=True)
def technician_list(request: HttpRequest):
    filters = TechnicianFilterForm(
        request.GET or None,
        teams=selectors.team_list(user=request.user, is_active=True),
        skills=selectors.skill_list(user=request.user, is_active=True),
    )
    technicians = selectors.technician_list(user=request.user, **filters.selector_filters())
    context = {"filters": filters, **page_of(request, technicians)}
    template = "workforce/_technician_rows.html" if request.htmx else "workforce/list.html"
    return render(request, template, context)


@login_required
@permission_required("workforce.view_technician", raise_exception=True)
def technician_detail(request: HttpRequest, pk: int):
    technician = selectors.technician_get(user=request.user, technician_id=pk)
    return render(
        request,
        "workforce/detail.html",
        {"technician": technician, "show_cost": request.user.has_perm("workforce.view_cost")},
    )
