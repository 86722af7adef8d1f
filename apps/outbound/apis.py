"""Outbound deliveries in the REST API v1 (/api/v1/outbound/deliveries/): read-only, for staff
holding ``integrations.view_webhooks``. Platform API keys are refused (403)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import HasRequiredPermissions, InstantCursorPagination, error_responses

from .filters import DeliveryApiFilter
from .models import OutboundDelivery
from .selectors import delivery_attempts, delivery_get, delivery_list
from .serializers import OutboundDeliveryDetailSerializer, OutboundDeliverySerializer

TAGS = ["outbound webhooks"]


class CreatedAtCursorPagination(InstantCursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


class OutboundApiBase(GenericAPIView):
    permission_classes = [HasRequiredPermissions]
    required_permissions = ("integrations.view_webhooks",)


DELIVERY_EXAMPLE = {
    "id": 812,
    "eventId": "evt_3b9f0c6a1d2e4f5a6b7c8d9e",
    "eventType": "payout.paid",
    "platform": "boyfanz",
    "state": "pending",
    "attempts": 2,
    "nextAttemptAt": "2026-11-20T12:35:40Z",
    "lastStatusCode": 503,
    "lastError": "HTTP 503 Service Unavailable",
    "redeliveryCount": 0,
    "createdAt": "2026-11-20T12:30:00Z",
    "completedAt": None,
    "endpointEnabled": True,
}


class OutboundDeliveryListApi(OutboundApiBase, ListAPIView):
    serializer_class = OutboundDeliverySerializer
    pagination_class = CreatedAtCursorPagination
    filterset_class = DeliveryApiFilter
    queryset = OutboundDelivery.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return delivery_list()

    @extend_schema(
        tags=TAGS,
        summary="List outbound webhook deliveries",
        description="One delivery per event FanzDash sent a platform; newest first, 50 a page "
        "(`page_size` up to 200), cursor-paginated: follow `next` / `previous`.",
        responses={
            200: OutboundDeliverySerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "A page of deliveries",
                value={"next": None, "previous": None, "results": [DELIVERY_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OutboundDeliveryDetailApi(OutboundApiBase):
    serializer_class = OutboundDeliveryDetailSerializer
    queryset = OutboundDelivery.objects.none()  # schema only

    @extend_schema(
        tags=TAGS,
        summary="One outbound delivery with its body and attempt log",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The delivery's id."
            )
        ],
        responses={
            200: OutboundDeliveryDetailSerializer,
            **error_responses(401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "Retried once, then delivered",
                value={
                    **DELIVERY_EXAMPLE,
                    "state": "succeeded",
                    "nextAttemptAt": None,
                    "lastStatusCode": 200,
                    "lastError": "",
                    "completedAt": "2026-11-20T12:30:06Z",
                    "body": '{"id":"evt_3b9f0c6a1d2e4f5a6b7c8d9e","event":"payout.paid",'
                    '"platform":"boyfanz","created_at":"2026-11-20T12:30:00Z","data":{'
                    '"payoutId":"po_77","creatorId":"creator456","amount":"250.00",'
                    '"currency":"USD"}}',
                    "attemptLog": [
                        {
                            "round": 0,
                            "number": 2,
                            "startedAt": "2026-11-20T12:30:05Z",
                            "finishedAt": "2026-11-20T12:30:06Z",
                            "outcome": "succeeded",
                            "statusCode": 200,
                            "latencyMs": 84,
                            "responseExcerpt": '{"received":true}',
                            "error": "",
                            "retryAfterSeconds": None,
                        },
                        {
                            "round": 0,
                            "number": 1,
                            "startedAt": "2026-11-20T12:30:00Z",
                            "finishedAt": "2026-11-20T12:30:00Z",
                            "outcome": "failed",
                            "statusCode": 503,
                            "latencyMs": 31,
                            "responseExcerpt": "upstream unavailable",
                            "error": "HTTP 503 Service Unavailable",
                            "retryAfterSeconds": None,
                        },
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        delivery = delivery_get(pk)
        delivery.attempt_list = delivery_attempts(delivery)
        return Response(OutboundDeliveryDetailSerializer(delivery).data)
