"""Paxum mass-payment (mass transfer) CSV, for a Paxum business account's batch upload.

Paxum publishes no formal schema; these columns follow the mass-transfer upload as best
known (one transfer per row, recipient identified by their Paxum account email):

    Email, Amount, Currency, Reference, Note

``Amount`` is a decimal with the currency's exponent from integer minor units (no float);
``Reference`` is the payout's idempotency key (Paxum echoes it in its transfer report, and
``reconcile_batch`` matches on it); ``Note`` is what the creator sees. Text cells are
escaped against spreadsheet formulas (``csv_safe``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .common import (
    FileFormatError,
    FileLine,
    check_amount,
    check_unique_payouts,
    csv_safe,
    csv_text,
    currency_exponent_static,
    minor_to_string,
)

PAXUM_COLUMNS = ["Email", "Amount", "Currency", "Reference", "Note"]
PAXUM_CURRENCIES = ("USD", "EUR")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def paxum_check(lines: Sequence[FileLine]) -> None:
    if not lines:
        raise FileFormatError("empty_batch", "A Paxum file needs at least one payout.")
    check_unique_payouts(list(lines))
    for line in lines:
        check_amount(line)
        if line.currency not in PAXUM_CURRENCIES:
            raise FileFormatError(
                "currency_mismatch",
                f"Payout {line.payout_id}: Paxum pays in {', '.join(PAXUM_CURRENCIES)} only.",
            )
        if not _EMAIL.match(line.email or ""):
            raise FileFormatError(
                "invalid_email", f"Payout {line.payout_id}: no valid Paxum account email."
            )


def paxum_csv(lines: Sequence[FileLine]) -> str:
    paxum_check(lines)
    rows = (
        [
            csv_safe(line.email),
            minor_to_string(line.amount_minor, currency_exponent_static(line.currency)),
            line.currency,
            csv_safe(line.reference),
            csv_safe(line.description or f"Payout {line.payout_id}"),
        ]
        for line in lines
    )
    return csv_text(PAXUM_COLUMNS, rows)
