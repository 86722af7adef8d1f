"""API routes of the core app (under /api/v1/)."""

from django.urls import path

from .apis import HealthApi

urlpatterns = [
    path("health/", HealthApi.as_view(), name="health"),
]
