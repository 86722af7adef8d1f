"""File adapters: processors paid by a file an operator uploads to the bank or processor
(SEPA pain.001 XML, NACHA ACH, Paxum CSV, Wise CSV), and the result files that come back.

Importing this package registers one :class:`FileSettlementAdapter` per format with
``apps.payouts.adapters.base`` (``adapter_for`` imports it). The formats themselves are
pure functions of :class:`~.common.FileLine` / :class:`~.common.FileHeader` rows; ``batch``
builds those rows from a :class:`~apps.payouts.models.PayoutBatch`.
"""

from __future__ import annotations

from typing import ClassVar

from apps.payouts.adapters.base import (
    ExportedFile,
    FileSettlementAdapter,
    ResultLine,
    register_adapter,
)

from .batch import batch_file_build, batch_result_lines


class BankFileAdapter(FileSettlementAdapter):
    """Submitting waits for the operator (``awaiting_file``); ``export`` writes the batch's
    file; ``parse_result`` reads the bank's result file back into :class:`ResultLine`."""

    file_format: ClassVar[str] = ""

    def export(self, batch) -> ExportedFile:
        return batch_file_build(batch, self.file_format)

    def parse_result(self, batch, content: bytes) -> list[ResultLine]:
        return batch_result_lines(batch, content)


@register_adapter(file_format="sepa")
class SepaFileAdapter(BankFileAdapter):
    file_format = "sepa"


@register_adapter(file_format="nacha")
class NachaFileAdapter(BankFileAdapter):
    file_format = "nacha"


@register_adapter(file_format="paxum")
class PaxumFileAdapter(BankFileAdapter):
    file_format = "paxum"


@register_adapter(file_format="wise")
class WiseFileAdapter(BankFileAdapter):
    file_format = "wise"
