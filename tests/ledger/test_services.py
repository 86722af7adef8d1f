"""Ledger services: every write balanced, idempotent, and refused whole when wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.ledger.accounts import creator_account, network_account, platform_account
from apps.ledger.models import (
    AccountBalance,
    AccountKind,
    EntryKind,
    JournalEntry,
    PendingRelease,
    Posting,
)
from apps.ledger.selectors import (
    account_balance,
    account_statement,
    creator_balances,
    trial_balance,
)
from apps.ledger.services import (
    PostingSpec,
    creator_transfer,
    earning_record,
    entry_post,
    entry_reverse,
    pending_release_due,
    refund_record,
)
from tests.factories import make_creator

NOW = timezone.now


def _accounts(creator, platform, currency="USD"):
    return (
        network_account(AccountKind.PROCESSOR_CLEARING, currency),
        creator_account(creator, platform, AccountKind.PENDING, currency),
        creator_account(creator, platform, AccountKind.AVAILABLE, currency),
    )


def _sum_postings(account) -> int:
    return sum(Posting.objects.filter(account=account).values_list("amount", flat=True))


@pytest.fixture
def creator(boyfanz):
    return make_creator(platforms=("boyfanz",))


def test_entry_post_moves_money_and_counters_match_postings(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    result = entry_post(
        idempotency_key="k1",
        kind=EntryKind.TIP,
        occurred_at=NOW(),
        postings=[PostingSpec(clearing, 1999), PostingSpec(pending, -1999)],
    )
    assert result.created
    assert account_balance(clearing) == 1999 == _sum_postings(clearing)
    assert account_balance(pending) == -1999 == _sum_postings(pending)
    assert trial_balance().totals == {"USD": 0}


def test_same_key_moves_nothing_twice(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    postings = [PostingSpec(clearing, 500), PostingSpec(pending, -500)]
    first = entry_post(
        idempotency_key="dup", kind=EntryKind.TIP, occurred_at=NOW(), postings=postings
    )
    second = entry_post(
        idempotency_key="dup", kind=EntryKind.TIP, occurred_at=NOW(), postings=postings
    )
    assert not second.created and second.entry.pk == first.entry.pk
    assert account_balance(pending) == -500
    assert JournalEntry.objects.count() == 1


def test_same_key_with_other_postings_is_a_conflict(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    entry_post(
        idempotency_key="k",
        kind=EntryKind.TIP,
        occurred_at=NOW(),
        postings=[PostingSpec(clearing, 500), PostingSpec(pending, -500)],
    )
    with pytest.raises(ApplicationError) as error:
        entry_post(
            idempotency_key="k",
            kind=EntryKind.TIP,
            occurred_at=NOW(),
            postings=[PostingSpec(clearing, 900), PostingSpec(pending, -900)],
        )
    assert error.value.code == "idempotency_conflict" and error.value.status_code == 409
    assert account_balance(pending) == -500


def _refused(code, **kwargs):
    before = (JournalEntry.objects.count(), Posting.objects.count())
    with pytest.raises(ApplicationError) as error:
        entry_post(**kwargs)
    assert error.value.code == code
    assert (JournalEntry.objects.count(), Posting.objects.count()) == before
    assert not AccountBalance.objects.exclude(balance=0).exists()


def test_bad_entries_are_refused_whole(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    eur = creator_account(creator, boyfanz, AccountKind.PENDING, "EUR")
    ok = {"idempotency_key": "x", "kind": EntryKind.TIP, "occurred_at": NOW()}
    _refused(
        "unbalanced_entry", **ok, postings=[PostingSpec(clearing, 100), PostingSpec(pending, -99)]
    )
    _refused("unbalanced_entry", **ok, postings=[PostingSpec(clearing, 100)])
    _refused(
        "unbalanced_entry", **ok, postings=[PostingSpec(clearing, 100), PostingSpec(eur, -100)]
    )
    _refused("invalid_amount", **ok, postings=[PostingSpec(clearing, 0), PostingSpec(pending, 0)])
    _refused(
        "invalid_amount", **ok, postings=[PostingSpec(clearing, 1.5), PostingSpec(pending, -1.5)]
    )
    _refused(
        "invalid_amount", **ok, postings=[PostingSpec(clearing, True), PostingSpec(pending, -1)]
    )
    unsaved = type(clearing)(key="nope", kind="pending", currency_id="USD")
    _refused("unknown_account", **ok, postings=[PostingSpec(unsaved, 1), PostingSpec(pending, -1)])
    good = [PostingSpec(clearing, 1), PostingSpec(pending, -1)]
    _refused("invalid_idempotency_key", **{**ok, "idempotency_key": ""}, postings=good)
    _refused("invalid_entry_kind", **{**ok, "kind": "gift"}, postings=good)
    _refused(
        "invalid_occurred_at", **{**ok, "occurred_at": NOW() + timedelta(days=1)}, postings=good
    )
    naive = timezone.now().replace(tzinfo=None)
    _refused("invalid_occurred_at", **{**ok, "occurred_at": naive}, postings=good)


def test_unknown_currency_and_account_kind_are_refused(creator, boyfanz):
    with pytest.raises(ApplicationError) as error:
        creator_account(creator, boyfanz, AccountKind.PENDING, "XYZ")
    assert error.value.code == "unknown_currency"
    with pytest.raises(ApplicationError) as error:
        network_account(AccountKind.PENDING, "USD")
    assert error.value.code == "unknown_account"


def test_reversal(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    original = entry_post(
        idempotency_key="o",
        kind=EntryKind.TIP,
        occurred_at=NOW(),
        postings=[PostingSpec(clearing, 700), PostingSpec(pending, -700)],
    ).entry
    reversal = entry_reverse(entry=original, reason="posted to the wrong creator")
    assert reversal.created and reversal.entry.reverses_id == original.pk
    assert account_balance(pending) == 0 and account_balance(clearing) == 0
    # Audited by the service, in its transaction: whoever calls it (a view, a command, a task).
    audit = AuditEvent.objects.get(action="ledger.entry_reversed")
    assert audit.target_id == str(original.pk)
    assert audit.after == {
        "reversed_by": reversal.entry.pk,
        "reason": "posted to the wrong creator",
    }
    again = entry_reverse(entry=original, reason="again")
    assert not again.created  # the same reversal, nothing moved, nothing audited again
    assert account_balance(pending) == 0
    assert AuditEvent.objects.filter(action="ledger.entry_reversed").count() == 1
    with pytest.raises(ApplicationError) as error:
        entry_reverse(entry=reversal.entry, reason="undo the undo")
    assert error.value.code == "cannot_reverse_reversal"
    with pytest.raises(ApplicationError):
        entry_reverse(entry=original, reason=" ")


def test_reversing_an_earning_closes_its_pending_lot(creator, boyfanz):
    pending_earning = _earn(creator, boyfanz, 1000, "a")
    entry_reverse(entry=pending_earning.entry, reason="test event")
    assert PendingRelease.objects.get(entry=pending_earning.entry).amount == 0
    assert pending_release_due(now=NOW() + timedelta(days=30)) == 0
    (row,) = creator_balances(creator)
    assert (row.pending, row.available) == (0, 0)

    released = _earn(creator, boyfanz, 500, "b", days_ago=30)
    pending_release_due()
    with pytest.raises(ApplicationError) as error:
        entry_reverse(entry=released.entry, reason="too late")
    assert error.value.code == "earning_already_released"

    refunded = _earn(creator, boyfanz, 800, "c")
    refund_record(
        platform=boyfanz,
        transaction_id="c",
        kind=EntryKind.REFUND,
        occurred_at=NOW(),
        idempotency_key="rc",
        amount_minor=100,
    )
    with pytest.raises(ApplicationError) as error:
        entry_reverse(entry=refunded.entry, reason="mixed")
    assert error.value.code == "earning_partly_refunded"
    release = JournalEntry.objects.filter(kind=EntryKind.RELEASE).first()
    with pytest.raises(ApplicationError) as error:
        entry_reverse(entry=release, reason="no")
    assert error.value.code == "cannot_reverse_release"
    assert trial_balance().balanced


def test_balance_as_of_a_past_instant(creator, boyfanz):
    clearing, pending, _ = _accounts(creator, boyfanz)
    t0 = NOW()
    for days_ago, amount in ((10, 100), (5, 200), (1, 400)):
        entry_post(
            idempotency_key=f"a{days_ago}",
            kind=EntryKind.TIP,
            occurred_at=t0 - timedelta(days=days_ago),
            postings=[PostingSpec(clearing, amount), PostingSpec(pending, -amount)],
        )
    assert account_balance(pending, as_of=t0 - timedelta(days=11)) == 0
    assert account_balance(pending, as_of=t0 - timedelta(days=6)) == -100
    assert account_balance(pending, as_of=t0 - timedelta(days=2)) == -300
    assert account_balance(pending, as_of=t0) == account_balance(pending) == -700
    assert trial_balance(as_of=t0 - timedelta(days=6)).totals == {"USD": 0}
    statement = account_statement([pending], start=t0 - timedelta(days=6), end=t0)
    assert statement.opening == 100 and statement.closing == 700
    assert [line.amount for line in statement.lines()] == [200, 400]


def test_earning_fee_rounds_down_in_the_creators_favour(creator, boyfanz):
    boyfanz.fee_percent = 20
    boyfanz.save()
    result = earning_record(
        platform=boyfanz,
        creator=creator,
        kind=EntryKind.TIP,
        gross_minor=1999,
        currency="USD",
        occurred_at=NOW(),
        transaction_id="tx1",
        idempotency_key="evt1",
    )
    amounts = {p.account.kind: p.amount for p in result.entry.postings.select_related("account")}
    assert amounts == {"processor_clearing": 1999, "pending": -1600, "fee_revenue": -399}
    assert account_balance(platform_account(boyfanz, AccountKind.FEE_REVENUE, "USD")) == -399
    lot = PendingRelease.objects.get(entry=result.entry)
    assert lot.amount == 1600
    assert lot.available_at == result.entry.occurred_at + timedelta(days=boyfanz.hold_days)


def test_earning_refusals(creator, boyfanz):
    base = {
        "platform": boyfanz,
        "creator": creator,
        "kind": EntryKind.TIP,
        "currency": "USD",
        "occurred_at": NOW(),
        "transaction_id": "t",
        "idempotency_key": "e",
    }
    for change, code in (
        ({"gross_minor": 0}, "invalid_amount"),
        ({"gross_minor": -5}, "invalid_amount"),
        ({"gross_minor": 10, "currency": "XYZ"}, "unknown_currency"),
        ({"gross_minor": 10, "kind": EntryKind.REFUND}, "invalid_entry_kind"),
        ({"gross_minor": 10, "transaction_id": ""}, "missing_transaction_id"),
    ):
        with pytest.raises(ApplicationError) as error:
            earning_record(**{**base, **change})
        assert error.value.code == code
    assert JournalEntry.objects.count() == 0


def _earn(creator, platform, gross, tx, days_ago=0):
    return earning_record(
        platform=platform,
        creator=creator,
        kind=EntryKind.SUBSCRIPTION,
        gross_minor=gross,
        currency="USD",
        occurred_at=NOW() - timedelta(days=days_ago),
        transaction_id=tx,
        idempotency_key=f"evt-{tx}",
    )


def test_refund_comes_from_pending_first(creator, boyfanz):
    _earn(creator, boyfanz, 1000, "tx")
    refund_record(
        platform=boyfanz,
        transaction_id="tx",
        kind=EntryKind.REFUND,
        occurred_at=NOW(),
        idempotency_key="r1",
        amount_minor=400,
    )
    (row,) = creator_balances(creator)
    assert (row.pending, row.available) == (600, 0)
    assert PendingRelease.objects.get().amount == 600
    # the rest, then nothing more can be refunded
    refund_record(
        platform=boyfanz,
        transaction_id="tx",
        kind=EntryKind.REFUND,
        occurred_at=NOW(),
        idempotency_key="r2",
    )
    (row,) = creator_balances(creator)
    assert (row.pending, row.available) == (0, 0)
    with pytest.raises(ApplicationError) as error:
        refund_record(
            platform=boyfanz,
            transaction_id="tx",
            kind=EntryKind.REFUND,
            occurred_at=NOW(),
            idempotency_key="r3",
            amount_minor=1,
        )
    assert error.value.code == "refund_exceeds_original"
    assert trial_balance().balanced


def test_chargeback_after_release_takes_from_available_and_books_the_fee(creator, boyfanz):
    _earn(creator, boyfanz, 1000, "tx", days_ago=30)
    assert pending_release_due() == 1
    refund_record(
        platform=boyfanz,
        transaction_id="tx",
        kind=EntryKind.CHARGEBACK,
        occurred_at=NOW(),
        idempotency_key="cb",
        chargeback_fee_minor=1500,
    )
    (row,) = creator_balances(creator)
    assert (row.pending, row.available) == (0, 0)
    assert account_balance(network_account(AccountKind.CHARGEBACK_LOSSES, "USD")) == 1500
    assert account_balance(network_account(AccountKind.PROCESSOR_CLEARING, "USD")) == -1500
    assert trial_balance().balanced
    # the same chargeback again changes nothing
    again = refund_record(
        platform=boyfanz,
        transaction_id="tx",
        kind=EntryKind.CHARGEBACK,
        occurred_at=NOW(),
        idempotency_key="cb",
        chargeback_fee_minor=1500,
    )
    assert not again.created
    assert account_balance(network_account(AccountKind.CHARGEBACK_LOSSES, "USD")) == 1500


def test_refund_of_unknown_transaction_is_refused(creator, boyfanz):
    with pytest.raises(ApplicationError) as error:
        refund_record(
            platform=boyfanz,
            transaction_id="never",
            kind=EntryKind.REFUND,
            occurred_at=NOW(),
            idempotency_key="r",
        )
    assert error.value.code == "unknown_transaction" and error.value.status_code == 409
    assert JournalEntry.objects.count() == 0


def test_release_waits_for_the_hold_period_and_runs_once(creator, boyfanz):
    _earn(creator, boyfanz, 1000, "old", days_ago=8)
    _earn(creator, boyfanz, 500, "new", days_ago=2)
    assert pending_release_due() == 1
    assert pending_release_due() == 0
    (row,) = creator_balances(creator)
    assert (row.pending, row.available, row.lifetime) == (500, 1000, 1500)
    assert pending_release_due(now=NOW() + timedelta(days=6)) == 1
    (row,) = creator_balances(creator)
    assert (row.pending, row.available) == (0, 1500)
    assert JournalEntry.objects.filter(kind=EntryKind.RELEASE).count() == 2


def test_transfer_needs_funds(creator, boyfanz):
    _earn(creator, boyfanz, 1000, "tx", days_ago=30)
    pending_release_due()
    _, _, available = _accounts(creator, boyfanz)
    in_payout = creator_account(creator, boyfanz, AccountKind.IN_PAYOUT, "USD")
    with pytest.raises(ApplicationError) as error:
        creator_transfer(
            source=available, destination=in_payout, amount_minor=1001, idempotency_key="p1"
        )
    assert error.value.code == "insufficient_funds"
    creator_transfer(
        source=available, destination=in_payout, amount_minor=600, idempotency_key="p1"
    )
    creator_transfer(
        source=available, destination=in_payout, amount_minor=600, idempotency_key="p1"
    )  # same key: nothing more
    (row,) = creator_balances(creator)
    assert (row.available, row.in_payout) == (400, 600)
    other = make_creator(platforms=("boyfanz",))
    with pytest.raises(ApplicationError) as error:
        creator_transfer(
            source=available,
            destination=creator_account(other, boyfanz, AccountKind.IN_PAYOUT, "USD"),
            amount_minor=1,
            idempotency_key="p2",
        )
    assert error.value.code == "invalid_transfer"


def test_chargeback_can_push_available_below_zero(creator, boyfanz):
    _earn(creator, boyfanz, 1000, "tx", days_ago=30)
    pending_release_due()
    _, _, available = _accounts(creator, boyfanz)
    in_payout = creator_account(creator, boyfanz, AccountKind.IN_PAYOUT, "USD")
    creator_transfer(
        source=available, destination=in_payout, amount_minor=1000, idempotency_key="payout-1"
    )
    refund_record(
        platform=boyfanz,
        transaction_id="tx",
        kind=EntryKind.CHARGEBACK,
        occurred_at=NOW(),
        idempotency_key="cb",
    )
    (row,) = creator_balances(creator)
    assert (row.available, row.in_payout) == (-1000, 1000)
    # a negative balance is recovered from later earnings
    _earn(creator, boyfanz, 1500, "later", days_ago=30)
    pending_release_due()
    (row,) = creator_balances(creator)
    assert row.available == 500


def _drafts(creator, platform, n, prefix="b", amount=100):
    from apps.ledger.services import EntryDraft

    clearing, pending, _ = _accounts(creator, platform)
    return [
        EntryDraft(
            idempotency_key=f"{prefix}{i}",
            kind=EntryKind.TIP,
            occurred_at=NOW(),
            postings=[PostingSpec(pending, -amount), PostingSpec(clearing, amount)],
            creator=creator,
            platform=platform,
        )
        for i in range(n)
    ]


def test_bulk_posts_everything_in_one_transaction(creator, boyfanz):
    from apps.ledger.services import entries_post_bulk

    results = entries_post_bulk(_drafts(creator, boyfanz, 120))
    assert len(results) == 120 and all(r.created for r in results)
    assert [r.entry.idempotency_key for r in results] == [f"b{i}" for i in range(120)]
    assert Posting.objects.count() == 240
    _, pending, _ = _accounts(creator, boyfanz)
    assert account_balance(pending) == -12_000 == _sum_postings(pending)
    assert trial_balance().balanced
    # a rerun with some new keys: old ones move nothing, new ones post
    again = entries_post_bulk(_drafts(creator, boyfanz, 125))
    assert [r.created for r in again] == [False] * 120 + [True] * 5
    assert account_balance(pending) == -12_500


def test_bulk_refusals_write_nothing(creator, boyfanz):
    from apps.ledger.services import entries_post_bulk

    entries_post_bulk(_drafts(creator, boyfanz, 3))
    before = (JournalEntry.objects.count(), Posting.objects.count())
    duplicated = _drafts(creator, boyfanz, 3, prefix="d")
    with pytest.raises(ApplicationError) as error:
        entries_post_bulk([*duplicated, duplicated[0]])
    assert error.value.code == "duplicate_idempotency_key"
    conflicting = [
        *_drafts(creator, boyfanz, 5, prefix="n"),
        *_drafts(creator, boyfanz, 1, prefix="b", amount=999),
    ]
    with pytest.raises(ApplicationError) as error:
        entries_post_bulk(conflicting)
    assert error.value.code == "idempotency_conflict"
    assert (JournalEntry.objects.count(), Posting.objects.count()) == before
    assert entries_post_bulk([]) == []


def test_earnings_in_bulk_equal_earnings_one_by_one(creator, boyfanz):
    """earnings_record_bulk posts what earning_record would (entries, fees, pending lots),
    returns existing keys unchanged, and refuses a bad draft with nothing written."""
    from decimal import Decimal

    from apps.ledger.models import PendingRelease
    from apps.ledger.services import EarningDraft, earning_record, earnings_record_bulk
    from apps.platforms.models import Platform

    Platform.objects.filter(pk=boyfanz.pk).update(fee_percent=Decimal("20"))
    boyfanz.refresh_from_db()

    def draft(i, gross=1000):
        return EarningDraft(
            platform=boyfanz,
            creator=creator,
            kind=EntryKind.TIP,
            gross_minor=gross,
            currency="USD",
            occurred_at=NOW(),
            transaction_id=f"tx-bulk-{i}",
            idempotency_key=f"bulk-earning-{i}",
        )

    single = earning_record(**{**vars(draft(0)), "idempotency_key": "one-by-one"})
    results = earnings_record_bulk([draft(1), draft(2, gross=999)])
    assert all(r.created for r in results)
    fees = [
        [
            p.amount
            for p in r.entry.postings.select_related("account")
            if p.account.kind == "fee_revenue"
        ]
        for r in [single, *results]
    ]
    assert fees == [[-200], [-200], [-199]]
    lots = PendingRelease.objects.filter(entry__in=[r.entry.pk for r in results]).order_by(
        "entry_id"
    )
    assert [lot.amount for lot in lots] == [800, 800]
    hold = timedelta(days=boyfanz.hold_days)
    for lot, result in zip(lots, results, strict=True):
        assert lot.available_at == result.entry.occurred_at + hold
    again = earnings_record_bulk([draft(1), draft(3)])
    assert [r.created for r in again] == [False, True]
    assert again[0].entry.pk == results[0].entry.pk
    assert PendingRelease.objects.count() == 4
    entries = JournalEntry.objects.count()
    with pytest.raises(ApplicationError) as refused:
        earnings_record_bulk([draft(4), draft(5, gross=0)])
    assert refused.value.code == "invalid_amount"
    assert JournalEntry.objects.count() == entries and PendingRelease.objects.count() == 4


def test_bulk_result_rows_equal_the_stored_entries(creator, boyfanz):
    """The entries entries_post_bulk returns (built without a read) match what was stored."""
    from django.forms.models import model_to_dict

    from apps.ledger.services import entries_post_bulk

    results = entries_post_bulk(_drafts(creator, boyfanz, 3, prefix="same"))
    for result in results:
        stored = JournalEntry.objects.get(pk=result.entry.pk)
        assert model_to_dict(result.entry) == model_to_dict(stored)
        assert result.entry.posted_at == stored.posted_at
