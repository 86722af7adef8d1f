"""Signatures of outbound webhooks, the same two schemes FanzDash verifies inbound
(``apps.integrations.signatures``; a test checks that the inbound verifier accepts them):

- ``X-FANZ-Signature: sha256=<hex HMAC-SHA256(secret, body)>``, key = the secret's UTF-8 bytes;
- Standard Webhooks: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` =
  space-separated ``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, key = the
  secret's UTF-8 bytes, or the decoded base64 of a ``whsec_<base64>`` secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def standard_key(secret: str) -> bytes:
    if secret.startswith(STANDARD_SECRET_PREFIX):
        encoded = secret[len(STANDARD_SECRET_PREFIX) :]
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except (binascii.Error, ValueError):
            pass  # not base64 after all: the string as it is
    return secret.encode()


def fanz_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = b"%s.%d.%s" % (webhook_id.encode(), timestamp, body)
    digest = hmac.new(standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(
    *, secrets: list[str], webhook_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of one attempt. ``secrets``: the platform's active secrets, newest first;
    X-FANZ-Signature uses the newest, webhook-signature lists one signature per secret so a
    platform still on the previous secret during a rotation verifies too."""
    return {
        "X-FANZ-Signature": fanz_signature(secrets[0], body),
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(secret, webhook_id, timestamp, body) for secret in secrets
        ),
    }
