"""API routes of the compliance app (under /api/v1/)."""

from django.urls import path

from .apis import (
    CreatorComplianceStatusApi,
    GdprRequestDetailApi,
    GdprRequestListApi,
    Records2257ListApi,
    ViolationDetailApi,
    ViolationListApi,
)

urlpatterns = [
    path(
        "compliance/creators/<int:pk>/status/",
        CreatorComplianceStatusApi.as_view(),
        name="compliance-creator-status",
    ),
    path(
        "compliance/records-2257/",
        Records2257ListApi.as_view(),
        name="compliance-records-2257",
    ),
    path(
        "compliance/gdpr-requests/", GdprRequestListApi.as_view(), name="compliance-gdpr-requests"
    ),
    path(
        "compliance/gdpr-requests/<int:pk>/",
        GdprRequestDetailApi.as_view(),
        name="compliance-gdpr-request",
    ),
    path("compliance/violations/", ViolationListApi.as_view(), name="compliance-violations"),
    path(
        "compliance/violations/<int:pk>/",
        ViolationDetailApi.as_view(),
        name="compliance-violation",
    ),
]
