"""The daily compliance scan over many creators on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_compliance \\
        .venv/bin/python benchmarks/compliance_scan.py [--creators 100000]

The database named in DATABASE_URL is DROPPED, re-created and migrated. Fixtures (written in
bulk, not through the services): ``--creators`` active level-0 creators on boyfanz whose age
verifications run out spread over 730 days from 30 days ago (so about 2% expire within the
warning window and 4% have expired), and one tip in the last two days for every tenth creator
(posted through ``entries_post_bulk``, the ledger door): the expired ones among them are what
the rule ``age_expired_with_earnings`` finds.

No creator has a 2257 record, so every earning creator is also an ``incomplete_2257``
finding: the first day after the rule is switched on, the worst case for opening violations.

Then ``compliance_scan()`` runs twice: the first run sends the warnings and opens the
violations (set-based: one INSERT of violations and one of audit events per thousand), the
second finds everything done. Each prints its wall time and the queries it issued (an execute
wrapper counts them). Before them, the raw-PostgreSQL baseline does the same work by hand in
one transaction that is rolled back: count the age verifications to warn about, and insert
the same violations (same dedupe keys) with one audit event each, ``INSERT ... SELECT`` — no
email, no notice rows, no level derivation, so it is the floor, not an equal.
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


RAW_SQL = """
WITH earning AS (
    SELECT DISTINCT creator_id FROM ledger_journalentry
    WHERE kind = ANY(%(kinds)s) AND occurred_at >= %(since)s AND creator_id IS NOT NULL
), findings AS (
    SELECT c.id AS creator_id,
           'rule:' || %(age_rule)s || ':creator:' || c.id || ':expired:'
               || to_char(c.age_verified_until, 'YYYY-MM-DD') AS dedupe_key,
           %(age_rule)s AS rule, 'Expired age verification while earnings arrive.' AS summary
    FROM creators_creator c JOIN earning e ON e.creator_id = c.id
    WHERE c.age_verified_until < %(today)s
    UNION ALL
    SELECT c.id, 'rule:' || %(record_rule)s || ':creator:' || c.id || ':2257:v0',
           %(record_rule)s, 'No 2257 record for a creator whose content earns.'
    FROM creators_creator c JOIN earning e ON e.creator_id = c.id
    WHERE c.status = 'active' AND NOT EXISTS (
        SELECT 1 FROM compliance_record2257 r JOIN compliance_performer p ON p.id = r.performer_id
        WHERE p.creator_id = c.id AND r.is_complete)
), opened AS (
    INSERT INTO compliance_violation (kind, severity, creator_id, content_reference, summary,
        source, source_reference, dedupe_key, status, opened_at, resolution, confirmed)
    SELECT 'age_2257', 'high', f.creator_id, '', f.summary, 'rule', f.rule, f.dedupe_key,
           'open', now(), '', false
    FROM findings f
    WHERE NOT EXISTS (SELECT 1 FROM compliance_violation v WHERE v.dedupe_key = f.dedupe_key)
    RETURNING id, creator_id, severity
), audited AS (
    INSERT INTO audit_auditevent (occurred_at, actor_email, action, target_type, target_id,
        target_repr, after, user_agent)
    SELECT now(), '', 'compliance.violation_opened', 'creators.creator', o.creator_id::text,
           '', jsonb_build_object('violation', o.id, 'severity', o.severity), ''
    FROM opened o
    RETURNING 1
)
SELECT (SELECT count(*) FROM audited),
       (SELECT count(*) FROM creators_creator
        WHERE status <> 'closed' AND age_verified_until BETWEEN %(today)s AND %(warn_until)s)
"""


def raw_baseline() -> tuple[float, int, int]:
    """The same findings inserted by hand (rolled back): (seconds, opened, to warn)."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from apps.compliance.scan import AGE_EXPIRED_WITH_EARNINGS, INCOMPLETE_2257
    from apps.ledger.models import EARNING_KINDS

    today = timezone.localdate()
    since = timezone.make_aware(
        timezone.datetime.combine(
            today - timedelta(days=settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS),
            timezone.datetime.min.time(),
        )
    )
    params = {
        "kinds": [str(kind) for kind in EARNING_KINDS],
        "since": since,
        "today": today,
        "warn_until": today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS),
        "age_rule": AGE_EXPIRED_WITH_EARNINGS,
        "record_rule": INCOMPLETE_2257,
    }
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            opened, warn = cursor.fetchone()
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds, opened, warn


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
    raw = raw_baseline()
    first = timed_scan()
    second = timed_scan()
    print()
    print(
        f"compliance_scan: {args.creators:,} creators (fixtures in {fixture_seconds:.0f} s), "
        f"PostgreSQL, {os.cpu_count()} CPUs"
    )
    print(f"{'run':<28}{'seconds':>9}{'queries':>9}{'warned':>8}{'opened':>8}")
    seconds, opened, warn = raw
    print(f"{'raw SQL, rolled back':<28}{seconds:>9.2f}{1:>9}{warn:>8}{opened:>8}")
    for name, (seconds, queries, report) in (
        ("compliance_scan, first", first),
        ("compliance_scan, second", second),
    ):
        print(
            f"{name:<28}{seconds:>9.2f}{queries:>9}{report.warnings_sent:>8}"
            f"{report.violations_opened:>8}"
        )
    print(f"first run / raw: {first[0] / raw[0]:.1f}")


if __name__ == "__main__":
    main()
