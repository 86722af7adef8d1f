"""Ledger API (/api/v1/ledger/ and /api/v1/earnings/): read-only. Staff need
``ledger.view_ledger`` (super admin, finance). A platform API key reads the journal entries
and earnings of its own platform (``ledger_entry_list_for`` / ``earning_entry_list_for``);
accounts and the trial balance stay staff only."""

from __future__ import annotations

import django_filters
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import (
    AMOUNT_SCHEMA,
    OccurredAtCursorPagination,
    StandardPagination,
    error_responses,
)
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError
from apps.core.money import format_minor
from apps.creators.apis import CREATOR_EXAMPLE, CREATOR_ID, CreatorApiBase
from apps.creators.models import Creator
from apps.creators.selectors import principal_platform
from apps.platforms.authentication import StaffOrPlatformKey

from .api_filters import LedgerAccountApiFilter, LedgerEntryApiFilter
from .models import EARNING_KINDS, Account, AccountKind, EntryKind, JournalEntry
from .selectors import (
    creator_balances,
    creator_earnings_summary,
    currency_exponents,
    earning_entry_list_for,
    ledger_account_list,
    ledger_entry_get_for,
    ledger_entry_list_for,
    trial_balance,
)
from .serializers import (
    CreatorBalancesSerializer,
    CreatorDetailSerializer,
    CreatorEarningsSerializer,
    EarningsQuerySerializer,
    LedgerAccountSerializer,
    LedgerEntrySerializer,
    TrialBalanceQuerySerializer,
    TrialBalanceSerializer,
)

TAGS = ["ledger"]


class LedgerApiBase(GenericAPIView):
    """Staff only (``platform_key_access`` is off: platform keys are refused)."""

    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("ledger.view_ledger",)


class PlatformScopedLedgerApiBase(GenericAPIView):
    """Staff with ``ledger.view_ledger``, or a platform key for its own platform's entries."""

    permission_classes = [StaffOrPlatformKey]
    required_permissions = ("ledger.view_ledger",)
    platform_key_access = True


ENTRY_EXAMPLE = {
    "id": 1001,
    "kind": "tip",
    "memo": "",
    "occurredAt": "2026-11-20T12:00:00Z",
    "postedAt": "2026-11-20T12:00:01Z",
    "platform": "boyfanz",
    "creator": 42,
    "sourceType": "platform_transaction",
    "sourceId": "tx_123",
    "idempotencyKey": "evt_8f14e45f",
    "reverses": None,
    "reversedBy": None,
    "postings": [
        {"account": "network:processor_clearing:USD", "amount": "19.99", "currency": "USD"},
        {"account": "creator:42:boyfanz:pending:USD", "amount": "-19.99", "currency": "USD"},
    ],
}


class LedgerAccountListApi(LedgerApiBase, ListAPIView):
    serializer_class = LedgerAccountSerializer
    pagination_class = StandardPagination
    filterset_class = LedgerAccountApiFilter
    queryset = Account.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return ledger_account_list().order_by("key", "id")

    @extend_schema(
        tags=TAGS,
        summary="List ledger accounts with their current balance",
        description="Ordered by key, 50 a page (`page_size` up to 200). `balance` is in the "
        "ledger's sign (debit positive); `displayBalance` as people read the account.",
        responses={
            200: LedgerAccountSerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "A creator's pending account",
                value={
                    "count": 1,
                    "next": None,
                    "previous": None,
                    "results": [
                        {
                            "id": 7,
                            "key": "creator:42:boyfanz:pending:USD",
                            "kind": "pending",
                            "currency": "USD",
                            "creator": 42,
                            "platform": "boyfanz",
                            "balance": "-19.99",
                            "displayBalance": "19.99",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LedgerEntryListApi(PlatformScopedLedgerApiBase, ListAPIView):
    serializer_class = LedgerEntrySerializer
    pagination_class = OccurredAtCursorPagination
    filterset_class = LedgerEntryApiFilter
    queryset = JournalEntry.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return ledger_entry_list_for(self.request.user).select_related("reversed_by")

    @extend_schema(
        tags=TAGS,
        summary="List journal entries with their postings",
        description="Newest first (by `occurredAt`, then id), 50 a page (`page_size` up to "
        "200), cursor-paginated: follow `next` / `previous`. Staff need `ledger.view_ledger`; "
        "a platform API key sees only the entries of its own platform.",
        responses={
            200: LedgerEntrySerializer(many=True),
            **error_responses(400, 401, 403, 404, 429),
        },
        examples=[
            OpenApiExample(
                "A page of entries",
                value={"next": None, "previous": None, "results": [ENTRY_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LedgerEntryDetailApi(PlatformScopedLedgerApiBase):
    serializer_class = LedgerEntrySerializer
    queryset = JournalEntry.objects.none()  # schema only

    @extend_schema(
        tags=TAGS,
        summary="One journal entry with its postings",
        description="A platform API key gets 404 for an entry of another platform.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The entry's id."
            )
        ],
        responses={200: LedgerEntrySerializer, **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("A tip", value=ENTRY_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        try:
            entry = ledger_entry_get_for(request.user, pk)
        except JournalEntry.DoesNotExist:
            raise Http404 from None
        return Response(LedgerEntrySerializer(entry).data)


class TrialBalanceApi(LedgerApiBase):
    serializer_class = TrialBalanceSerializer

    @extend_schema(
        tags=TAGS,
        summary="Trial balance",
        description="Every account with a non-zero balance at `as_of` (default: now) and the "
        "total per currency, which is zero in a balanced ledger. Balances are signed (debit "
        "positive).",
        parameters=[
            OpenApiParameter(
                "as_of",
                OpenApiTypes.DATETIME,
                OpenApiParameter.QUERY,
                required=False,
                description="ISO 8601 instant; postings that occurred up to and including it "
                "count. Default: now (from the balance counters).",
            )
        ],
        responses={200: TrialBalanceSerializer, **error_responses(400, 401, 403, 429)},
        examples=[
            OpenApiExample(
                "Balanced",
                value={
                    "as_of": "2026-11-30T23:59:59Z",
                    "accounts": [
                        {
                            "account": "creator:42:boyfanz:pending:USD",
                            "currency": "USD",
                            "balance": "-19.99",
                        },
                        {
                            "account": "network:processor_clearing:USD",
                            "currency": "USD",
                            "balance": "19.99",
                        },
                    ],
                    "totals": {"USD": "0.00"},
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        query = TrialBalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = trial_balance(as_of=query.validated_data.get("as_of"))
        exponents = currency_exponents({row.currency for row in report.rows})
        data = {
            "as_of": report.as_of,
            "accounts": [
                {
                    "account": row.account,
                    "currency": row.currency,
                    "balance": row.balance,
                    "exponent": exponents[row.currency],
                }
                for row in report.rows
            ],
            "totals": report.totals,
            "exponents": exponents,
        }
        return Response(TrialBalanceSerializer(data).data)


# --- earnings (/api/v1/earnings/) -------------------------------------------------------------


class EarningApiFilter(LedgerEntryApiFilter):
    kind = django_filters.ChoiceFilter(
        choices=[(kind.value, kind.label) for kind in EntryKind if kind in EARNING_KINDS],
        help_text="Earning kind: subscription, renewal, tip or purchase.",
    )
    transaction_id = django_filters.CharFilter(
        field_name="source_id", help_text="The platform's transaction id."
    )
    creator_external_id = django_filters.CharFilter(
        method="filter_creator_external_id",
        help_text="The creator's id on the entry's platform (the events' `creatorId`).",
    )

    def filter_creator_external_id(self, queryset, name: str, value: str):
        return queryset.filter(creator_external_id=value)


def _posting_total(entry: JournalEntry, kinds: set[str]) -> int:
    return sum(p.amount for p in entry.postings.all() if p.account.kind in kinds)


def _entry_exponent(entry: JournalEntry) -> int:
    postings = entry.postings.all()
    return postings[0].account.currency.exponent if postings else 0


class EarningSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The journal entry's id.")
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in EntryKind if kind in EARNING_KINDS]
    )
    occurredAt = serializers.DateTimeField(source="occurred_at", help_text="When the fan paid.")
    postedAt = serializers.DateTimeField(source="posted_at", help_text="When it was recorded.")
    platform = serializers.CharField(source="platform.slug", help_text="Platform slug.")
    creator = serializers.IntegerField(source="creator_id", help_text="FanzDash creator id.")
    creatorExternalId = serializers.CharField(
        source="creator_external_id",
        allow_null=True,
        help_text="The creator's id on that platform (the events' `creatorId`).",
    )
    transactionId = serializers.CharField(
        source="source_id", help_text="The platform's transaction id."
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code.")
    gross = serializers.SerializerMethodField(help_text="What the fan paid.")
    fee = serializers.SerializerMethodField(help_text="The network's platform fee.")
    net = serializers.SerializerMethodField(
        help_text="The creator's share (gross minus fee), credited to their pending balance."
    )
    availableAt = serializers.DateTimeField(
        source="pending_release.available_at",
        allow_null=True,
        help_text="When the net amount becomes payable (end of the platform's hold period).",
    )

    def get_currency(self, entry) -> str:
        postings = entry.postings.all()
        return postings[0].account.currency_id if postings else ""

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_gross(self, entry) -> str:
        minor = _posting_total(entry, {AccountKind.PROCESSOR_CLEARING})
        return format_minor(minor, _entry_exponent(entry))

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_fee(self, entry) -> str:
        minor = -_posting_total(entry, {AccountKind.FEE_REVENUE})
        return format_minor(minor, _entry_exponent(entry))

    @extend_schema_field(AMOUNT_SCHEMA)
    def get_net(self, entry) -> str:
        minor = -_posting_total(entry, {AccountKind.PENDING})
        return format_minor(minor, _entry_exponent(entry))


EARNING_EXAMPLE = {
    "id": 1001,
    "kind": "tip",
    "occurredAt": "2026-11-20T12:00:00Z",
    "postedAt": "2026-11-20T12:00:01Z",
    "platform": "boyfanz",
    "creator": 42,
    "creatorExternalId": "creator456",
    "transactionId": "tx_123",
    "currency": "USD",
    "gross": "19.99",
    "fee": "0.00",
    "net": "19.99",
    "availableAt": "2026-11-27T12:00:00Z",
}


class EarningListApi(PlatformScopedLedgerApiBase, ListAPIView):
    serializer_class = EarningSerializer
    pagination_class = OccurredAtCursorPagination
    filterset_class = EarningApiFilter
    queryset = JournalEntry.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return earning_entry_list_for(self.request.user)

    @extend_schema(
        tags=["earnings"],
        summary="List earnings (subscriptions, renewals, tips, purchases)",
        description="Each earning as the ledger recorded it: gross, the network fee, the "
        "creator's net share and when it becomes payable. Refunds and chargebacks are "
        "separate entries (see `/api/v1/ledger/entries/?kind=refund`). Newest first (by "
        "`occurredAt`, then id), 50 a page (`page_size` up to 200), cursor-paginated. Staff "
        "need `ledger.view_ledger`; a platform API key sees only its own platform's earnings.",
        responses={200: EarningSerializer(many=True), **error_responses(400, 401, 403, 404, 429)},
        examples=[
            OpenApiExample(
                "A page of earnings",
                value={"next": None, "previous": None, "results": [EARNING_EXAMPLE]},
                response_only=True,
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- a creator's money (/api/v1/creators/{id}/, .../balances/, .../earnings/) ---------------


class CreatorMoneyApiBase(CreatorApiBase):
    """A creator as ``creator_get_for(principal)`` finds it, with their balances: a platform API
    key gets only its own platform's."""

    def get_creator_with_balances(self) -> Creator:
        creator = self.get_creator()
        creator.balance_rows = creator_balances(
            creator, platform=principal_platform(self.request.user)
        )
        return creator


BALANCE_EXAMPLE = {
    "platform": "boyfanz",
    "currency": "USD",
    "pending": "120.00",
    "available": "1880.00",
    "inPayout": "0.00",
    "lifetime": "2000.00",
}


class CreatorDetailApi(CreatorMoneyApiBase):
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


class CreatorBalancesApi(CreatorMoneyApiBase):
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


class CreatorEarningsApi(CreatorMoneyApiBase):
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
