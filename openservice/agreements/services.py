"""Writes for agreements, their lines and covered objects and tasks, templates, copying and
renewal. One transaction per use case; order generation lives in the orders app."""

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.agreements import recurrence
from openservice.agreements.errors import (
    AgreementInUse,
    AmountTooLarge,
    CustomerInactive,
    CustomerMismatch,
    IntervalNotPositive,
    InvalidStatusChange,
    IsTemplate,
    LineInUse,
    LineOutsideValidity,
    ObjectInUse,
    ObjectNotCovered,
    PolicyInactive,
    ReadOnly,
    RenewalPeriodInvalid,
    WindowWiderThanInterval,
)
from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
    TemplateGroup,
)
from openservice.agreements.selectors import lines_of
from openservice.core.errors import InvalidInput
from openservice.core.services import (
    audit,
    only_fields,
    record_create,
    record_update,
    save_validated,
    sequence_next,
)

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
LINE_FIELDS = (
    "kind",
    "description",
    "task",
    "object",
    "technician",
    "item",
    "quantity",
    "unit",
    "unit_price",
    "is_billable",
    "interval_unit",
    "interval_every",
    "window",
    "window_days_before",
    "window_days_after",
    "starts_on",
    "ends_on",
    "earliest_time",
    "latest_time",
    "is_stopped",
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
# Changing these moves the line's occurrences (generation then starts after the last one
# generated on the old schedule).
SCHEDULE_FIELDS = {"starts_on", "interval_unit", "interval_every"}
# The largest amount an order line holds (14 digits, 2 decimals).
MAX_AMOUNT = Decimal("999999999999.99")
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


# -- Lines -------------------------------------------------------------------------------------


def _check_line(agreement: ServiceAgreement, line: AgreementLine) -> None:
    """The rules across the line and its agreement; the model checks the rest (full_clean)."""
    if line.interval_every is None or line.interval_every < 1:
        raise IntervalNotPositive({"interval_every": [_("The interval must be at least 1.")]})
    if not recurrence.window_fits(
        line.interval_unit,
        line.interval_every,
        line.window,
        line.window_days_before or 0,
        line.window_days_after or 0,
    ):
        raise WindowWiderThanInterval(
            {"window": [_("The window must be narrower than the interval.")]}
        )
    _check_amounts(line)
    errors = {}
    if line.starts_on < agreement.starts_on:
        errors["starts_on"] = [_("The line cannot start before the agreement.")]
    if agreement.ends_on is not None and line.starts_on > agreement.ends_on:
        errors["starts_on"] = [_("The line cannot start after the agreement ends.")]
    if (
        agreement.ends_on is not None
        and line.ends_on is not None
        and line.ends_on > agreement.ends_on
    ):
        errors["ends_on"] = [_("The line cannot end after the agreement.")]
    if errors:
        raise LineOutsideValidity(errors)
    if (
        line.object_id is not None
        and not agreement.object_relations.filter(object_id=line.object_id).exists()
    ):
        raise ObjectNotCovered({"object_id": [_("The agreement does not cover this object.")]})


def line_amounts_fit(line: AgreementLine) -> bool:
    """Whether the line's quantity times its price (or its item's price or cost) fits an order
    line's amount."""
    prices = [line.unit_price]
    if line.item is not None:
        prices += [line.item.sales_price, line.item.cost_price]
    if line.technician is not None:
        prices.append(line.technician.hourly_cost)
    quantity = Decimal(line.quantity or 0)
    return all(price is None or quantity * Decimal(price) <= MAX_AMOUNT for price in prices)


def _check_amounts(line: AgreementLine) -> None:
    if not line_amounts_fit(line):
        raise AmountTooLarge(
            {"quantity": [_("Quantity times price exceeds the largest amount an order holds.")]}
        )


def _line_defaults(fields: dict) -> dict:
    item = fields.get("item")
    if item is not None:
        if not fields.get("description"):
            fields["description"] = item.name
        if not fields.get("unit"):
            fields["unit"] = item.unit
    task = fields.get("task")
    if task is not None and not fields.get("description"):
        fields["description"] = task.name
    return fields


@transaction.atomic
def agreement_line_create(*, agreement: ServiceAgreement, by, kind: str, **fields) -> AgreementLine:
    agreement = _lock(agreement)
    _require_changeable(agreement)
    fields = _line_defaults(only_fields(LINE_FIELDS, fields))
    if fields.get("starts_on") is None:
        fields["starts_on"] = agreement.starts_on
    line = AgreementLine(agreement=agreement, kind=kind, **fields)
    _check_line(agreement, line)
    save_validated(line)
    audit(by, "agreement.line_added", agreement, {"line": line.pk, "kind": kind})
    return line


@transaction.atomic
def agreement_line_update(*, line: AgreementLine, by, **changes) -> AgreementLine:
    """Change a line. Orders already generated keep what they were generated with; the change
    applies to the occurrences generated from now on."""
    agreement = _lock(line.agreement)
    _require_changeable(agreement)
    line = AgreementLine.objects.select_for_update(no_key=True).get(pk=line.pk)
    changes = only_fields(LINE_FIELDS, changes)
    changed = {}
    for field, value in changes.items():
        if getattr(line, field) != value:
            changed[field] = str(value) if value is not None else None
            setattr(line, field, value)
    if SCHEDULE_FIELDS & set(changed):
        line.schedule_changed_at = timezone.now()
    if changed.get("is_stopped") == "False":
        line.resumed_on = timezone.localdate()
    _check_line(agreement, line)
    save_validated(line)
    audit(by, "agreement.line_updated", agreement, {"line": line.pk, "changes": changed})
    return line


@transaction.atomic
def agreement_line_delete(*, line: AgreementLine, by) -> None:
    agreement = _lock(line.agreement)
    _require_changeable(agreement)
    audit(by, "agreement.line_deleted", agreement, {"line": line.pk})
    try:
        with transaction.atomic():
            line.delete()
    except ProtectedError as exc:
        raise LineInUse(line_id=line.pk) from exc


# -- Copying and renewal -----------------------------------------------------------------------


def _shift(day: date | None, offset: relativedelta) -> date | None:
    if day is None:
        return None
    try:
        return day + offset
    except (ValueError, OverflowError) as exc:
        raise LineOutsideValidity(
            {"starts_on": [_("A copied line would fall after the year 9000.")]}
        ) from exc


def _copy_line(
    source: AgreementLine, target: ServiceAgreement, offset: relativedelta, object_ok
) -> AgreementLine:
    """The source line as a new line of `target`, its period moved by `offset` and kept inside
    the target's validity. An object of another customer is left off the copy."""
    starts_on = max(_shift(source.starts_on, offset), target.starts_on)
    ends_on = _shift(source.ends_on, offset)
    if target.ends_on is not None:
        starts_on = min(starts_on, target.ends_on)
        ends_on = target.ends_on if ends_on is None else min(ends_on, target.ends_on)
    if ends_on is not None and ends_on < starts_on:
        ends_on = starts_on
    line = AgreementLine(
        agreement=target,
        starts_on=starts_on,
        ends_on=ends_on,
        object=source.object if object_ok(source.object) else None,
        **{
            field: getattr(source, field)
            for field in LINE_FIELDS
            if field not in ("starts_on", "ends_on", "object")
        },
    )
    _check_line(target, line)
    save_validated(line)
    return line


def _copy_relations(source: ServiceAgreement, target: ServiceAgreement, lines, object_ok) -> None:
    """The covered objects and tasks the copied lines use (with their notes) join the target."""
    task_ids = {line.task_id for line in lines if line.task_id}
    object_ids = {line.object_id for line in lines if line.object_id}
    for relation in source.task_relations.filter(task_id__in=task_ids).select_related("task"):
        AgreementTask.objects.get_or_create(
            agreement=target,
            task=relation.task,
            defaults={
                "internal_note": relation.internal_note,
                "external_note": relation.external_note,
            },
        )
    for task in {line.task for line in lines if line.task_id}:
        AgreementTask.objects.get_or_create(agreement=target, task=task)
    for relation in source.object_relations.filter(object_id__in=object_ids).select_related(
        "object"
    ):
        if object_ok(relation.object):
            AgreementObject.objects.get_or_create(
                agreement=target,
                object=relation.object,
                defaults={
                    "internal_note": relation.internal_note,
                    "external_note": relation.external_note,
                },
            )


@transaction.atomic
def agreement_copy_lines(
    *, agreement: ServiceAgreement, source: ServiceAgreement, by, line_ids=None
) -> list[AgreementLine]:
    """Copy lines (all, or the chosen ones) of a template or another agreement, with the
    objects and tasks they use. Each copied line keeps its distance from the source's start
    (a yearly check six months in stays six months in) and is kept inside the target's
    validity; objects of another customer are left off."""
    agreement = _lock(agreement)
    _require_changeable(agreement)
    lines = lines_of(source, line_ids)

    def object_ok(obj) -> bool:
        return obj is not None and obj.customer_id == agreement.customer_id

    _copy_relations(source, agreement, lines, object_ok)
    offset = relativedelta(agreement.starts_on, source.starts_on)
    copied = [_copy_line(line, agreement, offset, object_ok) for line in lines]
    audit(
        by,
        "agreement.lines_copied",
        agreement,
        {"from": source.pk, "lines": [line.pk for line in copied]},
    )
    return copied


def _renewal_period(
    agreement: ServiceAgreement, starts_on: date | None, ends_on: date | None
) -> tuple[date, date | None]:
    if starts_on is None:
        if agreement.ends_on is None:
            raise RenewalPeriodInvalid(
                {"starts_on": [_("The agreement has no end; say when the renewal starts.")]}
            )
        starts_on = agreement.ends_on + timedelta(days=1)
    if agreement.ends_on is not None and starts_on <= agreement.ends_on:
        raise RenewalPeriodInvalid({"starts_on": [_("The renewal must start after the end.")]})
    if starts_on <= agreement.starts_on:
        raise RenewalPeriodInvalid({"starts_on": [_("The renewal must start after the start.")]})
    if ends_on is None and agreement.ends_on is not None:
        length = relativedelta(agreement.ends_on + timedelta(days=1), agreement.starts_on)
        try:
            ends_on = starts_on + length - timedelta(days=1)
        except (ValueError, OverflowError) as exc:
            raise RenewalPeriodInvalid(
                {"ends_on": [_("The renewal would end after the year 9000; give its end.")]}
            ) from exc
    if ends_on is not None and ends_on < starts_on:
        raise RenewalPeriodInvalid({"ends_on": [_("The renewal cannot end before it starts.")]})
    return starts_on, ends_on


@transaction.atomic
def agreement_renew(
    *, agreement: ServiceAgreement, by, starts_on: date | None = None, ends_on: date | None = None
) -> ServiceAgreement:
    """A new draft agreement for the next period (by default the day after the end, for as
    long as this one ran) with the same header, relations and lines, linked to this one."""
    agreement = _lock(agreement)
    if agreement.is_template:
        raise IsTemplate(agreement_id=agreement.pk)
    if agreement.status in (Status.DRAFT, Status.CANCELLED):
        raise InvalidStatusChange(
            agreement_id=agreement.pk, status=agreement.status, action="renew"
        )
    starts_on, ends_on = _renewal_period(agreement, starts_on, ends_on)
    renewal = agreement_create(
        by=by,
        description=agreement.description,
        starts_on=starts_on,
        ends_on=ends_on,
        customer=agreement.customer,
        site=agreement.site,
        note=agreement.note,
        agreement_group=agreement.agreement_group,
        sla_policy=agreement.sla_policy
        if agreement.sla_policy_id and agreement.sla_policy.is_active
        else None,
        calendar=agreement.calendar,
        preferred_technician=agreement.preferred_technician,
        responsible=agreement.responsible,
        grouping=agreement.grouping,
        objects=[
            (r.object, r.internal_note, r.external_note)
            for r in agreement.object_relations.select_related("object")
        ],
        tasks=[
            (r.task, r.internal_note, r.external_note)
            for r in agreement.task_relations.select_related("task")
        ],
    )
    renewal.renewed_from = agreement
    renewal.save(update_fields=["renewed_from", "updated_at"])
    offset = relativedelta(starts_on, agreement.starts_on)
    lines = [line for line in agreement.lines.order_by("pk") if not line.is_stopped]
    for line in lines:
        _copy_line(line, renewal, offset, lambda obj: obj is not None)
    audit(by, "agreement.renewed", agreement, {"renewal": renewal.pk, "lines": len(lines)})
    return renewal


# -- Template groups ---------------------------------------------------------------------------


def template_group_create(*, by, code: str, name: str, parent=None) -> TemplateGroup:
    group = TemplateGroup(code=code, name=name, parent=parent)
    return record_create(group, by=by, verb="template_group.created", data={"code": code})


def template_group_update(*, group: TemplateGroup, by, **changes) -> TemplateGroup:
    changes = only_fields(("code", "name", "parent"), changes)
    parent = changes.get("parent")
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == group.pk:
            raise InvalidInput({"parent": [_("A group cannot sit inside itself.")]})
        ancestor = ancestor.parent
    return record_update(group, by=by, verb="template_group.updated", changes=changes)


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
