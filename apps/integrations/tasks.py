"""Celery tasks of the integrations app. They take ids, call ``processing`` and own their
retry policy; every one is idempotent (an event is claimed before it runs, and a processed
event run again does nothing).

- ``webhook_event_process(event_id)`` — enqueued by the ingestion endpoint with
  ``transaction.on_commit`` once the event row has committed; re-enqueues itself with a
  countdown while the event waits (out of order) or after a transient database error.
- ``webhook_events_process(event_ids)`` — the same for a batch (the batch endpoint).
- ``webhook_events_requeue_due()`` — beat, every minute: events still ``received`` past their
  retry time, or never run (a lost broker message), are processed again.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .models import WebhookEvent
from .services.processing import (
    webhook_events_due,
    webhook_events_process_now,
    webhook_events_ready,
)

# Transient errors outside a handler (the claim, the state write): Celery retries the task.
TRANSIENT = (OperationalError, InterfaceError)


def _schedule_retry(event_id: int, next_attempt_at) -> None:
    if next_attempt_at is None:
        return
    countdown = max(1.0, (next_attempt_at - timezone.now()).total_seconds())
    webhook_event_process.apply_async((event_id,), countdown=countdown)


def _with_backlog(event_ids: list[int], *, eager: bool) -> list[int]:
    """The task's own events, topped up with other events waiting to run (oldest first) up to
    ``WEBHOOK_PROCESS_BACKLOG``: a worker always handles full chunks (one transaction and a
    few set-based reads per hundred events), however small the messages the web processes
    sent. An event taken here and also named by its own message is claimed once; the later
    message finds it processed and does nothing."""
    room = settings.WEBHOOK_PROCESS_BACKLOG - len(event_ids)
    if eager or room <= 0:
        return event_ids
    return [*event_ids, *webhook_events_ready(exclude=event_ids, limit=room)]


def _process(task, event_ids: list[int]) -> dict[int, str]:
    states = webhook_events_process_now(_with_backlog(event_ids, eager=task.request.is_eager))
    waiting = [pk for pk, state in states.items() if state == WebhookEvent.State.RECEIVED]
    if waiting and not task.request.is_eager:
        # Waiting (out of order) or a transient error inside a handler: come back when due.
        # (Eagerly, in tests and the development server, the beat sweep brings it back.)
        for pk, due in WebhookEvent.objects.filter(pk__in=waiting).values_list(
            "pk", "next_attempt_at"
        ):
            _schedule_retry(pk, due)
    return states


@shared_task(
    bind=True,
    name="integrations.webhook_event_process",
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def webhook_event_process(self, event_id: int) -> str:
    states = _process(self, [event_id])
    if event_id in states:
        return states[event_id]
    return WebhookEvent.objects.filter(pk=event_id).values_list("state", flat=True).first() or ""


@shared_task(
    bind=True,
    name="integrations.webhook_events_process",
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def webhook_events_process(self, event_ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for state in _process(self, list(event_ids)).values():
        counts[state] = counts.get(state, 0) + 1
    return counts


REQUEUE_CHUNK = 100


@shared_task(name="integrations.webhook_events_requeue_due")
def webhook_events_requeue_due() -> int:
    """Beat: hand every overdue ``received`` event back to the workers, in chunks."""
    due = webhook_events_due()
    for start in range(0, len(due), REQUEUE_CHUNK):
        webhook_events_process.delay(due[start : start + REQUEUE_CHUNK])
    return len(due)
