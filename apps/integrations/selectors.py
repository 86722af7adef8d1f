"""Reads for webhook processing and the integration screens (bounded, with their joins)."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.audit.models import SecurityEvent
from apps.creators.models import Creator, PayoutHold, PlatformAccount
from apps.ledger.models import EARNING_KINDS, Posting
from apps.ledger.services import PLATFORM_TRANSACTION
from apps.platforms.models import Platform

from .models import CENTRAL_SOURCE, EarningsReport, PlatformLinkRequest, WebhookEvent

# Header names whose values never reach a screen (also masked at ingestion; this is a second
# line for anything stored before that, or added later).
SECRET_HEADER_WORDS = ("signature", "authorization", "secret", "token", "cookie", "api-key")


def creator_for_platform_account(platform, external_id: str) -> Creator | None:
    """The creator a platform calls ``external_id`` (the ``creatorId`` in its events)."""
    account = (
        PlatformAccount.objects.filter(platform=platform, external_id=external_id)
        .select_related("creator")
        .first()
    )
    return account.creator if account is not None else None


def earning_for_transaction(platform, transaction_id: str) -> tuple[int, str, str] | None:
    """(entry id, idempotency key, currency) of the earning recorded for a platform's
    transaction (what a refund points at), or None while it has not arrived. One query on the
    (platform, source_type, source_id) index."""
    return (
        Posting.objects.filter(
            entry__platform=platform,
            entry__source_type=PLATFORM_TRANSACTION,
            entry__source_id=transaction_id,
            entry__kind__in=EARNING_KINDS,
        )
        .values_list("entry_id", "entry__idempotency_key", "account__currency_id")
        .first()
    )


# --- screens -----------------------------------------------------------------------------


def webhook_event_list() -> QuerySet[WebhookEvent]:
    """Newest first; the list shows no bodies, so the large columns stay in the database."""
    return (
        WebhookEvent.objects.select_related("platform")
        .defer("payload", "raw_body", "headers", "verification", "result")
        .order_by("-received_at", "-id")
    )


def webhook_event_get(pk: int) -> WebhookEvent:
    return get_object_or_404(WebhookEvent.objects.select_related("platform", "ledger_entry"), pk=pk)


def webhook_event_sources() -> list[str]:
    return [*Platform.objects.order_by("slug").values_list("slug", flat=True), CENTRAL_SOURCE]


def headers_masked(headers: dict) -> list[tuple[str, str]]:
    """Headers sorted by name, with anything secret-like shown as its last 4 characters."""
    rows = []
    for name, value in sorted((headers or {}).items(), key=lambda item: str(item[0]).lower()):
        text = str(value)
        if any(word in str(name).lower() for word in SECRET_HEADER_WORDS) and "…" not in text:
            text = f"…{text[-4:]}" if len(text) > 8 else "…"
        rows.append((str(name), text))
    return rows


def earnings_report_list() -> QuerySet[EarningsReport]:
    """Mismatches first (newest first within each status), then matched, then resolved."""
    order = Case(
        When(status=EarningsReport.Status.MISMATCH, then=Value(0)),
        When(status=EarningsReport.Status.MATCHED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        EarningsReport.objects.select_related("platform", "creator", "currency", "resolved_by")
        .annotate(status_order=order)
        .order_by("status_order", "-reported_at", "-id")
    )


def security_event_list() -> QuerySet[SecurityEvent]:
    """Open (unacknowledged) first, newest first."""
    return SecurityEvent.objects.select_related("platform", "creator", "acknowledged_by").order_by(
        F("acknowledged_at").desc(nulls_first=True), "-occurred_at", "-id"
    )


def payout_hold_list() -> QuerySet[PayoutHold]:
    """Open holds first, newest first."""
    return PayoutHold.objects.select_related(
        "creator", "platform", "placed_by", "released_by"
    ).order_by(F("released_at").desc(nulls_first=True), "-placed_at", "-id")


LINK_REQUEST_FILTERS = ("pending", "confirmed", "rejected", "expired", "withdrawn", "all")


def platform_link_request_list(status: str = "pending") -> QuerySet[PlatformLinkRequest]:
    """Link requests for the staff screen, oldest open question first for ``pending``,
    newest first otherwise. A pending request past its expiry counts as expired (it is marked
    so when the platform syncs again)."""
    requests = PlatformLinkRequest.objects.select_related(
        "platform", "user", "creator", "decided_by"
    )
    now = timezone.now()
    open_now = Q(status=PlatformLinkRequest.Status.PENDING, expires_at__gt=now)
    if status == "pending":
        return requests.filter(open_now).order_by("requested_at", "id")
    if status == "expired":
        requests = requests.filter(
            Q(status=PlatformLinkRequest.Status.EXPIRED)
            | Q(status=PlatformLinkRequest.Status.PENDING, expires_at__lte=now)
        )
    elif status in PlatformLinkRequest.Status.values:
        requests = requests.filter(status=status)
    return requests.order_by("-requested_at", "-id")


def platform_link_requests_open_for(user) -> list[PlatformLinkRequest]:
    """The requests waiting for ``user``'s own answer (their account, not expired)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        PlatformLinkRequest.objects.filter(
            user=user, status=PlatformLinkRequest.Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("platform")
        .order_by("requested_at", "id")[:50]
    )


def platform_link_request_get_for(user, pk: int) -> PlatformLinkRequest:
    """One of ``user``'s own requests, or 404 (another person's request does not exist)."""
    return get_object_or_404(
        PlatformLinkRequest.objects.select_related("platform"), pk=pk, user_id=user.pk
    )


def webhook_event_queryset_for(principal) -> QuerySet[WebhookEvent]:
    """The events ``principal`` may read, newest received first: a platform key those its
    platform sent; staff with ``integrations.view_webhooks`` all; anyone else none."""
    events = WebhookEvent.objects.select_related("platform").order_by("-received_at", "-id")
    platform = getattr(principal, "platform", None)
    if platform is not None:
        return events.filter(source=platform.slug)
    if getattr(principal, "is_authenticated", False) and principal.has_perm(
        "integrations.view_webhooks"
    ):
        return events
    return events.none()
