"""Submitting batches and settling payouts (apps/payouts/submission.py): the sandbox's paid and
failed paths end to end, backoff for transient failures, no retry for permanent ones, funds
back to available on failure, file processors settled by an operator, every step audited.

Celery runs eagerly in the tests and the database commits (transaction=True), so submitting
a batch runs the worker, the sandbox settles and calls back in-process at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.ledger.accounts import network_account
from apps.ledger.models import AccountKind, JournalEntry
from apps.ledger.selectors import account_balance, trial_balance
from apps.payouts.adapters import FAILURE_CODES, adapter_for, failure_message
from apps.payouts.adapters.base import FileSettlementAdapter, SubmitResult
from apps.payouts.adapters.sandbox import SandboxAdapter, sandbox_transfers
from apps.payouts.models import Payout, PayoutBatch, PayoutMethod, Processor
from apps.payouts.services.submission import (
    payout_batch_submit,
    payout_mark_failed,
    payout_mark_paid,
    payouts_submit_pending,
    retry_delay,
)

from .conftest import available_minor, in_payout_minor, make_payout
from .submission_helpers import (
    mark_submitted,
    reference_data,  # noqa: F401 (the fixture)
    reload,
    sandbox_batch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def _actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- adapters ----------------------------------------------------------------------------


def test_adapter_registry():
    assert isinstance(adapter_for(Processor.objects.get(code="sandbox")), SandboxAdapter)
    paxum = adapter_for(Processor.objects.get(code="paxum"))
    assert isinstance(paxum, FileSettlementAdapter)
    assert paxum.submit(None) == SubmitResult.awaiting_file()
    api_without_adapter = Processor.objects.create(
        code="nowhere", name="Nowhere", method_type="wise", settlement="api", speed="never"
    )
    with pytest.raises(ApplicationError) as caught:
        adapter_for(api_without_adapter)
    assert caught.value.code == "no_adapter"


def test_failure_codes_have_plain_words_and_a_kind():
    assert failure_message("account_closed") == (
        "The bank says this account is closed. Please add a new payout method."
    )
    assert FAILURE_CODES["insufficient_funds"].transient
    assert not FAILURE_CODES["account_closed"].transient
    assert not FAILURE_CODES["invalid_account_number"].transient
    assert not FAILURE_CODES["compliance_rejected"].transient
    # Unknown codes are permanent, never retried, in general words.
    assert SubmitResult.failed("weird_code").transient is False
    assert "refused" in failure_message("weird_code")


def test_retry_delay_is_exponential_and_capped(settings):
    settings.PAYOUT_RETRY_BASE_SECONDS = 60
    settings.PAYOUT_RETRY_MAX_SECONDS = 600
    assert [retry_delay(n).total_seconds() for n in range(1, 6)] == [60, 120, 240, 480, 600]


# --- the batch ---------------------------------------------------------------------------


def test_submit_refuses_a_batch_that_is_not_approved(creator_factory, finance_user):
    batch, _ = sandbox_batch(creator_factory, ["demo-0000"])
    PayoutBatch.objects.filter(pk=batch.pk).update(status=PayoutBatch.Status.DRAFT)
    batch.refresh_from_db()
    with pytest.raises(ApplicationError) as caught:
        payout_batch_submit(batch=batch, actor=finance_user)
    assert caught.value.code == "batch_not_approved"
    assert caught.value.status_code == 409
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT
    assert "payouts.batch_submitted" not in _actions(batch)
    assert Payout.objects.get(batch=batch).state == Payout.State.PENDING


def test_sandbox_success_end_to_end(creator_factory, finance_user):
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"], payout_minor=5000, fee=100)
    creator = payout.creator
    assert available_minor(creator) == 5000 and in_payout_minor(creator) == 5000

    payout_batch_submit(batch=batch, actor=finance_user)

    payout = reload(payout)
    assert payout.state == Payout.State.PAID
    assert payout.attempts == 1
    transfer = sandbox_transfers(payout).get()
    assert payout.processor_reference == transfer.payload["reference"]
    assert transfer.payload["status"] == "paid"
    assert payout.settle_entry_id and not payout.return_entry_id
    # The ledger: in_payout emptied, what the creator receives to payout_clearing, fee apart.
    assert available_minor(creator) == 5000 and in_payout_minor(creator) == 0
    assert account_balance(network_account(AccountKind.PAYOUT_CLEARING, "USD")) == -4900
    assert account_balance(network_account(AccountKind.PAYOUT_FEES, "USD")) == -100
    assert all(total == 0 for total in trial_balance().totals.values())
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED and batch.settled_at
    assert _actions(batch) == ["payouts.batch_submitted", "payouts.batch_settled"]
    assert [a for a in _actions(payout) if a.startswith("payouts.payout")] == [
        "payouts.payout_submitting",
        "payouts.payout_paid",
    ]
    kinds = list(payout.processor_events.values_list("kind", flat=True))
    assert kinds[:2] == ["submitting", "sandbox_transfer"]
    assert {"callback", "paid", "accepted"} <= set(kinds)


def test_sandbox_failure_returns_funds_and_flags_the_method(creator_factory, finance_user):
    batch, [ok, closed] = sandbox_batch(creator_factory, ["demo-0000", "demo-0001"])
    payout_batch_submit(batch=batch, actor=finance_user)

    closed = reload(closed)
    assert closed.state == Payout.State.FAILED
    assert closed.failure_code == "account_closed"
    assert closed.failure_reason == failure_message("account_closed")
    assert closed.return_entry_id and not closed.settle_entry_id
    assert closed.attempts == 1  # permanent: not retried
    # Funds are back: 100.00 funded, 50.00 reserved, returned.
    assert available_minor(closed.creator) == 10000
    assert in_payout_minor(closed.creator) == 0
    method = PayoutMethod.objects.get(pk=closed.method_id)
    assert method.status == PayoutMethod.Status.NEEDS_ATTENTION
    assert method.attention_reason == failure_message("account_closed")
    assert "payouts.method_flagged" in _actions(method)
    assert "payouts.payout_failed" in _actions(closed)

    assert reload(ok).state == Payout.State.PAID
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    assert all(total == 0 for total in trial_balance().totals.values())


def test_refusal_at_submit_is_permanent_and_never_retried(creator_factory, finance_user):
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0002"])  # invalid_account_number
    payout_batch_submit(batch=batch, actor=finance_user)
    payout = reload(payout)
    assert payout.state == Payout.State.FAILED
    assert payout.failure_code == "invalid_account_number"
    assert payout.next_attempt_at is None
    assert sandbox_transfers(payout).count() == 0
    assert available_minor(payout.creator) == 10000
    later = timezone.now() + timedelta(days=2)
    assert payouts_submit_pending(now=later).submitted == 0
    assert reload(payout).attempts == 1


def test_transient_failure_is_retried_with_backoff_then_succeeds(
    creator_factory, finance_user, settings
):
    settings.PAYOUT_RETRY_BASE_SECONDS = 60
    # demo-0003: insufficient_funds (processor side) twice, then accepted and paid.
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0003"])
    before = timezone.now()
    payout_batch_submit(batch=batch, actor=finance_user)

    payout = reload(payout)
    assert payout.state == Payout.State.PENDING
    assert payout.attempts == 1
    assert payout.failure_code == "insufficient_funds"
    assert payout.failure_reason == failure_message("insufficient_funds")
    first_wait = payout.next_attempt_at - before
    assert timedelta(seconds=59) < first_wait < timedelta(seconds=70)
    assert in_payout_minor(payout.creator) == 5000  # still reserved while it waits
    assert "payouts.payout_retry_scheduled" in _actions(payout)

    # Not due yet: nothing happens.
    assert payouts_submit_pending(now=timezone.now()).submitted == 0

    # Due: second try, refused again, twice the wait.
    second_at = payout.next_attempt_at + timedelta(seconds=1)
    assert payouts_submit_pending(now=second_at).submitted == 1
    payout = reload(payout)
    assert payout.state == Payout.State.PENDING and payout.attempts == 2
    second_wait = payout.next_attempt_at - timezone.now()
    assert timedelta(seconds=115) < second_wait < timedelta(seconds=125)

    # Third try: accepted and (eagerly) paid; one transfer.
    assert payouts_submit_pending(now=payout.next_attempt_at + timedelta(seconds=1)).submitted
    payout = reload(payout)
    assert payout.state == Payout.State.PAID and payout.attempts == 3
    assert payout.failure_code == "" and payout.failure_reason == ""
    assert sandbox_transfers(payout).count() == 1
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED


def test_transient_failure_gives_up_after_max_attempts(creator_factory, finance_user, settings):
    settings.PAYOUT_SUBMIT_MAX_ATTEMPTS = 3
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0005"])  # processor_unavailable
    payout_batch_submit(batch=batch, actor=finance_user)
    far = timezone.now() + timedelta(days=1)
    payouts_submit_pending(now=far)
    payouts_submit_pending(now=far + timedelta(days=1))
    payout = reload(payout)
    assert payout.state == Payout.State.FAILED
    assert payout.attempts == 3
    assert payout.failure_code == "retries_exhausted"
    assert available_minor(payout.creator) == 10000
    # Not the creator's fault: the method is not flagged.
    assert PayoutMethod.objects.get(pk=payout.method_id).status == PayoutMethod.Status.VERIFIED
    assert payouts_submit_pending(now=far + timedelta(days=5)).submitted == 0


def test_async_compliance_rejection_by_explicit_outcome(creator_factory, finance_user):
    batch, [payout] = sandbox_batch(creator_factory, [("anything", "compliance_rejected")])
    payout_batch_submit(batch=batch, actor=finance_user)
    payout = reload(payout)
    assert payout.state == Payout.State.FAILED
    assert payout.failure_code == "compliance_rejected"
    assert sandbox_transfers(payout).count() == 1


def test_submit_when_sandbox_settles_later(creator_factory, finance_user, settings):
    """SANDBOX_AUTO_SETTLE off: accepted, reference stored, waiting for the callback."""
    from apps.payouts.adapters.sandbox import sandbox_transfers_settle_pending

    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    payout_batch_submit(batch=batch, actor=finance_user)
    payout = reload(payout)
    assert payout.state == Payout.State.SUBMITTED
    assert payout.processor_reference.startswith("sbx_")
    assert payout.next_attempt_at is None  # accepted: no lease left to expire
    assert "payouts.payout_accepted" in _actions(payout)
    # The beat finds nothing to re-send.
    assert payouts_submit_pending(now=timezone.now() + timedelta(days=1)).submitted == 0
    assert sandbox_transfers_settle_pending() == 1
    assert reload(payout).state == Payout.State.PAID
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED


# --- file processors: the operator settles --------------------------------------------------


@pytest.fixture
def paxum_batch(payable_creator):
    a = payable_creator("100.00", processor="paxum")
    b = payable_creator("100.00", processor="paxum")
    batch = PayoutBatch.objects.create(
        processor=Processor.objects.get(code="paxum"), currency_id="USD", source="manual"
    )
    payouts = [make_payout(c, 4000, fee_minor=140, batch=batch) for c in (a, b)]
    PayoutBatch.objects.filter(pk=batch.pk).update(
        status=PayoutBatch.Status.APPROVED, payout_count=2, total_minor=8000
    )
    batch.refresh_from_db()
    return batch, payouts


def test_file_processor_waits_for_the_operator(paxum_batch, finance_user):
    batch, [first, second] = paxum_batch
    payout_batch_submit(batch=batch, actor=finance_user)
    for payout in (first, second):
        payout = reload(payout)
        assert payout.state == Payout.State.SUBMITTED
        assert payout.processor_reference == "" and payout.next_attempt_at is None
        assert "payouts.payout_awaiting_file" in _actions(payout)
    assert payouts_submit_pending(now=timezone.now() + timedelta(days=1)).submitted == 0

    paid = payout_mark_paid(payout=first, actor=finance_user, reference="PX-123")
    assert paid.state == Payout.State.PAID and paid.processor_reference == "PX-123"
    assert in_payout_minor(first.creator) == 0
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SUBMITTED  # one still open

    # Marking paid again changes nothing; marking a paid payout failed is refused.
    entries = JournalEntry.objects.count()
    payout_mark_paid(payout=first, actor=finance_user, reference="PX-123")
    assert JournalEntry.objects.count() == entries
    with pytest.raises(ApplicationError) as caught:
        payout_mark_failed(payout=first, actor=finance_user, code="account_closed", reason="x")
    assert caught.value.code == "payout_already_paid"

    failed = payout_mark_failed(
        payout=second, actor=finance_user, code="account_closed", reason="R02 from the bank"
    )
    assert failed.state == Payout.State.FAILED
    assert failed.failure_reason == failure_message("account_closed")
    assert available_minor(second.creator) == 10000
    event = failed.processor_events.get(kind="failed")
    assert event.payload["reason"] == "R02 from the bank"
    assert event.payload["source"] == "operator"
    with pytest.raises(ApplicationError) as caught:
        payout_mark_paid(payout=second, actor=finance_user, reference="late")
    assert caught.value.code == "payout_not_submitted"
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED
    audit = AuditEvent.objects.get(action="payouts.payout_paid", target_id=str(first.pk))
    assert audit.actor == finance_user


def test_marking_a_payout_of_an_unsubmitted_batch_is_refused(paxum_batch, finance_user):
    _batch, [payout, _] = paxum_batch
    for call in (
        lambda: payout_mark_paid(payout=payout, actor=finance_user, reference="X"),
        lambda: payout_mark_failed(payout=payout, actor=finance_user, code="account_closed"),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert caught.value.code == "payout_not_submitted"
    payout = reload(payout)
    assert payout.state == Payout.State.PENDING
    assert not payout.settle_entry_id and not payout.return_entry_id


def test_mark_failed_needs_a_code(paxum_batch, finance_user):
    batch, [payout, _] = paxum_batch
    mark_submitted(batch)
    with pytest.raises(ApplicationError) as caught:
        payout_mark_failed(payout=payout, actor=finance_user, code=" ")
    assert caught.value.status_code == 400
    assert reload(payout).state == Payout.State.PENDING


# --- the command -------------------------------------------------------------------------


def test_submit_batch_command(creator_factory, capsys):
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    call_command("submit_batch", str(batch.pk))
    out = capsys.readouterr().out
    assert f"batch {batch.pk}: submitted" in out
    assert f"batch {batch.pk}: 1 paid" in out
    assert f"batch {batch.pk}: settled" in out
    assert reload(payout).state == Payout.State.PAID
    # Settled: nothing more to submit.
    with pytest.raises(CommandError, match="batch_not_approved"):
        call_command("submit_batch", str(batch.pk))
    with pytest.raises(CommandError, match="No payout batch"):
        call_command("submit_batch", "999999")


def test_submit_batch_command_resumes_and_checks_the_actor(creator_factory, support_user, settings):
    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    with pytest.raises(CommandError, match="may not submit"):
        call_command("submit_batch", str(batch.pk), "--as", support_user.email)
    mark_submitted(batch)
    call_command("submit_batch", str(batch.pk))
    payout = reload(payout)
    assert payout.state == Payout.State.SUBMITTED and payout.processor_reference


def test_the_beat_task_resends_lost_submissions_and_settles_batches(creator_factory, settings):
    from apps.payouts.services.submission import payout_claim_next
    from apps.payouts.tasks import payouts_submit_due

    settings.PAYOUT_SUBMIT_LEASE_SECONDS = 0  # the lease is over as soon as it starts
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    assert payout_claim_next(batch_id=batch.pk) is not None  # ... and its worker died
    result = payouts_submit_due.apply().result
    assert result["submitted"] == 1
    payout = reload(payout)
    assert payout.state == Payout.State.PAID and payout.attempts == 2
    assert sandbox_transfers(payout).count() == 1
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED

    # A submitted batch whose payouts all closed elsewhere is settled by the sweep.
    other, [closed] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(other)
    Payout.objects.filter(pk=closed.pk).update(state=Payout.State.CANCELLED)
    assert payouts_submit_due.apply().result["batches_settled"] == 1
    other.refresh_from_db()
    assert other.status == PayoutBatch.Status.SETTLED


def test_lost_answers_are_retried_without_limit_and_pay_once(
    creator_factory, finance_user, settings
):
    """A timeout after the processor made the transfer: the outcome is unknown, so the retry
    limit never fails the payout (its money may have left); the same key finds the transfer."""
    settings.SANDBOX_AUTO_SETTLE = False
    settings.PAYOUT_SUBMIT_MAX_ATTEMPTS = 2
    batch, [payout] = sandbox_batch(creator_factory, [("demo-0000", "lost:3")])
    payout_batch_submit(batch=batch, actor=finance_user)
    payout = reload(payout)
    assert payout.state == Payout.State.PENDING
    assert payout.failure_code == "outcome_unknown"
    assert sandbox_transfers(payout).count() == 1  # the processor did make it
    moment = timezone.now()
    for _ in range(3):  # attempts 2 and 3: lost again, over the limit, still retried
        moment += timedelta(days=1)
        payouts_submit_pending(now=moment)
    payout = reload(payout)
    assert payout.attempts == 4
    assert payout.state == Payout.State.SUBMITTED  # the 4th answer arrived: accepted
    assert payout.processor_reference == sandbox_transfers(payout).get().payload["reference"]
    assert not payout.return_entry_id
    assert in_payout_minor(payout.creator) == 5000


def test_a_callback_resolves_a_payout_whose_answer_was_lost(creator_factory, finance_user):
    """Auto-settle on: the answer is lost, the payout waits for a retry, and the processor's
    callback (paid) arrives first: paid once; the retry later finds nothing to do."""
    batch, [payout] = sandbox_batch(creator_factory, [("demo-0000", "lost:1")])
    payout_batch_submit(batch=batch, actor=finance_user)
    payout = reload(payout)
    assert payout.state == Payout.State.PAID
    assert payout.processor_reference.startswith("sbx_")
    assert payouts_submit_pending(now=timezone.now() + timedelta(days=1)).submitted == 0
    assert sandbox_transfers(payout).count() == 1
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.SETTLED


def test_the_processor_is_never_called_inside_a_transaction(creator_factory, settings):
    from django.db import transaction

    from apps.payouts.services.submission import SubmitInsideTransaction

    settings.SANDBOX_AUTO_SETTLE = False
    batch, [payout] = sandbox_batch(creator_factory, ["demo-0000"])
    mark_submitted(batch)
    with pytest.raises(SubmitInsideTransaction), transaction.atomic():
        payouts_submit_pending(batch_id=batch.pk)
    # The claim rolled back with the caller's transaction, and nothing was sent.
    payout = reload(payout)
    assert payout.state == Payout.State.PENDING and payout.attempts == 0
    assert sandbox_transfers(payout).count() == 0
