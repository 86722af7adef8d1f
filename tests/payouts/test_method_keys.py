"""Payout method details at rest: sealed on the row and bound to the creator, read back by
``PayoutMethod.details()``, and re-sealed under a new key by ``rotate_payout_keys``."""

from __future__ import annotations

import base64
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.audit.models import AuditEvent
from apps.core import crypto
from apps.payouts.models import DETAILS_PURPOSE, PayoutMethod, Processor
from apps.payouts.services.methods import payout_method_add


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


OLD = f"2026-01:{_key()}"
NEW = f"2026-07:{_key()}"

IBAN_DETAILS = {"account_holder": "Ana Example", "iban": "DE89370400440532013000"}


@pytest.fixture
def old_key(settings):
    settings.ENCRYPTION_KEYS = [OLD]
    return settings


def test_details_copied_into_another_creators_row_are_refused(db, old_key, creator_factory):
    mine, theirs = _methods(creator_factory, 1)[0], _methods(creator_factory, 1)[0]
    PayoutMethod.objects.filter(pk=theirs.pk).update(
        details_encrypted=mine.details_encrypted, key_id=mine.key_id
    )
    theirs.refresh_from_db()
    with pytest.raises(crypto.TamperedTokenError):
        theirs.details()
    assert mine.details()["iban"] == "DE89370400440532013000"


def test_context_free_details_are_read_and_bound_by_rotation(
    db, old_key, settings, creator_factory
):
    method = _methods(creator_factory, 1)[0]
    # Sealed directly, without the creator's context, as an old fixture would.
    token, key_id = crypto.seal(IBAN_DETAILS, purpose=DETAILS_PURPOSE)
    PayoutMethod.objects.filter(pk=method.pk).update(details_encrypted=token, key_id=key_id)
    method.refresh_from_db()
    assert method.details() == IBAN_DETAILS
    settings.ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_payout_keys", stdout=StringIO())
    method.refresh_from_db()
    with pytest.raises(crypto.TamperedTokenError):
        # now bound to its creator
        crypto.unseal(method.details_encrypted, method.key_id, purpose=DETAILS_PURPOSE)
    assert method.details() == IBAN_DETAILS


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
    settings.ENCRYPTION_KEYS = [NEW, OLD]

    out = StringIO()
    call_command("rotate_payout_keys", "--batch-size", "2", stdout=out)
    assert "key 2026-07: re-sealed 5, already current 0, unreadable 0" in out.getvalue()
    assert set(PayoutMethod.objects.values_list("key_id", flat=True)) == {"2026-07"}
    assert AuditEvent.objects.filter(action="payout_method.details_resealed").count() == 3

    # The old key can go now: every method reads under the new one alone.
    settings.ENCRYPTION_KEYS = [NEW]
    for method in PayoutMethod.objects.all():
        assert method.details()["iban"] == "DE89370400440532013000"

    out = StringIO()
    call_command("rotate_payout_keys", stdout=out)
    assert "re-sealed 0, already current 5, unreadable 0" in out.getvalue()


def test_rotate_command_reports_unreadable_rows_and_fails(db, old_key, settings, creator_factory):
    _methods(creator_factory, 2)
    settings.ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early
    out = StringIO()
    with pytest.raises(CommandError, match="2 payout method"):
        call_command("rotate_payout_keys", stdout=out)
    assert "unreadable 2" in out.getvalue()
    assert set(PayoutMethod.objects.values_list("key_id", flat=True)) == {"2026-01"}
