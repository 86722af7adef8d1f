"""Helpers of the submission / sandbox / double-payment tests (H5b)."""

from __future__ import annotations

import pytest

from apps.payouts.models import Payout, PayoutBatch, PayoutMethod
from tests.reference_data import reseed

from .conftest import fund, make_method, make_payout, make_schedule


@pytest.fixture
def reference_data(transactional_db):
    """Transactional tests (real commits, threads, processes) flush every table when they end,
    migration data included: put it back first. (Not ``serialized_rollback``: its reload
    collides with the groups a flush's post_migrate re-creates.)"""
    reseed()


def sandbox_method(creator, account: str = "demo-0000", *, outcome: str | None = None):
    """A verified default sandbox method whose sealed details name ``account`` (its last two
    digits pick the sandbox's outcome) and, optionally, an explicit ``outcome`` plan."""
    method = make_method(creator, "sandbox", currency=creator.default_currency_id)
    details = {"account": account}
    if outcome:
        details["outcome"] = outcome
    method.details_seal(details)
    PayoutMethod.objects.filter(pk=method.pk).update(
        details_encrypted=method.details_encrypted,
        key_id=method.key_id,
        details_hint=f"Sandbox {account}",
    )
    method.refresh_from_db()
    return method


def sandbox_batch(creator_factory, accounts, *, amount="100.00", payout_minor=5000, fee=100):
    """One approved sandbox USD batch with a payout of ``payout_minor`` (fee ``fee``) for a
    funded creator per entry of ``accounts`` (an account name, or (account, outcome)).
    Returns (batch, [payout, ...])."""
    from datetime import timedelta

    from django.utils import timezone

    batch = None
    payouts = []
    for entry in accounts:
        account, outcome = entry if isinstance(entry, tuple) else (entry, None)
        creator = creator_factory(
            currency="USD",
            kyc_level=2,
            age_verified_until=timezone.now().date() + timedelta(days=365),
        )
        fund(creator, amount, currency="USD")
        method = sandbox_method(creator, account, outcome=outcome)
        make_schedule(creator, "manual", minimum_minor=0, currency="USD")
        if batch is None:
            batch = PayoutBatch.objects.create(
                processor=method.processor, currency_id="USD", source="manual"
            )
        payouts.append(
            make_payout(creator, payout_minor, fee_minor=fee, method=method, batch=batch)
        )
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=PayoutBatch.Status.APPROVED,
        payout_count=len(payouts),
        total_minor=payout_minor * len(payouts),
        fee_total_minor=fee * len(payouts),
    )
    batch.refresh_from_db()
    return batch, payouts


def mark_submitted(batch) -> None:
    """Put an approved batch in ``submitted`` without queueing its submission (the race tests
    start the workers themselves)."""
    PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutBatch.Status.SUBMITTED)
    batch.refresh_from_db()


def reload(payout) -> Payout:
    return Payout.objects.get(pk=payout.pk)
