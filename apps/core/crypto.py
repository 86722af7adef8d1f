"""Encryption at rest with rotatable keys: the one mechanism for every sensitive value
FanzDash must be able to read back (payout method details today; identity documents and
webhook secrets use the same keys).

``ENCRYPTION_KEYS`` (read from ``ENCRYPTION_KEYS``, or the older ``PAYOUT_ENCRYPTION_KEYS``)
is a comma-separated list of ``key_id:base64key`` (a 32-byte key,
``base64.urlsafe_b64encode(os.urandom(32))``), newest first. The newest key seals; every key
in the list unseals, so a rotation is: put a new key first, deploy, re-seal what each app
keeps (``manage.py rotate_payout_keys`` for payout methods), then drop the old key. Each
sealed value keeps the id of its key beside it (e.g. ``PayoutMethod.key_id``).

The cipher is AES-256-GCM (``cryptography``): a fresh 96-bit nonce per seal, and the key id,
a purpose (what kind of value it is) and a context (e.g. the owning creator) bound in as
associated data, so a token presented under another key id, used for another purpose, or
copied into another owner's row, is refused as tampered.

Without the variable (development, tests) one key is generated once per installation into
``DATA_DIR/payout_encryption_key`` (like SECRET_KEY's ``DATA_DIR/secret_key``); ``check
--deploy`` warns when a production settings module runs that way.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TOKEN_VERSION = "v1"  # noqa: S105  (a format marker, not a secret)
NONCE_BYTES = 12
KEY_BYTES = 32
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
LOCAL_KEY_FILE = "payout_encryption_key"  # named by its first user; kept so old keys stay


class SealError(Exception):
    """A sealed value cannot be read."""


class UnknownKeyError(SealError):
    """The key that sealed a value is not configured any more."""


class TamperedTokenError(SealError):
    """The token was altered, truncated, or does not belong to the key id given with it."""


@dataclass(frozen=True)
class Keyring:
    """The configured keys, newest first."""

    keys: tuple[tuple[str, bytes], ...]

    @property
    def current_key_id(self) -> str:
        return self.keys[0][0]

    def key(self, key_id: str) -> bytes:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        raise UnknownKeyError(
            f"This value was sealed with key {key_id!r}, which is not in ENCRYPTION_KEYS. "
            "Add that key back (after the newest one) to read it, then re-seal (e.g. "
            "`manage.py rotate_payout_keys`)."
        )


def _decode_key(key_id: str, encoded: str) -> bytes:
    text = encoded.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"ENCRYPTION_KEYS: key {key_id!r} must be {KEY_BYTES} bytes in base64 "
            '(python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32))'
            '.decode())").'
        )
    return raw


def parse_keys(entries: list[str] | tuple[str, ...]) -> Keyring:
    """``["2026-12:<base64>", "2026-06:<base64>"]`` → a keyring; ImproperlyConfigured on any
    malformed entry, a duplicate id, or an empty list."""
    keys: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID_PATTERN.match(key_id):
            raise ImproperlyConfigured(
                "ENCRYPTION_KEYS entries are `key_id:base64key` with a key id of 1 to "
                "40 letters, digits, '.', '_' or '-'."
            )
        if key_id in seen:
            raise ImproperlyConfigured(f"ENCRYPTION_KEYS: key id {key_id!r} is repeated.")
        seen.add(key_id)
        keys.append((key_id, _decode_key(key_id, encoded)))
    if not keys:
        raise ImproperlyConfigured("ENCRYPTION_KEYS holds no key.")
    return Keyring(tuple(keys))


def _local_key_entry(data_dir: Path) -> str:
    """A development key generated once per installation and kept in DATA_DIR (never in the
    repository). Created exclusively, so two processes starting at once agree on one key."""
    path = Path(data_dir) / LOCAL_KEY_FILE
    if not path.exists():
        entry = (
            f"local-{secrets.token_hex(4)}:"
            f"{base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()}"
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(entry)
    return path.read_text().strip()


@lru_cache(maxsize=8)
def _keyring_for(entries: tuple[str, ...], data_dir: str) -> Keyring:
    if entries:
        return parse_keys(entries)
    return parse_keys([_local_key_entry(Path(data_dir))])


def keyring() -> Keyring:
    """The keys in force (read from settings each call; parsed once per distinct value)."""
    return _keyring_for(tuple(settings.ENCRYPTION_KEYS), str(settings.DATA_DIR))


def current_key_id() -> str:
    return keyring().current_key_id


def _aad(key_id: str, purpose: str, context: str) -> bytes:
    return f"fanzdash:{purpose}:{key_id}|{context}".encode()


def seal_bytes(data: bytes, *, purpose: str, context: str = "") -> tuple[str, str]:
    """Encrypt ``data`` under the newest key for ``purpose`` (e.g. ``"payout-method-details"``).

    ``context`` (e.g. ``"creator:42"``) is bound to the token: unsealing needs the same
    purpose and context, so a token copied into another owner's row is refused rather than
    read. Returns ``(token, key_id)``; store both."""
    ring = keyring()
    key_id = ring.current_key_id
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(ring.key(key_id)).encrypt(nonce, data, _aad(key_id, purpose, context))
    return f"{TOKEN_VERSION}.{base64.urlsafe_b64encode(nonce + ciphertext).decode()}", key_id


def unseal_bytes(token: str, key_id: str, *, purpose: str, context: str = "") -> bytes:
    """Decrypt a token sealed by :func:`seal_bytes` under ``key_id`` with the same purpose
    and context. UnknownKeyError when that key is not configured; TamperedTokenError when the
    token was altered or does not belong to that key, purpose or context."""
    key = keyring().key(key_id)
    version, sep, body = (token or "").partition(".")
    if version != TOKEN_VERSION or not sep:
        raise TamperedTokenError("The sealed value has an unknown format.")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except (binascii.Error, ValueError):
        raise TamperedTokenError("The sealed value is not valid base64.") from None
    if len(raw) <= NONCE_BYTES:
        raise TamperedTokenError("The sealed value is truncated.")
    nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, _aad(key_id, purpose, context))
    except InvalidTag:
        raise TamperedTokenError(
            "The sealed value failed its integrity check (altered, moved from another row, "
            f"or not sealed with key {key_id!r})."
        ) from None


def seal(details: dict, *, purpose: str, context: str = "") -> tuple[str, str]:
    """:func:`seal_bytes` of a JSON-serialisable dict."""
    if not isinstance(details, dict):
        raise TypeError("seal() takes a dict of details")
    plaintext = json.dumps(details, sort_keys=True, separators=(",", ":")).encode()
    return seal_bytes(plaintext, purpose=purpose, context=context)


def unseal(token: str, key_id: str, *, purpose: str, context: str = "") -> dict:
    """The dict sealed by :func:`seal`."""
    return json.loads(unseal_bytes(token, key_id, purpose=purpose, context=context))


def needs_reseal(key_id: str) -> bool:
    return key_id != current_key_id()


@checks.register(checks.Tags.security, deploy=True)
def check_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``check --deploy``: production must configure its own keys, not the generated one."""
    entries = settings.ENCRYPTION_KEYS
    if not entries:
        return [
            checks.Warning(
                "ENCRYPTION_KEYS is not set: payout method details and other sealed values are "
                "encrypted with a key generated into DATA_DIR, which is lost with the machine.",
                hint="Set ENCRYPTION_KEYS to `key_id:base64key` (32 random bytes, newest first) "
                "and keep it in the secret store.",
                id="core.W001",
            )
        ]
    try:
        parse_keys(list(entries))
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E001")]
    return []
