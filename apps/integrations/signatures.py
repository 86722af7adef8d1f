"""Webhook signatures: the FANZ scheme and Standard Webhooks, verified against every active
secret of the sender (several are valid while a rotation's grace window runs).

- ``X-FANZ-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``; the key is the secret's
  UTF-8 bytes, whatever it looks like.
- Standard Webhooks (https://www.standardwebhooks.com/): ``webhook-id``,
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (space-separated list of
  ``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``). A secret written
  ``whsec_<base64>`` is the base64-decoded key, as the Standard Webhooks libraries use it; any
  other secret is its UTF-8 bytes. The timestamp must be within the tolerance (5 minutes,
  either way) of our clock.

When a request carries any ``webhook-*`` header it is verified as Standard Webhooks only (a
forger cannot fall back to the scheme without replay protection). Every comparison is
constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass

SCHEME_FANZ = "fanz"
SCHEME_STANDARD = "standard"
STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
DEFAULT_TOLERANCE_SECONDS = 5 * 60

# WSGI names of the headers (request.META keys).
META_FANZ_SIGNATURE = "HTTP_X_FANZ_SIGNATURE"
META_WEBHOOK_ID = "HTTP_WEBHOOK_ID"
META_WEBHOOK_TIMESTAMP = "HTTP_WEBHOOK_TIMESTAMP"
META_WEBHOOK_SIGNATURE = "HTTP_WEBHOOK_SIGNATURE"


@dataclass(frozen=True, slots=True)
class SigningSecret:
    """One secret a sender may sign with, with both derived HMAC keys computed once."""

    secret: str
    hint: str
    fanz_key: bytes
    standard_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> SigningSecret:
        return cls(
            secret=secret,
            hint=f"…{secret[-4:]}",
            fanz_key=secret.encode(),
            standard_key=standard_key(secret),
        )


def standard_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key of a secret: ``whsec_<base64>`` decoded, else raw."""
    if secret.startswith(STANDARD_SECRET_PREFIX):
        encoded = secret[len(STANDARD_SECRET_PREFIX) :]
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            pass  # not base64 after all: use the string as it is
    return secret.encode()


@dataclass(frozen=True, slots=True)
class Verification:
    """A signature that matched: the scheme, which secret (hint, and its index among the
    sender's active secrets, 0 = newest) and, for Standard Webhooks, the message id and
    timestamp from the headers."""

    scheme: str
    secret_hint: str
    secret_index: int
    webhook_id: str = ""
    timestamp: int | None = None

    def as_dict(self) -> dict:
        data = {
            "verified": True,
            "scheme": self.scheme,
            "secret_hint": self.secret_hint,
            "secret_index": self.secret_index,
        }
        if self.scheme == SCHEME_STANDARD:
            data["webhook_id"] = self.webhook_id
            data["timestamp"] = self.timestamp
        return data


class SignatureError(Exception):
    """Verification failed. ``code`` is the API error code: ``missing_signature``,
    ``invalid_signature`` or ``stale_timestamp``."""

    def __init__(self, code: str, detail: str, *, scheme: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.scheme = scheme


# --- signing (used by tests, the test endpoint, outbound webhooks and the docs) -------------


def fanz_signature(secret: str, body: bytes) -> str:
    """The ``X-FANZ-Signature`` header value for ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def standard_signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature for the ``webhook-signature`` header."""
    signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(
    secret: str, webhook_id: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (timestamp: now)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, webhook_id, timestamp, body),
    }


# --- verifying ------------------------------------------------------------------------------


def _verify_fanz(header: str, body: bytes, secrets: list[SigningSecret]) -> Verification:
    scheme, _, given = header.strip().partition("=")
    if scheme.strip().lower() != "sha256" or not given:
        raise SignatureError(
            "invalid_signature",
            "X-FANZ-Signature must be sha256=<hex HMAC-SHA256 of the raw body>.",
            scheme=SCHEME_FANZ,
        )
    given_bytes = given.strip().lower().encode()
    for index, secret in enumerate(secrets):
        expected = hmac.new(secret.fanz_key, body, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(expected, given_bytes):
            return Verification(SCHEME_FANZ, secret.hint, index)
    raise SignatureError(
        "invalid_signature",
        "X-FANZ-Signature does not match the body under any active secret.",
        scheme=SCHEME_FANZ,
    )


def _standard_candidates(header: str) -> list[bytes]:
    candidates = []
    for item in header.split():
        version, _, encoded = item.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            candidates.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return candidates


def _verify_standard(
    meta, body: bytes, secrets: list[SigningSecret], *, now: float, tolerance: int
) -> Verification:
    webhook_id = meta.get(META_WEBHOOK_ID, "")
    timestamp_text = meta.get(META_WEBHOOK_TIMESTAMP, "")
    header = meta.get(META_WEBHOOK_SIGNATURE, "")
    if not (webhook_id and timestamp_text and header):
        raise SignatureError(
            "missing_signature",
            "Standard Webhooks needs the webhook-id, webhook-timestamp and webhook-signature "
            "headers.",
            scheme=SCHEME_STANDARD,
        )
    try:
        timestamp = int(timestamp_text.strip())
    except ValueError:
        raise SignatureError(
            "invalid_signature",
            "webhook-timestamp must be whole Unix seconds.",
            scheme=SCHEME_STANDARD,
        ) from None
    candidates = _standard_candidates(header)
    if not candidates:
        raise SignatureError(
            "invalid_signature",
            "webhook-signature must list v1,<base64> signatures separated by spaces.",
            scheme=SCHEME_STANDARD,
        )
    signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
    for index, secret in enumerate(secrets):
        expected = hmac.new(secret.standard_key, signed, hashlib.sha256).digest()
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            # Only a genuine (correctly signed) message is told that it is too old or new.
            if abs(now - timestamp) > tolerance:
                raise SignatureError(
                    "stale_timestamp",
                    f"webhook-timestamp is more than {tolerance} seconds away from now "
                    f"({int(now)}); sign the message again with the current time.",
                    scheme=SCHEME_STANDARD,
                )
            return Verification(SCHEME_STANDARD, secret.hint, index, webhook_id, timestamp)
    raise SignatureError(
        "invalid_signature",
        "webhook-signature does not match under any active secret.",
        scheme=SCHEME_STANDARD,
    )


def signature_verify(
    *,
    meta,
    body: bytes,
    secrets: list[SigningSecret],
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> Verification:
    """Verify ``body`` with the signature headers found in ``meta`` (``request.META``).
    Raises SignatureError; a sender with no secret at all verifies nothing."""
    now = time.time() if now is None else now
    # A sender with no active secret simply matches nothing (invalid_signature).
    if META_WEBHOOK_SIGNATURE in meta or META_WEBHOOK_ID in meta or META_WEBHOOK_TIMESTAMP in meta:
        return _verify_standard(meta, body, secrets, now=now, tolerance=tolerance)
    header = meta.get(META_FANZ_SIGNATURE)
    if header:
        return _verify_fanz(header, body, secrets)
    raise SignatureError(
        "missing_signature",
        "Sign the request with X-FANZ-Signature or the Standard Webhooks headers.",
    )
