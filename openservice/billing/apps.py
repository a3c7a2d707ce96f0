from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "openservice.billing"
    label = "billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from openservice.billing import handlers
        from openservice.core.events import subscribe
        from openservice.subscriptions.events import FeeChanged, FeeWithdrawn

        subscribe(FeeChanged, handlers.on_fee_changed)
        subscribe(FeeWithdrawn, handlers.on_fee_withdrawn)
