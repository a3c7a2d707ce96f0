"""Reads for agreements, their lines and template groups. Managers and dispatchers see every
agreement (administrators too); technicians and customers see none (they see the orders)."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
    TemplateGroup,
)
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import Role, has_role
from openservice.core.selectors import text_search

AGREEMENT_ORDERING = {
    "number": "number",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "customer": "customer__name",
    "status": "status",
}


def _may_read(user) -> bool:
    return has_role(user, Role.MANAGER, Role.DISPATCHER, Role.ADMINISTRATOR)


def agreement_list(
    *,
    user,
    q: str | None = None,
    customer_id: int | None = None,
    status: str | None = None,
    agreement_group: str | None = None,
    is_template: bool | None = None,
    template_group_id: int | None = None,
    order_by: str | None = None,
) -> QuerySet[ServiceAgreement]:
    agreements = ServiceAgreement.objects.select_related(
        "customer",
        "site",
        "agreement_group",
        "sla_policy",
        "calendar",
        "preferred_technician__user",
        "template_group",
        "responsible",
    ).annotate(line_count=Count("lines", distinct=True))
    if not _may_read(user):
        return agreements.none()
    agreements = text_search(
        agreements, q, ["number", "description", "customer__name", "customer__number"]
    )
    if customer_id is not None:
        agreements = agreements.filter(customer_id=customer_id)
    if status is not None:
        agreements = agreements.filter(status=status)
    if agreement_group is not None:
        agreements = agreements.filter(agreement_group__code=agreement_group)
    if is_template is not None:
        agreements = agreements.filter(template_group__isnull=not is_template)
    if template_group_id is not None:
        agreements = agreements.filter(template_group_id=template_group_id)
    ordering = {"customer": ["customer__name", "number"]}.get(order_by or "")
    return agreements.order_by(*(ordering or [order_by or "-number"]), "pk")


def agreement_get(*, user, agreement_id: int) -> ServiceAgreement:
    agreement = (
        agreement_list(user=user)
        .prefetch_related(
            Prefetch(
                "object_relations",
                queryset=AgreementObject.objects.select_related("object__item", "object__site"),
            ),
            Prefetch("task_relations", queryset=AgreementTask.objects.select_related("task")),
        )
        .filter(pk=agreement_id)
        .first()
    )
    if agreement is None:
        raise NotFound(agreement_id=agreement_id)
    return agreement


def line_list(*, user, agreement_id: int) -> QuerySet[AgreementLine]:
    lines = AgreementLine.objects.select_related(
        "task", "object", "technician__user", "item"
    ).filter(agreement_id=agreement_id)
    if not _may_read(user):
        return lines.none()
    return lines.order_by("pk")


def line_get(*, user, agreement_id: int, line_id: int) -> AgreementLine:
    line = line_list(user=user, agreement_id=agreement_id).filter(pk=line_id).first()
    if line is None:
        raise NotFound(line_id=line_id)
    return line


def template_group_list(*, user) -> QuerySet[TemplateGroup]:
    groups = TemplateGroup.objects.select_related("parent").annotate(
        template_count=Count("templates")
    )
    return groups.order_by("code") if _may_read(user) else groups.none()


def template_group_get(*, user, group_id: int) -> TemplateGroup:
    group = template_group_list(user=user).filter(pk=group_id).first()
    if group is None:
        raise NotFound(template_group_id=group_id)
    return group


def template_tree(*, user) -> list[tuple[int, TemplateGroup, list[ServiceAgreement]]]:
    """Template groups depth first with their depth and templates, for the template picker."""
    groups = list(template_group_list(user=user))
    templates: dict[int, list[ServiceAgreement]] = {}
    for template in agreement_list(user=user, is_template=True).order_by("description", "pk"):
        templates.setdefault(template.template_group_id, []).append(template)
    children: dict[int | None, list[TemplateGroup]] = {}
    for group in groups:
        children.setdefault(group.parent_id, []).append(group)
    result: list[tuple[int, TemplateGroup, list[ServiceAgreement]]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for group in children.get(parent_id, []):
            result.append((depth, group, templates.get(group.pk, [])))
            walk(group.pk, depth + 1)

    walk(None, 0)
    return result


def generating_agreements(
    *, agreement_ids=None, on_or_before=None, on_or_after=None
) -> QuerySet[ServiceAgreement]:
    """Agreements that generate orders: active, not templates, valid somewhere in the range.
    For the generation service (no user: it runs as a job)."""
    agreements = ServiceAgreement.objects.filter(
        status=ServiceAgreement.Status.ACTIVE,
        template_group__isnull=True,
        customer__is_active=True,  # inactive customers get no new orders
    )
    if agreement_ids is not None:
        agreements = agreements.filter(pk__in=list(agreement_ids))
    if on_or_before is not None:
        agreements = agreements.filter(starts_on__lte=on_or_before)
    if on_or_after is not None:
        agreements = agreements.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on_or_after))
    return agreements.order_by("pk")


def agreements_for_generation(agreement_ids: list[int]) -> list[ServiceAgreement]:
    """The agreements with everything generation reads, in a fixed number of queries. The
    lines' items, tasks, technicians and objects are prefetched, not joined: the many lines
    that name the same item then share one instance."""
    return list(
        ServiceAgreement.objects.filter(pk__in=agreement_ids)
        .select_related("customer", "calendar", "sla_policy")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=AgreementLine.objects.filter(is_stopped=False).order_by("pk"),
                to_attr="generating_lines",
            ),
            "generating_lines__item",
            "generating_lines__technician",
            "generating_lines__task",
            "generating_lines__object",
            Prefetch(
                "object_relations",
                queryset=AgreementObject.objects.order_by("pk"),
                to_attr="covered_objects",
            ),
            Prefetch(
                "task_relations",
                queryset=AgreementTask.objects.order_by("pk"),
                to_attr="covered_tasks",
            ),
        )
        .order_by("pk")
    )


def templates_and_unknown(agreement_ids) -> tuple[list[int], list[int]]:
    """Which of the ids are templates, and which name no agreement."""
    ids = set(agreement_ids)
    found = dict(
        ServiceAgreement.objects.filter(pk__in=list(ids)).values_list("pk", "template_group_id")
    )
    templates = sorted(pk for pk, group in found.items() if group is not None)
    return templates, sorted(ids - set(found))


def lines_of(agreement: ServiceAgreement, line_ids=None) -> list[AgreementLine]:
    """An agreement's lines (all, or the listed ones; an id that is not one of its lines is a
    422 on `line_ids`), for copying into another agreement or an order."""
    lines = list(
        agreement.lines.select_related("task", "object", "technician", "item").order_by("pk")
    )
    if line_ids is None:
        return lines
    wanted = set(line_ids)
    missing = wanted - {line.pk for line in lines}
    if missing:
        raise InvalidInput(
            {"line_ids": [_("Lines %s are not lines of that agreement.") % sorted(missing)]}
        )
    return [line for line in lines if line.pk in wanted]
