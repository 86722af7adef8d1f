"""Many workers posting at once lose no update and never fail a request on a deadlock."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from apps.ledger.accounts import creator_account, network_account
from apps.ledger.models import AccountKind, EntryKind, JournalEntry, Posting
from apps.ledger.selectors import account_balance, trial_balance
from apps.ledger.services import PostingSpec, entry_post, pending_release_due
from tests.factories import make_creator

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
PER_THREAD = 25


def _run_threads(target) -> list[BaseException]:
    errors: list[BaseException] = []

    def wrapped(n: int) -> None:
        try:
            target(n)
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_posting_to_one_creator_and_hot_account(reference_data, boyfanz):
    creator = make_creator(platforms=("boyfanz",))
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    pending = creator_account(creator, boyfanz, AccountKind.PENDING, "USD")
    fees = network_account(AccountKind.PAYOUT_FEES, "USD")

    def work(n: int) -> None:
        for i in range(PER_THREAD):
            # three accounts, listed in varying order: the service sorts its locks
            postings = [
                PostingSpec(clearing, 101),
                PostingSpec(pending, -100),
                PostingSpec(fees, -1),
            ]
            entry_post(
                idempotency_key=f"t{n}-{i}",
                kind=EntryKind.TIP,
                occurred_at=timezone.now(),
                postings=postings if i % 2 else list(reversed(postings)),
            )

    assert _run_threads(work) == []
    total = THREADS * PER_THREAD
    assert JournalEntry.objects.count() == total
    assert account_balance(pending) == -100 * total
    assert account_balance(clearing) == 101 * total
    assert account_balance(fees) == -total
    assert trial_balance().balanced


def test_threads_racing_on_one_idempotency_key(reference_data, boyfanz):
    creator = make_creator(platforms=("boyfanz",))
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    pending = creator_account(creator, boyfanz, AccountKind.PENDING, "USD")
    results = []

    def work(n: int) -> None:
        results.append(
            entry_post(
                idempotency_key="same-event",
                kind=EntryKind.TIP,
                occurred_at=timezone.now(),
                postings=[PostingSpec(clearing, 999), PostingSpec(pending, -999)],
            )
        )

    assert _run_threads(work) == []
    assert sum(result.created for result in results) == 1
    assert len({result.entry.pk for result in results}) == 1
    assert Posting.objects.filter(account=pending).count() == 1
    assert account_balance(pending) == -999


def test_release_from_several_workers_releases_each_lot_once(reference_data, boyfanz):
    from apps.ledger.services import earning_record

    creator = make_creator(platforms=("boyfanz",))
    past = timezone.now() - timezone.timedelta(days=30)
    for i in range(40):
        earning_record(
            platform=boyfanz,
            creator=creator,
            kind=EntryKind.TIP,
            gross_minor=100,
            currency="USD",
            occurred_at=past,
            transaction_id=f"tx{i}",
            idempotency_key=f"e{i}",
        )
    counts = []
    assert _run_threads(lambda n: counts.append(pending_release_due(batch_size=5))) == []
    assert sum(counts) == 40
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE).count() == 40
    available = creator_account(creator, boyfanz, AccountKind.AVAILABLE, "USD")
    assert account_balance(available) == -4000
