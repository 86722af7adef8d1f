"""Creators API (/api/v1/creators/): reads for staff (session, ``creators.view_creator``) and
platforms (API key). Every queryset comes from ``creator_queryset_for(principal)``, so a
platform API key sees only the creators with an account on its platform, and only that
platform's accounts and money."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import StandardPagination, error_responses
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.platforms.authentication import StaffOrPlatformKey

from .api_filters import CreatorApiFilter
from .models import Creator
from .selectors import (
    creator_balance_rows,
    creator_earnings_summary,
    creator_get_for,
    creator_queryset_for,
    principal_platform,
)
from .serializers import (
    CreatorBalancesSerializer,
    CreatorDetailSerializer,
    CreatorEarningsSerializer,
    CreatorSummarySerializer,
    EarningsQuerySerializer,
)

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

    def get_creator_with_balances(self) -> Creator:
        creator = self.get_creator()
        creator.balance_rows = creator_balance_rows(
            creator, platform=principal_platform(self.request.user)
        )
        return creator


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
BALANCE_EXAMPLE = {
    "platform": "boyfanz",
    "currency": "USD",
    "pending": "120.00",
    "available": "1880.00",
    "inPayout": "0.00",
    "lifetime": "2000.00",
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


class CreatorDetailApi(CreatorApiBase):
    serializer_class = CreatorDetailSerializer

    @extend_schema(
        tags=TAGS,
        summary="One creator, with balances",
        description="A platform API key gets 404 for a creator without an account on its "
        "platform, and only its own platform's balances.",
        parameters=[CREATOR_ID],
        responses={200: CreatorDetailSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A creator",
                value={**CREATOR_EXAMPLE, "balances": [BALANCE_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        creator = self.get_creator_with_balances()
        return Response(CreatorDetailSerializer(creator).data)


class CreatorBalancesApi(CreatorApiBase):
    serializer_class = CreatorBalancesSerializer

    @extend_schema(
        tags=TAGS,
        summary="A creator's balances per platform and currency",
        parameters=[CREATOR_ID],
        description="Current `pending`, `available` and `inPayout` balances (from the ledger's "
        "balance counters) and `lifetime` net earnings, per platform and currency, as the "
        "creator reads them (positive = owed to the creator).",
        responses={200: CreatorBalancesSerializer, **error_responses(401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Balances",
                value={"creatorId": "42", "balances": [BALANCE_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        creator = self.get_creator_with_balances()
        return Response(CreatorBalancesSerializer(creator).data)


class CreatorEarningsApi(CreatorApiBase):
    serializer_class = CreatorEarningsSerializer

    @extend_schema(
        tags=TAGS,
        summary="A creator's earnings in one currency",
        description=(
            "Figures from the ledger, in one currency (only that currency's accounts count): "
            "the creator's default currency, or `?currency=`.\n\n"
            "- `total`: lifetime net earnings, i.e. what earning entries (subscription, "
            "renewal, tip, purchase) credited to the creator's `pending` accounts, after the "
            "platform fee; refunds and chargebacks are not deducted (see the balances).\n"
            "- `thisMonth`: as `total`, for entries that occurred since 00:00 UTC on the 1st "
            "of the current month.\n"
            "- `lastPayout`: amount the most recent entry of kind `payout` moved out of the "
            "creator's accounts; `null` until a payout exists.\n"
            "- `pendingPayout`: the current `in_payout` balance (reserved by payouts not yet "
            "settled).\n"
            "- `platforms`: `total` per platform slug.\n\n"
            'Amounts are decimal strings with the currency\'s decimals (`"1999"` in JPY).'
        ),
        parameters=[
            CREATOR_ID,
            OpenApiParameter(
                "currency",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="ISO 4217 code; default: the creator's default currency. An "
                "unknown code is refused with 400 `unknown_currency`.",
            ),
        ],
        responses={200: CreatorEarningsSerializer, **error_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "Earnings in USD",
                value={
                    "creatorId": "42",
                    "earnings": {
                        "total": "2000.00",
                        "thisMonth": "150.00",
                        "lastPayout": "500.00",
                        "pendingPayout": "0.00",
                        "platforms": {"boyfanz": "2000.00", "girlfanz": "0.00"},
                    },
                    "currency": "USD",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, pk: int):
        creator = self.get_creator()
        query = EarningsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        currency = (query.validated_data.get("currency") or creator.default_currency_id).upper()
        try:
            exponent = currency_exponent(currency)
        except ApplicationError as error:
            raise ApplicationError("unknown_currency", error.detail, status_code=400) from None
        earnings = creator_earnings_summary(
            creator,
            currency=currency,
            exponent=exponent,
            platform=principal_platform(request.user),
        )
        return Response(CreatorEarningsSerializer(earnings).data)
