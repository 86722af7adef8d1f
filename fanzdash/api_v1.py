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
from apps.integrations.api_v1 import WebhookEventDetailApi, WebhookEventListApi
from apps.ledger.apis import (
    EarningListApi,
    LedgerAccountListApi,
    LedgerEntryDetailApi,
    LedgerEntryListApi,
    TrialBalanceApi,
)
from apps.outbound.apis import OutboundDeliveryDetailApi, OutboundDeliveryListApi

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
    path("earnings/", EarningListApi.as_view(), name="earning-list"),
    path("webhook-events/", WebhookEventListApi.as_view(), name="webhook-event-list"),
    path("webhook-events/<int:pk>/", WebhookEventDetailApi.as_view(), name="webhook-event-detail"),
    path(
        "outbound/deliveries/",
        OutboundDeliveryListApi.as_view(),
        name="outbound-delivery-list",
    ),
    path(
        "outbound/deliveries/<int:pk>/",
        OutboundDeliveryDetailApi.as_view(),
        name="outbound-delivery-detail",
    ),
]
