"""API routes of the ledger app (under /api/v1/)."""

from django.urls import path

from .apis import (
    CreatorBalancesApi,
    CreatorDetailApi,
    CreatorEarningsApi,
    EarningListApi,
    LedgerAccountListApi,
    LedgerEntryDetailApi,
    LedgerEntryListApi,
    TrialBalanceApi,
)

urlpatterns = [
    path("creators/<int:pk>/", CreatorDetailApi.as_view(), name="creator-detail"),
    path("creators/<int:pk>/earnings/", CreatorEarningsApi.as_view(), name="creator-earnings"),
    path("creators/<int:pk>/balances/", CreatorBalancesApi.as_view(), name="creator-balances"),
    path("ledger/accounts/", LedgerAccountListApi.as_view(), name="ledger-account-list"),
    path("ledger/entries/", LedgerEntryListApi.as_view(), name="ledger-entry-list"),
    path("ledger/entries/<int:pk>/", LedgerEntryDetailApi.as_view(), name="ledger-entry-detail"),
    path("ledger/trial-balance/", TrialBalanceApi.as_view(), name="ledger-trial-balance"),
    path("earnings/", EarningListApi.as_view(), name="earning-list"),
]
