"""Routes of the REST API v1 (mounted at /api/v1/)."""

from django.urls import path

from apps.accounts.apis import CurrentUserApi
from apps.core.apis import HealthApi
from apps.creators.apis import (
    CreatorBalancesApi,
    CreatorDetailApi,
    CreatorEarningsApi,
    CreatorListApi,
)
from apps.ledger.apis import (
    LedgerAccountListApi,
    LedgerEntryDetailApi,
    LedgerEntryListApi,
    TrialBalanceApi,
)

app_name = "api"

urlpatterns = [
    path("me/", CurrentUserApi.as_view(), name="me"),
    path("health/", HealthApi.as_view(), name="health"),
    path("creators/", CreatorListApi.as_view(), name="creator-list"),
    path("creators/<int:pk>/", CreatorDetailApi.as_view(), name="creator-detail"),
    path("creators/<int:pk>/earnings/", CreatorEarningsApi.as_view(), name="creator-earnings"),
    path("creators/<int:pk>/balances/", CreatorBalancesApi.as_view(), name="creator-balances"),
    path("ledger/accounts/", LedgerAccountListApi.as_view(), name="ledger-account-list"),
    path("ledger/entries/", LedgerEntryListApi.as_view(), name="ledger-entry-list"),
    path("ledger/entries/<int:pk>/", LedgerEntryDetailApi.as_view(), name="ledger-entry-detail"),
    path("ledger/trial-balance/", TrialBalanceApi.as_view(), name="ledger-trial-balance"),
]
