"""Result files applied to a submitted batch: each payout paid or failed exactly once,
through the submission services, with the ledger following; bad files apply nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.ledger.models import JournalEntry
from apps.payouts.models import Payout, PayoutBatch, PayoutMethod
from apps.payouts.services.submission import payout_mark_paid

from .conftest import available_minor, in_payout_minor
from .files_support import SEPA_DETAILS, file_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(payable_creator):
    details = [SEPA_DETAILS] * 3
    return file_batch(
        payable_creator, "sepa", details, currency="EUR", amounts=[5000, 6000, 7000],
        status="submitted",
    )  # fmt: skip


def result_file(rows) -> bytes:
    lines = ["end_to_end_id,status,failure_code,failure_reason"]
    lines += [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def reconcile(batch, content: bytes, tmp_path) -> str:
    path = tmp_path / "result.csv"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("reconcile_batch", str(batch.pk), str(path), stdout=out)
    return out.getvalue()


def test_paid_and_failed_are_applied_once(submitted, tmp_path):
    batch, (paid, failed, later) = submitted
    creator_failed = failed.creator
    before_available = available_minor(creator_failed, "EUR")
    content = result_file(
        [
            (paid.idempotency_key.hex, "paid", "", ""),
            (str(failed.idempotency_key), "failed", "AC04", "Closed account"),
        ]
    )
    output = reconcile(batch, content, tmp_path)
    assert f"payout {paid.pk}: paid" in output
    assert f"payout {failed.pk}: failed (account_closed)" in output
    assert output.strip().endswith(f"batch {batch.pk}: 1 paid, 1 failed, 0 skipped")

    paid.refresh_from_db()
    failed.refresh_from_db()
    later.refresh_from_db()
    assert paid.state == Payout.State.PAID and paid.settle_entry_id
    assert failed.state == Payout.State.FAILED and failed.return_entry_id
    assert failed.failure_code == "account_closed"
    assert later.state == Payout.State.SUBMITTED
    # The failed creator's money is back on available; the method is flagged.
    assert available_minor(creator_failed, "EUR") == before_available + 6000
    assert in_payout_minor(creator_failed, "EUR") == 0
    assert PayoutMethod.objects.get(pk=failed.method_id).status == "needs_attention"
    assert failed.processor_events.filter(kind="failed", payload__source="result_file").exists()

    # The same file again: nothing is settled twice.
    entries = JournalEntry.objects.count()
    again = reconcile(batch, content, tmp_path)
    assert f"payout {paid.pk}: skipped (already paid)" in again
    assert f"payout {failed.pk}: skipped (already failed)" in again
    assert again.strip().endswith("0 paid, 0 failed, 2 skipped")
    assert JournalEntry.objects.count() == entries
    assert available_minor(creator_failed, "EUR") == before_available + 6000


def test_a_payout_settled_by_hand_is_skipped_and_the_batch_settles(
    submitted, tmp_path, finance_user
):
    batch, (first, second, third) = submitted
    payout_mark_paid(payout=first, actor=finance_user, reference="by hand")
    content = result_file([(p.idempotency_key.hex, "paid", "", "") for p in (first, second, third)])
    output = reconcile(batch, content, tmp_path)
    assert f"payout {first.pk}: skipped (already paid)" in output
    assert "2 paid, 0 failed, 1 skipped" in output
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    # A settled batch's file once more: every payout skipped.
    assert "0 paid, 0 failed, 3 skipped" in reconcile(batch, content, tmp_path)


def test_a_bad_file_applies_nothing(submitted, tmp_path):
    batch, (first, _second, _third) = submitted
    content = result_file(
        [
            (first.idempotency_key.hex, "paid", "", ""),
            ("00000000000000000000000000000000", "paid", "", ""),  # not this batch's
        ]
    )
    with pytest.raises(CommandError, match="not a payout of this batch"):
        reconcile(batch, content, tmp_path)
    first.refresh_from_db()
    assert first.state == Payout.State.SUBMITTED and first.settle_entry_id is None
    with pytest.raises(CommandError, match="invalid_result_file"):
        reconcile(batch, b"reference,status\nabc,perhaps\n", tmp_path)


def test_a_batch_not_submitted_is_refused(payable_creator, tmp_path):
    batch, (payout,) = file_batch(payable_creator, "sepa", [SEPA_DETAILS], currency="EUR")
    content = result_file([(payout.idempotency_key.hex, "paid", "", "")])
    with pytest.raises(CommandError, match="batch_not_submitted"):
        reconcile(batch, content, tmp_path)
    payout.refresh_from_db()
    assert payout.state == Payout.State.PENDING


def test_missing_file_or_batch(submitted, tmp_path):
    batch, _ = submitted
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("reconcile_batch", str(batch.pk), str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="No payout batch"):
        call_command("reconcile_batch", "999999", str(tmp_path / "nope.csv"))


# --- the upload view ---------------------------------------------------------------------


def upload(client, batch, content: bytes):
    return client.post(
        reverse("payouts:batch_result_upload", kwargs={"pk": batch.pk}),
        {"result_file": SimpleUploadedFile("result.csv", content, content_type="text/csv")},
    )


@pytest.mark.parametrize("role", ["super_admin", "finance"])
def test_upload_for_finance_and_super_admin(submitted, users_by_role, client_for, role):
    batch, (paid, failed, _) = submitted
    content = result_file(
        [
            (paid.idempotency_key.hex, "paid", "", ""),
            (failed.idempotency_key.hex, "failed", "R03", ""),
        ]
    )
    response = upload(client_for(users_by_role[role]), batch, content)
    assert response.status_code == 302
    paid.refresh_from_db()
    failed.refresh_from_db()
    assert paid.state == Payout.State.PAID
    assert failed.state == Payout.State.FAILED and failed.failure_code == "account_not_found"


@pytest.mark.parametrize("role", ["compliance", "support", "creator"])
def test_upload_refused_for_other_roles(submitted, users_by_role, client_for, role):
    batch, (paid, _, _) = submitted
    response = upload(
        client_for(users_by_role[role]),
        batch,
        result_file([(paid.idempotency_key.hex, "paid", "", "")]),
    )
    assert response.status_code == 403
    paid.refresh_from_db()
    assert paid.state == Payout.State.SUBMITTED


def test_upload_anonymous_is_sent_to_login(submitted, client):
    batch, (paid, _, _) = submitted
    response = upload(client, batch, result_file([(paid.idempotency_key.hex, "paid", "", "")]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    paid.refresh_from_db()
    assert paid.state == Payout.State.SUBMITTED


def test_upload_of_a_bad_file_or_none_applies_nothing(submitted, finance_user, client_for):
    from django.contrib.messages import get_messages

    batch, (paid, _, _) = submitted
    client = client_for(finance_user)
    response = upload(client, batch, b"reference,status\nnot-ours,paid\n")
    assert response.status_code == 302
    assert "Nothing was applied" in [str(m) for m in get_messages(response.wsgi_request)][-1]
    response = client.post(reverse("payouts:batch_result_upload", kwargs={"pk": batch.pk}), {})
    assert response.status_code == 302
    assert (
        client.get(reverse("payouts:batch_result_upload", kwargs={"pk": batch.pk})).status_code
        == 405
    )
    paid.refresh_from_db()
    assert paid.state == Payout.State.SUBMITTED
