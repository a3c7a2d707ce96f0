"""How an API payload's references become records: an id the user may not see, or a code string
no list has, is a 422 on the payload's field (never a 404 for the whole request)."""

from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput, NotFound


def referenced(field: str, lookup, **kwargs):
    """`lookup(**kwargs)` (a selector's `*_get`), or a field error naming the API field."""
    try:
        return lookup(**kwargs)
    except NotFound as exc:
        raise InvalidInput({field: [_("No such record is visible to you.")]}) from exc


def code_named(model, field: str, value: str | None, *, find, current_id: int | None = None):
    """The record of a code list (`model`, found by `find(model, value)`) named by its code
    string; None stays None. A retired code is refused unless it is the one already set
    (`current_id`), so records keep the codes they had."""
    if value is None:
        return None
    record = find(model, value)
    if record is None:
        raise InvalidInput(
            {
                field: [
                    _("No %(list)s has the code %(code)s.")
                    % {"list": model._meta.verbose_name, "code": value}
                ]
            }
        )
    if not record.is_active and record.pk != current_id:
        raise InvalidInput({field: [_("%(code)s is no longer in use.") % {"code": record.code}]})
    return record
