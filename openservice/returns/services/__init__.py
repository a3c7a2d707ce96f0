"""Writes for returns; import them from here. One transaction per use case."""

from openservice.returns.services.codes import (
    CODE_MODELS,
    return_code_create,
    return_code_delete,
    return_code_update,
)
from openservice.returns.services.flow import (
    arrival_register,
    line_inspect,
    line_quarantine,
    line_set_disposition,
)
from openservice.returns.services.processing import ProcessResult, replacement_ship, return_process
from openservice.returns.services.returns import (
    LineInput,
    return_cancel,
    return_close,
    return_create,
    return_delete,
    return_line_cancel,
    return_update,
)

__all__ = [
    "CODE_MODELS",
    "LineInput",
    "ProcessResult",
    "arrival_register",
    "line_inspect",
    "line_quarantine",
    "line_set_disposition",
    "replacement_ship",
    "return_cancel",
    "return_close",
    "return_code_create",
    "return_code_delete",
    "return_code_update",
    "return_create",
    "return_delete",
    "return_line_cancel",
    "return_process",
    "return_update",
]
