from __future__ import annotations

import pytest


@pytest.fixture
def reference_data(db):
    """Currencies and the core platforms, also after a transactional test flushed them."""
    from apps.core.currencies import ISO_4217
    from apps.core.models import Currency
    from apps.platforms.models import Platform

    for code, name, exponent in ISO_4217:
        Currency.objects.get_or_create(code=code, defaults={"name": name, "exponent": exponent})
    for slug, name in [("boyfanz", "BoyFanz"), ("girlfanz", "GirlFanz"), ("pupfanz", "PupFanz")]:
        Platform.objects.get_or_create(slug=slug, defaults={"name": name, "domain": f"{slug}.com"})


@pytest.fixture
def boyfanz(reference_data):
    from apps.platforms.models import Platform

    return Platform.objects.get(slug="boyfanz")
