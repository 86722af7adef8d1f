"""Rate limits: one mechanism for every quota FanzDash keeps, a sliding-window counter from the
``limits`` library (the previous window's count, weighted by how much of it still overlaps
the sliding window, plus the current one). A burst at the end of one window therefore still
counts right after the edge: no window edge lets twice the quota through (at most one more
hit than the quota, from rounding). On Redis (``RATE_LIMIT_STORAGE_URL``, default
``REDIS_URL``) each hit is one atomic script shared by every process; without Redis the
counters live in process memory (development: a quota per process).

The quotas:

- REST API (DRF throttle classes below; rates in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``,
  set by ``API_THROTTLE_ANON``, ``API_THROTTLE_PLATFORM_KEY``, ``API_THROTTLE_STAFF``):
  ``api_anon`` unauthenticated requests per client IP (default 1000/15m; requests refused for
  missing or bad credentials count too, so API keys cannot be guessed at speed),
  ``api_platform_key`` per platform API key (10000/m), ``api_staff`` per signed-in user
  (3000/m).
- Webhooks: requests that fail authentication, per IP (``WEBHOOK_FAILED_AUTH_LIMIT`` per
  ``WEBHOOK_FAILED_AUTH_WINDOW`` seconds, default 100 a minute; a correctly signing sender is
  never counted), and signed events per platform (``WEBHOOK_PLATFORM_QUOTA`` per
  ``WEBHOOK_PLATFORM_QUOTA_WINDOW``, default 600,000 a minute; 0 turns it off; a batch counts
  each of its events).

Rates are ``<count>/<period>`` with the period ``s``, ``m``, ``h``, ``d``, optionally with a
multiplier (``15m``, ``10s``), or ``off``. Over quota: 429 ``throttled`` with ``Retry-After``
(seconds until the quota has room again). The client IP is ``apps.core.net.client_ip``.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .net import client_ip

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DISABLED = {"", "off", "none", "0"}
KEY_PREFIX = "fanzdash-rl"


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """``"1000/15m"`` → ``(1000, 900)``; ``"10000/m"`` → ``(10000, 60)``; ``"off"`` / ``None``
    → ``None`` (no limit). Anything else is a configuration error (ValueError)."""
    if rate is None or str(rate).strip().lower() in DISABLED:
        return None
    match = _RATE.match(str(rate))
    if not match:
        raise ValueError(f"Bad throttle rate {rate!r}: expected e.g. 1000/15m, 100/m, 5/s.")
    count, multiplier, unit = match.groups()
    seconds = int(multiplier or 1) * _SECONDS[unit.lower()]
    if int(count) < 1 or seconds < 1:
        raise ValueError(f"Bad throttle rate {rate!r}.")
    return int(count), seconds


_limiters: dict[str, SlidingWindowCounterRateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter() -> SlidingWindowCounterRateLimiter:
    """The limiter on ``RATE_LIMIT_STORAGE_URL`` (one per process and URL; built under a lock,
    as threads of one process may ask for it first at the same time)."""
    url = settings.RATE_LIMIT_STORAGE_URL
    found = _limiters.get(url)
    if found is None:
        with _limiters_lock:
            found = _limiters.get(url)
            if found is None:
                options = {"key_prefix": KEY_PREFIX} if url.startswith("redis") else {}
                found = SlidingWindowCounterRateLimiter(storage_from_string(url, **options))
                _limiters[url] = found
    return found


def rate_limits_reset() -> None:
    """Forget every counter (tests)."""
    limiter().storage.reset()


@dataclass(frozen=True, slots=True)
class Throttled:
    """A refusal: how long to wait (seconds) and why."""

    retry_after: int
    detail: str


def rate_limit_hit(
    scope: str, ident: str, rate: tuple[int, int] | None, *, cost: int = 1
) -> int | None:
    """Count ``cost`` hits of ``ident`` against ``rate`` (``(count, seconds)``; None: no
    limit). None when they fit; else the seconds until they would (nothing is counted)."""
    if rate is None:
        return None
    count, seconds = rate
    item = RateLimitItemPerSecond(count, seconds)
    if limiter().hit(item, scope, ident, cost=cost):
        return None
    reset_at, _ = limiter().get_window_stats(item, scope, ident)
    return max(1, math.ceil(reset_at - time.time()))


# --- the REST API ----------------------------------------------------------------------------


class RateThrottle(BaseThrottle):
    """``scope`` names the rate in ``DEFAULT_THROTTLE_RATES``; subclasses give
    ``get_ident_for(request)`` (None: this throttle does not apply)."""

    scope: str = ""

    def __init__(self) -> None:
        self.rate = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))
        self._wait: float | None = None

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def get_ident_for(self, request) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_ident_for(request)
        return ident is None or self.hit(ident)

    def hit(self, ident: str) -> bool:
        """Count one request of ``ident``; False (and ``wait()`` set) when over quota."""
        wait = rate_limit_hit(f"api:{self.scope}", ident, self.rate)
        if wait is None:
            return True
        self._wait = float(wait)
        return False

    def wait(self) -> float | None:
        return self._wait


def _is_platform_key(user) -> bool:
    # A platform API key's principal says so (apps.platforms.authentication.PlatformPrincipal).
    return bool(getattr(user, "is_platform_key", False))


class AnonymousApiThrottle(RateThrottle):
    """Unauthenticated requests, per client IP."""

    scope = "api_anon"

    def get_ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.get_ident(request)


class PlatformKeyThrottle(RateThrottle):
    """Requests made with one platform API key."""

    scope = "api_platform_key"

    def get_ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if not _is_platform_key(user):
            return None
        return f"key:{user.api_key.pk}"


class StaffUserThrottle(RateThrottle):
    """Requests of one signed-in user (session)."""

    scope = "api_staff"

    def get_ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _is_platform_key(user):
            return None
        return f"user:{user.pk}"


API_THROTTLE_CLASSES = [AnonymousApiThrottle, PlatformKeyThrottle, StaffUserThrottle]


def anonymous_attempt_count(request) -> None:
    """Count one unauthenticated (or failed-authentication) request against the caller's IP;
    raise ``Throttled`` (429 with ``Retry-After``) when over quota. Used where DRF refuses a
    request before its throttles run: bad API keys, anonymous callers of closed endpoints."""
    throttle = AnonymousApiThrottle()
    if not throttle.hit(throttle.get_ident(request)):
        raise exceptions.Throttled(wait=throttle.wait())


# --- webhooks (inbound events, processor callbacks) ------------------------------------------


def failed_auth_hit(ip: str | None) -> Throttled | None:
    """Count one webhook request from ``ip`` that failed authentication; a Throttled once the
    address is over its limit."""
    limit = settings.WEBHOOK_FAILED_AUTH_LIMIT
    if limit <= 0:
        return None
    window = settings.WEBHOOK_FAILED_AUTH_WINDOW
    wait = rate_limit_hit("webhook:failed-auth", ip or "-", (limit, window))
    if wait is None:
        return None
    return Throttled(
        wait,
        f"Too many webhook requests that failed authentication from this address "
        f"(limit {limit} per {window} s).",
    )


def webhook_quota_hit(source: str, events: int = 1) -> Throttled | None:
    """Count ``events`` correctly signed events of ``source``; a Throttled (nothing counted)
    when they would take the source over its quota."""
    limit = settings.WEBHOOK_PLATFORM_QUOTA
    if limit <= 0:
        return None
    window = settings.WEBHOOK_PLATFORM_QUOTA_WINDOW
    wait = rate_limit_hit("webhook:quota", source, (limit, window), cost=events)
    if wait is None:
        return None
    return Throttled(
        wait, f"Platform {source} is over its webhook quota ({limit} events per {window} s)."
    )
