"""Compliance API (/api/v1/compliance/): a creator's compliance status, for staff
(``compliance.review_compliance``) and platform API keys (only creators with an account on
the key's platform: any other id is 404, as if it did not exist)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from apps.core.api import StandardPagination, error_responses
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.creators.selectors import creator_get_for
from apps.platforms.authentication import StaffOrPlatformKey, is_platform_principal
from apps.platforms.models import Platform

from .api_filters import ViolationApiFilter
from .models import DataSubjectRequest, Violation
from .selectors import (
    creator_compliance_status,
    gdpr_request_get_for,
    gdpr_requests_for,
    records_2257,
    violations_for,
)
from .serializers import (
    ComplianceStatusSerializer,
    GdprRequestCreateSerializer,
    GdprRequestSerializer,
    Record2257Serializer,
    ViolationSerializer,
)
from .services import gdpr_request_create

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
        description="Whether compliance lets the creator publish content (`canPublish`: an "
        "active account, a valid age verification and a complete 2257 record) and be paid "
        "(`canBePaid`: the same, and no open payout hold and no open critical violation), "
        "and why not: each reason says what it `stops`. The KYC level "
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
                    "canPublish": False,
                    "canBePaid": False,
                    "kycLevel": 1,
                    "kycLimit": {"amount": "1000.00", "currency": "USD"},
                    "ageVerifiedUntil": "2026-11-30",
                    "reasons": [
                        {
                            "code": "age_verification_expired",
                            "detail": "The age verification expired on 2026-11-30.",
                            "stops": ["publish", "payout"],
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


# --- GDPR/CCPA requests ----------------------------------------------------------------------


class GdprRequestListApi(GenericAPIView):
    """Staff (``compliance.handle_datasubjectrequest``) see and file every request; a platform
    key files requests about its own users and sees only the requests it filed."""

    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("compliance.handle_datasubjectrequest",)
    platform_key_access = True
    serializer_class = GdprRequestSerializer
    pagination_class = StandardPagination
    queryset = DataSubjectRequest.objects.none()  # for the schema; reads go through selectors

    @extend_schema(
        tags=TAGS,
        summary="GDPR/CCPA requests",
        description="Newest first. Staff see every request; a platform API key sees the "
        "requests its platform filed.",
        responses={
            200: GdprRequestSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
    )
    def get(self, request):
        page = self.paginate_queryset(gdpr_requests_for(request.user))
        return self.get_paginated_response(GdprRequestSerializer(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="File a GDPR/CCPA request",
        description="Records an access, portability, rectification or erasure request, due "
        "one calendar month after it was received (31 January → the last day of February). "
        "A platform API key names one of **its own** users: `platformUserId` (on its own "
        "platform) or the `email` of a user or creator it knows; any other user is 404 and "
        "nothing is written. Staff may also name `userId` or `creatorId` and set "
        "`receivedAt`. Bad input (an unknown kind, no subject) is 400 with the reason.",
        request=GdprRequestCreateSerializer,
        responses={201: GdprRequestSerializer, **error_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A platform's user asks for their data",
                value={"kind": "access", "platformUserId": "fan_77"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        serializer = GdprRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        principal = request.user
        is_key = is_platform_principal(principal)
        if is_key and ({"userId", "creatorId", "receivedAt"} & set(data)):
            raise ApplicationError(
                "invalid_subject",
                "A platform names its user by platformUserId or email, received now.",
                status_code=400,
            )
        platform = None
        if data.get("platform"):
            platform = Platform.objects.filter(slug=data["platform"]).first()
            if platform is None:
                raise ApplicationError(
                    "unknown_platform", "No platform has this slug.", status_code=400
                )
        user = creator = None
        if data.get("userId"):
            user = get_user_model().objects.filter(pk=data["userId"]).first()
            if user is None:
                raise ApplicationError("not_found", "No user has this id.", status_code=404)
        if data.get("creatorId"):
            creator = Creator.objects.filter(pk=data["creatorId"]).first()
            if creator is None:
                raise ApplicationError("not_found", "No creator has this id.", status_code=404)
        if is_key and platform is None and data.get("platformUserId"):
            platform = principal.platform
        dsr = gdpr_request_create(
            kind=data["kind"],
            actor=principal,
            platform=principal.platform if is_key else None,
            subject_user=user,
            subject_creator=creator,
            subject_platform=platform,
            subject_platform_user_id=data.get("platformUserId", ""),
            subject_email=data.get("email", ""),
            received_at=data.get("receivedAt"),
            identity_check=data["identityCheck"],
            notes=data.get("notes", ""),
        )
        dsr = gdpr_request_get_for(principal, dsr.pk)
        return Response(GdprRequestSerializer(dsr).data, status=201)


class GdprRequestDetailApi(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("compliance.handle_datasubjectrequest",)
    platform_key_access = True
    serializer_class = GdprRequestSerializer
    queryset = DataSubjectRequest.objects.none()

    @extend_schema(
        tags=TAGS,
        summary="A GDPR/CCPA request",
        description="Its status and clock. A platform API key reads only requests its "
        "platform filed (any other id: 404).",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id.")
        ],
        responses={200: GdprRequestSerializer, **error_responses(401, 403, 404, 429)},
    )
    def get(self, request, pk: int):
        return Response(GdprRequestSerializer(gdpr_request_get_for(request.user, pk)).data)
