from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from .context import current_request_context
from .models import AuditEvent, SecurityEvent


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log; the only writer of AuditEvent.

    Call it inside the same transaction as the change it records, so both commit or neither.
    The caller's IP and user agent come from the current request unless given.
    """
    context = current_request_context()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    # Only people are stored as the actor; a platform API key's principal (or the system) is
    # recorded without one (its platform shows in the target and the request context).
    is_user = isinstance(actor, get_user_model()) and actor.is_authenticated
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_email=(getattr(actor, "email", "") or "") if is_user else "",
        action=action,
        target_type=target_type,
        target_id="" if target_id in (None, "") else str(target_id),
        target_repr=str(target)[:255] if target is not None else "",
        before=before,
        after=after,
        ip=ip if ip is not None else context.ip,
        user_agent=(user_agent if user_agent is not None else context.user_agent)[:512],
    )


def audit_record_many(
    *,
    actor: Any | None,
    action: str,
    entries: list[tuple[models.Model, dict | None]],
    batch_size: int = 1000,
) -> int:
    """Append one event per ``(target, after)`` in ``entries``, all by ``actor`` with the same
    ``action``: what :func:`audit_record` writes for each, in one INSERT per ``batch_size``
    (for the set-based writers: the daily compliance scan opening thousands of violations).
    Call it inside the transaction of the change. Returns how many were written."""
    if not entries:
        return 0
    context = current_request_context()
    is_user = isinstance(actor, get_user_model()) and actor.is_authenticated
    events = [
        AuditEvent(
            actor=actor if is_user else None,
            actor_email=(getattr(actor, "email", "") or "") if is_user else "",
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_repr=str(target)[:255],
            before=None,
            after=after,
            ip=context.ip,
            user_agent=(context.user_agent or "")[:512],
        )
        for target, after in entries
    ]
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)


def security_event_record(
    *,
    kind: str,
    summary: str,
    severity: str = "warning",
    platform=None,
    creator=None,
    source_ip: str | None = None,
    detail: dict | None = None,
):
    """Record one security/operations event (failed signature, fraud report, alert, endpoint
    disabled). Safe outside a transaction: a refusal that writes nothing else still leaves it."""
    if kind not in SecurityEvent.Kind.values:
        raise ValueError(f"unknown security event kind {kind!r}")
    return SecurityEvent.objects.create(
        kind=kind,
        summary=summary[:255],
        severity=severity,
        platform=platform,
        creator=creator,
        source_ip=source_ip or current_request_context().ip,
        detail=detail or {},
    )
