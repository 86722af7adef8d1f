"""HMAC-SHA256 signatures of webhook bodies: the one implementation that signs and checks them,
for events platforms send us (``apps.integrations.signatures`` adds the inbound policy:
rotation, tolerance, refusal codes), webhooks we send (``apps.outbound``) and the sandbox
processor's callbacks (``apps.payouts``). Two schemes:

- **FANZ**: ``X-FANZ-Signature: sha256=<hex HMAC-SHA256(key, raw body)>``; the key is the
  secret's UTF-8 bytes, whatever it looks like.
- **Standard Webhooks** (https://www.standardwebhooks.com/): ``webhook-id``,
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (space-separated list of
  ``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``). A secret written
  ``whsec_<base64>`` is the base64-decoded key, as the Standard Webhooks libraries use it; any
  other secret is its UTF-8 bytes.

Every comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Iterable

FANZ_HEADER = "X-FANZ-Signature"
STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


# --- FANZ ------------------------------------------------------------------------------------


def fanz_digest(key: str | bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body``."""
    return hmac.new(_key(key), body, hashlib.sha256).hexdigest()


def fanz_signature(secret: str | bytes, body: bytes) -> str:
    """The ``X-FANZ-Signature`` header value for ``body``: ``sha256=<hex>``."""
    return f"sha256={fanz_digest(secret, body)}"


def fanz_given_digest(header: str | None) -> bytes | None:
    """The hex digest a ``sha256=<hex>`` header carries (lower-cased bytes), or None when the
    header is missing or not of that form."""
    if not header:
        return None
    scheme, _, given = header.strip().partition("=")
    if scheme.strip().lower() != "sha256" or not given.strip():
        return None
    return given.strip().lower().encode()


def fanz_match(header: str | None, body: bytes, keys: Iterable[str | bytes]) -> int | None:
    """The index of the first key whose signature of ``body`` is ``header``; None when none
    matches or the header is malformed."""
    given = fanz_given_digest(header)
    if given is None:
        return None
    for index, key in enumerate(keys):
        if hmac.compare_digest(fanz_digest(key, body).encode(), given):
            return index
    return None


# --- Standard Webhooks -----------------------------------------------------------------------


def standard_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key of a secret: ``whsec_<base64>`` decoded, else raw."""
    if secret.startswith(STANDARD_SECRET_PREFIX):
        encoded = secret[len(STANDARD_SECRET_PREFIX) :]
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            pass  # not base64 after all: use the string as it is
    return secret.encode()


def _standard_digest(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> bytes:
    signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
    return hmac.new(key, signed, hashlib.sha256).digest()


def standard_signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature for the ``webhook-signature`` header."""
    digest = _standard_digest(standard_key(secret), webhook_id, timestamp, body)
    return "v1," + base64.b64encode(digest).decode()


def standard_headers(
    secrets: str | list[str], webhook_id: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` (timestamp: now). With several secrets
    (newest first, during a rotation) ``webhook-signature`` lists one signature per secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    secrets = [secrets] if isinstance(secrets, str) else secrets
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(secret, webhook_id, timestamp, body) for secret in secrets
        ),
    }


def standard_candidates(header: str) -> list[bytes]:
    """The decoded ``v1`` signatures a ``webhook-signature`` header lists (others skipped)."""
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


def standard_match(
    candidates: list[bytes], webhook_id: str, timestamp: int, body: bytes, keys: Iterable[bytes]
) -> int | None:
    """The index of the first key (``standard_key`` bytes) one of whose signatures is among
    ``candidates``; None when none is."""
    for index, key in enumerate(keys):
        expected = _standard_digest(key, webhook_id, timestamp, body)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return index
    return None
