from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.roles import Role

from .factories import make_user


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
