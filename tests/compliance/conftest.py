from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

TODAY = date(2026, 6, 15)


@pytest.fixture
def today(time_machine) -> date:
    """Every compliance test runs on a known day (2026-06-15, noon UTC), never the real one."""
    time_machine.move_to(datetime(2026, 6, 15, 12, 0, tzinfo=UTC), tick=False)
    return TODAY


@pytest.fixture
def creator(db, today, creator_factory):
    """A creator on boyfanz and girlfanz with no compliance record (level 0, not verified)."""
    return creator_factory(platforms=("boyfanz", "girlfanz"), kyc_level=0)


@pytest.fixture
def custodian(settings):
    settings.CUSTODIAN_OF_RECORDS_NAME = "Jordan Custodian"
    settings.CUSTODIAN_OF_RECORDS_ADDRESS = "FanzDash Network\n1 Records Way\nLas Vegas NV 89101"
    return settings
