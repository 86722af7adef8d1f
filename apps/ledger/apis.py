"""Ledger API (/api/v1/ledger/): read-only, for staff holding ``ledger.view_ledger``
(super admin, finance)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from apps.core.api import (
    HasRequiredPermissions,
    OccurredAtCursorPagination,
    StandardPagination,
    error_responses,
)

from .api_filters import LedgerAccountApiFilter, LedgerEntryApiFilter
from .models import Account, JournalEntry
from .selectors import (
    currency_exponents,
    ledger_account_list,
    ledger_entry_get,
    ledger_entry_list,
    trial_balance,
)
from .serializers import (
    LedgerAccountSerializer,
    LedgerEntrySerializer,
    TrialBalanceQuerySerializer,
    TrialBalanceSerializer,
)

TAGS = ["ledger"]


class LedgerApiBase(GenericAPIView):
    permission_classes = [HasRequiredPermissions]
    required_permissions = ("ledger.view_ledger",)


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
        responses={200: LedgerAccountSerializer(many=True), **error_responses(400, 403, 404)},
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


class LedgerEntryListApi(LedgerApiBase, ListAPIView):
    serializer_class = LedgerEntrySerializer
    pagination_class = OccurredAtCursorPagination
    filterset_class = LedgerEntryApiFilter
    queryset = JournalEntry.objects.none()  # schema only; requests use get_queryset

    def get_queryset(self):
        return ledger_entry_list().select_related("reversed_by")

    @extend_schema(
        tags=TAGS,
        summary="List journal entries with their postings",
        description="Newest first (by `occurredAt`, then id), 50 a page (`page_size` up to "
        "200), cursor-paginated: follow `next` / `previous`.",
        responses={200: LedgerEntrySerializer(many=True), **error_responses(400, 403, 404)},
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


class LedgerEntryDetailApi(LedgerApiBase):
    serializer_class = LedgerEntrySerializer
    queryset = JournalEntry.objects.none()  # schema only

    @extend_schema(
        tags=TAGS,
        summary="One journal entry with its postings",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The entry's id."
            )
        ],
        responses={200: LedgerEntrySerializer, **error_responses(403, 404)},
        examples=[OpenApiExample("A tip", value=ENTRY_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        try:
            entry = ledger_entry_get(pk)
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
        responses={200: TrialBalanceSerializer, **error_responses(400, 403)},
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
