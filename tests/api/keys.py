"""Helpers for tests that call the API with a platform API key."""

from __future__ import annotations

from django.test import Client


def make_key(slug: str = "boyfanz", *, name: str = "test key", actor=None, **kwargs):
    """A new key for the core platform ``slug``: (key row, full key)."""
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_api_key_create

    return platform_api_key_create(
        platform=Platform.objects.get(slug=slug), name=name, actor=actor, **kwargs
    )


def key_client(raw_key: str, *, scheme: str = "Bearer", **extra) -> Client:
    """A client that sends ``Authorization: <scheme> <key>`` on every request."""
    return Client(HTTP_AUTHORIZATION=f"{scheme} {raw_key}", **extra)
