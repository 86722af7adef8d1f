"""Celery tasks of the compliance app (idempotent: each calls a service that claims its work)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .models import KycProviderEvent
from .services import compliance_scan, kyc_expire_due
from .services.kyc_provider import kyc_provider_event_process_now, kyc_provider_events_due

EXPIRE_TASK = "compliance.expire_kyc"
SCAN_TASK = "compliance.scan"


@shared_task(name=EXPIRE_TASK)
def expire_kyc() -> int:
    """Scheduled daily by beat: approved KYC verifications past their expiry date become
    expired and each creator's level is derived again. A second run expires nothing."""
    return kyc_expire_due()


@shared_task(name=SCAN_TASK)
def scan() -> dict:
    """Scheduled daily by beat: the compliance scan (warnings, expiry, rules). A second run
    sends and opens nothing."""
    report = compliance_scan()
    return {
        "warnings_sent": report.warnings_sent,
        "kyc_expired": report.kyc_expired,
        "levels_derived": report.levels_derived,
        "violations_opened": report.opened,
        "not_installed": report.not_installed,
    }


# --- KYC provider webhooks (services/kyc_provider.py) -------------------------------------------

KYC_EVENT_TASK = "compliance.kyc_provider_event_process"
KYC_EVENTS_DUE_TASK = "compliance.kyc_provider_events_requeue_due"


@shared_task(
    bind=True,
    name=KYC_EVENT_TASK,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def kyc_provider_event_process(self, event_id: int) -> str:
    """Queued after a provider's result committed. Claims the event (a second run, or two
    workers at once, apply it once); an event that has to wait (an expiry before its approval)
    is queued again for its retry time (eagerly, the beat sweep brings it back)."""
    event = kyc_provider_event_process_now(event_id)
    if (
        event.state == KycProviderEvent.State.RECEIVED
        and event.next_attempt_at is not None
        and not self.request.is_eager
    ):
        countdown = max(1.0, (event.next_attempt_at - timezone.now()).total_seconds())
        kyc_provider_event_process.apply_async((event_id,), countdown=countdown)
    return event.state


@shared_task(name=KYC_EVENTS_DUE_TASK)
def kyc_provider_events_requeue_due() -> int:
    """Beat, every minute: provider events still waiting past their retry time, or never run
    (a lost broker message), are processed again. Safe to repeat: events are claimed."""
    due = kyc_provider_events_due()
    for event_id in due:
        kyc_provider_event_process.delay(event_id)
    return len(due)
