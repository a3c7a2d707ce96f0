"""Reads for items and service tasks. Staff read the catalog; customers do not."""

from django.db.models import Count, Prefetch, Q, QuerySet

from openservice.catalog.models import Bom, BomLine, Item, ServiceTask, TaskSkill
from openservice.core.errors import NotFound
from openservice.core.roles import is_staff_member
from openservice.core.selectors import ordered, text_search

ITEM_ORDERING = {"sku": "sku", "name": "name", "sales_price": "sales_price", "kind": "kind"}
TASK_ORDERING = {"code": "code", "name": "name", "duration": "default_duration_minutes"}


def item_list(
    *,
    user,
    q: str | None = None,
    kind: str | None = None,
    is_serialized: bool | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[Item]:
    items = Item.objects.all() if is_staff_member(user) else Item.objects.none()
    items = text_search(items, q, ["sku", "name", "description"])
    if kind:
        items = items.filter(kind=kind)
    if is_serialized is not None:
        items = items.filter(is_serialized=is_serialized)
    if is_active is not None:
        items = items.filter(is_active=is_active)
    return ordered(items, order_by, ITEM_ORDERING, default=("sku",))


def item_get(*, user, item_id: int) -> Item:
    item = item_list(user=user).filter(pk=item_id).first()
    if item is None:
        raise NotFound(item_id=item_id)
    return item


def task_list(
    *,
    user,
    q: str | None = None,
    skill_id: int | None = None,
    is_active: bool | None = None,
    order_by: str | None = None,
) -> QuerySet[ServiceTask]:
    tasks = ServiceTask.objects.all() if is_staff_member(user) else ServiceTask.objects.none()
    tasks = tasks.prefetch_related(
        Prefetch("skill_needs", queryset=TaskSkill.objects.select_related("skill"))
    )
    tasks = text_search(tasks, q, ["code", "name"])
    if skill_id is not None:
        tasks = tasks.filter(skill_needs__skill_id=skill_id)
    if is_active is not None:
        tasks = tasks.filter(is_active=is_active)
    return ordered(tasks, order_by, TASK_ORDERING, default=("code",))


def task_get(*, user, task_id: int) -> ServiceTask:
    task = task_list(user=user).filter(pk=task_id).first()
    if task is None:
        raise NotFound(task_id=task_id)
    return task


def bom_list(
    *,
    user,
    item_id: int | None = None,
    status: str | None = None,
    q: str | None = None,
) -> QuerySet[Bom]:
    boms = Bom.objects.select_related("item") if is_staff_member(user) else Bom.objects.none()
    boms = text_search(boms, q, ["item__sku", "item__name", "note"])
    if item_id is not None:
        boms = boms.filter(item_id=item_id)
    if status:
        boms = boms.filter(status=status)
    return boms.annotate(line_count=Count("lines")).order_by("item__sku", "-version")


def bom_get(*, user, bom_id: int) -> Bom:
    bom = bom_list(user=user).filter(pk=bom_id).first()
    if bom is None:
        raise NotFound(bom_id=bom_id)
    return bom


def bom_lines(bom: Bom) -> list[BomLine]:
    return list(bom.lines.select_related("component_item").order_by("position", "pk"))


def bom_line_get(*, bom: Bom, line_id: int) -> BomLine:
    line = bom.lines.select_related("bom", "component_item").filter(pk=line_id).first()
    if line is None:
        raise NotFound(line_id=line_id)
    return line


def bom_valid_on(item_id: int, day) -> Bom | None:
    """The approved version of the item's BOM valid on the day, if any."""
    return (
        Bom.objects.filter(item_id=item_id, status=Bom.Status.APPROVED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .first()
    )


def bom_versions(*, user, item_id: int) -> list[Bom]:
    """All versions of an item's BOM with their lines, oldest first (for side-by-side views)."""
    return list(
        bom_list(user=user, item_id=item_id)
        .prefetch_related(
            Prefetch("lines", queryset=BomLine.objects.select_related("component_item"))
        )
        .order_by("version")
    )


def bom_current(bom: Bom) -> Bom:
    """The BOM as stored now (a caller's instance may predate an approval)."""
    return Bom.objects.select_related("item").get(pk=bom.pk)


def items_by_id(ids) -> dict[int, Item]:
    """Items by id in one query, to name the items that records the caller may already read
    refer to (component trees, history); no visibility rule of its own."""
    return Item.objects.in_bulk(set(ids))


def bom_item_list(*, user, q: str | None = None, status: str | None = None) -> QuerySet[Item]:
    """Items with at least one BOM version visible to the user (matching the search and status),
    each with all its versions prefetched, oldest first."""
    item_ids = bom_list(user=user, q=q, status=status).order_by().values("item_id")
    return (
        Item.objects.filter(pk__in=item_ids)
        .prefetch_related(Prefetch("boms", queryset=Bom.objects.order_by("version")))
        .order_by("sku")
    )
