"""API routes of the compliance app (under /api/v1/)."""

from django.urls import path

from .apis import CreatorComplianceStatusApi, ViolationDetailApi, ViolationListApi

urlpatterns = [
    path(
        "compliance/creators/<int:pk>/status/",
        CreatorComplianceStatusApi.as_view(),
        name="compliance-creator-status",
    ),
    path("compliance/violations/", ViolationListApi.as_view(), name="compliance-violations"),
    path(
        "compliance/violations/<int:pk>/",
        ViolationDetailApi.as_view(),
        name="compliance-violation",
    ),
]
