"""Return reason groups, reasons and disposition codes, maintained by managers (a code in use is
deactivated, never deleted: returns refer to it)."""

from django.db import transaction
from django.db.models import ProtectedError

from openservice.core.services import audit, only_fields, record_create, record_update
from openservice.returns.errors import CodeInUse
from openservice.returns.models import DispositionCode, ReturnReason, ReturnReasonGroup

# The code lists by their API name.
CODE_MODELS = {
    "reason-groups": ReturnReasonGroup,
    "reasons": ReturnReason,
    "dispositions": DispositionCode,
}
FIELDS = ("code", "name", "description", "is_active", "group", "action")


def _allowed(model) -> tuple[str, ...]:
    names = {f.name for f in model._meta.fields}
    return tuple(name for name in FIELDS if name in names)


@transaction.atomic
def return_code_create(model, *, by, code: str, name: str, **fields):
    record = model(code=code, name=name, **only_fields(_allowed(model), fields))
    return record_create(
        record, by=by, verb=f"{model._meta.model_name}.created", data={"code": code}
    )


@transaction.atomic
def return_code_update(record, *, by, **changes):
    only_fields(_allowed(type(record)), changes)
    return record_update(record, by=by, verb=f"{record._meta.model_name}.changed", changes=changes)


@transaction.atomic
def return_code_delete(record, *, by) -> None:
    """Delete a code nothing refers to (no return, line or reason); one in use is refused:
    deactivate it instead."""
    audit(by, f"{record._meta.model_name}.deleted", record, {"code": record.code})
    try:
        with transaction.atomic():
            record.delete()
    except ProtectedError as exc:
        raise CodeInUse(id=record.pk, return_code=record.code) from exc
