"""Celery tasks of the payouts app. Each takes ids, calls a service, and is idempotent: running
it twice, or from two workers at once, never creates a second payout for the same money.
Services queue them by name (``apps.core.queue``).
"""

from __future__ import annotations

from celery import shared_task

from .adapters.sandbox import sandbox_transfer_settle
from .services.batches import mass_payout_requests_pending_handle, payout_batches_build
from .services.callbacks import CallbackNotDelivered, sandbox_callback_deliver
from .services.submission import (
    SUBMIT_BATCH_TASK,
    SUBMIT_PAYOUT_TASK,
    payout_batches_settle_done,
    payout_submit,
    payouts_submit_pending,
)

# --- building -----------------------------------------------------------------------------


@shared_task(name="payouts.build_batches")
def build_batches(processor: str | None = None, currency: str | None = None) -> list[int]:
    """Scheduled by beat: draft batches of every creator whose schedule is due. Creators who
    already have an open payout are skipped, so a repeated run builds nothing new."""
    batches = payout_batches_build(processor=processor, currency=currency, source="schedule")
    return [batch.pk for batch in batches]


@shared_task(name="payouts.handle_mass_payout_requests")
def handle_mass_payout_requests() -> int:
    """Turn every recorded ``mass_payout_initiated`` request into draft batches (each request
    is handled once: its status leaves ``recorded`` in the same transaction)."""
    return mass_payout_requests_pending_handle()


# --- submission and settlement ------------------------------------------------------------
# Each task claims its payouts (SKIP LOCKED + a conditional update) before calling the
# processor, so two workers, a redelivered message or the beat sweep never submit one twice.


@shared_task(name=SUBMIT_BATCH_TASK)
def payout_batch_submit_task(batch_id: int) -> int:
    """Enqueued when a batch is submitted: send its payouts, one claim at a time."""
    return payouts_submit_pending(batch_id=batch_id, limit=100_000).submitted


@shared_task(name=SUBMIT_PAYOUT_TASK)
def payout_submit_task(payout_id: int) -> str | None:
    """A transient failure's retry, queued for its ``next_attempt_at`` (does nothing if it is
    not due, or another worker took it)."""
    payout = payout_submit(payout_id=payout_id)
    return payout.state if payout else None


@shared_task(name="payouts.submit_due")
def payouts_submit_due() -> dict:
    """Beat, every minute: retries whose time has come, payouts whose worker died mid-call
    (lease over: re-sent with the same idempotency key), batches whose last payout closed."""
    run = payouts_submit_pending(limit=500)
    return {"submitted": run.submitted, "batches_settled": payout_batches_settle_done()}


# --- the sandbox processor (runs inside FanzDash: demos and tests) --------------------------


@shared_task(name="payouts.sandbox_transfer_settle")
def sandbox_transfer_settle_task(transfer_id: int) -> bool:
    return sandbox_transfer_settle(transfer_id)


@shared_task(
    name="payouts.sandbox_callback_deliver",
    bind=True,
    max_retries=10,
    default_retry_delay=5,
)
def sandbox_callback_deliver_task(self, transfer_id: int) -> bool:
    """Post the transfer's signed callback; retried with a growing delay until it is taken."""
    try:
        return sandbox_callback_deliver(transfer_id)
    except CallbackNotDelivered as error:
        if self.request.is_eager:
            raise
        raise self.retry(exc=error, countdown=5 * (self.request.retries + 1)) from error
