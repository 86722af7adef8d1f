"""The door of the ledger: posting a balanced entry (one, or many set-based), and reversing one.
Every movement of money goes through ``entry_post`` / ``entries_post_bulk`` (or
``entry_post_in_transaction`` inside a transaction that is already open); each is idempotent
by its key and safe to run from many workers at once. The business operations built on
them are ``operations.py``."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import psycopg
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.ledger.models import (
    Account,
    EntryKind,
    JournalEntry,
    PendingRelease,
)

T = TypeVar("T")

MAX_FUTURE_SKEW = timedelta(minutes=5)
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}  # deadlock, serialization, lock not available
ENTRY_KINDS = frozenset(EntryKind.values)  # .values builds a new list on every access


@dataclass(frozen=True)
class PostingSpec:
    account: Account
    amount: int


@dataclass(frozen=True)
class PostResult:
    entry: JournalEntry
    created: bool


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


def entry_validate(
    idempotency_key: str, postings: Sequence[PostingSpec], occurred_at: datetime
) -> None:
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


def entry_post_in_transaction(
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
    entry_validate(idempotency_key, postings, occurred_at)
    return run_in_transaction(
        lambda: entry_post_in_transaction(
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


def _drafts_check(drafts: list[EntryDraft]) -> None:
    """Every draft a known kind and a valid, balanced entry; no key twice."""
    seen: set[str] = set()
    for draft in drafts:
        if draft.kind not in ENTRY_KINDS:
            raise ApplicationError("invalid_entry_kind", f"Unknown entry kind {draft.kind!r}.")
        entry_validate(draft.idempotency_key, draft.postings, draft.occurred_at)
        if draft.idempotency_key in seen:
            raise ApplicationError(
                "duplicate_idempotency_key",
                f"Key {draft.idempotency_key!r} appears twice in one batch.",
            )
        seen.add(draft.idempotency_key)


def entries_post_bulk(drafts: Iterable[EntryDraft]) -> list[PostResult]:
    """Post many entries in one transaction (imports, back-fills, batch webhooks): all or
    nothing, set-based. Entries go in with multi-row ``INSERT … ON CONFLICT DO NOTHING
    RETURNING``; keys that already exist return their first entry (or 409 if the postings
    differ); the postings of the whole batch go in sorted by account, so concurrent batches
    and single posts take counter locks in one global order."""
    drafts = list(drafts)
    _drafts_check(drafts)
    if not drafts:
        return []
    fingerprints = [_fingerprint(d.kind, d.postings) for d in drafts]

    if connection.vendor == "postgresql":
        return run_in_transaction(lambda: _bulk_postgresql(drafts, fingerprints))
    return run_in_transaction(lambda: _bulk_rows(drafts, fingerprints))


def entries_post_bulk_ids(drafts: Iterable[EntryDraft]) -> list[int]:
    """``entries_post_bulk`` returning only the entries' ids, in draft order (a key that
    already exists gives its first entry's id, or 409 if the postings differ): for callers
    that only record which entry moved the money (a batch build's reservations), without a
    ``JournalEntry`` instance per entry. Same checks, same statements."""
    drafts = list(drafts)
    if connection.vendor != "postgresql":
        return [result.entry.pk for result in entries_post_bulk(drafts)]
    _drafts_check(drafts)
    if not drafts:
        return []
    fingerprints = [_fingerprint(d.kind, d.postings) for d in drafts]
    return run_in_transaction(lambda: _bulk_postgresql(drafts, fingerprints, ids_only=True))


# Binary parameters (%b): psycopg's C dumpers send the arrays without quoting every element.
_POST_BATCH = (
    "SELECT out_position, out_entry_id FROM ledger_post_batch(%b::text[], %b::text[], "
    "%b::text[], %b::text[], %b::timestamptz[], %b::timestamptz, %b::bigint[], %b::bigint[], "
    "%b::text[], %b::text[], %b::bigint[], %b::bigint[], %b::bigint[])"
)


def _bulk_postgresql(drafts: list[EntryDraft], fingerprints: list[str], *, ids_only=False):
    """One call of the database's set-based door (migration 0006): entries, postings and
    balance counters in three statements, the same checks as the row triggers, set-based."""

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
    if ids_only:
        return _bulk_ids(drafts, fingerprints, created)
    return _bulk_results(drafts, fingerprints, created, posted_at)


def _bulk_ids(drafts: list[EntryDraft], fingerprints: list[str], created: dict) -> list[int]:
    """Entry ids in draft order; ``created`` maps 1-based positions to new ids. Keys that
    already existed give their first entry's id, or are refused if the postings differ."""
    missing = [d.idempotency_key for i, d in enumerate(drafts, 1) if i not in created]
    existing = (
        {
            key: (pk, fingerprint)
            for key, pk, fingerprint in JournalEntry.objects.filter(
                idempotency_key__in=missing
            ).values_list("idempotency_key", "pk", "fingerprint")
        }
        if missing
        else {}
    )
    ids: list[int] = []
    for position, (draft, fingerprint) in enumerate(zip(drafts, fingerprints, strict=True), 1):
        entry_id = created.get(position)
        if entry_id is None:
            entry_id, first = existing[draft.idempotency_key]
            if first != fingerprint:
                raise ApplicationError(
                    "idempotency_conflict",
                    f"Key {draft.idempotency_key!r} was already used for a different entry.",
                    status_code=409,
                )
        ids.append(entry_id)
    return ids


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
    """Undo an entry with an equal and opposite one that references it (once only), audited
    in the same transaction. A second call hands back the first reversal, moves nothing and
    audits nothing (``created`` False).

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
        result = entry_post_in_transaction(
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
        if result.created:
            if lot is not None:
                lot.amount = 0
                lot.save(update_fields=["amount"])
            audit_record(
                actor=actor,
                action="ledger.entry_reversed",
                target=entry,
                before={"entry": entry.pk, "kind": entry.kind, "reversed_by": None},
                after={"reversed_by": result.entry.pk, "reason": reason},
            )
        return result

    entry_validate(f"reversal:{entry.pk}", postings, timezone.now())
    return run_in_transaction(work)
