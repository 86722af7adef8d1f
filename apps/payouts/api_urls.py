"""API routes of the payouts app (mounted at /api/v1/payouts/)."""

from django.urls import path

from .apis import (
    CreatorPayoutListApi,
    PayoutBatchDetailApi,
    PayoutBatchListApi,
    PayoutDetailApi,
    PayoutListApi,
    SandboxCallbackApi,
)

app_name = "payouts_api"

urlpatterns = [
    path("", PayoutListApi.as_view(), name="payout-list"),
    path("<int:pk>/", PayoutDetailApi.as_view(), name="payout-detail"),
    path("batches/", PayoutBatchListApi.as_view(), name="batch-list"),
    path("batches/<int:pk>/", PayoutBatchDetailApi.as_view(), name="batch-detail"),
    path("creators/<int:pk>/payouts/", CreatorPayoutListApi.as_view(), name="creator-payouts"),
    path("sandbox/callback", SandboxCallbackApi.as_view(), name="sandbox-callback"),
]
