"""Repair codes, maintained by managers: created, renamed, described, deactivated (a code in
use is never deleted: repair history refers to it)."""

from django.db import transaction

from openservice.core.services import only_fields, record_create, record_update
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
    record = model(code=code, name=name, **only_fields(_allowed(model), fields))
    return record_create(
        record, by=by, verb=f"{model._meta.model_name}.created", data={"code": code}
    )


@transaction.atomic
def code_update(record, *, by, **changes):
    only_fields(_allowed(type(record)), changes)
    return record_update(record, by=by, verb=f"{record._meta.model_name}.changed", changes=changes)
