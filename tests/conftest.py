from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client

from apps.accounts.roles import Role

from .factories import make_user


def _test_clock() -> datetime | None:
    """The instant of ``FANZDASH_TEST_CLOCK`` (ISO 8601, e.g. ``2027-12-31T23:59:59Z``; an
    instant without an offset is read as UTC), or None to run on the real clock."""
    value = os.environ.get("FANZDASH_TEST_CLOCK", "").strip()
    if not value:
        return None
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


TEST_CLOCK = _test_clock()


def pytest_report_header(config):
    if TEST_CLOCK is None:
        return "clock: real (set FANZDASH_TEST_CLOCK=<ISO instant> to shift it)"
    return f"clock: FANZDASH_TEST_CLOCK={TEST_CLOCK.isoformat()} (every test starts there, ticking)"


@pytest.fixture(autouse=True)
def _shifted_clock(request):
    """With ``FANZDASH_TEST_CLOCK`` set, every test starts at that instant and the clock ticks
    on from there (CI sets one second before a month or year end, so tests cross it). A test
    that travels itself (``time_machine`` fixture or ``time_machine.travel``) nests inside;
    a test pinned with ``@pytest.mark.time_machine(...)`` keeps its own instant (the plugin
    starts that travel before this fixture, which would otherwise override it).
    Only Python's clock moves: PostgreSQL's ``now()`` stays on the real one, and so does a
    server process a test starts: such a test is marked ``real_clock`` and keeps it too."""
    if (
        TEST_CLOCK is None
        or request.node.get_closest_marker("time_machine")
        or request.node.get_closest_marker("real_clock")
    ):
        yield
        return
    with time_machine.travel(TEST_CLOCK, tick=True):
        yield


@pytest.fixture
def frozen_clock(time_machine):
    """Stop the clock where the test starts (the real one or ``FANZDASH_TEST_CLOCK``) for the
    whole test. Tests that count requests inside a throttle or rate-limit window use it: with a
    running clock their requests may straddle a window edge and the count starts again."""
    time_machine.move_to(datetime.now(UTC), tick=False)
    return time_machine


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove what PostgreSQL itself enforces; they run in CI
    (.ci/run sets DATABASE_URL) and are reported as skipped on SQLite."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skipif(True, reason="needs PostgreSQL (run with DATABASE_URL or .ci/run)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Password hashing is deliberately slow; the tests do not test its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Login limits and TOTP replay protection live in the cache, the API and webhook rate
    limits in their own counters: start every test clean."""
    from django.core.cache import cache

    from apps.core.throttling import rate_limits_reset

    cache.clear()
    rate_limits_reset()
    yield
    cache.clear()
    rate_limits_reset()


@pytest.fixture
def user_factory(db):
    return make_user


@pytest.fixture
def super_admin(db):
    return make_user(Role.SUPER_ADMIN, email="admin@example.test")


@pytest.fixture
def finance_user(db):
    return make_user(Role.FINANCE, email="finance@example.test")


@pytest.fixture
def compliance_user(db):
    return make_user(Role.COMPLIANCE, email="compliance@example.test")


@pytest.fixture
def support_user(db):
    return make_user(Role.SUPPORT, email="support@example.test")


@pytest.fixture
def creator_user(db):
    return make_user(Role.CREATOR, email="creator@example.test")


@pytest.fixture
def users_by_role(super_admin, finance_user, compliance_user, support_user, creator_user):
    return {
        Role.SUPER_ADMIN: super_admin,
        Role.FINANCE: finance_user,
        Role.COMPLIANCE: compliance_user,
        Role.SUPPORT: support_user,
        Role.CREATOR: creator_user,
    }


@pytest.fixture
def client_for(db):
    """A test client signed in as ``user`` (the session skips the login form; the login flow
    itself is tested in tests/accounts/test_login.py)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _ledger_account_cache():
    """Account ids are cached per process after commit; tests roll back, so start clean."""
    from apps.ledger.accounts import account_cache_clear

    account_cache_clear()
    yield
    account_cache_clear()


@pytest.fixture
def creator_factory(db):
    from .factories import make_creator

    return make_creator


@pytest.fixture
def earning(db):
    from .factories import post_earning

    return post_earning


@pytest.fixture(autouse=True)
def document_store(settings, tmp_path):
    """Identity documents (apps.compliance) are written to a folder of the test's own, never
    to DATA_DIR; tests read the raw stored bytes from it to prove they are encrypted."""
    location = tmp_path / "compliance-documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "compliance": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    return location


@pytest.fixture
def reseeded_reference_data(transactional_db):
    """For ``transaction=True`` tests: the currencies, platforms, processors and KYC
    providers a transactional test before this one flushed, put back
    (``tests/reference_data.py``)."""
    from tests.reference_data import reseed

    reseed()
