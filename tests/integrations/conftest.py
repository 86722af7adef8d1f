"""Shared fixtures of the integration tests: platform secrets, signed requests, clean
in-process caches."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.core import signing

SECRET = "test-secret-boyfanz-0123456789abcdef"
NETWORK_SECRET = "test-network-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def _webhook_process_state(settings):
    """The source cache outlives a test's rolled-back transaction: start every test without
    it. Central events verify with NETWORK_SECRET."""
    from apps.integrations.services.ingest import source_cache_clear

    settings.NETWORK_WEBHOOK_SECRET = NETWORK_SECRET
    settings.NETWORK_WEBHOOK_SECRET_PREVIOUS = ""
    source_cache_clear()
    yield
    source_cache_clear()


@pytest.fixture
def core_reference_data(db):
    """Currencies and the core platforms, also after a transactional test flushed them."""
    from apps.core.currencies import ISO_4217
    from apps.core.models import Currency
    from apps.platforms.models import Platform

    for code, name, exponent in ISO_4217:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "exponent": exponent})
    for slug, name in [("boyfanz", "BoyFanz"), ("girlfanz", "GirlFanz"), ("pupfanz", "PupFanz")]:
        Platform.objects.get_or_create(slug=slug, defaults={"name": name, "domain": f"{slug}.com"})


@pytest.fixture
def platform_secret(core_reference_data):
    """boyfanz signs with SECRET (girlfanz with its own), set through the rotation service."""
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_webhook_secret_rotate

    platform_webhook_secret_rotate(
        platform=Platform.objects.get(slug="boyfanz"), actor=None, secret=SECRET
    )
    platform_webhook_secret_rotate(
        platform=Platform.objects.get(slug="girlfanz"), actor=None, secret=SECRET + "-girlfanz"
    )
    return SECRET


def sign_fanz(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-FANZ-Signature": signing.fanz_signature(secret, body)}


def sign_standard(
    body: bytes, secret: str = SECRET, *, webhook_id: str = "msg_1", timestamp=None
) -> dict[str, str]:
    return signing.standard_headers(secret, webhook_id, body, timestamp=timestamp)


def encode(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


@pytest.fixture
def post_webhook(db):
    """``post_webhook(payload, source="boyfanz", headers=None, secret=SECRET, scheme="fanz",
    ip="127.0.0.1", path=None)``: POST a signed body (headers override the signature; pass
    ``headers={}`` to send none) and return the response."""

    def post(
        payload,
        *,
        source: str = "boyfanz",
        headers: dict | None = None,
        secret: str = SECRET,
        scheme: str = "fanz",
        ip: str = "127.0.0.1",
        path: str | None = None,
        webhook_id: str | None = None,
    ):
        body = encode(payload)
        if headers is None:
            if scheme == "standard":
                event_id = webhook_id
                if event_id is None and isinstance(payload, dict):
                    event_id = payload.get("id") or "msg_1"
                headers = sign_standard(body, secret, webhook_id=event_id or "msg_1")
            else:
                headers = sign_fanz(body, secret)
        return Client(REMOTE_ADDR=ip).post(
            path or f"/api/integrations/webhooks/{source}",
            data=body,
            content_type="application/json",
            headers=headers,
        )

    return post
