"""Fuzz the whole REST API with schemathesis against a real server: no answer may be a 5xx.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fanzdash_ci .venv/bin/python .ci/fuzz_api.py

What it does, end to end:

1. creates a fresh test database beside the one DATABASE_URL names (``test_<name>``, as the
   test suite does: the named database itself is never touched), migrates it and seeds a small
   demo network (``seed_demo``: creators, ledger entries, webhook events, payouts), so that
   detail endpoints find real rows;
2. makes the two kinds of caller: a platform API key of boyfanz, and a super admin (TOTP
   enrolled, as staff must be) with a signed-in session created with Django's SessionStore;
3. starts the app under gunicorn (the production server) on a free 127.0.0.1 port, with
   DEBUG off, Celery tasks eager and every rate limit off (the fuzzer would otherwise mostly
   see 429s);
4. runs ``schemathesis run`` over the OpenAPI schema the server itself serves (/api/schema/),
   once with the API key and once with the staff session, with the checks
   ``not_a_server_error`` (the point), ``status_code_conformance`` and
   ``content_type_conformance`` (every answer is one the schema documents, in the declared
   media type), at most ``--examples`` cases per operation and phase;
5. stops the server, drops the test database (unless ``--keepdb``) and exits non-zero if
   either run failed. The server's log (with the traceback of any 500) and the JUnit reports
   are kept in ``--report-dir``.

Excluded: ``POST /api/integrations/test/webhook`` only. It exists for development (404 with
DEBUG off, as here) and with DEBUG on it signs and delivers whatever it is given to the
server itself. The signed endpoints (webhooks, the sandbox callback) are fuzzed unsigned:
they must refuse anything unsigned with a 4xx, never fail.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXCLUDED_PATHS = ["/api/integrations/test/webhook"]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
STAFF_EMAIL = "admin@fanzdash.local"  # seed_demo's super admin, TOTP enrolled


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--examples", type=int, default=10, help="test cases per operation and phase (10)"
    )
    parser.add_argument(
        "--phases",
        default="examples,coverage,fuzzing",
        help="schemathesis phases (examples,coverage,fuzzing; the schema has no links for "
        "the stateful phase to follow)",
    )
    parser.add_argument("--workers", type=int, default=2, help="schemathesis workers (2)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--seed", type=int, help="schemathesis seed (default: random)")
    parser.add_argument("--report-dir", type=Path, default=ROOT / "var" / "fuzz", help="(var/fuzz)")
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the test database")
    return parser.parse_args()


def _environment(data_dir: Path) -> dict[str, str]:
    """The settings the seeding (this process) and the server share: the same secret key
    (the session's hash), data directory (generated keys, file cache) and database."""
    env = {
        "DJANGO_SETTINGS_MODULE": "fanzdash.settings",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FANZDASH_DATA_DIR": str(data_dir),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "API_THROTTLE_ANON": "off",
        "API_THROTTLE_PLATFORM_KEY": "off",
        "API_THROTTLE_STAFF": "off",
        "WEBHOOK_FAILED_AUTH_LIMIT": "0",
        "WEBHOOK_PLATFORM_QUOTA": "0",
        "DEMO_NETWORK_CREATORS": "12",
        "DEMO_HISTORY_DAYS": "10",
        "SANDBOX_AUTO_SETTLE": "false",
    }
    os.environ.update(env)
    return env


def _database_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _seed() -> tuple[str, str]:
    """Demo data, an API key of boyfanz and a staff session: (raw key, session cookie)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.core.management import call_command

    from apps.accounts.models import User
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_api_key_create

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _, raw_key = platform_api_key_create(
        platform=Platform.objects.get(slug="boyfanz"), name="fuzz", actor=None
    )
    staff = User.objects.get(email=STAFF_EMAIL)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session.save()
    return raw_key, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(env: dict[str, str], port: int, workers: int, log: Path):
    command = [
        str(BIN / "gunicorn"),
        "fanzdash.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--access-logfile",
        "-",
    ]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=5):
                return server
        except urllib.error.HTTPError:
            return server  # answering (a 503 of a missing worker heartbeat is fine here)
        except OSError:
            if time.monotonic() > deadline:
                server.terminate()
                sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.5)


def _schemathesis(
    name: str, port: int, header: str, args: argparse.Namespace, report_dir: Path
) -> int:
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"http://127.0.0.1:{port}/api/schema/?format=json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.examples),
        "--phases",
        args.phases,
        "--workers",
        str(args.workers),
        "--header",
        header,
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-junit-path",
        str(report_dir / f"{name}.xml"),
        "--no-color",
    ]
    for path in EXCLUDED_PATHS:
        command += ["--exclude-path", path]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    print(f"\n==> schemathesis as {name}", flush=True)
    started = time.monotonic()
    # In the report folder: schemathesis keeps its cache of failures (.schemathesis/) there.
    code = subprocess.call(command, cwd=report_dir)
    print(f"==> {name}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code


def main() -> int:
    args = _arguments()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://...: the fuzz database is test_<its name>.")
    args.report_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="fanzdash-fuzz-"))
    env = _environment(data_dir)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    started = time.monotonic()
    old_config = setup_databases(verbosity=1, interactive=False, keepdb=args.keepdb)
    server = None
    log = args.report_dir / "server.log"
    results: dict[str, int] = {}
    try:
        raw_key, session_cookie = _seed()
        database = connection.settings_dict["NAME"]
        connections.close_all()
        print(f"==> test database {database} ready in {time.monotonic() - started:.0f} s")
        port = _free_port()
        server_env = {**os.environ, **env, "DATABASE_URL": _database_url(url, database)}
        server = _start_server(server_env, port, args.web_workers, log)
        print(f"==> gunicorn on 127.0.0.1:{port} (log: {log})", flush=True)
        results = {
            "platform-key": _schemathesis(
                "platform-key", port, f"Authorization: Bearer {raw_key}", args, args.report_dir
            ),
            "staff-session": _schemathesis(
                "staff-session", port, f"Cookie: {session_cookie}", args, args.report_dir
            ),
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connections.close_all()
        teardown_databases(old_config, verbosity=1, keepdb=args.keepdb)
        shutil.rmtree(data_dir, ignore_errors=True)
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = sorted({line for line in lines if "Internal Server Error" in line})
    print(f"\n==> fuzzing took {time.monotonic() - started:.0f} s in all; exit codes {results}")
    if errors:
        print(f"==> the server logged internal errors (tracebacks in {log}):")
        print("\n".join(errors[:50]))
    return 0 if results and not errors and not any(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
