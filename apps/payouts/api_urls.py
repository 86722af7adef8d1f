"""API routes of the payouts app (under /api/v1/)."""

from django.urls import path

from .apis import (
    CreatorPayoutListApi,
    PayoutBatchDetailApi,
    PayoutBatchListApi,
    PayoutDetailApi,
    PayoutListApi,
    SandboxCallbackApi,
)

urlpatterns = [
    path("payouts/", PayoutListApi.as_view(), name="payout-list"),
    path("payouts/<int:pk>/", PayoutDetailApi.as_view(), name="payout-detail"),
    path("payouts/batches/", PayoutBatchListApi.as_view(), name="payout-batch-list"),
    path("payouts/batches/<int:pk>/", PayoutBatchDetailApi.as_view(), name="payout-batch-detail"),
    path(
        "payouts/creators/<int:pk>/payouts/",
        CreatorPayoutListApi.as_view(),
        name="creator-payouts",
    ),
    path("payouts/sandbox/callback", SandboxCallbackApi.as_view(), name="sandbox-callback"),
]
