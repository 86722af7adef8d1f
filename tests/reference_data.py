"""Reference data a transactional test needs again: a ``transaction=True`` test flushes every
table when it ends, the data migrations' rows included (currencies, core platforms,
processors, KYC providers), so the next transactional test puts them back first."""

from __future__ import annotations

import importlib

# Each seed function is idempotent.
SEED_MIGRATIONS = [
    ("apps.core.migrations.0003_seed_currencies", "seed"),
    ("apps.platforms.migrations.0002_core_platforms", "create"),
    ("apps.payouts.migrations.0002_h5a_seed_processors", "seed"),
    ("apps.compliance.migrations.0002_providers", "seed"),
]


def reseed() -> None:
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.core.management.sql import emit_post_migrate_signal

    if not Group.objects.exists():
        # A ``serialized_rollback`` test flushed without post_migrate: no content types,
        # permissions or role groups. Put them back as migrate does.
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    for module, function in SEED_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
