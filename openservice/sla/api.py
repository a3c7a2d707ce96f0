"""API for SLA policies and their assignments to customers and agreement groups."""

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from openservice.calendars.selectors import calendar_get
from openservice.core.crud import MasterDataResource, add_master_data_routes
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, Text, paginate
from openservice.customers.selectors import agreement_group_by_code, customer_get
from openservice.sla import selectors, services
from openservice.sla.models import MAX_TARGET_MINUTES

router = Router(tags=["sla"])

PriorityName = Literal["low", "normal", "high", "critical"]
Minutes = Field(ge=1, le=MAX_TARGET_MINUTES)


class TargetIn(Schema):
    priority: PriorityName
    response_minutes: int = Minutes
    resolution_minutes: int = Minutes


class TargetOut(Schema):
    priority: str
    response_minutes: int
    resolution_minutes: int


class SlaPolicyOut(Schema):
    id: int
    name: str
    description: str
    calendar_id: int | None
    warning_percent: int
    is_default: bool
    is_active: bool
    targets: list[TargetOut]

    @staticmethod
    def resolve_targets(policy) -> list:
        return list(policy.targets.all())


class SlaPolicyCreateIn(Schema):
    name: Text(100, min_length=1)
    description: Text(2000) = ""
    calendar_id: Id | None = Field(None, description="Empty: the company's default calendar")
    warning_percent: int = Field(75, ge=1, le=99)
    is_default: bool = False
    targets: list[TargetIn] = Field(min_length=1, max_length=4)


class SlaPolicyUpdateIn(Schema):
    name: Text(100, min_length=1) = None
    description: Text(2000) = None
    calendar_id: Id | None = None
    warning_percent: int = Field(None, ge=1, le=99)
    is_default: bool = None
    targets: list[TargetIn] = Field(None, min_length=1, max_length=4)


class PolicyFilters(Schema):
    q: Text(100) | None = Field(None, description="Name or description contains")
    is_active: bool | None = None


def _policy_payload(user, data: dict) -> dict:
    if "calendar_id" in data:
        calendar_id = data.pop("calendar_id")
        try:
            data["calendar"] = calendar_id and calendar_get(user=user, calendar_id=calendar_id)
        except NotFound as exc:
            raise InvalidInput({"calendar_id": [_("No such calendar.")]}) from exc
    if data.get("targets") is not None:
        data["targets"] = [dict(row) for row in data["targets"]]
    return data


def _reload(user, policy):
    return selectors.policy_get(user=user, policy_id=policy.pk)


add_master_data_routes(
    router,
    MasterDataResource(
        path="/sla-policies",
        model_label="sla.slapolicy",
        verbose="SLA policy",
        out=SlaPolicyOut,
        create_in=SlaPolicyCreateIn,
        update_in=SlaPolicyUpdateIn,
        filters=PolicyFilters,
        list=selectors.policy_list,
        get=lambda user, pk: selectors.policy_get(user=user, policy_id=pk),
        create=lambda user, data: _reload(
            user, services.policy_create(by=user, **_policy_payload(user, data.dict()))
        ),
        update=lambda user, policy, changes: _reload(
            user,
            services.policy_update(policy=policy, by=user, **_policy_payload(user, changes)),
        ),
        set_active=lambda user, policy, active: _reload(
            user, services.policy_set_active(policy=policy, by=user, is_active=active)
        ),
    ),
)


@router.delete(
    "/sla-policies/{id}",
    response={204: None},
    summary="Delete an SLA policy no order is measured against",
    operation_id="delete_sla_policy",
)
def delete_policy(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "sla.delete_slapolicy")
    policy = selectors.policy_get(user=request.auth, policy_id=id)
    services.policy_delete(policy=policy, by=request.auth)
    return Status(204, None)


class SlaAssignmentOut(Schema):
    id: int
    policy_id: int
    customer_id: int | None
    agreement_group: str | None = Field(description="The agreement group's code")

    @staticmethod
    def resolve_agreement_group(assignment) -> str | None:
        return assignment.agreement_group.code if assignment.agreement_group_id else None


class SlaAssignmentIn(Schema):
    policy_id: Id
    customer_id: Id | None = None
    agreement_group: Text(20, min_length=1) | None = Field(
        None, description="An agreement group's code; give this or customer_id"
    )


class SlaAssignmentUpdateIn(Schema):
    policy_id: Id


class AssignmentFilters(Schema):
    policy_id: Id | None = None
    customer_id: Id | None = None


def _policy_field(user, policy_id: int):
    try:
        return selectors.policy_get(user=user, policy_id=policy_id)
    except NotFound as exc:
        raise InvalidInput({"policy_id": [_("No such SLA policy.")]}) from exc


@router.get(
    "/sla-assignments",
    response=PageOut[SlaAssignmentOut],
    summary="List SLA assignments",
    operation_id="list_sla_assignments",
)
def list_assignments(request: HttpRequest, filters: Query[AssignmentFilters], page: Query[PageIn]):
    require_perm(request.auth, "sla.view_slaassignment")
    return paginate(
        selectors.assignment_list(user=request.auth, **filters.dict(exclude_none=True)), page
    )


@router.get(
    "/sla-assignments/{id}",
    response=SlaAssignmentOut,
    summary="Get an SLA assignment",
    operation_id="get_sla_assignment",
)
def get_assignment(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "sla.view_slaassignment")
    return selectors.assignment_get(user=request.auth, assignment_id=id)


@router.post(
    "/sla-assignments",
    response={201: SlaAssignmentOut},
    summary="Assign a policy to a customer or an agreement group",
    operation_id="create_sla_assignment",
)
def create_assignment(request: HttpRequest, payload: SlaAssignmentIn):
    require_perm(request.auth, "sla.add_slaassignment")
    if (payload.customer_id is None) == (payload.agreement_group is None):
        message = [_("Give either customer_id or agreement_group.")]
        raise InvalidInput({"customer_id": message, "agreement_group": message})
    policy = _policy_field(request.auth, payload.policy_id)
    customer = group = None
    if payload.customer_id is not None:
        try:
            customer = customer_get(user=request.auth, customer_id=payload.customer_id)
        except NotFound as exc:
            raise InvalidInput({"customer_id": [_("No such customer.")]}) from exc
    else:
        group = agreement_group_by_code(payload.agreement_group)
        if group is None:
            raise InvalidInput({"agreement_group": [_("No agreement group has this code.")]})
    assignment = services.assignment_create(
        by=request.auth, policy=policy, customer=customer, agreement_group=group
    )
    return Status(201, selectors.assignment_get(user=request.auth, assignment_id=assignment.pk))


@router.patch(
    "/sla-assignments/{id}",
    response=SlaAssignmentOut,
    summary="Change the policy of an assignment",
    operation_id="update_sla_assignment",
)
def update_assignment(request: HttpRequest, id: Path[Id], payload: SlaAssignmentUpdateIn):
    require_perm(request.auth, "sla.change_slaassignment")
    assignment = selectors.assignment_get(user=request.auth, assignment_id=id)
    policy = _policy_field(request.auth, payload.policy_id)
    services.assignment_update(assignment=assignment, by=request.auth, policy=policy)
    return selectors.assignment_get(user=request.auth, assignment_id=id)


@router.delete(
    "/sla-assignments/{id}",
    response={204: None},
    summary="Remove an SLA assignment",
    operation_id="delete_sla_assignment",
)
def delete_assignment(request: HttpRequest, id: Path[Id]):
    require_perm(request.auth, "sla.delete_slaassignment")
    assignment = selectors.assignment_get(user=request.auth, assignment_id=id)
    services.assignment_delete(assignment=assignment, by=request.auth)
    return Status(204, None)
