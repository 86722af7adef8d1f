"""The daily compliance scan over many creators on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_compliance \\
        .venv/bin/python benchmarks/compliance_scan.py [--creators 100000]

The database named in DATABASE_URL is DROPPED, re-created and migrated. Fixtures (written in
bulk, not through the services): ``--creators`` active level-0 creators on boyfanz whose age
verifications run out spread over 730 days from 30 days ago (so about 2% expire within the
warning window and 4% have expired), and one tip in the last two days for every tenth creator
(posted through ``entries_post_bulk``, the ledger door): the expired ones among them are what
the rule ``age_expired_with_earnings`` finds.

Then ``compliance_scan()`` runs twice: the first run sends the warnings and opens the
violations (one write each), the second finds everything done. Each prints its wall time and
the queries it issued (an execute wrapper counts them).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import database_config, database_recreate  # noqa: E402

os.environ["DEBUG"] = "false"
os.environ.setdefault("EMAIL_URL", "dummymail://")

CHUNK = 5_000


def fixtures_create(creators: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.creators.models import Creator, PlatformAccount
    from apps.ledger.accounts import account_key, network_account
    from apps.ledger.models import Account, AccountKind, EntryKind
    from apps.ledger.services import EntryDraft, PostingSpec, entries_post_bulk
    from apps.platforms.models import Platform

    platform = Platform.objects.get(slug="boyfanz")
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    password = make_password(None)
    today = timezone.localdate()
    now = timezone.now()
    for start in range(0, creators, CHUNK):
        n = range(start, min(start + CHUNK, creators))
        users = User.objects.bulk_create(
            [User(email=f"scan-{i}@example.test", role=Role.CREATOR, password=password) for i in n]
        )
        rows = Creator.objects.bulk_create(
            [
                Creator(
                    user=u,
                    display_name=f"Scan {i}",
                    kyc_level=0,
                    age_verified_until=today + timedelta(days=(i % 730) - 30),
                    default_currency_id="USD",
                )
                for i, u in zip(n, users, strict=True)
            ]
        )
        PlatformAccount.objects.bulk_create(
            [PlatformAccount(creator=c, platform=platform, external_id=f"s{c.pk}") for c in rows]
        )
        earning = [c for i, c in zip(n, rows, strict=True) if i % 10 == 0]
        pending = Account.objects.bulk_create(
            [
                Account(
                    key=account_key(
                        AccountKind.PENDING, "USD", creator_id=c.pk, platform_slug="boyfanz"
                    ),
                    kind=AccountKind.PENDING,
                    currency_id="USD",
                    creator=c,
                    platform=platform,
                )
                for c in earning
            ]
        )
        entries_post_bulk(
            [
                EntryDraft(
                    idempotency_key=f"scan-tip-{c.pk}",
                    kind=EntryKind.TIP,
                    postings=[PostingSpec(clearing, 1000), PostingSpec(a, -1000)],
                    occurred_at=now - timedelta(days=1),
                    memo="benchmark tip",
                    platform=platform,
                    creator=c,
                )
                for c, a in zip(earning, pending, strict=True)
            ]
        )
        print(f"  {min(start + CHUNK, creators):,} creators", file=sys.stderr)


def timed_scan() -> tuple[float, int, object]:
    from django.db import connection

    from apps.compliance.services import compliance_scan

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        report = compliance_scan()
    return time.perf_counter() - started, queries, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creators", type=int, default=100_000)
    args = parser.parse_args()
    config = database_config()
    database_recreate(config)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"fixtures: {args.creators:,} creators ...", file=sys.stderr)
    started = time.perf_counter()
    fixtures_create(args.creators)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    fixture_seconds = time.perf_counter() - started
    first = timed_scan()
    second = timed_scan()
    print()
    print(
        f"compliance_scan: {args.creators:,} creators (fixtures in {fixture_seconds:.0f} s), "
        f"PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(f"{'run':<8}{'seconds':>9}{'queries':>9}{'warned':>8}{'opened':>8}")
    for name, (seconds, queries, report) in (("first", first), ("second", second)):
        print(
            f"{name:<8}{seconds:>9.2f}{queries:>9}{report.warnings_sent:>8}"
            f"{report.violations_opened:>8}"
        )


if __name__ == "__main__":
    main()
