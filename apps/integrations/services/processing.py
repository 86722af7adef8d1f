"""Processing of stored webhook events into the ledger, exactly once.

An event is claimed before it is handled: on PostgreSQL its row is locked with ``SELECT … FOR
UPDATE SKIP LOCKED`` (a second worker skips it); elsewhere a conditional update claims it.
Only an event in state ``received`` whose ``next_attempt_at`` has come is claimed, so a
processed, ignored or failed event run again does nothing. The handler runs in a savepoint
inside the claiming transaction and the new state is written in the same transaction: the
ledger entry and "processed" commit together or not at all. Ledger keys come from
``(source, event id)``, so even a handler that ran twice would move no money twice.

States after one attempt:

- ``processed`` — the handler did what the event means (``result``, ``ledger_entry``);
- ``ignored`` — nothing to do (``subscription_cancelled``; ``user_suspended`` of a fan);
- ``received`` again, with ``attempts`` + 1 and ``next_attempt_at`` — the event has to wait
  (a refund before its purchase: ``original_not_found``; an earning or fraud report for a
  ``creatorId`` not synced yet: ``unknown_creator``) or a transient database error happened
  (``database_error``); retried with exponential backoff;
- ``failed`` — a business rule refused it (``error_code`` from the service, e.g.
  ``refund_exceeds_original``), the schema no longer accepts it, a handler crashed
  (``processing_error``), or a waiting event ran out of attempts or time (its waiting code,
  e.g. ``original_not_found``). Staff see failed events and replay them
  (``webhook_event_replay``, audited).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.backoff import backoff_seconds
from apps.core.exceptions import ApplicationError
from apps.core.queue import task_send_on_commit
from apps.integrations.models import WebhookEvent
from apps.integrations.schemas import EARNING_EVENTS, EventSchemaError, event_validate
from apps.integrations.services.handlers import (
    HANDLERS,
    EventWaiting,
    Outcome,
    chunk_memo,
    chunk_prefetch,
    deferred_earnings_post,
)
from apps.integrations.services.ingest import PROCESS_TASK

logger = logging.getLogger(__name__)

State = WebhookEvent.State
BATCH_CHUNK = 100  # events claimed and committed together by webhook_events_process_now


def retry_base_seconds() -> int:
    return settings.INTEGRATIONS_RETRY_BASE_SECONDS


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the ``attempts``-th attempt: base * 2^(attempts-1), capped, ±25% jitter."""
    return timedelta(
        seconds=backoff_seconds(
            attempts,
            base=retry_base_seconds(),
            cap=settings.INTEGRATIONS_RETRY_MAX_SECONDS,
            jitter=0.25,
        )
    )


def _out_of_attempts(event: WebhookEvent, now: datetime) -> bool:
    if event.attempts >= settings.INTEGRATIONS_MAX_ATTEMPTS:
        return True
    window = timedelta(seconds=settings.INTEGRATIONS_WAIT_WINDOW_SECONDS)
    started = event.received_at
    replayed = (event.result or {}).get("replayed_at")
    if replayed:
        started = datetime.fromisoformat(replayed)
    return started is not None and now - started > window


def _claimable(now: datetime):
    return WebhookEvent.objects.filter(state=State.RECEIVED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(event_ids: list[int], now: datetime) -> list[WebhookEvent]:
    """Inside the caller's transaction: lock (PostgreSQL) or mark (others) the events of
    ``event_ids`` that may run now; another worker's claim is skipped, not waited for."""
    if connection.vendor == "postgresql":
        return list(
            _claimable(now)
            .filter(pk__in=event_ids)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("platform")
            .order_by("pk")
        )
    # SQLite serialises writers: the first UPDATE holds the database until commit, and a
    # second claimer's UPDATE then finds the event no longer claimable.
    claimed = []
    for event_id in event_ids:
        if _claimable(now).filter(pk=event_id).update(attempts=F("attempts")) == 1:
            claimed.append(event_id)
    return list(
        WebhookEvent.objects.filter(pk__in=claimed).select_related("platform").order_by("pk")
    )


def _detail_text(detail) -> str:
    if isinstance(detail, dict):
        return "; ".join(
            f"{key}: {' '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in detail.items()
        )
    return str(detail)


class _SlowPath(Exception):
    """A handler refused or crashed inside a chunk run without savepoints: redo the chunk."""


STATE_FIELDS = [
    "state",
    "attempts",
    "next_attempt_at",
    "error_code",
    "error_detail",
    "result",
    "ledger_entry",
    "processed_at",
]


def _run_claimed(
    event: WebhookEvent,
    now: datetime,
    *,
    cleaned: dict | None = None,
    savepoint: bool = True,
    save: bool = True,
) -> None:
    """Handle one claimed event and write its new state (caller's transaction). Without
    ``savepoint`` (the chunk fast path) any exception from the handler but ``EventWaiting``
    raises ``_SlowPath``: the caller rolls the whole chunk back and runs it again event by
    event. (Handlers raise ``EventWaiting`` only before they write, so a wait needs no
    rollback.)"""
    event.attempts += 1
    outcome: Outcome | None = None
    try:
        handler = HANDLERS.get(event.event_type)
        if handler is None:
            raise ApplicationError("unknown_event_type", f"No handler for {event.event_type!r}.")
        if cleaned is None:
            cleaned = event_validate(event.source, event.payload, now=event.received_at or now)
        if savepoint:
            with transaction.atomic():  # a refusal leaves nothing of the handler behind
                outcome = handler(event, cleaned)
        else:
            try:
                outcome = handler(event, cleaned)
            except EventWaiting:
                raise  # raised before the handler writes anything: handled right here
            except Exception as error:
                raise _SlowPath from error
    except _SlowPath:
        raise
    except EventWaiting as waiting:
        _wait_or_fail(event, waiting.code, waiting.detail, now)
    except EventSchemaError as error:
        _fail(event, "schema_error", _detail_text(error.errors), now)
    except ApplicationError as error:
        _fail(event, error.code, _detail_text(error.detail), now)
    except OperationalError as error:
        # Deadlock, serialization failure, lock timeout, lost connection: try again later.
        logger.warning("webhook event %s: transient database error: %s", event.pk, error)
        _wait_or_fail(event, "database_error", str(error)[:1000], now)
    except Exception as error:
        logger.exception("webhook event %s: handler crashed", event.pk)
        _fail(event, "processing_error", f"{type(error).__name__}: {error}"[:2000], now)
    if outcome is not None:
        event.state = outcome.state
        event.result = outcome.result
        event.ledger_entry = outcome.ledger_entry
        event.error_code = ""
        event.error_detail = ""
        event.next_attempt_at = None
        event.processed_at = now
    if save:
        event.save(update_fields=STATE_FIELDS)


def _run_chunk_fast(chunk: list[int], now: datetime) -> list[WebhookEvent]:
    """One transaction for the chunk, no savepoint per event, the creators and transactions
    of the whole chunk read at once. Raises ``_SlowPath`` (all rolled back) as soon as one
    handler does not simply succeed, or a payload no longer validates."""
    with transaction.atomic():
        claimed = _claim(chunk, now)
        prepared = []
        for event in claimed:
            try:
                cleaned = event_validate(event.source, event.payload, now=event.received_at or now)
            except EventSchemaError as error:
                raise _SlowPath from error
            prepared.append((event, cleaned))
        memo = chunk_prefetch(prepared)
        memo.defer_earnings = True  # earnings posted together, set-based
        with chunk_memo(memo):
            for event, cleaned in prepared:
                if cleaned["event_type"] not in EARNING_EVENTS:
                    _deferred_post()  # what follows may read the earnings before it
                _run_claimed(event, now, cleaned=cleaned, savepoint=False, save=False)
            _deferred_post()
        _states_write(claimed)
    return claimed


_STATES_UPDATE = """
UPDATE integrations_webhookevent AS e SET state = v.state, attempts = v.attempts,
    next_attempt_at = v.next_attempt_at, error_code = v.error_code,
    error_detail = v.error_detail, result = v.result, ledger_entry_id = v.ledger_entry_id,
    processed_at = v.processed_at
FROM unnest(%s::bigint[], %s::text[], %s::integer[], %s::timestamptz[], %s::text[], %s::text[],
            %s::jsonb[], %s::bigint[], %s::timestamptz[])
    AS v(id, state, attempts, next_attempt_at, error_code, error_detail, result,
         ledger_entry_id, processed_at)
WHERE e.id = v.id
"""


def _deferred_post() -> None:
    try:
        deferred_earnings_post()
    except Exception as error:
        raise _SlowPath from error


def _states_write(events: list[WebhookEvent]) -> None:
    """The new state of every event of a chunk: one UPDATE on PostgreSQL."""
    if connection.vendor != "postgresql" or len(events) < 2:
        for event in events:
            event.save(update_fields=STATE_FIELDS)
        return
    columns: list[list] = [[] for _ in range(9)]
    for event in events:
        values = (
            event.pk,
            event.state,
            event.attempts,
            event.next_attempt_at,
            event.error_code,
            event.error_detail,
            json.dumps(event.result, cls=DjangoJSONEncoder),
            event.ledger_entry_id,
            event.processed_at,
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(_STATES_UPDATE, columns)


def _wait_or_fail(event: WebhookEvent, code: str, detail: str, now: datetime) -> None:
    if _out_of_attempts(event, now):
        _fail(
            event,
            code,
            f"{detail} (gave up after {event.attempts} attempt"
            f"{'s' if event.attempts != 1 else ''})",
            now,
        )
        return
    event.state = State.RECEIVED
    event.error_code = code
    event.error_detail = detail
    event.next_attempt_at = now + retry_delay(event.attempts)


def _fail(event: WebhookEvent, code: str, detail: str, now: datetime) -> None:
    event.state = State.FAILED
    event.error_code = code[:64]
    event.error_detail = detail
    event.next_attempt_at = None
    event.processed_at = now


def _process_one(event_id: int, now: datetime) -> WebhookEvent | None:
    """Claim and process one event in its own transaction; None when it was not claimable."""
    with transaction.atomic():
        claimed = _claim([event_id], now)
        if not claimed:
            return None
        _run_claimed(claimed[0], now)
        return claimed[0]


def webhook_event_process_now(event_id: int, *, now: datetime | None = None) -> WebhookEvent:
    """Process one stored event if it may run now; return it in its resulting state. Safe to
    call any number of times, from any number of workers at once."""
    now = now or timezone.now()
    try:
        claimed = _run_chunk_fast([event_id], now)
        if claimed:
            return claimed[0]
    except (_SlowPath, DatabaseError):
        # Refused, crashed or a database error: again, with the handler in a savepoint.
        event = _process_one(event_id, now)
        if event is not None:
            return event
    # Not claimable: done already, waiting for its next attempt, or another worker has it.
    return WebhookEvent.objects.select_related("platform").get(pk=event_id)


def webhook_events_process_now(
    event_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, str]:
    """Process many events (a batch, a sweep), ``BATCH_CHUNK`` per transaction. The fast path
    runs a chunk's handlers without a savepoint each; if any of them refuses, waits or fails,
    the chunk is rolled back and run again event by event, each in its own transaction with
    a savepoint, so one refusal never touches another event. Returns the state of every
    event claimed; ids not claimable (done, not due, another worker's) are left out."""
    # Oldest first, in the fast path and the slow one alike: a refund stored after its
    # purchase is processed after it, whatever order the caller listed them in.
    ids = sorted(set(event_ids))
    states: dict[int, str] = {}
    for start in range(0, len(ids), BATCH_CHUNK):
        chunk = ids[start : start + BATCH_CHUNK]
        moment = now or timezone.now()
        try:
            states.update((event.pk, event.state) for event in _run_chunk_fast(chunk, moment))
            continue
        except _SlowPath:
            pass
        except DatabaseError:
            # The chunk's transaction itself broke (a deadlock, a lost connection): nothing
            # of it committed; the slow path retries each event on its own.
            logger.warning("webhook chunk failed; processing one by one", exc_info=True)
        for event_id in chunk:
            event = _process_one(event_id, moment)
            if event is not None:
                states[event.pk] = event.state
    return states


def webhook_event_replay(*, event: WebhookEvent, actor) -> WebhookEvent:
    """Staff send a failed event through processing again (after fixing what refused it:
    syncing a creator, correcting a platform). Audited; processed after commit."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if event.state != State.FAILED:
            raise ApplicationError(
                "not_replayable",
                f"Only a failed event can be replayed; this one is {event.state}.",
                status_code=409,
            )
        before = {
            "state": event.state,
            "attempts": event.attempts,
            "error_code": event.error_code,
            "error_detail": event.error_detail[:500],
        }
        now = timezone.now()
        event.state = State.RECEIVED
        event.attempts = 0
        event.next_attempt_at = None
        event.error_code = ""
        event.error_detail = ""
        event.processed_at = None
        event.result = {
            "replayed_at": now.isoformat(),
            "replayed_by": getattr(actor, "email", ""),
            "previous_error": {"code": before["error_code"], "detail": before["error_detail"]},
        }
        event.save(
            update_fields=[
                "state",
                "attempts",
                "next_attempt_at",
                "error_code",
                "error_detail",
                "processed_at",
                "result",
            ]
        )
        audit_record(
            actor=actor,
            action="integrations.webhook_event_replayed",
            target=event,
            before=before,
            after={"state": event.state},
        )
        task_send_on_commit(PROCESS_TASK, event.pk)
    return event


def webhook_events_due(*, now: datetime | None = None, limit: int = 1000, grace_seconds=60):
    """Ids of events still ``received`` that should have run by now: their retry time has
    come, or they never ran (a lost broker message) and are older than ``grace_seconds``."""
    now = now or timezone.now()
    return list(
        WebhookEvent.objects.filter(state=State.RECEIVED)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(
                next_attempt_at__isnull=True,
                received_at__lte=now - timedelta(seconds=grace_seconds),
            )
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_events_ready(*, exclude: Iterable[int] = (), limit: int = 100) -> list[int]:
    """Ids of events waiting for their first run (``received``, no retry time), oldest first:
    what a worker adds to a small task so that it processes a full chunk."""
    if limit <= 0:
        return []
    return list(
        WebhookEvent.objects.filter(state=State.RECEIVED, next_attempt_at__isnull=True)
        .exclude(pk__in=list(exclude))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
