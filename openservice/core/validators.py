"""Validators shared by models (pages, admin) and API schemas."""

from functools import lru_cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def _timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return name in _timezone_names()


def validate_timezone(value: str) -> None:
    if not is_timezone(value):
        raise ValidationError(
            _("%(value)s is not an IANA time zone (for example Europe/Helsinki)."),
            code="invalid_timezone",
            params={"value": value},
        )


def validate_service_year(value) -> None:
    """Dates and instants business time is counted in: the years 1900 to 9000."""
    if not 1900 <= value.year <= 9000:
        raise ValidationError(_("Use a date between the years 1900 and 9000."))
