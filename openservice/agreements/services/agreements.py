"""Writes for agreement headers and the objects and tasks they cover: create, change, status
changes, expiry and deletion, and the lock order generation takes on the agreements it works on.
One transaction per use case."""

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.agreements.errors import (
    AgreementInUse,
    CustomerInactive,
    CustomerMismatch,
    InvalidStatusChange,
    IsTemplate,
    LineOutsideValidity,
    ObjectInUse,
    PolicyInactive,
    ReadOnly,
)
from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
)
from openservice.core.services import audit, only_fields, save_validated, sequence_next

Status = ServiceAgreement.Status

AGREEMENT_FIELDS = (
    "site",
    "description",
    "note",
    "agreement_group",
    "sla_policy",
    "calendar",
    "preferred_technician",
    "responsible",
    "grouping",
    "starts_on",
    "ends_on",
)
# What each status action moves from and to.
TRANSITIONS = {
    "activate": ({Status.DRAFT}, Status.ACTIVE, "agreement.activated"),
    "suspend": ({Status.ACTIVE}, Status.SUSPENDED, "agreement.suspended"),
    "resume": ({Status.SUSPENDED}, Status.ACTIVE, "agreement.resumed"),
    "cancel": (
        {Status.DRAFT, Status.ACTIVE, Status.SUSPENDED},
        Status.CANCELLED,
        "agreement.cancelled",
    ),
}
# A relation row as the callers give it: (object or task, internal note, external note).
Relation = tuple[Any, str, str]


def _lock(agreement: ServiceAgreement) -> ServiceAgreement:
    # NO KEY UPDATE: orders being created under the agreement (which take a KEY SHARE lock on
    # it for their foreign key) are not blocked, so they cannot deadlock with its writers.
    return ServiceAgreement.objects.select_for_update(no_key=True).get(pk=agreement.pk)


def _require_changeable(agreement: ServiceAgreement) -> None:
    if agreement.status in (Status.CANCELLED, Status.EXPIRED):
        raise ReadOnly(agreement_id=agreement.pk, status=agreement.status)


def _check_customer(customer, site, objects: Iterable) -> None:
    if customer is None:
        return
    if (site is not None and site.customer_id != customer.pk) or any(
        o.customer_id != customer.pk for o in objects
    ):
        raise CustomerMismatch(customer_id=customer.pk)


def _check_policy(policy) -> None:
    if policy is not None and not policy.is_active:
        raise PolicyInactive(policy_id=policy.pk)


def _relations(rows: Iterable) -> list[Relation]:
    """Accept bare records or (record, internal note, external note) rows."""
    result = []
    for row in rows:
        if isinstance(row, tuple):
            record, internal, external = (*tuple(row), "", "")[:3]
            result.append((record, internal or "", external or ""))
        else:
            result.append((row, "", ""))
    return result


def _write_objects(agreement: ServiceAgreement, rows: list[Relation]) -> None:
    keep = {obj.pk for obj, _i, _e in rows}
    used = set(agreement.lines.filter(object__isnull=False).values_list("object_id", flat=True))
    if used - keep:
        raise ObjectInUse(object_ids=sorted(used - keep))
    AgreementObject.objects.filter(agreement=agreement).exclude(object_id__in=keep).delete()
    for obj, internal, external in rows:
        AgreementObject.objects.update_or_create(
            agreement=agreement,
            object=obj,
            defaults={"internal_note": internal, "external_note": external},
        )


def _write_tasks(agreement: ServiceAgreement, rows: list[Relation]) -> None:
    keep = {task.pk for task, _i, _e in rows}
    AgreementTask.objects.filter(agreement=agreement).exclude(task_id__in=keep).delete()
    for task, internal, external in rows:
        AgreementTask.objects.update_or_create(
            agreement=agreement,
            task=task,
            defaults={"internal_note": internal, "external_note": external},
        )


def _outside(line: AgreementLine, agreement: ServiceAgreement) -> bool:
    if line.starts_on < agreement.starts_on:
        return True
    end = agreement.ends_on
    return end is not None and (
        line.starts_on > end or (line.ends_on is not None and line.ends_on > end)
    )


def _check_lines_inside(agreement: ServiceAgreement) -> None:
    outside = [line.pk for line in agreement.lines.all() if _outside(line, agreement)]
    if outside:
        raise LineOutsideValidity(
            {"starts_on": [_("Lines %s would lie outside the agreement's validity.") % outside]}
        )


@transaction.atomic
def agreement_create(
    *,
    by,
    description: str,
    starts_on: date,
    customer=None,
    site=None,
    ends_on: date | None = None,
    note: str = "",
    agreement_group=None,
    sla_policy=None,
    calendar=None,
    preferred_technician=None,
    responsible=None,
    grouping: str = ServiceAgreement.Grouping.AGREEMENT,
    template_group=None,
    objects: Iterable = (),
    tasks: Iterable = (),
) -> ServiceAgreement:
    """A new agreement, always a draft (activate it to generate orders). An agreement in a
    template group is a template: it needs no customer and never generates orders."""
    objects, tasks = _relations(objects), _relations(tasks)
    if customer is not None and not customer.is_active:
        raise CustomerInactive(customer_id=customer.pk)
    _check_customer(customer, site, [obj for obj, _i, _e in objects])
    _check_policy(sla_policy)
    if agreement_group is None and customer is not None:
        agreement_group = customer.agreement_group
    agreement = ServiceAgreement(
        number=sequence_next("service_agreement", prefix="SA", padding=6),
        customer=customer,
        site=site,
        description=description,
        note=note,
        agreement_group=agreement_group,
        sla_policy=sla_policy,
        calendar=calendar,
        preferred_technician=preferred_technician,
        responsible=responsible,
        grouping=grouping,
        currency=customer.currency if customer is not None else settings.DEFAULT_CURRENCY,
        starts_on=starts_on,
        ends_on=ends_on,
        template_group=template_group,
    )
    save_validated(agreement)
    _write_objects(agreement, objects)
    _write_tasks(agreement, tasks)
    audit(by, "agreement.created", agreement, {"number": agreement.number})
    return agreement


@transaction.atomic
def agreement_update(
    *, agreement: ServiceAgreement, by, objects=None, tasks=None, **changes
) -> ServiceAgreement:
    """Change the header (and, when given, replace the covered objects or tasks). The lines
    must stay inside the validity; an object a line names cannot be removed."""
    changes = only_fields(AGREEMENT_FIELDS, changes)
    agreement = _lock(agreement)
    _require_changeable(agreement)
    object_rows = _relations(objects) if objects is not None else None
    _check_customer(
        agreement.customer,
        changes.get("site", agreement.site),
        [obj for obj, _i, _e in object_rows or ()],
    )
    if "sla_policy" in changes and changes["sla_policy"] != agreement.sla_policy:
        _check_policy(changes["sla_policy"])
    changed = {}
    for field, value in changes.items():
        if getattr(agreement, field) != value:
            changed[field] = str(value) if value is not None else None
            setattr(agreement, field, value)
    save_validated(agreement)
    _check_lines_inside(agreement)
    if object_rows is not None:
        _write_objects(agreement, object_rows)
        changed["objects"] = sorted(obj.pk for obj, _i, _e in object_rows)
    if tasks is not None:
        task_rows = _relations(tasks)
        _write_tasks(agreement, task_rows)
        changed["tasks"] = sorted(task.pk for task, _i, _e in task_rows)
    audit(by, "agreement.updated", agreement, {"changes": changed})
    return agreement


@transaction.atomic
def agreement_change_status(*, agreement: ServiceAgreement, by, action: str) -> ServiceAgreement:
    """activate, suspend, resume or cancel. A suspended agreement generates nothing until it is
    resumed; a cancelled one never again (its orders stay)."""
    sources, target, verb = TRANSITIONS[action]
    agreement = _lock(agreement)
    if agreement.is_template and action in ("activate", "resume"):
        raise IsTemplate(agreement_id=agreement.pk)
    if agreement.status not in sources:
        raise InvalidStatusChange(agreement_id=agreement.pk, status=agreement.status, action=action)
    previous = agreement.status
    agreement.status = target
    fields = ["status", "updated_at"]
    if action == "resume":  # continuous generation restarts here, not at the suspension
        agreement.resumed_on = timezone.localdate()
        fields.append("resumed_on")
    agreement.save(update_fields=fields)
    audit(by, verb, agreement, {"from": previous, "to": target})
    return agreement


@transaction.atomic
def agreements_expire(*, today: date | None = None, by=None) -> int:
    """Active and suspended agreements whose validity ended before `today` become expired."""
    today = today or timezone.localdate()
    ended = list(
        ServiceAgreement.objects.select_for_update(no_key=True)
        .filter(status__in=[Status.ACTIVE, Status.SUSPENDED], ends_on__lt=today)
        .order_by("pk")
    )
    for agreement in ended:
        agreement.status = Status.EXPIRED
        agreement.save(update_fields=["status", "updated_at"])
        audit(by, "agreement.expired", agreement, {"ended_on": agreement.ends_on.isoformat()})
    return len(ended)


@transaction.atomic
def agreement_delete(*, agreement: ServiceAgreement, by) -> None:
    """Only a draft, a cancelled agreement or a template, and only while no order names it:
    a running agreement is cancelled instead, so its history stays."""
    agreement = _lock(agreement)
    if not agreement.is_template and agreement.status not in (Status.DRAFT, Status.CANCELLED):
        raise InvalidStatusChange(
            agreement_id=agreement.pk, status=agreement.status, action="delete"
        )
    audit(by, "agreement.deleted", agreement, {"number": agreement.number})
    try:
        with transaction.atomic():
            agreement.delete()
    except ProtectedError as exc:
        raise AgreementInUse(agreement_id=agreement.pk) from exc


def relation_rows(rows: Iterable[Mapping[str, Any]], key: str, lookup) -> list[Relation]:
    """API/page rows ({"<key>": id, "internal_note", "external_note"}) as relation tuples."""
    return [
        (lookup(row[key]), row.get("internal_note") or "", row.get("external_note") or "")
        for row in rows
    ]


def agreements_lock_for_generation(agreement_ids) -> list[int]:
    """Lock the agreements a generation batch works on (in id order, so concurrent runs queue
    instead of deadlocking) and return those that still generate: active, not templates. The
    caller's transaction holds the locks; a second run over the same agreements waits, then
    sees what the first one wrote."""
    return list(
        ServiceAgreement.objects.select_for_update(no_key=True)
        .filter(
            pk__in=list(agreement_ids),
            status=Status.ACTIVE,
            template_group__isnull=True,
            customer__is_active=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
