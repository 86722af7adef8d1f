"""Creators API (/api/v1/creators/): reads for staff (session, ``creators.view_creator``) and
platforms (API key). Every queryset comes from ``creator_queryset_for(principal)``, so a
platform API key sees only the creators with an account on its platform, and only that
platform's accounts. A creator's money (detail with balances, balances, earnings) is served
by ``apps.ledger.apis`` on the same base."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView

from apps.core.api import StandardPagination, error_responses
from apps.platforms.authentication import StaffOrPlatformKey

from .api_filters import CreatorApiFilter
from .models import Creator
from .selectors import creator_get_for, creator_queryset_for
from .serializers import CreatorSummarySerializer

TAGS = ["creators"]
CREATOR_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The creator's id."
)


class CreatorApiBase(GenericAPIView):
    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("creators.view_creator",)
    platform_key_access = True  # scoped by creator_queryset_for
    # For schema generation only; requests always go through get_queryset.
    queryset = Creator.objects.none()

    def get_queryset(self):
        return creator_queryset_for(self.request.user)

    def get_creator(self) -> Creator:
        return creator_get_for(self.request.user, self.kwargs["pk"])


CREATOR_EXAMPLE = {
    "id": 42,
    "displayName": "Max Power",
    "status": "active",
    "kycLevel": 2,
    "country": "US",
    "defaultCurrency": "USD",
    "ageVerifiedUntil": "2027-06-30",
    "platforms": [
        {"platform": "boyfanz", "externalId": "creator456"},
        {"platform": "girlfanz", "externalId": "gf-9001"},
    ],
}


class CreatorListApi(CreatorApiBase, ListAPIView):
    serializer_class = CreatorSummarySerializer
    pagination_class = StandardPagination
    filterset_class = CreatorApiFilter

    @extend_schema(
        tags=TAGS,
        summary="List creators",
        description="Creators ordered by display name then id, 50 a page (`page_size` up to "
        "200). Staff need `creators.view_creator` (super admin, finance, compliance, support); "
        "a platform API key sees only the creators with an account on its platform, and only "
        "that platform's accounts.",
        responses={
            200: CreatorSummarySerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "A page of creators",
                value={"count": 1, "next": None, "previous": None, "results": [CREATOR_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
