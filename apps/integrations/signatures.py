"""Verifying the signature of a platform's webhook request: the FANZ scheme or Standard
Webhooks (both computed by ``apps.core.signing``), against every active secret of the sender
(several are valid while a rotation's grace window runs). A Standard Webhooks timestamp must
be within the tolerance (5 minutes, either way) of our clock.

When a request carries any ``webhook-*`` header it is verified as Standard Webhooks only (a
forger cannot fall back to the scheme without replay protection).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from apps.core import signing

SCHEME_FANZ = "fanz"
SCHEME_STANDARD = "standard"
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
            standard_key=signing.standard_key(secret),
        )


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


# --- verifying ------------------------------------------------------------------------------


def _verify_fanz(header: str, body: bytes, secrets: list[SigningSecret]) -> Verification:
    if signing.fanz_given_digest(header) is None:
        raise SignatureError(
            "invalid_signature",
            "X-FANZ-Signature must be sha256=<hex HMAC-SHA256 of the raw body>.",
            scheme=SCHEME_FANZ,
        )
    index = signing.fanz_match(header, body, [secret.fanz_key for secret in secrets])
    if index is not None:
        return Verification(SCHEME_FANZ, secrets[index].hint, index)
    raise SignatureError(
        "invalid_signature",
        "X-FANZ-Signature does not match the body under any active secret.",
        scheme=SCHEME_FANZ,
    )


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
    candidates = signing.standard_candidates(header)
    if not candidates:
        raise SignatureError(
            "invalid_signature",
            "webhook-signature must list v1,<base64> signatures separated by spaces.",
            scheme=SCHEME_STANDARD,
        )
    index = signing.standard_match(
        candidates, webhook_id, timestamp, body, [secret.standard_key for secret in secrets]
    )
    if index is not None:
        # Only a genuine (correctly signed) message is told that it is too old or new.
        if abs(now - timestamp) > tolerance:
            raise SignatureError(
                "stale_timestamp",
                f"webhook-timestamp is more than {tolerance} seconds away from now "
                f"({int(now)}); sign the message again with the current time.",
                scheme=SCHEME_STANDARD,
            )
        return Verification(SCHEME_STANDARD, secrets[index].hint, index, webhook_id, timestamp)
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
