"""Staff reviews of what the integrations flag: an earnings report that differs from the
ledger is marked resolved, a security event acknowledged. Each audited in the same
transaction; a second review of the same row is refused (409)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.models import SecurityEvent
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.integrations.models import EarningsReport

MAX_NOTE_LENGTH = 2000


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ApplicationError("note_required", "Say what was found: it is kept in the audit log.")
    if len(note) > MAX_NOTE_LENGTH:
        raise ApplicationError("note_too_long", f"At most {MAX_NOTE_LENGTH} characters.")
    return note


@transaction.atomic
def earnings_report_resolve(*, report: EarningsReport, actor, note: str) -> EarningsReport:
    """Finance has looked at a mismatch (and fixed the ledger or told the platform)."""
    note = _clean_note(note)
    report = EarningsReport.objects.select_for_update().get(pk=report.pk)
    if report.status != EarningsReport.Status.MISMATCH:
        raise ApplicationError(
            "not_a_mismatch",
            f"Only a mismatch is resolved; this report is {report.get_status_display().lower()}.",
            status_code=409,
        )
    report.status = EarningsReport.Status.RESOLVED
    report.resolved_at = timezone.now()
    report.resolved_by = actor
    report.resolution_note = note
    report.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note"])
    audit_record(
        actor=actor,
        action="integrations.earnings_report_resolved",
        target=report,
        before={"status": EarningsReport.Status.MISMATCH, "difference": report.difference},
        after={"status": report.status, "note": note},
    )
    return report


@transaction.atomic
def security_event_acknowledge(*, event: SecurityEvent, actor, note: str) -> SecurityEvent:
    """Security or compliance staff have looked at the event."""
    note = _clean_note(note)
    event = SecurityEvent.objects.select_for_update().get(pk=event.pk)
    if event.acknowledged_at is not None:
        raise ApplicationError(
            "already_acknowledged", "This security event is already acknowledged.", status_code=409
        )
    event.acknowledged_at = timezone.now()
    event.acknowledged_by = actor
    event.acknowledgement_note = note
    event.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    audit_record(
        actor=actor,
        action="audit.security_event_acknowledged",
        target=event,
        before={"kind": event.kind, "summary": event.summary},
        after={"note": note},
    )
    return event
