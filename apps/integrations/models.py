"""Inbound platform traffic: webhook events (stored raw before anything else), the users and
earnings figures platforms sync, and requests recorded for other modules.

A ``WebhookEvent`` is written in the request, before the response, with its raw body, headers
(secrets masked) and how its signature was verified; a Celery task then processes it into the
ledger. ``(source, event_id)`` is unique, so a repeated or concurrent copy of one event is
stored once and processed once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

CENTRAL_SOURCE = "fanzdash"  # central events, signed with the network secret


class WebhookEvent(models.Model):
    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    class Scheme(models.TextChoices):
        FANZ = "fanz", "X-FANZ-Signature (HMAC-SHA256)"
        STANDARD = "standard", "Standard Webhooks"

    # Platform slug, or "fanzdash" for central events; with event_id the idempotency key.
    source = models.CharField(max_length=50)
    platform = models.ForeignKey(
        "platforms.Platform",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_events",
    )
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=64)
    # Extracted from data for search: the platform's transaction id and creator id.
    transaction_id = models.CharField(max_length=200, blank=True)
    creator_external_id = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()
    raw_body = models.TextField()
    headers = models.JSONField(default=dict)
    signature_scheme = models.CharField(max_length=10, choices=Scheme.choices)
    # Which secret matched (its hint, "…abcd") and anything else the verifier noted.
    verification = models.JSONField(default=dict)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    batch_id = models.CharField(max_length=64, blank=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_detail = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    ledger_entry = models.ForeignKey(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_events",
    )
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        permissions = [
            ("view_webhooks", "Can read webhook events and deliveries"),
            ("replay_webhookevent", "Can replay a failed webhook event"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="webhook_event_unique"),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"], name="webhook_event_state_idx"),
            models.Index(fields=["source", "-received_at"], name="webhook_event_source_idx"),
            models.Index(fields=["event_type", "-received_at"], name="webhook_event_type_idx"),
            models.Index(fields=["transaction_id"], name="webhook_event_tx_idx"),
            # Search by event id across sources (the unique index leads with source).
            models.Index(fields=["event_id"], name="webhook_event_id_idx"),
            # What a worker tops its chunk up with (processing.webhook_events_ready): small
            # whatever the history, and independent of the planner's row estimates.
            models.Index(
                fields=["id"],
                condition=models.Q(state="received", next_attempt_at__isnull=True),
                name="webhook_event_ready_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.event_id} ({self.event_type})"


class PlatformUser(models.Model):
    """A user as a platform reported it through ``sync/user`` or a user event. Creators are
    also linked to their Creator (through the platform account); fans are kept here only."""

    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="synced_users"
    )
    external_id = models.CharField(max_length=100)
    username = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=30, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_identities",
    )
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_identities",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform__slug", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="platform_user_external_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform.slug}:{self.external_id}"


class PlatformLinkRequest(models.Model):
    """A platform's request to link its user (``external_id``) to a FanzDash account that
    already exists, found by the email the platform sent. Until the request is confirmed no
    PlatformAccount exists, so the platform sees nothing of that creator and its events for
    ``external_id`` wait. Only proof links: the account's owner (signed in, on their own page)
    or staff (``integrations.decide_platformlinkrequest``) confirm or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed: linked"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn (the platform synced another email)"

    class DecidedAs(models.TextChoices):
        CREATOR = "creator", "The creator"
        STAFF = "staff", "Staff"

    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="link_requests"
    )
    external_id = models.CharField(max_length=100)
    username = models.CharField(max_length=150, blank=True)
    email = models.EmailField(help_text="As the platform sent it.")
    # The account the email belongs to; its creator profile, if it had one when asked.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="platform_link_requests"
    )
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_link_requests",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_as = models.CharField(max_length=10, choices=DecidedAs.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            (
                "decide_platformlinkrequest",
                "Can confirm or reject a platform's request to link an existing creator",
            )
        ]
        constraints = [
            # One open question per platform user, and per platform and person.
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                condition=models.Q(status="pending"),
                name="link_request_pending_external_unique",
            ),
            models.UniqueConstraint(
                fields=["platform", "user"],
                condition=models.Q(status="pending"),
                name="link_request_pending_user_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-requested_at"], name="link_request_status_idx"),
            models.Index(fields=["user", "status"], name="link_request_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform.slug}:{self.external_id} → {self.email} ({self.status})"


class EarningsReport(models.Model):
    """A platform's own figures for one creator (``sync/earnings`` or
    ``creator_earnings_updated``), kept beside what the ledger says, with the difference."""

    class Status(models.TextChoices):
        MATCHED = "matched", "Matches the ledger"
        MISMATCH = "mismatch", "Differs from the ledger"
        RESOLVED = "resolved", "Mismatch reviewed"

    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="earnings_reports"
    )
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="earnings_reports",
    )
    creator_external_id = models.CharField(max_length=100)
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+")
    # Minor units, as the platform reported them and as the ledger had them at that time.
    reported = models.JSONField(help_text="Figure name → minor units, as the platform reported.")
    ledger = models.JSONField(help_text="Figure name → minor units, from the ledger.")
    difference = models.JSONField(help_text="Figure name → reported minus ledger, minor units.")
    status = models.CharField(max_length=10, choices=Status.choices)
    webhook_event = models.ForeignKey(
        WebhookEvent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="earnings_reports",
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-reported_at"], name="earnings_report_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.platform.slug}:{self.creator_external_id} {self.status}"
