"""Outbound webhooks end to end against a real HTTP server on 127.0.0.1: what the platform
receives and how it verifies it, the retry schedule (time travel), Retry-After, 410 Gone,
disabling after continuous failure, and abandoning after the last attempt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent, SecurityEvent
from apps.core.exceptions import ApplicationError
from apps.outbound import services
from apps.outbound.models import DeliveryAttempt, OutboundDelivery, OutboundEndpoint
from apps.outbound.services import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE_SECONDS,
    outbound_delivery_send,
    outbound_endpoint_enable,
    outbound_event_emit,
)
from apps.outbound.tasks import deliveries_send_due
from apps.platforms.services import platform_webhook_secret_rotate

from .conftest import SECRET, Answer

State = OutboundDelivery.State
PAYOUT = {"payoutId": "po_1", "creatorId": "creator456", "amount": "19.99", "currency": "USD"}


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """Emit an event and run what its commit queues (the first attempt; Celery is eager)."""

    def run(platform, event_type="payout.paid", data=None, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            event = outbound_event_emit(
                platform=platform, event_type=event_type, data=data or PAYOUT, **kwargs
            )
        return event, OutboundDelivery.objects.get(event=event)

    return run


def _fresh(delivery) -> OutboundDelivery:
    return OutboundDelivery.objects.get(pk=delivery.pk)


def _jittered(seconds: float) -> tuple[float, float]:
    return seconds * 0.9 - 0.001, seconds * 1.1 + 0.001


# --- what the platform receives ------------------------------------------------------------


def test_success_delivers_a_signed_event_once(platform, platform_server, emit):
    event, delivery = emit(platform)
    assert len(platform_server.requests) == 1
    received = platform_server.requests[0]
    assert received.path == "/webhooks/money-dash"
    assert received.headers["content-type"] == "application/json"
    assert received.body == event.body.encode()
    body = received.json
    assert set(body) == {"id", "event", "platform", "created_at", "data"}
    assert body["id"] == event.event_id and body["id"].startswith("evt_")
    assert body["event"] == "payout.paid" and body["platform"] == "boyfanz"
    assert body["created_at"].endswith("Z")
    assert body["data"] == PAYOUT

    delivery = _fresh(delivery)
    assert delivery.state == State.SUCCEEDED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.next_attempt_at is None
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.outcome == DeliveryAttempt.Outcome.SUCCEEDED
    assert attempt.status_code == 200 and attempt.latency_ms is not None
    assert attempt.response_excerpt == '{"ok":true}' and attempt.url == platform_server.url
    # Nothing is due any more: the beat task sends nothing.
    assert deliveries_send_due() == 0
    assert len(platform_server.requests) == 1


def test_the_platform_verifies_the_fanz_signature_by_hand(platform, platform_server, emit):
    emit(platform)
    received = platform_server.requests[0]
    expected = hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-fanz-signature"] == f"sha256={expected}"


def test_the_platform_verifies_standard_webhooks_by_hand(platform, platform_server, emit):
    event, _ = emit(platform)
    received = platform_server.requests[0]
    assert received.headers["webhook-id"] == event.event_id
    timestamp = received.headers["webhook-timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 5
    signed = f"{event.event_id}.{timestamp}.".encode() + received.body
    digest = base64.b64encode(hmac.new(SECRET.encode(), signed, hashlib.sha256).digest())
    assert received.headers["webhook-signature"] == f"v1,{digest.decode()}"


def test_the_platform_verifies_with_the_standardwebhooks_library(platform, platform_server, emit):
    standardwebhooks = pytest.importorskip("standardwebhooks")
    emit(platform)
    received = platform_server.requests[0]
    # A secret that is not whsec_<base64> is used as its UTF-8 bytes (as inbound).
    verified = standardwebhooks.Webhook(SECRET.encode()).verify(received.body, received.headers)
    assert verified["data"] == PAYOUT
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(b"another-secret-entirely-000000").verify(
            received.body, received.headers
        )


def test_a_whsec_secret_is_its_base64_key_for_standard_webhooks(platform, platform_server, emit):
    standardwebhooks = pytest.importorskip("standardwebhooks")
    secret = "whsec_" + base64.b64encode(b"32 random bytes of a whsec key!!").decode()
    platform_webhook_secret_rotate(platform=platform, actor=None, secret=secret, grace_hours=0)
    emit(platform)
    received = platform_server.requests[0]
    # The library given the whsec_ string decodes it, as FanzDash does.
    standardwebhooks.Webhook(secret).verify(received.body, received.headers)
    # X-FANZ-Signature keys with the whole string, as inbound.
    expected = hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-fanz-signature"] == f"sha256={expected}"


def test_inbound_verifier_accepts_what_outbound_sends(platform, platform_server, emit):
    """FanzDash signs exactly as it verifies (apps.integrations.signatures)."""
    from apps.integrations.signatures import SigningSecret, signature_verify

    emit(platform)
    received = platform_server.requests[0]
    secrets = [SigningSecret.from_secret(SECRET)]
    fanz = {"HTTP_X_FANZ_SIGNATURE": received.headers["x-fanz-signature"]}
    assert signature_verify(meta=fanz, body=received.body, secrets=secrets).scheme == "fanz"
    standard = {
        "HTTP_WEBHOOK_ID": received.headers["webhook-id"],
        "HTTP_WEBHOOK_TIMESTAMP": received.headers["webhook-timestamp"],
        "HTTP_WEBHOOK_SIGNATURE": received.headers["webhook-signature"],
    }
    assert signature_verify(meta=standard, body=received.body, secrets=secrets).scheme == (
        "standard"
    )


def test_during_a_rotation_both_secrets_verify(platform, platform_server, emit):
    standardwebhooks = pytest.importorskip("standardwebhooks")
    new_secret = "the-newer-outbound-secret-abcdefghijkl"
    platform_webhook_secret_rotate(platform=platform, actor=None, secret=new_secret, grace_hours=24)
    emit(platform)
    received = platform_server.requests[0]
    # X-FANZ-Signature: the newest active secret.
    expected = hmac.new(new_secret.encode(), received.body, hashlib.sha256).hexdigest()
    assert received.headers["x-fanz-signature"] == f"sha256={expected}"
    # webhook-signature lists one v1 signature per active secret, newest first.
    assert len(received.headers["webhook-signature"].split()) == 2
    for secret in (new_secret, SECRET):
        standardwebhooks.Webhook(secret.encode()).verify(received.body, received.headers)


def test_without_a_secret_of_its_own_the_network_secret_signs(
    platform, platform_server, emit, settings, monkeypatch
):
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    settings.WEBHOOK_SECRET = "network-wide-secret-0123456789abcdef"
    platform.webhook_secrets.update(revoked_at=timezone.now())
    emit(platform)
    received = platform_server.requests[0]
    expected = hmac.new(settings.WEBHOOK_SECRET.encode(), received.body, hashlib.sha256)
    assert received.headers["x-fanz-signature"] == f"sha256={expected.hexdigest()}"


def test_the_response_excerpt_keeps_the_first_kib(platform, platform_server, emit):
    platform_server.script(Answer(200, body=b"x" * 5000))
    _, delivery = emit(platform)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.response_excerpt == "x" * 1024


# --- retries with time travel --------------------------------------------------------------


def test_a_5xx_is_retried_after_5_seconds_then_succeeds(platform, platform_server, emit, clock):
    platform_server.script(Answer(500, body=b"boom"))
    event, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500
    low, high = _jittered(5)
    wait = (delivery.next_attempt_at - clock.now).total_seconds()
    assert low <= wait <= high
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert endpoint.failing_since == clock.now and endpoint.enabled

    clock.advance(seconds=4)
    if delivery.next_attempt_at > clock.now:
        assert deliveries_send_due() == 0
        assert outbound_delivery_send(delivery_id=delivery.pk) == "not_due"
    clock.now = delivery.next_attempt_at
    assert deliveries_send_due() == 1

    delivery = _fresh(delivery)
    assert delivery.state == State.SUCCEEDED and delivery.attempts == 2
    assert len(platform_server.requests) == 2
    first, second = platform_server.requests
    assert first.body == second.body == event.body.encode()
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == event.event_id
    attempts = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [(a.number, a.status_code, a.outcome) for a in attempts] == [
        (1, 500, "failed"),
        (2, 200, "succeeded"),
    ]
    assert attempts[0].response_excerpt == "boom" and "500" in attempts[0].error
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None and endpoint.last_success_at == clock.now


def test_the_whole_schedule_then_abandoned(platform, platform_server, emit, clock, settings):
    settings.OUTBOUND_DISABLE_AFTER_HOURS = 1000  # this test is about the schedule only
    platform_server.default = Answer(503)
    started = clock.now
    _, delivery = emit(platform)
    waits = []
    for number in range(1, MAX_ATTEMPTS):
        delivery = _fresh(delivery)
        assert delivery.state == State.PENDING and delivery.attempts == number
        wait = (delivery.next_attempt_at - clock.now).total_seconds()
        low, high = _jittered(RETRY_SCHEDULE_SECONDS[number - 1])
        assert low <= wait <= high, (number, wait)
        waits.append(wait)
        # Just before it is due nothing is sent; at the due time exactly one attempt.
        clock.now = delivery.next_attempt_at - timedelta(seconds=1)
        assert deliveries_send_due() == 0
        clock.now = delivery.next_attempt_at
        assert deliveries_send_due() == 1
    delivery = _fresh(delivery)
    assert delivery.state == State.ABANDONED and delivery.attempts == MAX_ATTEMPTS == 7
    assert delivery.next_attempt_at is None and delivery.completed_at == clock.now
    assert len(platform_server.requests) == 7
    # About a day: 5 s + 5 min + 30 min + 2 h + 5 h + 10 h = 17 h 35 min 5 s, ±10%.
    total = (clock.now - started).total_seconds()
    assert 0.9 * sum(RETRY_SCHEDULE_SECONDS) <= total <= 1.1 * sum(RETRY_SCHEDULE_SECONDS)
    clock.advance(days=2)
    assert deliveries_send_due() == 0
    assert outbound_delivery_send(delivery_id=delivery.pk) == "not_pending"
    assert len(platform_server.requests) == 7
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 7


def test_jitter_spreads_the_retries(monkeypatch):
    delays = {round(services.retry_delay_seconds(3), 3) for _ in range(50)}
    assert len(delays) > 10
    assert all(1800 * 0.9 <= delay <= 1800 * 1.1 for delay in delays)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 502])
def test_any_non_2xx_but_410_is_retried(platform, platform_server, emit, status):
    platform_server.script(Answer(status))
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.last_status_code == status
    assert OutboundEndpoint.objects.get(platform=platform).enabled


def test_a_redirect_is_not_followed(platform, platform_server, emit):
    platform_server.script(Answer(302, {"Location": "http://127.0.0.1:9/elsewhere"}))
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.last_status_code == 302
    assert len(platform_server.requests) == 1


def test_retry_after_seconds_is_honoured(platform, platform_server, emit, clock):
    platform_server.script(Answer(429, {"Retry-After": "600"}))
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    # The schedule says 5 s; the platform asked for 10 minutes.
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=600)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.retry_after_seconds == 600
    clock.advance(seconds=599)
    assert deliveries_send_due() == 0
    clock.advance(seconds=1)
    assert deliveries_send_due() == 1
    assert _fresh(delivery).state == State.SUCCEEDED


def test_retry_after_as_an_http_date_is_honoured(platform, platform_server, emit, clock):
    when = clock.now + timedelta(hours=1)
    platform_server.script(Answer(503, {"Retry-After": format_datetime(when, usegmt=True)}))
    _, delivery = emit(platform)
    assert _fresh(delivery).next_attempt_at == when


def test_retry_after_shorter_than_the_schedule_does_not_hurry(
    platform, platform_server, emit, clock
):
    platform_server.script(Answer(500), Answer(503, {"Retry-After": "1"}))
    _, delivery = emit(platform)
    clock.now = _fresh(delivery).next_attempt_at
    deliveries_send_due()
    wait = (_fresh(delivery).next_attempt_at - clock.now).total_seconds()
    low, high = _jittered(300)  # the 5-minute step, not 1 second
    assert low <= wait <= high


def test_retry_after_is_capped(platform, platform_server, emit, clock, settings):
    settings.OUTBOUND_RETRY_AFTER_MAX_SECONDS = 3600
    platform_server.script(Answer(503, {"Retry-After": str(30 * 24 * 3600)}))
    _, delivery = emit(platform)
    assert _fresh(delivery).next_attempt_at == clock.now + timedelta(hours=1)


def test_unreadable_retry_after_is_ignored(platform, platform_server, emit, clock):
    platform_server.script(Answer(503, {"Retry-After": "soon, maybe"}))
    _, delivery = emit(platform)
    wait = (_fresh(delivery).next_attempt_at - clock.now).total_seconds()
    low, high = _jittered(5)
    assert low <= wait <= high


def test_a_timeout_is_a_failed_attempt(platform, platform_server, emit, settings):
    settings.OUTBOUND_WEBHOOK_TIMEOUT_SECONDS = 0.3
    platform_server.script(Answer(200, delay=1.5))
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.last_status_code is None
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.outcome == "failed" and "Timed out" in attempt.error
    assert attempt.status_code is None and attempt.latency_ms >= 300


def test_connection_refused_is_a_failed_attempt(platform, platform_server, emit, monkeypatch):
    url = platform_server.url
    platform_server.close()  # nothing listens on that port any more
    monkeypatch.setenv("WEBHOOK_BOYFANZ", url)
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.attempts == 1
    assert "Connection failed" in delivery.last_error


def test_a_worker_that_died_mid_attempt_is_retried_and_logged(platform, platform_server, clock):
    event = outbound_event_emit(platform=platform, event_type="payout.paid", data=PAYOUT)
    delivery = OutboundDelivery.objects.get(event=event)
    # A worker claims attempt 1 and dies before sending.
    assert services._claim(delivery, clock.now) is not None
    assert outbound_delivery_send(delivery_id=delivery.pk) == "in_flight"
    assert deliveries_send_due() == 0
    clock.advance(seconds=services.timeout_seconds() + services.CLAIM_MARGIN_SECONDS + 1)
    assert deliveries_send_due() == 1
    delivery = _fresh(delivery)
    assert delivery.state == State.SUCCEEDED and delivery.attempts == 2
    outcomes = list(
        DeliveryAttempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("number", "outcome")
    )
    assert outcomes == [(1, "lost"), (2, "succeeded")]
    assert len(platform_server.requests) == 1


# --- 410 Gone and disabling ------------------------------------------------------------------


def test_410_gone_disables_the_endpoint_at_once(platform, platform_server, emit, clock):
    platform_server.script(Answer(410))
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.FAILED and delivery.last_status_code == 410
    assert delivery.next_attempt_at is None
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert not endpoint.enabled and endpoint.disabled_at == clock.now
    assert "410" in endpoint.disabled_reason
    event = SecurityEvent.objects.get(kind="endpoint_disabled")
    assert event.platform == platform and "410" in event.summary
    assert AuditEvent.objects.filter(action="outbound.endpoint_disabled", actor=None).exists()

    # A new event waits: no attempt while the endpoint is disabled.
    _, waiting = emit(platform, event_type="payout.failed")
    waiting = _fresh(waiting)
    assert waiting.state == State.PENDING and waiting.attempts == 0
    clock.advance(hours=1)
    assert deliveries_send_due() == 0
    assert outbound_delivery_send(delivery_id=waiting.pk) == "endpoint_disabled"
    assert len(platform_server.requests) == 1


def test_continuous_failure_disables_after_the_period(
    platform,
    platform_server,
    emit,
    clock,
    settings,
    super_admin,
    django_capture_on_commit_callbacks,
):
    settings.OUTBOUND_DISABLE_AFTER_HOURS = 1
    platform_server.default = Answer(500)
    started = clock.now
    _, delivery = emit(platform)
    # 5 s, then 5 min, then 30 min later: failing for ~35 minutes, still enabled.
    for _ in range(3):
        clock.now = _fresh(delivery).next_attempt_at
        deliveries_send_due()
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert endpoint.enabled and endpoint.failing_since == started
    assert not SecurityEvent.objects.exists()
    # The next retry is about 2 hours later: more than an hour of nothing but failures.
    clock.now = _fresh(delivery).next_attempt_at
    deliveries_send_due()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "failing continuously" in endpoint.disabled_reason
    event = SecurityEvent.objects.get(kind="endpoint_disabled")
    assert event.platform == platform and event.detail["status_code"] == 500
    delivery = _fresh(delivery)
    assert delivery.state == State.PENDING and delivery.attempts == 5
    requests_so_far = len(platform_server.requests)

    # Disabled: the delivery waits, even when due.
    clock.now = delivery.next_attempt_at + timedelta(hours=1)
    assert deliveries_send_due() == 0
    assert len(platform_server.requests) == requests_so_far

    # Staff enable it again: the waiting delivery is sent at once.
    platform_server.default = Answer(200)
    with django_capture_on_commit_callbacks(execute=True):
        outbound_endpoint_enable(platform=platform, actor=super_admin)
    assert _fresh(delivery).state == State.SUCCEEDED
    assert len(platform_server.requests) == requests_so_far + 1
    assert AuditEvent.objects.filter(action="outbound.endpoint_enabled", actor=super_admin).exists()


def test_a_success_resets_the_failure_clock(platform, platform_server, emit, clock, settings):
    settings.OUTBOUND_DISABLE_AFTER_HOURS = 1
    platform_server.script(Answer(500))
    emit(platform)  # fails at t0
    clock.advance(minutes=50)
    emit(platform)  # succeeds: the endpoint works again
    clock.advance(minutes=50)
    platform_server.script(Answer(500))
    emit(platform)  # fails 100 minutes after the first failure, but only just started again
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert endpoint.enabled and endpoint.failing_since == clock.now


# --- what cannot be sent and bad input ------------------------------------------------------


def test_no_url_makes_a_failed_delivery(platform, platform_server, emit, monkeypatch):
    monkeypatch.delenv("WEBHOOK_BOYFANZ")
    assert platform.outbound_webhook_url == ""
    _, delivery = emit(platform)
    assert delivery.state == State.FAILED and "no outbound webhook URL" in delivery.last_error
    assert platform_server.requests == []


def test_no_active_secret_fails_without_sending(
    platform, platform_server, emit, settings, monkeypatch
):
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    settings.WEBHOOK_SECRET = ""
    platform.webhook_secrets.update(revoked_at=timezone.now())
    _, delivery = emit(platform)
    delivery = _fresh(delivery)
    assert delivery.state == State.FAILED and "no active webhook secret" in delivery.last_error
    assert platform_server.requests == []
    # Not the platform's fault: the endpoint is not disabled and its failure clock not started.
    endpoint = OutboundEndpoint.objects.get(platform=platform)
    assert endpoint.enabled and endpoint.failing_since is None


def test_an_unknown_event_type_is_refused(platform):
    with pytest.raises(ApplicationError) as error:
        outbound_event_emit(platform=platform, event_type="payout.exploded", data={})
    assert error.value.code == "unknown_event_type"
    assert not OutboundDelivery.objects.exists()


@pytest.mark.parametrize("data", [["not", "an", "object"], {"when": object()}])
def test_data_that_is_not_a_json_object_is_refused(platform, data):
    with pytest.raises(ApplicationError) as error:
        outbound_event_emit(platform=platform, event_type="payout.paid", data=data)
    assert error.value.code == "invalid_data"
    assert not OutboundDelivery.objects.exists()


def test_the_same_idempotency_key_emits_once(platform, platform_server, emit):
    first, _ = emit(platform, idempotency_key="payout:1:paid")
    again, _ = emit(platform, idempotency_key="payout:1:paid")
    assert first.pk == again.pk
    assert OutboundDelivery.objects.count() == 1 and len(platform_server.requests) == 1


def test_a_rolled_back_change_sends_nothing(platform, platform_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        outbound_event_emit(platform=platform, event_type="payout.paid", data=PAYOUT)
        raise RuntimeError("the payout failed to commit")
    assert not OutboundDelivery.objects.exists()
    assert platform_server.requests == []


def test_dates_and_decimals_in_data_are_serialised(platform, platform_server, emit):
    from decimal import Decimal

    _event, _ = emit(platform, data={"amount": Decimal("19.99"), "paidAt": timezone.now()})
    sent = json.loads(platform_server.requests[0].body)
    assert sent["data"]["amount"] == "19.99" and isinstance(sent["data"]["paidAt"], str)
