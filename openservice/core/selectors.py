"""Shared read helpers: free-text search and whitelisted ordering for list selectors."""

from django.db.models import F, Q, QuerySet


def text_search(queryset: QuerySet, q: str | None, fields: list[str]) -> QuerySet:
    """Rows where any of the fields contains the text, case-insensitively."""
    if not q:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": q})
    return queryset.filter(condition)


def ordered(
    queryset: QuerySet, order_by: str | None, allowed: dict[str, str], *, default: tuple[str, ...]
) -> QuerySet:
    """Sort by a public key ('name' or '-name') mapped to a field; pk breaks ties so pages
    never repeat or skip rows; empty values sort last on every database. Keys outside `allowed`
    are refused earlier, by the schema."""
    if not order_by:
        return queryset.order_by(*default)
    field = F(allowed[order_by.lstrip("-")])
    if order_by.startswith("-"):
        return queryset.order_by(field.desc(nulls_last=True), "-pk")
    return queryset.order_by(field.asc(nulls_last=True), "pk")


def recent_audit_events(*, limit: int = 8):
    from openservice.core.models import AuditEvent

    return AuditEvent.objects.select_related("actor")[:limit]


def reason_code_list(*, purpose: str | None = None):
    """Active reason codes, optionally only those usable for a purpose (`stage_change`,
    `cancel`, `sla_stop`, `sla_cancel`, `note`)."""
    from openservice.core.models import ReasonCode

    codes = ReasonCode.objects.filter(is_active=True).order_by("code")
    if purpose:
        codes = codes.filter(**{f"for_{purpose}": True})
    return codes


def reason_by_code(code: str):
    from openservice.core.models import ReasonCode

    return ReasonCode.objects.filter(code=code).first()


def audit_events_for(obj) -> list:
    """The audit events of one record, oldest first."""
    from openservice.core.models import AuditEvent

    return list(
        AuditEvent.objects.select_related("actor")
        .filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("at", "pk")
    )
