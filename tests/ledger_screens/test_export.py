from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.ledger import exports
from apps.ledger.exports import beancount_account_name, beancount_component, parse_as_of
from apps.ledger.models import Account, EntryKind, JournalEntry, Posting
from apps.ledger.selectors import trial_balance
from apps.ledger.services import entry_reverse, pending_release_due, refund_record


@pytest.fixture
def busy_ledger(ledger, creator_factory, earning):
    """The shared ledger plus a JPY earning (no decimals), a partial refund, a chargeback
    with a fee, a release and a reversal with quotes in its memo."""
    yen = creator_factory(platforms=("pupfanz",), currency="JPY")
    earning(yen, platform="pupfanz", gross="1500", currency="JPY", days_ago=9)
    refund_record(
        platform=ledger.tip.platform,
        transaction_id=ledger.tip.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-part",
        amount_minor=999,
        memo='fan said "oops"',
    )
    refund_record(
        platform=ledger.old_sub.platform,
        transaction_id=ledger.old_sub.source_id,
        kind=EntryKind.CHARGEBACK,
        occurred_at=timezone.now(),
        idempotency_key="cb-1",
        chargeback_fee_minor=1500,
    )
    pending_release_due(now=timezone.now() - timedelta(days=1))  # the 9-day-old JPY lot
    entry_reverse(entry=ledger.euro_tip, reason='wrong "creator" \\ typo')
    return ledger


def _export(fmt: str, path: Path, *extra) -> Path:
    call_command("export_ledger", "--format", fmt, "--output", str(path), *extra)
    return path


def _expected_balances(as_of=None) -> dict[tuple[str, str], Decimal]:
    """The trial balance keyed by Beancount account name and currency."""
    balance = trial_balance(as_of=as_of)
    accounts = {
        a.key: a
        for a in Account.objects.filter(key__in=[r.account for r in balance.rows]).select_related(
            "platform", "currency"
        )
    }
    expected = {}
    for row in balance.rows:
        account = accounts[row.account]
        name = beancount_account_name(
            kind=account.kind,
            creator_id=account.creator_id,
            platform_slug=account.platform.slug if account.platform_id else None,
        )
        expected[(name, row.currency)] = Decimal(row.balance).scaleb(-account.currency.exponent)
    return expected


# --- a strict reader of what we write (runs without beancount) ------------------------------

_COMPONENT = r"[A-Z0-9][A-Za-z0-9-]*"
_ACCOUNT = rf"(?:Assets|Liabilities|Equity|Income|Expenses)(?::{_COMPONENT})+"
_OPTION = re.compile(r'option "([a-z_]+)" "([^"\\]*)"')
_OPEN = re.compile(rf"(\d{{4}}-\d{{2}}-\d{{2}}) open ({_ACCOUNT}) ([A-Z]{{3}}(?:,[A-Z]{{3}})*)")
_TXN = re.compile(r'(\d{4}-\d{2}-\d{2}) \* "((?:[^"\\]|\\.)*)"')
_META = re.compile(r'  ([a-z][a-z0-9_-]*): "((?:[^"\\]|\\.)*)"')
_POSTING = re.compile(rf"  ({_ACCOUNT})  (-?\d+(?:\.\d+)?) ([A-Z]{{3}})")


def strict_read(text: str) -> dict:
    """Parse the export line by line, refusing anything unexpected: account names, open
    before use in an allowed currency, every transaction balanced per currency, metadata."""
    opened: dict[str, tuple[date, set[str]]] = {}
    balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    options: list[tuple[str, str]] = []
    transactions = []
    current = None

    def close():
        if current is None:
            return
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for _, amount, currency in current["postings"]:
            sums[currency] += amount
        assert len(current["postings"]) >= 2, current
        assert all(v == 0 for v in sums.values()), current
        assert "fanzdash-entry" in current["meta"], current
        transactions.append(current)

    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith(";"):
            close()
            current = None
            continue
        if m := _OPTION.fullmatch(line):
            options.append(m.groups())
        elif m := _OPEN.fullmatch(line):
            assert m[2] not in opened, f"line {number}: opened twice"
            opened[m[2]] = (date.fromisoformat(m[1]), set(m[3].split(",")))
        elif m := _TXN.fullmatch(line):
            close()
            current = {"date": date.fromisoformat(m[1]), "narration": m[2], "meta": {}}
            current["postings"] = []
        elif (m := _META.fullmatch(line)) and current is not None and not current["postings"]:
            current["meta"][m[1]] = m[2]
        elif (m := _POSTING.fullmatch(line)) and current is not None:
            name, amount, currency = m[1], Decimal(m[2]), m[3]
            assert name in opened, f"line {number}: {name} used before open"
            day, currencies = opened[name]
            assert day <= current["date"], f"line {number}: {name} opened after use"
            assert currency in currencies, f"line {number}: {currency} not allowed in {name}"
            current["postings"].append((name, amount, currency))
            balances[(name, currency)] += amount
        else:
            raise AssertionError(f"line {number} is not valid: {line!r}")
    close()
    return {
        "options": options,
        "transactions": transactions,
        "balances": {k: v for k, v in balances.items() if v != 0},
    }


def test_beancount_export_reads_back_strictly(busy_ledger, tmp_path):
    text = _export("beancount", tmp_path / "ledger.beancount").read_text()
    read = strict_read(text)
    assert sorted(read["options"]) == [
        ("operating_currency", "EUR"),
        ("operating_currency", "JPY"),
        ("operating_currency", "USD"),
        ("title", "FanzDash ledger"),
    ]
    assert len(read["transactions"]) == JournalEntry.objects.count()
    assert {t["meta"]["fanzdash-entry"] for t in read["transactions"]} == {
        str(pk) for pk in JournalEntry.objects.values_list("pk", flat=True)
    }
    assert read["balances"] == _expected_balances()
    alice = busy_ledger.alice.pk
    assert f"Liabilities:Creators:C{alice}:Boyfanz:Pending" in text
    assert "Income:Platforms:Boyfanz:FeeRevenue" in text
    assert "Expenses:Network:ChargebackLosses" in text
    assert "Assets:Network:ProcessorClearing  15.00 EUR" not in text
    assert re.search(r"  Assets:Network:ProcessorClearing  1500 JPY\n", text)  # no decimals
    assert '"refund: fan said \\"oops\\""' in text


def test_bean_check_accepts_the_export_and_balances_match(busy_ledger, tmp_path):
    pytest.importorskip("beancount", reason="beancount is not installed")
    from beancount import loader
    from beancount.core import data

    path = _export("beancount", tmp_path / "ledger.beancount")
    check = subprocess.run(
        [sys.executable, "-m", "beancount.scripts.check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    entries, errors, options = loader.load_file(str(path))
    assert errors == []
    assert options["operating_currency"] == ["EUR", "JPY", "USD"]
    balances: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    narrations = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            narrations[entry.meta["fanzdash-entry"]] = entry.narration
            for posting in entry.postings:
                balances[(posting.account, posting.units.currency)] += posting.units.number
    assert {k: v for k, v in balances.items() if v != 0} == _expected_balances()
    reversal = JournalEntry.objects.get(reverses=busy_ledger.euro_tip)
    assert narrations[str(reversal.pk)] == f"reversal: {reversal.memo}"
    assert '"creator" \\ typo' in narrations[str(reversal.pk)]


def test_bean_check_refuses_a_broken_file(tmp_path):
    """The check above can fail: bean-check rejects an unbalanced transaction."""
    pytest.importorskip("beancount", reason="beancount is not installed")
    path = tmp_path / "broken.beancount"
    path.write_text(
        "2026-01-01 open Assets:Network:ProcessorClearing USD\n"
        "2026-01-01 open Liabilities:Creators:C1:Boyfanz:Pending USD\n\n"
        '2026-01-02 * "tip"\n'
        "  Assets:Network:ProcessorClearing  19.99 USD\n"
        "  Liabilities:Creators:C1:Boyfanz:Pending  -19.98 USD\n"
    )
    check = subprocess.run(
        [sys.executable, "-m", "beancount.scripts.check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode != 0
    with pytest.raises(AssertionError):
        strict_read(path.read_text())


def test_beancount_as_of_matches_the_trial_balance_then(busy_ledger, tmp_path):
    as_of = timezone.now() - timedelta(days=5)
    text = _export("beancount", tmp_path / "then.beancount", "--as-of", as_of.isoformat())
    read = strict_read(text.read_text())
    assert read["balances"] == _expected_balances(as_of)
    assert len(read["transactions"]) == JournalEntry.objects.filter(occurred_at__lte=as_of).count()


# Frozen from the start: "first posting today" must be one day for all of the ledger's entries.
def test_open_directives_are_dated_on_the_first_posting(frozen_clock, busy_ledger, tmp_path):
    text = _export("beancount", tmp_path / "l.beancount").read_text()
    first_sub_day = busy_ledger.old_sub.occurred_at.date().isoformat()
    alice = busy_ledger.alice.pk
    assert f"{first_sub_day} open Liabilities:Creators:C{alice}:Boyfanz:Pending USD\n" in text
    assert f"{first_sub_day} open Assets:Network:ProcessorClearing EUR,JPY,USD\n" in text
    # Girlfanz: first posting today
    today = busy_ledger.euro_tip.occurred_at.date().isoformat()
    assert f"{today} open Liabilities:Creators:C{alice}:Girlfanz:Pending USD\n" in text


def test_export_streams_entries_in_chunks(busy_ledger, tmp_path, monkeypatch):
    """Entries are read with .iterator() and their postings prefetched per chunk: with a chunk
    of 2 the postings are fetched in ceil(entries / 2) queries, never all at once."""
    monkeypatch.setattr(exports, "EXPORT_CHUNK_SIZE", 2)
    entries = JournalEntry.objects.count()
    out = io.StringIO()
    with CaptureQueriesContext(connection) as queries:
        exports.ledger_export_beancount(out)
    posting_queries = [
        q["sql"] for q in queries.captured_queries if 'FROM "ledger_posting"' in q["sql"]
    ]
    # one grouped query for the accounts' first postings, then one prefetch per chunk
    assert len(posting_queries) == 1 + -(-entries // 2)
    assert strict_read(out.getvalue())["balances"] == _expected_balances()


def test_csv_export_has_one_row_per_posting(busy_ledger, tmp_path):
    path = _export("csv", tmp_path / "ledger.csv")
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["entry_id", "occurred_at", "kind", "account", "currency", "amount", "memo"]
    assert len(rows) - 1 == Posting.objects.count()
    by_entry = defaultdict(list)
    for row in rows[1:]:
        by_entry[row[0]].append(row)
    tip = by_entry[str(busy_ledger.tip.pk)]
    assert {(r[3], r[5]) for r in tip} == {
        ("network:processor_clearing:USD", "19.99"),
        (f"creator:{busy_ledger.alice.pk}:boyfanz:pending:USD", "-18.00"),
        ("platform:boyfanz:fee_revenue:USD", "-1.99"),
    }
    assert all(r[2] == "tip" and r[4] == "USD" for r in tip)
    assert tip[0][1] == busy_ledger.tip.occurred_at.isoformat()
    refund = next(rows for rows in by_entry.values() if rows[0][2] == "refund")
    assert refund[0][6] == 'fan said "oops"'
    assert any(r[4] == "JPY" and r[5] == "1500" for r in rows[1:])
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows[1:]:
        totals[row[4]] += Decimal(row[5])
    assert set(totals.values()) == {Decimal(0)}


HYPERLINK = '=HYPERLINK("http://x","y")'


def test_csv_export_escapes_formulas_and_keeps_amounts_numbers(ledger, tmp_path):
    refund = refund_record(
        platform=ledger.tip.platform,
        transaction_id=ledger.tip.source_id,
        kind=EntryKind.REFUND,
        occurred_at=timezone.now(),
        idempotency_key="refund-formula",
        amount_minor=500,
        memo=HYPERLINK,
    ).entry
    path = _export("csv", tmp_path / "ledger.csv")
    rows = [r for r in csv.reader(io.StringIO(path.read_text())) if r[0] == str(refund.pk)]
    assert rows and {r[6] for r in rows} == {"'" + HYPERLINK}
    amounts = {r[5] for r in rows}
    assert "-5.00" in amounts  # a negative amount stays a number
    assert sum(Decimal(a) for a in (r[5] for r in rows)) == 0


def test_csv_export_as_of(busy_ledger, tmp_path):
    as_of = timezone.now() - timedelta(days=5)
    path = _export("csv", tmp_path / "then.csv", "--as-of", as_of.isoformat())
    rows = list(csv.reader(io.StringIO(path.read_text())))[1:]
    assert {r[0] for r in rows} == {
        str(pk)
        for pk in JournalEntry.objects.filter(occurred_at__lte=as_of).values_list("pk", flat=True)
    }


def test_export_refuses_bad_arguments(db, tmp_path):
    with pytest.raises(CommandError, match="ISO 8601"):
        _export("csv", tmp_path / "x.csv", "--as-of", "31/12/2026")
    with pytest.raises(CommandError, match="Cannot write"):
        _export("csv", tmp_path / "missing-dir" / "x.csv")
    with pytest.raises(CommandError):
        call_command("export_ledger", "--format", "xml", "--output", str(tmp_path / "x"))
    assert not list(tmp_path.iterdir())


# --- names and dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "component"),
    [
        ("boyfanz", "Boyfanz"),
        ("my_site", "My-Site"),
        ("daddies-fanz", "Daddies-Fanz"),
        ("2fanz", "2fanz"),
        ("", "X"),
    ],
)
def test_beancount_components(text, component):
    assert beancount_component(text) == component
    assert re.fullmatch(_COMPONENT, component)


def test_beancount_account_names():
    assert (
        beancount_account_name(kind="pending", creator_id=42, platform_slug="boyfanz")
        == "Liabilities:Creators:C42:Boyfanz:Pending"
    )
    assert (
        beancount_account_name(kind="in_payout", creator_id=42, platform_slug="boyfanz")
        == "Liabilities:Creators:C42:Boyfanz:InPayout"
    )
    assert (
        beancount_account_name(kind="fee_revenue", creator_id=None, platform_slug="girlfanz")
        == "Income:Platforms:Girlfanz:FeeRevenue"
    )
    names = {
        kind: beancount_account_name(kind=kind, creator_id=None, platform_slug=None)
        for kind in ("processor_clearing", "payout_clearing", "chargeback_losses", "payout_fees")
    }
    assert names == {
        "processor_clearing": "Assets:Network:ProcessorClearing",
        "payout_clearing": "Assets:Network:PayoutClearing",
        "chargeback_losses": "Expenses:Network:ChargebackLosses",
        "payout_fees": "Expenses:Network:PayoutFees",
    }


def test_parse_as_of():
    assert parse_as_of("2026-11-20").isoformat() == "2026-11-20T23:59:59.999999+00:00"
    assert parse_as_of("2026-11-20T12:00:00Z").isoformat() == "2026-11-20T12:00:00+00:00"
    assert parse_as_of("2026-11-20T12:00").isoformat() == "2026-11-20T12:00:00+00:00"
    assert parse_as_of("2026-11-20T12:00+02:00").isoformat() == "2026-11-20T12:00:00+02:00"
    for bad in ("", "tomorrow", "2026-13-01", "20/11/2026"):
        with pytest.raises(ValueError):
            parse_as_of(bad)


def test_export_to_stdout(busy_ledger):
    out = io.StringIO()
    call_command("export_ledger", "--format", "csv", "--output", "-", stdout=out)
    assert len(out.getvalue().splitlines()) == Posting.objects.count() + 1
    out = io.StringIO()
    call_command("export_ledger", "--format", "beancount", "--output", "-", stdout=out)
    assert strict_read(out.getvalue())["balances"] == _expected_balances()
