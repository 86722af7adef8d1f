"""Races on PostgreSQL with real threads: two builders never create two payouts for one
creator, two reservations never spend the same money, a payout is settled XOR returned."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.core.exceptions import ApplicationError
from apps.ledger.selectors import trial_balance
from apps.payouts.models import Payout
from apps.payouts.services.batches import payout_batches_build
from apps.payouts.services.ledger import payout_reserve, payout_return, payout_settle

from .conftest import available_minor, in_payout_minor, make_payout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*targets) -> tuple[list, list[BaseException]]:
    """Run every target in its own thread, released together; results and errors."""
    barrier = threading.Barrier(len(targets))
    results: list = []
    errors: list[BaseException] = []

    def wrapped(target) -> None:
        try:
            barrier.wait()
            results.append(target())
        except BaseException as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_builders_at_once_pay_each_creator_once(payout_reference_data, payable_creator):
    creators = [payable_creator("100.00") for _ in range(6)]
    results, errors = _race(
        *[lambda: payout_batches_build(source="manual", chunk_size=2) for _ in range(4)]
    )
    assert errors == []
    assert sum(len(batches) for batches in results) >= 1
    assert Payout.objects.count() == len(creators)
    for creator in creators:
        assert Payout.objects.filter(creator=creator).count() == 1
        assert available_minor(creator) == 0
        assert in_payout_minor(creator) == 10000
    assert trial_balance().balanced


def test_two_reservations_cannot_spend_the_same_money(payout_reference_data, payable_creator):
    creator = payable_creator("100.00")
    first = make_payout(creator, 6000, reserve=False)
    second = make_payout(creator, 6000, reserve=False)
    results, errors = _race(
        lambda: payout_reserve(payout=first), lambda: payout_reserve(payout=second)
    )
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], ApplicationError)
    assert errors[0].code == "insufficient_funds"
    assert available_minor(creator) == 4000
    assert in_payout_minor(creator) == 6000


def test_settle_and_return_racing_one_wins(payout_reference_data, payable_creator):
    creator = payable_creator("100.00")
    for _ in range(3):
        payout = make_payout(creator, 3000)
        results, errors = _race(
            lambda p=payout: payout_settle(payout=p),
            lambda p=payout: payout_return(payout=p, reason="failed"),
        )
        assert len(results) == 1 and len(errors) == 1
        assert errors[0].code in ("payout_already_settled", "payout_already_returned")
        payout.refresh_from_db()
        assert (payout.settle_entry_id is None) != (payout.return_entry_id is None)
        Payout.objects.filter(pk=payout.pk).update(state=Payout.State.PAID)
    assert in_payout_minor(creator) == 0
    assert trial_balance().balanced


def test_same_reservation_racing_posts_once(payout_reference_data, payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 5000, reserve=False)
    results, errors = _race(*[lambda: payout_reserve(payout=payout) for _ in range(4)])
    assert errors == []
    assert len({entry.pk for entry in results}) == 1
    assert available_minor(creator) == 5000
