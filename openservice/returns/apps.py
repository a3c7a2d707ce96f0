from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReturnsConfig(AppConfig):
    name = "openservice.returns"
    label = "returns"
    verbose_name = _("Returns")

    def ready(self) -> None:
        from openservice.returns import sections, subscribers

        subscribers.register()
        sections.register()
