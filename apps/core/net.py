"""The caller's network address, one rule for the audit log, webhook refusals and throttles."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, or with ``USE_X_FORWARDED_FOR`` (behind one trusted TLS-terminating
    proxy) the last ``X-Forwarded-For`` entry: the one that proxy appended. Earlier entries
    are whatever the caller sent, so they are never trusted."""
    meta = request.META
    if settings.USE_X_FORWARDED_FOR:
        last = meta.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        if last:
            return last
    return meta.get("REMOTE_ADDR") or None
