"""Submitting payouts to their processors and recording how they settle — without ever paying
a payout twice (docs/payouts.md, "Submission").

The path of one payout::

    pending ──claim (commit)──▶ submitted ──adapter.submit(idempotency key)──▶
        accepted   → submitted, processor_reference set; paid/failed arrives later
        paid       → paid      (payout_settle: in_payout → payout_clearing + payout_fees)
        failed, transient → pending again, next_attempt_at = now + backoff (attempts ≤ max)
        failed, permanent → failed (payout_return: in_payout → available; method flagged)
        awaiting_file     → submitted; an operator marks paid/failed or uploads a result file

Why it cannot pay twice:

1. **Claim first, commit, then call.** A worker claims a payout in its own short transaction:
   ``SELECT … FOR UPDATE SKIP LOCKED`` picks a due payout no other worker holds, and a
   conditional ``UPDATE … WHERE state = <seen> AND attempts = <seen>`` moves it to
   ``submitted`` with ``attempts + 1`` and a lease (``next_attempt_at = now + lease``). Only
   after that commits does the worker call the processor, outside any transaction
   (architecture rule 3). Two workers on one batch therefore never hold the same payout.
2. **The processor call carries ``Payout.idempotency_key``.** A worker killed between the
   processor's answer and our write leaves the payout ``submitted`` with no reference and an
   expired lease; the next run re-claims it and submits again with the same key, and the
   processor answers with the transfer it already made.
3. **State checks inside the transaction.** Every write of a result locks the payout row and
   checks the state (and the attempt it belongs to); a late, duplicate or stale answer is
   recorded in the trail (``ProcessorEvent``) and changes nothing. The ledger steps are
   idempotent by key and exclusive (settled XOR returned; ``services/ledger.py``).

Every transition is audited in the same transaction as the change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.backoff import backoff_seconds
from apps.core.exceptions import ApplicationError
from apps.core.queue import task_send_on_commit
from apps.payouts.adapters.base import (
    FAILURE_CODES,
    Outcome,
    SubmitResult,
    adapter_for,
    failure_for,
)
from apps.payouts.models import Payout, PayoutBatch, PayoutMethod, ProcessorEvent
from apps.payouts.services.ledger import payout_return, payout_settle

logger = logging.getLogger(__name__)

# Its tasks (apps.payouts.tasks), queued by name.
SUBMIT_BATCH_TASK = "payouts.submit_batch"
SUBMIT_PAYOUT_TASK = "payouts.submit_payout"

OPEN_STATES = (Payout.State.PENDING, Payout.State.SUBMITTED)
CLOSED_STATES = (Payout.State.PAID, Payout.State.FAILED, Payout.State.CANCELLED)


# --- knobs -----------------------------------------------------------------------------------


def submit_lease() -> timedelta:
    """How long a claimed payout is left to its worker before another may re-submit it (with
    the same idempotency key). Longer than any processor call."""
    return timedelta(seconds=settings.PAYOUT_SUBMIT_LEASE_SECONDS)


def max_attempts() -> int:
    return settings.PAYOUT_SUBMIT_MAX_ATTEMPTS


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th try failed transiently: base * 2^(n-1),
    capped (defaults: 1, 2, 4, 8, 16 minutes …, at most 6 hours)."""
    return timedelta(
        seconds=backoff_seconds(
            attempts, base=settings.PAYOUT_RETRY_BASE_SECONDS, cap=settings.PAYOUT_RETRY_MAX_SECONDS
        )
    )


# --- helpers ---------------------------------------------------------------------------------


def _snapshot(payout: Payout) -> dict:
    return {
        "state": payout.state,
        "attempts": payout.attempts,
        "processor_reference": payout.processor_reference,
        "failure_code": payout.failure_code,
        "next_attempt_at": payout.next_attempt_at.isoformat() if payout.next_attempt_at else None,
    }


def _event(payout: Payout, kind: str, payload: dict | None = None, status_code=None) -> None:
    ProcessorEvent.objects.create(
        payout=payout, kind=kind, payload=payload or {}, status_code=status_code
    )


def _lock(payout: Payout | int) -> Payout:
    pk = payout if isinstance(payout, int) else payout.pk
    return Payout.objects.select_for_update(of=("self",)).select_related("batch").get(pk=pk)


def _result_payload(result: SubmitResult, attempt: int) -> dict:
    return {
        "attempt": attempt,
        "outcome": str(result.outcome),
        "reference": result.reference,
        "failure_code": result.failure_code,
        "detail": result.detail,
        "raw": result.raw,
    }


# --- the batch -------------------------------------------------------------------------------


def payout_batch_submit(*, batch: PayoutBatch, actor) -> PayoutBatch:
    """approved → submitted (audited); its payouts are then submitted by a worker
    (``payouts.submit_batch`` task, after commit). Refused for any other state and for a
    processor FanzDash has no adapter for (nothing changes)."""
    with transaction.atomic():
        locked = (
            PayoutBatch.objects.select_for_update(of=("self",))
            .select_related("processor")
            .get(pk=batch.pk)
        )
        if locked.status != PayoutBatch.Status.APPROVED:
            raise ApplicationError(
                "batch_not_approved",
                f"Batch #{locked.pk} is {locked.get_status_display().lower()}; only an approved "
                "batch can be submitted.",
                status_code=409,
            )
        adapter_for(locked.processor)  # no adapter: refuse before anything changes
        now = timezone.now()
        locked.status = PayoutBatch.Status.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=["status", "submitted_at"])
        audit_record(
            actor=actor,
            action="payouts.batch_submitted",
            target=locked,
            before={"status": PayoutBatch.Status.APPROVED},
            after={"status": locked.status, "submitted_at": now.isoformat()},
        )
        task_send_on_commit(SUBMIT_BATCH_TASK, locked.pk)
    batch.status = locked.status
    batch.submitted_at = locked.submitted_at
    return locked


def payout_batch_resume(*, batch: PayoutBatch, actor) -> PayoutBatch:
    """Ask the workers to send a submitted batch's due payouts now (after a processor outage,
    instead of waiting for the beat). Audited; safe to repeat (payouts are claimed)."""
    with transaction.atomic():
        locked = PayoutBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        if locked.status != PayoutBatch.Status.SUBMITTED:
            raise ApplicationError(
                "batch_not_submitted",
                f"Batch #{locked.pk} is {locked.get_status_display().lower()}; only a submitted "
                "batch can be resumed.",
                status_code=409,
            )
        audit_record(actor=actor, action="payouts.batch_resumed", target=locked)
        task_send_on_commit(SUBMIT_BATCH_TASK, locked.pk)
    return locked


# --- claiming and submitting -----------------------------------------------------------------


def payouts_due_for_submission(*, now: datetime | None = None) -> QuerySet[Payout]:
    """Payouts of submitted batches a worker may (re)submit now: pending ones whose retry
    time has come (or that never had one), and submitted ones with no processor reference
    whose lease ran out (their worker died mid-call)."""
    now = now or timezone.now()
    pending = Q(state=Payout.State.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(state=Payout.State.SUBMITTED, processor_reference="", next_attempt_at__lte=now)
    return Payout.objects.filter(pending | stale, batch__status=PayoutBatch.Status.SUBMITTED)


@dataclass
class Claim:
    payout_id: int
    attempt: int


def payout_claim_next(
    *, batch_id: int | None = None, payout_id: int | None = None, now: datetime | None = None
) -> Claim | None:
    """Claim one due payout (committed before this returns): ``submitted``, attempts + 1, a
    lease. None when nothing is due (or another worker holds it)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = payouts_due_for_submission(now=now)
        if batch_id is not None:
            due = due.filter(batch_id=batch_id)
        if payout_id is not None:
            due = due.filter(pk=payout_id)
        payout = due.select_for_update(skip_locked=True, of=("self",)).order_by("id").first()
        if payout is None:
            return None
        before = _snapshot(payout)
        claimed = Payout.objects.filter(
            pk=payout.pk, state=payout.state, attempts=payout.attempts
        ).update(
            state=Payout.State.SUBMITTED,
            attempts=F("attempts") + 1,
            submitted_at=Coalesce(F("submitted_at"), now),
            next_attempt_at=now + submit_lease(),
        )
        if claimed != 1:  # SQLite (no row locks): someone else won the compare-and-set
            return None
        payout.refresh_from_db()
        _event(payout, "submitting", {"attempt": payout.attempts})
        audit_record(
            actor=None,
            action="payouts.payout_submitting",
            target=payout,
            before=before,
            after=_snapshot(payout),
        )
        return Claim(payout.pk, payout.attempts)


class SubmitInsideTransaction(RuntimeError):
    """A processor must never be called inside a transaction that could still roll back the
    claim (architecture rule 3): the claim would vanish while the money goes out."""


def _processor_call(claim: Claim) -> SubmitResult:
    """The adapter's answer for a claimed payout; never raises for the processor (an
    exception of the call is ``outcome_unknown``)."""
    if connection.in_atomic_block:
        raise SubmitInsideTransaction(
            "Payouts are submitted outside any transaction: the claim must be committed "
            "before the processor is called."
        )
    payout = Payout.objects.select_related("batch__processor", "method", "creator", "currency").get(
        pk=claim.payout_id
    )
    try:
        return adapter_for(payout.batch.processor).submit(payout)
    except Exception as error:  # a crash of the call is "try again later"
        logger.exception("payout %s: submit raised", claim.payout_id)
        return SubmitResult.failed("outcome_unknown", f"{type(error).__name__}: {error}"[:255])


def payout_submit_result_record(*, claim: Claim, result: SubmitResult) -> Payout:
    """Apply a processor's answer to the claimed payout (locked, state-checked). A stale
    answer (the payout moved on, or another attempt owns it) only joins the trail."""
    with transaction.atomic():
        payout = _lock(claim.payout_id)
        _event(payout, str(result.outcome), _result_payload(result, claim.attempt))
        current = payout.state == Payout.State.SUBMITTED and payout.attempts == claim.attempt
        if not current:
            # The same transfer answered twice (re-claimed, or the callback came first): keep
            # its reference if we have none, change nothing else.
            if (
                result.outcome == Outcome.ACCEPTED
                and payout.state in (Payout.State.SUBMITTED, Payout.State.PAID)
                and not payout.processor_reference
            ):
                payout.processor_reference = result.reference
                payout.save(update_fields=["processor_reference"])
            return payout
        if result.outcome == Outcome.PAID:
            return _paid(payout, actor=None, reference=result.reference, source="processor")
        if result.outcome == Outcome.FAILED:
            if not result.transient:
                return _failed(
                    payout,
                    actor=None,
                    code=result.failure_code,
                    reason=result.detail,
                    source="processor",
                )
            if payout.attempts >= max_attempts() and not _outcome_may_be_unknown(payout, result):
                return _failed(
                    payout,
                    actor=None,
                    code="retries_exhausted",
                    reason=f"last answer: {result.failure_code} {result.detail}".strip(),
                    source="processor",
                )
            return _retry_later(payout, result)
        before = _snapshot(payout)
        payout.next_attempt_at = None
        payout.failure_code = ""
        payout.failure_reason = ""
        if result.outcome == Outcome.ACCEPTED:
            payout.processor_reference = result.reference
            action = "payouts.payout_accepted"
        else:  # awaiting_file
            action = "payouts.payout_awaiting_file"
        payout.save(
            update_fields=[
                "processor_reference",
                "next_attempt_at",
                "failure_code",
                "failure_reason",
            ]
        )
        audit_record(
            actor=None, action=action, target=payout, before=before, after=_snapshot(payout)
        )
        return payout


def _outcome_may_be_unknown(payout: Payout, result: SubmitResult) -> bool:
    """Whether any attempt ended without a clear answer (timeout, crash of the call): the
    processor may hold a transfer, so the payout is never failed (and its money never
    returned) by the retry limit; it keeps being re-sent with its key at the capped delay."""
    if result.failure_code == "outcome_unknown":
        return True
    return ProcessorEvent.objects.filter(
        payout=payout, kind=Outcome.FAILED.value, payload__failure_code="outcome_unknown"
    ).exists()


def _retry_later(payout: Payout, result: SubmitResult) -> Payout:
    before = _snapshot(payout)
    failure = failure_for(result.failure_code)
    payout.state = Payout.State.PENDING
    payout.next_attempt_at = timezone.now() + retry_delay(payout.attempts)
    payout.failure_code = failure.code
    payout.failure_reason = failure.message[:255]
    payout.save(update_fields=["state", "next_attempt_at", "failure_code", "failure_reason"])
    audit_record(
        actor=None,
        action="payouts.payout_retry_scheduled",
        target=payout,
        before=before,
        after={**_snapshot(payout), "detail": result.detail},
    )
    task_send_on_commit(SUBMIT_PAYOUT_TASK, payout.pk, eta=payout.next_attempt_at)
    return payout


def payout_submit(*, payout_id: int, now: datetime | None = None) -> Payout | None:
    """Claim and submit one payout if it is due (a retry task); None if it was not."""
    claim = payout_claim_next(payout_id=payout_id, now=now)
    if claim is None:
        return None
    return payout_submit_result_record(claim=claim, result=_processor_call(claim))


@dataclass
class SubmitRun:
    """What one worker run did."""

    submitted: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)


def payouts_submit_pending(
    *, batch_id: int | None = None, limit: int = 500, now: datetime | None = None
) -> SubmitRun:
    """Submit due payouts one claim at a time (of one batch, or of every submitted batch),
    at most ``limit``. Any number of workers may run this at once on the same batch."""
    run = SubmitRun()
    for _ in range(limit):
        claim = payout_claim_next(batch_id=batch_id, now=now)
        if claim is None:
            break
        result = _processor_call(claim)
        payout = payout_submit_result_record(claim=claim, result=result)
        run.submitted += 1
        run.outcomes[payout.state] = run.outcomes.get(payout.state, 0) + 1
    return run


# --- settling --------------------------------------------------------------------------------


def _require_settleable(payout: Payout) -> None:
    if payout.batch.status != PayoutBatch.Status.SUBMITTED or payout.state not in OPEN_STATES:
        raise ApplicationError(
            "payout_not_submitted",
            f"Payout #{payout.pk} is {payout.get_state_display().lower()} in a "
            f"{payout.batch.get_status_display().lower()} batch; only payouts of a submitted "
            "batch can be marked paid or failed.",
            status_code=409,
        )


def _paid(payout: Payout, *, actor, reference: str, source: str, payload=None) -> Payout:
    before = _snapshot(payout)
    payout_settle(payout=payout, actor=actor)
    payout.state = Payout.State.PAID
    payout.settled_at = timezone.now()
    payout.processor_reference = reference or payout.processor_reference
    payout.next_attempt_at = None
    payout.failure_code = ""
    payout.failure_reason = ""
    payout.save(
        update_fields=[
            "state",
            "settled_at",
            "processor_reference",
            "next_attempt_at",
            "failure_code",
            "failure_reason",
        ]
    )
    _event(payout, "paid", {"source": source, "reference": reference, **(payload or {})})
    audit_record(
        actor=actor,
        action="payouts.payout_paid",
        target=payout,
        before=before,
        after={**_snapshot(payout), "source": source},
    )
    _batch_settle_if_done(payout.batch_id, actor=actor)
    return payout


def _failed(payout: Payout, *, actor, code: str, reason: str, source: str, payload=None) -> Payout:
    failure = failure_for(code)
    before = _snapshot(payout)
    payout_return(payout=payout, reason=failure.code, actor=actor)
    payout.state = Payout.State.FAILED
    payout.settled_at = timezone.now()
    payout.next_attempt_at = None
    payout.failure_code = failure.code[:64]
    payout.failure_reason = failure.message[:255]
    payout.save(
        update_fields=["state", "settled_at", "next_attempt_at", "failure_code", "failure_reason"]
    )
    _event(
        payout,
        "failed",
        {"source": source, "code": failure.code, "reason": reason, **(payload or {})},
    )
    audit_record(
        actor=actor,
        action="payouts.payout_failed",
        target=payout,
        before=before,
        after={**_snapshot(payout), "source": source, "reason": reason},
    )
    if failure.flags_method:
        _method_flag(payout.method_id, failure.message, actor=actor, payout=payout)
    _batch_settle_if_done(payout.batch_id, actor=actor)
    return payout


def _method_flag(method_id: int, message: str, *, actor, payout: Payout) -> None:
    method = PayoutMethod.objects.select_for_update().get(pk=method_id)
    if method.status == PayoutMethod.Status.DISABLED:
        return
    before = {"status": method.status, "attention_reason": method.attention_reason}
    method.status = PayoutMethod.Status.NEEDS_ATTENTION
    method.attention_reason = message[:255]
    method.save(update_fields=["status", "attention_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="payouts.method_flagged",
        target=method,
        before=before,
        after={
            "status": method.status,
            "attention_reason": method.attention_reason,
            "payout": payout.pk,
        },
    )


def _batch_settle_if_done(batch_id: int, *, actor=None) -> bool:
    """submitted → settled once no payout of the batch is open. The batch row is locked
    *after* the payout's change, and the count runs after the lock: the last of two
    concurrent settlements waits for the other to commit and then sees it."""
    batch = PayoutBatch.objects.select_for_update(of=("self",)).get(pk=batch_id)
    if batch.status != PayoutBatch.Status.SUBMITTED:
        return False
    if batch.payouts.filter(state__in=OPEN_STATES).exists():
        return False
    now = timezone.now()
    batch.status = PayoutBatch.Status.SETTLED
    batch.settled_at = now
    batch.save(update_fields=["status", "settled_at"])
    counts = {
        state: batch.payouts.filter(state=state).count()
        for state in (Payout.State.PAID, Payout.State.FAILED)
    }
    audit_record(
        actor=actor,
        action="payouts.batch_settled",
        target=batch,
        before={"status": PayoutBatch.Status.SUBMITTED},
        after={"status": batch.status, "settled_at": now.isoformat(), **counts},
    )
    return True


def payout_mark_paid(
    *, payout: Payout, actor, reference: str, source: str = "operator", payload=None
) -> Payout:
    """Record that ``payout`` was paid (an operator for a file processor, a result file, or a
    processor's callback): ``payout_settle`` + state ``paid`` + trail + audit; the batch
    settles when it was the last open payout. Paying a paid payout again changes nothing;
    a failed or cancelled one, or one whose batch is not submitted, is refused (409)."""
    with transaction.atomic():
        locked = _lock(payout)
        if locked.state == Payout.State.PAID:
            return locked
        _require_settleable(locked)
        return _paid(
            locked,
            actor=actor,
            reference=(reference or "").strip()[:200],
            source=source,
            payload=payload,
        )


def payout_mark_failed(
    *, payout: Payout, actor, code: str, reason: str = "", source: str = "operator", payload=None
) -> Payout:
    """Record that ``payout`` failed with ``code`` (one of ``FAILURE_CODES``; ``reason`` is
    the operator's or processor's words for the trail): ``payout_return`` (money back to
    available), state ``failed`` with the plain-words message for the creator, the method
    flagged when the code concerns it, trail + audit. Idempotent for a failed payout; a paid
    or cancelled one, or one whose batch is not submitted, is refused (409)."""
    code = (code or "").strip()
    if not code:
        raise ApplicationError(
            "invalid", {"code": ["A failure code is required."]}, status_code=400
        )
    with transaction.atomic():
        locked = _lock(payout)
        if locked.state == Payout.State.FAILED:
            return locked
        if locked.state == Payout.State.PAID:
            raise ApplicationError(
                "payout_already_paid",
                f"Payout #{locked.pk} is paid; it cannot be marked failed.",
                status_code=409,
            )
        _require_settleable(locked)
        return _failed(
            locked,
            actor=actor,
            code=code,
            reason=(reason or "")[:500],
            source=source,
            payload=payload,
        )


def payout_batches_settle_done(*, limit: int = 200) -> int:
    """Safety net for the beat: settle submitted batches with no open payout left."""

    open_payouts = Payout.objects.filter(batch=OuterRef("pk"), state__in=OPEN_STATES)
    ids = list(
        PayoutBatch.objects.filter(status=PayoutBatch.Status.SUBMITTED)
        .exclude(Exists(open_payouts))
        .values_list("pk", flat=True)[:limit]
    )
    settled = 0
    for batch_id in ids:
        with transaction.atomic():
            settled += _batch_settle_if_done(batch_id)
    return settled


KNOWN_FAILURE_CODES = tuple(sorted(FAILURE_CODES))

__all__ = [
    "KNOWN_FAILURE_CODES",
    "Claim",
    "SubmitRun",
    "max_attempts",
    "payout_batch_resume",
    "payout_batch_submit",
    "payout_batches_settle_done",
    "payout_claim_next",
    "payout_mark_failed",
    "payout_mark_paid",
    "payout_submit",
    "payout_submit_result_record",
    "payouts_due_for_submission",
    "payouts_submit_pending",
    "retry_delay",
    "submit_lease",
]
