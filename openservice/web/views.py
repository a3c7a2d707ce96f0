"""Home pages per role, and the health check. Views only read selectors and render."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from openservice.core.roles import Role, primary_role
from openservice.web import dashboards


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: the app answers and the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def api_not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""
    return JsonResponse(
        {"code": "core.not_found", "message": str(_("No such API endpoint.")), "details": {}},
        status=404,
    )


HOME_TEMPLATES = {
    Role.MANAGER: ("web/home_manager.html", dashboards.manager_home),
    Role.DISPATCHER: ("web/home_dispatcher.html", dashboards.dispatcher_home),
    Role.TECHNICIAN: ("web/home_technician.html", dashboards.technician_home),
    Role.ADMINISTRATOR: ("web/home_administrator.html", dashboards.administrator_home),
    Role.CUSTOMER: ("web/home_customer.html", dashboards.customer_home),
}


@login_required
def home(request: HttpRequest):
    role = primary_role(request.user)
    if role is None:
        return render(request, "web/home_no_role.html", status=200)
    template, build = HOME_TEMPLATES[role]
    context = build(request.user)
    context["settings_summary"] = {
        "currency": settings.DEFAULT_CURRENCY,
        "time_zone": settings.TIME_ZONE,
        "database": connection.vendor,
    }
    return render(request, template, context)
