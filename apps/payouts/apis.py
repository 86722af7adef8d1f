"""Payouts API (/api/v1/payouts/): reads of batches and payouts for staff, a creator's payouts
for staff and platform API keys, and the sandbox processor's signed callback (applied by
``services/callbacks.py``).

Access: batches need ``payouts.view_payoutbatch`` (super admin, finance, compliance);
payouts need ``payouts.view_payout`` (those and support). A platform API key reads only
``/creators/{id}/payouts/`` and ``/{id}/`` for creators with an account on its platform,
and of each payout only its own platform's money: the items taken from its platform
(``items``), ``amount`` = their sum, ``fee`` null (see ``selectors.payouts.payout_queryset_for``);
the processor trail (``events``) is for staff.
"""

from __future__ import annotations

import django_filters
from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ApiErrorSerializer, StandardPagination, error_responses
from apps.core.bodies import BodyRefused, body_read, body_reader, json_media_type_check
from apps.core.filters import IdFilter
from apps.core.net import client_ip
from apps.creators.selectors import creator_get_for
from apps.platforms.authentication import StaffOrPlatformKey

from .models import Payout, PayoutBatch
from .selectors.payouts import (
    payout_batch_get,
    payout_batch_queryset,
    payout_get_for,
    payout_queryset_for,
)
from .serializers import (
    PayoutBatchDetailSerializer,
    PayoutBatchSerializer,
    PayoutDetailSerializer,
    PayoutSerializer,
    SandboxCallbackResultSerializer,
    SandboxCallbackSerializer,
)
from .services.callbacks import BODY_LIMIT, sandbox_callback_receive

TAGS = ["payouts"]
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id.")


# --- filters ---------------------------------------------------------------------------------


class PayoutBatchApiFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutBatch.Status.choices, help_text="Status.")
    processor = django_filters.CharFilter(
        field_name="processor__code", help_text="Processor code (e.g. sandbox, sepa)."
    )
    currency = django_filters.CharFilter(method="filter_currency", help_text="ISO 4217 code.")

    class Meta:
        model = PayoutBatch
        fields: list[str] = []

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency_id=value.strip().upper())


class PayoutApiFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Payout.State.choices, help_text="State.")
    batch = IdFilter(field_name="batch_id", help_text="Batch id.")
    creator = IdFilter(field_name="creator_id", help_text="Creator id.")
    currency = django_filters.CharFilter(method="filter_currency", help_text="ISO 4217 code.")

    class Meta:
        model = Payout
        fields: list[str] = []

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency_id=value.strip().upper())


# --- examples --------------------------------------------------------------------------------

BATCH_EXAMPLE = {
    "id": 31,
    "processor": "sandbox",
    "processorName": "Sandbox processor (demo and tests)",
    "settlement": "api",
    "currency": "USD",
    "status": "submitted",
    "source": "schedule",
    "total": "4250.00",
    "feeTotal": "43.25",
    "payoutCount": 12,
    "builtBy": "finance@example.test",
    "approvedBy": "finance2@example.test",
    "autoApproved": False,
    "createdAt": "2026-12-01T08:00:00Z",
    "approvedAt": "2026-12-01T08:30:00Z",
    "submittedAt": "2026-12-01T08:31:00Z",
    "settledAt": None,
    "cancelledAt": None,
}
PAYOUT_EXAMPLE = {
    "id": 812,
    "batch": 31,
    "creator": 42,
    "processor": "sandbox",
    "currency": "USD",
    "amount": "150.00",
    "fee": "2.50",
    "state": "failed",
    "processorReference": "sbx_9c1d2e3f4a5b6c7d8e9f",
    "failureCode": "account_closed",
    "failureReason": "The bank says this account is closed. Please add a new payout method.",
    "attempts": 1,
    "nextAttemptAt": None,
    "method": {
        "id": 7,
        "hint": "Sandbox demo-0001",
        "status": "needs_attention",
        "attentionReason": "The bank says this account is closed. Please add a new payout method.",
    },
    "items": [{"platform": "boyfanz", "amount": "150.00"}],
    "createdAt": "2026-12-01T08:00:00Z",
    "submittedAt": "2026-12-01T08:31:02Z",
    "settledAt": "2026-12-01T08:31:09Z",
}
EVENT_EXAMPLE = {
    "kind": "callback",
    "statusCode": 200,
    "payload": {"callback_id": "sbxevt_5f0c6f1e", "type": "transfer.failed"},
    "occurredAt": "2026-12-01T08:31:09Z",
}


def _page(example):
    return {"count": 1, "next": None, "previous": None, "results": [example]}


# --- views -----------------------------------------------------------------------------------


class PayoutBatchListApi(ListAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("payouts.view_payoutbatch",)
    serializer_class = PayoutBatchSerializer
    pagination_class = StandardPagination
    filterset_class = PayoutBatchApiFilter
    queryset = PayoutBatch.objects.none()  # schema only

    def get_queryset(self):
        return payout_batch_queryset()

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_batch_list",
        summary="List payout batches",
        description="Newest first, 50 a page (`page_size` up to 200). Needs "
        "`payouts.view_payoutbatch` (super admin, finance, compliance); platform API keys are "
        "refused.",
        responses={
            200: PayoutBatchSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[OpenApiExample("A page", value=_page(BATCH_EXAMPLE), response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PayoutBatchDetailApi(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("payouts.view_payoutbatch",)
    serializer_class = PayoutBatchDetailSerializer
    queryset = PayoutBatch.objects.none()

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_batch_detail",
        summary="One payout batch, with its payouts counted by state",
        parameters=[ID],
        responses={200: PayoutBatchDetailSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A submitted batch",
                value={
                    **BATCH_EXAMPLE,
                    "states": [{"state": "paid", "count": 10}, {"state": "failed", "count": 2}],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        return Response(PayoutBatchDetailSerializer(payout_batch_get(pk)).data)


class PayoutListApi(ListAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("payouts.view_payout",)
    serializer_class = PayoutSerializer
    pagination_class = StandardPagination
    filterset_class = PayoutApiFilter
    queryset = Payout.objects.none()

    def get_queryset(self):
        return payout_queryset_for(self.request.user)

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_list",
        summary="List payouts",
        description="Newest first, 50 a page, filtered by `state`, `batch`, `creator`, "
        "`currency`. Needs `payouts.view_payout`; platform API keys use "
        "`/creators/{id}/payouts/`.",
        responses={
            200: PayoutSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[OpenApiExample("A page", value=_page(PAYOUT_EXAMPLE), response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class PayoutDetailApi(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("payouts.view_payout",)
    platform_key_access = True  # scoped by payout_queryset_for
    serializer_class = PayoutDetailSerializer
    queryset = Payout.objects.none()

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_detail",
        summary="One payout, with its processor trail",
        description="A platform API key gets 404 for a payout with nothing from its platform, "
        "sees only its own platform's items, `amount` = their sum (what came from its "
        "platform, not the whole transfer), `fee` null (the processor's fee is charged on "
        "the whole transfer, not per platform), and no trail.",
        parameters=[ID],
        responses={200: PayoutDetailSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A failed payout",
                value={**PAYOUT_EXAMPLE, "events": [EVENT_EXAMPLE]},
                response_only=True,
            ),
            OpenApiExample(
                "As a platform API key (boyfanz), of a payout from two platforms",
                value={
                    **PAYOUT_EXAMPLE,
                    "amount": "30.00",
                    "fee": None,
                    "items": [{"platform": "boyfanz", "amount": "30.00"}],
                    "events": [],
                },
                response_only=True,
            ),
        ],
    )
    def get(self, request, pk: int):
        return Response(PayoutDetailSerializer(payout_get_for(request.user, pk)).data)


class CreatorPayoutListApi(ListAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("payouts.view_payout",)
    platform_key_access = True  # scoped by creator_get_for + payout_queryset_for
    serializer_class = PayoutSerializer
    pagination_class = StandardPagination
    filterset_class = PayoutApiFilter
    queryset = Payout.objects.none()

    def get_queryset(self):
        # 404 for a creator the caller may not see (a key: not on its platform).
        creator = creator_get_for(self.request.user, self.kwargs["pk"])
        return payout_queryset_for(self.request.user).filter(creator=creator)

    @extend_schema(
        tags=TAGS,
        operation_id="payouts_creator_list",
        summary="A creator's payouts",
        description="Newest first, 50 a page. Staff need `payouts.view_payout`; a platform "
        "API key reads the creators with an account on its platform (others: 404), their "
        "payouts that took money from its platform, and only its platform's money: those "
        "items, `amount` = their sum, `fee` null. `failureReason` is what the creator reads.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The creator's id."
            )
        ],
        responses={200: PayoutSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
        examples=[OpenApiExample("A page", value=_page(PAYOUT_EXAMPLE), response_only=True)],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- the sandbox processor's callback -----------------------------------------------------

CALLBACK_EXAMPLE = {
    "id": "sbxevt_5f0c6f1e2d3b4a59",
    "type": "transfer.failed",
    "reference": "sbx_9c1d2e3f4a5b6c7d8e9f",
    "idempotencyKey": "0b8a8f53-3b1a-4c55-9a7e-7f3f1b2e4c11",
    "status": "failed",
    "amount": "150.00",
    "currency": "USD",
    "failureCode": "account_closed",
    "failureMessage": "The bank says this account is closed. Please add a new payout method.",
    "occurredAt": "2026-12-01T09:00:05+00:00",
}


class SandboxCallbackApi(APIView):
    """Signed by the sandbox processor; no session, no API key (the signature is the
    authentication)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["payouts"],
        operation_id="payouts_sandbox_callback",
        summary="Sandbox processor callback (signed)",
        description="Called by the sandbox processor when a transfer settles. Signed "
        "`X-FANZ-Signature: sha256=<hex HMAC-SHA256(SANDBOX_PROCESSOR_SECRET, raw body)>`; a "
        "missing or wrong signature is answered 401 and changes nothing. Each callback id is "
        "applied once: repeats answer `duplicate`, callbacks for a payout already paid or "
        "failed answer `ignored`.",
        parameters=[
            OpenApiParameter(
                "X-FANZ-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body>",
            )
        ],
        request=SandboxCallbackSerializer,
        responses={
            200: SandboxCallbackResultSerializer,
            400: OpenApiResponse(ApiErrorSerializer, description="Malformed or invalid body."),
            401: OpenApiResponse(
                ApiErrorSerializer, description="`missing_signature` or `invalid_signature`."
            ),
            404: OpenApiResponse(ApiErrorSerializer, description="Unknown payout or transfer."),
            409: OpenApiResponse(
                ApiErrorSerializer, description="The payout's batch is not submitted."
            ),
            411: OpenApiResponse(
                ApiErrorSerializer,
                description="`length_required`: a chunked body this server cannot delimit.",
            ),
            413: OpenApiResponse(ApiErrorSerializer, description="Body over 64 KiB."),
            415: OpenApiResponse(
                ApiErrorSerializer,
                description="`unsupported_media_type`: the body is not `application/json`.",
            ),
            429: OpenApiResponse(
                ApiErrorSerializer, description="Too many refused requests from this address."
            ),
        },
        examples=[
            OpenApiExample("A failed transfer", value=CALLBACK_EXAMPLE, request_only=True),
            OpenApiExample(
                "Applied",
                value={"result": "applied", "payout": 812, "state": "failed"},
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        http_request = request._request
        try:
            # The body as the webhooks read it: chunked too, 411 / 413 / 415 before anything.
            body = body_read(http_request.META, body_reader(http_request), BODY_LIMIT)
            json_media_type_check(http_request.META)
        except BodyRefused as refused:
            status, payload = refused.status, {"error": refused.code, "detail": refused.detail}
        else:
            status, payload = sandbox_callback_receive(
                body=body,
                signature=request.META.get("HTTP_X_FANZ_SIGNATURE"),
                source_ip=client_ip(http_request) or "-",
            )
        return JsonResponse(payload, status=status)
