"""Webhook ingestion and processing on PostgreSQL, beside a bare Django view as the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_bench_webhooks \\
        .venv/bin/python benchmarks/webhooks.py [--seconds 10] [--connections 32]

The database named in DATABASE_URL is DROPPED and re-created and migrated; Redis (127.0.0.1,
databases 4 and 5 by default, flushed) is the cache and the Celery broker; wrk (Debian package
``wrk``) is the load generator. Then:

  bare view        gunicorn serving ``/bench/bare`` (benchmarks/webhooks_urls.py): the same
                   Django stack, a view that checks the HMAC and inserts one row; the baseline
  single           ``POST /api/integrations/webhooks/boyfanz``, one signed ``tip_sent`` each:
                   HTTP -> verified -> validated -> stored -> 202 (+ a task enqueued on commit)
  batch            ``POST /api/integrations/webhooks/boyfanz/batch``, 1,000 signed events a body
  worker           one Celery worker (one process, concurrency 1) started after ingestion,
                   processing what single and batch enqueued into the ledger; events/s while it
                   drains the queue

Every request is a distinct event (wrk replays pre-signed requests; no duplicates), every
response must be 2xx (the run stops otherwise). p50/p99 are wrk's latency figures.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
from benchmarks._db import database_config, database_recreate  # noqa: E402

os.environ["DEBUG"] = "false"

PLATFORM = "boyfanz"
SECRET = "bench-webhook-secret-0123456789abcdef"  # noqa: S105 (benchmark fixture)
CREATORS = 64
BATCH = 1000

WRK_SCRIPT = r"""
-- Replays pre-signed requests from a file, each thread its own share (no duplicates).
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  reqs = {}
  local n = 0
  local nthreads = tonumber(args[2])
  for line in io.lines(args[1]) do
    if n % nthreads == tid then
      local sig, body = line:match("^([^\t]*)\t(.*)$")
      table.insert(reqs, wrk.format("POST", nil, {
        ["Content-Type"] = "application/json", ["X-FANZ-Signature"] = sig }, body))
    end
    n = n + 1
  end
  i = 0
end
function request()
  i = i + 1
  if i > #reqs then
    wrk.thread:stop()
    i = #reqs
  end
  return reqs[i]
end
"""


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def event_body(run: str, n: int, rng: random.Random) -> bytes:
    cents = rng.randint(100, 20_000)
    event = {
        "id": f"evt_{run}_{n}",
        "event": "tip_sent",
        "platform": PLATFORM,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": {
            "transactionId": f"tx_{run}_{n}",
            "userId": f"fan_{rng.randint(1, 100_000)}",
            "creatorId": f"bench-c{n % CREATORS}",
            "amount": f"{cents // 100}.{cents % 100:02d}",
            "currency": "USD",
        },
    }
    return json.dumps(event, separators=(",", ":")).encode()


def write_requests(path: Path, bodies: list[bytes]) -> None:
    with path.open("w") as out:
        for body in bodies:
            out.write(f"{sign(body)}\t{body.decode()}\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fixtures_create() -> None:
    """The platform with a known secret, creators known by external id, the baseline table."""
    from django.db import connection

    from apps.creators.services import creator_create, platform_account_link
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_update, platform_webhook_secret_rotate

    platform = Platform.objects.get(slug=PLATFORM)
    platform_update(platform=platform, actor=None, fee_percent="20")
    platform_webhook_secret_rotate(platform=platform, actor=None, secret=SECRET, grace_hours=0)
    for n in range(CREATORS):
        creator = creator_create(
            email=f"bench-c{n}@example.test", display_name=f"Bench {n}", email_verified=True
        )
        platform_account_link(creator=creator, platform=platform, external_id=f"bench-c{n}")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare_event (id bigserial PRIMARY KEY, event_id text UNIQUE, "
            "body text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
        )


def server_env(args) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.webhooks_settings",
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{args.redis_db + 1}",
        CELERY_TASK_ALWAYS_EAGER="false",
        BENCH_WEBHOOK_SECRET=SECRET,
        PYTHONPATH=str(ROOT),
    )
    return env


def gunicorn_start(args, env: dict, port: int, log: Path) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv/bin/gunicorn"),
        "fanzdash.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.web_workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(1.0)  # let every worker boot
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit(f"gunicorn did not start; see {log}")


def wrk_run(args, url: str, requests_file: Path, script: Path, connections: int) -> dict:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(requests_file),
        str(args.threads),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rate": rate,
        "requests": total,
        "p50": pct("50"),
        "p99": pct("99"),
        "non2xx": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "",
        "raw": out,
    }


def db_count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def worker_measure(env: dict, log: Path, expected: int, limit_seconds: float) -> dict:
    """One Celery worker process drains the queue; events/s from its first to its last
    processed event (polling the table every second)."""
    cmd = [
        str(ROOT / ".venv/bin/celery"),
        "-A",
        "fanzdash",
        "worker",
        "--concurrency=1",
        "--pool=prefork",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    # An index scan (state, received_at): polling must not cost the worker its CPU.
    done_sql = (
        "SELECT count(*) FROM integrations_webhookevent "
        "WHERE state IN ('processed', 'ignored', 'failed')"
    )
    start_count = db_count(done_sql)
    first_at = None
    samples = []
    deadline = time.monotonic() + limit_seconds
    try:
        while time.monotonic() < deadline:
            done = db_count(done_sql)
            now = time.monotonic()
            if first_at is None and done > start_count:
                first_at, first_done = now, done
            samples.append((now, done))
            if done >= expected:
                break
            time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    last_at, last_done = samples[-1]
    if first_at is None or last_at <= first_at:
        return {"rate": 0.0, "processed": last_done - start_count, "seconds": 0.0}
    return {
        "rate": (last_done - first_done) / (last_at - first_at),
        "processed": last_done - start_count,
        "seconds": last_at - first_at,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per case")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--batch-connections", type=int, default=4)
    parser.add_argument("--worker-seconds", type=int, default=60, help="worker phase limit")
    parser.add_argument("--redis-db", type=int, default=4, help="cache; broker is the next one")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    config = database_config()
    print(f"re-creating {config['NAME']} and migrating ...", file=sys.stderr)
    database_recreate(config)
    env = server_env(args)
    os.environ.update({k: env[k] for k in ("REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY")})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fixtures_create()
    import redis

    for db in (args.redis_db, args.redis_db + 1):
        redis.Redis(host="127.0.0.1", db=db).flushdb()

    run = f"{int(time.time())}"
    rng = random.Random(20_261_201)
    # Enough pre-signed requests for a generous rate over the whole duration.
    per_case = max(20_000, 4_000 * args.seconds)
    work = Path(tempfile.mkdtemp(prefix="fanzdash-bench-webhooks-"))
    script = work / "replay.lua"
    script.write_text(WRK_SCRIPT)
    bare_file, single_file, batch_file = work / "bare.tsv", work / "single.tsv", work / "batch.tsv"
    write_requests(bare_file, [event_body(f"{run}b", n, rng) for n in range(per_case)])
    write_requests(single_file, [event_body(f"{run}s", n, rng) for n in range(per_case)])
    batches = []
    for b in range(max(60, 30 * args.seconds)):
        events = [json.loads(event_body(f"{run}B{b}", n, rng)) for n in range(BATCH)]
        batches.append(json.dumps({"events": events}, separators=(",", ":")).encode())
    write_requests(batch_file, batches)

    port = free_port()
    log = work / "gunicorn.log"
    server = gunicorn_start(args, env, port, log)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        load_before = os.getloadavg()
        print("bare view ...", file=sys.stderr)
        results["bare"] = wrk_run(args, f"{base}/bench/bare", bare_file, script, args.connections)
        print("single ...", file=sys.stderr)
        results["single"] = wrk_run(
            args,
            f"{base}/api/integrations/webhooks/{PLATFORM}",
            single_file,
            script,
            args.connections,
        )
        print("batch ...", file=sys.stderr)
        results["batch"] = wrk_run(
            args,
            f"{base}/api/integrations/webhooks/{PLATFORM}/batch",
            batch_file,
            script,
            args.batch_connections,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    for name, figure in results.items():
        if figure["non2xx"] or figure["errors"]:
            print(figure["raw"], file=sys.stderr)
            print(f"--- gunicorn log ({log})\n{log.read_text()[-4000:]}", file=sys.stderr)
            sys.exit(
                f"{name}: {figure['non2xx']} non-2xx responses, socket errors {figure['errors']!r}"
            )

    stored_single = db_count("SELECT count(*) FROM integrations_webhookevent WHERE batch_id = ''")
    stored_batch = db_count("SELECT count(*) FROM integrations_webhookevent WHERE batch_id <> ''")
    bare_rows = db_count("SELECT count(*) FROM bench_bare_event")
    expected = stored_single + stored_batch
    print(f"worker: processing {expected} stored events ...", file=sys.stderr)
    worker = worker_measure(env, work / "worker.log", expected, args.worker_seconds)

    from apps.ledger.selectors import trial_balance

    states = dict(
        _rows("SELECT state, count(*) FROM integrations_webhookevent GROUP BY state ORDER BY state")
    )
    entries = db_count("SELECT count(*) FROM ledger_journalentry WHERE kind = 'tip'")
    totals = trial_balance().totals

    print()
    print(
        f"webhook benchmark: gunicorn {args.web_workers} sync workers, wrk {args.threads} threads "
        f"x {args.connections} connections x {args.seconds} s (batch: {args.batch_connections} "
        f"connections, {BATCH} events a body), PostgreSQL, Redis broker, {os.cpu_count()} CPUs; "
        f"load average before {tuple(round(x, 2) for x in load_before)}"
    )
    print(f"{'case':<34}{'events/s':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'stored':>9}")
    print("-" * 81)
    rows = [
        ("bare Django view (HMAC + 1 row)", results["bare"], 1, bare_rows),
        ("single signed event", results["single"], 1, stored_single),
        (f"batch of {BATCH} signed events", results["batch"], BATCH, stored_batch),
    ]
    for label, figure, per, stored in rows:
        print(
            f"{label:<34}{figure['rate'] * per:>10.0f}{figure['rate']:>10.1f}"
            f"{figure['p50']:>9.1f}{figure['p99']:>9.1f}{stored:>9}"
        )
    print(
        f"{'one worker, processed into ledger':<34}{worker['rate']:>10.0f}{'':>10}{'':>9}{'':>9}"
        f"{worker['processed']:>9}   ({worker['seconds']:.1f} s)"
    )
    print(f"event states after the worker: {states}; tip entries in the ledger: {entries}")
    print(f"trial balance totals (minor units, must be zero): {totals}")
    print()
    checks = [
        ("single / bare", results["single"]["rate"] / results["bare"]["rate"], 0.5),
        ("batch events/s", results["batch"]["rate"] * BATCH, 10_000),
        ("worker events/s", worker["rate"], 500),
    ]
    for label, value, target in checks:
        verdict = "ok" if value >= target else "MISSED"
        print(f"{label:<24}{value:>10.2f}   target >= {target:g}: {verdict}")
    shutil.rmtree(work, ignore_errors=True)


def _rows(sql: str) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


if __name__ == "__main__":
    main()
