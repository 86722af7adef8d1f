"""Routes of the REST API v1 (mounted at /api/v1/)."""

from django.urls import path

from apps.accounts.apis import CurrentUserApi
from apps.core.apis import HealthApi

app_name = "api"

urlpatterns = [
    path("me/", CurrentUserApi.as_view(), name="me"),
    path("health/", HealthApi.as_view(), name="health"),
]
