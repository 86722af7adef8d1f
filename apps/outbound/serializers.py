"""Response shapes of the outbound deliveries API (staff only)."""

from __future__ import annotations

from rest_framework import serializers

from .models import DeliveryAttempt, OutboundDelivery, OutboundEventType


class DeliveryAttemptSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="0, then 1 per manual redelivery.")
    number = serializers.IntegerField(help_text="Attempt number within its round (1-7).")
    startedAt = serializers.DateTimeField(source="started_at")
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)
    outcome = serializers.ChoiceField(choices=DeliveryAttempt.Outcome.choices)
    statusCode = serializers.IntegerField(
        source="status_code", allow_null=True, help_text="HTTP status, null without an answer."
    )
    latencyMs = serializers.IntegerField(source="latency_ms", allow_null=True)
    responseExcerpt = serializers.CharField(
        source="response_excerpt", help_text="The first KiB of the platform's answer."
    )
    error = serializers.CharField()
    retryAfterSeconds = serializers.IntegerField(source="retry_after_seconds", allow_null=True)


class OutboundDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    eventId = serializers.CharField(source="event.event_id", help_text="evt_… (idempotency id).")
    eventType = serializers.ChoiceField(
        source="event.event_type", choices=OutboundEventType.choices
    )
    platform = serializers.CharField(source="endpoint.platform.slug")
    state = serializers.ChoiceField(
        choices=OutboundDelivery.State.choices,
        help_text="pending (first try or retry scheduled), succeeded, failed (410 Gone, no URL "
        "or no secret) or abandoned (every scheduled attempt failed).",
    )
    attempts = serializers.IntegerField(help_text="Attempts in the current round.")
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at", allow_null=True)
    lastStatusCode = serializers.IntegerField(source="last_status_code", allow_null=True)
    lastError = serializers.CharField(source="last_error")
    redeliveryCount = serializers.IntegerField(source="redelivery_count")
    createdAt = serializers.DateTimeField(source="created_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    endpointEnabled = serializers.BooleanField(source="endpoint.enabled")


class OutboundDeliveryDetailSerializer(OutboundDeliverySerializer):
    body = serializers.CharField(source="event.body", help_text="The exact JSON body sent.")
    attemptLog = DeliveryAttemptSerializer(many=True, source="attempt_list")
