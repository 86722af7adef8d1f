"""Webhook throttles: failed authentication per IP (never a correctly signing platform), and
the per-platform quota of signed traffic; 429 with Retry-After, nothing written."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from apps.audit.models import SecurityEvent
from apps.core.throttling import webhook_quota_hit
from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import WebhookEvent

from .conftest import SECRET

# The counts are per window: a test whose requests straddled a window edge would start over.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

_seq = iter(range(1, 1_000_000))
BAD = "not-the-secret-of-boyfanz-at-all"


def tip() -> dict:
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    n = next(_seq)
    payload["id"] = f"evt_thr_{n}"
    payload["data"]["transactionId"] = f"tx_thr_{n}"
    payload["created_at"] = datetime.now(UTC).isoformat()
    return payload


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["error"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.fixture
def low_failure_limit(settings):
    settings.WEBHOOK_FAILED_AUTH_LIMIT = 3
    settings.WEBHOOK_FAILED_AUTH_WINDOW = 60


def test_failed_authentication_is_limited_per_ip(platform_secret, post_webhook, low_failure_limit):
    for _ in range(3):
        assert post_webhook(tip(), secret=BAD, ip="192.0.2.1").status_code == 401
    assert SecurityEvent.objects.count() == 3
    assert_throttled(post_webhook(tip(), secret=BAD, ip="192.0.2.1"))
    # probing other ways from the same address is counted too, and writes nothing more
    assert_throttled(post_webhook(tip(), source="nosuchfanz", ip="192.0.2.1"))
    assert_throttled(post_webhook(tip(), headers={}, ip="192.0.2.1"))
    assert SecurityEvent.objects.count() == 3
    assert WebhookEvent.objects.count() == 0
    # another address is not affected
    assert post_webhook(tip(), secret=BAD, ip="192.0.2.2").status_code == 401


def test_a_correctly_signing_platform_is_never_slowed(
    platform_secret, post_webhook, low_failure_limit
):
    for _ in range(4):
        post_webhook(tip(), secret=BAD, ip="192.0.2.1")
    # same address as the prober (a shared NAT), correctly signed: accepted, not counted
    for _ in range(10):
        assert post_webhook(tip(), secret=SECRET, ip="192.0.2.1").status_code == 202
    assert WebhookEvent.objects.count() == 10


def test_unknown_platform_probes_count_as_failures(post_webhook, low_failure_limit, db):
    for _ in range(3):
        assert post_webhook(tip(), source="nosuchfanz", ip="192.0.2.3").status_code == 404
    assert_throttled(post_webhook(tip(), source="nosuchfanz", ip="192.0.2.3"))


def test_platform_quota_limits_signed_events(settings, platform_secret, post_webhook):
    settings.WEBHOOK_PLATFORM_QUOTA = 3
    for _ in range(3):
        assert post_webhook(tip()).status_code == 202
    payload = tip()
    assert_throttled(post_webhook(payload))
    assert not WebhookEvent.objects.filter(event_id=payload["id"]).exists()
    # another platform has its own quota
    other = {**tip(), "platform": "girlfanz"}
    assert post_webhook(other, source="girlfanz", secret=SECRET + "-girlfanz").status_code == 202


def test_platform_quota_counts_each_event_of_a_batch(settings, platform_secret, post_webhook):
    settings.WEBHOOK_PLATFORM_QUOTA = 5
    path = "/api/integrations/webhooks/boyfanz/batch"
    assert post_webhook({"events": [tip() for _ in range(4)]}, path=path).status_code == 200
    assert_throttled(post_webhook({"events": [tip() for _ in range(2)]}, path=path))
    assert WebhookEvent.objects.count() == 4


def test_a_window_edge_never_lets_twice_the_quota_through(settings, db, time_machine):
    """The quota is a sliding window: a burst at the very end of one window still counts
    right after the edge, and room comes back only as the burst slides out."""
    settings.WEBHOOK_PLATFORM_QUOTA = 10
    settings.WEBHOOK_PLATFORM_QUOTA_WINDOW = 60
    time_machine.move_to(datetime(2027, 12, 31, 23, 59, 59, tzinfo=UTC), tick=False)
    assert webhook_quota_hit("boyfanz", 10) is None  # the whole quota, in the last second
    time_machine.shift(1)  # the next minute (and year) begins
    refused = webhook_quota_hit("boyfanz")
    assert refused is not None and 1 <= refused.retry_after <= 60
    time_machine.shift(30)  # half the burst has slid out
    assert webhook_quota_hit("boyfanz", 5) is None
    assert webhook_quota_hit("boyfanz") is not None
    time_machine.shift(120)  # everything has slid out
    assert webhook_quota_hit("boyfanz", 10) is None


def test_quota_zero_means_unlimited(settings, db):
    settings.WEBHOOK_PLATFORM_QUOTA = 0
    assert all(webhook_quota_hit("boyfanz") is None for _ in range(50))


def test_behind_a_proxy_the_address_the_proxy_added_is_counted(
    settings, platform_secret, post_webhook, low_failure_limit
):
    """A prober cannot dodge the limit by sending its own X-Forwarded-For entries."""
    from django.test import Client

    from .conftest import encode, sign_fanz

    settings.USE_X_FORWARDED_FOR = True
    client = Client(REMOTE_ADDR="10.0.0.1")
    statuses = []
    for n in range(5):
        body = encode(tip())
        response = client.post(
            "/api/integrations/webhooks/boyfanz",
            data=body,
            content_type="application/json",
            headers={**sign_fanz(body, BAD), "X-Forwarded-For": f"198.51.100.{n}, 192.0.2.9"},
        )
        statuses.append(response.status_code)
    assert statuses == [401, 401, 401, 429, 429]
