"""Reads for SLA policies, and which policy a new order takes."""

from django.db.models import Prefetch, Q, QuerySet

from openservice.calendars.selectors import arithmetic_of
from openservice.core.errors import NotFound
from openservice.core.roles import is_staff_member
from openservice.core.selectors import text_search
from openservice.sla.clock import Targets
from openservice.sla.models import SlaAssignment, SlaPolicy, SlaTarget


def policy_list(
    *, user, q: str | None = None, is_active: bool | None = None
) -> QuerySet[SlaPolicy]:
    policies = SlaPolicy.objects.select_related("calendar").prefetch_related(
        Prefetch("targets", queryset=SlaTarget.objects.order_by("response_minutes", "priority"))
    )
    if not is_staff_member(user):
        policies = policies.none()
    policies = text_search(policies, q, ["name", "description"])
    if is_active is not None:
        policies = policies.filter(is_active=is_active)
    return policies.order_by("name", "pk")


def policy_get(*, user, policy_id: int) -> SlaPolicy:
    policy = policy_list(user=user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(policy_id=policy_id)
    return policy


def assignment_list(
    *, user, policy_id: int | None = None, customer_id: int | None = None
) -> QuerySet[SlaAssignment]:
    assignments = SlaAssignment.objects.select_related("policy", "customer", "agreement_group")
    if not is_staff_member(user):
        assignments = assignments.none()
    if policy_id is not None:
        assignments = assignments.filter(policy_id=policy_id)
    if customer_id is not None:
        assignments = assignments.filter(customer_id=customer_id)
    return assignments.order_by("pk")


def assignment_get(*, user, assignment_id: int) -> SlaAssignment:
    assignment = assignment_list(user=user).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(assignment_id=assignment_id)
    return assignment


def policy_for_order(*, customer, agreement_policy: SlaPolicy | None = None) -> SlaPolicy | None:
    """The policy a new order takes when none is set on it explicitly: its agreement's, else the
    customer's, else the customer's agreement group's, else the default (active ones only)."""
    if agreement_policy is not None and agreement_policy.is_active:
        return agreement_policy
    where = Q(customer_id=customer.pk)
    if customer.agreement_group_id:
        where |= Q(agreement_group_id=customer.agreement_group_id)
    rows = SlaAssignment.objects.select_related("policy").filter(where, policy__is_active=True)
    assignments = {("customer" if row.customer_id else "group"): row.policy for row in rows}
    for key in ("customer", "group"):
        if key in assignments:
            return assignments[key]
    return SlaPolicy.objects.filter(is_default=True, is_active=True).first()


def policies_for_customers(customers) -> dict[int, SlaPolicy | None]:
    """policy_for_order without an agreement policy, for many customers in two queries."""
    customers = list(customers)
    group_ids = {c.agreement_group_id for c in customers if c.agreement_group_id}
    rows = SlaAssignment.objects.select_related("policy").filter(
        Q(customer_id__in=[c.pk for c in customers]) | Q(agreement_group_id__in=group_ids),
        policy__is_active=True,
    )
    by_customer = {row.customer_id: row.policy for row in rows if row.customer_id}
    by_group = {row.agreement_group_id: row.policy for row in rows if row.agreement_group_id}
    default = SlaPolicy.objects.filter(is_default=True, is_active=True).first()
    return {
        c.pk: by_customer.get(c.pk) or by_group.get(c.agreement_group_id) or default
        for c in customers
    }


def targets_of(policy: SlaPolicy, priority: str) -> Targets | None:
    """The policy's targets for a priority (None: the policy sets none for it)."""
    for target in policy.targets.all():
        if target.priority == priority:
            return Targets(
                response_minutes=target.response_minutes,
                resolution_minutes=target.resolution_minutes,
                warning_percent=policy.warning_percent,
            )
    return None


def calendar_of(policy: SlaPolicy):
    """The business-time arithmetic the policy measures in (its calendar, or the default)."""
    return arithmetic_of(policy.calendar)


def policies_measured_on(*, calendar_id: int, or_default: bool) -> list[int]:
    """Ids of the policies that count in a calendar; with `or_default`, also those that name no
    calendar (they count in the company default)."""
    where = Q(calendar_id=calendar_id)
    if or_default:
        where |= Q(calendar__isnull=True)
    return list(SlaPolicy.objects.filter(where).values_list("pk", flat=True))


def policies_by_ids(policy_ids) -> list[SlaPolicy]:
    """Policies with their calendars (and its days) and targets, whoever asks: for measuring
    and showing orders' SLAs."""
    return list(
        SlaPolicy.objects.select_related("calendar")
        .prefetch_related("targets", "calendar__closed_days", "calendar__open_days")
        .filter(pk__in=policy_ids)
    )


def policy_by_id(policy_id: int | None) -> SlaPolicy | None:
    if policy_id is None:
        return None
    found = policies_by_ids([policy_id])
    return found[0] if found else None
