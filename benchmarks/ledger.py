"""Ledger write throughput on PostgreSQL: the service path beside a raw-SQL baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench \\
        .venv/bin/python benchmarks/ledger.py [--workers 8] [--seconds 10] [--bulk 1000]

The database named in DATABASE_URL is DROPPED and re-created, migrated, and filled with one
platform (boyfanz, fee 20%) and ``--creators-per-worker`` creators per worker (made through
the creator services). Then each case runs for ``--seconds`` in ``--workers`` processes, each
with its own connection (processes, not threads: Python threads share one GIL):

  single, distinct  one entry per transaction: processor_clearing +gross, the worker's own
                    creators' pending -net, the platform's fee_revenue -fee
  single, hot       the same, but every worker posts to ONE creator's pending account
  bulk              ``--bulk`` entries per transaction (distinct creators)
  earning_record    the real business call (adds the PendingRelease row), distinct creators

Beside every service figure, the raw baseline: psycopg 3 directly, the same statements in the
same transaction shape, against the same tables and triggers (so it pays the same database
rules), and pgbench with a custom script when it is installed. The run ends by checking that
the trial balance is zero and that every account's balance counters equal its postings.

The --what-if-* flags, --creator-shards and --prepared measure a proposed change without
making it (see benchmarks/README.md and docs/performance.md).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import conninfo, database_config, database_recreate  # noqa: E402

# DEBUG would keep every query in memory and slow the service path down.
os.environ["DEBUG"] = "false"

SEED = 20_241_120
PLATFORM_SLUG = "boyfanz"
FEE_PERCENT = 20
CURRENCY = "USD"
FINGERPRINT = "0" * 64

RAW_INSERT_ENTRY = (
    "INSERT INTO ledger_journalentry (idempotency_key, fingerprint, kind, memo, occurred_at, "
    "posted_at, platform_id, creator_id, source_type, source_id, reverses_id, posted_by_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
)
RAW_INSERT_POSTINGS_3 = (
    "INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) "
    "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s), (%s, %s, %s, %s)"
)
RAW_INSERT_ENTRIES_SET = (
    "INSERT INTO ledger_journalentry (idempotency_key, fingerprint, kind, memo, occurred_at, "
    "posted_at, platform_id, creator_id, source_type, source_id, reverses_id, posted_by_id) "
    "SELECT k, %s, 'tip', '', %s, %s, %s, c, '', '', NULL, NULL "
    "FROM unnest(%s::text[], %s::bigint[]) AS t(k, c) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
)
RAW_INSERT_POSTINGS_SET = (
    "INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) "
    "SELECT e, a, m, %s FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS t(e, a, m)"
)

PGBENCH_ENTRY = (
    "INSERT INTO ledger_journalentry (idempotency_key, fingerprint, kind, memo, occurred_at, "
    "posted_at, platform_id, creator_id, source_type, source_id, reverses_id, posted_by_id) "
    "VALUES ('pgbench:' || gen_random_uuid(), '{fingerprint}', 'tip', '', now(), now(), "
    ":platform, NULL, '', '', NULL, NULL) ON CONFLICT (idempotency_key) DO NOTHING "
    "RETURNING id AS entry_id \\gset"
)
PGBENCH_POSTINGS = (
    "INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) VALUES "
    "(:entry_id, :clearing, :gross, now()), (:entry_id, :fee_account, -1 * :fee, now()), "
    "(:entry_id, :account, -1 * :net, now());"
)
# pgbench meta-commands and SQL must each sit on one line.
PGBENCH_SCRIPT = "\n".join(
    [
        "\\set slot random(0, :per_worker - 1)",
        "\\set account :pending_base + (:client_id % :workers) * :per_worker + :slot",
        "\\if :hot",
        "\\set account :hot_account",
        "\\endif",
        "\\set gross random(100, 49999)",
        "\\set fee :gross * {fee_percent} / 100",
        "\\set net :gross - :fee",
        "BEGIN;",
        PGBENCH_ENTRY,
        PGBENCH_POSTINGS,
        "COMMIT;",
        "",
    ]
)

# What-if (--what-if-statement-triggers): the database rules rewritten so that a statement of
# N postings updates each balance counter once (a statement-level trigger over the transition
# table, accounts in id order) and each entry is checked once at commit (count and balance in
# one query) instead of once per posting. Postings may then only be added in the transaction
# that created their entry (created_txid), which is what lets the per-posting check go.
WHAT_IF_STATEMENT_TRIGGERS = """
-- (1) one counter update per account and statement instead of one per posting
CREATE FUNCTION ledger_postings_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_postings p JOIN ledger_journalentry e ON e.id = p.entry_id
                WHERE e.created_txid <> txid_current()) THEN
        RAISE EXCEPTION 'ledger: postings go only into an entry of the same transaction'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO ledger_accountbalance AS b (account_id, shard, balance, posting_count)
    SELECT p.account_id, pg_backend_pid() % a.shard_count, SUM(p.amount), COUNT(*)
      FROM new_postings p JOIN ledger_account a ON a.id = p.account_id
     GROUP BY p.account_id, a.shard_count
     ORDER BY p.account_id
    ON CONFLICT (account_id, shard) DO UPDATE
        SET balance = b.balance + EXCLUDED.balance,
            posting_count = b.posting_count + EXCLUDED.posting_count;
    RETURN NULL;
END $$;
DROP TRIGGER ledger_posting_apply ON ledger_posting;
CREATE TRIGGER ledger_postings_apply AFTER INSERT ON ledger_posting
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_postings_apply();
-- (2) one deferred check per entry (count and balance together) instead of one per posting
ALTER TABLE ledger_journalentry ADD COLUMN created_txid bigint NOT NULL DEFAULT txid_current();
CREATE OR REPLACE FUNCTION ledger_entry_check_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    postings bigint;
    balanced boolean;
BEGIN
    SELECT COALESCE(SUM(n), 0), COALESCE(bool_and(total = 0), true) INTO postings, balanced
      FROM (SELECT COUNT(*) n, SUM(p.amount) total
              FROM ledger_posting p JOIN ledger_account a ON a.id = p.account_id
             WHERE p.entry_id = NEW.id GROUP BY a.currency_id) per_currency;
    IF postings < 2 THEN
        RAISE EXCEPTION 'ledger: entry % needs at least two postings', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT balanced THEN
        RAISE EXCEPTION 'ledger: entry % does not balance', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
DROP TRIGGER ledger_posting_balanced ON ledger_posting;
"""


# --- database set-up ----------------------------------------------------------------------


def django_setup() -> None:
    import django

    django.setup()


def fixtures_create(workers: int, per_worker: int) -> dict:
    """Platform, network and creator accounts, through the services. Creator pending accounts
    are opened in one run so their ids are contiguous (the pgbench script computes them)."""
    from apps.creators.services import creator_create, platform_account_link
    from apps.ledger.accounts import creator_account, network_account, platform_account
    from apps.ledger.models import AccountKind
    from apps.platforms.models import Platform

    # No platform service exists yet to change a fee; this is benchmark fixture data.
    Platform.objects.filter(slug=PLATFORM_SLUG).update(fee_percent=FEE_PERCENT)
    platform = Platform.objects.get(slug=PLATFORM_SLUG)
    clearing = network_account(AccountKind.PROCESSOR_CLEARING, CURRENCY)
    fee_account = platform_account(platform, AccountKind.FEE_REVENUE, CURRENCY)
    creators = []
    for n in range(workers * per_worker):
        creator = creator_create(
            email=f"bench-creator-{n}@example.test",
            display_name=f"Bench creator {n}",
            email_verified=True,
        )
        platform_account_link(
            creator=creator, platform=platform, external_id=f"{PLATFORM_SLUG}-{creator.pk}"
        )
        creators.append(creator)
    pending = [creator_account(c, platform, AccountKind.PENDING, CURRENCY) for c in creators]
    for creator in creators:  # earning_record opens it on first use; keep that out of the run
        creator_account(creator, platform, AccountKind.AVAILABLE, CURRENCY)
    pending_ids = [a.pk for a in pending]
    contiguous = pending_ids == list(range(pending_ids[0], pending_ids[0] + len(pending_ids)))
    assert clearing.pk < fee_account.pk < pending_ids[0], "fixture accounts out of id order"
    return {
        "platform_id": platform.pk,
        "clearing_id": clearing.pk,
        "fee_id": fee_account.pk,
        "pending": [(a.pk, c.pk) for a, c in zip(pending, creators, strict=True)],
        "pending_contiguous": contiguous,
        "workers": workers,
        "per_worker": per_worker,
    }


def posting_insert_patch() -> None:
    """What-if: Posting.objects.bulk_create (which only the ledger services call here) becomes
    one parameterised INSERT. The Posting instances are still built, so the gain measured is a
    lower bound of writing the rows without the ORM."""
    from django.db import connection

    from apps.ledger.models import Posting

    def bulk_create(objs, *args, **kwargs):
        objs = list(objs)
        values = ", ".join(["(%s, %s, %s, %s)"] * len(objs))
        params = [v for o in objs for v in (o.entry_id, o.account_id, o.amount, o.occurred_at)]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_posting (entry_id, account_id, amount, occurred_at) "
                f"VALUES {values}",
                params,
            )
        return objs

    Posting.objects.bulk_create = bulk_create


# --- one worker process -------------------------------------------------------------------


def _amounts(rng: random.Random) -> tuple[int, int, int]:
    gross = rng.randrange(100, 50_000)
    fee = gross * FEE_PERCENT // 100  # = platform_fee_minor (round down) for positive amounts
    return gross, fee, gross - fee


def _targets(spec: dict, index: int) -> list[tuple[int, int]]:
    """(pending account id, creator id) pairs this worker posts to."""
    fixtures = spec["fixtures"]
    if spec["hot"]:
        return [fixtures["pending"][0]]
    return fixtures["pending"][index :: fixtures["workers"]]


class ServiceSingle:
    """entry_post: one 3-posting entry per transaction."""

    def __init__(self, spec: dict, index: int) -> None:
        from apps.creators.models import Creator
        from apps.ledger.models import Account
        from apps.platforms.models import Platform

        fixtures = spec["fixtures"]
        self.spec_bulk = spec["bulk"]
        targets = _targets(spec, index)
        accounts = Account.objects.in_bulk(
            [fixtures["clearing_id"], fixtures["fee_id"], *(a for a, _ in targets)]
        )
        creators = Creator.objects.in_bulk([c for _, c in targets])
        self.platform = Platform.objects.get(pk=fixtures["platform_id"])
        self.clearing = accounts[fixtures["clearing_id"]]
        self.fee = accounts[fixtures["fee_id"]]
        self.targets = [(accounts[a], creators[c]) for a, c in targets]

    def backend_pid(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        from django.utils import timezone

        from apps.ledger.models import EntryKind
        from apps.ledger.services import PostingSpec, entry_post

        account, creator = self.targets[n % len(self.targets)]
        gross, fee, net = _amounts(rng)
        result = entry_post(
            idempotency_key=key,
            kind=EntryKind.TIP,
            postings=[
                PostingSpec(self.clearing, gross),
                PostingSpec(account, -net),
                PostingSpec(self.fee, -fee),
            ],
            occurred_at=timezone.now(),
            platform=self.platform,
            creator=creator,
        )
        assert result.created
        return 1


class ServiceEarning(ServiceSingle):
    """earning_record: the business call (entry + PendingRelease), one per transaction."""

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        from django.utils import timezone

        from apps.ledger.services import earning_record

        _, creator = self.targets[n % len(self.targets)]
        gross, _, _ = _amounts(rng)
        result = earning_record(
            platform=self.platform,
            creator=creator,
            kind="tip",
            gross_minor=gross,
            currency=CURRENCY,
            occurred_at=timezone.now(),
            transaction_id=key,
            idempotency_key=key,
        )
        assert result.created
        return 1


class ServiceBulk(ServiceSingle):
    """entries_post_bulk: ``bulk`` entries in one transaction."""

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        from django.utils import timezone

        from apps.ledger.models import EntryKind
        from apps.ledger.services import EntryDraft, PostingSpec, entries_post_bulk

        now = timezone.now()
        drafts = []
        for i in range(self.spec_bulk):
            account, creator = self.targets[i % len(self.targets)]
            gross, fee, net = _amounts(rng)
            drafts.append(
                EntryDraft(
                    idempotency_key=f"{key}:{i}",
                    kind=EntryKind.TIP,
                    postings=[
                        PostingSpec(self.clearing, gross),
                        PostingSpec(account, -net),
                        PostingSpec(self.fee, -fee),
                    ],
                    occurred_at=now,
                    platform=self.platform,
                    creator=creator,
                )
            )
        results = entries_post_bulk(drafts)
        assert all(r.created for r in results)
        return len(results)


class RawSingle:
    """psycopg 3, no ORM: the service's statements for one entry in one transaction."""

    def __init__(self, spec: dict, index: int) -> None:
        import psycopg

        fixtures = spec["fixtures"]
        self.spec_bulk = spec["bulk"]
        self.conn = psycopg.connect(spec["conninfo"])  # autocommit off: BEGIN ... COMMIT
        self.platform_id = fixtures["platform_id"]
        self.clearing = fixtures["clearing_id"]
        self.fee = fixtures["fee_id"]
        self.targets = _targets(spec, index)

    def backend_pid(self) -> int:
        return self.conn.info.backend_pid

    def _entry(self, cur, key: str, target: tuple[int, int], now: datetime, rng) -> None:
        account, creator_id = target
        gross, fee, net = _amounts(rng)
        cur.execute(
            RAW_INSERT_ENTRY,
            [
                *(key, FINGERPRINT, "tip", "", now, now),
                *(self.platform_id, creator_id, "", "", None, None),
            ],
        )
        entry_id = cur.fetchone()[0]
        # Sorted by account id, like the service: clearing < fee revenue < creator accounts.
        cur.execute(
            RAW_INSERT_POSTINGS_3,
            [
                *(entry_id, self.clearing, gross, now),
                *(entry_id, self.fee, -fee, now),
                *(entry_id, account, -net, now),
            ],
        )

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        with self.conn.cursor() as cur:
            self._entry(cur, key, self.targets[n % len(self.targets)], datetime.now(UTC), rng)
        self.conn.commit()
        return 1


class RawBulkStatements(RawSingle):
    """The bulk service's shape without the ORM: two statements per entry, one transaction."""

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        now = datetime.now(UTC)
        with self.conn.cursor() as cur:
            for i in range(self.spec_bulk):
                self._entry(cur, f"{key}:{i}", self.targets[i % len(self.targets)], now, rng)
        self.conn.commit()
        return self.spec_bulk


class RawBulkSet(RawSingle):
    """What a set-based bulk path could do: one INSERT for the entries, one for all postings
    (sorted by account id so concurrent batches lock balance rows in one order)."""

    def transaction(self, key: str, n: int, rng: random.Random) -> int:
        now = datetime.now(UTC)
        keys = [f"{key}:{i}" for i in range(self.spec_bulk)]
        targets = [self.targets[i % len(self.targets)] for i in range(self.spec_bulk)]
        with self.conn.cursor() as cur:
            cur.execute(
                RAW_INSERT_ENTRIES_SET,
                (FINGERPRINT, now, now, self.platform_id, keys, [c for _, c in targets]),
            )
            ids = {k: i for i, k in cur.fetchall()}
            rows = []
            for k, (account, _) in zip(keys, targets, strict=True):
                gross, fee, net = _amounts(rng)
                rows += [(self.clearing, ids[k], gross), (self.fee, ids[k], -fee)]
                rows.append((account, ids[k], -net))
            rows.sort()
            cur.execute(
                RAW_INSERT_POSTINGS_SET,
                (now, [r[1] for r in rows], [r[0] for r in rows], [r[2] for r in rows]),
            )
        self.conn.commit()
        return len(ids)


RUNNERS = {
    "service_single": ServiceSingle,
    "service_earning": ServiceEarning,
    "service_bulk": ServiceBulk,
    "raw_single": RawSingle,
    "raw_bulk_statements": RawBulkStatements,
    "raw_bulk_set": RawBulkSet,
}


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time of one PostgreSQL backend when the server runs on this machine (else None):
    unlike machine-wide figures, it ignores whatever else the machine is doing."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def worker_main(spec: dict, index: int, barrier, results) -> None:
    try:
        runner = RUNNERS[spec["runner"]](spec, index)
        rng = random.Random(SEED + 1000 * spec["number"] + index)
        prefix = f"{spec['name']}:{index}"
        runner.transaction(f"{prefix}:warm-up", 0, rng)
        backend = runner.backend_pid()
        barrier.wait(timeout=120)
        cpu_started = time.process_time()
        server_started = backend_cpu_seconds(backend)
        profiler = cProfile.Profile() if spec["profile"] and index == 0 else None
        if profiler:
            profiler.enable()
        started = time.monotonic()
        deadline = started + spec["seconds"]
        entries = transactions = 0
        latencies = []
        while time.monotonic() < deadline:
            begin = time.perf_counter()
            entries += runner.transaction(f"{prefix}:{transactions}", transactions, rng)
            latencies.append(time.perf_counter() - begin)
            transactions += 1
        ended = time.monotonic()
        cpu = time.process_time() - cpu_started
        server_ended = backend_cpu_seconds(backend)
        server = None if server_started is None else server_ended - server_started
        report = ""
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            report = out.getvalue()
        results.put(
            (
                index,
                {
                    "entries": entries,
                    "lat": latencies,
                    "t0": started,
                    "end": ended,
                    "cpu": cpu,
                    "server_cpu": server,
                },
                report,
            )
        )
    except BaseException:  # reported to the parent, which stops the run
        barrier.abort()
        results.put((index, None, traceback.format_exc()))


def run_case(spec: dict, workers: int) -> dict:
    from django.db import connections

    connections.close_all()  # a forked child must open its own connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers + 1)  # + this process, to read the CPU counters
    results = context.Queue()
    processes = [
        context.Process(target=worker_main, args=(spec, i, barrier, results))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes, reports = [], []
    try:
        barrier.wait(timeout=300)
        busy_before = machine_busy_seconds()
        for _ in processes:
            index, outcome, report = results.get(timeout=spec["seconds"] + 300)
            if outcome is None:
                raise SystemExit(f"worker {index} of {spec['name']} failed:\n{report}")
            outcomes.append(outcome)
            if report:
                reports.append(report)
        busy = machine_busy_seconds() - busy_before
    except threading.BrokenBarrierError:
        _, _, report = results.get(timeout=60)
        raise SystemExit(f"{spec['name']}: a worker failed:\n{report}") from None
    except queue.Empty as error:
        raise SystemExit(f"{spec['name']}: workers did not finish") from error
    finally:
        for process in processes:
            process.join(timeout=30)
    elapsed = max(o["end"] for o in outcomes) - min(o["t0"] for o in outcomes)
    latencies = sorted(x for o in outcomes for x in o["lat"])
    entries = sum(o["entries"] for o in outcomes)
    return {
        "entries": entries,
        "rate": entries / elapsed,
        "transactions": len(latencies),
        "p50": _percentile(latencies, 50),
        "p99": _percentile(latencies, 99),
        "client_cpu_ms": 1000 * sum(o["cpu"] for o in outcomes) / max(entries, 1),
        "server_cpu_ms": (
            None
            if any(o["server_cpu"] is None for o in outcomes)
            else 1000 * sum(o["server_cpu"] for o in outcomes) / max(entries, 1)
        ),
        "machine_cpu_ms": 1000 * busy / max(entries, 1),
        "machine_busy": busy / elapsed / (os.cpu_count() or 1),
        "profile": "\n".join(reports),
    }


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used (Linux /proc/stat), in seconds."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _percentile(sorted_values: list[float], pct: int) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


# --- pgbench ------------------------------------------------------------------------------


def run_pgbench(config: dict, fixtures: dict, *, hot: bool, workers: int, seconds: int):
    """Entries/s of the same transaction through pgbench (prepared statements), or None."""
    if not fixtures["pending_contiguous"]:
        return None
    script = PGBENCH_SCRIPT.format(fee_percent=FEE_PERCENT, fingerprint=FINGERPRINT)
    variables = {
        "workers": fixtures["workers"],
        "per_worker": fixtures["per_worker"],
        "pending_base": fixtures["pending"][0][0],
        "hot_account": fixtures["pending"][0][0],
        "hot": int(hot),
        "clearing": fixtures["clearing_id"],
        "fee_account": fixtures["fee_id"],
        "platform": fixtures["platform_id"],
    }
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    command = ["pgbench", "-n", "-M", "prepared", "-f", handle.name]
    command += ["-c", str(workers), "-j", str(min(workers, os.cpu_count() or 1))]
    command += ["-T", str(seconds)]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    if config.get("HOST"):
        command += ["-h", str(config["HOST"])]
    if config.get("PORT"):
        command += ["-p", str(config["PORT"])]
    if config.get("USER"):
        command += ["-U", str(config["USER"])]
    command.append(config["NAME"])
    env = {**os.environ, "PGPASSWORD": str(config.get("PASSWORD") or "")}
    try:
        output = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    except subprocess.CalledProcessError as error:
        print(f"pgbench failed:\n{error.stderr}", file=sys.stderr)
        return None
    finally:
        os.unlink(handle.name)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", output.stdout)
    if not tps:
        return None
    return {"rate": float(tps.group(1)), "avg_ms": float(latency.group(1)) if latency else None}


# --- checks -------------------------------------------------------------------------------


def database_counter(name: str) -> int:
    from django.db import connection

    time.sleep(1.1)  # cumulative statistics are flushed about once a second
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {name} FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def consistency_check() -> list[str]:
    """Problems found (empty = consistent)."""
    from django.db import connection

    from apps.ledger.selectors import trial_balance

    problems = []
    balance = trial_balance()
    if not balance.balanced:
        problems.append(f"trial balance totals {balance.totals}")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.total, b.n, p.total, p.n
              FROM ledger_account a
              LEFT JOIN (SELECT account_id, SUM(balance) total, SUM(posting_count) n
                           FROM ledger_accountbalance GROUP BY account_id) b
                     ON b.account_id = a.id
              LEFT JOIN (SELECT account_id, SUM(amount) total, COUNT(*) n
                           FROM ledger_posting GROUP BY account_id) p
                     ON p.account_id = a.id
             WHERE COALESCE(b.total, 0) <> COALESCE(p.total, 0)
                OR COALESCE(b.n, 0) <> COALESCE(p.n, 0)
            """
        )
        for row in cursor.fetchall():
            problems.append(
                f"account {row[0]}: counters {row[1]}/{row[2]}, postings {row[3]}/{row[4]}"
            )
        cursor.execute(
            "SELECT entry_id FROM ledger_posting GROUP BY entry_id HAVING SUM(amount) <> 0 LIMIT 5"
        )
        problems += [f"entry {r[0]} does not balance" for r in cursor.fetchall()]
        cursor.execute(
            "SELECT COUNT(*) FROM ledger_journalentry e WHERE (SELECT COUNT(*) FROM ledger_posting"
            " p WHERE p.entry_id = e.id) < 2"
        )
        if orphans := cursor.fetchone()[0]:
            problems.append(f"{orphans} entries with fewer than two postings")
    return problems


def shard_usage(fixtures: dict) -> str:
    from apps.ledger.models import Account, AccountBalance

    parts = []
    for label, pk in (
        ("processor_clearing", fixtures["clearing_id"]),
        ("fee_revenue", fixtures["fee_id"]),
        ("hot creator pending", fixtures["pending"][0][0]),
    ):
        account = Account.objects.get(pk=pk)
        used = AccountBalance.objects.filter(account=account).count()
        parts.append(f"{label} {used}/{account.shard_count}")
    return "balance counter rows used: " + ", ".join(parts)


# --- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--creators-per-worker", type=int, default=8)
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--creator-shards",
        type=int,
        default=0,
        help="what-if: give every creator pending account this many balance counter rows "
        "(the chart opens creator accounts with 1)",
    )
    parser.add_argument(
        "--what-if-statement-triggers",
        action="store_true",
        help="what-if: replace the per-posting triggers (see WHAT_IF_STATEMENT_TRIGGERS)",
    )
    parser.add_argument(
        "--what-if-raw-posting-insert",
        action="store_true",
        help="what-if: the services write postings with one plain INSERT instead of the ORM's "
        "bulk_create (patched in the benchmark's processes only)",
    )
    parser.add_argument(
        "--prepared",
        action="store_true",
        help="Django with server-side binding and prepared statements (OPTIONS "
        "server_side_binding=True, prepare_threshold=5) instead of the settings' default",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile worker 0 of each service case"
    )
    args = parser.parse_args()

    config = database_config()
    began = time.monotonic()
    print(f"re-creating {config['NAME']} and migrating ...", file=sys.stderr)
    print(f"load average before the run: {os.getloadavg()}", file=sys.stderr)
    database_recreate(config)
    django_setup()
    if args.prepared:
        from django.conf import settings

        settings.DATABASES["default"]["OPTIONS"].update(
            server_side_binding=True, prepare_threshold=5
        )
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if args.what_if_statement_triggers:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(WHAT_IF_STATEMENT_TRIGGERS)
    fixtures = fixtures_create(args.workers, args.creators_per_worker)
    if args.what_if_raw_posting_insert:
        posting_insert_patch()
    if args.creator_shards:
        from apps.ledger.models import Account

        # What-if only: no service changes a shard count; the trigger reads it per posting.
        Account.objects.filter(pk__in=[a for a, _ in fixtures["pending"]]).update(
            shard_count=args.creator_shards
        )

    base = {
        "fixtures": fixtures,
        "conninfo": conninfo(config),
        "seconds": args.seconds,
        "bulk": args.bulk,
        "profile": args.profile,
    }
    plan = [
        ("single, distinct", "service", "service_single", False),
        ("single, distinct", "raw", "raw_single", False),
        ("single, hot", "service", "service_single", True),
        ("single, hot", "raw", "raw_single", True),
        (f"bulk {args.bulk}, distinct", "service", "service_bulk", False),
        (f"bulk {args.bulk}, distinct", "raw", "raw_bulk_statements", False),
        (f"bulk {args.bulk}, distinct", "raw set-based", "raw_bulk_set", False),
        ("earning_record, distinct", "service", "service_earning", False),
    ]
    figures: dict[tuple[str, str], dict] = {}
    for number, (case, path, runner, hot) in enumerate(plan):
        deadlocks = database_counter("deadlocks")
        spec = {
            **base,
            "name": f"c{number}",
            "number": number,
            "runner": runner,
            "hot": hot,
            "profile": args.profile and path == "service",
        }
        print(f"{case} / {path} ...", file=sys.stderr)
        result = run_case(spec, args.workers)
        result["deadlocks"] = database_counter("deadlocks") - deadlocks
        figures[(case, path)] = result
        if result["profile"]:
            print(f"--- cProfile, worker 0, {case} / {path}\n{result['profile']}", file=sys.stderr)

    pgbench = {}
    if not args.no_pgbench and shutil.which("pgbench"):
        for case, hot in (("single, distinct", False), ("single, hot", True)):
            print(f"{case} / pgbench ...", file=sys.stderr)
            pgbench[case] = run_pgbench(
                config, fixtures, hot=hot, workers=args.workers, seconds=args.seconds
            )

    problems = consistency_check()
    report(args, figures, pgbench, fixtures)
    print(shard_usage(fixtures))
    print(f"total run time {time.monotonic() - began:.0f} s; load average {os.getloadavg()}")
    if problems:
        print("consistency: FAILED")
        for problem in problems:
            print(f"  {problem}")
        sys.exit(1)
    print("consistency: ok (trial balance zero; counters = postings for every account)")


def report(args, figures: dict, pgbench: dict, fixtures: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
    print()
    print(
        f"ledger write benchmark: {args.workers} worker processes x {args.seconds} s, "
        f"{args.workers * args.creators_per_worker} creators, bulk {args.bulk}, "
        f"PostgreSQL {version} (synchronous_commit={sync}), {os.cpu_count()} CPUs, "
        f"Django prepared statements {'on' if args.prepared else 'off'}, "
        f"creator pending shards {args.creator_shards or 1}"
        + (", WHAT-IF statement-level triggers" if args.what_if_statement_triggers else "")
        + (", WHAT-IF raw posting INSERT" if args.what_if_raw_posting_insert else "")
    )
    header = (
        f"{'case':<28}{'service e/s':>12}{'raw e/s':>10}{'svc/raw':>9}{'pgbench e/s':>13}"
        f"{'svc p50 ms':>12}{'svc p99 ms':>12}"
    )
    print(header)
    print("-" * len(header))
    cases = list(dict.fromkeys(case for case, _ in figures))
    for case in cases:
        service = figures.get((case, "service"))
        raw = figures.get((case, "raw"))
        bench = pgbench.get(case)
        ratio = f"{service['rate'] / raw['rate']:.2f}" if service and raw else "-"
        bench_rate = f"{bench['rate']:.0f}" if bench else "-"
        print(
            f"{case:<28}{_fmt(service, 'rate', 0):>12}{_fmt(raw, 'rate', 0):>10}{ratio:>9}"
            f"{bench_rate:>13}{_fmt(service, 'p50', 1, 1000):>12}"
            f"{_fmt(service, 'p99', 1, 1000):>12}"
        )
        extra = figures.get((case, "raw set-based"))
        if extra:
            print(
                f"{'  vs raw set-based (2 stmts)':<28}{'':>12}{_fmt(extra, 'rate', 0):>10}"
                f"{service['rate'] / extra['rate']:>9.2f}"
            )
    print()
    cpus = os.cpu_count() or 1
    header = (
        f"{'run':<42}{'entries/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'client':>8}{'server':>8}"
        f"{'machine':>9}{'CPU-bound':>11}{'busy':>6}{'dl':>4}"
    )
    print(header)
    print(f"{'':<60}{'CPU ms per entry':^25}{f'e/s ({cpus} CPUs)':>12}")
    print("-" * len(header))
    for (case, path), figure in figures.items():
        server = figure["server_cpu_ms"]
        bound = cpus * 1000 / (figure["client_cpu_ms"] + server) if server else None
        print(
            f"{case + ' / ' + path:<42}{figure['rate']:>10.0f}"
            f"{figure['p50'] * 1000:>9.1f}{figure['p99'] * 1000:>9.1f}"
            f"{figure['client_cpu_ms']:>8.2f}{_num(server, 2):>8}"
            f"{figure['machine_cpu_ms']:>9.2f}{_num(bound, 0):>11}"
            f"{figure['machine_busy']:>6.0%}{figure['deadlocks']:>4}"
        )
    for case, bench in pgbench.items():
        if bench:
            print(
                f"{case + ' / pgbench':<42}{bench['rate']:>10.0f}   (average {bench['avg_ms']} ms)"
            )
    print(
        "(CPU ms per entry: client = the worker processes, server = their PostgreSQL backends, "
        "machine = every process on the machine; CPU-bound = CPUs / (client + server), the "
        "rate this work would reach if it had the CPUs to itself; busy = share of all CPUs in "
        "use; dl = deadlocks PostgreSQL detected)"
    )
    print()
    distinct = figures[("single, distinct", "service")]
    hot = figures[("single, hot", "service")]
    bulk = figures[(cases[2], "service")]
    raw_distinct = figures[("single, distinct", "raw")]
    raw_hot = figures[("single, hot", "raw")]
    raw_set = figures[(cases[2], "raw set-based")]
    # The targets are on the service path; the raw ratios are the baseline's own shape,
    # printed for comparison (no target applies to them).
    lines = [
        ("service / raw (single, distinct)", distinct["rate"] / raw_distinct["rate"], 0.5, ">="),
        ("distinct / hot (service)", distinct["rate"] / hot["rate"], 2.0, "<="),
        ("bulk / single (service)", bulk["rate"] / distinct["rate"], 10.0, ">="),
        ("distinct / hot (raw)", raw_distinct["rate"] / raw_hot["rate"], None, ""),
        ("raw set-based bulk / raw single", raw_set["rate"] / raw_distinct["rate"], None, ""),
    ]
    for label, value, target, sense in lines:
        if target is None:
            print(f"{label:<34}{value:>8.2f}   (baseline, for reference)")
            continue
        met = value >= target if sense == ">=" else value <= target
        print(f"{label:<34}{value:>8.2f}   target {sense} {target:g}: {'ok' if met else 'MISSED'}")


def _num(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _fmt(figure: dict | None, key: str, digits: int, scale: float = 1) -> str:
    if not figure:
        return "-"
    return f"{figure[key] * scale:.{digits}f}"


if __name__ == "__main__":
    main()
