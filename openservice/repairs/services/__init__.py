"""Writes for repair codes and repair lines; import them from here. One transaction per use
case."""

from openservice.repairs.services.codes import CODE_MODELS, code_create, code_update
from openservice.repairs.services.lines import (
    repair_line_create,
    repair_line_delete,
    repair_line_update,
)

__all__ = [
    "CODE_MODELS",
    "code_create",
    "code_update",
    "repair_line_create",
    "repair_line_delete",
    "repair_line_update",
]
