"""Shared read helpers: free-text search and whitelisted ordering for list selectors."""

from django.db.models import Q, QuerySet


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
    never repeat or skip rows. Keys outside `allowed` are refused earlier, by the schema."""
    if not order_by:
        return queryset.order_by(*default)
    descending = "-" if order_by.startswith("-") else ""
    field = allowed[order_by.lstrip("-")]
    return queryset.order_by(f"{descending}{field}", f"{descending}pk")


def recent_audit_events(*, limit: int = 8):
    from openservice.core.models import AuditEvent

    return AuditEvent.objects.select_related("actor")[:limit]
