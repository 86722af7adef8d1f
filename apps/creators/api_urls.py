"""API routes of the creators app (under /api/v1/; a creator's money is the ledger's routes)."""

from django.urls import path

from .apis import CreatorListApi

urlpatterns = [
    path("creators/", CreatorListApi.as_view(), name="creator-list"),
]
