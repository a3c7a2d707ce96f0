from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "openservice.orders"
    label = "orders"
    verbose_name = _("Service orders")

    def ready(self) -> None:
        from openservice.orders import subscribers

        subscribers.register()
