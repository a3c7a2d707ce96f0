"""What the repairs app adds to lower apps' pages (core.sections), registered in
`RepairsConfig.ready()`: the Repairs panel of an order, the repair history of an object, and
the repair reports on the reports index."""

from django.utils.translation import gettext_lazy as _

from openservice.core.sections import register_section
from openservice.repairs.selectors import may_read_repair_reports


def register() -> None:
    register_section(
        "order",
        key="repairs",
        title=_("Repairs"),
        url_name="repairs:order_repairs",
        permission="repairs.view_repairline",
    )
    register_section(
        "object",
        key="repairs",
        title=_("Repairs"),
        url_name="repairs:object_history",
        # Part of the object's record: whoever may see the object reads its repairs.
        permission="equipment.view_serviceobject",
    )
    for key, title, url_name, description in [
        (
            "repairs-by-object",
            _("Repair history by object"),
            "repairs:report_by_object",
            _("Every repair in a period, object by object."),
        ),
        (
            "repairs-by-technician",
            _("Repair history by technician"),
            "repairs:report_by_technician",
            _("Each technician's repairs and how often their fixes held."),
        ),
        (
            "repair-resolutions",
            _("Resolutions by symptom and diagnosis"),
            "repairs:report_resolutions",
            _("What fixed each symptom and diagnosis, how often, and how often it held."),
        ),
    ]:
        register_section(
            "reports",
            key=key,
            title=title,
            url_name=url_name,
            permission=may_read_repair_reports,
            description=description,
        )
