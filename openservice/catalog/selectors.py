"""Reads for items and service tasks. Staff read the catalog; customers do not."""

from django.db.models import Prefetch, QuerySet

from openservice.catalog.models import Item, ServiceTask, TaskSkill
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
