"""The personal data of the outbound app (registered in ``OutboundConfig.ready()``; see
``apps.core.personal_data``): webhook events FanzDash sent to platforms about the subject.
Today their payloads carry only the platform's creator id and levels or statuses (no name,
no email); erasure still replaces any email or name of the subject in the payload, the exact
body and the answers platforms gave (``response_excerpt``), so a future event type cannot
keep one."""

from __future__ import annotations

from django.db.models import Q

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import DeliveryAttempt, OutboundEvent


def _events(subject: Subject):
    query = Q(pk__in=[])
    for platform_id, external_id in subject.platform_users:
        query |= Q(platform_id=platform_id, data__creatorId=external_id)
    return OutboundEvent.objects.filter(query)


def export(subject: Subject) -> dict[str, list[dict]]:
    return {
        "outbound_events": rows(
            _events(subject).order_by("created_at"),
            ["platform__slug", "event_id", "event_type", "data", "created_at"],
        )
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    return {
        "outbound_events": pseudonymise_rows(
            OutboundEvent.objects.all(), ["data", "body"], subject, pseudonym
        ),
        "delivery_attempts": pseudonymise_rows(
            DeliveryAttempt.objects.all(), ["response_excerpt", "error"], subject, pseudonym
        ),
    }


def register_personal_data() -> None:
    register(
        "outbound",
        describe="Webhook events sent to platforms about the subject (creator id, levels, "
        "statuses) and the platforms' answers.",
        models=["outbound.OutboundEvent", "outbound.DeliveryAttempt"],
        export=export,
        erase=erase,
    )
