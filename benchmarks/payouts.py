"""Building payout batches for many eligible creators on PostgreSQL, beside a raw baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_payouts \\
        .venv/bin/python benchmarks/payouts.py [--creators 100000]

The database named in DATABASE_URL is DROPPED, re-created and migrated. Fixtures (benchmark
data, written in bulk, not through the per-row services): ``--creators`` active creators on
boyfanz with the compliance records they are paid on (an approved level-3 KYC verification,
an age verification for a year, a complete 2257 record with an accepted passport; the
creators' ``kyc_level`` and ``age_verified_until`` derived from those rows in one UPDATE, see
``compliance_rows_create`` for why not the per-creator services), each with a verified
default ACH method (details sealed by apps.core.crypto), a threshold schedule that is due,
their available and in_payout accounts opened, and 100.00 USD available, posted through
``entries_post_bulk`` (the ledger door).

Then, in this order:

  raw baseline   psycopg alone, in one transaction that is rolled back: read every eligible
                 creator's available balance in one query (with the same compliance rules as
                 the service: age verified, a complete 2257 record, no open critical
                 violation, no open payout, the KYC limit), insert the batch, the payouts and
                 their items with ``unnest`` inserts, and post the reservations through the
                 database's batch function (``ledger_post_batch``) in chunks of 2,000: the
                 same rows the service writes, without its checks
  service        ``payout_batches_build(source="schedule")`` in a fresh process: wall time,
                 queries issued (counted with an execute wrapper), the process's peak RSS and
                 its growth over the start-up RSS

and ends with a consistency check (every payout reserved once, trial balance zero), and runs
benchmarks/payouts_files.py (SEPA and NACHA for 10,000 payouts) for the file figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import conninfo, database_config, database_recreate  # noqa: E402

os.environ["DEBUG"] = "false"

CHUNK = 5_000
AMOUNT_MINOR = 10_000  # 100.00 USD available per creator
DETAILS = {
    "account_holder": "Bench Creator",
    "routing_number": "011000015",
    "account_number": "000123456789",
    "account_type": "checking",
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fixtures_create(creators: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.accounts.roles import Role
    from apps.compliance.models import KycProvider
    from apps.creators.models import Creator, PlatformAccount
    from apps.ledger.accounts import account_key, network_account
    from apps.ledger.models import Account, AccountKind, EntryKind
    from apps.ledger.services import EntryDraft, PostingSpec, entries_post_bulk
    from apps.payouts.models import PayoutMethod, PayoutSchedule, Processor
    from apps.platforms.models import Platform

    platform = Platform.objects.get(slug="boyfanz")
    ach = Processor.objects.get(code="ach")
    verifymy = KycProvider.objects.get(slug="verifymy")
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, "USD")
    password = make_password(None)
    verified_until = timezone.now().date() + timedelta(days=365)
    now = timezone.now()
    for start in range(0, creators, CHUNK):
        n = range(start, min(start + CHUNK, creators))
        users = User.objects.bulk_create(
            [
                User(
                    email=f"bench-{i}@example.test",
                    role=Role.CREATOR,
                    password=password,
                )
                for i in n
            ]
        )
        rows = Creator.objects.bulk_create(
            [
                Creator(
                    user=u,
                    display_name=f"Bench {i}",
                    country="US",
                    default_currency_id="USD",
                )
                for i, u in zip(n, users, strict=True)
            ]
        )
        compliance_rows_create(rows, verifymy, verified_until, now)
        PlatformAccount.objects.bulk_create(
            [PlatformAccount(creator=c, platform=platform, external_id=f"b{c.pk}") for c in rows]
        )
        accounts = {}
        for kind in (AccountKind.AVAILABLE, AccountKind.IN_PAYOUT):
            made = Account.objects.bulk_create(
                [
                    Account(
                        key=account_key(kind, "USD", creator_id=c.pk, platform_slug="boyfanz"),
                        kind=kind,
                        currency_id="USD",
                        creator=c,
                        platform=platform,
                    )
                    for c in rows
                ]
            )
            accounts[kind] = made
        entries_post_bulk(
            [
                EntryDraft(
                    idempotency_key=f"bench-fund-{c.pk}",
                    kind=EntryKind.ADJUSTMENT,
                    postings=[PostingSpec(clearing, AMOUNT_MINOR), PostingSpec(a, -AMOUNT_MINOR)],
                    occurred_at=now,
                    memo="benchmark funding",
                    platform=platform,
                    creator=c,
                )
                for c, a in zip(rows, accounts[AccountKind.AVAILABLE], strict=True)
            ]
        )
        methods = []
        for c in rows:
            method = PayoutMethod(
                creator=c,
                processor=ach,
                currency_id="USD",
                details_hint="ACH …6789",
                status="verified",
                is_default=True,
                verified_at=now,
            )
            method.details_seal(DETAILS)
            methods.append(method)
        PayoutMethod.objects.bulk_create(methods)
        PayoutSchedule.objects.bulk_create(
            [
                PayoutSchedule(
                    creator=c,
                    kind="threshold",
                    threshold_minor=0,
                    minimum_minor=0,
                    currency_id="USD",
                )
                for c in rows
            ]
        )
        print(f"  {min(start + CHUNK, creators):,} creators", file=sys.stderr)


def compliance_rows_create(creators, provider, verified_until, now) -> None:
    """The compliance records each benchmark creator is paid on, written in bulk: an approved
    KYC verification of level 3 (VerifyMy), an age verification until ``verified_until``, and
    a complete 2257 record (performer, an accepted passport whose number is sealed with its
    own data key as ``identity_document_upload`` does, version 1 examined today, content
    references). Then the creators' derived fields (``kyc_level``, ``age_verified_until``)
    are derived from those rows in one UPDATE each: the set-based form of
    ``creator_compliance_derive`` (max approved, unexpired level; latest expiry).

    Why not the services: ``kyc_verification_decide``, ``age_verification_record``,
    ``performer_create`` and ``record_2257_amend`` are one-creator writes (each audited, the
    derivation announced to the platforms); 100,000 of each would take longer than the
    benchmark itself and measure nothing this benchmark is about. The rows written here are
    the rows those services leave behind (same columns, same check constraints, the 2257
    record's stored ``is_complete``/``missing`` computed by ``Record2257Version.completeness``
    on the version), so the payout build reads real compliance rows, not a shortcut on the
    creator."""
    from datetime import date

    from django.db.models import Max, OuterRef, Subquery

    from apps.compliance import documents_crypto as dc
    from apps.compliance.models import (
        AgeVerification,
        IdentityDocument,
        KycVerification,
        Performer,
        Record2257,
        Record2257Version,
    )
    from apps.creators.models import Creator

    today = now.date()
    born = date(1990, 1, 2)
    KycVerification.objects.bulk_create(
        [
            KycVerification(
                creator=c,
                provider=provider,
                provider_reference=f"bench-{c.pk}",
                level_requested=3,
                level_granted=3,
                status=KycVerification.Status.APPROVED,
                requested_at=now,
                decided_at=now,
                decision_reason="Benchmark: documents checked",
            )
            for c in creators
        ]
    )
    AgeVerification.objects.bulk_create(
        [
            AgeVerification(
                creator=c,
                method="provider",
                date_of_birth=born,
                verified_on=today,
                expires_on=verified_until,
                note="Benchmark",
                created_at=now,
            )
            for c in creators
        ]
    )
    performers = Performer.objects.bulk_create(
        [
            Performer(creator=c, legal_name=c.display_name, date_of_birth=born, created_at=now)
            for c in creators
        ]
    )
    documents = []
    for c in creators:
        document = IdentityDocument(
            creator=c,
            document_type="passport",
            issuing_country="US",
            expires_on=today + timedelta(days=3 * 365),
            uploaded_at=now,
            status=IdentityDocument.Status.ACCEPTED,
            reviewed_at=now,
            review_reason="Benchmark: checked",
        )
        key, document.data_key_sealed, document.key_id = dc.data_key_new(document.uid)
        document.number_encrypted = dc.number_encrypt(key, document.uid, f"B{c.pk:08d}")
        documents.append(document)
    IdentityDocument.objects.bulk_create(documents)
    records = Record2257.objects.bulk_create(
        [
            Record2257(performer=p, created_at=now, amended_at=now, version_count=1)
            for p in performers
        ]
    )
    versions = [
        Record2257Version(
            record=r,
            number=1,
            legal_name=p.legal_name,
            date_of_birth=born,
            names=[],
            id_document=d,
            id_examined_on=today,
            content_references=[f"boyfanz:post/{p.creator_id}"],
            reason="",
            created_at=now,
        )
        for r, p, d in zip(records, performers, documents, strict=True)
    ]
    Record2257Version.objects.bulk_create(versions)
    # What the services store after each version: completeness of the newest version.
    missing = {r.pk: v.completeness() for r, v in zip(records, versions, strict=True)}
    assert not any(missing.values()), "benchmark 2257 records must be complete"
    Record2257.objects.filter(pk__in=list(missing)).update(is_complete=True, missing=[])
    ids = [c.pk for c in creators]
    Creator.objects.filter(pk__in=ids).update(
        kyc_level=Subquery(
            KycVerification.objects.filter(creator=OuterRef("pk"), status="approved")
            .values("creator")
            .annotate(m=Max("level_granted"))
            .values("m")[:1]
        ),
        age_verified_until=Subquery(
            AgeVerification.objects.filter(creator=OuterRef("pk"))
            .values("creator")
            .annotate(m=Max("expires_on"))
            .values("m")[:1]
        ),
    )


RAW_ELIGIBLE = """
SELECT c.id, m.id, a.id, ip.id, -SUM(b.balance) AS available
  FROM creators_creator c
  JOIN payouts_payoutmethod m ON m.creator_id = c.id AND m.is_default AND m.status = 'verified'
  JOIN ledger_account a ON a.creator_id = c.id AND a.kind = 'available' AND a.currency_id = 'USD'
  JOIN ledger_account ip ON ip.creator_id = c.id AND ip.kind = 'in_payout'
       AND ip.platform_id = a.platform_id AND ip.currency_id = 'USD'
  JOIN ledger_accountbalance b ON b.account_id = a.id
 WHERE c.status = 'active' AND c.age_verified_until >= current_date
   AND NOT EXISTS (SELECT 1 FROM creators_payouthold h
                    WHERE h.creator_id = c.id AND h.released_at IS NULL)
   AND EXISTS (SELECT 1 FROM compliance_record2257 r
                 JOIN compliance_performer p ON p.id = r.performer_id
                WHERE p.creator_id = c.id AND r.is_complete)
   AND NOT EXISTS (SELECT 1 FROM compliance_violation v
                    WHERE v.creator_id = c.id AND v.severity = 'critical'
                      AND v.status IN ('open', 'investigating'))
   AND NOT EXISTS (SELECT 1 FROM payouts_payout op
                     JOIN payouts_payoutbatch ob ON ob.id = op.batch_id
                    WHERE op.creator_id = c.id AND op.state IN ('pending', 'submitted')
                      AND ob.status IN ('draft', 'approved', 'submitted'))
 GROUP BY c.id, m.id, a.id, ip.id
HAVING -SUM(b.balance) > 0
   -- the KYC limit over 30 days (USD, level 0 $100, 1 $1,000, 2 $10,000, 3 unlimited)
   AND (c.kyc_level >= 3 OR -SUM(b.balance) + COALESCE((
        SELECT SUM(k.amount_minor) FROM payouts_payout k
         WHERE k.creator_id = c.id AND k.created_at > now() - interval '30 days'
           AND k.state NOT IN ('failed', 'cancelled')), 0)
        <= (ARRAY[10000, 100000, 1000000])[c.kyc_level + 1])
 ORDER BY c.id
"""


def raw_baseline(config: dict) -> dict:
    """The rows the service writes, by psycopg alone, rolled back at the end."""
    import uuid
    from datetime import UTC, datetime

    import psycopg

    started = time.perf_counter()
    queries = 0
    with psycopg.connect(conninfo(config)) as conn:
        cur = conn.cursor()
        cur.execute(RAW_ELIGIBLE)
        queries += 1
        rows = cur.fetchall()
        cur.execute("SELECT id FROM payouts_processor WHERE code = 'ach'")
        processor = cur.fetchone()[0]
        now = datetime.now(UTC)
        cur.execute(
            "INSERT INTO payouts_payoutbatch (processor_id, currency_id, status, source, "
            "total_minor, fee_total_minor, payout_count, auto_approved, created_at, note) "
            "VALUES (%s, 'USD', 'draft', 'schedule', %s, 0, %s, false, %s, '') RETURNING id",
            [processor, sum(r[4] for r in rows), len(rows), now],
        )
        batch = cur.fetchone()[0]
        queries += 2
        for start in range(0, len(rows), 2_000):
            chunk = rows[start : start + 2_000]
            cur.execute(
                "INSERT INTO payouts_payout (batch_id, creator_id, method_id, currency_id, "
                "amount_minor, fee_minor, state, idempotency_key, processor_reference, "
                "failure_code, failure_reason, attempts, destination_asset, created_at) "
                "SELECT %s, c, m, 'USD', amt, 0, 'pending', k, '', '', '', 0, '', %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::uuid[]) "
                "AS u(c, m, amt, k) RETURNING id",
                [
                    batch,
                    now,
                    [r[0] for r in chunk],
                    [r[1] for r in chunk],
                    [r[4] for r in chunk],
                    [uuid.uuid4() for _ in chunk],
                ],
            )
            ids = [r[0] for r in cur.fetchall()]
            cur.execute(
                "INSERT INTO payouts_payoutitem (payout_id, available_account_id, "
                "in_payout_account_id, amount_minor) SELECT * FROM unnest(%s::bigint[], "
                "%s::bigint[], %s::bigint[], %s::bigint[])",
                [ids, [r[2] for r in chunk], [r[3] for r in chunk], [r[4] for r in chunk]],
            )
            n = len(chunk)
            p_entry, p_accounts, p_amounts = [], [], []
            for position, row in enumerate(chunk, 1):
                p_entry += [position, position]
                p_accounts += [row[2], row[3]]
                p_amounts += [row[4], -row[4]]
            cur.execute(
                "SELECT count(*) FROM ledger_post_batch(%b::text[], %b::text[], %b::text[], "
                "%b::text[], %b::timestamptz[], %b::timestamptz, %b::bigint[], %b::bigint[], "
                "%b::text[], %b::text[], %b::bigint[], %b::bigint[], %b::bigint[])",
                [
                    [f"raw:payout:{i}:reserve" for i in ids],
                    ["x" * 64] * n,
                    ["payout"] * n,
                    [""] * n,
                    [now] * n,
                    now,
                    [None] * n,
                    [r[0] for r in chunk],
                    ["payout"] * n,
                    [str(i) for i in ids],
                    p_entry,
                    p_accounts,
                    p_amounts,
                ],
            )
            queries += 3
        seconds = time.perf_counter() - started
        conn.rollback()
    return {"seconds": seconds, "payouts": len(rows), "queries": queries}


def service_build() -> None:
    """Run in a fresh process: the build, with its queries counted; prints JSON."""
    import django

    django.setup()
    from django.db import connection

    from apps.payouts.services.batches import payout_batches_build

    start_rss = rss_mb()
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        batches = payout_batches_build(actor=None, source="schedule")
    seconds = time.perf_counter() - started
    payouts = sum(b.payout_count for b in batches)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "queries": count[0],
                "batches": len(batches),
                "payouts": payouts,
                "start_rss_mb": start_rss,
                "peak_rss_mb": rss_mb(),
            }
        )
    )


def consistency() -> list[str]:
    from django.db.models import Count

    from apps.ledger.selectors import trial_balance
    from apps.payouts.models import Payout

    problems = []
    unreserved = Payout.objects.filter(reserve_entry__isnull=True).count()
    if unreserved:
        problems.append(f"{unreserved} payouts without a reservation")
    doubled = Payout.objects.values("creator").annotate(n=Count("id")).filter(n__gt=1).count()
    if doubled:
        problems.append(f"{doubled} creators with more than one payout")
    if any(trial_balance().totals.values()):
        problems.append(f"trial balance not zero: {trial_balance().totals}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--phase", choices=["all", "build"], default="all", help=argparse.SUPPRESS)
    parser.add_argument("--no-files", action="store_true", help="skip benchmarks/payouts_files.py")
    args = parser.parse_args()
    if args.phase == "build":
        service_build()
        return
    config = database_config()
    print(
        f"re-creating {config['NAME']}, migrating, {args.creators:,} creators ...", file=sys.stderr
    )
    database_recreate(config)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fixtures_create(args.creators)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    fixture_seconds = time.perf_counter() - started
    print("raw baseline ...", file=sys.stderr)
    raw = raw_baseline(config)
    print("service build (fresh process) ...", file=sys.stderr)
    load = os.getloadavg()
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "build"],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    ).stdout
    service = json.loads(out.strip().splitlines()[-1])
    problems = consistency()

    print()
    print(
        f"payout batch build: {args.creators:,} eligible creators (fixtures in "
        f"{fixture_seconds:.0f} s), PostgreSQL, {os.cpu_count()} CPUs, load average before "
        f"the build {tuple(round(x, 2) for x in load)}"
    )
    print(
        f"{'path':<30}{'seconds':>9}{'payouts':>10}{'payouts/s':>11}{'queries':>9}"
        f"{'peak RSS MB':>13}"
    )
    print("-" * 82)
    print(
        f"{'raw psycopg (rolled back)':<30}{raw['seconds']:>9.1f}{raw['payouts']:>10,}"
        f"{raw['payouts'] / raw['seconds']:>11,.0f}{raw['queries']:>9}{'-':>13}"
    )
    print(
        f"{'payout_batches_build':<30}{service['seconds']:>9.1f}{service['payouts']:>10,}"
        f"{service['payouts'] / service['seconds']:>11,.0f}{service['queries']:>9}"
        f"{service['peak_rss_mb']:>13.0f}"
    )
    print(
        f"service / raw time: {service['seconds'] / raw['seconds']:.2f}; batches built: "
        f"{service['batches']}; RSS at start {service['start_rss_mb']:.0f} MB, growth "
        f"{service['peak_rss_mb'] - service['start_rss_mb']:.0f} MB"
    )
    print(
        "consistency: "
        + (
            "ok (every payout reserved once, trial balance zero)"
            if not problems
            else "; ".join(problems)
        )
    )
    if not args.no_files:
        print()
        subprocess.run([sys.executable, str(ROOT / "benchmarks/payouts_files.py")], check=True)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
