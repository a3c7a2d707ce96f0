"""Writes for agreement lines: the rules a line keeps against its agreement, and adding,
changing and deleting lines. One transaction per use case."""

from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from openservice.agreements import recurrence
from openservice.agreements.errors import (
    AmountTooLarge,
    IntervalNotPositive,
    LineInUse,
    LineOutsideValidity,
    ObjectNotCovered,
    WindowWiderThanInterval,
)
from openservice.agreements.models import AgreementLine, ServiceAgreement
from openservice.agreements.services.agreements import _lock, _require_changeable
from openservice.core.money import MAX_AMOUNT
from openservice.core.services import audit, only_fields, save_validated

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
# Changing these moves the line's occurrences (generation then starts after the last one
# generated on the old schedule).
SCHEDULE_FIELDS = {"starts_on", "interval_unit", "interval_every"}


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
