"""The ledger entries of a payout: reserve, settle, return — exact, idempotent, exclusive."""

from __future__ import annotations

import pytest

from apps.core.exceptions import ApplicationError
from apps.ledger.models import AccountKind, EntryKind, JournalEntry
from apps.ledger.selectors import trial_balance
from apps.payouts.services.ledger import payout_reserve, payout_return, payout_settle

from .conftest import available_minor, in_payout_minor, make_payout

pytestmark = pytest.mark.django_db


def _postings(entry):
    return sorted((p.account.kind, p.amount) for p in entry.postings.select_related("account"))


def test_reserve_moves_available_to_in_payout(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, reserve=False)
    entry = payout_reserve(payout=payout)

    assert entry.idempotency_key == f"payout:{payout.pk}:reserve"
    assert entry.kind == EntryKind.PAYOUT
    assert entry.source_type == "payout" and entry.source_id == str(payout.pk)
    assert _postings(entry) == [(AccountKind.AVAILABLE, 6000), (AccountKind.IN_PAYOUT, -6000)]
    payout.refresh_from_db()
    assert payout.reserve_entry == entry
    assert available_minor(creator) == 4000
    assert in_payout_minor(creator) == 6000


def test_reserve_is_idempotent(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000)
    count = JournalEntry.objects.count()
    again = payout_reserve(payout=payout)
    assert again == payout.reserve_entry
    assert JournalEntry.objects.count() == count
    assert available_minor(creator) == 4000


def test_reserve_refuses_insufficient_funds_and_writes_nothing(payable_creator):
    creator = payable_creator("50.00")
    payout = make_payout(creator, 5001, reserve=False)
    count = JournalEntry.objects.count()
    with pytest.raises(ApplicationError) as caught:
        payout_reserve(payout=payout)
    assert caught.value.code == "insufficient_funds"
    assert caught.value.status_code == 409
    assert JournalEntry.objects.count() == count
    payout.refresh_from_db()
    assert payout.reserve_entry is None
    assert available_minor(creator) == 5000


def test_reserve_refuses_a_creator_with_nothing(payable_creator):
    creator = payable_creator(None)
    payout = make_payout(creator, 100, reserve=False)
    with pytest.raises(ApplicationError, match="holds 0"):
        payout_reserve(payout=payout)


def test_reserve_of_exact_balance_is_allowed(payable_creator):
    creator = payable_creator("50.00")
    make_payout(creator, 5000)
    assert available_minor(creator) == 0


def test_two_payouts_cannot_spend_the_same_money(payable_creator):
    creator = payable_creator("50.00")
    make_payout(creator, 4000)
    second = make_payout(creator, 2000, reserve=False)
    with pytest.raises(ApplicationError, match=r"holds 10\.00 USD; 20\.00 USD requested"):
        payout_reserve(payout=second)


def test_settle_pays_out_through_clearing_and_fees(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, fee_minor=85)
    entry = payout_settle(payout=payout)

    assert entry.idempotency_key == f"payout:{payout.pk}:settle"
    assert _postings(entry) == [
        (AccountKind.IN_PAYOUT, 6000),
        (AccountKind.PAYOUT_CLEARING, -5915),
        (AccountKind.PAYOUT_FEES, -85),
    ]
    payout.refresh_from_db()
    assert payout.settle_entry == entry
    assert in_payout_minor(creator) == 0
    assert available_minor(creator) == 4000
    assert trial_balance().balanced


def test_settle_without_fee_has_no_fee_posting(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000)
    entry = payout_settle(payout=payout)
    assert _postings(entry) == [(AccountKind.IN_PAYOUT, 6000), (AccountKind.PAYOUT_CLEARING, -6000)]


def test_settle_is_idempotent(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, fee_minor=10)
    first = payout_settle(payout=payout)
    count = JournalEntry.objects.count()
    assert payout_settle(payout=payout) == first
    assert JournalEntry.objects.count() == count


def test_settle_refuses_a_fee_that_eats_the_payout_and_writes_nothing(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, fee_minor=6000)
    count = JournalEntry.objects.count()
    with pytest.raises(
        ApplicationError,
        match=r"fee of 60\.00 USD does not fit a payout of "
        r"60\.00 USD",
    ) as caught:
        payout_settle(payout=payout)
    assert caught.value.code == "invalid_fee"
    assert JournalEntry.objects.count() == count
    assert in_payout_minor(creator) == 6000


def test_return_gives_the_money_back(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, fee_minor=85)
    entry = payout_return(payout=payout, reason="account_closed")

    assert entry.idempotency_key == f"payout:{payout.pk}:return"
    assert "account_closed" in entry.memo
    assert _postings(entry) == [(AccountKind.AVAILABLE, -6000), (AccountKind.IN_PAYOUT, 6000)]
    payout.refresh_from_db()
    assert payout.return_entry == entry
    assert available_minor(creator) == 10000
    assert in_payout_minor(creator) == 0
    count = JournalEntry.objects.count()
    assert payout_return(payout=payout, reason="again") == entry
    assert JournalEntry.objects.count() == count


def test_settled_payout_cannot_be_returned(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000)
    payout_settle(payout=payout)
    with pytest.raises(ApplicationError) as caught:
        payout_return(payout=payout, reason="late failure")
    assert caught.value.code == "payout_already_settled"
    assert available_minor(creator) == 4000


def test_returned_payout_cannot_be_settled(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000)
    payout_return(payout=payout, reason="cancelled")
    with pytest.raises(ApplicationError) as caught:
        payout_settle(payout=payout)
    assert caught.value.code == "payout_already_returned"
    assert in_payout_minor(creator) == 0


def test_unreserved_payout_cannot_be_settled_or_returned(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, reserve=False)
    for call in (
        lambda: payout_settle(payout=payout),
        lambda: payout_return(payout=payout, reason="x"),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == "payout_not_reserved"


def test_reserve_after_return_moves_nothing(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000)
    payout_return(payout=payout, reason="cancelled")
    payout.reserve_entry = None  # a stale copy does not fool the lock
    assert payout_reserve(payout=payout).idempotency_key.endswith(":reserve")
    assert available_minor(creator) == 10000


def test_items_must_add_up(payable_creator):
    from apps.payouts.models import Payout

    creator = payable_creator("100.00")
    payout = make_payout(creator, 6000, reserve=False)
    Payout.objects.filter(pk=payout.pk).update(amount_minor=7000)
    payout.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        payout_reserve(payout=payout)
    assert caught.value.code == "payout_items_mismatch"


def test_bulk_reserve_matches_single(payable_creator):
    from apps.payouts.services.ledger import payouts_reserve_bulk

    first = payable_creator("100.00")
    second = payable_creator("30.00")
    a = make_payout(first, 6000, reserve=False)
    b = make_payout(second, 3000, reserve=False)
    entries = payouts_reserve_bulk([a, b])
    assert [e.idempotency_key for e in entries] == [
        f"payout:{a.pk}:reserve",
        f"payout:{b.pk}:reserve",
    ]
    assert _postings(entries[0]) == [(AccountKind.AVAILABLE, 6000), (AccountKind.IN_PAYOUT, -6000)]
    assert available_minor(first) == 4000 and available_minor(second) == 0
    count = JournalEntry.objects.count()
    assert payouts_reserve_bulk([a, b]) == entries
    assert JournalEntry.objects.count() == count


def test_bulk_reserve_is_all_or_nothing(payable_creator):
    from apps.payouts.services.ledger import payouts_reserve_bulk

    first = payable_creator("100.00")
    second = payable_creator("10.00")
    a = make_payout(first, 6000, reserve=False)
    b = make_payout(second, 3000, reserve=False)
    count = JournalEntry.objects.count()
    with pytest.raises(ApplicationError, match="holds"):
        payouts_reserve_bulk([a, b])
    assert JournalEntry.objects.count() == count
    assert available_minor(first) == 10000


def test_bulk_return(payable_creator):
    from apps.payouts.services.ledger import payouts_return_bulk

    first = payable_creator("100.00")
    second = payable_creator("30.00")
    a = make_payout(first, 6000)
    b = make_payout(second, 3000)
    assert payouts_return_bulk([a, b], reason="batch cancelled") == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.return_entry.idempotency_key == f"payout:{a.pk}:return"
    assert _postings(b.return_entry) == [
        (AccountKind.AVAILABLE, -3000),
        (AccountKind.IN_PAYOUT, 3000),
    ]
    assert available_minor(first) == 10000 and available_minor(second) == 3000
    count = JournalEntry.objects.count()
    assert payouts_return_bulk([a, b], reason="again") == 0
    assert JournalEntry.objects.count() == count


def test_bulk_return_refuses_a_settled_payout_and_writes_nothing(payable_creator):
    from apps.payouts.services.ledger import payouts_return_bulk

    creator = payable_creator("100.00")
    paid = make_payout(creator, 3000)
    payout_settle(payout=paid)
    open_one = make_payout(creator, 3000)
    count = JournalEntry.objects.count()
    with pytest.raises(ApplicationError) as caught:
        payouts_return_bulk([open_one, paid], reason="x")
    assert caught.value.code == "payout_already_settled"
    assert JournalEntry.objects.count() == count
    assert available_minor(creator) == 4000
