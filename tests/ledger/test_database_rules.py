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
