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
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .models import WebhookEvent

# Transient errors outside a handler (the claim, the state write): Celery retries the task.
TRANSIENT = (OperationalError, InterfaceError)


def _schedule_retry(event_id: int, next_attempt_at) -> None:
    if next_attempt_at is None:
        return
    countdown = max(1.0, (next_attempt_at - timezone.now()).total_seconds())
    webhook_event_process.apply_async((event_id,), countdown=countdown)


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
    from .processing import webhook_event_process_now

    event = webhook_event_process_now(event_id)
    if event.state == WebhookEvent.State.RECEIVED and not self.request.is_eager:
        # Waiting (out of order) or a transient error inside the handler: come back when due.
        # (Eagerly, in tests and the development server, the beat sweep brings it back.)
        _schedule_retry(event.pk, event.next_attempt_at)
    return event.state


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
    from .processing import webhook_events_process_now

    states = webhook_events_process_now(event_ids)
    counts: dict[str, int] = {}
    for state in states.values():
        counts[state] = counts.get(state, 0) + 1
    waiting = [pk for pk, state in states.items() if state == WebhookEvent.State.RECEIVED]
    if waiting and not self.request.is_eager:
        for pk, due in WebhookEvent.objects.filter(pk__in=waiting).values_list(
            "pk", "next_attempt_at"
        ):
            _schedule_retry(pk, due)
    return counts


REQUEUE_CHUNK = 100


@shared_task(name="integrations.webhook_events_requeue_due")
def webhook_events_requeue_due() -> int:
    """Beat: hand every overdue ``received`` event back to the workers, in chunks."""
    from .processing import webhook_events_due

    due = webhook_events_due()
    for start in range(0, len(due), REQUEUE_CHUNK):
        webhook_events_process.delay(due[start : start + REQUEUE_CHUNK])
    return len(due)
