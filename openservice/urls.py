from django.contrib import admin
from django.urls import include, path

from openservice.api import api
from openservice.web.views import healthz

admin.site.site_header = "OpenService"
admin.site.site_title = "OpenService"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("customers/", include("openservice.customers.urls")),
    path("technicians/", include("openservice.workforce.urls")),
    path("", include("openservice.web.urls")),
]
