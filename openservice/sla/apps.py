from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "openservice.sla"
    label = "sla"
    verbose_name = _("Service level agreements")
