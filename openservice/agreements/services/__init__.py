"""Writes for agreements, their lines and covered objects and tasks, templates, copying and
renewal, split by sub-flow; import them from here. One transaction per use case; order
generation lives in the orders app."""

# Tests patch "openservice.agreements.services.timezone.localdate": this is Django's module.
from django.utils import timezone as timezone

from openservice.agreements.services.agreements import (
    AGREEMENT_FIELDS,
    TRANSITIONS,
    Relation,
    Status,
    agreement_change_status,
    agreement_create,
    agreement_delete,
    agreement_update,
    agreements_expire,
    agreements_lock_for_generation,
    relation_rows,
)
from openservice.agreements.services.copying import agreement_copy_lines, agreement_renew
from openservice.agreements.services.lines import (
    LINE_FIELDS,
    MAX_AMOUNT,
    SCHEDULE_FIELDS,
    agreement_line_create,
    agreement_line_delete,
    agreement_line_update,
    line_amounts_fit,
)
from openservice.agreements.services.templates import (
    template_group_create,
    template_group_update,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "LINE_FIELDS",
    "MAX_AMOUNT",
    "SCHEDULE_FIELDS",
    "TRANSITIONS",
    "Relation",
    "Status",
    "agreement_change_status",
    "agreement_copy_lines",
    "agreement_create",
    "agreement_delete",
    "agreement_line_create",
    "agreement_line_delete",
    "agreement_line_update",
    "agreement_renew",
    "agreement_update",
    "agreements_expire",
    "agreements_lock_for_generation",
    "line_amounts_fit",
    "relation_rows",
    "template_group_create",
    "template_group_update",
]
