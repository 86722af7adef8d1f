"""Done-when property of issue 4: replaying the same events twice, shuffled, with 5% forged,
through the real HTTP endpoints, leaves the ledger exactly as processing the valid ones once.

The valid events are earnings on two platforms in three currencies (one platform with a fee,
so rounding matters), partial refunds and chargebacks with fees (some arriving before their
purchase: they wait and are retried), cancellations and fraud reports. Every valid event is
sent twice; forged events (5% of the stream: new fake events and tampered copies of genuine
ones, signed with a wrong secret) are refused with 401. Most traffic goes through the batch
endpoint, every 20th valid copy through the single-event endpoint. Processing runs eagerly,
then the overdue sweep runs until no event waits.

The ledger afterwards is compared, account by account, with (1) the same valid events
processed once, straight through the processing service, on the state before the run, and
(2) balances computed independently in this test from the amounts.

Default size: 1,000 valid events (CI); ``FANZDASH_REPLAY_EVENTS=10000`` runs the full one.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client

from apps.core import signing
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor
from apps.integrations.models import WebhookEvent
from apps.integrations.services.processing import webhook_events_process_now
from apps.ledger.accounts import account_cache_clear
from apps.ledger.models import JournalEntry
from apps.ledger.selectors import trial_balance
from apps.platforms.models import Platform

from .conftest import SECRET
from .h2_support import store_event

VALID_EVENTS = int(os.environ.get("FANZDASH_REPLAY_EVENTS", "1000"))
FORGED_SHARE = 0.05
BATCH_SIZE = 500
SECRETS = {"boyfanz": SECRET, "girlfanz": SECRET + "-girlfanz"}
FEE_PERCENT = {"boyfanz": Decimal("7.50"), "girlfanz": Decimal("0")}
CURRENCIES = {"boyfanz": ["USD", "EUR"], "girlfanz": ["USD", "JPY"]}
State = WebhookEvent.State


def _fee(gross: int, percent: Decimal) -> int:
    return int(Decimal(gross) * percent / 100)  # rounded down, as the ledger does


class Scenario:
    """The valid events and the balances they must produce (signed, debit positive)."""

    def __init__(self, creators_by_platform: dict[str, list[tuple[int, str]]], count: int):
        rng = random.Random(4)
        self.events: list[dict] = []
        self.expected: dict[str, int] = defaultdict(int)
        self.money_events = 0
        created = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        earnings: list[dict] = []
        for n in range(count):
            platform = rng.choice(["boyfanz", "girlfanz"])
            creator_pk, external = rng.choice(creators_by_platform[platform])
            roll = rng.random()
            refundable = [e for e in earnings if not e["refunded"] and e["platform"] == platform]
            if roll < 0.15 and refundable:
                original = rng.choice(refundable)
                original["refunded"] = True
                self._refund(n, original, rng, created)
                continue
            if roll < 0.20:
                event_type = rng.choice(["subscription_cancelled", "fraud_detected"])
                data = {"creatorId": external, "userId": f"fan_{n}"}
                if event_type == "fraud_detected":
                    data["reason"] = "card testing"
                self._add(n, event_type, platform, data, created)
                continue
            currency = rng.choice(CURRENCIES[platform])
            exponent = currency_exponent(currency)
            gross = rng.randint(1, 50_000)
            event_type = rng.choice(
                ["subscription_created", "subscription_renewed", "tip_sent", "content_purchased"]
            )
            amount = format_minor(gross, exponent)
            if rng.random() < 0.3 and exponent == 2:
                amount = float(amount)  # a JSON number: converted exactly
            transaction_id = f"tx_{n}"
            self._add(
                n,
                event_type,
                platform,
                {
                    "transactionId": transaction_id,
                    "creatorId": external,
                    "amount": amount,
                    "currency": currency,
                },
                created,
            )
            fee = _fee(gross, FEE_PERCENT[platform])
            earnings.append(
                {
                    "platform": platform,
                    "creator": creator_pk,
                    "transaction_id": transaction_id,
                    "gross": gross,
                    "fee": fee,
                    "currency": currency,
                    "refunded": False,
                }
            )
            self.expected[f"network:processor_clearing:{currency}"] += gross
            self.expected[f"creator:{creator_pk}:{platform}:pending:{currency}"] -= gross - fee
            if fee:
                self.expected[f"platform:{platform}:fee_revenue:{currency}"] -= fee
            self.money_events += 1

    def _add(self, n, event_type, platform, data, created):
        self.events.append(
            {
                "id": f"evt_{n:06d}",
                "event": event_type,
                "platform": platform,
                "created_at": created,
                "data": data,
            }
        )

    def _refund(self, n, original, rng, created):
        currency, gross = original["currency"], original["gross"]
        exponent = currency_exponent(currency)
        chargeback = rng.random() < 0.4
        amount = gross if gross == 1 or rng.random() < 0.5 else rng.randint(1, gross - 1)
        data = {"transactionId": original["transaction_id"], "currency": currency}
        if amount != gross or rng.random() < 0.5:
            data["amount"] = format_minor(amount, exponent)
        fee_charged = 0
        if chargeback:
            fee_charged = rng.choice([0, 15 * 10**exponent])
            if fee_charged:
                data["chargebackFee"] = format_minor(fee_charged, exponent)
        event_type = "chargeback_received" if chargeback else "refund_issued"
        self._add(n, event_type, original["platform"], data, created)
        fee_share = original["fee"] * amount // gross
        platform, creator = original["platform"], original["creator"]
        self.expected[f"network:processor_clearing:{currency}"] -= amount + fee_charged
        self.expected[f"creator:{creator}:{platform}:pending:{currency}"] += amount - fee_share
        if fee_share:
            self.expected[f"platform:{platform}:fee_revenue:{currency}"] += fee_share
        if fee_charged:
            self.expected[f"network:chargeback_losses:{currency}"] += fee_charged
        self.money_events += 1


def _ledger_state() -> dict[str, int]:
    balance = trial_balance()
    assert balance.balanced, balance.totals
    return {row.account: row.balance for row in balance.rows}


def _drain(now_step=timedelta(hours=2)) -> None:
    """The overdue sweep, run until nothing waits (refunds that came before their purchase)."""
    moment = datetime.now(UTC)
    for _ in range(10):
        waiting = list(
            WebhookEvent.objects.filter(state=State.RECEIVED).values_list("pk", flat=True)
        )
        if not waiting:
            return
        moment += now_step
        webhook_events_process_now(waiting, now=moment)
    raise AssertionError("events still waiting after the sweep")


def _forge(event: dict, rng: random.Random, n: int) -> tuple[str, bytes]:
    """A forged event for its platform: a new fake one, or a tampered genuine one."""
    forged = json.loads(json.dumps(event))
    if rng.random() < 0.5:
        forged["id"] = f"evt_forged_{n}"
    if "amount" in forged["data"]:
        forged["data"]["amount"] = "999.00"
    return forged["platform"], json.dumps(forged).encode()


@pytest.mark.django_db
def test_replaying_twice_shuffled_with_forgeries_equals_processing_once(
    platform_secret, creator_factory, settings, django_capture_on_commit_callbacks
):
    started = time.perf_counter()
    settings.WEBHOOK_FAILED_AUTH_LIMIT = 1_000_000  # forgeries from one test IP all get a 401
    for slug, fee in FEE_PERCENT.items():
        Platform.objects.filter(slug=slug).update(fee_percent=fee)
    creators = [creator_factory(platforms=("boyfanz", "girlfanz")) for _ in range(12)]
    by_platform = {
        slug: [(c.pk, c.platform_accounts.get(platform__slug=slug).external_id) for c in creators]
        for slug in FEE_PERCENT
    }
    scenario = Scenario(by_platform, VALID_EVENTS)
    before = _ledger_state()
    assert before == {}
    phases = {"setup": time.perf_counter() - started}

    # (1) Reference: every valid event processed once, straight through processing, on the
    # same starting state; rolled back afterwards.
    with transaction.atomic():
        events = [store_event(payload) for payload in scenario.events]
        webhook_events_process_now([event.pk for event in events])
        _drain()
        reference = _ledger_state()
        reference_entries = JournalEntry.objects.count()
        transaction.set_rollback(True)
    account_cache_clear()
    assert not WebhookEvent.objects.exists() and not JournalEntry.objects.exists()
    assert reference_entries == scenario.money_events
    expected = {key: value for key, value in scenario.expected.items() if value}
    assert reference == expected
    phases["reference"] = time.perf_counter() - started - sum(phases.values())

    # (2) Over HTTP: every valid event twice, plus 5% forged, shuffled.
    rng = random.Random(2)
    stream: list[tuple[str, dict | None, bytes | None]] = [
        ("valid", event, None) for event in scenario.events for _ in range(2)
    ]
    forged_count = round(len(stream) * FORGED_SHARE / (1 - FORGED_SHARE))
    for n in range(forged_count):
        slug, body = _forge(rng.choice(scenario.events), rng, n)
        stream.append(("forged", {"platform": slug}, body))
    rng.shuffle(stream)

    client = Client(REMOTE_ADDR="203.0.113.9")
    counts: dict[str, int] = defaultdict(int)
    pending: dict[str, list[dict]] = {slug: [] for slug in SECRETS}

    def post(path: str, body: bytes, secret: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                path,
                data=body,
                content_type="application/json",
                headers={"X-FANZ-Signature": signing.fanz_signature(secret, body)},
            )

    def flush(slug: str) -> None:
        if not pending[slug]:
            return
        body = json.dumps({"events": pending[slug]}).encode()
        response = post(f"/api/integrations/webhooks/{slug}/batch", body, SECRETS[slug])
        assert response.status_code == 200, response.content[:500]
        result = response.json()
        assert result["rejected"] == 0, result
        counts["accepted"] += result["accepted"]
        counts["duplicate"] += result["duplicates"]
        pending[slug] = []

    for index, (kind, event, body) in enumerate(stream):
        slug = event["platform"]
        if kind == "forged":
            response = post(f"/api/integrations/webhooks/{slug}", body, "not-the-secret-" * 2)
            assert response.status_code == 401, response.content
            assert response.json()["error"]
            counts["forged"] += 1
        elif index % 20 == 0:
            response = post(
                f"/api/integrations/webhooks/{slug}", json.dumps(event).encode(), SECRETS[slug]
            )
            assert response.status_code in (200, 202), response.content
            counts["duplicate" if response.json()["duplicate"] else "accepted"] += 1
        else:
            pending[slug].append(event)
            if len(pending[slug]) >= BATCH_SIZE:
                flush(slug)
    for slug in SECRETS:
        flush(slug)
    phases["http"] = time.perf_counter() - started - sum(phases.values())
    _drain()
    phases["sweep"] = time.perf_counter() - started - sum(phases.values())

    assert counts["accepted"] == len(scenario.events)
    assert counts["duplicate"] == len(scenario.events)
    assert counts["forged"] == forged_count
    assert WebhookEvent.objects.count() == len(scenario.events)
    assert not WebhookEvent.objects.filter(event_id__startswith="evt_forged_").exists()
    assert not WebhookEvent.objects.filter(state=State.FAILED).exists()
    assert JournalEntry.objects.count() == reference_entries
    assert _ledger_state() == reference == expected
    elapsed = time.perf_counter() - started
    print(
        f"\nreplay property: {len(scenario.events)} valid events sent twice with {forged_count} "
        f"forged ({len(stream)} in all) in {elapsed:.1f}s: "
        + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in phases.items())
    )
