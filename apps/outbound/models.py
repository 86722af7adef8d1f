"""Outbound webhooks to platforms (payout paid/failed, creator suspended, KYC changed).

An ``OutboundEvent`` is written once, with the exact JSON body every attempt sends (so the
``X-FANZ-Signature`` of a redelivery is the same and the platform can deduplicate by ``id``).
It gets one ``OutboundDelivery`` to its platform's ``OutboundEndpoint``; each try is one
``DeliveryAttempt`` row (status code, latency, the first KiB of the answer, the error).
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class OutboundEventType(models.TextChoices):
    PAYOUT_PAID = "payout.paid", "Payout paid"
    PAYOUT_FAILED = "payout.failed", "Payout failed"
    CREATOR_SUSPENDED = "creator.suspended", "Creator suspended"
    CREATOR_UNSUSPENDED = "creator.unsuspended", "Creator unsuspended"
    CREATOR_KYC_CHANGED = "creator.kyc_changed", "Creator KYC level changed"


class OutboundEndpoint(models.Model):
    """Where and whether a platform receives FanzDash's webhooks. The URL itself is the
    platform's ``effective_outbound_webhook_url`` (``WEBHOOK_<SLUG>`` overrides the stored
    one), read at every attempt; this row keeps the delivery state."""

    platform = models.OneToOneField(
        "platforms.Platform", on_delete=models.PROTECT, related_name="outbound_endpoint"
    )
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # First failed attempt since the last success; None while the endpoint answers 2xx.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["platform__name"]

    def __str__(self) -> str:
        return f"{self.platform.slug} outbound endpoint"

    @property
    def url(self) -> str:
        return self.platform.effective_outbound_webhook_url


class OutboundEvent(models.Model):
    platform = models.ForeignKey(
        "platforms.Platform", on_delete=models.PROTECT, related_name="outbound_events"
    )
    # "evt_..." — the body's "id" and the webhook-id header: the platform's idempotency key.
    event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=40, choices=OutboundEventType.choices)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    # The exact bytes sent (UTF-8 JSON), fixed when the event is made.
    body = models.TextField()
    # Optional caller key (e.g. "payout:42:paid"): emitting the same key twice returns the
    # first event, so a retried caller does not notify the platform twice.
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="outbound_event_idempotency_key_unique",
            )
        ]
        indexes = [
            models.Index(fields=["platform", "-created_at"], name="outbound_event_platform_idx"),
            models.Index(fields=["event_type", "-created_at"], name="outbound_event_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event_type} → {self.platform_id}"


class OutboundDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for its first attempt or a retry
        SUCCEEDED = "succeeded", "Succeeded"
        # Stopped before the schedule ran out: 410 Gone, no URL or no active secret.
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"  # every scheduled attempt failed

    event = models.ForeignKey(OutboundEvent, on_delete=models.PROTECT, related_name="deliveries")
    endpoint = models.ForeignKey(
        OutboundEndpoint, on_delete=models.PROTECT, related_name="deliveries"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Attempts in the current round (a manual redelivery starts a new round at 0); with
    # the state and claimed_until it is what a worker's claim is conditional on.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is sending; an attempt whose worker died is due again after it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    redelivery_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "outbound deliveries"
        permissions = [
            (
                "redeliver_outbounddelivery",
                "Can redeliver outbound webhooks and enable or disable endpoints",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="outbound_delivery_event_endpoint_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(state="pending") | models.Q(next_attempt_at__isnull=False),
                name="outbound_delivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbound_delivery_due_idx"),
            models.Index(fields=["endpoint", "state"], name="outbound_delivery_endpoint_idx"),
            models.Index(fields=["-created_at"], name="outbound_delivery_created_idx"),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} of {self.event.event_id} ({self.state})"


class DeliveryAttempt(models.Model):
    class Outcome(models.TextChoices):
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded (2xx)"
        FAILED = "failed", "Failed"
        LOST = "lost", "Lost (worker stopped)"

    delivery = models.ForeignKey(
        OutboundDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(help_text="Attempt number within its round.")
    round = models.PositiveIntegerField(default=0, help_text="0, then 1 per manual redelivery.")
    url = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SENDING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=500, blank=True)
    retry_after_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["delivery", "-started_at"], name="delivery_attempt_idx"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.round}.{self.number} of delivery #{self.delivery_id}"
