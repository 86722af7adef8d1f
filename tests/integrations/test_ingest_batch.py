"""POST /api/integrations/webhooks/<platform>/batch: each event validated, deduplicated and
stored like a single one, one result per event, one insert."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from apps.integrations.event_examples import EVENT_EXAMPLES
from apps.integrations.models import WebhookEvent
from apps.ledger.models import JournalEntry

from .conftest import SECRET

pytestmark = pytest.mark.django_db

PATH = "/api/integrations/webhooks/boyfanz/batch"
_seq = iter(range(1, 1_000_000))


def tip(**data) -> dict:
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    n = next(_seq)
    payload["id"] = f"evt_b_{n}"
    payload["data"]["transactionId"] = f"tx_b_{n}"
    payload["created_at"] = datetime.now(UTC).isoformat()
    payload["data"].update(data)
    return payload


def test_mixed_batch_stores_the_valid_ones_and_reports_each(
    platform_secret, post_webhook, django_capture_on_commit_callbacks
):
    earlier = tip()
    assert post_webhook(earlier).status_code == 202
    fresh, other = tip(), tip()
    bad = tip(currency="XXQ")
    events = [fresh, earlier, bad, other, fresh, "not an object"]
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_webhook({"events": events}, path=PATH)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 2, 2)
    results = body["results"]
    assert [item["status"] for item in results] == [202, 200, 422, 202, 200, 422]
    assert [item["index"] for item in results] == list(range(6))
    assert results[0]["duplicate"] is False and results[0]["eventId"] == fresh["id"]
    assert results[1]["duplicate"] is True
    assert results[1]["id"] == WebhookEvent.objects.get(event_id=earlier["id"]).pk
    assert results[2]["error"] == "invalid_event"
    assert "data.currency" in results[2]["detail"]
    assert results[2]["eventId"] == bad["id"]
    assert results[4] == {**results[0], "index": 4, "status": 200, "duplicate": True}
    assert results[5]["eventId"] is None
    assert WebhookEvent.objects.count() == 3
    stored = WebhookEvent.objects.get(event_id=fresh["id"])
    assert stored.batch_id == body["batchId"]
    assert stored.payload == fresh
    assert stored.verification["scheme"] == "fanz"
    assert len(callbacks) == 1  # one hand-over for the whole batch
    assert JournalEntry.objects.count() == 0


def test_batch_signed_with_standard_webhooks(platform_secret, post_webhook):
    response = post_webhook(
        {"events": [tip(), tip()]}, path=PATH, scheme="standard", webhook_id="batch_msg_1"
    )
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 2


def test_batch_over_the_event_limit_is_413(settings, platform_secret, post_webhook):
    settings.WEBHOOK_BATCH_MAX_EVENTS = 3
    response = post_webhook({"events": [tip() for _ in range(4)]}, path=PATH)
    assert response.status_code == 413
    assert response.json()["error"] == "batch_too_large"
    assert WebhookEvent.objects.count() == 0


def test_batch_body_over_the_byte_limit_is_413(settings, platform_secret, post_webhook):
    settings.WEBHOOK_BATCH_MAX_BODY_BYTES = 1000
    response = post_webhook({"events": [tip() for _ in range(10)]}, path=PATH)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


@pytest.mark.parametrize("body", [{"events": []}, {"events": "x"}, {"other": 1}, [1, 2]])
def test_batch_without_events_is_422(platform_secret, post_webhook, body):
    response = post_webhook(body, path=PATH)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_event"
    assert WebhookEvent.objects.count() == 0


def test_batch_refusals_before_the_events(platform_secret, post_webhook):
    events = {"events": [tip()]}
    assert post_webhook(events, path=PATH, secret="wrong-secret-wrong-secret").status_code == 401
    assert post_webhook(events, path="/api/integrations/webhooks/nosuch/batch").status_code == 404
    assert post_webhook(b"{oops", path=PATH).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_a_batch_of_a_thousand_is_one_request(platform_secret, post_webhook):
    events = [tip() for _ in range(1000)]
    response = post_webhook({"events": events}, path=PATH)
    assert response.status_code == 200
    assert response.json()["accepted"] == 1000
    assert WebhookEvent.objects.count() == 1000
    again = post_webhook({"events": events}, path=PATH).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1000)


def test_batch_events_must_belong_to_the_url_platform(platform_secret, post_webhook):
    wrong = {**tip(), "platform": "girlfanz"}
    body = post_webhook({"events": [wrong, tip()]}, path=PATH, secret=SECRET).json()
    assert [item["status"] for item in body["results"]] == [422, 202]
    assert "platform" in body["results"][0]["detail"]
