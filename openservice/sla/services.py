"""Writes for SLA policies, their targets and assignments."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from openservice.core.errors import InvalidInput
from openservice.core.events import publish
from openservice.core.services import audit, only_fields, record_set_active, save_validated
from openservice.sla.errors import AlreadyAssigned, PolicyInUse
from openservice.sla.events import SlaPolicyChanged
from openservice.sla.models import SlaAssignment, SlaPolicy, SlaTarget

POLICY_FIELDS = ("name", "description", "calendar", "warning_percent", "is_default", "targets")
TIMING_FIELDS = {"calendar", "warning_percent", "targets"}


def _target_rows(targets: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    rows: dict[str, tuple[int, int]] = {}
    for row in targets:
        priority = row["priority"]
        if priority in rows:
            raise InvalidInput({"targets": [_("Priority %s is listed twice.") % priority]})
        response, resolution = row["response_minutes"], row["resolution_minutes"]
        if resolution < response:
            raise InvalidInput(
                {"targets": [_("%s: resolution cannot be due before the response.") % priority]}
            )
        rows[priority] = (response, resolution)
    return rows


def _write_targets(policy: SlaPolicy, rows: dict[str, tuple[int, int]]) -> None:
    SlaTarget.objects.filter(policy=policy).exclude(priority__in=rows).delete()
    for priority, (response, resolution) in rows.items():
        SlaTarget.objects.update_or_create(
            policy=policy,
            priority=priority,
            defaults={"response_minutes": response, "resolution_minutes": resolution},
        )


def _take_default(policy: SlaPolicy) -> None:
    SlaPolicy.objects.select_for_update().filter(is_default=True).exclude(pk=policy.pk).update(
        is_default=False
    )


@transaction.atomic
def policy_create(
    *,
    by,
    name: str,
    targets: Iterable[Mapping[str, Any]],
    calendar=None,
    warning_percent: int = 75,
    is_default: bool = False,
    description: str = "",
) -> SlaPolicy:
    rows = _target_rows(targets)
    policy = SlaPolicy(
        name=name,
        description=description,
        calendar=calendar,
        warning_percent=warning_percent,
        is_default=is_default,
    )
    if is_default:
        _take_default(policy)
    save_validated(policy)
    _write_targets(policy, rows)
    audit(by, "sla_policy.created", policy, {"name": name, "targets": sorted(rows)})
    return policy


@transaction.atomic
def policy_update(*, policy: SlaPolicy, by, **changes) -> SlaPolicy:
    """Change a policy; `targets` replaces all targets. Orders already measured against it are
    recomputed when its timing (calendar, targets, warning) changes."""
    only_fields(POLICY_FIELDS, changes)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    changed: list[str] = []
    rows = None
    if "targets" in changes:
        rows = _target_rows(changes.pop("targets"))
        current = {
            t.priority: (t.response_minutes, t.resolution_minutes) for t in policy.targets.all()
        }
        if rows != current:
            changed.append("targets")
    for field, value in changes.items():
        if getattr(policy, field) != value:
            setattr(policy, field, value)
            changed.append(field)
    if not changed:
        return policy
    if "is_default" in changed and policy.is_default:
        _take_default(policy)
    save_validated(policy)
    if rows is not None:
        _write_targets(policy, rows)
    if TIMING_FIELDS & set(changed):
        publish(SlaPolicyChanged(policy_id=policy.pk))
    audit(by, "sla_policy.updated", policy, {"changes": sorted(changed)})
    return policy


@transaction.atomic
def policy_set_active(*, policy: SlaPolicy, by, is_active: bool) -> SlaPolicy:
    """An inactive policy is not given to new orders; orders that have it keep it."""
    verb = "sla_policy.activated" if is_active else "sla_policy.deactivated"
    return record_set_active(policy, by=by, verb=verb, is_active=is_active)


@transaction.atomic
def policy_delete(*, policy: SlaPolicy, by) -> None:
    audit(by, "sla_policy.deleted", policy, {"name": policy.name})
    try:
        with transaction.atomic():
            policy.delete()
    except ProtectedError as exc:
        raise PolicyInUse(policy_id=policy.pk) from exc


@transaction.atomic
def assignment_create(*, by, policy: SlaPolicy, customer=None, agreement_group=None):
    """Assign a policy to one customer or to an agreement group. New orders take it (an
    explicit policy or the agreement's still win); existing orders keep theirs."""
    if (customer is None) == (agreement_group is None):
        raise InvalidInput(
            {"__all__": [_("Give either a customer or an agreement group.")]},
        )
    existing = SlaAssignment.objects.filter(customer=customer, agreement_group=agreement_group)
    current = existing.first()
    if current is not None:
        raise AlreadyAssigned(assignment_id=current.pk, policy_id=current.policy_id)
    assignment = SlaAssignment(policy=policy, customer=customer, agreement_group=agreement_group)
    save_validated(assignment)
    audit(
        by,
        "sla_assignment.created",
        assignment,
        {
            "policy": policy.pk,
            "customer": getattr(customer, "pk", None),
            "agreement_group": getattr(agreement_group, "code", None),
        },
    )
    return assignment


@transaction.atomic
def assignment_update(*, assignment: SlaAssignment, by, policy: SlaPolicy) -> SlaAssignment:
    assignment = SlaAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.policy_id != policy.pk:
        old = assignment.policy_id
        assignment.policy = policy
        assignment.save(update_fields=["policy", "updated_at"])
        audit(by, "sla_assignment.updated", assignment, {"policy": [old, policy.pk]})
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: SlaAssignment, by) -> None:
    audit(by, "sla_assignment.deleted", assignment, {"policy": assignment.policy_id})
    assignment.delete()
