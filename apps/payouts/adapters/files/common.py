"""What every bank / processor file shares: the plain rows they are written from
(:class:`FileLine`, :class:`FileHeader`), exact amounts, references that fit each format,
text cleaned to the characters banks accept, and CSV cells that cannot become formulas.

These are pure functions of their arguments (no database, no settings), so the formats are
tested and benchmarked without Django models; ``batch.py`` builds the rows from a
:class:`~apps.payouts.models.PayoutBatch`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from text_unidecode import unidecode

from apps.core.csv import csv_safe as core_csv_safe
from apps.core.currencies import ISO_4217
from apps.core.exceptions import ApplicationError


class FileFormatError(ApplicationError):
    """A batch, a header or a line that a file format cannot carry (wrong currency, missing
    IBAN, a routing number with a bad check digit, an amount too large for its field, ...).
    Nothing is written when it is raised."""

    def __init__(self, code: str, detail: object = None) -> None:
        super().__init__(code, detail, status_code=422)


@dataclass(frozen=True, slots=True)
class FileLine:
    """One payout as a file carries it. ``reference`` is the payout's idempotency key (the
    id the bank echoes back in its result file); ``amount_minor`` is what the creator
    receives, in integer minor units of ``currency``."""

    payout_id: int
    reference: str
    name: str
    amount_minor: int
    currency: str
    # SEPA
    iban: str = ""
    bic: str = ""
    # ACH
    routing_number: str = ""
    account_number: str = ""
    account_type: str = "checking"  # checking | savings
    # Paxum / Wise
    email: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class FileHeader:
    """Who sends the money and when. ``message_id`` is unique per batch and the same on every
    export of that batch, so a bank that sees one file twice refuses the second (a
    re-download can never become a second payment)."""

    originator_name: str
    message_id: str
    execution_date: date
    created_at: datetime
    # SEPA: the debtor's account
    iban: str = ""
    bic: str = ""
    # ACH: the ODFI (our bank) and our company
    ach_odfi_routing: str = ""  # 9 digits, our bank's routing number (immediate destination)
    ach_odfi_name: str = ""
    ach_immediate_origin: str = ""  # 10 characters given by the ODFI (often the company id)
    ach_company_id: str = ""  # 10 characters
    ach_sec_code: str = "PPD"  # PPD (people) or CCD (companies)
    ach_entry_description: str = "PAYOUT"
    ach_file_id_modifier: str = "A"


# --- amounts ---------------------------------------------------------------------------------


def check_amount(line: FileLine) -> int:
    """The line's amount, refusing anything that is not a positive integer (a float, a bool,
    a Decimal: money in files comes from minor units only)."""
    amount = line.amount_minor
    if type(amount) is not int or amount <= 0:
        raise FileFormatError(
            "invalid_amount",
            f"Payout {line.payout_id}: amount must be a positive integer of minor units, "
            f"not {amount!r}.",
        )
    return amount


def minor_to_string(minor: int, exponent: int) -> str:
    """``1999, 2 -> "19.99"`` with integer arithmetic only (``0, 0 -> "0"``)."""
    if type(minor) is not int:
        raise TypeError(f"minor units must be an int, not {type(minor).__name__}")
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor))
    if exponent == 0:
        return sign + digits
    digits = digits.rjust(exponent + 1, "0")
    return f"{sign}{digits[:-exponent]}.{digits[-exponent:]}"


def lines_total(lines: Iterable[FileLine]) -> int:
    return sum(check_amount(line) for line in lines)


def check_single_currency(lines: list[FileLine], currency: str) -> None:
    for line in lines:
        if line.currency != currency:
            raise FileFormatError(
                "currency_mismatch",
                f"Payout {line.payout_id} is in {line.currency}; this file carries {currency} "
                "only.",
            )


def check_unique_payouts(lines: list[FileLine]) -> None:
    seen: set[int] = set()
    for line in lines:
        if line.payout_id in seen:
            raise FileFormatError(
                "duplicate_payout", f"Payout {line.payout_id} appears twice in the file."
            )
        seen.add(line.payout_id)


# --- references ------------------------------------------------------------------------------


def short_reference(value: str, max_length: int) -> str:
    """A deterministic id of at most ``max_length`` characters for ``value``: a UUID becomes
    its 32 hex digits; other text keeps its letters, digits and dashes, and when too long is
    cut and ends with 8 hex digits of its SHA-256 (so two long values stay distinct)."""
    try:
        text = uuid.UUID(str(value)).hex
    except ValueError:
        text = re.sub(r"[^A-Za-z0-9-]", "", str(value))
    if len(text) <= max_length:
        return text
    digest = hashlib.sha256(str(value).encode()).hexdigest()[:8]
    return f"{text[: max_length - 9]}-{digest}"


def normalise_reference(value: str) -> str:
    """How references are compared when a result file comes back: case, spaces and dashes
    do not matter (``6F1C-…`` and ``6f1c…`` are one reference)."""
    return re.sub(r"[\s-]", "", str(value)).lower()


# --- text ------------------------------------------------------------------------------------

# The EPC's SEPA character set (Latin basic): anything else may be refused by a bank.
_SEPA_DISALLOWED = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPACES = re.compile(r"\s+")


def ascii_text(value: str) -> str:
    """Transliterated to ASCII (``Zoë Müller`` -> ``Zoe Muller``), control characters gone."""
    text = str(value or "")
    if not (text.isascii() and text.isprintable()):  # the common case needs no work
        text = unidecode(unicodedata.normalize("NFC", text))
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACES.sub(" ", text).strip()


def sepa_text(value: str, max_length: int) -> str:
    """Text for a SEPA field: the EPC character set only, at most ``max_length`` long."""
    text = _SEPA_DISALLOWED.sub(" ", ascii_text(value))
    return _SPACES.sub(" ", text).strip()[:max_length].strip()


# --- CSV -------------------------------------------------------------------------------------


def csv_safe(value: object) -> str:
    """A text cell a spreadsheet shows as text (``apps.core.csv.csv_safe``: one starting like
    a formula gets a leading apostrophe, ``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), on one
    line (newlines become spaces). Amounts are written by :func:`minor_to_string` and never
    pass through here."""
    text = core_csv_safe("" if value is None else str(value))
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def currency_exponent_static(currency: str) -> int:
    """The ISO 4217 exponent of ``currency`` from the static table (no database)."""

    for code, _name, exponent in ISO_4217:
        if code == currency:
            return exponent
    raise FileFormatError("unknown_currency", f"{currency!r} is not a currency FanzDash pays in.")


def csv_text(header: list[str], rows: Iterable[list[str]]) -> str:
    """A CSV document (comma separated, CRLF line ends as RFC 4180, quoted where needed)."""

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
