"""Demo data of the platforms app for ``seed_demo``: an API key for BoyFanz."""

from __future__ import annotations

from .models import Platform, PlatformAPIKey
from .services import platform_api_key_create


def seed_demo_api_key() -> str | None:
    """A demo API key of boyfanz, created once: the raw key the first time, None after."""
    boyfanz = Platform.objects.filter(slug="boyfanz").first()
    if boyfanz is None or PlatformAPIKey.objects.filter(platform=boyfanz).exists():
        return None
    _, raw_key = platform_api_key_create(platform=boyfanz, name="demo", actor=None)
    return raw_key
