"""Ledger read latency on PostgreSQL with one very busy creator.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_reads \\
        .venv/bin/python benchmarks/ledger_reads.py [--reuse] [--runs 50]

Builds (the database in DATABASE_URL is DROPPED and re-created, unless ``--reuse`` finds it
already built) a ledger of exactly ``--postings`` postings (default 1,000,000), nearly all of
them on one creator and one network account:

  * the hot creator: ``--hot-postings`` postings on its pending account (default 495,000):
    earnings (processor_clearing +gross / pending -gross) and, one in eleven, releases
    (pending +x / available -x);
  * the rest: earnings of ``--other-creators`` other creators (default 50);
  * occurred_at spread evenly over the last two years, in entry order.

(Exactly half of all postings is the most any one account can hold: every posting on it needs a
counter-leg on another account. The issue's "515k of 1M" is therefore 495k here.)

Rows go in with COPY, in transactions of ``--chunk`` entries: COPY fires the row triggers, so
the balance counters and the deferred per-entry checks run exactly as for the services. Then
VACUUM ANALYZE, and each read is timed ``--runs`` times after warm-up (median, p90, in ms):
``account_balance`` now (counters) and ``as_of`` a year ago (postings through the index), the
naive sum of every posting of the account (what django-hordak does), ``creator_balances``,
``trial_balance``, and the creator pages when they exist.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import conninfo, database_config, database_recreate  # noqa: E402

os.environ["DEBUG"] = "false"  # DEBUG keeps every query in memory
os.environ.setdefault("STATIC_MANIFEST", "false")  # pages render without collectstatic

SEED = 20_241_121
PLATFORM_SLUG = "boyfanz"
CURRENCY = "USD"
HOT_EMAIL = "reads-hot-creator@example.test"
ADMIN_EMAIL = "reads-admin@example.test"
HISTORY = timedelta(days=730)
RELEASE_EVERY = 11  # one hot entry in eleven is a release to available
FINGERPRINT = "0" * 64


def database_built(config: dict, postings: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(conninfo(config)) as conn:
            count = conn.execute("SELECT COUNT(*) FROM ledger_posting").fetchone()[0]
            hot = conn.execute(
                "SELECT 1 FROM accounts_user WHERE email = %s", [HOT_EMAIL]
            ).fetchone()
    except psycopg.Error:
        return False
    return count == postings and hot is not None


# --- building the ledger ------------------------------------------------------------------


def fixtures_create(other_creators: int) -> dict:
    from apps.accounts.roles import Role
    from apps.accounts.services import user_create
    from apps.creators.services import creator_create, platform_account_link
    from apps.ledger.accounts import creator_account, network_account
    from apps.ledger.models import AccountKind
    from apps.platforms.models import Platform

    platform = Platform.objects.get(slug=PLATFORM_SLUG)
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, CURRENCY)
    creators = []
    for n in range(other_creators + 1):
        creator = creator_create(
            email=HOT_EMAIL if n == 0 else f"reads-creator-{n}@example.test",
            display_name="Hot creator" if n == 0 else f"Reads creator {n}",
            email_verified=True,
        )
        platform_account_link(
            creator=creator, platform=platform, external_id=f"{PLATFORM_SLUG}-{creator.pk}"
        )
        creators.append(creator)
    pending = [creator_account(c, platform, AccountKind.PENDING, CURRENCY) for c in creators]
    available = creator_account(creators[0], platform, AccountKind.AVAILABLE, CURRENCY)
    user_create(email=ADMIN_EMAIL, role=Role.SUPER_ADMIN, actor=None, email_verified=True)
    return {
        "platform_id": platform.pk,
        "clearing_id": clearing.pk,
        "hot_creator_id": creators[0].pk,
        "hot_pending_id": pending[0].pk,
        "hot_available_id": available.pk,
        "others": [(a.pk, c.pk) for a, c in zip(pending[1:], creators[1:], strict=True)],
    }


def entry_plan(args, fixtures: dict):
    """Yield (kind, creator_id, [(account_id, amount), ...]) for every entry, in time order."""
    rng = random.Random(SEED)
    hot_entries = args.hot_postings
    other_entries = args.postings // 2 - hot_entries
    if other_entries < 0 or args.postings % 2:
        sys.exit("--postings must be even and at least twice --hot-postings")
    # Interleave the other creators' entries evenly among the hot creator's.
    total = hot_entries + other_entries
    others = fixtures["others"]
    other_every = total / other_entries if other_entries else None
    next_other = 0.0
    for n in range(total):
        if other_every is not None and n >= next_other and next_other < total:
            next_other += other_every
            account, creator = others[rng.randrange(len(others))]
            gross = rng.randrange(100, 50_000)
            yield "tip", creator, [(fixtures["clearing_id"], gross), (account, -gross)]
        elif n % RELEASE_EVERY == RELEASE_EVERY - 1:
            amount = rng.randrange(100, 20_000)
            yield (
                "release",
                fixtures["hot_creator_id"],
                [(fixtures["hot_pending_id"], amount), (fixtures["hot_available_id"], -amount)],
            )
        else:
            gross = rng.randrange(100, 50_000)
            yield (
                "subscription",
                fixtures["hot_creator_id"],
                [(fixtures["clearing_id"], gross), (fixtures["hot_pending_id"], -gross)],
            )


def ledger_fill(args, config: dict, fixtures: dict) -> float:
    """COPY the planned entries and postings, ``args.chunk`` entries per transaction."""
    import psycopg

    plan = list(entry_plan(args, fixtures))
    platform_id = fixtures["platform_id"]
    start = datetime.now(UTC) - HISTORY
    step = HISTORY / len(plan)
    began = time.monotonic()
    with psycopg.connect(conninfo(config)) as conn:
        for offset in range(0, len(plan), args.chunk):
            chunk = plan[offset : offset + args.chunk]
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT nextval('ledger_journalentry_id_seq') FROM generate_series(1, %s)",
                    [len(chunk)],
                )
            ]
            now = datetime.now(UTC)
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY ledger_journalentry (id, idempotency_key, fingerprint, kind, memo, "
                    "occurred_at, posted_at, platform_id, creator_id, source_type, source_id) "
                    "FROM STDIN"
                ) as copy:
                    for i, (entry_id, (kind, creator, _)) in enumerate(
                        zip(ids, chunk, strict=True)
                    ):
                        occurred = start + step * (offset + i)
                        key = f"reads:{entry_id}"
                        row = (entry_id, key, FINGERPRINT, kind, "", occurred, now, platform_id)
                        copy.write_row((*row, creator, "bench", str(entry_id)))
                with cur.copy(
                    "COPY ledger_posting (entry_id, account_id, amount, occurred_at) FROM STDIN"
                ) as copy:
                    for i, (entry_id, (_, _, postings)) in enumerate(zip(ids, chunk, strict=True)):
                        occurred = start + step * (offset + i)
                        for account, amount in sorted(postings):
                            copy.write_row((entry_id, account, amount, occurred))
            conn.commit()  # the deferred per-entry checks run here
            done = offset + len(chunk)
            if done % (args.chunk * 25) == 0 or done == len(plan):
                rate = done / (time.monotonic() - began)
                print(f"  {done:,} entries ({rate:,.0f}/s)", file=sys.stderr)
    with psycopg.connect(conninfo(config), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return time.monotonic() - began


# --- timing -------------------------------------------------------------------------------


def timed(label: str, call, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {
        "label": label,
        "median": statistics.median(samples),
        "p90": samples[max(0, round(0.9 * len(samples)) - 1)],
        "min": samples[0],
        "runs": runs,
    }


def page_timer(path: str, user):
    """A callable GETting ``path`` as ``user`` (None if the page does not exist yet)."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    response = client.get(path, secure=True)
    if response.status_code == 404:
        return None, f"{path}: 404 (view not there yet): skipped"
    if response.status_code != 200:
        return None, f"{path}: HTTP {response.status_code} as {user.email}: skipped"

    def call():
        reply = client.get(path, secure=True)
        assert reply.status_code == 200, reply.status_code

    return call, None


def query_count(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    return len(context.captured_queries)


def explain(sql: str, params: list) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join("    " + row[0] for row in cursor.fetchall())


def measure(args, fixtures: dict) -> tuple[list[dict], list[str]]:
    import pyotp
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db.models import Count, Sum

    from apps.accounts.models import User
    from apps.creators.models import Creator
    from apps.ledger.models import Account, Posting
    from apps.ledger.selectors import account_balance, creator_balances, trial_balance

    hot = Account.objects.get(pk=fixtures["hot_pending_id"])
    clearing = Account.objects.get(pk=fixtures["clearing_id"])
    creator = Creator.objects.get(pk=fixtures["hot_creator_id"])
    as_of = datetime.now(UTC) - HISTORY / 2
    counts = dict(
        Posting.objects.filter(account__in=[hot, clearing])
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
    notes = [
        f"hot creator pending account: {counts.get(hot.pk, 0):,} postings; "
        f"processor_clearing: {counts.get(clearing.pk, 0):,} postings; "
        f"all accounts: {Posting.objects.count():,} postings",
    ]

    def naive(account):
        return Posting.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]

    # The counters and the naive sum must agree, and so must the two as_of paths.
    assert account_balance(hot) == naive(hot), "counters disagree with postings"
    runs = args.runs
    results = [
        timed("account_balance(hot pending), now", lambda: account_balance(hot), runs),
        timed(
            "account_balance(hot pending, as_of=1 year ago)",
            lambda: account_balance(hot, as_of=as_of),
            runs,
        ),
        timed("naive SUM of all postings (hot pending)", lambda: naive(hot), runs),
        timed("account_balance(processor_clearing), now", lambda: account_balance(clearing), runs),
        timed("naive SUM of all postings (clearing)", lambda: naive(clearing), runs),
        timed("creator_balances(hot creator)", lambda: creator_balances(creator), runs),
        timed("trial_balance()", lambda: trial_balance().balanced, runs),
    ]
    results[-1]["queries"] = query_count(lambda: trial_balance())
    results[-2]["queries"] = query_count(lambda: creator_balances(creator))

    admin = User.objects.get(email=ADMIN_EMAIL)
    if not Authenticator.objects.filter(user=admin, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(admin, pyotp.random_base32())
    pages = [
        (f"GET /creators/{creator.pk}/ (super admin)", f"/creators/{creator.pk}/", admin),
        ("GET /earnings/ (the hot creator)", "/earnings/", creator.user),
    ]
    for label, path, user in pages:
        call, note = page_timer(path, user)
        if call is None:
            notes.append(note)
            continue
        result = timed(label, call, runs)
        result["queries"] = query_count(call)
        results.append(result)

    if args.explain:
        notes.append(
            "plan, as_of:\n"
            + explain(
                "SELECT SUM(amount) FROM ledger_posting WHERE account_id = %s "
                "AND occurred_at <= %s",
                [hot.pk, as_of],
            )
        )
        notes.append(
            "plan, naive:\n"
            + explain("SELECT SUM(amount) FROM ledger_posting WHERE account_id = %s", [hot.pk])
        )
    return results, notes


def what_if_covering_index(args, fixtures: dict, config: dict) -> list[dict]:
    """Re-time the posting sums with an index that also holds the amount (index-only scans),
    then drop it again."""
    import psycopg
    from django.db.models import Sum

    from apps.creators.models import Creator
    from apps.ledger.models import Account, Posting
    from apps.ledger.selectors import account_balance, creator_balances

    with psycopg.connect(conninfo(config), autocommit=True) as conn:
        conn.execute(
            "CREATE INDEX bench_posting_acct_time_amount ON ledger_posting "
            "(account_id, occurred_at) INCLUDE (amount)"
        )
        conn.execute("VACUUM ANALYZE ledger_posting")
    try:
        hot = Account.objects.get(pk=fixtures["hot_pending_id"])
        creator = Creator.objects.get(pk=fixtures["hot_creator_id"])
        as_of = datetime.now(UTC) - HISTORY / 2
        return [
            timed(
                "what-if covering index: as_of=1 year ago",
                lambda: account_balance(hot, as_of=as_of),
                args.runs,
            ),
            timed(
                "what-if covering index: naive SUM",
                lambda: Posting.objects.filter(account=hot).aggregate(s=Sum("amount")),
                args.runs,
            ),
            timed(
                "what-if covering index: creator_balances",
                lambda: creator_balances(creator),
                args.runs,
            ),
        ]
    finally:
        with psycopg.connect(conninfo(config), autocommit=True) as conn:
            conn.execute("DROP INDEX IF EXISTS bench_posting_acct_time_amount")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep an already built database")
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--hot-postings", type=int, default=495_000)
    parser.add_argument("--other-creators", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=2_000, help="entries per COPY transaction")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--what-if-covering-index",
        action="store_true",
        help="also time the sums with an (account, occurred_at) INCLUDE (amount) index",
    )
    args = parser.parse_args()

    import django

    config = database_config()
    began = time.monotonic()
    built = args.reuse and database_built(config, args.postings)
    if not built:
        print(f"re-creating {config['NAME']} and migrating ...", file=sys.stderr)
        database_recreate(config)
    django.setup()
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.ledger.models import Account, AccountKind

    build_seconds = None
    if not built:
        call_command("migrate", verbosity=0, interactive=False)
        fixtures = fixtures_create(args.other_creators)
        print(f"filling {args.postings:,} postings with COPY ...", file=sys.stderr)
        build_seconds = ledger_fill(args, config, fixtures)
    else:
        hot_creator = User.objects.get(email=HOT_EMAIL).creator
        accounts = {a.kind: a.pk for a in Account.objects.filter(creator=hot_creator)}
        fixtures = {
            "hot_creator_id": hot_creator.pk,
            "hot_pending_id": accounts[AccountKind.PENDING],
            "hot_available_id": accounts[AccountKind.AVAILABLE],
            "clearing_id": Account.objects.get(kind=AccountKind.PROCESSOR_CLEARING).pk,
        }
    print("timing reads ...", file=sys.stderr)
    results, notes = measure(args, fixtures)
    if args.what_if_covering_index:
        results += what_if_covering_index(args, fixtures, config)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    print()
    print(
        f"ledger read benchmark: PostgreSQL {version}, {os.cpu_count()} CPUs, "
        f"median of {args.runs} runs after warm-up"
        + (f"; built in {build_seconds:.0f} s" if build_seconds else "; reused database")
    )
    for note in notes[:1]:
        print(note)
    header = f"{'read':<50}{'median ms':>11}{'p90 ms':>9}{'min ms':>9}{'queries':>9}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['label']:<50}{r['median']:>11.2f}{r['p90']:>9.2f}{r['min']:>9.2f}"
            f"{r.get('queries', ''):>9}"
        )
    for note in notes[1:]:
        print(note)
    print(f"total run time {time.monotonic() - began:.0f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
