"""What the returns app adds to lower apps' pages (core.sections), registered in
`ReturnsConfig.ready()`: the Returns section of an order page (the return a repair order came
from, or the returns that name the order as their original order)."""

from django.utils.translation import gettext_lazy as _

from openservice.core.sections import register_section


def register() -> None:
    # Whoever reads returns: staff every return, a customer their own (the section's view
    # narrows the rows); technicians read no returns and do not get the section.
    register_section(
        "order",
        key="returns",
        title=_("Returns"),
        url_name="returns:order_section",
        permission="returns.view_returnorder",
    )
