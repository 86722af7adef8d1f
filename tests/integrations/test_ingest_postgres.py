"""Two (or eight) copies of one event at the same instant: PostgreSQL's unique index decides,
one copy is stored and handed to processing, every other is answered as its duplicate."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client

from apps.integrations.models import WebhookEvent
from apps.integrations.schemas import EVENT_EXAMPLES
from apps.integrations.services import ingest

from .conftest import sign_fanz

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8
ROUNDS = 10


def _tip(n: int) -> dict:
    payload = copy.deepcopy(EVENT_EXAMPLES["tip_sent"])
    payload["id"] = f"evt_race_{n}"
    payload["data"]["transactionId"] = f"tx_race_{n}"
    payload["created_at"] = datetime.now(UTC).isoformat()
    return payload


@pytest.fixture
def enqueued(monkeypatch):
    """What ingestion hands to processing (recorded instead of queued: processing is tested
    with its own tests)."""
    handed: list[int] = []
    lock = threading.Lock()

    def record(event_ids):
        with lock:
            handed.extend(event_ids)

    monkeypatch.setattr(ingest, "webhook_events_enqueue", record)
    return handed


def _race(send) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def work(i: int) -> None:
        try:
            barrier.wait()
            results[i] = send()
        except BaseException as error:  # asserted below
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_copies_of_one_event_are_stored_and_processed_once(platform_secret, enqueued):
    for n in range(ROUNDS):
        body = json.dumps(_tip(n)).encode()
        headers = sign_fanz(body)

        def send(body=body, headers=headers):
            response = Client().post(
                "/api/integrations/webhooks/boyfanz",
                data=body,
                content_type="application/json",
                headers=headers,
            )
            return response.status_code, response.json()

        results = _race(send)
        assert all(isinstance(item, tuple) for item in results), results
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] * (THREADS - 1) + [202], results
        assert len({body["id"] for _, body in results}) == 1
        assert sum(1 for _, body in results if body["duplicate"]) == THREADS - 1
    assert WebhookEvent.objects.count() == ROUNDS
    assert sorted(enqueued) == sorted(WebhookEvent.objects.values_list("id", flat=True))


def test_concurrent_overlapping_batches_store_each_event_once(platform_secret, enqueued):
    events = [_tip(1000 + n) for n in range(200)]

    def send():
        # every thread sends the same events in another order
        import random

        mine = events[:]
        random.shuffle(mine)
        body = json.dumps({"events": mine}).encode()
        response = Client().post(
            "/api/integrations/webhooks/boyfanz/batch",
            data=body,
            content_type="application/json",
            headers=sign_fanz(body),
        )
        return response.status_code, response.json()

    results = _race(send)
    assert all(isinstance(item, tuple) and item[0] == 200 for item in results), results
    assert sum(body["accepted"] for _, body in results) == 200
    assert WebhookEvent.objects.count() == 200
    assert len(enqueued) == 200 and len(set(enqueued)) == 200
