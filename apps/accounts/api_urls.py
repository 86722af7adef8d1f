"""API routes of the accounts app (under /api/v1/)."""

from django.urls import path

from .apis import CurrentUserApi

urlpatterns = [
    path("me/", CurrentUserApi.as_view(), name="me"),
]
