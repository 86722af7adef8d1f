from __future__ import annotations

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Platform, PlatformAPIKey, WebhookSecret


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*), grouped by the platform the outer query correlates on (no join
    fan-out when several counts sit on one row)."""
    counted = queryset.order_by().values("platform_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def platform_list() -> QuerySet[Platform]:
    """Every platform with its number of creators (its creator accounts, a reverse relation)
    and of webhook secrets active now."""
    secrets = WebhookSecret.objects.active(timezone.now()).filter(platform=OuterRef("pk"))
    return (
        Platform.objects.select_related("settlement_currency")
        .annotate(
            creator_count=Count("creator_accounts", distinct=True),
            active_secret_count=_count(secrets),
        )
        .order_by("name", "pk")
    )


def platform_get(slug: str) -> Platform:
    return get_object_or_404(platform_list(), slug=slug)


def platform_webhook_secrets(platform: Platform) -> list[WebhookSecret]:
    """All of a platform's secrets, newest first (the page shows hints, never secrets)."""
    return list(platform.webhook_secrets.order_by("-created_at", "-id"))


def platform_active_secrets(platform: Platform) -> list[str]:
    """The secrets a platform's webhook signature may be made with, newest first. A platform
    with none falls back to the network-wide ``WEBHOOK_SECRET``; with neither, nothing
    verifies and every webhook is refused."""
    active = list(
        platform.webhook_secrets.active(timezone.now())
        .order_by("-created_at", "-id")
        .values_list("secret", flat=True)
    )
    if active:
        return active
    return [settings.WEBHOOK_SECRET] if settings.WEBHOOK_SECRET else []


def platform_webhook_url_overridden(platform: Platform) -> bool:
    """True when ``WEBHOOK_<SLUG>`` in the environment replaces the stored outbound URL."""
    return bool(platform.environment_webhook_url)


def platform_api_keys(platform: Platform) -> list[PlatformAPIKey]:
    """A platform's API keys, newest first (prefix, name and dates only are shown)."""
    return list(platform.api_keys.select_related("created_by").order_by("-created", "prefix"))


def platform_api_key_get(platform: Platform, prefix: str) -> PlatformAPIKey:
    return get_object_or_404(PlatformAPIKey, platform=platform, prefix=prefix)


def platform_names() -> dict[str, str]:
    """Slug → name of every platform (one query), to show names where a slug is stored."""
    return dict(Platform.objects.values_list("slug", "name"))
