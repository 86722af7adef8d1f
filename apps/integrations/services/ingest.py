"""Durable, exactly-once storage of inbound webhook events.

The request path is kept lean on purpose (it must take thousands of events a second):

- who may sign for a source (the platform, its status and active secrets) is cached in the
  process for ``WEBHOOK_SOURCE_CACHE_SECONDS`` (5 s); a signature that does not match the
  cached secrets is checked once more against the database, so a rotation's new secret works
  at once, and a save of a platform or secret in this process drops the cache;
- one ``INSERT ... ON CONFLICT (source, event_id) DO NOTHING RETURNING id`` stores an event (a
  multi-row one a batch): the unique constraint, not a read before the write, decides which of
  two copies arriving at the same instant is stored; the other is answered as a duplicate;
- processing is enqueued after the commit (``transaction.on_commit``), by id.

Stored with each event: its raw body, the request headers with secrets and signatures masked,
how the signature was verified (scheme, the hint of the secret that matched), the source IP.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from apps.core.queue import task_send
from apps.integrations.models import CENTRAL_SOURCE, WebhookEvent
from apps.integrations.signatures import SigningSecret
from apps.platforms.models import Platform, WebhookSecret
from apps.platforms.selectors import platform_active_secrets

logger = logging.getLogger(__name__)

# The processing tasks (apps.integrations.tasks), queued by name.
PROCESS_TASK = "integrations.webhook_event_process"
PROCESS_MANY_TASK = "integrations.webhook_events_process"

# --- who may sign for a source ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceContext:
    """A webhook source as the request path needs it. ``platform_id`` is None for the central
    source ``fanzdash``."""

    source: str
    platform_id: int | None
    status: str
    secrets: list[SigningSecret] = field(default_factory=list)

    @property
    def is_active(self) -> bool:
        return self.status == Platform.Status.ACTIVE

    def platform(self) -> Platform | None:
        """A Platform instance good for foreign keys (no query)."""
        if self.platform_id is None:
            return None
        return Platform(pk=self.platform_id, slug=self.source, status=self.status)


_source_cache: dict[str, tuple[float, SourceContext]] = {}
_source_lock = threading.Lock()


def network_webhook_secrets() -> list[str]:
    """The secrets central events (``/webhooks/fanzdash``) may be signed with, newest first:
    ``NETWORK_WEBHOOK_SECRET`` and, while a rotation runs, ``NETWORK_WEBHOOK_SECRET_PREVIOUS``.
    Never the platforms' shared ``WEBHOOK_SECRET``, even if configured to the same value: a
    platform that can sign its own events must not be able to speak for the network."""
    shared = settings.WEBHOOK_SECRET
    return [
        secret
        for secret in (settings.NETWORK_WEBHOOK_SECRET, settings.NETWORK_WEBHOOK_SECRET_PREVIOUS)
        if secret and secret != shared
    ]


def _source_load(source: str) -> SourceContext | None:
    if source == CENTRAL_SOURCE:
        secrets = network_webhook_secrets()
        return SourceContext(
            source=source,
            platform_id=None,
            status=Platform.Status.ACTIVE,
            secrets=[SigningSecret.from_secret(secret) for secret in secrets],
        )
    platform = Platform.objects.filter(slug=source).only("id", "slug", "status").first()
    if platform is None:
        return None
    return SourceContext(
        source=source,
        platform_id=platform.pk,
        status=platform.status,
        secrets=[SigningSecret.from_secret(secret) for secret in platform_active_secrets(platform)],
    )


def source_context(source: str, *, fresh: bool = False) -> SourceContext | None:
    """The source's platform and secrets (cached briefly), or None for an unknown source.
    Only known sources are cached: an unknown slug is looked up every time (probing it is
    throttled), so a platform added a moment ago is found at once."""
    now = time.monotonic()
    if not fresh:
        cached = _source_cache.get(source)
        if cached is not None and cached[0] > now:
            return cached[1]
    context = _source_load(source)
    ttl = settings.WEBHOOK_SOURCE_CACHE_SECONDS
    with _source_lock:
        if context is None or ttl <= 0:
            _source_cache.pop(source, None)
        else:
            _source_cache[source] = (now + ttl, context)
    return context


def source_cache_clear(**kwargs) -> None:
    with _source_lock:
        _source_cache.clear()


for _model in (Platform, WebhookSecret):
    post_save.connect(source_cache_clear, sender=_model, dispatch_uid=f"wh-src-save-{_model}")
    post_delete.connect(source_cache_clear, sender=_model, dispatch_uid=f"wh-src-del-{_model}")
setting_changed.connect(source_cache_clear, dispatch_uid="wh-src-settings")


# --- what is stored about the request ----------------------------------------------------------

# Header values that are secrets or signatures: the scheme is kept, the value masked.
MASKED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "x-api-key",
        "x-fanz-signature",
        "webhook-signature",
    }
)


def mask_value(value: str) -> str:
    """``sha256=5f2c…`` → ``sha256=…9a0b``; ``v1,abc… v1,def…`` → ``v1,…wxyz v1,…7890``;
    ``Bearer abc.def`` → ``Bearer …cdef``. Only the last 4 characters of a value survive."""

    def one(token: str) -> str:
        for separator in ("=", ","):
            scheme, found, secret = token.partition(separator)
            if found and scheme and secret and len(scheme) <= 10:
                return f"{scheme}{separator}…{secret[-4:]}"
        return f"…{token[-4:]}" if len(token) > 4 else "…"

    tokens = value.split()
    if len(tokens) == 2 and tokens[0].lower() in ("bearer", "api-key", "basic", "token"):
        return f"{tokens[0]} …{tokens[1][-4:]}"
    return " ".join(one(token) for token in tokens)


def request_headers(meta) -> dict[str, str]:
    """The request's HTTP headers by their usual names, secrets masked."""
    headers = {}
    for key, value in meta.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        value = str(value)
        headers[name] = mask_value(value) if name in MASKED_HEADERS else value[:1000]
    return headers


# --- storing ---------------------------------------------------------------------------------


# json.dumps writes NUL as \u0000 (an escaped backslash before "u0000" is not one).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


class UnstorableEvent(Exception):
    """The JSON holds text the database cannot keep (NUL, an unpaired surrogate)."""


def payload_json(payload) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if "\\u0000" in text and _NUL_ESCAPE.search(text):
        raise UnstorableEvent("NUL characters (\\u0000) are not accepted.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UnstorableEvent(
            "Unpaired UTF-16 surrogates (\\ud800-\\udfff) are not accepted."
        ) from None
    return text


@dataclass(slots=True)
class EventRow:
    """One event to store (already verified and validated)."""

    event_id: str
    event_type: str
    payload_text: str
    raw_body: str
    transaction_id: str = ""
    creator_external_id: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    event_id: str
    duplicate: bool
    state: str

    def as_response(self) -> dict:
        return {
            "id": self.id,
            "eventId": self.event_id,
            "duplicate": self.duplicate,
            "state": self.state,
        }


_COLUMNS = (
    "source",
    "platform_id",
    "event_id",
    "event_type",
    "transaction_id",
    "creator_external_id",
    "occurred_at",
    "payload",
    "raw_body",
    "headers",
    "signature_scheme",
    "verification",
    "source_ip",
    "batch_id",
    "state",
    "attempts",
    "error_code",
    "error_detail",
    "result",
    "received_at",
)
_TABLE = WebhookEvent._meta.db_table


def _row_placeholder() -> str:
    if connection.vendor == "postgresql":
        casts = {"payload": "::jsonb", "headers": "::jsonb", "verification": "::jsonb"}
        casts.update({"result": "::jsonb", "source_ip": "::inet"})
        return "(" + ", ".join(f"%s{casts.get(column, '')}" for column in _COLUMNS) + ")"
    return "(" + ", ".join("%s" for _ in _COLUMNS) + ")"


def _insert_sql(rows: int) -> str:
    placeholder = _row_placeholder()
    return (
        f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608 (constants)
        + ", ".join([placeholder] * rows)
        + " ON CONFLICT (source, event_id) DO NOTHING RETURNING id, event_id"
    )


# SQLite allows 32,766 parameters per statement (20 a row): stay well below.
INSERT_CHUNK = 1000


_RECORDSET_SQL = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) "  # noqa: S608 (constants)
    "SELECT %s, %s, r->>0, r->>1, r->>2, r->>3, (r->>4)::timestamptz, (r->>5)::jsonb, r->>6, "
    "%s::jsonb, %s, %s::jsonb, %s::inet, %s, %s, 0, '', '', '{}'::jsonb, %s "
    "FROM json_array_elements(%s::json) WITH ORDINALITY AS rows(r, n) "
    "ORDER BY n "
    "ON CONFLICT (source, event_id) DO NOTHING RETURNING id, event_id"
)


def _insert_recordset(cursor, rows, *, context, headers_text, verification, source_ip, batch_id):
    """PostgreSQL, several rows: one statement whose rows come from one JSON parameter, an
    array of arrays (a 20,000-parameter VALUES list costs more to build than to insert)."""
    records = json.dumps(
        [
            [
                row.event_id,
                row.event_type,
                row.transaction_id,
                row.creator_external_id,
                row.occurred_at.isoformat() if row.occurred_at else None,
                row.payload_text,
                row.raw_body,
            ]
            for row in rows
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    cursor.execute(
        _RECORDSET_SQL,
        [
            context.source,
            context.platform_id,
            headers_text,
            verification["scheme"],
            json.dumps(verification, separators=(",", ":")),
            source_ip,
            batch_id,
            WebhookEvent.State.RECEIVED,
            timezone.now(),
            records,
        ],
    )
    return cursor.fetchall()


def _insert_values(cursor, rows, *, context, headers_text, verification, source_ip, batch_id):
    """One row, or SQLite: a VALUES list (in chunks within SQLite's parameter limit)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    verification_text = json.dumps(verification, separators=(",", ":"))
    returned = []
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        params: list = []
        for row in chunk:
            params.extend(
                (
                    context.source,
                    context.platform_id,
                    row.event_id,
                    row.event_type,
                    row.transaction_id,
                    row.creator_external_id,
                    ops.adapt_datetimefield_value(row.occurred_at),
                    row.payload_text,
                    row.raw_body,
                    headers_text,
                    verification["scheme"],
                    verification_text,
                    source_ip,
                    batch_id,
                    WebhookEvent.State.RECEIVED,
                    0,
                    "",
                    "",
                    "{}",
                    now,
                )
            )
        cursor.execute(_insert_sql(len(chunk)), params)
        returned.extend(cursor.fetchall())
    return returned


def webhook_events_store(
    *,
    context: SourceContext,
    rows: list[EventRow],
    headers: dict,
    verification: dict,
    source_ip: str | None,
    batch_id: str = "",
) -> list[StoredEvent]:
    """Store ``rows`` (distinct event ids) with one insert statement (``ON CONFLICT DO
    NOTHING``); returns one StoredEvent per row, in order: new ones ``duplicate=False``, the
    others with the id and state stored before. Processing of the new ones is enqueued after
    the commit."""
    if not rows:
        return []
    insert = (
        _insert_recordset if len(rows) > 1 and connection.vendor == "postgresql" else _insert_values
    )
    # Rows in event id order: two batches sharing events take the index entries in the same
    # order, so they wait for each other instead of deadlocking.
    ordered = sorted(rows, key=lambda row: row.event_id) if len(rows) > 1 else rows
    # One statement commits on its own (autocommit): no BEGIN/COMMIT round trips for it.
    atomic = transaction.atomic() if len(rows) > INSERT_CHUNK else contextlib.nullcontext()
    with atomic, connection.cursor() as cursor:
        returned = insert(
            cursor,
            ordered,
            context=context,
            headers_text=json.dumps(headers, ensure_ascii=False, separators=(",", ":")),
            verification=verification,
            source_ip=source_ip,
            batch_id=batch_id,
        )
        inserted: dict[str, int] = {event_id: pk for pk, event_id in returned}
        missing = [row.event_id for row in rows if row.event_id not in inserted]
        existing: dict[str, tuple[int, str]] = {}
        if missing:
            existing = {
                event_id: (pk, state)
                for pk, event_id, state in WebhookEvent.objects.filter(
                    source=context.source, event_id__in=missing
                ).values_list("id", "event_id", "state")
            }
        new_ids = [inserted[row.event_id] for row in rows if row.event_id in inserted]
        if new_ids:
            transaction.on_commit(lambda: webhook_events_enqueue(new_ids))
    results = []
    for row in rows:
        pk = inserted.get(row.event_id)
        if pk is not None:
            results.append(StoredEvent(pk, row.event_id, False, WebhookEvent.State.RECEIVED))
        else:
            pk, state = existing[row.event_id]
            results.append(StoredEvent(pk, row.event_id, True, state))
    return results


def _publish(event_ids: list[int]) -> None:
    try:
        if len(event_ids) == 1:
            task_send(PROCESS_TASK, event_ids[0])
            return
        size = settings.WEBHOOK_PROCESS_CHUNK
        for start in range(0, len(event_ids), size):
            task_send(PROCESS_MANY_TASK, event_ids[start : start + size])
    except Exception:
        logger.exception("could not enqueue processing of webhook events %s", event_ids[:10])


class _Coalescer:
    """Publishes the ids stored by this process in one task message per
    ``WEBHOOK_ENQUEUE_COALESCE_MS`` (or per ``WEBHOOK_PROCESS_CHUNK`` ids), from a background
    thread: a broker round trip per event would cost more than storing the event. The event
    rows are the outbox: ids still in memory when a process is killed are found by the
    processing sweep (``webhook_events_requeue_due``), so nothing is lost, only later."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.pending: list[int] = []
        self.pid: int | None = None

    def add(self, event_ids: list[int]) -> None:
        with self.lock:
            if self.pid != os.getpid():  # first use in this (forked) process
                self.pid = os.getpid()
                self.pending = []
                threading.Thread(target=self._run, name="webhook-enqueue", daemon=True).start()
            self.pending.extend(event_ids)
            if len(self.pending) >= settings.WEBHOOK_PROCESS_CHUNK:
                self.wake.set()

    def flush(self) -> None:
        with self.lock:
            ids, self.pending = self.pending, []
        if ids:
            _publish(ids)

    def _run(self) -> None:
        while True:
            self.wake.wait(timeout=settings.WEBHOOK_ENQUEUE_COALESCE_MS / 1000)
            self.wake.clear()
            self.flush()


_coalescer = _Coalescer()
atexit.register(_coalescer.flush)


def webhook_events_enqueue(event_ids: list[int]) -> None:
    """Hand stored events to processing (after the commit, by id). A broker that is down
    loses no event: it stays ``received``, where the processing sweep finds it, so a failure
    here is logged and the platform is still answered with the stored id. Coalesced unless
    ``WEBHOOK_ENQUEUE_COALESCE_MS`` is 0 or tasks run eagerly (tests)."""
    if settings.WEBHOOK_ENQUEUE_COALESCE_MS <= 0 or current_app.conf.task_always_eager:
        _publish(event_ids)
    else:
        _coalescer.add(event_ids)
