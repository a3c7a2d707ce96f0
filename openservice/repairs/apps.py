from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepairsConfig(AppConfig):
    name = "openservice.repairs"
    label = "repairs"
    verbose_name = _("Repairs")

    def ready(self) -> None:
        from openservice.repairs import sections

        sections.register()
