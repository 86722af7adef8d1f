"""No payout is ever paid twice — with real threads and a real process killed mid-submission
(PostgreSQL: row locks, SKIP LOCKED, advisory locks). The sandbox's own store (one
``sandbox_transfer`` row per transfer it made) is the processor's side of the truth."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.ledger.accounts import network_account
from apps.ledger.models import AccountKind, JournalEntry
from apps.ledger.selectors import account_balance, trial_balance
from apps.payouts.adapters.sandbox import (
    CALLBACK_PATH,
    callback_body,
    sandbox_submit,
    sandbox_transfer_settle,
    sandbox_transfers,
    sandbox_transfers_settle_pending,
    sign,
)
from apps.payouts.models import Payout, PayoutBatch, ProcessorEvent
from apps.payouts.services.submission import (
    _processor_call,
    payout_claim_next,
    payout_mark_failed,
    payout_submit_result_record,
    payouts_submit_pending,
    submit_lease,
)

from .conftest import available_minor
from .submission_helpers import (
    mark_submitted,
    reference_data,  # noqa: F401 (the fixture)
    reload,
    sandbox_batch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]
postgres = pytest.mark.postgres

BASE_DIR = Path(django_settings.BASE_DIR)


def _threads(count: int, target) -> tuple[list, list[BaseException]]:
    """Run ``target(n)`` in ``count`` threads released together; (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(target(n))
        except BaseException as error:  # asserted on by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _assert_paid_once(payouts) -> None:
    for payout in payouts:
        payout = reload(payout)
        assert payout.state == Payout.State.PAID, payout
        assert sandbox_transfers(payout).count() == 1, payout
        assert (
            JournalEntry.objects.filter(idempotency_key=f"payout:{payout.pk}:settle").count() == 1
        )
        assert not payout.return_entry_id
    assert all(total == 0 for total in trial_balance().totals.values())


@postgres
def test_four_workers_submitting_one_batch_pay_each_payout_once(creator_factory, settings):
    settings.SANDBOX_SUBMIT_LATENCY_MS = 15  # a real round trip: the workers overlap
    batch, payouts = sandbox_batch(creator_factory, [f"demo-{n:02d}00" for n in range(24)])
    mark_submitted(batch)

    results, errors = _threads(4, lambda n: payouts_submit_pending(batch_id=batch.pk))

    assert errors == []
    assert sum(run.submitted for run in results) == len(payouts)
    assert sum(1 for run in results if run.submitted) >= 2  # they really shared the work
    for payout in payouts:
        payout = reload(payout)
        assert payout.attempts == 1
        assert payout.processor_events.filter(kind="submitting").count() == 1
    _assert_paid_once(payouts)
    net = sum(p.amount_minor - p.fee_minor for p in payouts)
    assert account_balance(network_account(AccountKind.PAYOUT_CLEARING, "USD")) == -net
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED


@postgres
def test_two_processes_racing_one_key_make_one_transfer(creator_factory, settings):
    """Even bypassing the claim (a re-claim overlapping a slow worker), the idempotency key
    makes the processor create one transfer."""
    settings.SANDBOX_AUTO_SETTLE = False
    settings.SANDBOX_SUBMIT_LATENCY_MS = 5
    _, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    results, errors = _threads(6, lambda n: sandbox_submit(reload(payout)))
    assert errors == []
    assert len({result.reference for result in results}) == 1
    assert sandbox_transfers(payout).count() == 1


def _subprocess_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        FANZDASH_DATA_DIR=str(django_settings.DATA_DIR),
        SANDBOX_AUTO_SETTLE="false",
        CELERY_TASK_ALWAYS_EAGER="true",
        DJANGO_SETTINGS_MODULE="fanzdash.settings",
    )
    return env


# The worker runs on the test's clock: time-machine moves only the test process's clock.
KILLED_WORKER = """
import os
from datetime import datetime
import time_machine
from apps.payouts.services.submission import _processor_call, payout_claim_next
with time_machine.travel(datetime.fromisoformat("{now}"), tick=True):
    claim = payout_claim_next(payout_id={payout_id})
    result = _processor_call(claim)
    print(result.outcome, result.reference, flush=True)
    os._exit(137)  # killed between the processor's answer and our database write
"""


@postgres
def test_a_worker_killed_after_the_processor_call_pays_once(creator_factory, settings):
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)

    process = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            KILLED_WORKER.format(payout_id=payout.pk, now=timezone.now().isoformat()),
        ],
        cwd=BASE_DIR,
        env=_subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 137, process.stderr
    outcome, reference = process.stdout.split()[-2:]
    assert outcome == "accepted" and reference.startswith("sbx_")

    # The claim committed, the processor made its transfer, our write never happened.
    payout = reload(payout)
    assert payout.state == Payout.State.SUBMITTED
    assert payout.attempts == 1 and payout.processor_reference == ""
    assert sandbox_transfers(payout).count() == 1

    # Before the lease runs out, nobody touches it (the worker might only be slow).
    assert payouts_submit_pending(now=timezone.now()).submitted == 0

    # After: re-sent with the same key, the processor answers with the same transfer.
    later = timezone.now() + submit_lease() + timedelta(seconds=1)
    assert payouts_submit_pending(now=later).submitted == 1
    payout = reload(payout)
    assert payout.attempts == 2
    assert payout.processor_reference == reference
    assert sandbox_transfers(payout).count() == 1

    assert sandbox_transfers_settle_pending() == 1
    _assert_paid_once([payout])
    assert available_minor(payout.creator) == 5000


def test_a_slow_worker_answering_after_a_reclaim_changes_nothing(creator_factory, settings):
    """Worker A claims and calls; its lease runs out; worker B re-claims, calls (same key,
    same transfer) and records; then A's late answer arrives: recorded, ignored."""
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    claim_a = payout_claim_next(payout_id=payout.pk)
    answer_a = _processor_call(claim_a)
    later = timezone.now() + submit_lease() + timedelta(seconds=1)
    claim_b = payout_claim_next(payout_id=payout.pk, now=later)
    assert claim_b is not None and claim_b.attempt == 2
    answer_b = _processor_call(claim_b)
    assert answer_b.reference == answer_a.reference
    payout_submit_result_record(claim=claim_b, result=answer_b)
    late = payout_submit_result_record(claim=claim_a, result=answer_a)
    assert late.state == Payout.State.SUBMITTED and late.attempts == 2
    assert sandbox_transfers(payout).count() == 1
    assert ProcessorEvent.objects.filter(payout=payout, kind="accepted").count() == 2
    # Nothing is due any more: the payout waits for its callback.
    assert payouts_submit_pending(now=later + timedelta(days=1)).submitted == 0


def test_a_claimed_payout_is_not_claimed_again_within_its_lease(creator_factory, settings):
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [_payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    assert payout_claim_next(batch_id=batch.pk) is not None
    assert payout_claim_next(batch_id=batch.pk) is None
    assert payout_claim_next(batch_id=batch.pk, now=timezone.now() + timedelta(seconds=30)) is None


@postgres
def test_the_same_callback_delivered_by_several_at_once_applies_once(creator_factory, settings):
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    payouts_submit_pending(batch_id=batch.pk)
    transfer = sandbox_transfers(payout).get()
    sandbox_transfer_settle(transfer.pk, deliver=False)
    transfer.refresh_from_db()
    body = callback_body(transfer)

    def deliver(n):
        response = Client().post(
            CALLBACK_PATH,
            data=body,
            content_type="application/json",
            HTTP_X_FANZ_SIGNATURE=sign(body),
        )
        return response.status_code, response.json()["result"]

    results, errors = _threads(5, deliver)
    assert errors == []
    assert sorted(results) == [(200, "applied")] + [(200, "duplicate")] * 4
    _assert_paid_once([payout])


@postgres
def test_paid_callback_racing_an_operator_marking_failed(creator_factory, settings):
    """One of the two wins; the money moves once (settled XOR returned)."""
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    payouts_submit_pending(batch_id=batch.pk)
    transfer = sandbox_transfers(payout).get()
    sandbox_transfer_settle(transfer.pk, deliver=False)
    transfer.refresh_from_db()
    body = callback_body(transfer)

    def work(n):
        if n == 0:
            return (
                Client()
                .post(
                    CALLBACK_PATH,
                    data=body,
                    content_type="application/json",
                    HTTP_X_FANZ_SIGNATURE=sign(body),
                )
                .json()
                .get("result")
            )
        try:
            return payout_mark_failed(
                payout=reload(payout), actor=None, code="account_closed", reason="operator"
            ).state
        except Exception as error:  # the loser may be refused
            return getattr(error, "code", repr(error))

    results, errors = _threads(2, work)
    assert errors == []
    payout = reload(payout)
    assert bool(payout.settle_entry_id) != bool(payout.return_entry_id)
    if payout.state == Payout.State.PAID:
        assert "payout_already_paid" in results
        assert available_minor(payout.creator) == 5000
    else:
        assert payout.state == Payout.State.FAILED
        assert "ignored" in results
        assert available_minor(payout.creator) == 10000
    assert all(total == 0 for total in trial_balance().totals.values())
