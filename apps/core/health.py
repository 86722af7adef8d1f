"""Dependency checks for /healthz, the dashboard and the integration health endpoint.

Each check returns ``{"ok": bool, "latency_ms": float, ...}``; an error names only the
exception class so that nothing secret (a URL with a password) leaks even to those who see
the full report. ``health_report()`` is that full report (the dashboard, CI and operators
read it); over HTTP (``health_answer``) anyone else gets only ``health_summary``: the overall
status and each check's ok, nothing about what runs behind it (database vendor, cache
backend, broker transport, latencies, error classes, the worker's last heartbeat).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request

from .net import client_ip
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


# --- who sees what ----------------------------------------------------------------------------

FULL_REPORT_PERMISSION = "accounts.view_system_health"


def health_summary(report: dict) -> dict:
    """What an anonymous caller sees: the overall status, the time and each check's ``ok``
    (``required: false`` marks the informational ones)."""
    return {
        "status": report["status"],
        "time": report["time"],
        "checks": {
            name: {"ok": check["ok"], **({"required": False} if "required" in check else {})}
            for name, check in report["checks"].items()
        },
    }


def health_full_report_allowed(request: HttpRequest | Request) -> bool:
    """Signed-in staff who may see system health, a monitor that sends ``X-Health-Token:
    <HEALTH_TOKEN>``, or a caller from an address in ``HEALTH_ALLOWED_IPS``."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm(FULL_REPORT_PERMISSION):
        return True
    token = settings.HEALTH_TOKEN
    sent = request.META.get("HTTP_X_HEALTH_TOKEN", "")
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    networks = settings.HEALTH_ALLOWED_IPS
    ip = client_ip(request)
    if networks and ip:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network) for network in networks)
    return False


def health_answer(request: HttpRequest | Request) -> tuple[dict, int]:
    """The body and status of a health endpoint for this caller: 200 when every required
    check passes, else 503; the full report or the summary (``health_full_report_allowed``)."""
    report = health_report()
    status = 200 if report["status"] == "ok" else 503
    if health_full_report_allowed(request):
        return report, status
    return health_summary(report), status
