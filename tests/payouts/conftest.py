"""Shared fixtures of the payouts tests (H5a/H5b/H5c/H5d): keep them small and generic.

Processors come from the seed migration (payouts 0002): ``sandbox``, ``sepa``, ``ach``,
``paxum``, ``wise``, ``crypto-btc``, ... ``make_method`` creates a method row directly (the
encrypted details are a placeholder unless a test needs real ones); ``fund`` gives a creator
money on ``available`` through the ledger services (an earning past its hold, released).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


def _processor(code: str):
    from apps.payouts.models import Processor

    return Processor.objects.get(code=code)


def make_method(creator, processor="sandbox", *, currency=None, status="verified", default=True):
    """A payout method of ``creator`` on ``processor`` (code or instance)."""
    from apps.payouts.models import PayoutMethod

    if isinstance(processor, str):
        processor = _processor(processor)
    currency = currency or creator.default_currency_id
    if default:
        PayoutMethod.objects.filter(creator=creator, is_default=True).update(is_default=False)
    return PayoutMethod.objects.create(
        creator=creator,
        processor=processor,
        currency_id=currency,
        details_encrypted="test-placeholder",
        details_hint=f"{processor.code} test account",
        key_id="test",
        status=status,
        is_default=default,
        verified_at=timezone.now() if status == "verified" else None,
    )


def fund(creator, amount="100.00", *, currency=None, platform="boyfanz"):
    """Put ``amount`` on the creator's available balance (an earning released at once)."""
    from apps.core.currencies import currency_exponent
    from apps.core.money import parse_amount
    from apps.ledger.services import earning_record, pending_release_due
    from apps.platforms.models import Platform

    currency = currency or creator.default_currency_id
    plat = Platform.objects.get(slug=platform)
    fund.seq += 1
    key = f"test-fund-{creator.pk}-{fund.seq}"
    earning_record(
        platform=plat,
        creator=creator,
        kind="tip",
        gross_minor=parse_amount(amount, currency_exponent(currency)),
        currency=currency,
        occurred_at=timezone.now() - timedelta(days=plat.hold_days + 1),
        transaction_id=key,
        idempotency_key=key,
    )
    pending_release_due()


fund.seq = 0


def make_schedule(creator, kind="manual", *, minimum_minor=0, currency=None, **fields):
    from apps.payouts.models import PayoutSchedule

    schedule, _ = PayoutSchedule.objects.update_or_create(
        creator=creator,
        defaults={
            "kind": kind,
            "minimum_minor": minimum_minor,
            "currency_id": currency or creator.default_currency_id,
            **fields,
        },
    )
    return schedule


def available_minor(creator, currency="USD", platform="boyfanz") -> int:
    """What the creator reads as available (positive = owed to the creator)."""
    from apps.ledger.accounts import creator_account
    from apps.ledger.selectors import account_balance
    from apps.platforms.models import Platform

    account = creator_account(creator, Platform.objects.get(slug=platform), "available", currency)
    return -account_balance(account)


def in_payout_minor(creator, currency="USD", platform="boyfanz") -> int:
    from apps.ledger.accounts import creator_account
    from apps.ledger.selectors import account_balance
    from apps.platforms.models import Platform

    account = creator_account(creator, Platform.objects.get(slug=platform), "in_payout", currency)
    return -account_balance(account)


@pytest.fixture
def processor(db):
    """Look up a seeded processor by code: ``processor("sepa")``."""
    return _processor


@pytest.fixture
def payable_creator(db, creator_factory):
    """A creator who can be paid: active, age verified for a year, KYC level 2, a complete
    2257 record (``record_2257=False``: none), 100.00 USD
    available on boyfanz, a verified default sandbox method, a threshold schedule with threshold
    and minimum 0 (due whenever money is available)."""

    def make(
        amount="100.00",
        *,
        currency="USD",
        kyc_level=2,
        processor="sandbox",
        record_2257=True,
        **fields,
    ):
        from tests.factories import record_2257_complete

        fields.setdefault("age_verified_until", timezone.now().date() + timedelta(days=365))
        creator = creator_factory(currency=currency, kyc_level=kyc_level, **fields)
        if record_2257:
            record_2257_complete(creator)
        if amount:
            fund(creator, amount, currency=currency)
        make_method(creator, processor, currency=currency)
        make_schedule(creator, "threshold", threshold_minor=0, minimum_minor=0, currency=currency)
        return creator

    return make


def make_payout(creator, amount_minor, *, fee_minor=0, method=None, batch=None, reserve=True):
    """A pending payout of ``creator`` from boyfanz available (one item), in its own draft
    batch unless one is given; reserved through ``payout_reserve`` unless ``reserve=False``."""
    from apps.ledger.accounts import creator_account
    from apps.payouts.models import Payout, PayoutBatch, PayoutItem
    from apps.payouts.services.ledger import payout_reserve
    from apps.platforms.models import Platform

    method = method or creator.payout_methods.get(is_default=True)
    currency = method.currency_id
    if batch is None:
        batch = PayoutBatch.objects.create(
            processor=method.processor, currency_id=currency, source="manual"
        )
    payout = Payout.objects.create(
        batch=batch,
        creator=creator,
        method=method,
        currency_id=currency,
        amount_minor=amount_minor,
        fee_minor=fee_minor,
    )
    platform = Platform.objects.get(slug="boyfanz")
    PayoutItem.objects.create(
        payout=payout,
        available_account=creator_account(creator, platform, "available", currency),
        in_payout_account=creator_account(creator, platform, "in_payout", currency),
        amount_minor=amount_minor,
    )
    if reserve:
        payout_reserve(payout=payout)
    return payout


@pytest.fixture
def payout_reference_data(db):
    """Currencies, the core platforms, the seeded processors and demo FX rates, also after a
    transactional test flushed them (``django_db(transaction=True)``)."""
    import importlib

    from django.apps import apps

    from apps.core.currencies import ISO_4217
    from apps.core.models import Currency
    from apps.platforms.models import Platform

    for code, name, exponent in ISO_4217:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "exponent": exponent})
    for slug, name in [("boyfanz", "BoyFanz"), ("girlfanz", "GirlFanz"), ("pupfanz", "PupFanz")]:
        Platform.objects.get_or_create(slug=slug, defaults={"name": name, "domain": f"{slug}.com"})
    seed = importlib.import_module("apps.payouts.migrations.0002_h5a_seed_processors")
    seed.seed(apps, None)
