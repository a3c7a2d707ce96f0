"""Copying lines (with the objects and tasks they use) from a template or another agreement,
and renewing an agreement into its next period. One transaction per use case."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext as _

from openservice.agreements.errors import (
    InvalidStatusChange,
    IsTemplate,
    LineOutsideValidity,
    RenewalPeriodInvalid,
)
from openservice.agreements.models import (
    AgreementLine,
    AgreementObject,
    AgreementTask,
    ServiceAgreement,
)
from openservice.agreements.selectors import lines_of
from openservice.agreements.services.agreements import (
    Status,
    _lock,
    _require_changeable,
    agreement_create,
)
from openservice.agreements.services.lines import LINE_FIELDS, _check_line
from openservice.core.services import audit, save_validated


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
