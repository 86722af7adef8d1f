"""Every write of outbound webhooks: emit an event, send one attempt of a delivery and record
it, redeliver, enable or disable an endpoint. Staff actions are audited in the same
transaction; sending happens outside any transaction (claim, commit, POST, record).

Retry schedule after a failed attempt (each delay ±10% jitter): 5 s, 5 min, 30 min, 2 h, 5 h,
10 h — seven attempts over about 17.6 hours, then the delivery is abandoned. A
``Retry-After`` answer is honoured as a lower bound (capped). 410 Gone disables the endpoint
at once; an endpoint failing without a single success for ``OUTBOUND_DISABLE_AFTER_HOURS``
is disabled too. A disabled endpoint gets no attempts: its pending deliveries wait, and are
due at once when staff enable it again.
"""

from __future__ import annotations

import json
import secrets as secrets_module
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit_record, security_event_record
from apps.core import signing
from apps.core.backoff import backoff_seconds
from apps.core.exceptions import ApplicationError
from apps.core.queue import task_send
from apps.platforms.models import Platform
from apps.platforms.selectors import platform_active_secrets

from .models import (
    DeliveryAttempt,
    OutboundDelivery,
    OutboundEndpoint,
    OutboundEvent,
    OutboundEventType,
)
from .transport import TransportResult, retry_after_seconds, webhook_post

# Its tasks (apps.outbound.tasks), queued by name.
SEND_TASK = "outbound.delivery_send"
SEND_DUE_TASK = "outbound.send_due"

# Delay before retry n (after failed attempt n); len + 1 attempts in all.
RETRY_SCHEDULE_SECONDS: tuple[int, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1
JITTER = 0.10
# Retries this soon are also queued with a countdown; later ones are found by the beat task.
# Queueing after commit is robust (a broker outage is logged, never fails the change): the
# beat task finds every due delivery anyway.
COUNTDOWN_LIMIT_SECONDS = 60
# How long a claimed attempt may take beyond the timeout before another worker may retry it.
CLAIM_MARGIN_SECONDS = 60
MAX_DATA_BYTES = 64 * 1024
BULK_REDELIVER_MAX_DAYS = 93

State = OutboundDelivery.State


def timeout_seconds() -> float:
    return settings.OUTBOUND_WEBHOOK_TIMEOUT_SECONDS


def disable_after() -> timedelta:
    return timedelta(hours=settings.OUTBOUND_DISABLE_AFTER_HOURS)


def retry_after_cap_seconds() -> int:
    return settings.OUTBOUND_RETRY_AFTER_MAX_SECONDS


def retry_delay_seconds(attempt_number: int, retry_after: int | None = None) -> float:
    """Seconds to wait after failed attempt ``attempt_number`` (1-based): the schedule with
    ±10% jitter, or longer if the platform asked so (Retry-After, capped)."""
    delay = backoff_seconds(attempt_number, schedule=RETRY_SCHEDULE_SECONDS, jitter=JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_cap_seconds()))
    return delay


# --- emitting -----------------------------------------------------------------------------


def _new_event_id() -> str:
    return f"evt_{secrets_module.token_hex(12)}"


def _endpoint_for(platform: Platform) -> OutboundEndpoint:
    endpoint, _ = OutboundEndpoint.objects.get_or_create(platform=platform)
    return endpoint


def _enqueue_send(delivery_id: int, *, countdown: float | None = None) -> None:
    task_send(SEND_TASK, delivery_id, countdown=countdown or None)


def _enqueue_due() -> None:
    task_send(SEND_DUE_TASK)


@transaction.atomic
def outbound_event_emit(
    *, platform: Platform, event_type: str, data: dict, idempotency_key: str = ""
) -> OutboundEvent:
    """Record an event for ``platform`` and its delivery; the first attempt is queued when
    the surrounding transaction commits (by id), so a rolled-back change notifies no one.

    ``data`` is the event's ``data`` object (JSON; amounts as decimal strings). With an
    ``idempotency_key`` (e.g. ``"payout:42:paid"``), emitting again returns the first event.
    """
    if event_type not in OutboundEventType.values:
        raise ApplicationError(
            "unknown_event_type",
            f"{event_type!r} is not an outbound event ({', '.join(OutboundEventType.values)}).",
        )
    if not isinstance(data, dict):
        raise ApplicationError("invalid_data", "An event's data is a JSON object.")
    if len(idempotency_key) > 200:
        raise ApplicationError("invalid_idempotency_key", "At most 200 characters.")
    if idempotency_key:
        existing = OutboundEvent.objects.filter(
            platform=platform, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing
    now = timezone.now()
    event_id = _new_event_id()
    envelope = {
        "id": event_id,
        "event": event_type,
        "platform": platform.slug,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    try:
        body = json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise ApplicationError("invalid_data", f"The data is not JSON: {error}.") from None
    if len(body.encode()) > MAX_DATA_BYTES:
        raise ApplicationError("invalid_data", f"An event is at most {MAX_DATA_BYTES} bytes.")
    try:
        with transaction.atomic():
            event = OutboundEvent.objects.create(
                platform=platform,
                event_id=event_id,
                event_type=event_type,
                data=json.loads(body)["data"],
                body=body,
                idempotency_key=idempotency_key,
                created_at=now,
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        # The same key emitted at the same instant by someone else: theirs is the event.
        return OutboundEvent.objects.get(platform=platform, idempotency_key=idempotency_key)
    endpoint = _endpoint_for(platform)
    if platform.effective_outbound_webhook_url:
        delivery = OutboundDelivery.objects.create(
            event=event, endpoint=endpoint, state=State.PENDING, next_attempt_at=now
        )
        if endpoint.enabled:
            transaction.on_commit(lambda: _enqueue_send(delivery.pk), robust=True)
    else:
        OutboundDelivery.objects.create(
            event=event,
            endpoint=endpoint,
            state=State.FAILED,
            completed_at=now,
            last_error="The platform has no outbound webhook URL.",
        )
    return event


def creator_event_emit(*, creator, event_type: str, data: dict) -> list[OutboundEvent]:
    """One event per platform the creator has an account on, ``creatorId`` being that
    platform's own id for the creator. Call inside the transaction of the change."""
    accounts = creator.platform_accounts.select_related("platform").order_by("platform_id")
    return [
        outbound_event_emit(
            platform=account.platform,
            event_type=event_type,
            data={"creatorId": account.external_id, **data},
        )
        for account in accounts
    ]


# --- sending ------------------------------------------------------------------------------


def _claim(delivery: OutboundDelivery, now: datetime) -> DeliveryAttempt | None:
    """Take attempt ``attempts + 1`` of a due delivery, or None if another worker has it."""
    number = delivery.attempts + 1
    with transaction.atomic():
        claimed = (
            OutboundDelivery.objects.filter(
                pk=delivery.pk,
                state=State.PENDING,
                attempts=delivery.attempts,
                next_attempt_at__lte=now,
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .update(
                attempts=number,
                claimed_until=now + timedelta(seconds=timeout_seconds() + CLAIM_MARGIN_SECONDS),
                last_attempt_at=now,
                updated_at=now,
            )
        )
        if claimed != 1:
            return None
        DeliveryAttempt.objects.filter(
            delivery=delivery, outcome=DeliveryAttempt.Outcome.SENDING
        ).update(
            outcome=DeliveryAttempt.Outcome.LOST,
            error="No result was recorded: the worker stopped during the attempt.",
        )
        return DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            round=delivery.redelivery_count,
            url=delivery.endpoint.url[:500],
            started_at=now,
        )


def _endpoint_disable(endpoint: OutboundEndpoint, *, now, reason: str, detail: dict) -> None:
    """Automatic disabling (410, continuous failure): ops are told by a security event."""
    endpoint.enabled = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason[:255]
    audit_record(
        actor=None,
        action="outbound.endpoint_disabled",
        target=endpoint,
        before={"enabled": True},
        after={"enabled": False, "reason": endpoint.disabled_reason, **detail},
    )
    security_event_record(
        kind="endpoint_disabled",
        severity="warning",
        platform=endpoint.platform,
        summary=f"Outbound webhooks to {endpoint.platform.slug} disabled: {reason}"[:255],
        detail={"url": endpoint.url, "reason": reason, **detail},
    )


def _record(
    delivery: OutboundDelivery, attempt: DeliveryAttempt, result: TransportResult, *, final=False
) -> str:
    """Write the attempt's result and what follows from it: success, a retry, abandoned, or
    (410 Gone / ``final``) failed; the endpoint's failure clock and disabling."""
    now = timezone.now()
    retry_after = retry_after_seconds(result.retry_after, now=now)
    with transaction.atomic():
        endpoint = (
            OutboundEndpoint.objects.select_for_update()
            .select_related("platform")
            .get(pk=delivery.endpoint_id)
        )
        changes: dict = {
            "claimed_until": None,
            "last_status_code": result.status_code,
            "last_error": result.error[:500],
            "updated_at": now,
        }
        countdown = None
        if result.succeeded:
            outcome = State.SUCCEEDED
            changes.update(state=State.SUCCEEDED, next_attempt_at=None, completed_at=now)
            endpoint.failing_since = None
            endpoint.last_success_at = now
        elif final or result.status_code == 410:
            outcome = State.FAILED
            changes.update(state=State.FAILED, next_attempt_at=None, completed_at=now)
            if result.status_code == 410:
                endpoint.last_failure_at = now
                if endpoint.enabled:
                    _endpoint_disable(
                        endpoint,
                        now=now,
                        reason="the platform answered 410 Gone",
                        detail={"delivery": delivery.pk, "status_code": 410},
                    )
        else:
            endpoint.failing_since = endpoint.failing_since or attempt.started_at
            endpoint.last_failure_at = now
            if attempt.number >= MAX_ATTEMPTS:
                outcome = State.ABANDONED
                changes.update(state=State.ABANDONED, next_attempt_at=None, completed_at=now)
            else:
                outcome = State.PENDING
                delay = retry_delay_seconds(attempt.number, retry_after)
                changes.update(next_attempt_at=now + timedelta(seconds=delay))
                if delay <= COUNTDOWN_LIMIT_SECONDS:
                    countdown = delay
            failing_for = now - endpoint.failing_since
            if endpoint.enabled and failing_for >= disable_after():
                hours = failing_for.total_seconds() / 3600
                _endpoint_disable(
                    endpoint,
                    now=now,
                    reason=f"failing continuously for {hours:.1f} hours",
                    detail={
                        "failing_since": endpoint.failing_since,
                        "delivery": delivery.pk,
                        "status_code": result.status_code,
                        "error": result.error,
                    },
                )
        endpoint.save()
        OutboundDelivery.objects.filter(pk=delivery.pk, attempts=attempt.number).update(**changes)
        attempt.finished_at = now
        outcomes = DeliveryAttempt.Outcome
        attempt.outcome = outcomes.SUCCEEDED if result.succeeded else outcomes.FAILED
        attempt.status_code = result.status_code
        attempt.latency_ms = result.latency_ms
        attempt.response_excerpt = result.response_excerpt
        attempt.error = result.error[:500]
        attempt.retry_after_seconds = retry_after
        attempt.save()
        if countdown is not None and endpoint.enabled:
            transaction.on_commit(
                lambda: _enqueue_send(delivery.pk, countdown=countdown), robust=True
            )
    return outcome


def outbound_delivery_send(*, delivery_id: int) -> str:
    """Make the due attempt of one delivery: claim it (a conditional update, so two workers
    never send the same attempt), commit, POST outside any transaction, record the result.
    Returns what happened (``succeeded``, ``pending`` (a retry is scheduled), ``failed``,
    ``abandoned``, or why nothing was sent: ``not_due``, ``endpoint_disabled``, ...)."""
    delivery = (
        OutboundDelivery.objects.select_related("event", "endpoint__platform")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return "missing"
    if delivery.state != State.PENDING:
        return "not_pending"
    if not delivery.endpoint.enabled:
        return "endpoint_disabled"
    now = timezone.now()
    if delivery.next_attempt_at > now:
        return "not_due"
    if delivery.claimed_until is not None and delivery.claimed_until > now:
        return "in_flight"
    platform = delivery.endpoint.platform
    attempt = _claim(delivery, now)
    if attempt is None:
        return "claimed_elsewhere"
    url = platform.effective_outbound_webhook_url
    # Newest first; a platform with no secret of its own signs with WEBHOOK_SECRET, as inbound.
    secrets = platform_active_secrets(platform)
    if not url:
        result = TransportResult(None, 0, error="The platform has no outbound webhook URL.")
        return _record(delivery, attempt, result, final=True)
    if not secrets:
        result = TransportResult(None, 0, error="The platform has no active webhook secret.")
        return _record(delivery, attempt, result, final=True)
    body = delivery.event.body.encode()
    # X-FANZ-Signature with the newest secret; webhook-signature lists one signature per
    # active secret, so a platform still on the previous one during a rotation verifies too.
    headers = {
        signing.FANZ_HEADER: signing.fanz_signature(secrets[0], body),
        **signing.standard_headers(
            secrets, delivery.event.event_id, body, timestamp=int(now.timestamp())
        ),
    }
    result = webhook_post(url=url, body=body, headers=headers, timeout=timeout_seconds())
    return _record(delivery, attempt, result)


# --- staff actions ------------------------------------------------------------------------


def _delivery_state(delivery: OutboundDelivery) -> dict:
    return {
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "redelivery_count": delivery.redelivery_count,
    }


@transaction.atomic
def outbound_delivery_redeliver(*, delivery: OutboundDelivery, actor) -> OutboundDelivery:
    """Send a finished delivery again (failed, abandoned, or succeeded and lost by the
    platform): a new round of the whole schedule, the same event id and body."""
    delivery = (
        OutboundDelivery.objects.select_for_update(of=("self",))
        .select_related("event", "endpoint__platform")
        .get(pk=delivery.pk)
    )
    if delivery.state == State.PENDING:
        raise ApplicationError(
            "delivery_pending", "This delivery is already scheduled.", status_code=409
        )
    if not delivery.endpoint.enabled:
        raise ApplicationError(
            "endpoint_disabled",
            f"Outbound webhooks to {delivery.endpoint.platform.slug} are disabled: enable the "
            "endpoint first.",
            status_code=409,
        )
    before = _delivery_state(delivery)
    now = timezone.now()
    delivery.state = State.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = now
    delivery.claimed_until = None
    delivery.completed_at = None
    delivery.redelivery_count += 1
    delivery.save()
    audit_record(
        actor=actor,
        action="outbound.delivery_redelivered",
        target=delivery,
        before=before,
        after={**_delivery_state(delivery), "event_id": delivery.event.event_id},
    )
    transaction.on_commit(lambda: _enqueue_send(delivery.pk), robust=True)
    return delivery


@transaction.atomic
def outbound_deliveries_redeliver(
    *, platform: Platform, since: datetime, until: datetime, actor
) -> int:
    """Redeliver every failed or abandoned delivery to ``platform`` whose event was made in
    ``[since, until)``. Returns how many; the beat task (started at once) sends them."""
    if since >= until:
        raise ApplicationError("invalid_range", "The start must be before the end.")
    if until - since > timedelta(days=BULK_REDELIVER_MAX_DAYS):
        raise ApplicationError(
            "invalid_range", f"Redeliver at most {BULK_REDELIVER_MAX_DAYS} days at once."
        )
    endpoint = OutboundEndpoint.objects.select_for_update().filter(platform=platform).first()
    if endpoint is not None and not endpoint.enabled:
        raise ApplicationError(
            "endpoint_disabled",
            f"Outbound webhooks to {platform.slug} are disabled: enable the endpoint first.",
            status_code=409,
        )
    now = timezone.now()
    count = OutboundDelivery.objects.filter(
        endpoint__platform=platform,
        state__in=[State.FAILED, State.ABANDONED],
        event__created_at__gte=since,
        event__created_at__lt=until,
    ).update(
        state=State.PENDING,
        attempts=0,
        next_attempt_at=now,
        claimed_until=None,
        completed_at=None,
        redelivery_count=F("redelivery_count") + 1,
        updated_at=now,
    )
    audit_record(
        actor=actor,
        action="outbound.deliveries_redelivered",
        target=platform,
        after={"since": since, "until": until, "count": count, "states": ["failed", "abandoned"]},
    )
    if count:
        transaction.on_commit(_enqueue_due, robust=True)
    return count


def _endpoint_state(endpoint: OutboundEndpoint) -> dict:
    return {
        "enabled": endpoint.enabled,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since,
    }


def _endpoint_locked(platform: Platform) -> OutboundEndpoint:
    _endpoint_for(platform)
    return (
        OutboundEndpoint.objects.select_for_update(of=("self",))
        .select_related("platform")
        .get(platform=platform)
    )


@transaction.atomic
def outbound_endpoint_enable(*, platform: Platform, actor) -> OutboundEndpoint:
    """Turn a disabled endpoint back on: its waiting deliveries are due at once and the
    failure clock starts again."""
    endpoint = _endpoint_locked(platform)
    if endpoint.enabled:
        raise ApplicationError(
            "endpoint_enabled", f"Outbound webhooks to {platform.slug} are already enabled."
        )
    before = _endpoint_state(endpoint)
    now = timezone.now()
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save()
    waiting = OutboundDelivery.objects.filter(endpoint=endpoint, state=State.PENDING).update(
        next_attempt_at=now, updated_at=now
    )
    audit_record(
        actor=actor,
        action="outbound.endpoint_enabled",
        target=endpoint,
        before=before,
        after={**_endpoint_state(endpoint), "waiting_deliveries": waiting},
    )
    if waiting:
        transaction.on_commit(_enqueue_due, robust=True)
    return endpoint


@transaction.atomic
def outbound_endpoint_disable(*, platform: Platform, actor, reason: str) -> OutboundEndpoint:
    """Stop sending to a platform (its deliveries wait until the endpoint is enabled)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 255:
        raise ApplicationError("invalid_reason", "Give a reason (1 to 255 characters).")
    endpoint = _endpoint_locked(platform)
    if not endpoint.enabled:
        raise ApplicationError(
            "endpoint_disabled", f"Outbound webhooks to {platform.slug} are already disabled."
        )
    before = _endpoint_state(endpoint)
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason
    endpoint.save()
    audit_record(
        actor=actor,
        action="outbound.endpoint_disabled",
        target=endpoint,
        before=before,
        after=_endpoint_state(endpoint),
    )
    return endpoint
