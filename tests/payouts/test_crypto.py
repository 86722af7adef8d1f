"""Payout method details at rest: AES-GCM under rotatable keys, the development key, the
deploy check, and the rotation command."""

from __future__ import annotations

import base64
import os
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.audit.models import AuditEvent
from apps.payouts import crypto
from apps.payouts.methods import payout_method_add, payout_method_details
from apps.payouts.models import PayoutMethod, Processor


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


OLD = f"2026-01:{_key()}"
NEW = f"2026-07:{_key()}"

IBAN_DETAILS = {"account_holder": "Ana Example", "iban": "DE89370400440532013000"}


@pytest.fixture
def old_key(settings):
    settings.PAYOUT_ENCRYPTION_KEYS = [OLD]
    return settings


def test_round_trip(old_key):
    token, key_id = crypto.seal({"iban": "DE89370400440532013000", "n": 1})
    assert key_id == "2026-01"
    assert "DE89" not in token
    assert crypto.unseal(token, key_id) == {"iban": "DE89370400440532013000", "n": 1}


def test_each_seal_uses_a_fresh_nonce(old_key):
    first, _ = crypto.seal(IBAN_DETAILS)
    second, _ = crypto.seal(IBAN_DETAILS)
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
    token, key_id = crypto.seal(IBAN_DETAILS)
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(tamper(token), key_id)


def test_token_presented_under_another_key_id_is_refused(settings):
    key = _key()
    settings.PAYOUT_ENCRYPTION_KEYS = [f"a:{key}", f"b:{key}"]  # same bytes, other id
    token, key_id = crypto.seal(IBAN_DETAILS)
    assert key_id == "a"
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, "b")


def test_token_is_bound_to_its_context(old_key):
    token, key_id = crypto.seal(IBAN_DETAILS, context="creator:1")
    assert crypto.unseal(token, key_id, context="creator:1") == IBAN_DETAILS
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, key_id, context="creator:2")
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(token, key_id)


def test_details_copied_into_another_creators_row_are_refused(db, old_key, creator_factory):
    mine, theirs = _methods(creator_factory, 1)[0], _methods(creator_factory, 1)[0]
    PayoutMethod.objects.filter(pk=theirs.pk).update(
        details_encrypted=mine.details_encrypted, key_id=mine.key_id
    )
    theirs.refresh_from_db()
    with pytest.raises(crypto.TamperedTokenError):
        payout_method_details(theirs)
    assert payout_method_details(mine)["iban"] == "DE89370400440532013000"


def test_context_free_details_are_read_and_bound_by_rotation(
    db, old_key, settings, creator_factory
):
    method = _methods(creator_factory, 1)[0]
    token, key_id = crypto.seal(IBAN_DETAILS)  # as a fixture sealing directly would
    PayoutMethod.objects.filter(pk=method.pk).update(details_encrypted=token, key_id=key_id)
    method.refresh_from_db()
    assert payout_method_details(method) == IBAN_DETAILS
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_payout_keys", stdout=StringIO())
    method.refresh_from_db()
    with pytest.raises(crypto.TamperedTokenError):
        crypto.unseal(method.details_encrypted, method.key_id)  # now bound to its creator
    assert payout_method_details(method) == IBAN_DETAILS


def test_missing_key_is_refused_clearly(old_key, settings):
    token, key_id = crypto.seal(IBAN_DETAILS)
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(crypto.UnknownKeyError, match=r"2026-01.*not in PAYOUT_ENCRYPTION_KEYS"):
        crypto.unseal(token, key_id)


def test_rotation_old_key_still_reads_and_new_key_seals(old_key, settings):
    token, key_id = crypto.seal(IBAN_DETAILS)
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW, OLD]
    assert crypto.unseal(token, key_id) == IBAN_DETAILS
    assert crypto.seal(IBAN_DETAILS)[1] == "2026-07"
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
    settings.PAYOUT_ENCRYPTION_KEYS = []
    settings.DATA_DIR = tmp_path
    token, key_id = crypto.seal(IBAN_DETAILS)
    path = tmp_path / crypto.LOCAL_KEY_FILE
    assert path.exists() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert key_id.startswith("local-")
    first = path.read_text()
    assert crypto.unseal(token, key_id) == IBAN_DETAILS
    assert crypto._local_key_entry(tmp_path) == first  # never regenerated


def test_deploy_check_warns_without_keys(settings):
    settings.PAYOUT_ENCRYPTION_KEYS = []
    messages = crypto.check_payout_encryption_keys()
    assert [m.id for m in messages] == ["payouts.W001"]
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW]
    assert crypto.check_payout_encryption_keys() == []
    settings.PAYOUT_ENCRYPTION_KEYS = ["broken"]
    assert [m.id for m in crypto.check_payout_encryption_keys()] == ["payouts.E001"]


def test_deploy_check_is_registered_for_check_deploy(settings):
    from django.core import checks

    settings.PAYOUT_ENCRYPTION_KEYS = []
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    assert "payouts.W001" in [m.id for m in found]
    assert "payouts.W001" not in [m.id for m in checks.run_checks(tags=[checks.Tags.security])]


# --- the rotation command ----------------------------------------------------------------


def _methods(creator_factory, count: int) -> list[PayoutMethod]:
    sepa = Processor.objects.get(code="sepa")
    creator = creator_factory(currency="EUR")
    return [
        payout_method_add(
            creator=creator,
            processor=sepa,
            currency="EUR",
            details={**IBAN_DETAILS, "account_holder": f"Holder {i}"},
            actor=None,
        )
        for i in range(count)
    ]


def test_rotate_command_reseals_everything_in_batches_and_is_idempotent(
    db, old_key, settings, creator_factory
):
    methods = _methods(creator_factory, 5)
    assert {m.key_id for m in methods} == {"2026-01"}
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW, OLD]

    out = StringIO()
    call_command("rotate_payout_keys", "--batch-size", "2", stdout=out)
    assert "key 2026-07: re-sealed 5, already current 0, unreadable 0" in out.getvalue()
    assert set(PayoutMethod.objects.values_list("key_id", flat=True)) == {"2026-07"}
    assert AuditEvent.objects.filter(action="payout_method.details_resealed").count() == 3

    # The old key can go now: every method reads under the new one alone.
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW]
    for method in PayoutMethod.objects.all():
        assert payout_method_details(method)["iban"] == "DE89370400440532013000"

    out = StringIO()
    call_command("rotate_payout_keys", stdout=out)
    assert "re-sealed 0, already current 5, unreadable 0" in out.getvalue()


def test_rotate_command_reports_unreadable_rows_and_fails(db, old_key, settings, creator_factory):
    _methods(creator_factory, 2)
    settings.PAYOUT_ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early
    out = StringIO()
    with pytest.raises(CommandError, match="2 payout method"):
        call_command("rotate_payout_keys", stdout=out)
    assert "unreadable 2" in out.getvalue()
    assert set(PayoutMethod.objects.values_list("key_id", flat=True)) == {"2026-01"}
