"""Webhook events in the REST API v1 (/api/v1/webhook-events/): what FanzDash received, how it
verified it and what processing made of it. Read-only.

Staff need ``integrations.view_webhooks``. A platform API key sees only the events its own
platform sent (``source`` = its slug), so a platform can check that its events arrived and
were processed, and why one failed.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import ReceivedAtCursorPagination, error_responses
from apps.platforms.authentication import StaffOrPlatformKey

from .models import WebhookEvent

TAGS = ["webhook events"]

# --- reads ------------------------------------------------------------------------------------


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


# --- filters ----------------------------------------------------------------------------------


class WebhookEventApiFilter(django_filters.FilterSet):
    platform = django_filters.CharFilter(
        field_name="source",
        help_text="Who sent it: a platform slug, or `fanzdash` for central events.",
    )
    type = django_filters.CharFilter(
        field_name="event_type", help_text="Event type, e.g. `tip_sent`."
    )
    state = django_filters.ChoiceFilter(
        choices=WebhookEvent.State.choices,
        help_text="received (waiting to be processed), processed, ignored or failed.",
    )
    event_id = django_filters.CharFilter(field_name="event_id", help_text="The event's id.")
    transaction_id = django_filters.CharFilter(
        field_name="transaction_id", help_text="The platform's transaction id in the event."
    )
    creator_external_id = django_filters.CharFilter(
        field_name="creator_external_id", help_text="The event's `creatorId`."
    )
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at",
        lookup_expr="gte",
        help_text="ISO 8601 instant: events received at or after it.",
    )
    received_before = django_filters.IsoDateTimeFilter(
        field_name="received_at",
        lookup_expr="lt",
        help_text="ISO 8601 instant: events received strictly before it.",
    )

    class Meta:
        model = WebhookEvent
        fields: list[str] = []


# --- shapes -----------------------------------------------------------------------------------


class WebhookEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="FanzDash's id of the stored event.")
    source = serializers.CharField(help_text="Platform slug, or `fanzdash` for central events.")
    platform = serializers.CharField(
        source="platform.slug", allow_null=True, help_text="The platform the event concerns."
    )
    eventId = serializers.CharField(source="event_id", help_text="The sender's event id.")
    eventType = serializers.CharField(source="event_type")
    state = serializers.ChoiceField(choices=WebhookEvent.State.choices)
    transactionId = serializers.CharField(source="transaction_id")
    creatorExternalId = serializers.CharField(source="creator_external_id")
    occurredAt = serializers.DateTimeField(
        source="occurred_at", allow_null=True, help_text="The event's own timestamp."
    )
    receivedAt = serializers.DateTimeField(source="received_at")
    processedAt = serializers.DateTimeField(source="processed_at", allow_null=True)
    signatureScheme = serializers.ChoiceField(
        source="signature_scheme", choices=WebhookEvent.Scheme.choices
    )
    attempts = serializers.IntegerField(help_text="Processing attempts so far.")
    errorCode = serializers.CharField(
        source="error_code", help_text="Why processing failed or was ignored (empty if not)."
    )
    errorDetail = serializers.CharField(source="error_detail")
    ledgerEntry = serializers.IntegerField(
        source="ledger_entry_id",
        allow_null=True,
        help_text="The journal entry it produced, if any (`/api/v1/ledger/entries/{id}/`).",
    )
    batchId = serializers.CharField(source="batch_id", help_text="Set for batch deliveries.")


class WebhookEventDetailSerializer(WebhookEventSerializer):
    payload = serializers.JSONField(help_text="The event body as received (parsed JSON).")
    result = serializers.JSONField(help_text="What processing recorded (e.g. entry ids).")


EVENT_EXAMPLE = {
    "id": 5012,
    "source": "boyfanz",
    "platform": "boyfanz",
    "eventId": "evt_8f14e45f",
    "eventType": "tip_sent",
    "state": "processed",
    "transactionId": "tx_123",
    "creatorExternalId": "creator456",
    "occurredAt": "2026-11-20T12:00:00Z",
    "receivedAt": "2026-11-20T12:00:00.120Z",
    "processedAt": "2026-11-20T12:00:00.480Z",
    "signatureScheme": "fanz",
    "attempts": 1,
    "errorCode": "",
    "errorDetail": "",
    "ledgerEntry": 1001,
    "batchId": "",
}
FAILED_EXAMPLE = {
    **EVENT_EXAMPLE,
    "id": 5013,
    "eventId": "evt_c9f0f895",
    "eventType": "refund_issued",
    "state": "failed",
    "transactionId": "tx_999",
    "processedAt": None,
    "attempts": 6,
    "errorCode": "unknown_transaction",
    "errorDetail": "No earning with transaction id 'tx_999' on boyfanz.",
    "ledgerEntry": None,
}


# --- views ------------------------------------------------------------------------------------


class WebhookEventApiBase(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("integrations.view_webhooks",)
    platform_key_access = True  # scoped by webhook_event_queryset_for
    queryset = WebhookEvent.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return webhook_event_queryset_for(self.request.user)


class WebhookEventListApi(WebhookEventApiBase, ListAPIView):
    serializer_class = WebhookEventSerializer
    pagination_class = ReceivedAtCursorPagination
    filterset_class = WebhookEventApiFilter

    def get_queryset(self):
        return super().get_queryset().defer("payload", "raw_body", "headers", "verification")

    @extend_schema(
        tags=TAGS,
        summary="List received webhook events",
        description="Newest received first, 50 a page (`page_size` up to 200), "
        "cursor-paginated: follow `next` / `previous`. Bodies are left out (see the detail). "
        "Staff need `integrations.view_webhooks`; a platform API key sees only the events its "
        "platform sent.",
        responses={
            200: WebhookEventSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "A processed and a failed event",
                value={"next": None, "previous": None, "results": [EVENT_EXAMPLE, FAILED_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookEventDetailApi(WebhookEventApiBase):
    serializer_class = WebhookEventDetailSerializer

    @extend_schema(
        tags=TAGS,
        summary="One received webhook event, with its body and processing result",
        description="A platform API key gets 404 for an event another platform sent.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The stored event id."
            )
        ],
        responses={200: WebhookEventDetailSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A processed tip",
                value={
                    **EVENT_EXAMPLE,
                    "payload": {
                        "id": "evt_8f14e45f",
                        "event": "tip_sent",
                        "platform": "boyfanz",
                        "created_at": "2026-11-20T12:00:00Z",
                        "data": {
                            "transactionId": "tx_123",
                            "userId": "fan_77",
                            "creatorId": "creator456",
                            "amount": "19.99",
                            "currency": "USD",
                        },
                    },
                    "result": {"entry_id": 1001},
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        event = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(WebhookEventDetailSerializer(event).data)
