"""Handing stored events to the workers: one task message per event when tasks run eagerly or
coalescing is off, one message per short window otherwise (from a background thread)."""

from __future__ import annotations

import time

import pytest

from apps.integrations.services import ingest


@pytest.fixture
def published(monkeypatch):
    """What would go to the broker (recorded: the broker is not part of this test)."""
    calls: list[list[int]] = []
    monkeypatch.setattr(ingest, "_publish", lambda ids: calls.append(list(ids)))
    return calls


def _wait_for(predicate, seconds: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_ids_arriving_within_the_window_go_in_one_message(settings, published):
    settings.WEBHOOK_ENQUEUE_COALESCE_MS = 200
    settings.WEBHOOK_PROCESS_CHUNK = 100
    coalescer = ingest._Coalescer()
    coalescer.add([1])
    coalescer.add([2, 3])
    _wait_for(lambda: published)
    assert published == [[1, 2, 3]]


def test_a_full_chunk_is_sent_at_once(settings, published):
    settings.WEBHOOK_ENQUEUE_COALESCE_MS = 60_000
    settings.WEBHOOK_PROCESS_CHUNK = 3
    coalescer = ingest._Coalescer()
    coalescer.add([1, 2])
    coalescer.add([3])
    _wait_for(lambda: published)
    assert published == [[1, 2, 3]]


def test_flush_sends_what_is_left(settings, published):
    settings.WEBHOOK_ENQUEUE_COALESCE_MS = 60_000
    coalescer = ingest._Coalescer()
    coalescer.add([7])
    coalescer.flush()
    coalescer.flush()
    assert published == [[7]]


def test_eager_tasks_are_published_directly(settings, published):
    settings.WEBHOOK_ENQUEUE_COALESCE_MS = 60_000  # tests run tasks eagerly (pyproject env)
    ingest.webhook_events_enqueue([5, 6])
    assert published == [[5, 6]]


def test_publish_sends_chunks_of_ids(settings, monkeypatch):
    from apps.integrations import tasks

    settings.WEBHOOK_PROCESS_CHUNK = 2
    sent: list = []
    monkeypatch.setattr(
        tasks.webhook_events_process, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    monkeypatch.setattr(
        tasks.webhook_event_process, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    ingest._publish([1, 2, 3, 4, 5])
    ingest._publish([9])
    assert sent == [[1, 2], [3, 4], [5], 9]


def test_a_broker_failure_is_logged_not_raised(monkeypatch, caplog):
    from apps.integrations import tasks

    def down(args, **options):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.webhook_event_process, "apply_async", down)
    ingest._publish([1])
    assert "could not enqueue" in caplog.text
