"""POST /api/integrations/webhooks/<platform> and /webhooks/fanzdash: stored once, refused
with a reason, nothing written for a refusal (but the security event of a bad signature)."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from apps.audit.models import SecurityEvent
from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import WebhookEvent
from apps.ledger.models import JournalEntry

from .conftest import NETWORK_SECRET, SECRET, encode, sign_fanz, sign_standard

pytestmark = pytest.mark.django_db

_seq = iter(range(1, 1_000_000))


def tip(**data) -> dict:
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    n = next(_seq)
    payload["id"] = f"evt_tip_{n}"
    payload["data"]["transactionId"] = f"tx_tip_{n}"
    payload["created_at"] = datetime.now(UTC).isoformat()
    payload["data"].update(data)
    return payload


def assert_nothing_written() -> None:
    assert WebhookEvent.objects.count() == 0
    assert JournalEntry.objects.count() == 0


def error_of(response) -> tuple[str, object]:
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return body["error"], body["detail"]


# --- accepted ---------------------------------------------------------------------------------


def test_new_event_is_stored_with_everything_and_answered_202(
    platform_secret, post_webhook, django_capture_on_commit_callbacks
):
    payload = tip()
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_webhook(payload, ip="203.0.113.9")
    assert response.status_code == 202, response.content
    body = response.json()
    event = WebhookEvent.objects.get()
    assert body == {
        "id": event.pk,
        "eventId": payload["id"],
        "duplicate": False,
        "state": "received",
    }
    assert len(callbacks) == 1  # processing enqueued after the commit
    assert event.source == "boyfanz"
    assert event.platform.slug == "boyfanz"
    assert event.event_type == "tip_sent"
    assert event.transaction_id == payload["data"]["transactionId"]
    assert event.creator_external_id == "creator456"
    assert event.occurred_at is not None
    assert event.payload == payload
    assert event.raw_body == json.dumps(payload)
    assert event.signature_scheme == "fanz"
    assert event.verification["scheme"] == "fanz"
    assert event.verification["secret_hint"] == "…" + SECRET[-4:]
    assert str(event.source_ip) == "203.0.113.9"
    assert event.state == "received"
    signature = sign_fanz(encode(payload))["X-FANZ-Signature"]
    assert event.headers["x-fanz-signature"] == "sha256=…" + signature[-4:]
    assert signature[7:-4] not in json.dumps(event.headers)
    assert event.headers["content-type"] == "application/json"


def test_duplicate_is_answered_200_with_the_stored_state_and_changes_nothing(
    platform_secret, post_webhook, django_capture_on_commit_callbacks
):
    payload = tip()
    first = post_webhook(payload).json()
    WebhookEvent.objects.filter(pk=first["id"]).update(state="processed")
    with django_capture_on_commit_callbacks() as callbacks:
        again = post_webhook(payload)
    assert again.status_code == 200
    assert again.json() == {
        "id": first["id"],
        "eventId": payload["id"],
        "duplicate": True,
        "state": "processed",
    }
    assert callbacks == []  # never processed twice
    assert WebhookEvent.objects.count() == 1


def test_same_event_id_on_two_platforms_is_two_events(platform_secret, post_webhook):
    payload = tip()
    assert post_webhook(payload).status_code == 202
    other = {**payload, "platform": "girlfanz"}
    response = post_webhook(other, source="girlfanz", secret=SECRET + "-girlfanz")
    assert response.status_code == 202
    assert WebhookEvent.objects.count() == 2


def test_standard_webhooks_signature_is_accepted(platform_secret, post_webhook):
    payload = tip()
    response = post_webhook(payload, scheme="standard")
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert event.signature_scheme == "standard"
    assert event.verification["webhook_id"] == payload["id"]
    assert event.headers["webhook-signature"].startswith("v1,…")


def test_standard_webhooks_id_header_is_the_event_id_when_the_body_has_none(
    platform_secret, post_webhook
):
    payload = tip()
    del payload["id"]
    response = post_webhook(payload, scheme="standard", webhook_id="msg_from_header")
    assert response.status_code == 202, response.content
    assert WebhookEvent.objects.get().event_id == "msg_from_header"
    assert post_webhook(payload, scheme="standard", webhook_id="msg_from_header").json()[
        "duplicate"
    ]


def test_standard_webhooks_id_header_must_match_the_body(platform_secret, post_webhook):
    response = post_webhook(tip(), scheme="standard", webhook_id="msg_other")
    assert response.status_code == 422
    code, detail = error_of(response)
    assert code == "invalid_event" and "id" in detail
    assert_nothing_written()


def test_central_events_verify_with_the_network_secret(platform_secret, post_webhook):
    payload = copy.deepcopy(EVENT_EXAMPLES["security_alert"])
    payload["created_at"] = datetime.now(UTC).isoformat()
    response = post_webhook(payload, source="fanzdash", secret=NETWORK_SECRET)
    assert response.status_code == 202, response.content
    event = WebhookEvent.objects.get()
    assert (event.source, event.platform_id, event.event_type) == (
        "fanzdash",
        None,
        "security_alert",
    )
    # A platform's secret does not sign central events.
    payload["id"] = "evt_other"
    assert post_webhook(payload, source="fanzdash", secret=SECRET).status_code == 401


@pytest.mark.parametrize("network_secret", ["", "the-shared-webhook-secret-of-the-network"])
def test_the_platforms_shared_secret_never_signs_central_events(
    settings, post_webhook, db, network_secret
):
    """Platforms without a secret of their own sign with WEBHOOK_SECRET; central events speak
    for the whole network (a user suspended everywhere), so that secret never verifies them:
    not as a fallback, nor when NETWORK_WEBHOOK_SECRET was set to the same value."""
    settings.WEBHOOK_SECRET = "the-shared-webhook-secret-of-the-network"
    settings.NETWORK_WEBHOOK_SECRET = network_secret
    payload = copy.deepcopy(EVENT_EXAMPLES["security_alert"])
    payload["created_at"] = datetime.now(UTC).isoformat()
    response = post_webhook(payload, source="fanzdash", secret=settings.WEBHOOK_SECRET)
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()


def test_forwarded_for_is_used_only_behind_a_trusted_proxy(settings, platform_secret, post_webhook):
    from django.test import Client

    payload = tip()
    body = encode(payload)
    headers = {**sign_fanz(body), "X-Forwarded-For": "198.51.100.7, 10.0.0.1"}
    client = Client(REMOTE_ADDR="10.0.0.2")
    url = "/api/integrations/webhooks/boyfanz"
    client.post(url, data=body, content_type="application/json", headers=headers)
    assert str(WebhookEvent.objects.get().source_ip) == "10.0.0.2"
    settings.USE_X_FORWARDED_FOR = True
    payload = tip()
    body = encode(payload)
    headers = {**sign_fanz(body), "X-Forwarded-For": "198.51.100.7"}
    client.post(url, data=body, content_type="application/json", headers=headers)
    assert str(WebhookEvent.objects.get(event_id=payload["id"]).source_ip) == "198.51.100.7"


# --- refusals ---------------------------------------------------------------------------------


def test_body_over_256_kib_is_413_before_anything_else(platform_secret, post_webhook):
    payload = tip(padding="x" * (256 * 1024))
    response = post_webhook(payload, source="nosuchfanz")
    assert response.status_code == 413
    assert error_of(response)[0] == "payload_too_large"
    assert_nothing_written()
    assert SecurityEvent.objects.count() == 0


def test_unknown_platform_is_404(platform_secret, post_webhook):
    response = post_webhook(tip(), source="nosuchfanz")
    assert response.status_code == 404
    assert error_of(response)[0] == "unknown_platform"
    assert_nothing_written()


def test_inactive_platform_is_409(platform_secret, post_webhook):
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_update

    platform_update(platform=Platform.objects.get(slug="boyfanz"), actor=None, status="paused")
    response = post_webhook(tip())
    assert response.status_code == 409
    assert error_of(response)[0] == "platform_inactive"
    assert_nothing_written()


def test_missing_signature_is_401(platform_secret, post_webhook):
    response = post_webhook(tip(), headers={})
    assert response.status_code == 401
    assert error_of(response)[0] == "missing_signature"
    assert_nothing_written()
    assert SecurityEvent.objects.get().kind == "webhook_signature_failed"


def test_bad_signature_is_401_with_a_security_event_naming_the_ip(platform_secret, post_webhook):
    response = post_webhook(tip(), secret="not-the-secret-of-boyfanz-at-all", ip="192.0.2.44")
    assert response.status_code == 401
    assert error_of(response)[0] == "invalid_signature"
    assert_nothing_written()
    security = SecurityEvent.objects.get()
    assert security.kind == "webhook_signature_failed"
    assert str(security.source_ip) == "192.0.2.44"
    assert security.platform.slug == "boyfanz"
    assert "192.0.2.44" in security.summary


def test_tampered_body_is_401(platform_secret, post_webhook):
    payload = tip()
    headers = sign_fanz(encode(payload))
    payload["data"]["amount"] = "1999.99"
    response = post_webhook(payload, headers=headers)
    assert response.status_code == 401
    assert_nothing_written()


# +330, not +301: the timestamp is truncated to a second and the request takes time, both of
# which bring a future timestamp closer to "now".
@pytest.mark.parametrize("skew", [-301, 330, -3600])
def test_stale_standard_timestamp_is_401_both_ways(platform_secret, post_webhook, skew):
    payload = tip()
    body = encode(payload)
    headers = sign_standard(body, webhook_id=payload["id"], timestamp=int(time.time()) + skew)
    response = post_webhook(payload, headers=headers)
    assert response.status_code == 401
    assert error_of(response)[0] == "stale_timestamp"
    assert_nothing_written()
    assert SecurityEvent.objects.get().kind == "webhook_timestamp_stale"


def test_timestamp_within_tolerance_is_accepted(platform_secret, post_webhook):
    payload = tip()
    body = encode(payload)
    headers = sign_standard(body, webhook_id=payload["id"], timestamp=int(time.time()) - 280)
    assert post_webhook(payload, headers=headers).status_code == 202


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"id": NaN}', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000],
    ids=["syntax", "nan", "not-utf8", "too-deep"],
)
def test_malformed_json_is_400(platform_secret, post_webhook, body):
    response = post_webhook(body)
    assert response.status_code == 400, response.content
    assert error_of(response)[0] == "malformed_json"
    assert_nothing_written()


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["data"].pop("creatorId"), "data.creatorId"),
        (lambda p: p["data"].update(amount=["19.99"]), "data.amount"),
        (lambda p: p["data"].update(amount="19.999"), "data.amount"),
        (lambda p: p["data"].update(amount="-5.00"), "data.amount"),
        (lambda p: p["data"].update(currency="XXQ"), "data.currency"),
        (lambda p: p.update(platform="girlfanz"), "platform"),
        (lambda p: p.update(event="no_such_event"), "event"),
        (lambda p: p.update(event="user_created"), "event"),
        (lambda p: p.pop("id"), "id"),
    ],
    ids=[
        "missing-field",
        "wrong-type",
        "too-many-decimals",
        "negative",
        "unknown-currency",
        "platform-differs",
        "unknown-event",
        "central-event-at-platform",
        "missing-id",
    ],
)
def test_schema_errors_are_422_with_field_paths(platform_secret, post_webhook, change, path):
    payload = tip()
    change(payload)
    response = post_webhook(payload)
    assert response.status_code == 422, response.content
    code, detail = error_of(response)
    assert code == "invalid_event"
    assert path in detail, detail
    assert isinstance(detail[path], list)
    assert_nothing_written()


def test_text_the_database_cannot_store_is_422(platform_secret, post_webhook):
    payload = tip(note="nul \u0000 inside")
    response = post_webhook(payload)
    assert response.status_code == 422
    assert_nothing_written()


def test_a_json_array_is_422(platform_secret, post_webhook):
    response = post_webhook([tip()])
    assert response.status_code == 422
    assert_nothing_written()


def test_get_is_not_allowed(platform_secret, client):
    response = client.get("/api/integrations/webhooks/boyfanz")
    assert response.status_code == 405
    assert_nothing_written()


def test_accept_header_does_not_matter(platform_secret):
    from django.test import Client

    payload = tip()
    body = encode(payload)
    response = Client().post(
        "/api/integrations/webhooks/boyfanz",
        data=body,
        content_type="application/json",
        headers={**sign_fanz(body), "Accept": "text/html"},
    )
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"


def test_event_dated_in_the_future_is_refused(platform_secret, post_webhook):
    payload = tip()
    payload["created_at"] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = post_webhook(payload)
    assert response.status_code == 422
    assert "created_at" in error_of(response)[1]


@pytest.mark.parametrize(
    "created_at",
    ["2026-01-01T00:00:00+17:40", "2020-06-01T00:00:00-20:07", "0001-01-01T00:00:00+05:00"],
)
def test_an_instant_the_database_cannot_hold_is_422(platform_secret, post_webhook, created_at):
    # +17:40 reached PostgreSQL as "time zone displacement out of range" (a 500).
    payload = tip()
    payload["created_at"] = created_at
    response = post_webhook(payload)
    assert response.status_code == 422
    assert list(error_of(response)[1]) == ["created_at"]
    assert_nothing_written()


def test_an_instant_with_any_real_offset_is_stored_in_utc(platform_secret, post_webhook):
    payload = tip()
    payload["created_at"] = "2026-01-01T09:30:00+15:59"
    assert post_webhook(payload).status_code == 202
    assert WebhookEvent.objects.get().occurred_at == datetime(2025, 12, 31, 17, 31, tzinfo=UTC)


def test_an_unpaired_surrogate_is_422(platform_secret, post_webhook):
    payload = tip()
    body = json.dumps(payload)[:-1] + ', "note": "\\ud800"}'
    response = post_webhook(body.encode())
    assert response.status_code == 422, response.content
    assert_nothing_written()


# --- end to end ---------------------------------------------------------------------------------


def test_an_accepted_event_is_processed_into_the_ledger_after_the_commit(
    platform_secret, post_webhook, creator_factory, django_capture_on_commit_callbacks
):
    creator = creator_factory(platforms=("boyfanz",))
    payload = tip(creatorId=f"boyfanz-{creator.pk}", amount="12.50")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(payload)
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    assert event.state == "processed", (event.error_code, event.error_detail)
    assert JournalEntry.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = post_webhook(payload)
    assert again.json()["duplicate"] is True and again.json()["state"] == "processed"
    assert JournalEntry.objects.count() == 1


# --- the source cache and header masking ---------------------------------------------------------


def test_a_platform_paused_in_this_process_is_refused_at_once(platform_secret, post_webhook):
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_update

    assert post_webhook(tip()).status_code == 202  # caches boyfanz as active
    platform_update(platform=Platform.objects.get(slug="boyfanz"), actor=None, status="paused")
    assert post_webhook(tip()).status_code == 409


def test_a_platform_created_after_a_404_is_found_at_once(platform_secret, post_webhook):
    from apps.platforms.models import WebhookSecret
    from apps.platforms.services import platform_create

    assert post_webhook(tip(), source="newfanz").status_code == 404
    platform = platform_create(slug="newfanz", name="NewFanz", domain="newfanz.com", actor=None)
    WebhookSecret.objects.create(platform=platform, secret=SECRET)
    payload = {**tip(), "platform": "newfanz"}
    assert post_webhook(payload, source="newfanz").status_code == 202


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("sha256=" + "ab" * 32, "sha256=…abab"),
        ("v1,AAAAbbbb v1,CCCCdddd", "v1,…bbbb v1,…dddd"),
        ("Bearer 4Rk2a9Qz.secretpart", "Bearer …part"),
        ("sessionid=abcdefgh", "sessionid=…efgh"),
        ("abc", "…"),
    ],
)
def test_secrets_in_headers_are_masked(value, masked):
    from apps.integrations.services.ingest import mask_value, request_headers

    assert mask_value(value) == masked
    headers = request_headers({"HTTP_AUTHORIZATION": value, "HTTP_USER_AGENT": "curl/8"})
    assert headers == {"authorization": masked, "user-agent": "curl/8"}


def test_json_numbers_are_converted_from_their_literal(platform_secret, post_webhook):
    """A JSON number is taken as written: 19.99 is 1999 cents; 19.999999999999999999 (which a
    float would round to 20.0) has too many decimals and is refused, nothing stored."""
    text = json.dumps(tip()).replace('"19.99"', "19.999999999999999999")
    assert "19.999999999999999999" in text
    response = post_webhook(text.encode())
    assert response.status_code == 422, response.content
    code, detail = error_of(response)
    assert code == "invalid_event" and "data.amount" in detail
    assert_nothing_written()
    accepted = post_webhook(json.dumps(tip()).replace('"19.99"', "19.99").encode())
    assert accepted.status_code == 202, accepted.content
