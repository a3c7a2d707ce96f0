"""API for service agreements, their lines, copying and renewal, and template groups. Generating
orders (`/agreements/generate`, `/agreements/{id}/forecast`) is served by the orders app."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.responses import Status

from openservice.agreements import selectors, services
from openservice.agreements.models import AgreementLine, ServiceAgreement
from openservice.agreements.schemas import (
    AgreementCopyLinesIn,
    AgreementCreateIn,
    AgreementFilters,
    AgreementLineCreateIn,
    AgreementLineOut,
    AgreementLineUpdateIn,
    AgreementOut,
    AgreementRenewIn,
    AgreementUpdateIn,
    TemplateGroupIn,
    TemplateGroupOut,
    TemplateGroupUpdateIn,
)
from openservice.calendars.selectors import calendar_get
from openservice.catalog.selectors import item_get, task_get
from openservice.core.errors import InvalidInput, NotFound
from openservice.core.references import referenced as _ref
from openservice.core.roles import require_perm
from openservice.core.schemas import Id, PageIn, PageOut, paginate
from openservice.core.users import user_by_id
from openservice.customers.selectors import agreement_group_by_code, customer_get, site_get
from openservice.equipment.selectors import object_get
from openservice.sla.selectors import policy_get
from openservice.workforce.selectors import technician_get

router = Router(tags=["agreements"])


def _user(pk: int):
    found = user_by_id(pk)
    if found is None:
        raise NotFound(user_id=pk)
    return found


# (API field, service argument, lookup by id)
LINKS = (
    ("customer_id", "customer", lambda user, pk: customer_get(user=user, customer_id=pk)),
    ("site_id", "site", lambda user, pk: site_get(user=user, site_id=pk)),
    ("calendar_id", "calendar", lambda user, pk: calendar_get(user=user, calendar_id=pk)),
    ("sla_policy_id", "sla_policy", lambda user, pk: policy_get(user=user, policy_id=pk)),
    (
        "preferred_technician_id",
        "preferred_technician",
        lambda user, pk: technician_get(user=user, technician_id=pk),
    ),
    ("responsible_id", "responsible", lambda user, pk: _user(pk)),
    (
        "template_group_id",
        "template_group",
        lambda user, pk: selectors.template_group_get(user=user, group_id=pk),
    ),
    ("task_id", "task", lambda user, pk: task_get(user=user, task_id=pk)),
    ("object_id", "object", lambda user, pk: object_get(user=user, object_id=pk)),
    ("technician_id", "technician", lambda user, pk: technician_get(user=user, technician_id=pk)),
    ("item_id", "item", lambda user, pk: item_get(user=user, item_id=pk)),
)


def _links(user, data: dict) -> dict:
    """API ids to records (422 naming the field when one is not visible)."""
    for field, name, lookup in LINKS:
        if field in data:
            pk = data.pop(field)
            data[name] = pk and _ref(field, lookup, user=user, pk=pk)
    if "agreement_group" in data:
        code = data.pop("agreement_group")
        group = agreement_group_by_code(code) if code else None
        if code and group is None:
            raise InvalidInput({"agreement_group": [_("No agreement group %s.") % code]})
        data["agreement_group"] = group
    if data.get("objects") is not None:
        data["objects"] = [
            (
                _ref("objects", object_get, user=user, object_id=row["object_id"]),
                row.get("internal_note", ""),
                row.get("external_note", ""),
            )
            for row in data["objects"]
        ]
    if data.get("tasks") is not None:
        data["tasks"] = [
            (
                _ref("tasks", task_get, user=user, task_id=row["task_id"]),
                row.get("internal_note", ""),
                row.get("external_note", ""),
            )
            for row in data["tasks"]
        ]
    if "interval_unit" in data:
        data["interval_unit"] = data["interval_unit"] or ""
    return data


def _agreement(request, agreement_id: int, perm: str = "view") -> ServiceAgreement:
    require_perm(request.auth, f"agreements.{perm}_serviceagreement")
    return selectors.agreement_get(user=request.auth, agreement_id=agreement_id)


def _fresh(request, agreement_id: int) -> ServiceAgreement:
    return selectors.agreement_get(user=request.auth, agreement_id=agreement_id)


@router.get(
    "/agreements",
    response=PageOut[AgreementOut],
    operation_id="list_agreements",
    summary="Service agreements and templates",
)
def list_agreements(request: HttpRequest, filters: Query[AgreementFilters], page: Query[PageIn]):
    require_perm(request.auth, "agreements.view_serviceagreement")
    data = filters.dict(exclude_none=True)
    if "group" in data:
        data["agreement_group"] = data.pop("group")
    return paginate(selectors.agreement_list(user=request.auth, **data), page)


@router.get(
    "/agreements/{id}", response=AgreementOut, operation_id="get_agreement", summary="An agreement"
)
def get_agreement(request: HttpRequest, id: Path[Id]):
    return _agreement(request, id)


@router.post(
    "/agreements",
    response={201: AgreementOut},
    operation_id="create_agreement",
    summary="Create an agreement (a draft; a template with template_group_id)",
)
def create_agreement(request: HttpRequest, payload: AgreementCreateIn):
    require_perm(request.auth, "agreements.add_serviceagreement")
    data = _links(request.auth, payload.dict())
    errors = {}
    if data.get("template_group") is None:
        for field in ("customer", "site"):
            if data.get(field) is None:
                errors[f"{field}_id"] = [_("An agreement that is not a template needs this.")]
    if errors:
        raise InvalidInput(errors)
    agreement = services.agreement_create(by=request.auth, **data)
    return Status(201, _fresh(request, agreement.pk))


@router.patch(
    "/agreements/{id}",
    response=AgreementOut,
    operation_id="update_agreement",
    summary="Change an agreement (objects and tasks, when given, replace the relations)",
)
def update_agreement(request: HttpRequest, id: Path[Id], payload: AgreementUpdateIn):
    agreement = _agreement(request, id, "change")
    data = _links(request.auth, payload.dict(include=payload.model_fields_set))
    services.agreement_update(agreement=agreement, by=request.auth, **data)
    return _fresh(request, id)


@router.delete(
    "/agreements/{id}",
    response={204: None},
    operation_id="delete_agreement",
    summary="Delete a draft, cancelled or template agreement that no order was made under",
)
def delete_agreement(request: HttpRequest, id: Path[Id]):
    agreement = _agreement(request, id, "delete")
    services.agreement_delete(agreement=agreement, by=request.auth)
    return Status(204, None)


def _status_action(action: str, summary: str):
    @router.post(
        f"/agreements/{{id}}/{action}",
        response=AgreementOut,
        operation_id=f"{action}_agreement",
        summary=summary,
    )
    def change_status(request: HttpRequest, id: Path[Id]):
        agreement = _agreement(request, id, "change")
        services.agreement_change_status(agreement=agreement, by=request.auth, action=action)
        return _fresh(request, id)

    return change_status


activate_agreement = _status_action("activate", "Activate a draft: it starts generating orders")
suspend_agreement = _status_action("suspend", "Suspend: no orders are generated until resumed")
resume_agreement = _status_action("resume", "Resume a suspended agreement")
cancel_agreement = _status_action("cancel", "Cancel: no more orders; existing orders stay")


@router.post(
    "/agreements/{id}/renew",
    response=AgreementOut,
    operation_id="renew_agreement",
    summary="Renew into a new period: answers with the new (draft) agreement",
)
def renew_agreement(request: HttpRequest, id: Path[Id], payload: AgreementRenewIn | None = None):
    agreement = _agreement(request, id, "change")
    require_perm(request.auth, "agreements.add_serviceagreement")
    payload = payload or AgreementRenewIn()
    renewal = services.agreement_renew(
        agreement=agreement, by=request.auth, starts_on=payload.starts_on, ends_on=payload.ends_on
    )
    return _fresh(request, renewal.pk)


# -- Lines -------------------------------------------------------------------------------------


@router.get(
    "/agreements/{id}/lines",
    response=list[AgreementLineOut],
    operation_id="list_agreement_lines",
    summary="An agreement's lines",
)
def list_lines(request: HttpRequest, id: Path[Id]):
    agreement = _agreement(request, id)
    return list(selectors.line_list(user=request.auth, agreement_id=agreement.pk))


def _line(request, agreement_id: int, line_id: int, perm: str = "view") -> AgreementLine:
    require_perm(request.auth, f"agreements.{perm}_agreementline")
    _agreement(request, agreement_id)
    return selectors.line_get(user=request.auth, agreement_id=agreement_id, line_id=line_id)


@router.get(
    "/agreements/{id}/lines/{line_id}",
    response=AgreementLineOut,
    operation_id="get_agreement_line",
    summary="An agreement line",
)
def get_line(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    return _line(request, id, line_id)


@router.post(
    "/agreements/{id}/lines",
    response={201: AgreementLineOut},
    operation_id="create_agreement_line",
    summary="Add a line",
)
def create_line(request: HttpRequest, id: Path[Id], payload: AgreementLineCreateIn):
    require_perm(request.auth, "agreements.add_agreementline")
    agreement = _agreement(request, id)
    data = _links(request.auth, payload.dict())
    line = services.agreement_line_create(agreement=agreement, by=request.auth, **data)
    return Status(201, selectors.line_get(user=request.auth, agreement_id=id, line_id=line.pk))


@router.patch(
    "/agreements/{id}/lines/{line_id}",
    response=AgreementLineOut,
    operation_id="update_agreement_line",
    summary="Change a line (orders already generated keep what they were made with)",
)
def update_line(
    request: HttpRequest, id: Path[Id], line_id: Path[Id], payload: AgreementLineUpdateIn
):
    line = _line(request, id, line_id, "change")
    data = _links(request.auth, payload.dict(include=payload.model_fields_set))
    services.agreement_line_update(line=line, by=request.auth, **data)
    return selectors.line_get(user=request.auth, agreement_id=id, line_id=line_id)


@router.delete(
    "/agreements/{id}/lines/{line_id}",
    response={204: None},
    operation_id="delete_agreement_line",
    summary="Delete a line that generated no orders (stop it otherwise)",
)
def delete_line(request: HttpRequest, id: Path[Id], line_id: Path[Id]):
    line = _line(request, id, line_id, "delete")
    services.agreement_line_delete(line=line, by=request.auth)
    return Status(204, None)


@router.post(
    "/agreements/{id}/copy-lines",
    response=list[AgreementLineOut],
    operation_id="copy_agreement_lines",
    summary="Copy lines (with their objects and tasks) from a template or another agreement",
)
def copy_lines(request: HttpRequest, id: Path[Id], payload: AgreementCopyLinesIn):
    require_perm(request.auth, "agreements.add_agreementline")
    agreement = _agreement(request, id, "change")
    source = _ref(
        "from_agreement_id",
        selectors.agreement_get,
        user=request.auth,
        agreement_id=payload.from_agreement_id,
    )
    lines = services.agreement_copy_lines(
        agreement=agreement, source=source, by=request.auth, line_ids=payload.line_ids
    )
    return list(
        selectors.line_list(user=request.auth, agreement_id=id).filter(
            pk__in=[line.pk for line in lines]
        )
    )


# -- Template groups ---------------------------------------------------------------------------


@router.get(
    "/agreement-template-groups",
    response=list[TemplateGroupOut],
    operation_id="list_template_groups",
    summary="Template groups (a tree: parent_id)",
)
def list_template_groups(request: HttpRequest):
    require_perm(request.auth, "agreements.view_templategroup")
    return list(selectors.template_group_list(user=request.auth))


@router.post(
    "/agreement-template-groups",
    response={201: TemplateGroupOut},
    operation_id="create_template_group",
    summary="Create a template group",
)
def create_template_group(request: HttpRequest, payload: TemplateGroupIn):
    require_perm(request.auth, "agreements.add_templategroup")
    data = payload.dict()
    parent_id = data.pop("parent_id")
    parent = parent_id and _ref(
        "parent_id", selectors.template_group_get, user=request.auth, group_id=parent_id
    )
    group = services.template_group_create(by=request.auth, parent=parent, **data)
    return Status(201, group)


@router.patch(
    "/agreement-template-groups/{id}",
    response=TemplateGroupOut,
    operation_id="update_template_group",
    summary="Rename or move a template group",
)
def update_template_group(request: HttpRequest, id: Path[Id], payload: TemplateGroupUpdateIn):
    require_perm(request.auth, "agreements.change_templategroup")
    group = selectors.template_group_get(user=request.auth, group_id=id)
    data = payload.dict(include=payload.model_fields_set)
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        data["parent"] = parent_id and _ref(
            "parent_id", selectors.template_group_get, user=request.auth, group_id=parent_id
        )
    return services.template_group_update(group=group, by=request.auth, **data)


__all__ = ["router"]
