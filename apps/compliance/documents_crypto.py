"""Envelope encryption of identity documents and the file rules (type by content, size).

A document's data key is 32 random bytes sealed with ``apps.core.crypto`` (the master keys,
``ENCRYPTION_KEYS``, rotatable: re-sealing a document touches only its data key). The number
and the files are AES-256-GCM under the data key, each bound to the document's uid and to what
it is (the number, or a file's storage name), so a ciphertext moved to another document or
another file is refused."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from apps.core import crypto

DATA_KEY_PURPOSE = "identity-document-key"
NONCE_BYTES = 12
MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 MB

# Magic bytes of the accepted types; the name and the declared type are never trusted.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def sniff_content_type(head: bytes) -> str | None:
    """The content type the first bytes prove (PDF, PNG, JPEG), or None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _context(uid) -> str:
    return f"identity-document:{uid}"


def data_key_new(uid) -> tuple[bytes, str, str]:
    """A fresh data key: ``(key, sealed_token, master_key_id)``."""
    key = os.urandom(32)
    token, key_id = crypto.seal_bytes(key, purpose=DATA_KEY_PURPOSE, context=_context(uid))
    return key, token, key_id


def data_key_open(uid, token: str, key_id: str) -> bytes:
    return crypto.unseal_bytes(token, key_id, purpose=DATA_KEY_PURPOSE, context=_context(uid))


def data_key_reseal(uid, token: str, key_id: str) -> tuple[str, str]:
    """The same data key sealed under the newest master key (rotation)."""
    key = data_key_open(uid, token, key_id)
    return crypto.seal_bytes(key, purpose=DATA_KEY_PURPOSE, context=_context(uid))


def encrypt(key: bytes, plaintext: bytes, *, aad: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode())


def decrypt(key: bytes, blob: bytes, *, aad: str) -> bytes:
    from cryptography.exceptions import InvalidTag

    if len(blob) <= NONCE_BYTES:
        raise crypto.TamperedTokenError("The encrypted document is truncated.")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode())
    except InvalidTag:
        raise crypto.TamperedTokenError(
            "The encrypted document failed its integrity check (altered or moved)."
        ) from None


def number_aad(uid) -> str:
    return f"fanzdash:identity-document-number:{uid}"


def file_aad(uid, storage_name: str) -> str:
    return f"fanzdash:identity-document-file:{uid}:{storage_name}"


def number_encrypt(key: bytes, uid, number: str) -> str:
    return base64.urlsafe_b64encode(encrypt(key, number.encode(), aad=number_aad(uid))).decode()


def number_decrypt(key: bytes, uid, token: str) -> str:
    return decrypt(key, base64.urlsafe_b64decode(token.encode()), aad=number_aad(uid)).decode()


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed the rules: its bytes, proven type, size and digest."""

    data: bytes
    content_type: str
    size: int
    sha256: str
