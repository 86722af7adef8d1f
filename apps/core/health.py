"""Dependency checks for /healthz, the dashboard and the integration health endpoint.

Each check returns ``{"ok": bool, "latency_ms": float, ...}``; an error names only the
exception class so that nothing secret (a URL with a password) leaks to an anonymous caller.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .selectors import worker_heartbeat_latest


def _timed(check: Callable[[], dict | None]) -> dict:
    started = time.perf_counter()
    try:
        extra = check() or {}
        ok = extra.pop("ok", True)
    except Exception as exc:  # a failing dependency is a result here, not an error
        extra, ok = {"error": type(exc).__name__}, False
    return {"ok": ok, "latency_ms": round((time.perf_counter() - started) * 1000, 2), **extra}


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_cache() -> dict:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return {"ok": ok, "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _check_broker() -> dict:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
        if transport == "filesystem":
            folder = Path(conn.transport_options["data_folder_out"])
            if not (folder.is_dir() and os.access(folder, os.W_OK)):
                return {"ok": False, "transport": transport, "error": "folder not writable"}
    return {"transport": transport}


def _check_worker() -> dict:
    heartbeat = worker_heartbeat_latest()
    if heartbeat is None:
        return {"ok": False, "last_heartbeat": None}
    age = (timezone.now() - heartbeat.recorded_at).total_seconds()
    return {
        "ok": age <= settings.WORKER_HEARTBEAT_STALE_AFTER,
        "last_heartbeat": heartbeat.recorded_at.isoformat(),
        "age_seconds": round(age),
    }


# Required checks decide the HTTP status; informational ones are reported only.
REQUIRED_CHECKS: dict[str, Callable[[], dict | None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
}
INFORMATIONAL_CHECKS: dict[str, Callable[[], dict | None]] = {
    "worker": _check_worker,
}


def health_report() -> dict:
    checks = {name: _timed(check) for name, check in REQUIRED_CHECKS.items()}
    healthy = all(result["ok"] for result in checks.values())
    for name, check in INFORMATIONAL_CHECKS.items():
        checks[name] = {**_timed(check), "required": False}
    return {
        "status": "ok" if healthy else "error",
        "time": timezone.now().isoformat(),
        "checks": checks,
    }
