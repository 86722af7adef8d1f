"""The ledger written out for people and other tools: the trial balance (JSON and a text
table), a Beancount file, a flat CSV of postings, and creator statements as CSV.

Amounts are always decimal strings made by ``format_minor`` with the currency's exponent;
never a float. Dates in exports are UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TextIO

from django.utils import timezone

from apps.core.csv import csv_writer
from apps.core.money import format_minor

from .models import AccountKind
from .selectors import (
    Statement,
    TrialBalance,
    currency_exponents,
    ledger_accounts_opened,
    ledger_currencies_in_use,
    ledger_entries_for_export,
    ledger_postings_for_export,
    trial_balance,
)

EXPORT_CHUNK_SIZE = 2000


# --- as_of ---------------------------------------------------------------------------------


def parse_as_of(value: str) -> datetime:
    """An ISO 8601 instant, or a date meaning the end of that day (UTC). A time without a
    zone is UTC. ValueError for anything else."""
    text = (value or "").strip()
    if not text:
        raise ValueError("empty as_of")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = date.fromisoformat(text)
        return datetime.combine(day, time.max, tzinfo=UTC)
    parsed = datetime.fromisoformat(text)
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --- trial balance -------------------------------------------------------------------------


def trial_balance_payload(balance: TrialBalance, exponents: dict[str, int]) -> dict:
    """The trial balance as the JSON the command and the page's ``?format=json`` return:
    ``{"as_of", "accounts": [{"account", "currency", "balance"}], "totals": {cur: str}}``,
    balances signed (debit positive) in the currency's decimals."""
    return {
        "as_of": balance.as_of.isoformat(),
        "accounts": [
            {
                "account": row.account,
                "currency": row.currency,
                "balance": format_minor(row.balance, exponents[row.currency]),
            }
            for row in balance.rows
        ],
        "totals": {
            currency: format_minor(total, exponents[currency])
            for currency, total in sorted(balance.totals.items())
        },
    }


def trial_balance_with_exponents(*, as_of: datetime | None = None):
    balance = trial_balance(as_of=as_of)
    return balance, currency_exponents(balance.totals)


def trial_balance_table(balance: TrialBalance, exponents: dict[str, int]) -> str:
    """Aligned text columns: account / currency / balance, then the totals per currency."""
    header = ("account", "currency", "balance")
    rows = [
        (row.account, row.currency, format_minor(row.balance, exponents[row.currency]))
        for row in balance.rows
    ]
    totals = [
        (currency, format_minor(total, exponents[currency]))
        for currency, total in sorted(balance.totals.items())
    ]
    width_account = max([len(header[0]), *(len(r[0]) for r in rows)])
    width_currency = len(header[1])
    width_balance = max([len(header[2]), *(len(r[2]) for r in rows), *(len(t[1]) for t in totals)])

    def line(account: str, currency: str, amount: str) -> str:
        return (
            f"{account:<{width_account}}  {currency:<{width_currency}}  {amount:>{width_balance}}"
        )

    out = [f"Trial balance as of {balance.as_of.isoformat()}", ""]
    out.append(line(*header))
    out.append(line("-" * width_account, "-" * width_currency, "-" * width_balance))
    out.extend(line(*row) for row in rows)
    if not rows:
        out.append("(no account has a balance)")
    out.append("")
    out.append("Totals (must be zero)")
    for currency, amount in totals:
        flag = "" if balance.totals[currency] == 0 else "  <-- NOT ZERO"
        out.append(line("", currency, amount) + flag)
    if not totals:
        out.append("(none)")
    return "\n".join(out) + "\n"


# --- beancount -----------------------------------------------------------------------------

BEANCOUNT_ROOTS = {
    AccountKind.PROCESSOR_CLEARING: "Assets",
    AccountKind.PAYOUT_CLEARING: "Assets",
    AccountKind.PENDING: "Liabilities",
    AccountKind.AVAILABLE: "Liabilities",
    AccountKind.IN_PAYOUT: "Liabilities",
    AccountKind.FEE_REVENUE: "Income",
    AccountKind.CHARGEBACK_LOSSES: "Expenses",
    AccountKind.PAYOUT_FEES: "Expenses",
}
_BEANCOUNT_COMPONENT = re.compile(r"[A-Z0-9][A-Za-z0-9-]*")


def beancount_component(text: str) -> str:
    """One account-name component: starts with a capital letter or digit, then only letters,
    digits and '-' ("in_payout" -> "InPayout", "boyfanz" -> "Boyfanz", "my_site" ->
    "My-Site")."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", text) if p]
    component = "-".join(p[:1].upper() + p[1:] for p in parts) or "X"
    if not _BEANCOUNT_COMPONENT.fullmatch(component):
        component = "X" + component
    return component


def _kind_component(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def beancount_account_name(*, kind: str, creator_id: int | None, platform_slug: str | None) -> str:
    """``Liabilities:Creators:C42:Boyfanz:Pending``, ``Income:Platforms:Boyfanz:FeeRevenue``,
    ``Assets:Network:ProcessorClearing``. One name per account and currency is not needed:
    a Beancount account holds each currency separately."""
    root = BEANCOUNT_ROOTS[kind]
    if creator_id is not None:
        parts = [root, "Creators", f"C{creator_id}", beancount_component(platform_slug or "")]
    elif platform_slug:
        parts = [root, "Platforms", beancount_component(platform_slug)]
    else:
        parts = [root, "Network"]
    return ":".join([*parts, _kind_component(kind)])


def _beancount_string(text: str) -> str:
    cleaned = " ".join(str(text).split())  # one line, no control characters
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ExportError(Exception):
    pass


def ledger_export_beancount(out: TextIO, *, as_of: datetime | None = None) -> int:
    """Write the ledger (entries up to ``as_of``) as a Beancount file; returns the number of
    transactions. Entries are streamed in chunks with their postings, so memory grows with
    the number of accounts, not of entries."""
    accounts: dict[int, tuple[str, str]] = {}  # id -> (beancount name, currency)
    opened: dict[str, tuple[date, set[str]]] = {}
    owners: dict[tuple[str, str], str] = {}
    for row in ledger_accounts_opened(as_of=as_of).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        name = beancount_account_name(
            kind=row["account__kind"],
            creator_id=row["account__creator_id"],
            platform_slug=row["account__platform__slug"],
        )
        currency = row["account__currency_id"]
        clash = owners.setdefault((name, currency), row["account__key"])
        if clash != row["account__key"]:
            raise ExportError(
                f"Accounts {clash!r} and {row['account__key']!r} both map to {name} in {currency}."
            )
        accounts[row["account_id"]] = (name, currency)
        first_day = row["first_at"].astimezone(UTC).date()
        day, currencies = opened.get(name, (first_day, set()))
        currencies.add(currency)
        opened[name] = (min(day, first_day), currencies)
    currencies_used = sorted({currency for _, currency in accounts.values()})
    exponents = currency_exponents(currencies_used)

    out.write(";; FanzDash ledger export (Beancount). Dates are UTC.\n")
    out.write(f";; as of {(as_of or timezone.now()).isoformat()}\n")
    out.write('option "title" "FanzDash ledger"\n')
    for currency in currencies_used:
        out.write(f'option "operating_currency" "{currency}"\n')
    out.write("\n")
    for name in sorted(opened):
        day, currencies = opened[name]
        out.write(f"{day.isoformat()} open {name} {','.join(sorted(currencies))}\n")
    out.write("\n")

    count = 0
    entries = ledger_entries_for_export(as_of=as_of)
    for entry in entries.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        day = entry.occurred_at.astimezone(UTC).date().isoformat()
        narration = f"{entry.kind}: {entry.memo}" if entry.memo else entry.kind
        out.write(f"{day} * {_beancount_string(narration)}\n")
        out.write(f'  fanzdash-entry: "{entry.pk}"\n')
        for posting in entry.postings.all():
            name, currency = accounts[posting.account_id]
            amount = format_minor(posting.amount, exponents[currency])
            out.write(f"  {name}  {amount} {currency}\n")
        out.write("\n")
        count += 1
    return count


# --- flat CSV ------------------------------------------------------------------------------

LEDGER_CSV_HEADER = ["entry_id", "occurred_at", "kind", "account", "currency", "amount", "memo"]


def ledger_export_csv(out: TextIO, *, as_of: datetime | None = None) -> int:
    """One row per posting; returns the number of rows written (without the header)."""
    writer = csv_writer(out)
    writer.writerow(LEDGER_CSV_HEADER)
    exponents = currency_exponents(ledger_currencies_in_use())
    count = 0
    rows = ledger_postings_for_export(as_of=as_of)
    for entry_id, occurred_at, kind, key, currency, amount, memo in rows.iterator(
        chunk_size=EXPORT_CHUNK_SIZE
    ):
        writer.writerow(
            [
                entry_id,
                occurred_at.astimezone(UTC).isoformat(),
                kind,
                key,
                currency,
                format_minor(amount, exponents[currency]),
                memo,
            ]
        )
        count += 1
    return count


# --- statements ----------------------------------------------------------------------------

STATEMENT_CSV_HEADER = [
    "currency",
    "occurred_at",
    "entry_id",
    "kind",
    "platform",
    "account",
    "memo",
    "amount",
    "balance",
]


def statement_csv_rows(statement: Statement, currency: str, exponent: int) -> Iterator[list]:
    """Opening row, one row per posting (amount and running balance in people's sign),
    closing row."""
    yield [
        currency,
        statement.start.astimezone(UTC).isoformat(),
        "",
        "opening",
        "",
        "",
        "Opening balance",
        "",
        format_minor(statement.opening, exponent),
    ]
    for line in statement.lines():
        posting, entry = line.posting, line.entry
        yield [
            currency,
            posting.occurred_at.astimezone(UTC).isoformat(),
            entry.pk,
            entry.kind,
            entry.platform.slug if entry.platform_id else "",
            line.account.kind,
            entry.memo,
            format_minor(line.amount, exponent),
            format_minor(line.balance, exponent),
        ]
    yield [
        currency,
        statement.end.astimezone(UTC).isoformat(),
        "",
        "closing",
        "",
        "",
        "Closing balance",
        "",
        format_minor(statement.closing, exponent),
    ]


def statement_csv_write(out: TextIO, rows: Iterable[list]) -> None:
    writer = csv_writer(out)
    writer.writerow(STATEMENT_CSV_HEADER)
    writer.writerows(rows)


def end_of_range(day: date) -> datetime:
    """The exclusive end of a date range that includes ``day`` (UTC midnight after it)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
