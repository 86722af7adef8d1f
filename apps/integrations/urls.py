"""Routes of the integration API (mounted at /api/integrations/; docs/integration.md)."""

from django.urls import path

from .apis import (
    CentralWebhookApi,
    IntegrationHealthApi,
    PlatformWebhookApi,
    PlatformWebhookBatchApi,
    SyncEarningsApi,
    SyncUserApi,
    TestWebhookApi,
    UserPermissionsApi,
)

app_name = "integrations-api"

urlpatterns = [
    path("health", IntegrationHealthApi.as_view(), name="health"),
    # The central source first: "fanzdash" is not a platform slug.
    path("webhooks/fanzdash", CentralWebhookApi.as_view(), name="webhook-central"),
    path("webhooks/<slug:platform>", PlatformWebhookApi.as_view(), name="webhook"),
    path("webhooks/<slug:platform>/batch", PlatformWebhookBatchApi.as_view(), name="webhook-batch"),
    path("sync/user", SyncUserApi.as_view(), name="sync-user"),
    path("sync/earnings", SyncEarningsApi.as_view(), name="sync-earnings"),
    path("users/<str:user_id>/permissions", UserPermissionsApi.as_view(), name="permissions"),
    path("test/webhook", TestWebhookApi.as_view(), name="test-webhook"),
]
