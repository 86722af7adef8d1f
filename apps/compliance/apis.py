"""Compliance API (/api/v1/compliance/): a creator's compliance status, for staff
(``compliance.review_compliance``) and platform API keys (only creators with an account on
the key's platform: any other id is 404, as if it did not exist)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import StandardPagination, error_responses
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.creators.selectors import creator_get_for
from apps.platforms.authentication import StaffOrPlatformKey

from .selectors import creator_compliance_status, records_2257
from .serializers import ComplianceStatusSerializer, Record2257Serializer

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
        "verification, an active account and no open payout hold are needed; the KYC level "
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


class Records2257ListApi(ListAPIView):
    """2257 records with their completeness, for staff only (no platform key)."""

    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("compliance.review_compliance",)
    serializer_class = Record2257Serializer
    pagination_class = StandardPagination
    filter_backends: list = []

    def get_queryset(self):
        complete = self.request.query_params.get("complete")
        value = {"true": True, "false": False}.get((complete or "").lower())
        if complete not in (None, "") and value is None:
            raise ApplicationError("invalid_filter", "complete is true or false.", status_code=400)
        return records_2257(complete=value)

    @extend_schema(
        tags=TAGS,
        summary="2257 records and their completeness",
        description="Every performer's 18 U.S.C. 2257 record, by legal name, 50 a page "
        "(`page_size` up to 200): whether it is complete and, if not, what is missing in "
        "words; the current version; and the day until which it must be kept (7 years after "
        "creation or the last amendment). Staff with `compliance.review_compliance` "
        "(compliance, super admin); platform keys are refused.",
        parameters=[
            OpenApiParameter(
                "complete",
                OpenApiTypes.BOOL,
                OpenApiParameter.QUERY,
                description="true: only complete records; false: only incomplete ones.",
            )
        ],
        responses={
            200: Record2257Serializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "An incomplete record",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 12,
                            "performerId": 7,
                            "creatorId": 42,
                            "legalName": "Jane Example",
                            "version": 2,
                            "complete": False,
                            "missing": ["no content references"],
                            "createdAt": "2026-11-02T10:00:00Z",
                            "lastAmendedAt": "2026-12-02T09:30:00Z",
                            "retainUntil": "2033-12-02",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
