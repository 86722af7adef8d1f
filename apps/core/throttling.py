"""Throttles of the REST API, kept in the shared cache (Redis in production).

Three quotas, each a fixed window counted with one atomic ``incr`` per request (no per-request
history list, so a quota of 10,000 a minute costs the same as one of 10):

- ``api_anon``: unauthenticated requests per client IP (default 1000/15m). Requests refused
  for missing or bad credentials count too (they are refused before DRF's throttles run), so
  API keys cannot be guessed at speed.
- ``api_platform_key``: requests per platform API key (default 10000/m).
- ``api_staff``: requests per signed-in staff user (default 3000/m).

Rates are ``<count>/<period>`` with the period ``s``, ``m``, ``h``, ``d``, optionally with a
multiplier (``15m``, ``10s``), or ``off``; set by the environment (``API_THROTTLE_ANON``,
``API_THROTTLE_PLATFORM_KEY``, ``API_THROTTLE_STAFF``) into
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``. Over quota: 429 ``throttled`` with
``Retry-After`` (seconds until the window ends). The client IP is ``REMOTE_ADDR``, or with
``USE_X_FORWARDED_FOR`` the last ``X-Forwarded-For`` entry (the one the trusted proxy added;
earlier entries are the client's to forge).
"""

from __future__ import annotations

import math
import re
import time

from django.core.cache import caches
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .net import client_ip

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DISABLED = {"", "off", "none", "0"}


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


class FixedWindowThrottle(BaseThrottle):
    """``scope`` names the rate in ``DEFAULT_THROTTLE_RATES``; subclasses give
    ``get_ident_for(request)`` (None: this throttle does not apply)."""

    scope: str = ""
    cache_alias = "default"

    def __init__(self) -> None:
        self.rate = parse_rate(self.get_rate())
        self._wait: float | None = None

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident_for(self, request) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_ident_for(request)
        return ident is None or self.hit(ident)

    def hit(self, ident: str) -> bool:
        """Count one request of ``ident``; False (and ``wait()`` set) when over quota."""
        if self.rate is None:
            return True
        count, seconds = self.rate
        now = time.time()
        window = int(now // seconds)
        key = f"throttle:{self.scope}:{ident}:{window}"
        cache = caches[self.cache_alias]
        # add() is a no-op when the key exists; incr() is atomic on Redis.
        cache.add(key, 0, timeout=seconds + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds + 1)
            used = 1
        if used <= count:
            return True
        self._wait = float(max(1, math.ceil((window + 1) * seconds - now)))
        return False

    def wait(self) -> float | None:
        return self._wait


def _is_platform_key(user) -> bool:
    from apps.platforms.authentication import PlatformPrincipal

    return isinstance(user, PlatformPrincipal)


class AnonymousApiThrottle(FixedWindowThrottle):
    """Unauthenticated requests, per client IP."""

    scope = "api_anon"

    def get_ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.get_ident(request)


class PlatformKeyThrottle(FixedWindowThrottle):
    """Requests made with one platform API key."""

    scope = "api_platform_key"

    def get_ident_for(self, request) -> str | None:
        user = getattr(request, "user", None)
        if not _is_platform_key(user):
            return None
        return f"key:{user.api_key.pk}"


class StaffUserThrottle(FixedWindowThrottle):
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
