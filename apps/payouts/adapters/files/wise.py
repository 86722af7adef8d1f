"""Wise batch-payment CSV (Wise Business: "Batch payments", up to 1,000 transfers a file).

Columns, as Wise's batch templates name them (one file for both recipient kinds):

    name, recipientEmail, paymentReference, receiverType, amountCurrency, amount,
    sourceCurrency, targetCurrency, type, IBAN, BIC

- ``amountCurrency`` is ``target``: the creator receives exactly ``amount`` (fees are ours);
  ``sourceCurrency`` = ``targetCurrency`` = the batch's currency (no conversion).
- A recipient with an IBAN is paid to it (``type`` ``IBAN``); one with only an email is paid
  "by email" (``type`` ``EMAIL``: Wise asks them for their bank details).
- ``paymentReference`` is the payout's idempotency key shortened to 32 characters (Wise's
  references are short; the key's hex digits fit), matched by ``reconcile_batch``.
- ``receiverType`` is ``PERSON`` (creators are paid as individuals).

Amounts are decimals from integer minor units (no float); text cells are escaped against
spreadsheet formulas (``csv_safe``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .common import (
    FileFormatError,
    FileLine,
    ascii_text,
    check_amount,
    check_single_currency,
    check_unique_payouts,
    csv_safe,
    csv_text,
    currency_exponent_static,
    minor_to_string,
    short_reference,
)

WISE_COLUMNS = [
    "name",
    "recipientEmail",
    "paymentReference",
    "receiverType",
    "amountCurrency",
    "amount",
    "sourceCurrency",
    "targetCurrency",
    "type",
    "IBAN",
    "BIC",
]
WISE_MAX_ROWS = 1000
WISE_REFERENCE_LENGTH = 32
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def wise_reference(reference: str) -> str:
    return short_reference(reference, WISE_REFERENCE_LENGTH)


def wise_check(lines: Sequence[FileLine]) -> None:
    if not lines:
        raise FileFormatError("empty_batch", "A Wise batch file needs at least one payout.")
    if len(lines) > WISE_MAX_ROWS:
        raise FileFormatError(
            "too_many_payouts", f"A Wise batch file holds at most {WISE_MAX_ROWS} transfers."
        )
    check_single_currency(list(lines), lines[0].currency)
    check_unique_payouts(list(lines))
    for line in lines:
        check_amount(line)
        currency_exponent_static(line.currency)
        if not ascii_text(line.name):
            raise FileFormatError("invalid_name", f"Payout {line.payout_id}: no recipient name.")
        if not line.iban and not _EMAIL.match(line.email or ""):
            raise FileFormatError(
                "invalid_details", f"Payout {line.payout_id}: needs an IBAN or an email."
            )


def wise_csv(lines: Sequence[FileLine]) -> str:
    wise_check(lines)
    rows = (
        [
            csv_safe(line.name),
            csv_safe(line.email),
            csv_safe(wise_reference(line.reference)),
            "PERSON",
            "target",
            minor_to_string(line.amount_minor, currency_exponent_static(line.currency)),
            line.currency,
            line.currency,
            "IBAN" if line.iban else "EMAIL",
            csv_safe(re.sub(r"\s", "", line.iban).upper()),
            csv_safe(re.sub(r"\s", "", line.bic).upper()),
        ]
        for line in lines
    )
    return csv_text(WISE_COLUMNS, rows)
