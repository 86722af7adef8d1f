"""One HTTP POST of a webhook to a platform, with the standard library (no extra dependency).

Redirects are not followed (a webhook endpoint that moved answers 3xx, which counts as a
failed attempt: staff update the URL). Only the first ``EXCERPT_BYTES`` of the answer are read.
"""

from __future__ import annotations

import email.utils
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime

EXCERPT_BYTES = 1024
USER_AGENT = "FanzDash-Webhooks/1.0"


@dataclass(frozen=True)
class TransportResult:
    status_code: int | None  # None: no HTTP answer (refused, timed out, DNS, TLS)
    latency_ms: int
    response_excerpt: str = ""
    error: str = ""
    retry_after: str = ""  # the raw Retry-After header, if any

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx


_opener = urllib.request.build_opener(_NoRedirect)


def _excerpt(response) -> str:
    try:
        raw = response.read(EXCERPT_BYTES)
    except (OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")


def webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float):
    """POST ``body`` to ``url``; never raises for network or HTTP errors."""
    if not url.lower().startswith(("http://", "https://")):
        return TransportResult(None, 0, error="The webhook URL must be http(s).")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=timeout) as response:
            excerpt = _excerpt(response)
            return TransportResult(
                status_code=response.status,
                latency_ms=elapsed(),
                response_excerpt=excerpt,
                retry_after=response.headers.get("Retry-After", ""),
            )
    except urllib.error.HTTPError as error:
        excerpt = _excerpt(error)
        error.close()
        return TransportResult(
            status_code=error.code,
            latency_ms=elapsed(),
            response_excerpt=excerpt,
            error=f"HTTP {error.code} {error.reason}"[:500],
            retry_after=(error.headers or {}).get("Retry-After", "") or "",
        )
    except TimeoutError:
        return TransportResult(None, elapsed(), error=f"Timed out after {timeout:g} s.")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return TransportResult(None, elapsed(), error=f"Timed out after {timeout:g} s.")
        return TransportResult(None, elapsed(), error=f"Connection failed: {reason}"[:500])
    except (OSError, ValueError) as error:  # reset connection, bad URL, invalid response
        return TransportResult(None, elapsed(), error=f"{type(error).__name__}: {error}"[:500])


def retry_after_seconds(value: str, *, now: datetime | None = None) -> int | None:
    """``Retry-After`` as whole seconds from now: delta-seconds or an HTTP date; None when
    absent or unreadable (RFC 9110 §10.2.3)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0, int((when - now).total_seconds()))
