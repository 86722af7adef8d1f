"""Compliance API (/api/v1/compliance/): a creator's compliance status, for staff
(``compliance.review_compliance``) and platform API keys (only creators with an account on
the key's platform: any other id is 404, as if it did not exist)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from apps.core.api import StandardPagination, error_responses
from apps.creators.models import Creator
from apps.creators.selectors import creator_get_for
from apps.platforms.authentication import StaffOrPlatformKey

from .api_filters import ViolationApiFilter
from .models import Violation
from .selectors import creator_compliance_status, violations_for
from .serializers import ComplianceStatusSerializer, ViolationSerializer

TAGS = ["compliance"]
CREATOR_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The creator's id."
)


class CreatorComplianceStatusApi(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("creators.view_creator", "compliance.review_compliance")
    platform_key_access = True  # scoped by creator_get_for
    serializer_class = ComplianceStatusSerializer
    queryset = Creator.objects.none()  # for the schema; reads go through creator_get_for

    @extend_schema(
        tags=TAGS,
        summary="A creator's compliance status",
        parameters=[CREATOR_ID],
        description="Whether compliance lets the creator be paid, and why not: a valid age "
        "verification, an active account, no open payout hold and no open critical violation are "
        "needed; the KYC level "
        "caps what is paid in any rolling 30 days (level 0: 100.00 USD, 1: 1,000.00 USD, "
        "2: 10,000.00 USD, 3: no limit). Staff need `compliance.review_compliance` "
        "(compliance, super admin); a platform API key reads only creators who have an "
        "account on its platform (any other id: 404).",
        responses={200: ComplianceStatusSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "An expired age verification",
                value={
                    "creatorId": 42,
                    "canBePaid": False,
                    "kycLevel": 1,
                    "kycLimit": {"amount": "1000.00", "currency": "USD"},
                    "ageVerifiedUntil": "2026-11-30",
                    "reasons": [
                        {
                            "code": "age_verification_expired",
                            "detail": "The age verification expired on 2026-11-30.",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        creator = creator_get_for(request.user, pk)
        return Response(ComplianceStatusSerializer(creator_compliance_status(creator)).data)


VIOLATION_EXAMPLE = {
    "id": 7,
    "kind": "content_policy",
    "severity": "critical",
    "status": "open",
    "creatorId": 42,
    "platform": "boyfanz",
    "contentReference": "post_5521",
    "summary": "Moderation model: prohibited content category",
    "source": "platform_event",
    "sourceReference": "integrations.webhookevent:5012 (evt_flag_0001)",
    "confidence": "0.870",
    "openedAt": "2026-11-20T12:00:01Z",
    "resolvedAt": None,
    "resolution": "",
    "confirmed": False,
    "payoutsHeld": True,
}
VIOLATIONS_ACCESS = (
    "Staff need `compliance.review_compliance` (compliance, super admin); a platform API key "
    "sees only the violations of creators who have an account on its platform (any other id: "
    "404)."
)


class ViolationApiBase:
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("compliance.review_compliance",)
    platform_key_access = True  # scoped by violations_for
    serializer_class = ViolationSerializer
    queryset = Violation.objects.none()  # for the schema; reads go through violations_for

    def get_queryset(self):
        return violations_for(self.request.user).select_related("payout_hold")


class ViolationListApi(ViolationApiBase, ListAPIView):
    pagination_class = StandardPagination
    filterset_class = ViolationApiFilter

    @extend_schema(
        tags=TAGS,
        summary="List violations",
        description="Compliance violations, newest first, 50 a page (`page_size` up to 200), "
        "filtered by `status`, `severity`, `kind`, `creator`. A violation is reported by a "
        "platform (`content_flagged`), found by the daily compliance scan, or opened by staff; "
        "a critical one holds the creator's payouts until compliance closes it. "
        + VIOLATIONS_ACCESS,
        responses={200: ViolationSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A page of violations",
                value={"count": 1, "next": None, "previous": None, "results": [VIOLATION_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ViolationDetailApi(ViolationApiBase, RetrieveAPIView):
    @extend_schema(
        tags=TAGS,
        summary="A violation",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The violation's id."
            )
        ],
        description="One violation, its status and resolution. " + VIOLATIONS_ACCESS,
        responses={200: ViolationSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample("A critical violation", value=VIOLATION_EXAMPLE, response_only=True)
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
