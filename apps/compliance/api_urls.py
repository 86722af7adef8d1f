"""API routes of the compliance app (under /api/v1/)."""

from django.urls import path

from .apis import CreatorComplianceStatusApi

urlpatterns = [
    path(
        "compliance/creators/<int:pk>/status/",
        CreatorComplianceStatusApi.as_view(),
        name="compliance-creator-status",
    ),
]
