from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor").order_by("-occurred_at", "-id")


def audit_action_names() -> list[str]:
    return list(
        AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()[:200]
    )


def audit_event_counts(*, since) -> dict[str, int]:
    """Audit events since an instant: all of them, and failed logins (one query)."""
    return AuditEvent.objects.filter(occurred_at__gte=since).aggregate(
        events=Count("pk"), failed_logins=Count("pk", filter=Q(action="auth.login_failed"))
    )
