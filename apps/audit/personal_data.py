"""The personal data of the audit app (registered in ``AuditConfig.ready()``; see
``apps.core.personal_data``): audit events the subject did (their email, IP, user agent) or
that name them (target, before/after), and security events about them.

Erasure keeps every row — who did what, when, stays provable — and pseudonymises the free
text: the subject's emails and names inside ``actor_email``, ``target_repr``, ``before`` and
``after`` are replaced, and the IP and user agent of the subject's own actions are blanked.
The audit log is append-only (a PostgreSQL trigger refuses UPDATE); erasure is the one writer
allowed through it, for these fields only, with ``pgtrigger.ignore`` around the update."""

from __future__ import annotations

import pgtrigger
from django.db.models import Q

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import AuditEvent, SecurityEvent

APPEND_ONLY = "audit.AuditEvent:audit_event_append_only"


def _events(subject: Subject):
    return AuditEvent.objects.filter(
        Q(actor_id__in=subject.user_ids)
        | Q(target_type="accounts.user", target_id__in=[str(pk) for pk in subject.user_ids])
        | Q(
            target_type="creators.creator",
            target_id__in=[str(pk) for pk in subject.creator_ids],
        )
    )


def export(subject: Subject) -> dict[str, list[dict]]:
    return {
        "audit_events": rows(
            _events(subject).order_by("occurred_at", "id"),
            [
                "occurred_at",
                "actor_email",
                "action",
                "target_type",
                "target_id",
                "target_repr",
                "before",
                "after",
                "ip",
                "user_agent",
            ],
        ),
        "security_events": rows(
            SecurityEvent.objects.filter(creator_id__in=subject.creator_ids),
            ["occurred_at", "kind", "severity", "summary", "detail"],
        ),
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    with pgtrigger.ignore(APPEND_ONLY):
        own = (
            AuditEvent.objects.filter(actor_id__in=subject.user_ids)
            .exclude(ip__isnull=True, user_agent="")
            .update(ip=None, user_agent="")
        )
        named = pseudonymise_rows(
            AuditEvent.objects.all(),
            ["actor_email", "target_repr", "before", "after"],
            subject,
            pseudonym,
        )
    security = pseudonymise_rows(
        SecurityEvent.objects.all(),
        ["summary", "detail", "acknowledgement_note"],
        subject,
        pseudonym,
    )
    return {"audit_events": own + named, "security_events": security}


def register_personal_data() -> None:
    register(
        "audit",
        describe="Audit events the subject did or that name them (email, IP, user agent, "
        "before/after) and security events about them. Rows are kept; the text is "
        "pseudonymised.",
        models=["audit.AuditEvent", "audit.SecurityEvent"],
        export=export,
        erase=erase,
    )
