"""Results a KYC provider (VerifyMy) sends to its webhook: checked, stored, processed once.

The request path (signature, size, JSON) is the integrations app's
(``apps.integrations.webhooks.kyc_webhook_receive``); it hands the parsed body here:

- :func:`kyc_provider_payload_clean` checks the body and finds the verification, refusing
  (``ApplicationError``, nothing written) an unknown status, an unknown reference, a level
  outside 0-3, a missing or malformed field;
- :func:`kyc_provider_event_store` stores it once per ``(provider, eventId)`` (a repeat is a
  duplicate and changes nothing) and queues ``compliance.kyc_provider_event_process`` after
  the commit;
- :func:`kyc_provider_event_process_now` claims the row (``SELECT … FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, a conditional update elsewhere: a second worker finds nothing to do) and applies
  it in the claiming transaction through the KYC services, which derive the creator's level
  and announce ``creator.kyc_changed``.

What an event does to its verification (a decided verification is never decided again):

| status | verification pending | approved | rejected / expired |
|---|---|---|---|
| ``pending`` | ignored (still checking) | ignored | ignored |
| ``approved`` | approved at ``level`` | ignored (``already_decided``) | ignored |
| ``rejected`` | rejected | ignored (``already_decided``) | ignored |
| ``expired`` | waits for the approval (out of order) | expired | ignored |

An ``expired`` that arrives before its ``approved`` waits (retried with backoff, then
``failed`` with ``not_approved``); everything else is applied in the order it arrives, and an
event that would undo a decision is recorded as ``ignored`` for staff to see, never applied.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.audit.services import audit_record
from apps.compliance.models import KycProvider, KycProviderEvent, KycVerification
from apps.compliance.rules import MAX_KYC_LEVEL
from apps.compliance.services.inputs import REASON_MAX_LENGTH
from apps.compliance.services.kyc import creator_compliance_derive, kyc_verification_decide
from apps.core.backoff import backoff_seconds
from apps.core.exceptions import ApplicationError
from apps.core.queue import task_send_on_commit

logger = logging.getLogger(__name__)

PROCESS_TASK = "compliance.kyc_provider_event_process"
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 12

State = KycProviderEvent.State
STATUSES = tuple(KycProviderEvent.Status.values)
FIELDS = ("eventId", "reference", "status", "level", "reason", "expiresOn", "occurredAt")


def kyc_provider_find(slug: str) -> KycProvider | None:
    """The provider with this slug, active or not (the webhook tells the two apart)."""
    return KycProvider.objects.filter(slug=slug).first()


# --- checking a body ---------------------------------------------------------------------------


def _refuse(code: str, detail) -> ApplicationError:
    return ApplicationError(code, detail, status_code=422)


def _text(payload: dict, name: str, *, required: bool, limit: int = 200) -> str:
    value = payload.get(name)
    if value is None or value == "":
        if required:
            raise _refuse("invalid_event", {name: ["This field is required."]})
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit or not value.strip():
        raise _refuse("invalid_event", {name: [f"A string of 1 to {limit} characters."]})
    return value.strip()


def kyc_provider_payload_clean(
    payload, *, provider: KycProvider, today: date | None = None
) -> dict:
    """The checked fields of a provider's result, with its verification (of this provider,
    found by ``reference``). Raises ApplicationError (422) with a machine-readable code:
    ``invalid_event`` (not an object, a field missing or malformed, an unknown field),
    ``unknown_status``, ``invalid_level``, ``invalid_expiry``, ``unknown_reference``."""
    if not isinstance(payload, dict):
        raise _refuse("invalid_event", {"": ["The body must be a JSON object."]})
    unknown = sorted(set(payload) - set(FIELDS))
    if unknown:
        raise _refuse("invalid_event", {name: ["Unknown field."] for name in unknown})
    event_id = _text(payload, "eventId", required=True)
    reference = _text(payload, "reference", required=True)
    status = payload.get("status")
    if status is None:
        raise _refuse("invalid_event", {"status": ["This field is required."]})
    if not isinstance(status, str) or status not in STATUSES:
        raise _refuse(
            "unknown_status",
            {"status": [f"{str(status)[:40]!r} is not one of {', '.join(STATUSES)}."]},
        )
    level = payload.get("level")
    if level is not None and (
        isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_KYC_LEVEL
    ):
        raise _refuse(
            "invalid_level",
            {"level": [f"A KYC level is a whole number from 0 to {MAX_KYC_LEVEL}."]},
        )
    if status == "approved" and level is None:
        raise _refuse("invalid_level", {"level": ["An approval says the level granted (0-3)."]})
    if status != "approved":
        level = None
    reason = _text(payload, "reason", required=False, limit=REASON_MAX_LENGTH)
    expires_on = None
    if payload.get("expiresOn") is not None and status == "approved":
        raw = payload["expiresOn"]
        expires_on = parse_date(raw) if isinstance(raw, str) and len(raw) == 10 else None
        if expires_on is None:
            raise _refuse("invalid_event", {"expiresOn": ["A date: YYYY-MM-DD."]})
        if expires_on <= (today or timezone.localdate()):
            raise _refuse("invalid_expiry", {"expiresOn": ["The expiry must be after today."]})
    raw = payload.get("occurredAt")
    if raw is None:
        raise _refuse("invalid_event", {"occurredAt": ["This field is required."]})
    try:
        occurred_at = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:
        occurred_at = None
    if occurred_at is None or occurred_at.tzinfo is None:
        raise _refuse(
            "invalid_event",
            {"occurredAt": ["An ISO 8601 instant with its offset: 2026-06-15T12:00:00Z."]},
        )
    verification = (
        KycVerification.objects.filter(provider=provider, provider_reference=reference)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if verification is None:
        raise _refuse(
            "unknown_reference",
            {"reference": [f"No {provider.name} verification has the reference {reference!r}."]},
        )
    return {
        "event_id": event_id,
        "verification": verification,
        "status": status,
        "level": level,
        "reason": reason,
        "expires_on": expires_on,
        "occurred_at": occurred_at,
    }


# --- storing -----------------------------------------------------------------------------------


def kyc_provider_event_store(
    *, provider: KycProvider, cleaned: dict, payload: dict, verification_detail: dict
) -> tuple[KycProviderEvent, bool]:
    """Store one checked result; ``(event, duplicate)``. The unique ``(provider, event_id)``
    decides between two copies arriving at once: the second is answered as a duplicate
    (the first row, unchanged). Processing is queued after the commit."""
    try:
        with transaction.atomic():
            event = KycProviderEvent.objects.create(
                provider=provider,
                event_id=cleaned["event_id"],
                verification=cleaned["verification"],
                status=cleaned["status"],
                level=cleaned["level"],
                reason=cleaned["reason"],
                expires_on=cleaned["expires_on"],
                occurred_at=cleaned["occurred_at"],
                payload=payload,
                verification_detail=verification_detail,
                received_at=timezone.now(),
            )
            task_send_on_commit(PROCESS_TASK, event.pk)
    except IntegrityError:
        event = KycProviderEvent.objects.get(provider=provider, event_id=cleaned["event_id"])
        return event, True
    return event, False


# --- processing --------------------------------------------------------------------------------


class _Wait(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _claimable(now: datetime):
    return KycProviderEvent.objects.filter(state=State.RECEIVED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _claim(event_id: int, now: datetime) -> KycProviderEvent | None:
    """Inside the caller's transaction: lock (PostgreSQL) or mark (others) the event if it may
    run now; another worker's claim is skipped, not waited for."""
    if connection.vendor == "postgresql":
        return (
            _claimable(now)
            .filter(pk=event_id)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("provider")
            .first()
        )
    if _claimable(now).filter(pk=event_id).update(attempts=F("attempts")) != 1:
        return None
    return KycProviderEvent.objects.select_related("provider").get(pk=event_id)


def _ignored(why: str, verification: KycVerification) -> tuple[str, dict]:
    return State.IGNORED, {"outcome": why, "verification_status": verification.status}


def _expire(event: KycProviderEvent, verification: KycVerification) -> None:
    """The provider says an approved verification is no longer valid: expired now."""
    verification.status = KycVerification.Status.EXPIRED
    verification.expired_at = timezone.now()
    verification.save(update_fields=["status", "expired_at"])
    audit_record(
        actor=None,
        action="compliance.kyc_expired",
        target=verification.creator,
        before={"verification": verification.pk, "status": KycVerification.Status.APPROVED},
        after={
            "verification": verification.pk,
            "status": KycVerification.Status.EXPIRED,
            "provider": event.provider.slug,
            "provider_event": event.event_id,
        },
    )
    creator_compliance_derive(
        creator=verification.creator,
        reason=f"KYC verification #{verification.pk} expired ({event.provider.name})",
    )


def _apply(event: KycProviderEvent) -> tuple[str, dict]:
    """What the event does (the table in the module's docstring): (state, result)."""
    verification = (
        KycVerification.objects.select_for_update()
        .select_related("creator", "provider")
        .get(pk=event.verification_id)
    )
    pending = verification.status == KycVerification.Status.PENDING
    name = event.provider.name
    if event.status == KycProviderEvent.Status.PENDING:
        return _ignored("still_checking", verification)
    if event.status in (KycProviderEvent.Status.APPROVED, KycProviderEvent.Status.REJECTED):
        if not pending:
            return _ignored("already_decided", verification)
        approve = event.status == KycProviderEvent.Status.APPROVED
        reason = event.reason or (
            f"{'Approved' if approve else 'Rejected'} by {name} (event {event.event_id})."
        )
        verification = kyc_verification_decide(
            verification=verification,
            approve=approve,
            reason=f"{name}: {reason}" if event.reason else reason,
            reviewer=None,
            level_granted=event.level if approve else None,
            expires_on=event.expires_on if approve else None,
        )
    else:  # expired
        if pending:
            raise _Wait("not_approved", f"Verification #{verification.pk} is not approved yet.")
        if verification.status != KycVerification.Status.APPROVED:
            return _ignored("not_approved", verification)
        _expire(event, verification)
    verification.creator.refresh_from_db(fields=["kyc_level"])
    return State.PROCESSED, {
        "outcome": verification.status,
        "verification_status": verification.status,
        "level_granted": verification.level_granted,
        "kyc_level": verification.creator.kyc_level,
    }


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(
        seconds=backoff_seconds(
            attempts, base=RETRY_BASE_SECONDS, cap=RETRY_MAX_SECONDS, jitter=0.25
        )
    )


def _run(event: KycProviderEvent, now: datetime) -> None:
    event.attempts += 1
    try:
        with transaction.atomic():  # a refusal leaves nothing of the services behind
            state, result = _apply(event)
    except _Wait as waiting:
        if event.attempts >= MAX_ATTEMPTS:
            _finish(event, State.FAILED, now, code=waiting.code, detail=waiting.detail)
        else:
            event.error_code, event.error_detail = waiting.code, waiting.detail
            event.next_attempt_at = now + _retry_delay(event.attempts)
    except ApplicationError as error:
        _finish(event, State.FAILED, now, code=error.code, detail=str(error.detail))
    except OperationalError as error:
        logger.warning("KYC provider event %s: transient database error: %s", event.pk, error)
        event.error_code, event.error_detail = "database_error", str(error)[:1000]
        event.next_attempt_at = now + _retry_delay(event.attempts)
    except Exception as error:
        logger.exception("KYC provider event %s: processing crashed", event.pk)
        _finish(
            event,
            State.FAILED,
            now,
            code="processing_error",
            detail=f"{type(error).__name__}: {error}"[:2000],
        )
    else:
        event.result = result
        _finish(event, state, now)
    event.save(
        update_fields=[
            "state",
            "attempts",
            "next_attempt_at",
            "error_code",
            "error_detail",
            "result",
            "processed_at",
        ]
    )


def _finish(event, state: str, now: datetime, *, code: str = "", detail: str = "") -> None:
    event.state = state
    event.error_code = code[:64]
    event.error_detail = detail
    event.next_attempt_at = None
    event.processed_at = now


def kyc_provider_event_process_now(
    event_id: int, *, now: datetime | None = None
) -> KycProviderEvent:
    """Process one stored event if it may run now and return it in its resulting state. Safe
    to call any number of times, from any number of workers at once: the claim lets one of
    them apply it; the others (and every later call) find it done and change nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _claim(event_id, now)
        if event is not None:
            _run(event, now)
            return event
    return KycProviderEvent.objects.select_related("provider").get(pk=event_id)


def kyc_provider_events_due(
    *, now: datetime | None = None, limit: int = 1000, grace_seconds: int = 60
) -> list[int]:
    """Ids of events still ``received`` that should have run: their retry time has come, or
    they never ran (a lost broker message) and are older than ``grace_seconds``."""
    now = now or timezone.now()
    return list(
        KycProviderEvent.objects.filter(state=State.RECEIVED)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(
                next_attempt_at__isnull=True,
                received_at__lte=now - timedelta(seconds=grace_seconds),
            )
        )
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def kyc_provider_event_replay(*, event: KycProviderEvent, actor) -> KycProviderEvent:
    """Staff send a failed provider result through processing again (after fixing what
    refused it, e.g. a verification decided by mistake). Audited; processed after commit. A
    result that was applied or ignored is refused (``not_replayable``): replaying it could
    only decide a verification twice."""
    with transaction.atomic():
        event = KycProviderEvent.objects.select_for_update().get(pk=event.pk)
        if event.state != State.FAILED:
            raise ApplicationError(
                "not_replayable",
                f"Only a failed result can be processed again; this one is "
                f"{event.get_state_display().lower()}.",
                status_code=409,
            )
        before = {"state": event.state, "attempts": event.attempts, "error": event.error_code}
        event.state = State.RECEIVED
        event.attempts = 0
        event.next_attempt_at = None
        event.error_code = ""
        event.error_detail = ""
        event.processed_at = None
        event.result = {"replayed_at": timezone.now().isoformat(), "previous_error": before}
        event.save(
            update_fields=[
                "state",
                "attempts",
                "next_attempt_at",
                "error_code",
                "error_detail",
                "processed_at",
                "result",
            ]
        )
        audit_record(
            actor=actor,
            action="compliance.kyc_provider_event_replayed",
            target=event,
            before=before,
            after={"state": event.state},
        )
        task_send_on_commit(PROCESS_TASK, event.pk)
    return event
