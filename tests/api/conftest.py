from __future__ import annotations

from datetime import timedelta

import pytest

from apps.accounts.roles import Role

STAFF_READING_CREATORS = [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT]
STAFF_READING_LEDGER = [Role.SUPER_ADMIN, Role.FINANCE]
STAFF_NOT_READING_LEDGER = [Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR]


@pytest.fixture
def staff_client(client_for, finance_user):
    """Finance may read both creators and the ledger."""
    return client_for(finance_user)


@pytest.fixture
def pay_out(db):
    """Move ``amount`` of a creator's money through a payout the way the payouts app will:
    release what is due, reserve ``amount`` from available into in_payout (a transfer), and
    optionally settle ``settled`` of it out through payout clearing (an entry of kind payout).
    Only ledger services are used."""
    from django.utils import timezone

    from apps.core.currencies import currency_exponent
    from apps.core.money import parse_amount
    from apps.ledger.accounts import creator_account, network_account
    from apps.ledger.models import AccountKind, EntryKind
    from apps.ledger.services import (
        PostingSpec,
        creator_transfer,
        entry_post,
        pending_release_due,
    )
    from apps.platforms.models import Platform

    counter = iter(range(1, 10_000))

    def run(creator, *, amount, settled=None, platform="boyfanz", currency="USD"):
        exponent = currency_exponent(currency)
        platform_obj = Platform.objects.get(slug=platform)
        pending_release_due(now=timezone.now())
        available = creator_account(creator, platform_obj, AccountKind.AVAILABLE, currency)
        in_payout = creator_account(creator, platform_obj, AccountKind.IN_PAYOUT, currency)
        n = next(counter)
        creator_transfer(
            source=available,
            destination=in_payout,
            amount_minor=parse_amount(amount, exponent),
            idempotency_key=f"test-payout-{creator.pk}-{n}:reserve",
        )
        if settled is None:
            return None
        minor = parse_amount(settled, exponent)
        return entry_post(
            idempotency_key=f"test-payout-{creator.pk}-{n}:paid",
            kind=EntryKind.PAYOUT,
            postings=[
                PostingSpec(in_payout, minor),
                PostingSpec(network_account(AccountKind.PAYOUT_CLEARING, currency), -minor),
            ],
            occurred_at=timezone.now() - timedelta(seconds=1),
            platform=platform_obj,
            creator=creator,
            source_type="payout",
            source_id=f"po-{n}",
        ).entry

    return run
