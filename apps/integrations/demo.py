"""Demo platform traffic for ``seed_demo``: every platform gets a webhook secret, and a few
dozen signed events go through the real endpoint (HTTP in process, signature checked, stored,
handed to the workers): tips and subscriptions, a partial refund, a chargeback with a fee, a
refund of an unknown transaction (it waits, then fails), a refund larger than its charge
(failed at once), a platform's fraud report (a payout hold) and an earnings report that
differs from the ledger. Event ids are fixed, so a rerun is answered "duplicate" and changes
nothing. ``make run``'s worker processes them when it starts."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.core import signing
from apps.creators.models import PlatformAccount
from apps.platforms.models import Platform
from apps.platforms.services import platform_webhook_secret_rotate

from .services.ingest import source_context
from .webhooks import WebhookRequest, webhook_receive

SEED = 4242
EARNINGS_PER_PLATFORM = 6


@dataclass
class DemoTraffic:
    sent: int = 0
    stored: int = 0
    duplicates: int = 0
    refused: int = 0


def _event(event_id: str, event: str, platform: str, data: dict) -> dict:
    return {
        "id": event_id,
        "event": event,
        "platform": platform,
        "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def _amount(rng: random.Random) -> str:
    cents = rng.choice([499, 999, 1499, 1999, 2499, 4999])
    return f"{cents // 100}.{cents % 100:02d}"


def demo_events(platform: Platform, accounts: list[PlatformAccount]) -> list[dict]:
    """The demo events of one platform, the same on every run."""
    rng = random.Random(f"{SEED}:{platform.slug}")  # noqa: S311 (demo data, not crypto)
    slug = platform.slug
    currency = platform.settlement_currency_id
    events: list[dict] = []
    for n in range(EARNINGS_PER_PLATFORM):
        account = accounts[n % len(accounts)]
        kind = rng.choice(["tip_sent", "subscription_created", "subscription_renewed"])
        events.append(
            _event(
                f"evt_demo_{slug}_{n}",
                kind,
                slug,
                {
                    "transactionId": f"tx_demo_{slug}_{n}",
                    "userId": f"fan_{rng.randint(1000, 9999)}",
                    "creatorId": account.external_id,
                    "amount": _amount(rng),
                    "currency": currency,
                },
            )
        )
    if slug == "boyfanz":
        first = events[0]["data"]
        events += [
            _event(
                f"evt_demo_{slug}_refund",
                "refund_issued",
                slug,
                {"transactionId": first["transactionId"], "amount": "1.00", "currency": currency},
            ),
            _event(
                f"evt_demo_{slug}_too_much",
                "refund_issued",
                slug,
                {
                    "transactionId": events[1]["data"]["transactionId"],
                    "amount": "999.00",
                    "currency": currency,
                },
            ),
            _event(
                f"evt_demo_{slug}_orphan",
                "chargeback_received",
                slug,
                {
                    "transactionId": "tx_demo_never_sold",
                    "chargebackFee": "15.00",
                    "currency": currency,
                },
            ),
            _event(
                f"evt_demo_{slug}_chargeback",
                "chargeback_received",
                slug,
                {
                    "transactionId": events[2]["data"]["transactionId"],
                    "chargebackFee": "15.00",
                    "currency": currency,
                },
            ),
            _event(
                f"evt_demo_{slug}_fraud",
                "fraud_detected",
                slug,
                {
                    "creatorId": accounts[-1].external_id,
                    "reason": "Card testing: 40 small tips from one fan in 2 minutes",
                    "severity": "high",
                    "riskScore": 87,
                },
            ),
        ]
    return events


def seed_demo_webhooks() -> DemoTraffic:
    traffic = DemoTraffic()
    for platform in Platform.objects.filter(status=Platform.Status.ACTIVE).order_by("slug"):
        if not platform.webhook_secrets.active().exists():
            with transaction.atomic():
                platform_webhook_secret_rotate(platform=platform, actor=None, grace_hours=0)
        context = source_context(platform.slug, fresh=True)
        accounts = list(
            PlatformAccount.objects.filter(platform=platform).order_by("id")[:EARNINGS_PER_PLATFORM]
        )
        if context is None or not context.secrets or not accounts:
            continue
        secret = context.secrets[0].secret
        for payload in demo_events(platform, accounts):
            body = json.dumps(payload).encode()
            # The request path a platform's signed request takes (signature, schema, storage,
            # then processing by the workers), in process.
            answer = webhook_receive(
                WebhookRequest.signed(
                    path=f"/api/integrations/webhooks/{platform.slug}",
                    body=body,
                    headers={signing.FANZ_HEADER: signing.fanz_signature(secret, body)},
                ),
                platform.slug,
            )
            traffic.sent += 1
            if answer.status == 202:
                traffic.stored += 1
            elif answer.status == 200:
                traffic.duplicates += 1
            else:
                traffic.refused += 1
    return traffic
