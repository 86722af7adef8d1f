"""API routes of the creators app (under /api/v1/)."""

from django.urls import path

from .apis import CreatorBalancesApi, CreatorDetailApi, CreatorEarningsApi, CreatorListApi

urlpatterns = [
    path("creators/", CreatorListApi.as_view(), name="creator-list"),
    path("creators/<int:pk>/", CreatorDetailApi.as_view(), name="creator-detail"),
    path("creators/<int:pk>/earnings/", CreatorEarningsApi.as_view(), name="creator-earnings"),
    path("creators/<int:pk>/balances/", CreatorBalancesApi.as_view(), name="creator-balances"),
]
