"""The compliance home page (``/compliance/``) with 10,000 open items on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_home \\
        .venv/bin/python benchmarks/compliance_home.py [--creators 100000] [--runs 20]

The database named in DATABASE_URL is DROPPED, re-created and migrated. Fixtures (written in
bulk, not through the services): ``--creators`` active creators on boyfanz (KYC level 0 or 1,
age verifications running out spread over 730 days from 30 days ago), one tip in the last two
days for every tenth (through ``entries_post_bulk``, the ledger door: these are the "active
earning creators" of the score), a complete 2257 record for two in three of those, and
``--items`` open items (default 10,000) spread across the queues: 25 % pending KYC reviews,
25 % identity documents waiting for review (expiring within -20..+40 days), 20 % open GDPR
requests (due from 10 days ago to 30 days ahead, one in ten paused), 30 % open violations
(every severity, opened up to 20 days ago).

Then the page is rendered through the Django test client as a compliance user ``--runs``
times after one warm-up (seconds: best and median; the queries of one render), the selector
``compliance_home()`` alone likewise, and the raw-PostgreSQL baseline: the same counts and
the same first rows of each queue with hand-written SQL through psycopg (no ORM, no
template), in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import conninfo, database_config, database_recreate  # noqa: E402

os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
os.environ.setdefault("STATIC_MANIFEST", "false")  # pages render without collectstatic
os.environ.setdefault("EMAIL_URL", "dummymail://")

CHUNK = 5_000
SEVERITIES = ("critical", "high", "medium", "low")


def creators_create(creators: int) -> list[int]:
    """Creators, their boyfanz accounts and a tip for every tenth; returns the earning ids."""
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
    earning_ids: list[int] = []
    for start in range(0, creators, CHUNK):
        n = range(start, min(start + CHUNK, creators))
        users = User.objects.bulk_create(
            [User(email=f"home-{i}@example.test", role=Role.CREATOR, password=password) for i in n]
        )
        rows = Creator.objects.bulk_create(
            [
                Creator(
                    user=u,
                    display_name=f"Home {i}",
                    kyc_level=i % 3 and 1,  # two in three at level 1
                    age_verified_until=today + timedelta(days=(i % 730) - 30),
                    default_currency_id="USD",
                )
                for i, u in zip(n, users, strict=True)
            ]
        )
        PlatformAccount.objects.bulk_create(
            [PlatformAccount(creator=c, platform=platform, external_id=f"h{c.pk}") for c in rows]
        )
        earning = [c for i, c in zip(n, rows, strict=True) if i % 10 == 0]
        earning_ids.extend(c.pk for c in earning)
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
                    idempotency_key=f"home-tip-{c.pk}",
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
    return earning_ids


def items_create(creator_ids: list[int], earning_ids: list[int], items: int) -> dict[str, int]:
    """2257 records for two earning creators in three, and ``items`` open items."""
    from django.utils import timezone

    from apps.compliance.models import (
        DataSubjectRequest,
        IdentityDocument,
        KycProvider,
        KycVerification,
        Performer,
        Record2257,
        RequestPause,
        Violation,
    )

    now = timezone.now()
    today = timezone.localdate()
    with_record = [pk for i, pk in enumerate(earning_ids) if i % 3]
    performers = Performer.objects.bulk_create(
        [Performer(creator_id=pk, legal_name=f"Legal {pk}") for pk in with_record],
        batch_size=CHUNK,
    )
    Record2257.objects.bulk_create(
        [Record2257(performer=p, version_count=1, is_complete=True) for p in performers],
        batch_size=CHUNK,
    )
    kyc_n, doc_n, gdpr_n = items // 4, items // 4, items // 5
    violation_n = items - kyc_n - doc_n - gdpr_n
    provider = KycProvider.objects.get(slug="verifymy")
    pick = creator_ids[:: max(1, len(creator_ids) // items)]

    def creator(i: int) -> int:
        return pick[i % len(pick)]

    KycVerification.objects.bulk_create(
        [
            KycVerification(
                creator_id=creator(i),
                provider=provider,
                level_requested=1 + i % 3,
                requested_at=now - timedelta(minutes=7 * i + 5),
            )
            for i in range(kyc_n)
        ],
        batch_size=CHUNK,
    )
    IdentityDocument.objects.bulk_create(
        [
            IdentityDocument(
                creator_id=creator(i),
                document_type="passport",
                issuing_country="NL",
                data_key_sealed="benchmark",
                expires_on=today + timedelta(days=(i % 60) - 20),
                uploaded_at=now - timedelta(minutes=11 * i + 3),
            )
            for i in range(doc_n)
        ],
        batch_size=CHUNK,
    )
    requests = DataSubjectRequest.objects.bulk_create(
        [
            DataSubjectRequest(
                kind="access",
                subject_creator_id=creator(i),
                received_at=now - timedelta(days=30) + timedelta(hours=5 * (i % 192) - 240),
                due_at=now + timedelta(hours=5 * (i % 192) - 240),
                status="waiting_identity" if i % 10 == 0 else "received",
                identity_check="waiting" if i % 10 == 0 else "not_needed",
            )
            for i in range(gdpr_n)
        ],
        batch_size=CHUNK,
    )
    RequestPause.objects.bulk_create(
        [
            RequestPause(request=r, started_at=now - timedelta(days=2))
            for i, r in enumerate(requests)
            if i % 10 == 0
        ],
        batch_size=CHUNK,
    )
    Violation.objects.bulk_create(
        [
            Violation(
                kind="content_policy",
                severity=SEVERITIES[i % 4],
                summary=f"Benchmark violation {i}",
                source="staff",
                creator_id=creator(i),
                status="open" if i % 3 else "investigating",
                opened_at=now - timedelta(minutes=(29 * i) % (20 * 24 * 60)),
            )
            for i in range(violation_n)
        ],
        batch_size=CHUNK,
    )
    return {
        "KYC reviews": kyc_n,
        "documents": doc_n,
        "GDPR requests": gdpr_n,
        "violations": violation_n,
        "2257 records": len(with_record),
    }


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return min(samples), statistics.median(samples)


def queries_of(call) -> int:
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call()
    return queries


RAW_COUNTS = """
WITH now_ AS (SELECT now() AS t, (now() AT TIME ZONE %(tz)s)::date AS d)
SELECT
  (SELECT count(*) FROM compliance_kycverification WHERE status = 'pending'),
  (SELECT count(*) FROM compliance_identitydocument
     WHERE status = 'pending' AND destroyed_at IS NULL),
  g.total, g.paused, g.overdue, g.soon, g.week, g.later,
  a.expired, a.expiring, dd.expired, dd.expiring,
  v.critical, v.high, v.medium, v.low, v.overdue,
  s.total, s.met, s.age, s.kyc, s.record, s.critical,
  (SELECT max(finished_at) FROM compliance_exportrun)
FROM now_,
LATERAL (
  SELECT count(*) AS total,
    count(*) FILTER (WHERE p.started_at IS NOT NULL) AS paused,
    count(*) FILTER (WHERE p.started_at IS NULL AND r.due_at < now_.t) AS overdue,
    count(*) FILTER (WHERE p.started_at IS NULL AND r.due_at >= now_.t
                     AND r.due_at < ((now_.d + 4)::timestamp AT TIME ZONE %(tz)s)) AS soon,
    count(*) FILTER (WHERE p.started_at IS NULL
                     AND r.due_at >= ((now_.d + 4)::timestamp AT TIME ZONE %(tz)s)
                     AND r.due_at < ((now_.d + 8)::timestamp AT TIME ZONE %(tz)s)) AS week,
    count(*) FILTER (WHERE p.started_at IS NULL
                     AND r.due_at >= ((now_.d + 8)::timestamp AT TIME ZONE %(tz)s)) AS later
  FROM compliance_datasubjectrequest r
  LEFT JOIN compliance_requestpause p ON p.request_id = r.id AND p.ended_at IS NULL
  WHERE r.status IN ('received', 'waiting_identity', 'in_progress', 'awaiting_approval')
) g,
LATERAL (
  SELECT count(*) FILTER (WHERE age_verified_until < now_.d) AS expired,
         count(*) FILTER (WHERE age_verified_until >= now_.d) AS expiring
  FROM creators_creator
  WHERE status = 'active' AND age_verified_until <= now_.d + %(warn)s
) a,
LATERAL (
  SELECT count(*) FILTER (WHERE d.expires_on < now_.d) AS expired,
         count(*) FILTER (WHERE d.expires_on >= now_.d) AS expiring
  FROM compliance_identitydocument d JOIN creators_creator c ON c.id = d.creator_id
  WHERE c.status = 'active' AND d.destroyed_at IS NULL AND d.status <> 'rejected'
    AND d.expires_on <= now_.d + %(warn)s
    AND NOT EXISTS (
      SELECT 1 FROM compliance_identitydocument n
      WHERE n.creator_id = d.creator_id AND n.destroyed_at IS NULL AND n.status <> 'rejected'
        AND (n.expires_on IS NULL OR n.expires_on > now_.d + %(warn)s))
) dd,
LATERAL (
  SELECT count(*) FILTER (WHERE severity = 'critical') AS critical,
         count(*) FILTER (WHERE severity = 'high') AS high,
         count(*) FILTER (WHERE severity = 'medium') AS medium,
         count(*) FILTER (WHERE severity = 'low') AS low,
         count(*) FILTER (WHERE opened_at < now_.t - make_interval(days =>
           CASE severity WHEN 'critical' THEN 1 WHEN 'high' THEN 3
                         WHEN 'medium' THEN 7 ELSE 14 END)) AS overdue
  FROM compliance_violation WHERE status IN ('open', 'investigating')
) v,
LATERAL (
  SELECT count(*) AS total,
    count(*) FILTER (WHERE ok_age AND ok_kyc AND ok_record AND ok_critical) AS met,
    count(*) FILTER (WHERE NOT ok_age) AS age,
    count(*) FILTER (WHERE NOT ok_kyc) AS kyc,
    count(*) FILTER (WHERE NOT ok_record) AS record,
    count(*) FILTER (WHERE NOT ok_critical) AS critical
  FROM (
    SELECT coalesce(c.age_verified_until >= now_.d, false) AS ok_age,
      c.kyc_level >= %(min_kyc)s AS ok_kyc,
      c.id IN (SELECT p.creator_id FROM compliance_record2257 r
               JOIN compliance_performer p ON p.id = r.performer_id
               WHERE r.is_complete AND p.creator_id IS NOT NULL) AS ok_record,
      c.id NOT IN (SELECT v.creator_id FROM compliance_violation v
                   WHERE v.creator_id IS NOT NULL AND v.severity = 'critical'
                     AND v.status IN ('open', 'investigating')) AS ok_critical
    FROM creators_creator c
    WHERE c.status = 'active' AND c.id IN (
      SELECT DISTINCT creator_id FROM ledger_journalentry
      WHERE kind = ANY(%(earning_kinds)s) AND creator_id IS NOT NULL
        AND occurred_at >= ((now_.d - %(lookback)s)::timestamp AT TIME ZONE %(tz)s))
  ) x
) s
"""

RAW_ROWS = [
    """SELECT k.id, k.requested_at, c.display_name FROM compliance_kycverification k
       JOIN creators_creator c ON c.id = k.creator_id
       WHERE k.status = 'pending' ORDER BY k.requested_at, k.id LIMIT 5""",
    """SELECT d.id, d.uploaded_at, c.display_name FROM compliance_identitydocument d
       LEFT JOIN creators_creator c ON c.id = d.creator_id
       WHERE d.status = 'pending' AND d.destroyed_at IS NULL
       ORDER BY d.uploaded_at, d.id LIMIT 5""",
    """SELECT r.id, r.due_at, p.started_at FROM compliance_datasubjectrequest r
       LEFT JOIN compliance_requestpause p ON p.request_id = r.id AND p.ended_at IS NULL
       WHERE r.status IN ('received', 'waiting_identity', 'in_progress', 'awaiting_approval')
       ORDER BY r.due_at, r.id LIMIT 5""",
    """SELECT id, display_name, age_verified_until FROM creators_creator
       WHERE status = 'active' AND age_verified_until <= current_date + 15
       ORDER BY age_verified_until, id LIMIT 5""",
    """SELECT v.id, v.severity, v.opened_at, c.display_name FROM compliance_violation v
       LEFT JOIN creators_creator c ON c.id = v.creator_id
       WHERE v.status IN ('open', 'investigating')
       ORDER BY CASE v.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1
                WHEN 'medium' THEN 2 ELSE 3 END, v.opened_at, v.id LIMIT 5""",
]


def raw_baseline(runs: int) -> tuple[float, float, int, tuple]:
    """The same figures with hand-written SQL (one statement for every count and the score,
    one per queue's first rows; the expiring documents' rows are left out)."""
    import psycopg
    from django.conf import settings

    from apps.compliance.selectors.home import SCORE_MIN_KYC_LEVEL
    from apps.ledger.models import EARNING_KINDS

    params = {
        "tz": settings.TIME_ZONE,
        "warn": settings.COMPLIANCE_EXPIRY_WARNING_DAYS,
        "lookback": settings.COMPLIANCE_EARNINGS_LOOKBACK_DAYS,
        "min_kyc": SCORE_MIN_KYC_LEVEL,
        "earning_kinds": [str(kind) for kind in EARNING_KINDS],
    }
    result: dict = {}
    with psycopg.connect(conninfo(database_config())) as conn:

        def call():
            with conn.cursor() as cursor:
                cursor.execute(RAW_COUNTS, params)
                result["counts"] = cursor.fetchone()
                for sql in RAW_ROWS:
                    cursor.execute(sql)
                    cursor.fetchall()

        best, median = timed(call, runs)
    return best, median, 1 + len(RAW_ROWS), result["counts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    config = database_config()
    database_recreate(config)
    import django

    django.setup()
    import pyotp
    from allauth.mfa.totp.internal.auth import TOTP
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from apps.accounts.roles import Role
    from apps.accounts.services import user_create
    from apps.compliance.selectors import compliance_home
    from apps.creators.models import Creator

    call_command("migrate", verbosity=0)
    print(f"fixtures: {args.creators:,} creators, {args.items:,} open items ...", file=sys.stderr)
    started = time.perf_counter()
    earning_ids = creators_create(args.creators)
    creator_ids = list(Creator.objects.order_by("pk").values_list("pk", flat=True))
    made = items_create(creator_ids, earning_ids, args.items)
    officer = user_create(
        email="officer@example.test", role=Role.COMPLIANCE, actor=None, email_verified=True
    )
    TOTP.activate(officer, pyotp.random_base32())  # staff without a second factor: redirected
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    fixture_seconds = time.perf_counter() - started

    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)

    def render():
        response = client.get("/compliance/", secure=True)
        assert response.status_code == 200, response.status_code

    page = timed(render, args.runs)
    page_queries = queries_of(render)
    selector = timed(compliance_home, args.runs)
    selector_queries = queries_of(compliance_home)
    home = compliance_home()
    raw_best, raw_median, raw_statements, raw = raw_baseline(args.runs)

    open_items = home.kyc.count + home.documents.count + home.gdpr.count + home.violations.count
    print()
    print(
        f"compliance home: {args.creators:,} creators, {open_items:,} open items "
        f"({', '.join(f'{k} {v:,}' for k, v in made.items())}; fixtures in "
        f"{fixture_seconds:.0f} s), PostgreSQL, {os.cpu_count()} CPUs, best/median of "
        f"{args.runs} runs after a warm-up"
    )
    print(f"{'what':<40}{'best s':>9}{'median s':>10}{'queries':>9}")
    for label, (best, median), queries in (
        ("page GET /compliance/ (test client)", page, page_queries),
        ("selector compliance_home()", selector, selector_queries),
        ("raw PostgreSQL (hand-written SQL)", (raw_best, raw_median), raw_statements),
    ):
        print(f"{label:<40}{best:>9.4f}{median:>10.4f}{queries:>9}")
    score = home.score
    print(
        f"figures: KYC {home.kyc.count:,}, documents {home.documents.count:,}, GDPR "
        f"{home.gdpr.count:,} (overdue {home.gdpr.overdue:,}, <=3 days "
        f"{home.gdpr.within_3_days:,}, <=7 {home.gdpr.within_7_days:,}, later "
        f"{home.gdpr.later:,}, paused {home.gdpr.paused:,}), violations "
        f"{home.violations.by_severity} (overdue {home.violations.overdue:,}), age expired "
        f"{home.expiring.age_expired:,} / expiring {home.expiring.age_expiring:,}, documents "
        f"expired {home.expiring.documents_expired:,} / expiring "
        f"{home.expiring.documents_expiring:,}; score {score.met:,} of {score.total:,} "
        f"({score.percent} %)"
    )
    orm = (
        home.kyc.count,
        home.documents.count,
        home.gdpr.count,
        home.gdpr.paused,
        home.gdpr.overdue,
        home.gdpr.within_3_days,
        home.gdpr.within_7_days,
        home.gdpr.later,
        home.expiring.age_expired,
        home.expiring.age_expiring,
        home.expiring.documents_expired,
        home.expiring.documents_expiring,
        *home.violations.by_severity.values(),
        home.violations.overdue,
        score.total,
        score.met,
        *(o.failing for o in score.obligations),
    )
    same = tuple(raw[: len(orm)]) == orm
    print(f"raw SQL gives the same counts: {'yes' if same else f'NO: {raw[: len(orm)]}'}")


if __name__ == "__main__":
    main()
