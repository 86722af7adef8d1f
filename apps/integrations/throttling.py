"""Webhook throttles, kept in the shared cache (Redis in production) as fixed-window counters.

- **Failed authentication, per IP** (``WEBHOOK_FAILED_AUTH_LIMIT`` per
  ``WEBHOOK_FAILED_AUTH_WINDOW`` seconds, default 100 a minute): only a request that is refused
  before its signature verifies (bad or missing signature, unknown or inactive platform, body
  too large) is counted, and only such requests are refused with 429 once the limit is passed.
  A platform that signs correctly is never counted nor slowed, even behind the same address as
  a prober; a blocked prober costs one HMAC and one cache increment, and writes nothing.
- **Signed traffic, per platform** (``WEBHOOK_PLATFORM_QUOTA`` events per
  ``WEBHOOK_PLATFORM_QUOTA_WINDOW`` seconds, default 600,000 a minute; 0 turns it off): counts
  events (a batch counts each of its events). To keep the hot path cheap each process adds its
  count to the shared counter every ``WEBHOOK_PLATFORM_QUOTA_SYNC_EVERY`` events (default 20)
  and checks the shared total plus what it has not added yet; the quota is therefore exact to
  within ``processes * SYNC_EVERY`` events, and costs one cache increment per 20 events.

A refusal is ``429 {"error": "throttled", "detail": ...}`` with ``Retry-After`` (seconds until
the window ends).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from apps.core.net import client_ip


@dataclass(frozen=True, slots=True)
class Throttled:
    """A refusal: how long to wait and why."""

    retry_after: int
    detail: str


def _window(now: float, window: int) -> tuple[int, int]:
    start = int(now // window) * window
    retry_after = max(1, math.ceil(start + window - now))
    return start, retry_after


def counter_add(key: str, amount: int, *, timeout: int) -> int:
    """Add ``amount`` to a cache counter (created at ``amount``) and return the new total."""
    try:
        return cache.incr(key, amount)
    except ValueError:  # not there yet
        if cache.add(key, amount, timeout=timeout):
            return amount
        return cache.incr(key, amount)


def throttle_ip(request) -> str:
    """The address a refusal is counted against (``apps.core.net.client_ip``)."""
    return client_ip(request) or "-"


def failed_auth_hit(ip: str | None, *, now: float | None = None) -> Throttled | None:
    """Count one webhook request from ``ip`` (``throttle_ip``) that failed authentication; a
    Throttled once the IP is over its limit in this window."""
    limit = settings.WEBHOOK_FAILED_AUTH_LIMIT
    if limit <= 0:
        return None
    window = settings.WEBHOOK_FAILED_AUTH_WINDOW
    start, retry_after = _window(time.time() if now is None else now, window)
    count = counter_add(f"whthr:fail:{ip or '-'}:{start}", 1, timeout=window + 5)
    if count > limit:
        return Throttled(
            retry_after,
            f"Too many webhook requests that failed authentication from this address "
            f"(limit {limit} per {window} s).",
        )
    return None


class _PlatformCounter:
    __slots__ = ("pending", "shared", "window_start")

    def __init__(self, window_start: int) -> None:
        self.window_start = window_start
        self.pending = 0  # counted here, not yet added to the shared counter
        self.shared = 0  # the shared counter as last seen


_platform_counters: dict[str, _PlatformCounter] = {}
_platform_lock = threading.Lock()


def platform_quota_hit(source: str, events: int = 1, *, now: float | None = None):
    """Count ``events`` correctly signed events of ``source``; a Throttled when the source is
    over its quota in this window."""
    limit = settings.WEBHOOK_PLATFORM_QUOTA
    if limit <= 0:
        return None
    window = settings.WEBHOOK_PLATFORM_QUOTA_WINDOW
    sync_every = max(1, settings.WEBHOOK_PLATFORM_QUOTA_SYNC_EVERY)
    start, retry_after = _window(time.time() if now is None else now, window)
    with _platform_lock:
        counter = _platform_counters.get(source)
        if counter is None or counter.window_start != start:
            counter = _platform_counters[source] = _PlatformCounter(start)
        counter.pending += events
        if counter.pending >= sync_every:
            counter.shared = counter_add(
                f"whthr:quota:{source}:{start}", counter.pending, timeout=window + 5
            )
            counter.pending = 0
        total = counter.shared + counter.pending
    if total > limit:
        return Throttled(
            retry_after,
            f"Platform {source} is over its webhook quota ({limit} events per {window} s).",
        )
    return None


def throttle_state_clear() -> None:
    """Forget the in-process part of the counters (tests; the cache part is the cache's)."""
    with _platform_lock:
        _platform_counters.clear()
