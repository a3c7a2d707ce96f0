from django.contrib import admin
from django.urls import include, path, re_path

from openservice.api import api
from openservice.web.views import api_not_found, healthz

admin.site.site_header = "OpenService"
admin.site.site_title = "OpenService"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<path>.*)$", api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("openservice.customers.urls")),
    path("technicians/", include("openservice.workforce.urls")),
    # Repairs serve pages under /orders/, /objects/ and /reports/: before those apps' URLs.
    path("", include("openservice.repairs.urls")),
    path("orders/", include("openservice.orders.urls")),
    path("agreements/", include("openservice.agreements.urls")),
    path("agreements/", include("openservice.orders.agreement_urls")),
    path("subscriptions/", include("openservice.subscriptions.urls")),
    path("subscriptions/", include("openservice.billing.subscription_urls")),
    path("invoices/", include("openservice.billing.urls")),
    path("returns/", include("openservice.returns.urls")),
    path("dispatch/", include("openservice.dispatch.urls")),
    path("objects/", include("openservice.equipment.urls")),
    path("boms/", include("openservice.catalog.urls")),
    path("calendars/", include("openservice.calendars.urls")),
    path("sla/", include("openservice.sla.urls")),
    path("reports/", include("openservice.reports.urls")),
    path("", include("openservice.web.urls")),
]
