"""Settlement adapters: one interface (``base.SettlementAdapter``) for every processor.

API adapters (``sandbox.py``, real processors later) and file adapters (``files/``) register
themselves with ``base.register_adapter``; ``adapter_for(processor)`` finds the one to use.
"""

from .base import (
    FAILURE_CODES,
    ExportedFile,
    FailureCode,
    FileSettlementAdapter,
    Outcome,
    ResultLine,
    SettlementAdapter,
    SubmitResult,
    adapter_for,
    failure_for,
    failure_message,
    is_transient,
    register_adapter,
)

__all__ = [
    "FAILURE_CODES",
    "ExportedFile",
    "FailureCode",
    "FileSettlementAdapter",
    "Outcome",
    "ResultLine",
    "SettlementAdapter",
    "SubmitResult",
    "adapter_for",
    "failure_for",
    "failure_message",
    "is_transient",
    "register_adapter",
]
