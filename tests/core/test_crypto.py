"""Encryption at rest (apps.core.crypto): AES-GCM under rotatable keys, bound to a purpose and
a context; the development key; the deploy check."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core import crypto


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


OLD = f"2026-01:{_key()}"
NEW = f"2026-07:{_key()}"

IBAN_DETAILS = {"account_holder": "Ana Example", "iban": "DE89370400440532013000"}
P = "test-details"


@pytest.fixture
def old_key(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    return settings


def test_round_trip(old_key):
    token, key_id = crypto.seal({"iban": "DE89370400440532013000", "n": 1}, purpose=P)
    assert key_id == "2026-01"
    assert "DE89" not in token
    assert crypto.unseal(token, key_id, purpose=P) == {"iban": "DE89370400440532013000", "n": 1}


def test_each_seal_uses_a_fresh_nonce(old_key):
    first, _ = crypto.seal(IBAN_DETAILS, purpose=P)
    second, _ = crypto.seal(IBAN_DETAILS, purpose=P)
    assert first != second


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # ciphertext/tag altered
        lambda t: t[:10],  # truncated
        lambda t: "v2" + t[2:],  # unknown format
        lambda t: "v1.***not-base64***",
    ],
)
def test_tampered_token_is_refused(old_key, tamper):
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(tamper(token), key_id, purpose=P)


def test_token_presented_under_another_key_id_is_refused(settings):
    key = _key()
    settings.ENCRYPTION_KEYS = [f"a:{key}", f"b:{key}"]  # same bytes, other id
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    assert key_id == "a"
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, "b", purpose=P)


def test_token_is_bound_to_its_purpose(old_key):
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, key_id, purpose="identity-document")


def test_bytes_round_trip(old_key):
    data = bytes(range(256)) * 10
    token, key_id = crypto.seal_bytes(data, purpose="document", context="doc:1")
    assert crypto.unseal_bytes(token, key_id, purpose="document", context="doc:1") == data


def test_token_is_bound_to_its_context(old_key):
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P, context="creator:1")
    assert crypto.unseal(token, key_id, purpose=P, context="creator:1") == IBAN_DETAILS
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, key_id, purpose=P, context="creator:2")
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, key_id, purpose=P)


def test_missing_key_is_refused_clearly(old_key, settings):
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    settings.ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.UnknownKeyError, match=r"2026-01.*not in ENCRYPTION_KEYS"):
        crypto.unseal(token, key_id, purpose=P)


def test_rotation_old_key_still_reads_and_new_key_seals(old_key, settings):
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.unseal(token, key_id, purpose=P) == IBAN_DETAILS
    assert crypto.seal(IBAN_DETAILS, purpose=P)[1] == "2026-07"
    assert crypto.needs_reseal(key_id)


@pytest.mark.parametrize(
    "entries",
    [
        ["no-colon"],
        ["bad id!:" + _key()],
        ["short:" + base64.urlsafe_b64encode(b"x" * 16).decode()],
        [f"dup:{_key()}", f"dup:{_key()}"],
        ["", " "],
    ],
)
def test_malformed_key_lists_are_refused(entries):
    with pytest.raises(ImproperlyConfigured):
        crypto.parse_keys(entries)


def test_development_key_is_generated_once_into_data_dir(settings, tmp_path):
    settings.ENCRYPTION_KEYS = []
    settings.DATA_DIR = tmp_path
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=P)
    path = tmp_path / crypto.LOCAL_KEY_FILE
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert key_id.startswith("local-")
    first = path.read_text()
    assert crypto.unseal(token, key_id, purpose=P) == IBAN_DETAILS
    assert crypto._local_key_entry(tmp_path) == first  # never regenerated


def test_deploy_check_warns_without_keys(settings):
    settings.ENCRYPTION_KEYS = []
    messages = crypto.check_encryption_keys()
    assert [m.id for m in messages] == ["core.W001"]
    settings.ENCRYPTION_KEYS = [NEW]
    assert crypto.check_encryption_keys() == []
    settings.ENCRYPTION_KEYS = ["broken"]
    assert [m.id for m in crypto.check_encryption_keys()] == ["core.E001"]


def test_deploy_check_is_registered_for_check_deploy(settings):
    from django.core import checks

    settings.ENCRYPTION_KEYS = []
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "core.W001" in [m.id for m in found]
    assert "core.W001" not in [m.id for m in checks.run_checks(tags=[checks.Tags.security])]
