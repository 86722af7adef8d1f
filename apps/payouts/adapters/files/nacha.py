"""NACHA ACH file of credits (payouts to US bank accounts), written against the NACHA
Operating Rules' record layouts. Every record is 94 characters; records are grouped in
blocks of 10 (the last block padded with records of 94 ``9``); alphanumeric fields are
left-justified and space-filled (upper case ASCII), numeric fields right-justified and
zero-filled.

Layout (positions 1-based, inclusive)::

    1 File Header     1 "1" | 2-3 priority "01" | 4-13 immediate destination " "+ODFI routing
                      | 14-23 immediate origin | 24-29 creation date YYMMDD | 30-33 time HHMM
                      | 34 file id modifier | 35-37 "094" | 38-39 blocking "10" | 40 format "1"
                      | 41-63 destination name | 64-86 origin name | 87-94 reference code
    5 Batch Header    1 "5" | 2-4 service class "220" (credits only) | 5-20 company name
                      | 21-40 discretionary | 41-50 company id | 51-53 SEC code PPD/CCD
                      | 54-63 entry description | 64-69 descriptive date | 70-75 effective
                      date YYMMDD | 76-78 settlement date (blank: the ACH operator sets it)
                      | 79 originator status "1" | 80-87 ODFI id (8 digits) | 88-94 batch no.
    6 Entry Detail    1 "6" | 2-3 transaction code (22 checking credit, 32 savings credit)
                      | 4-11 RDFI routing (8 digits) | 12 check digit | 13-29 account number
                      | 30-39 amount in cents | 40-54 identification number (the payout's
                      reference) | 55-76 receiver's name | 77-78 discretionary | 79 addenda
                      indicator "0" | 80-94 trace number (ODFI id + 7-digit sequence)
    8 Batch Control   1 "8" | 2-4 service class | 5-10 entry/addenda count | 11-20 entry hash
                      | 21-32 total debits | 33-44 total credits | 45-54 company id | 55-73
                      authentication code (blank) | 74-79 reserved | 80-87 ODFI id | 88-94
                      batch number
    9 File Control    1 "9" | 2-7 batch count | 8-13 block count | 14-21 entry/addenda count
                      | 22-31 entry hash | 32-43 total debits | 44-55 total credits
                      | 56-94 reserved

The entry hash is the sum of the 8-digit RDFI routing numbers (without check digit) of the
entries, keeping its last 10 digits. Amounts are integer cents from minor units; no float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from apps.payouts.validation import aba_routing_valid

from .common import (
    FileFormatError,
    FileHeader,
    FileLine,
    ascii_text,
    check_amount,
    check_single_currency,
    check_unique_payouts,
)

NACHA_CURRENCY = "USD"
RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
SERVICE_CLASS_CREDITS = "220"
TRANSACTION_CODES = {"checking": "22", "savings": "32"}
SEC_CODES = ("PPD", "CCD")
MAX_ENTRY_AMOUNT_MINOR = 99_999_999_99  # 10 digits of cents
MAX_BATCH_TOTAL_MINOR = 10**12 - 1  # 12 digits of cents
MAX_ENTRIES_PER_BATCH = 9_999_999  # 7-digit trace sequence
IDENTIFICATION_LENGTH = 15
FILLER_RECORD = "9" * RECORD_LENGTH

_DIGITS = re.compile(r"^[0-9]+$")
_ACCOUNT = re.compile(r"^[A-Z0-9-]{1,17}$")
_ALNUM_DISALLOWED = re.compile(r"[^A-Z0-9 .,&'/()\-]")


def alpha(value: str, length: int) -> str:
    """An alphanumeric field: upper-case ASCII, left-justified, space-filled, cut to fit."""
    text = _ALNUM_DISALLOWED.sub(" ", ascii_text(value).upper())
    return text[:length].ljust(length)


def numeric(value: int, length: int, what: str = "field") -> str:
    """A numeric field: right-justified, zero-filled; refuses a value that does not fit."""
    if type(value) is not int or value < 0:
        raise FileFormatError("invalid_number", f"{what} must be a non-negative integer.")
    text = str(value)
    if len(text) > length:
        raise FileFormatError("number_too_large", f"{what} {value} does not fit {length} digits.")
    return text.rjust(length, "0")


def nacha_identification(reference: str) -> str:
    """The entry's identification number (15 characters): the first 15 hex digits of the
    payout's idempotency key, which the bank's return reports echo."""
    text = re.sub(r"[^A-Za-z0-9]", "", reference).upper()
    return text[:IDENTIFICATION_LENGTH]


def _immediate_origin(value: str) -> str:
    """Positions 14-23: a 9-digit routing number is written `` bTTTTAAAAC`` (leading
    space); anything else (a 10-character company id the ODFI assigned) as given."""
    text = re.sub(r"\s", "", value or "")
    if len(text) == 9 and _DIGITS.match(text):
        return " " + text
    return alpha(text, 10)


def _record(*fields: str) -> str:
    record = "".join(fields)
    if len(record) != RECORD_LENGTH:  # a bug here would corrupt a bank file: fail loudly
        raise AssertionError(f"NACHA record of {len(record)} characters: {record!r}")
    return record


@dataclass(frozen=True, slots=True)
class NachaTotals:
    batches: int
    entries: int
    blocks: int
    entry_hash: int
    total_credit_minor: int


def _check_routing(routing: str, what: str) -> str:
    routing = re.sub(r"\s", "", routing or "")
    if not aba_routing_valid(routing):
        raise FileFormatError(
            "invalid_routing_number", f"{what}: {routing!r} is not a valid ABA routing number."
        )
    return routing


def nacha_check(header: FileHeader, lines: Sequence[FileLine]) -> None:
    """Refuse (``FileFormatError``) what a NACHA credit file cannot carry."""
    if not lines:
        raise FileFormatError("empty_batch", "A NACHA file needs at least one payout.")
    _check_routing(header.ach_odfi_routing, "ODFI (our bank)")
    if header.ach_sec_code not in SEC_CODES:
        raise FileFormatError("invalid_sec_code", f"SEC code must be one of {SEC_CODES}.")
    if not re.fullmatch(r"[A-Z0-9]", header.ach_file_id_modifier or ""):
        raise FileFormatError("invalid_file_id_modifier", "File id modifier is A-Z or 0-9.")
    if not (header.ach_company_id or "").strip():
        raise FileFormatError("invalid_company_id", "The ACH company id is missing.")
    check_single_currency(list(lines), NACHA_CURRENCY)
    check_unique_payouts(list(lines))
    for line in lines:
        amount = check_amount(line)
        if amount > MAX_ENTRY_AMOUNT_MINOR:
            raise FileFormatError(
                "amount_too_large",
                f"Payout {line.payout_id}: an ACH entry is at most $99,999,999.99.",
            )
        _check_routing(line.routing_number, f"Payout {line.payout_id}")
        account = re.sub(r"\s", "", line.account_number or "").upper()
        if not _ACCOUNT.match(account):
            raise FileFormatError(
                "invalid_account_number",
                f"Payout {line.payout_id}: the account number must be 1 to 17 letters or digits.",
            )
        if line.account_type not in TRANSACTION_CODES:
            raise FileFormatError(
                "invalid_account_type",
                f"Payout {line.payout_id}: account type must be checking or savings.",
            )
        if not ascii_text(line.name):
            raise FileFormatError("invalid_name", f"Payout {line.payout_id}: no receiver name.")


def nacha_file(
    header: FileHeader, lines: Sequence[FileLine], *, max_entries_per_batch: int = 10_000
) -> str:
    """The ACH file for ``lines``: one batch of credits per ``max_entries_per_batch`` entries
    (our own cap, well under the format's 7-digit trace sequence), one record per line
    (``\\n``), ending with a newline."""
    return (
        "\n".join(nacha_records(header, lines, max_entries_per_batch=max_entries_per_batch)) + "\n"
    )


def nacha_records(
    header: FileHeader, lines: Sequence[FileLine], *, max_entries_per_batch: int = 10_000
) -> list[str]:
    nacha_check(header, lines)
    if not 1 <= max_entries_per_batch <= MAX_ENTRIES_PER_BATCH:
        raise ValueError("max_entries_per_batch out of range")
    odfi_routing = re.sub(r"\s", "", header.ach_odfi_routing)
    odfi_id = odfi_routing[:8]
    company_name = alpha(header.originator_name, 16)
    company_id = alpha(header.ach_company_id, 10)
    created = header.created_at
    records = [
        _record(
            "1",
            "01",
            " " + odfi_routing,
            _immediate_origin(header.ach_immediate_origin or header.ach_company_id),
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            header.ach_file_id_modifier,
            "094",
            "10",
            "1",
            alpha(header.ach_odfi_name, 23),
            alpha(header.originator_name, 23),
            alpha(header.message_id[-8:], 8),
        )
    ]
    file_entries = 0
    file_hash = 0
    file_credit = 0
    batch_count = 0
    for start in range(0, len(lines), max_entries_per_batch):
        chunk = lines[start : start + max_entries_per_batch]
        batch_count += 1
        batch_number = numeric(batch_count, 7, "batch number")
        records.append(
            _record(
                "5",
                SERVICE_CLASS_CREDITS,
                company_name,
                alpha("", 20),
                company_id,
                header.ach_sec_code,
                alpha(header.ach_entry_description, 10),
                header.execution_date.strftime("%y%m%d"),
                header.execution_date.strftime("%y%m%d"),
                "   ",
                "1",
                odfi_id,
                batch_number,
            )
        )
        batch_hash = 0
        batch_credit = 0
        for sequence, line in enumerate(chunk, start=1):
            routing = re.sub(r"\s", "", line.routing_number)
            account = re.sub(r"\s", "", line.account_number).upper()
            records.append(
                _record(
                    "6",
                    TRANSACTION_CODES[line.account_type],
                    routing[:8],
                    routing[8],
                    account.ljust(17),
                    numeric(line.amount_minor, 10, f"Payout {line.payout_id} amount"),
                    alpha(nacha_identification(line.reference), 15),
                    alpha(line.name, 22),
                    "  ",
                    "0",
                    odfi_id + numeric(sequence, 7, "trace sequence"),
                )
            )
            batch_hash += int(routing[:8])
            batch_credit += line.amount_minor
        if batch_credit > MAX_BATCH_TOTAL_MINOR:
            raise FileFormatError("amount_too_large", "A batch's total does not fit 12 digits.")
        records.append(
            _record(
                "8",
                SERVICE_CLASS_CREDITS,
                numeric(len(chunk), 6, "entry count"),
                numeric(batch_hash % 10**10, 10),
                numeric(0, 12),
                numeric(batch_credit, 12),
                company_id,
                " " * 19,
                " " * 6,
                odfi_id,
                batch_number,
            )
        )
        file_entries += len(chunk)
        file_hash += batch_hash
        file_credit += batch_credit
    record_count = len(records) + 1  # with the file control
    blocks = -(-record_count // BLOCKING_FACTOR)
    if file_credit > MAX_BATCH_TOTAL_MINOR:
        raise FileFormatError("amount_too_large", "The file's total does not fit 12 digits.")
    records.append(
        _record(
            "9",
            numeric(batch_count, 6, "batch count"),
            numeric(blocks, 6, "block count"),
            numeric(file_entries, 8, "entry count"),
            numeric(file_hash % 10**10, 10),
            numeric(0, 12),
            numeric(file_credit, 12),
            " " * 39,
        )
    )
    records.extend([FILLER_RECORD] * (blocks * BLOCKING_FACTOR - len(records)))
    return records
