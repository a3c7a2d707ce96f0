"""Writes for repair codes, repair lines and component replacements; import them from here.
One transaction per use case."""

from openservice.repairs.services.codes import (
    CODE_MODELS,
    code_create,
    code_delete,
    code_set_active,
    code_update,
)
from openservice.repairs.services.lines import (
    repair_line_create,
    repair_line_delete,
    repair_line_update,
)
from openservice.repairs.services.replacement import repair_component_replace

__all__ = [
    "CODE_MODELS",
    "code_create",
    "code_delete",
    "code_set_active",
    "code_update",
    "repair_component_replace",
    "repair_line_create",
    "repair_line_delete",
    "repair_line_update",
]
