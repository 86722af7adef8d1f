"""Two operators uploading the same result file at the same moment (PostgreSQL, real
threads): every payout is settled exactly once, and the two reports together name each
payout once as applied and once as skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.ledger.models import JournalEntry
from apps.payouts.models import Payout, PayoutBatch
from apps.payouts.services.files import batch_reconcile

from .files_support import SEPA_DETAILS, file_batch

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # Re-seed what a transactional test before this one flushed (serialized_rollback would
    # reload rows that post_migrate has already recreated, e.g. the role groups).
    pytest.mark.usefixtures("payout_reference_data"),
]

PAYOUTS = 6


def test_two_uploads_at_once_settle_each_payout_once(payable_creator):
    batch, payouts = file_batch(
        payable_creator, "sepa", [SEPA_DETAILS] * PAYOUTS, currency="EUR", status="submitted"
    )
    rows = ["reference,status,failure_code"]
    for index, payout in enumerate(payouts):
        status = "failed,AC01" if index % 3 == 0 else "paid,"
        rows.append(f"{payout.idempotency_key.hex},{status}")
    content = ("\n".join(rows) + "\n").encode()
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def work() -> None:
        try:
            barrier.wait()
            reports.append(
                batch_reconcile(
                    batch=PayoutBatch.objects.get(pk=batch.pk), content=content, actor=None
                )
            )
        except BaseException as error:  # asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    applied = [pk for r in reports for pk in r.paid] + [pk for r in reports for pk, _ in r.failed]
    skipped = [pk for r in reports for pk, _ in r.skipped]
    assert sorted(applied) == sorted(p.pk for p in payouts)
    assert sorted(skipped) == sorted(p.pk for p in payouts)
    for index, payout in enumerate(payouts):
        payout.refresh_from_db()
        expected = Payout.State.FAILED if index % 3 == 0 else Payout.State.PAID
        assert payout.state == expected
    keys = [f"payout:{p.pk}:settle" for p in payouts] + [f"payout:{p.pk}:return" for p in payouts]
    assert JournalEntry.objects.filter(idempotency_key__in=keys).count() == PAYOUTS
    assert PayoutBatch.objects.get(pk=batch.pk).status == PayoutBatch.Status.SETTLED
