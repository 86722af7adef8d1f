"""What PostgreSQL itself refuses, even when Python bypasses the services."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from apps.ledger.accounts import creator_account, network_account
from apps.ledger.models import AccountBalance, AccountKind, EntryKind, JournalEntry, Posting
from apps.ledger.selectors import account_balance
from apps.ledger.services import PostingSpec, entry_post
from tests.factories import make_creator

pytestmark = pytest.mark.postgres


@pytest.fixture
def accounts(boyfanz):
    creator = make_creator(platforms=("boyfanz",))
    return (
        network_account(AccountKind.PROCESSOR_CLEARING, "USD"),
        creator_account(creator, boyfanz, AccountKind.PENDING, "USD"),
        creator_account(creator, boyfanz, AccountKind.PENDING, "EUR"),
    )


def _raw_entry(key: str) -> JournalEntry:
    # Deliberately not through the service: this is what a buggy caller might do.
    return JournalEntry.objects.create(
        idempotency_key=key, fingerprint="x", kind=EntryKind.ADJUSTMENT, occurred_at=timezone.now()
    )


def _check_now():
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_unbalanced_postings_are_refused(accounts):
    clearing, pending, _ = accounts
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = _raw_entry("raw-1")
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=clearing, amount=100, occurred_at=entry.occurred_at),
                Posting(entry=entry, account=pending, amount=-99, occurred_at=entry.occurred_at),
            ]
        )
        _check_now()
    assert not JournalEntry.objects.filter(idempotency_key="raw-1").exists()


def test_balance_is_per_currency(accounts):
    clearing, _, pending_eur = accounts
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        entry = _raw_entry("raw-2")
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=clearing, amount=100, occurred_at=entry.occurred_at),
                Posting(
                    entry=entry, account=pending_eur, amount=-100, occurred_at=entry.occurred_at
                ),
            ]
        )
        _check_now()


def test_entry_without_postings_is_refused(accounts):
    with pytest.raises(IntegrityError, match="at least two postings"), transaction.atomic():
        _raw_entry("raw-3")
        _check_now()


def test_balanced_raw_entry_is_accepted_and_counted(accounts):
    clearing, pending, _ = accounts
    with transaction.atomic():
        entry = _raw_entry("raw-4")
        Posting.objects.bulk_create(
            [
                Posting(entry=entry, account=clearing, amount=250, occurred_at=entry.occurred_at),
                Posting(entry=entry, account=pending, amount=-250, occurred_at=entry.occurred_at),
            ]
        )
        _check_now()
    assert account_balance(pending) == -250


def test_postings_and_entries_are_immutable(accounts):
    clearing, pending, _ = accounts
    entry = entry_post(
        idempotency_key="imm",
        kind=EntryKind.TIP,
        occurred_at=timezone.now(),
        postings=[PostingSpec(clearing, 300), PostingSpec(pending, -300)],
    ).entry
    attempts = [
        lambda: Posting.objects.filter(entry=entry).update(amount=1),
        lambda: Posting.objects.filter(entry=entry).delete(),
        lambda: JournalEntry.objects.filter(pk=entry.pk).update(memo="edited"),
        lambda: JournalEntry.objects.filter(pk=entry.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert account_balance(pending) == -300
    assert sorted(Posting.objects.filter(entry=entry).values_list("amount", flat=True)) == [
        -300,
        300,
    ]


def test_balance_counters_cannot_be_written_directly(accounts):
    clearing, pending, _ = accounts
    entry_post(
        idempotency_key="ctr",
        kind=EntryKind.TIP,
        occurred_at=timezone.now(),
        postings=[PostingSpec(clearing, 300), PostingSpec(pending, -300)],
    )
    for attempt in (
        lambda: AccountBalance.objects.filter(account=pending).update(balance=0),
        lambda: AccountBalance.objects.filter(account=pending).delete(),
        lambda: AccountBalance.objects.create(account=pending, shard=99, balance=5),
    ):
        with pytest.raises(DatabaseError, match="balances change only"), transaction.atomic():
            attempt()
    assert account_balance(pending) == -300


def test_idempotency_keys_are_unique_in_the_database(accounts):
    _raw = JournalEntry(
        idempotency_key="same", fingerprint="x", kind=EntryKind.TIP, occurred_at=timezone.now()
    )
    with transaction.atomic():
        _raw.save()
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalEntry.objects.create(
                idempotency_key="same",
                fingerprint="y",
                kind=EntryKind.TIP,
                occurred_at=timezone.now(),
            )
        transaction.set_rollback(True)


def test_hot_accounts_spread_over_shards(accounts):
    clearing, _, _ = accounts
    assert clearing.shard_count > 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    entry_post(
        idempotency_key="shard",
        kind=EntryKind.TIP,
        occurred_at=timezone.now(),
        postings=[PostingSpec(clearing, 10), PostingSpec(accounts[1], -10)],
    )
    (row,) = AccountBalance.objects.filter(account=clearing)
    assert row.shard == pid % clearing.shard_count


# --- the set-based batch door (migration 0006) ------------------------------------------------

_BATCH_SQL = (
    "SELECT out_position, out_entry_id FROM ledger_post_batch(%s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz, %s::bigint[], %s::bigint[], "
    "%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[])"
)


def _batch(keys, postings):
    """Call the database function directly, as a buggy caller might: ``postings`` are
    (1-based entry position, account, amount)."""
    now = timezone.now()
    n = len(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            _BATCH_SQL,
            [
                keys,
                ["x"] * n,
                ["adjustment"] * n,
                [""] * n,
                [now] * n,
                now,
                [None] * n,
                [None] * n,
                [""] * n,
                [""] * n,
                [p[0] for p in postings],
                [p[1].pk for p in postings],
                [p[2] for p in postings],
            ],
        )
        return cursor.fetchall()


def test_batch_function_refuses_an_unbalanced_entry(accounts):
    clearing, pending, _ = accounts
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _batch(
            ["b-1", "b-2"], [(1, clearing, 5), (1, pending, -5), (2, clearing, 7), (2, pending, -6)]
        )
    assert not JournalEntry.objects.filter(idempotency_key__in=["b-1", "b-2"]).exists()
    assert account_balance(clearing) == 0


def test_batch_function_balances_per_currency(accounts):
    clearing, _, pending_eur = accounts
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _batch(["b-3"], [(1, clearing, 5), (1, pending_eur, -5)])


def test_batch_function_refuses_an_entry_with_one_posting(accounts):
    clearing, pending, _ = accounts
    with pytest.raises(IntegrityError, match="at least two postings"), transaction.atomic():
        _batch(["b-4", "b-5"], [(1, clearing, 5), (1, pending, -5)])  # b-5 has none
    assert not JournalEntry.objects.filter(idempotency_key__in=["b-4", "b-5"]).exists()


def test_batch_function_keeps_counters_and_leaves_row_checks_on(accounts):
    clearing, pending, _ = accounts
    with transaction.atomic():
        created = _batch(
            ["b-6", "b-7"], [(1, clearing, 5), (1, pending, -5), (2, pending, -3), (2, clearing, 3)]
        )
        assert [position for position, _ in created] == [1, 2]
        # The flag is off again: a raw unbalanced posting later in the same transaction is
        # still refused at commit, and counters cannot be written directly.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('ledger.batch', true)")
            assert cursor.fetchone()[0] in ("", None)
    assert account_balance(clearing) == 8
    assert account_balance(pending) == -8
    assert (
        sum(AccountBalance.objects.filter(account=clearing).values_list("posting_count", flat=True))
        == 2
    )
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _batch(["b-8"], [(1, clearing, 1), (1, pending, -1)])
        entry = _raw_entry("raw-after-batch")
        Posting.objects.create(
            entry=entry, account=clearing, amount=1, occurred_at=entry.occurred_at
        )
        Posting.objects.create(
            entry=entry, account=pending, amount=-2, occurred_at=entry.occurred_at
        )
        _check_now()
    with pytest.raises(DatabaseError, match="only by posting entries"), transaction.atomic():
        AccountBalance.objects.filter(account=clearing).update(balance=0)


def test_batch_function_skips_existing_keys(accounts):
    clearing, pending, _ = accounts
    _batch(["b-9"], [(1, clearing, 5), (1, pending, -5)])
    again = _batch(
        ["b-9", "b-10"], [(1, clearing, 5), (1, pending, -5), (2, clearing, 2), (2, pending, -2)]
    )
    assert [position for position, _ in again] == [2]
    assert account_balance(clearing) == 7
