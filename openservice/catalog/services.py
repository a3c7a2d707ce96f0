"""Writes for items and service tasks."""

from collections.abc import Iterable

from django.db import transaction

from openservice.catalog.models import Item, ServiceTask, TaskSkill
from openservice.core.services import (
    audit,
    only_fields,
    record_create,
    record_set_active,
    record_update,
    set_skill_levels,
)

ITEM_FIELDS = (
    "sku",
    "name",
    "description",
    "kind",
    "unit",
    "sales_price",
    "cost_price",
    "is_serialized",
    "vat_rate",
)
TASK_FIELDS = ("code", "name", "default_duration_minutes", "internal_note", "external_note")


@transaction.atomic
def item_create(*, by, sku: str, name: str, **fields) -> Item:
    item = Item(sku=sku, name=name, **only_fields(ITEM_FIELDS, fields))
    return record_create(item, by=by, verb="item.created", data={"sku": item.sku})


@transaction.atomic
def item_update(*, item: Item, by, **changes) -> Item:
    return record_update(
        item, by=by, verb="item.updated", changes=only_fields(ITEM_FIELDS, changes)
    )


@transaction.atomic
def item_set_active(*, item: Item, by, is_active: bool) -> Item:
    verb = "item.activated" if is_active else "item.deactivated"
    return record_set_active(item, by=by, verb=verb, is_active=is_active)


def _set_required_skills(task: ServiceTask, pairs: Iterable) -> dict[str, int]:
    return set_skill_levels(
        through=TaskSkill,
        owner_field="task",
        owner=task,
        level_field="min_level",
        pairs=pairs,
        error_field="required_skills",
    )


@transaction.atomic
def task_create(
    *, by, code: str, name: str, required_skills: Iterable = (), **fields
) -> ServiceTask:
    task = ServiceTask(code=code.upper(), name=name, **only_fields(TASK_FIELDS, fields))
    record_create(task, by=by, verb="task.created", data={"code": task.code})
    if required_skills:
        audit(by, "task.skills_set", task, {"skills": _set_required_skills(task, required_skills)})
    return task


@transaction.atomic
def task_update(
    *, task: ServiceTask, by, required_skills: Iterable | None = None, **changes
) -> ServiceTask:
    if "code" in changes:
        changes["code"] = changes["code"].upper()
    task = record_update(
        task, by=by, verb="task.updated", changes=only_fields(TASK_FIELDS, changes)
    )
    if required_skills is not None:
        audit(by, "task.skills_set", task, {"skills": _set_required_skills(task, required_skills)})
    return task


@transaction.atomic
def task_set_active(*, task: ServiceTask, by, is_active: bool) -> ServiceTask:
    verb = "task.activated" if is_active else "task.deactivated"
    return record_set_active(task, by=by, verb=verb, is_active=is_active)
