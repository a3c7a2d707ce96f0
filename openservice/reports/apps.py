from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "openservice.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from openservice.core.sections import register_section

        # The reports index lists every app's reports the user may read (core.sections).
        register_section(
            "reports",
            key="sla-compliance",
            title=_("SLA compliance"),
            url_name="reports:sla_compliance",
            permission="orders.view_reports",
            description=_("Share of SLAs met per customer, group, priority, technician or month."),
        )
