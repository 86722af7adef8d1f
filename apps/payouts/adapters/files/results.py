"""Result files an operator downloads from the bank or processor and uploads back: which
payouts were paid and which failed (and why).

The format is a CSV with a header row (comma, semicolon or tab separated; UTF-8, with or
without BOM, or Latin-1 as spreadsheets save it). Column names are matched without case,
spaces or underscores; the aliases cover what banks' reports call them:

=================  ===========================================================================
column             accepted names
=================  ===========================================================================
reference          ``reference``, ``end_to_end_id``, ``EndToEndId``, ``paymentReference``,
                   ``identification``, ``idempotency_key`` (the id we put in the file; a
                   UUID, its 32 hex digits, or the 15-character NACHA identification)
payout_id          ``payout_id`` (instead of a reference)
status             ``status``, ``result``, ``state``: ``paid`` (or ``success``,
                   ``completed``, ``settled``, ``ok``, ``accsc``) / ``failed`` (or
                   ``rejected``, ``returned``, ``error``, ``rjct``)
failure_code       ``failure_code``, ``code``, ``reason_code``, ``return_code``
failure_reason     ``failure_reason``, ``reason``, ``detail``, ``message``
processor_ref.     ``processor_reference``, ``transfer_id``, ``bank_reference``
=================  ===========================================================================

A failure code may be one of FanzDash's (``account_closed``, ...) or a bank's: NACHA return
codes (``R02`` account closed, ``R03`` no account, ``R04`` invalid account number, ...) and
SEPA reason codes (``AC04`` closed account, ``AC01`` incorrect account number, ...) are
translated; any other code becomes ``processor_rejected`` with the bank's code kept in the
detail. Parsing is all or nothing: one bad row refuses the whole file, naming each bad line.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apps.payouts.adapters.base import FAILURE_CODES, Outcome, ResultLine

from .common import FileFormatError, normalise_reference
from .nacha import IDENTIFICATION_LENGTH

MAX_RESULT_FILE_BYTES = 5 * 1024 * 1024
MAX_RESULT_ROWS = 100_000
MAX_ERRORS_REPORTED = 20

_COLUMNS = {
    "reference": {
        "reference",
        "endtoendid",
        "e2eid",
        "paymentreference",
        "payoutreference",
        "identification",
        "identificationnumber",
        "individualid",
        "idempotencykey",
    },
    "payout_id": {"payoutid"},
    "status": {"status", "result", "state", "outcome"},
    "failure_code": {"failurecode", "code", "reasoncode", "returncode", "errorcode"},
    "failure_reason": {"failurereason", "reason", "detail", "message", "description"},
    "processor_reference": {
        "processorreference",
        "transferid",
        "bankreference",
        "transactionid",
    },
}
_PAID = {"paid", "success", "succeeded", "successful", "completed", "complete", "settled",
         "ok", "accsc", "acsc"}  # fmt: skip
_FAILED = {"failed", "failure", "fail", "rejected", "returned", "error", "rjct", "declined"}

# Bank codes -> FanzDash failure codes (apps/payouts/adapters/base.py FAILURE_CODES).
BANK_FAILURE_CODES = {
    # NACHA return reason codes
    "R01": "insufficient_funds",
    "R02": "account_closed",
    "R03": "account_not_found",
    "R04": "invalid_account_number",
    "R06": "processor_rejected",
    "R14": "account_closed",  # representative payee deceased
    "R15": "account_closed",  # beneficiary deceased
    "R16": "account_frozen",
    "R17": "invalid_details",
    "R20": "invalid_account_number",  # non-transaction account
    "R23": "processor_rejected",  # credit refused by receiver
    "R24": "processor_rejected",  # duplicate entry
    # ISO 20022 / SEPA reason codes (pain.002, camt)
    "AC01": "invalid_account_number",
    "AC04": "account_closed",
    "AC06": "account_frozen",
    "AC13": "invalid_details",
    "AG01": "processor_rejected",
    "AG02": "processor_rejected",
    "AM04": "insufficient_funds",
    "AM05": "processor_rejected",  # duplicate
    "BE01": "name_mismatch",
    "BE04": "invalid_details",
    "MD07": "account_closed",  # end customer deceased
    "MS02": "processor_rejected",
    "MS03": "processor_rejected",
    "RC01": "invalid_details",  # BIC incorrect
    "RR01": "compliance_rejected",
    "RR02": "compliance_rejected",
    "RR03": "compliance_rejected",
    "RR04": "compliance_rejected",
}


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of a result file, checked but not yet matched to a payout."""

    line_number: int
    reference: str
    payout_id: int | None
    outcome: Outcome
    failure_code: str = ""
    failure_reason: str = ""
    processor_reference: str = ""


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_RESULT_FILE_BYTES:
        raise FileFormatError(
            "result_file_too_large",
            f"A result file is at most {MAX_RESULT_FILE_BYTES // (1024 * 1024)} MB.",
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _header_key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", (name or "").lower())


def failure_code_translate(code: str, reason: str) -> tuple[str, str]:
    """(FanzDash failure code, detail) for what the bank wrote."""
    raw = (code or "").strip()
    if not raw:
        return "returned_by_bank", reason
    if raw.lower() in FAILURE_CODES:
        return raw.lower(), reason
    mapped = BANK_FAILURE_CODES.get(raw.upper())
    detail = f"{raw.upper()}: {reason}" if reason else raw.upper()
    return (mapped or "processor_rejected"), detail[:255]


def result_rows_parse(content: bytes | str) -> list[ResultRow]:
    """Every row of a result file, or ``FileFormatError("invalid_result_file", [...])``
    listing the bad lines (nothing is applied from a file with a bad line)."""
    text = _decode(content)
    if not text.strip():
        raise FileFormatError("invalid_result_file", "The result file is empty.")
    first_line = text.splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _header_key(name)
        for column, aliases in _COLUMNS.items():
            if key in aliases and column not in positions:
                positions[column] = index
    if "status" not in positions or not ({"reference", "payout_id"} & positions.keys()):
        raise FileFormatError(
            "invalid_result_file",
            "The header needs a status column and a reference (or payout_id) column; found: "
            + ", ".join(header)[:200],
        )

    def cell(row: list[str], column: str) -> str:
        index = positions.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    rows: list[ResultRow] = []
    errors: list[str] = []
    for line_number, row in enumerate(reader, start=2):
        if not any(value.strip() for value in row):
            continue
        if len(rows) >= MAX_RESULT_ROWS:
            raise FileFormatError(
                "result_file_too_large", f"A result file has at most {MAX_RESULT_ROWS} rows."
            )
        reference = cell(row, "reference")
        payout_id_text = cell(row, "payout_id")
        payout_id = None
        if payout_id_text:
            if not payout_id_text.isdigit():
                errors.append(f"line {line_number}: payout_id {payout_id_text!r} is not a number")
                continue
            payout_id = int(payout_id_text)
        if not reference and payout_id is None:
            errors.append(f"line {line_number}: no reference")
            continue
        status_text = cell(row, "status").lower()
        if status_text in _PAID:
            outcome = Outcome.PAID
        elif status_text in _FAILED:
            outcome = Outcome.FAILED
        else:
            errors.append(f"line {line_number}: status {status_text!r} is not paid or failed")
            continue
        code, reason = "", ""
        if outcome == Outcome.FAILED:
            code, reason = failure_code_translate(
                cell(row, "failure_code"), cell(row, "failure_reason")
            )
        rows.append(
            ResultRow(
                line_number=line_number,
                reference=reference,
                payout_id=payout_id,
                outcome=outcome,
                failure_code=code,
                failure_reason=reason[:255],
                processor_reference=cell(row, "processor_reference")[:200],
            )
        )
    if errors:
        raise FileFormatError("invalid_result_file", errors[:MAX_ERRORS_REPORTED])
    if not rows:
        raise FileFormatError("invalid_result_file", "The result file has no rows.")
    return rows


def reference_index(payout_keys: Mapping[int, str]) -> dict[str, int | None]:
    """Every form a payout's reference can take in a file -> payout id (``None`` when two
    payouts of the batch share a form: ambiguous, refused)."""
    index: dict[str, int | None] = {}

    def add(form: str, payout_id: int) -> None:
        if form in index and index[form] != payout_id:
            index[form] = None
        else:
            index[form] = payout_id

    for payout_id, key in payout_keys.items():
        try:
            hex_key = uuid.UUID(str(key)).hex
        except ValueError:
            hex_key = normalise_reference(key)
        add(hex_key, payout_id)
        add(hex_key[:IDENTIFICATION_LENGTH], payout_id)  # NACHA identification number
    return index


def result_rows_match(
    rows: Sequence[ResultRow], payout_keys: Mapping[int, str]
) -> list[ResultLine]:
    """The rows as :class:`ResultLine` of the batch whose payouts are ``payout_keys``
    (payout id -> idempotency key). A reference that is not this batch's, or a payout named
    twice, refuses the whole file."""
    index = reference_index(payout_keys)
    errors: list[str] = []
    seen: dict[int, int] = {}
    lines: list[ResultLine] = []
    for row in rows:
        if row.payout_id is not None:
            payout_id = row.payout_id if row.payout_id in payout_keys else None
            label = f"payout {row.payout_id}"
        else:
            payout_id = index.get(normalise_reference(row.reference))
            label = f"reference {row.reference!r}"
        if payout_id is None:
            errors.append(f"line {row.line_number}: {label} is not a payout of this batch")
            continue
        if payout_id in seen:
            errors.append(
                f"line {row.line_number}: payout {payout_id} already on line {seen[payout_id]}"
            )
            continue
        seen[payout_id] = row.line_number
        lines.append(
            ResultLine(
                payout_id=payout_id,
                outcome=row.outcome,
                reference=row.processor_reference or row.reference,
                failure_code=row.failure_code,
                detail=row.failure_reason,
            )
        )
    if errors:
        raise FileFormatError("invalid_result_file", errors[:MAX_ERRORS_REPORTED])
    return lines


def result_file_parse(content: bytes | str, payout_keys: Mapping[int, str]) -> list[ResultLine]:
    return result_rows_match(result_rows_parse(content), payout_keys)
