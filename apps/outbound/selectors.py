"""Reads of outbound webhooks for the tasks, screens and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.platforms.models import Platform

from .models import DeliveryAttempt, OutboundDelivery, OutboundEndpoint

ATTEMPT_LOG_LIMIT = 100
State = OutboundDelivery.State


def deliveries_due_ids(*, now: datetime, limit: int) -> list[int]:
    """Pending deliveries whose next attempt is due, to enabled endpoints, not in flight."""
    return list(
        OutboundDelivery.objects.filter(
            state=State.PENDING, next_attempt_at__lte=now, endpoint__enabled=True
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def delivery_list() -> QuerySet[OutboundDelivery]:
    """Newest first, with the event and platform (one query a page)."""
    return OutboundDelivery.objects.select_related("event", "endpoint__platform").order_by(
        "-created_at", "-id"
    )


def delivery_get(pk: int) -> OutboundDelivery:
    return get_object_or_404(
        OutboundDelivery.objects.select_related("event", "endpoint__platform"), pk=pk
    )


def delivery_attempts(delivery: OutboundDelivery, limit: int = ATTEMPT_LOG_LIMIT):
    """The latest attempts of a delivery, newest first (at most ``limit``)."""
    return list(
        DeliveryAttempt.objects.filter(delivery=delivery).order_by("-started_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class EndpointRow:
    platform: Platform
    endpoint: OutboundEndpoint | None
    url: str
    url_from_environment: bool
    has_secret: bool
    pending: int
    failed: int
    abandoned: int

    @property
    def enabled(self) -> bool:
        return self.endpoint is None or self.endpoint.enabled


def endpoint_overview() -> list[EndpointRow]:
    """Every platform with its endpoint state and open delivery counts (3 queries)."""
    now = timezone.now()
    platforms = list(
        Platform.objects.select_related("outbound_endpoint")
        .annotate(
            active_secrets=Count(
                "webhook_secrets",
                filter=Q(webhook_secrets__revoked_at__isnull=True)
                & (
                    Q(webhook_secrets__expires_at__isnull=True)
                    | Q(webhook_secrets__expires_at__gt=now)
                ),
            )
        )
        .order_by("name")
    )
    counts: dict[tuple[int, str], int] = {}
    rows = (
        OutboundDelivery.objects.filter(state__in=[State.PENDING, State.FAILED, State.ABANDONED])
        .values("endpoint__platform_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[(row["endpoint__platform_id"], row["state"])] = row["n"]
    has_network_secret = bool(settings.WEBHOOK_SECRET)
    result = []
    for platform in platforms:
        endpoint = getattr(platform, "outbound_endpoint", None)
        result.append(
            EndpointRow(
                platform=platform,
                endpoint=endpoint,
                url=platform.effective_outbound_webhook_url,
                url_from_environment=bool(platform.environment_webhook_url),
                has_secret=platform.active_secrets > 0 or has_network_secret,
                pending=counts.get((platform.pk, State.PENDING), 0),
                failed=counts.get((platform.pk, State.FAILED), 0),
                abandoned=counts.get((platform.pk, State.ABANDONED), 0),
            )
        )
    return result
