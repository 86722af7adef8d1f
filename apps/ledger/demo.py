"""A living demo network: ~200 creators over the seven core platforms with 90 days of
subscriptions, renewals, tips, purchases, refunds and chargebacks, all posted through the
ledger services. Deterministic (fixed seed, fixed keys): running it again adds nothing."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.creators.models import Creator
from apps.creators.services import creator_create, creator_status_set, platform_account_link
from apps.platforms.models import Platform

from .models import EntryKind, JournalEntry
from .services import EarningDraft, earnings_record_bulk, pending_release_due, refund_record

SEED = 2026
HISTORY_REPORT_DAYS = 30  # a progress line every 30 days of history

FIRST_NAMES = [
    "Alex",
    "Blake",
    "Casey",
    "Dakota",
    "Eden",
    "Finley",
    "Gray",
    "Harper",
    "Indy",
    "Jordan",
    "Kai",
    "Logan",
    "Morgan",
    "Noel",
    "Oakley",
    "Parker",
    "Quinn",
    "Riley",
    "Sage",
    "Taylor",
    "Umi",
    "Val",
    "Wren",
    "Xen",
    "Yael",
    "Zion",
]
STAGE_WORDS = [
    "Velvet",
    "Neon",
    "Wild",
    "Golden",
    "Midnight",
    "Silk",
    "Storm",
    "Ruby",
    "Ivy",
    "Blaze",
    "Luna",
    "Onyx",
    "Peach",
    "Cobalt",
    "Honey",
    "Echo",
]
CURRENCY_COUNTRIES = {
    "USD": ["US", "US", "US", "CA", "MX"],
    "EUR": ["DE", "FR", "ES", "NL", "IT"],
    "GBP": ["GB"],
}
PRICES = {
    EntryKind.SUBSCRIPTION: [499, 799, 999, 1299, 1499, 1999],
    EntryKind.RENEWAL: [499, 799, 999, 1299, 1499, 1999],
    EntryKind.PURCHASE: [299, 499, 999, 1499, 2499, 4999],
}


@dataclass
class DemoSummary:
    creators: int
    earnings: int
    refunds: int
    chargebacks: int
    released: int


# Called with (creator, KYC level, age verified until) for each demo creator, before it is
# linked to any platform (so no platform is told of the change): apps.demo passes the
# compliance demo, which records the verifications the creator's level and date derive from.
CreatorCompliance = Callable[[Creator, int, date], None]


def _tip(rng: random.Random) -> int:
    return rng.choice([100, 200, 500, 500, 1000, 1000, 2000, 2500, 5000, 10000])


def _demo_creators(
    rng: random.Random, platforms: list[Platform], creator_compliance: CreatorCompliance | None
) -> list[Creator]:
    creators = []
    for n in range(settings.DEMO_NETWORK_CREATORS):
        currency = rng.choices(["USD", "EUR", "GBP"], weights=[60, 25, 15])[0]
        country = rng.choice(CURRENCY_COUNTRIES[currency])
        first = rng.choice(FIRST_NAMES)
        stage = f"{rng.choice(STAGE_WORDS)} {first}"
        on = rng.sample(platforms, k=rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
        kyc = rng.choices([0, 1, 2, 3], weights=[15, 40, 35, 10])[0]
        verified_until = timezone.now().date() + timedelta(days=rng.randint(-60, 700))
        status = Creator.Status.SUSPENDED if rng.random() < 0.03 else Creator.Status.ACTIVE
        if n == 0:
            # The demo login creator@fanzdash.local is the first creator, busy on two platforms.
            user = User.objects.get(email="creator@fanzdash.local")
            creator = Creator.objects.filter(user=user).first() or creator_create(
                email=user.email,
                user=user,
                display_name="Casey Velvet",
                legal_name="Casey Creator",
                country="US",
                default_currency="USD",
            )
            on, currency = platforms[:2], "USD"
            kyc, verified_until = 2, timezone.now().date() + timedelta(days=365)
        else:
            email = f"demo.creator{n:03d}@fanzdash.local"
            creator = Creator.objects.filter(user__email=email).first() or creator_create(
                email=email,
                display_name=f"{stage} {n:03d}",
                legal_name=f"{first} Demo{n:03d}",
                country=country,
                default_currency=currency,
                email_verified=True,
            )
            if status != Creator.Status.ACTIVE and creator.status == Creator.Status.ACTIVE:
                # Before any platform account is linked: no platform is told (outbound).
                creator = creator_status_set(
                    creator=creator, status=status, actor=None, reason="demo network"
                )
        if creator_compliance is not None:
            # Before any platform account is linked, too: no platform is told of the level.
            creator_compliance(creator, kyc, verified_until)
        for platform in on:
            platform_account_link(
                creator=creator,
                platform=platform,
                external_id=f"{platform.slug[:3]}-{10000 + n}",
                username=f"{first.lower()}{n:03d}",
            )
        creator.demo_currency = currency
        creator.demo_platforms = on
        creator.demo_popularity = 3.0 if n == 0 else rng.uniform(0.05, 1.2)
        creators.append(creator)
    return creators


def seed_demo_network(
    progress: Callable[[str], None] | None = None,
    creator_compliance: CreatorCompliance | None = None,
) -> DemoSummary:
    """Counts in the summary are of what this run created (all zero on a rerun). ``progress``
    is told what is done: the creators, then every few weeks of history."""
    report = progress or (lambda message: None)
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    platforms = list(
        Platform.objects.filter(
            slug__in=[
                "boyfanz",
                "girlfanz",
                "pupfanz",
                "daddiesfanz",
                "cougarfanz",
                "taboofanz",
                "transfanz",
            ]
        ).order_by("id")
    )
    with transaction.atomic():
        creators = _demo_creators(rng, platforms, creator_compliance)
    report(f"{len(creators)} creators on {len(platforms)} platforms")
    today = timezone.now().date()
    history_days = settings.DEMO_HISTORY_DAYS
    start = today - timedelta(days=history_days - 1)
    summary = DemoSummary(len(creators), 0, 0, 0, 0)
    earned: list[tuple[Platform, str, datetime]] = []
    for day_index in range(history_days):
        day = start + timedelta(days=day_index)
        with transaction.atomic():
            # The day's sales go in as one batch through the ledger's bulk door (the one that
            # batches of webhook events take): the same entries and pending lots as one
            # earning_record each, in a fraction of the statements.
            sales: list[EarningDraft] = []
            for c_index, creator in enumerate(creators):
                for n in range(_poisson(rng, creator.demo_popularity)):
                    kind = rng.choices(
                        [
                            EntryKind.SUBSCRIPTION,
                            EntryKind.RENEWAL,
                            EntryKind.TIP,
                            EntryKind.PURCHASE,
                        ],
                        weights=[25, 30, 30, 15],
                    )[0]
                    gross = _tip(rng) if kind == EntryKind.TIP else rng.choice(PRICES[kind])
                    occurred = timezone.make_aware(datetime.combine(day, time.min)) + timedelta(
                        seconds=rng.randint(0, 86_399)
                    )
                    if occurred > timezone.now():
                        continue
                    platform = rng.choice(creator.demo_platforms)
                    tx = f"demo-{c_index}-{day_index}-{n}"
                    sales.append(
                        EarningDraft(
                            platform=platform,
                            creator=creator,
                            kind=kind,
                            gross_minor=gross,
                            currency=creator.demo_currency,
                            occurred_at=occurred,
                            transaction_id=tx,
                            idempotency_key=f"demo:{tx}",
                        )
                    )
                    earned.append((platform, tx, occurred))
            keys = [sale.idempotency_key for sale in sales]
            if JournalEntry.objects.filter(idempotency_key__in=keys).count() < len(keys):
                # (a rerun finds every sale of the day posted and skips the batch)
                summary.earnings += sum(result.created for result in earnings_record_bulk(sales))
            # refunds and chargebacks: about 2% of earnings, 1 to 12 days after the sale
            recent = [e for e in earned if 1 <= (day - e[2].date()).days <= 12]
            for _ in range(_poisson(rng, len(recent) * 0.02 / 12)):
                platform, tx, _ = rng.choice(recent)
                chargeback = rng.random() < 0.25
                occurred = timezone.make_aware(datetime.combine(day, time.min)) + timedelta(
                    hours=rng.randint(0, 23)
                )
                # (after every draw from rng, so that a rerun draws the same sequence)
                if JournalEntry.objects.filter(idempotency_key=f"demo:refund:{tx}").exists():
                    continue
                result = refund_record(
                    platform=platform,
                    transaction_id=tx,
                    kind=EntryKind.CHARGEBACK if chargeback else EntryKind.REFUND,
                    occurred_at=min(occurred, timezone.now()),
                    idempotency_key=f"demo:refund:{tx}",
                    chargeback_fee_minor=1500 if chargeback else 0,
                )
                if result.created:
                    summary.chargebacks += chargeback
                    summary.refunds += not chargeback
            # the beat task releases matured earnings every few minutes; replay that daily
            summary.released += pending_release_due(
                now=min(timezone.make_aware(datetime.combine(day, time.max)), timezone.now())
            )
        if (day_index + 1) % HISTORY_REPORT_DAYS == 0 or day_index + 1 == history_days:
            report(
                f"history: day {day_index + 1} of {history_days}, {len(earned)} sales "
                f"({summary.earnings} new earnings, {summary.refunds} refunds, "
                f"{summary.chargebacks} chargebacks, {summary.released} releases)"
            )
    summary.released += pending_release_due()
    return summary


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method; the means here are small.
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
