"""The only writers of the ledger. Every movement of money is ``entry_post``; the rest are
business operations built on it (earnings, refunds, chargebacks, releases, transfers,
reversals). Each is idempotent by its key and safe to run from many workers at once."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import TypeVar

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import display_minor

from .accounts import creator_account, network_account, platform_account
from .models import (
    CREATOR_KINDS,
    EARNING_KINDS,
    Account,
    AccountBalance,
    AccountKind,
    EntryKind,
    JournalEntry,
    PendingRelease,
    Posting,
)

T = TypeVar("T")

MAX_FUTURE_SKEW = timedelta(minutes=5)
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}  # deadlock, serialization, lock not available
PLATFORM_TRANSACTION = "platform_transaction"
ENTRY_KINDS = frozenset(EntryKind.values)  # .values builds a new list on every access


@dataclass(frozen=True)
class PostingSpec:
    account: Account
    amount: int


@dataclass(frozen=True)
class PostResult:
    entry: JournalEntry
    created: bool


def _shown(amount_minor: int, currency: str) -> str:
    """An amount in a message people read: ``"1,234.50 USD"``, never minor units."""
    return f"{display_minor(amount_minor, currency_exponent(currency))} {currency}"


# --- transactions and retries -------------------------------------------------------------


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return connection.vendor == "sqlite" and "locked" in str(error)


def run_in_transaction(work: Callable[[], T], *, attempts: int = 5) -> T:
    """Run ``work`` atomically. When this call owns the transaction, a deadlock or
    serialization failure is retried with jittered backoff instead of failing the request."""
    if connection.in_atomic_block:
        # Inside a caller's transaction: a savepoint, so a refusal leaves nothing behind
        # even if the caller catches it; the caller owns retries.
        with transaction.atomic():
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except OperationalError as error:
            if attempt == attempts or not _is_retryable(error):
                raise
            time.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 (jitter, not crypto)
    raise AssertionError("unreachable")


# --- the one door ------------------------------------------------------------------------


def _fingerprint(kind: str, postings: Sequence[PostingSpec]) -> str:
    payload = json.dumps(
        [kind, sorted((p.account.pk, p.amount) for p in postings)], separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _validate(idempotency_key: str, postings: Sequence[PostingSpec], occurred_at: datetime) -> None:
    if not idempotency_key or len(idempotency_key) > 200:
        raise ApplicationError(
            "invalid_idempotency_key", "A key of 1 to 200 characters is required."
        )
    if len(postings) < 2:
        raise ApplicationError("unbalanced_entry", "An entry needs at least two postings.")
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        if not isinstance(posting.account, Account) or posting.account.pk is None:
            raise ApplicationError("unknown_account", "Every posting needs an existing account.")
        if type(posting.amount) is not int or posting.amount == 0:
            raise ApplicationError("invalid_amount", "Posting amounts are non-zero integers.")
        totals[posting.account.currency_id] += posting.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise ApplicationError("unbalanced_entry", {"off_by_minor_units": unbalanced})
    if timezone.is_naive(occurred_at):
        raise ApplicationError("invalid_occurred_at", "occurred_at must carry a time zone.")
    if occurred_at > timezone.now() + MAX_FUTURE_SKEW:
        raise ApplicationError("invalid_occurred_at", "occurred_at is in the future.")


_ENTRY_COLUMNS = (
    "(idempotency_key, fingerprint, kind, memo, occurred_at, posted_at, platform_id, "
    "creator_id, source_type, source_id, reverses_id, posted_by_id)"
)
_ENTRY_PLACEHOLDERS = "(" + ", ".join(["%s"] * 12) + ")"
_INSERT_ENTRY = (
    f"INSERT INTO ledger_journalentry {_ENTRY_COLUMNS} VALUES {_ENTRY_PLACEHOLDERS} "  # noqa: S608
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)


def _insert_entry(entry: JournalEntry) -> int | None:
    """Insert unless the key exists (then None). One statement, race-free on the unique key."""
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_ENTRY,
            [
                entry.idempotency_key,
                entry.fingerprint,
                entry.kind,
                entry.memo,
                entry.occurred_at,
                entry.posted_at,
                entry.platform_id,
                entry.creator_id,
                entry.source_type,
                entry.source_id,
                entry.reverses_id,
                entry.posted_by_id,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _insert_postings(entry_id: int, postings: Sequence[PostingSpec], occurred_at) -> None:
    """One plain multi-row INSERT (the hot path: no model instances, no RETURNING). Rows go
    in sorted by account so that concurrent transactions lock balance counters in the same
    order (the counter trigger fires per row, in insertion order)."""
    rows = sorted(postings, key=lambda p: p.account.pk)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list = []
    for posting in rows:
        params.extend((entry_id, posting.account.pk, posting.amount, occurred_at))
    # Only "(%s, %s, %s, %s)" groups are joined into the text; every value is a parameter.
    sql = f"INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) VALUES {values}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _check_same_entry(existing: JournalEntry, fingerprint: str) -> None:
    """A repeated key is fine for the same postings; for different ones it is refused."""
    if existing.fingerprint != fingerprint:
        raise ApplicationError(
            "idempotency_conflict",
            f"Key {existing.idempotency_key!r} was already used for a different entry.",
            status_code=409,
        )


def _post_in_transaction(
    *,
    idempotency_key: str,
    kind: str,
    postings: Sequence[PostingSpec],
    occurred_at: datetime,
    memo: str = "",
    platform=None,
    creator=None,
    source_type: str = "",
    source_id: str = "",
    reverses: JournalEntry | None = None,
    actor=None,
) -> PostResult:
    fingerprint = _fingerprint(kind, postings)
    entry = JournalEntry(
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
        kind=kind,
        memo=memo[:500],
        occurred_at=occurred_at,
        posted_at=timezone.now(),
        platform=platform,
        creator=creator,
        source_type=source_type,
        source_id=str(source_id)[:200],
        reverses=reverses,
        posted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    entry_id = _insert_entry(entry)
    if entry_id is None:
        existing = JournalEntry.objects.get(idempotency_key=idempotency_key)
        _check_same_entry(existing, fingerprint)
        return PostResult(existing, created=False)
    entry.pk = entry.id = entry_id
    _insert_postings(entry_id, postings, occurred_at)
    return PostResult(entry, created=True)


def entry_post(
    *,
    idempotency_key: str,
    kind: str,
    postings: Sequence[PostingSpec],
    occurred_at: datetime,
    memo: str = "",
    platform=None,
    creator=None,
    source_type: str = "",
    source_id: str = "",
    reverses: JournalEntry | None = None,
    actor=None,
) -> PostResult:
    """Post one balanced entry. The same key again returns the first entry and moves nothing;
    the same key with different postings is refused (409)."""
    if kind not in ENTRY_KINDS:
        raise ApplicationError("invalid_entry_kind", f"Unknown entry kind {kind!r}.")
    _validate(idempotency_key, postings, occurred_at)
    return run_in_transaction(
        lambda: _post_in_transaction(
            idempotency_key=idempotency_key,
            kind=kind,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=platform,
            creator=creator,
            source_type=source_type,
            source_id=source_id,
            reverses=reverses,
            actor=actor,
        )
    )


@dataclass(frozen=True)
class EntryDraft:
    idempotency_key: str
    kind: str
    postings: Sequence[PostingSpec]
    occurred_at: datetime
    memo: str = ""
    platform: object = None
    creator: object = None
    source_type: str = ""
    source_id: str = ""


BULK_ENTRY_CHUNK = 1000  # entries per INSERT (12 parameters each)
BULK_POSTING_CHUNK = 4000  # postings per INSERT (4 parameters each)


def entries_post_bulk(drafts: Iterable[EntryDraft]) -> list[PostResult]:
    """Post many entries in one transaction (imports, back-fills, batch webhooks): all or
    nothing, set-based. Entries go in with multi-row ``INSERT … ON CONFLICT DO NOTHING
    RETURNING``; keys that already exist return their first entry (or 409 if the postings
    differ); the postings of the whole batch go in sorted by account, so concurrent batches
    and single posts take counter locks in one global order."""
    drafts = list(drafts)
    seen: set[str] = set()
    for draft in drafts:
        if draft.kind not in ENTRY_KINDS:
            raise ApplicationError("invalid_entry_kind", f"Unknown entry kind {draft.kind!r}.")
        _validate(draft.idempotency_key, draft.postings, draft.occurred_at)
        if draft.idempotency_key in seen:
            raise ApplicationError(
                "duplicate_idempotency_key",
                f"Key {draft.idempotency_key!r} appears twice in one batch.",
            )
        seen.add(draft.idempotency_key)
    if not drafts:
        return []
    fingerprints = [_fingerprint(d.kind, d.postings) for d in drafts]

    if connection.vendor == "postgresql":
        return run_in_transaction(lambda: _bulk_postgresql(drafts, fingerprints))
    return run_in_transaction(lambda: _bulk_rows(drafts, fingerprints))


# Binary parameters (%b): psycopg's C dumpers send the arrays without quoting every element.
_POST_BATCH = (
    "SELECT out_position, out_entry_id FROM ledger_post_batch(%b::text[], %b::text[], "
    "%b::text[], %b::text[], %b::timestamptz[], %b::timestamptz, %b::bigint[], %b::bigint[], "
    "%b::text[], %b::text[], %b::bigint[], %b::bigint[], %b::bigint[])"
)


def _bulk_postgresql(drafts: list[EntryDraft], fingerprints: list[str]) -> list[PostResult]:
    """One call of the database's set-based door (migration 0006): entries, postings and
    balance counters in three statements, the same checks as the row triggers, set-based."""
    import psycopg

    posted_at = timezone.now()
    p_entry: list[int] = []
    p_accounts: list[int] = []
    p_amounts: list[int] = []
    for position, draft in enumerate(drafts, start=1):
        for posting in draft.postings:
            p_entry.append(position)
            p_accounts.append(posting.account.pk)
            p_amounts.append(posting.amount)
    params = [
        [d.idempotency_key for d in drafts],
        fingerprints,
        [d.kind for d in drafts],
        [d.memo[:500] for d in drafts],
        [d.occurred_at for d in drafts],
        posted_at,
        [getattr(d.platform, "pk", None) for d in drafts],
        [getattr(d.creator, "pk", None) for d in drafts],
        [d.source_type for d in drafts],
        [str(d.source_id)[:200] for d in drafts],
        p_entry,
        p_accounts,
        p_amounts,
    ]
    connection.ensure_connection()
    # A server-side-binding cursor on Django's own connection (same transaction): Django's
    # default client-side binding would render ~10,000 array elements into the SQL text.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_POST_BATCH, params)
        created = dict(cursor.fetchall())
    return _bulk_results(drafts, fingerprints, created, posted_at)


def _entry_values(draft: EntryDraft, fingerprint: str, posted_at) -> tuple:
    """A new entry's column values in ``_ENTRY_COLUMNS`` order (the model's field order after
    the id): one place for the insert parameters and the result rows."""
    return (
        draft.idempotency_key,
        fingerprint,
        draft.kind,
        draft.memo[:500],
        draft.occurred_at,
        posted_at,
        getattr(draft.platform, "pk", None),
        getattr(draft.creator, "pk", None),
        draft.source_type,
        str(draft.source_id)[:200],
        None,  # reverses: batches hold no reversals
        None,  # posted_by: batches are posted by the system
    )


def _bulk_results(
    drafts: list[EntryDraft], fingerprints: list[str], created: dict[int, int], posted_at
) -> list[PostResult]:
    """Results in draft order; ``created`` maps 1-based draft positions to new entry ids. Keys
    that already existed return their first entry, or are refused if the postings differ."""
    existing_keys = [d.idempotency_key for i, d in enumerate(drafts, 1) if i not in created]
    existing = (
        JournalEntry.objects.in_bulk(existing_keys, field_name="idempotency_key")
        if existing_keys
        else {}
    )
    results: list[PostResult] = []
    for position, (draft, fingerprint) in enumerate(zip(drafts, fingerprints, strict=True), 1):
        entry_id = created.get(position)
        if entry_id is None:
            entry = existing[draft.idempotency_key]
            _check_same_entry(entry, fingerprint)
            results.append(PostResult(entry, created=False))
            continue
        # from_db with every column in order: the fast positional path of Model.__init__
        # (a thousand keyword constructions cost more than the batch's SQL).
        entry = JournalEntry.from_db(
            connection.alias, None, (entry_id, *_entry_values(draft, fingerprint, posted_at))
        )
        if draft.platform is not None:
            entry._state.fields_cache["platform"] = draft.platform
        if draft.creator is not None:
            entry._state.fields_cache["creator"] = draft.creator
        results.append(PostResult(entry, created=True))
    return results


def _bulk_rows(drafts: list[EntryDraft], fingerprints: list[str]) -> list[PostResult]:
    """The same on SQLite (development): multi-row inserts; the row trigger keeps counters."""
    posted_at = timezone.now()
    created_ids: dict[str, int] = {}
    for start in range(0, len(drafts), BULK_ENTRY_CHUNK):
        chunk = list(
            zip(
                drafts[start : start + BULK_ENTRY_CHUNK],
                fingerprints[start : start + BULK_ENTRY_CHUNK],
                strict=True,
            )
        )
        params: list = []
        for draft, fingerprint in chunk:
            params.extend(_entry_values(draft, fingerprint, posted_at))
        values = ", ".join([_ENTRY_PLACEHOLDERS] * len(chunk))
        sql = (
            f"INSERT INTO ledger_journalentry {_ENTRY_COLUMNS} VALUES {values} "  # noqa: S608
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            created_ids.update({key: entry_id for entry_id, key in cursor.fetchall()})
    created = {
        position: created_ids[d.idempotency_key]
        for position, d in enumerate(drafts, 1)
        if d.idempotency_key in created_ids
    }
    results = _bulk_results(drafts, fingerprints, created, posted_at)
    rows = [
        (p.account.pk, result.entry.pk, p.amount)
        for draft, result in zip(drafts, results, strict=True)
        if result.created
        for p in draft.postings
    ]
    rows.sort()
    occurred = {r.entry.pk: r.entry.occurred_at for r in results if r.created}
    for start in range(0, len(rows), BULK_POSTING_CHUNK):
        chunk = rows[start : start + BULK_POSTING_CHUNK]
        params = []
        for account_id, entry_id, amount in chunk:
            params.extend((entry_id, account_id, amount, occurred[entry_id]))
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        sql = (
            "INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) "  # noqa: S608
            f"VALUES {values}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return results


# --- reversal ----------------------------------------------------------------------------


NOT_REVERSIBLE = {
    EntryKind.REVERSAL: "A reversal cannot itself be reversed.",
    EntryKind.RELEASE: "A release follows the hold period; it is not reversed by hand.",
    EntryKind.REFUND: "A refund is part of a platform's history; record a new earning instead.",
    EntryKind.CHARGEBACK: "A chargeback is part of a processor's history; it is not reversed.",
}


def entry_reverse(*, entry: JournalEntry, reason: str, actor=None) -> PostResult:
    """Undo an entry with an equal and opposite one that references it (once only).

    An earning can be reversed while its money is still pending (its pending lot is closed
    with it); once released, take it back with a refund instead."""
    if entry.kind in NOT_REVERSIBLE:
        raise ApplicationError(f"cannot_reverse_{entry.kind}", NOT_REVERSIBLE[entry.kind])
    if not reason.strip():
        raise ApplicationError("reason_required", "Say why the entry is reversed.")
    postings = [
        PostingSpec(account=p.account, amount=-p.amount)
        for p in entry.postings.select_related("account")
    ]

    def work() -> PostResult:
        lot = PendingRelease.objects.select_for_update().filter(entry=entry).first()
        already_reversed = JournalEntry.objects.filter(reverses=entry).exists()
        if lot is not None and not already_reversed:
            if lot.released_entry_id is not None:
                raise ApplicationError(
                    "earning_already_released",
                    "This earning is already available to the creator: record a refund.",
                    status_code=409,
                )
            if JournalEntry.objects.filter(
                source_type="refund_of", source_id=str(entry.pk)
            ).exists():
                raise ApplicationError(
                    "earning_partly_refunded",
                    "This earning has refunds; refund the rest instead of reversing it.",
                    status_code=409,
                )
        result = _post_in_transaction(
            idempotency_key=f"reversal:{entry.pk}",
            kind=EntryKind.REVERSAL,
            postings=postings,
            occurred_at=timezone.now(),
            memo=f"Reversal of #{entry.pk}: {reason}",
            platform=entry.platform,
            creator=entry.creator,
            source_type="entry",
            source_id=str(entry.pk),
            reverses=entry,
            actor=actor,
        )
        if result.created and lot is not None:
            lot.amount = 0
            lot.save(update_fields=["amount"])
        return result

    _validate(f"reversal:{entry.pk}", postings, timezone.now())
    return run_in_transaction(work)


# --- earnings, refunds, chargebacks --------------------------------------------------------


def platform_fee_minor(platform, gross_minor: int) -> int:
    """The network's fee, rounded down: any fraction of a minor unit stays with the creator."""
    fee = (Decimal(gross_minor) * platform.fee_percent / 100).to_integral_value(ROUND_DOWN)
    return int(fee)


def _earning_postings(platform, creator, gross_minor: int, currency: str):
    """Postings of one earning, and its pending lot's accounts and amount."""
    fee = platform_fee_minor(platform, gross_minor)
    net = gross_minor - fee
    pending = creator_account(creator, platform, AccountKind.PENDING, currency)
    available = creator_account(creator, platform, AccountKind.AVAILABLE, currency)
    postings = [
        PostingSpec(network_account(AccountKind.PROCESSOR_CLEARING, currency), gross_minor),
        PostingSpec(pending, -net),
    ]
    if fee:
        postings.append(
            PostingSpec(platform_account(platform, AccountKind.FEE_REVENUE, currency), -fee)
        )
    return postings, pending, available, net


def _earning_check(kind: str, gross_minor, transaction_id: str) -> None:
    if kind not in EARNING_KINDS:
        raise ApplicationError("invalid_entry_kind", f"{kind!r} is not an earning.")
    if type(gross_minor) is not int or gross_minor <= 0:
        raise ApplicationError("invalid_amount", "Gross must be a positive amount.")
    if not transaction_id:
        raise ApplicationError("missing_transaction_id", "A platform transaction id is required.")


def earning_record(
    *,
    platform,
    creator,
    kind: str,
    gross_minor: int,
    currency: str,
    occurred_at: datetime,
    transaction_id: str,
    idempotency_key: str,
    memo: str = "",
) -> PostResult:
    """A fan paid: gross from processor clearing, the platform fee to fee revenue, the rest to
    the creator's pending balance until the platform's hold period ends."""
    _earning_check(kind, gross_minor, transaction_id)
    postings, pending, available, net = _earning_postings(platform, creator, gross_minor, currency)

    def work() -> PostResult:
        result = _post_in_transaction(
            idempotency_key=idempotency_key,
            kind=kind,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=platform,
            creator=creator,
            source_type=PLATFORM_TRANSACTION,
            source_id=transaction_id,
        )
        if result.created:
            PendingRelease.objects.create(
                entry=result.entry,
                pending_account=pending,
                available_account=available,
                amount=net,
                available_at=occurred_at + timedelta(days=platform.hold_days),
            )
        return result

    _validate(idempotency_key, postings, occurred_at)
    return run_in_transaction(work)


@dataclass(frozen=True)
class EarningDraft:
    """One earning for ``earnings_record_bulk``: the arguments of ``earning_record``."""

    platform: object
    creator: object
    kind: str
    gross_minor: int
    currency: str
    occurred_at: datetime
    transaction_id: str
    idempotency_key: str
    memo: str = ""


def earnings_record_bulk(drafts: Sequence[EarningDraft]) -> list[PostResult]:
    """``earning_record`` for many earnings at once (batches of webhook events): every entry
    through ``entries_post_bulk`` (set-based), the new pending lots in one insert; all or
    nothing. Keys already posted return their first entry, as one by one."""
    entry_drafts: list[EntryDraft] = []
    lots: list[tuple] = []
    for draft in drafts:
        _earning_check(draft.kind, draft.gross_minor, draft.transaction_id)
        postings, pending, available, net = _earning_postings(
            draft.platform, draft.creator, draft.gross_minor, draft.currency
        )
        entry_drafts.append(
            EntryDraft(
                idempotency_key=draft.idempotency_key,
                kind=draft.kind,
                postings=postings,
                occurred_at=draft.occurred_at,
                memo=draft.memo,
                platform=draft.platform,
                creator=draft.creator,
                source_type=PLATFORM_TRANSACTION,
                source_id=draft.transaction_id,
            )
        )
        available_at = draft.occurred_at + timedelta(days=draft.platform.hold_days)
        lots.append((pending, available, net, available_at))

    def work() -> list[PostResult]:
        results = entries_post_bulk(entry_drafts)
        PendingRelease.objects.bulk_create(
            [
                PendingRelease(
                    entry=result.entry,
                    pending_account=pending,
                    available_account=available,
                    amount=net,
                    available_at=available_at,
                )
                for result, (pending, available, net, available_at) in zip(
                    results, lots, strict=True
                )
                if result.created
            ]
        )
        return results

    return run_in_transaction(work) if drafts else []


def _original_earning(platform, transaction_id: str) -> JournalEntry:
    original = (
        JournalEntry.objects.filter(
            platform=platform,
            source_type=PLATFORM_TRANSACTION,
            source_id=transaction_id,
            kind__in=EARNING_KINDS,
        )
        .select_related("creator")
        .first()
    )
    if original is None:
        raise ApplicationError(
            "unknown_transaction",
            f"No earning with transaction id {transaction_id!r} on {platform.slug}.",
            status_code=409,
        )
    return original


def refund_record(
    *,
    platform,
    transaction_id: str,
    kind: str,
    occurred_at: datetime,
    idempotency_key: str,
    amount_minor: int | None = None,
    chargeback_fee_minor: int = 0,
    memo: str = "",
) -> PostResult:
    """Give back all or part of an earning (refund or chargeback): the creator's share comes
    from pending first, then available (which may go negative only here, recovered from later
    earnings); the fee share comes back from fee revenue; a chargeback fee is a loss."""
    if kind not in (EntryKind.REFUND, EntryKind.CHARGEBACK):
        raise ApplicationError("invalid_entry_kind", f"{kind!r} is not a refund or chargeback.")
    if chargeback_fee_minor and kind != EntryKind.CHARGEBACK:
        raise ApplicationError("invalid_amount", "Only a chargeback carries a chargeback fee.")
    if type(chargeback_fee_minor) is not int or chargeback_fee_minor < 0:
        raise ApplicationError("invalid_amount", "The chargeback fee cannot be negative.")

    def work() -> PostResult:
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return PostResult(existing, created=False)
        original = _original_earning(platform, transaction_id)
        lot = PendingRelease.objects.select_for_update().get(entry=original)
        gross = sum(
            p.amount
            for p in original.postings.select_related("account")
            if p.account.kind == AccountKind.PROCESSOR_CLEARING
        )
        currency = lot.pending_account.currency_id
        # What earlier refunds gave back: clearing outflow less the chargeback fees in it.
        earlier = Posting.objects.filter(
            entry__source_type="refund_of",
            entry__source_id=str(original.pk),
            account__kind__in=[AccountKind.PROCESSOR_CLEARING, AccountKind.CHARGEBACK_LOSSES],
        ).values_list("amount", flat=True)
        already = -sum(earlier)
        amount = gross - already if amount_minor is None else amount_minor
        if type(amount) is not int or amount <= 0:
            raise ApplicationError("invalid_amount", "The refund amount must be positive.")
        if already + amount > gross:
            raise ApplicationError(
                "refund_exceeds_original",
                f"Refunds would total {_shown(already + amount, currency)} of an original "
                f"{_shown(gross, currency)}.",
                status_code=409,
            )
        fee_total = platform_fee_minor(platform, gross)
        fee_share = fee_total * amount // gross
        creator_share = amount - fee_share
        from_pending = min(lot.amount, creator_share) if lot.released_entry_id is None else 0
        from_available = creator_share - from_pending
        clearing = network_account(AccountKind.PROCESSOR_CLEARING, currency)
        postings = [PostingSpec(clearing, -amount)]
        if from_pending:
            postings.append(PostingSpec(lot.pending_account, from_pending))
        if from_available:
            postings.append(PostingSpec(lot.available_account, from_available))
        if fee_share:
            postings.append(
                PostingSpec(
                    platform_account(platform, AccountKind.FEE_REVENUE, currency), fee_share
                )
            )
        if chargeback_fee_minor:
            postings.append(
                PostingSpec(
                    network_account(AccountKind.CHARGEBACK_LOSSES, currency), chargeback_fee_minor
                )
            )
            postings.append(PostingSpec(clearing, -chargeback_fee_minor))
        _validate(idempotency_key, postings, occurred_at)
        result = _post_in_transaction(
            idempotency_key=idempotency_key,
            kind=kind,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=platform,
            creator=original.creator,
            source_type="refund_of",
            source_id=str(original.pk),
        )
        if result.created and from_pending:
            lot.amount -= from_pending
            lot.save(update_fields=["amount"])
        return result

    return run_in_transaction(work)


# --- release and transfer ----------------------------------------------------------------


def pending_release_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Move every matured pending amount to available. Safe to run from several workers at
    once (rows are claimed with SKIP LOCKED) and again after a crash (keys per lot)."""
    now = now or timezone.now()
    released = 0
    while True:

        def work() -> int:
            # of=("self",): lock the lots only. Locking the joined account rows too would make
            # a second worker skip every lot of the same accounts and stop early.
            lots = list(
                PendingRelease.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(released_entry__isnull=True, available_at__lte=now, amount__gt=0)
                .select_related("pending_account", "available_account", "entry")
                .order_by("available_at")[:batch_size]
            )
            for lot in lots:
                result = _post_in_transaction(
                    idempotency_key=f"release:{lot.entry_id}",
                    kind=EntryKind.RELEASE,
                    postings=[
                        PostingSpec(lot.pending_account, lot.amount),
                        PostingSpec(lot.available_account, -lot.amount),
                    ],
                    occurred_at=lot.available_at,
                    memo=f"Hold period over for #{lot.entry_id}",
                    platform=lot.entry.platform,
                    creator=lot.entry.creator,
                    source_type="entry",
                    source_id=str(lot.entry_id),
                )
                lot.released_entry = result.entry
                lot.save(update_fields=["released_entry"])
            return len(lots)

        count = run_in_transaction(work)
        released += count
        if count < batch_size:
            return released


def creator_transfer(
    *,
    source: Account,
    destination: Account,
    amount_minor: int,
    idempotency_key: str,
    memo: str = "",
    actor=None,
) -> PostResult:
    """Move money between two accounts of the same creator and currency (e.g. available →
    in_payout). The source must hold enough: checked under a row lock on its balance."""
    if source.creator_id is None or source.creator_id != destination.creator_id:
        raise ApplicationError("invalid_transfer", "Both accounts must belong to one creator.")
    if source.currency_id != destination.currency_id:
        raise ApplicationError("invalid_transfer", "Both accounts must be in one currency.")
    if source.kind not in CREATOR_KINDS or destination.kind not in CREATOR_KINDS:
        raise ApplicationError("invalid_transfer", "Only creator accounts can be transferred.")
    if type(amount_minor) is not int or amount_minor <= 0:
        raise ApplicationError("invalid_amount", "The amount must be positive.")
    postings = [PostingSpec(source, amount_minor), PostingSpec(destination, -amount_minor)]
    occurred_at = timezone.now()
    _validate(idempotency_key, postings, occurred_at)

    def work() -> PostResult:
        existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _post_in_transaction(
                idempotency_key=idempotency_key,
                kind=EntryKind.TRANSFER,
                postings=postings,
                occurred_at=existing.occurred_at,
            )
        rows = AccountBalance.objects.select_for_update().filter(account=source)
        held = -sum(row.balance for row in rows)  # creator accounts are credit-normal
        if held < amount_minor:
            raise ApplicationError(
                "insufficient_funds",
                f"The account holds {_shown(held, source.currency_id)}; "
                f"{_shown(amount_minor, source.currency_id)} requested.",
                status_code=409,
            )
        return _post_in_transaction(
            idempotency_key=idempotency_key,
            kind=EntryKind.TRANSFER,
            postings=postings,
            occurred_at=occurred_at,
            memo=memo,
            platform=source.platform,
            creator=source.creator,
            source_type="transfer",
            source_id=idempotency_key,
            actor=actor,
        )

    return run_in_transaction(work)
