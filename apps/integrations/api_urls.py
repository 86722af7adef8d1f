"""API routes of the integrations app: the platforms' integration API (``integration_urlpatterns``,
mounted at /api/integrations/ as namespace ``integrations-api``; docs/integration.md) and its
part of the REST API v1 (``urlpatterns``, under /api/v1/)."""

from django.urls import path

from .apis import (
    CentralWebhookApi,
    IntegrationHealthApi,
    KycProviderWebhookApi,
    PlatformWebhookApi,
    PlatformWebhookBatchApi,
    SyncEarningsApi,
    SyncUserApi,
    TestWebhookApi,
    UserPermissionsApi,
    WebhookEventDetailApi,
    WebhookEventListApi,
)

integration_urlpatterns = [
    path("health", IntegrationHealthApi.as_view(), name="health"),
    # The central source first: "fanzdash" is not a platform slug.
    path("webhooks/fanzdash", CentralWebhookApi.as_view(), name="webhook-central"),
    # KYC providers' results (VerifyMy): not a platform, a secret of their own.
    path("webhooks/kyc/<slug:provider>", KycProviderWebhookApi.as_view(), name="webhook-kyc"),
    path("webhooks/<slug:platform>", PlatformWebhookApi.as_view(), name="webhook"),
    path("webhooks/<slug:platform>/batch", PlatformWebhookBatchApi.as_view(), name="webhook-batch"),
    path("sync/user", SyncUserApi.as_view(), name="sync-user"),
    path("sync/earnings", SyncEarningsApi.as_view(), name="sync-earnings"),
    path("users/<str:user_id>/permissions", UserPermissionsApi.as_view(), name="permissions"),
    path("test/webhook", TestWebhookApi.as_view(), name="test-webhook"),
]

urlpatterns = [
    path("webhook-events/", WebhookEventListApi.as_view(), name="webhook-event-list"),
    path("webhook-events/<int:pk>/", WebhookEventDetailApi.as_view(), name="webhook-event-detail"),
]
