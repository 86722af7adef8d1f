"""Payout method details encrypted at rest, with rotatable keys.

``PAYOUT_ENCRYPTION_KEYS`` is a comma-separated list of ``key_id:base64key`` (a 32-byte key,
``base64.urlsafe_b64encode(os.urandom(32))``), newest first. The newest key seals; every key
in the list unseals, so a rotation is: put a new key first, deploy, run
``manage.py rotate_payout_keys`` (re-seals every method under the newest key), then drop the
old key. Each sealed value keeps the id of its key beside it (``PayoutMethod.key_id``).

The cipher is AES-256-GCM (``cryptography``): a fresh 96-bit nonce per seal, and the key id
and a context (the owning creator) bound in as associated data, so a token presented under
another key id, or copied into another creator's row, is refused as tampered.

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
LOCAL_KEY_FILE = "payout_encryption_key"
_AAD_PREFIX = b"fanzdash:payout-method-details:"


class SealError(Exception):
    """Sealed details cannot be read."""


class UnknownKeyError(SealError):
    """The key that sealed a value is not configured any more."""


class TamperedTokenError(SealError):
    """The token was altered, truncated, or does not belong to the key id given with it."""


@dataclass(frozen=True)
class PayoutKeyring:
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
            f"Payout details were sealed with key {key_id!r}, which is not in "
            "PAYOUT_ENCRYPTION_KEYS. Add that key back (after the newest one) to read them, "
            "then run `manage.py rotate_payout_keys`."
        )


def _decode_key(key_id: str, encoded: str) -> bytes:
    text = encoded.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"PAYOUT_ENCRYPTION_KEYS: key {key_id!r} must be {KEY_BYTES} bytes in base64 "
            '(python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32))'
            '.decode())").'
        )
    return raw


def parse_keys(entries: list[str] | tuple[str, ...]) -> PayoutKeyring:
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
                "PAYOUT_ENCRYPTION_KEYS entries are `key_id:base64key` with a key id of 1 to "
                "40 letters, digits, '.', '_' or '-'."
            )
        if key_id in seen:
            raise ImproperlyConfigured(f"PAYOUT_ENCRYPTION_KEYS: key id {key_id!r} is repeated.")
        seen.add(key_id)
        keys.append((key_id, _decode_key(key_id, encoded)))
    if not keys:
        raise ImproperlyConfigured("PAYOUT_ENCRYPTION_KEYS holds no key.")
    return PayoutKeyring(tuple(keys))


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
def _keyring_for(entries: tuple[str, ...], data_dir: str) -> PayoutKeyring:
    if entries:
        return parse_keys(entries)
    return parse_keys([_local_key_entry(Path(data_dir))])


def keyring() -> PayoutKeyring:
    """The keys in force (read from settings each call; parsed once per distinct value)."""
    entries = tuple(getattr(settings, "PAYOUT_ENCRYPTION_KEYS", None) or ())
    return _keyring_for(entries, str(settings.DATA_DIR))


def current_key_id() -> str:
    return keyring().current_key_id


def _aad(key_id: str, context: str) -> bytes:
    return _AAD_PREFIX + key_id.encode() + b"|" + context.encode()


def seal(details: dict, *, context: str = "") -> tuple[str, str]:
    """Encrypt ``details`` (a JSON-serialisable dict) under the newest key.

    ``context`` (e.g. ``"creator:42"``) is bound to the token: unsealing needs the same one,
    so a token copied into another creator's row is refused rather than read.
    Returns ``(token, key_id)``; store both (``details_encrypted``, ``key_id``)."""
    if not isinstance(details, dict):
        raise TypeError("seal() takes a dict of details")
    ring = keyring()
    key_id = ring.current_key_id
    plaintext = json.dumps(details, sort_keys=True, separators=(",", ":")).encode()
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(ring.key(key_id)).encrypt(nonce, plaintext, _aad(key_id, context))
    token = f"{TOKEN_VERSION}.{base64.urlsafe_b64encode(nonce + ciphertext).decode()}"
    return token, key_id


def unseal(token: str, key_id: str, *, context: str = "") -> dict:
    """Decrypt a token sealed by :func:`seal` under ``key_id`` with the same ``context``.

    UnknownKeyError when that key is not configured; TamperedTokenError when the token was
    altered or does not belong to that key."""
    key = keyring().key(key_id)
    version, sep, body = (token or "").partition(".")
    if version != TOKEN_VERSION or not sep:
        raise TamperedTokenError("Sealed payout details have an unknown format.")
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except (binascii.Error, ValueError):
        raise TamperedTokenError("Sealed payout details are not valid base64.") from None
    if len(raw) <= NONCE_BYTES:
        raise TamperedTokenError("Sealed payout details are truncated.")
    nonce, ciphertext = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, _aad(key_id, context))
    except InvalidTag:
        raise TamperedTokenError(
            "Sealed payout details failed their integrity check (altered, moved from "
            f"another row, or not sealed with key {key_id!r})."
        ) from None
    return json.loads(plaintext)


def needs_reseal(key_id: str) -> bool:
    return key_id != current_key_id()


@checks.register(checks.Tags.security, deploy=True)
def check_payout_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``check --deploy``: production must configure its own keys, not the generated one."""
    entries = getattr(settings, "PAYOUT_ENCRYPTION_KEYS", None) or []
    if not entries:
        return [
            checks.Warning(
                "PAYOUT_ENCRYPTION_KEYS is not set: payout method details are encrypted with "
                "a key generated into DATA_DIR, which is lost with the machine.",
                hint="Set PAYOUT_ENCRYPTION_KEYS to `key_id:base64key` (32 random bytes, "
                "newest first) and keep it in the secret store.",
                id="payouts.W001",
            )
        ]
    try:
        parse_keys(list(entries))
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="payouts.E001")]
    return []
