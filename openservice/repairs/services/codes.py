"""Repair codes, maintained by managers: created, renamed, described, deactivated (a code in
use is never deleted: repair history refers to it). Codes are kept in capitals, so `door` and
`DOOR` cannot both exist."""

from django.db import transaction
from django.db.models import ProtectedError

from openservice.core.services import (
    audit,
    only_fields,
    record_create,
    record_set_active,
    record_update,
)
from openservice.repairs.errors import CodeInUse
from openservice.repairs.models import (
    Condition,
    DiagnosisArea,
    DiagnosisCode,
    RepairStage,
    Resolution,
    SymptomArea,
    SymptomCode,
)

# The code lists by their API name.
CODE_MODELS = {
    "conditions": Condition,
    "symptom-areas": SymptomArea,
    "symptom-codes": SymptomCode,
    "diagnosis-areas": DiagnosisArea,
    "diagnosis-codes": DiagnosisCode,
    "resolutions": Resolution,
    "stages": RepairStage,
}
FIELDS = ("code", "name", "description", "is_active", "area", "is_finished", "sort_order")


def _allowed(model) -> tuple[str, ...]:
    names = {f.name for f in model._meta.fields}
    return tuple(name for name in FIELDS if name in names)


@transaction.atomic
def code_create(model, *, by, code: str, name: str, **fields):
    record = model(code=code.upper(), name=name, **only_fields(_allowed(model), fields))
    return record_create(
        record, by=by, verb=f"{model._meta.model_name}.created", data={"code": record.code}
    )


@transaction.atomic
def code_update(record, *, by, **changes):
    only_fields(_allowed(type(record)), changes)
    if "code" in changes:
        changes["code"] = changes["code"].upper()
    return record_update(record, by=by, verb=f"{record._meta.model_name}.changed", changes=changes)


@transaction.atomic
def code_set_active(record, *, by, is_active: bool):
    name = record._meta.model_name
    verb = f"{name}.activated" if is_active else f"{name}.deactivated"
    return record_set_active(record, by=by, verb=verb, is_active=is_active)


@transaction.atomic
def code_delete(record, *, by) -> None:
    """Delete a code nothing refers to (no repair line, no code of an area); one in use is
    refused: deactivate it instead."""
    audit(by, f"{record._meta.model_name}.deleted", record, {"code": record.code})
    try:
        with transaction.atomic():
            record.delete()
    except ProtectedError as exc:
        raise CodeInUse(id=record.pk, repair_code=record.code) from exc
