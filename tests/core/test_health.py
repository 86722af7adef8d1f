"""/healthz and /api/v1/health/: dependency status for load balancers, without secrets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import health
from apps.core.models import WorkerHeartbeat
from apps.core.services import worker_heartbeat_record

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/healthz", "/api/v1/health/"]
SECRET = "postgres://secret@host"


def _failing_database():
    raise RuntimeError(SECRET)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_caller_gets_ok_with_every_check(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["time"]
    checks = body["checks"]
    for name in ("database", "cache", "broker"):
        assert checks[name]["ok"] is True, checks[name]
        assert isinstance(checks[name]["latency_ms"], int | float)
        assert checks[name]["latency_ms"] >= 0
        assert "required" not in checks[name]
    assert checks["worker"]["required"] is False
    assert "latency_ms" in checks["worker"]


def test_checks_report_what_they_talked_to(client):
    checks = client.get("/healthz").json()["checks"]
    assert checks["database"]["vendor"] in ("sqlite", "postgresql")
    assert checks["cache"]["backend"]
    assert checks["broker"]["transport"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_missing_worker_is_reported_but_does_not_fail_the_probe(client, url):
    assert not WorkerHeartbeat.objects.exists()
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["last_heartbeat"] is None


@pytest.mark.parametrize("url", ENDPOINTS)
def test_recent_heartbeat_means_worker_ok(client, url):
    worker_heartbeat_record(token="t", hostname="h")
    worker = client.get(url).json()["checks"]["worker"]
    assert worker["ok"] is True
    assert worker["last_heartbeat"]
    assert worker["age_seconds"] <= 5


@pytest.mark.parametrize("url", ENDPOINTS)
def test_stale_heartbeat_means_worker_down(client, url):
    worker_heartbeat_record(token="t", hostname="h")
    WorkerHeartbeat.objects.update(recorded_at=timezone.now() - timedelta(hours=1))
    response = client.get(url)
    assert response.status_code == 200  # informational only
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["age_seconds"] >= 3600 - 5


def test_heartbeat_just_within_the_limit_is_ok(client, settings):
    settings.WORKER_HEARTBEAT_STALE_AFTER = 180
    worker_heartbeat_record(token="t", hostname="h")
    WorkerHeartbeat.objects.update(recorded_at=timezone.now() - timedelta(seconds=120))
    assert client.get("/healthz").json()["checks"]["worker"]["ok"] is True
    WorkerHeartbeat.objects.update(recorded_at=timezone.now() - timedelta(seconds=240))
    assert client.get("/healthz").json()["checks"]["worker"]["ok"] is False


@pytest.mark.parametrize("url", ENDPOINTS)
def test_failing_required_check_gives_503_without_leaking_the_error(client, monkeypatch, url):
    monkeypatch.setitem(health.REQUIRED_CHECKS, "database", _failing_database)
    response = client.get(url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"] == "RuntimeError"
    assert "latency_ms" in body["checks"]["database"]
    # the other checks still ran and are reported
    assert body["checks"]["cache"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert "secret" not in response.content.decode()
    assert SECRET not in response.content.decode()


def test_failing_check_returning_not_ok_gives_503(client, monkeypatch):
    monkeypatch.setitem(health.REQUIRED_CHECKS, "cache", lambda: {"ok": False})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_failing_informational_check_does_not_fail_the_probe(client, monkeypatch):
    monkeypatch.setitem(health.INFORMATIONAL_CHECKS, "worker", _failing_database)
    response = client.get("/healthz")
    assert response.status_code == 200
    worker = response.json()["checks"]["worker"]
    assert worker == {
        "ok": False,
        "latency_ms": worker["latency_ms"],
        "error": "RuntimeError",
        "required": False,
    }


def test_unwritable_broker_folder_fails_the_probe(client, monkeypatch, tmp_path):
    from fanzdash.celery import app

    if not str(app.conf.broker_url).startswith("filesystem://"):
        pytest.skip("the filesystem broker is not in use")
    missing = tmp_path / "nowhere"
    options = {**app.conf.broker_transport_options, "data_folder_out": str(missing)}
    monkeypatch.setitem(app.conf, "broker_transport_options", options)
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["error"] == "folder not writable"


def test_healthz_answers_only_get(client):
    assert client.post("/healthz").status_code == 405
    assert client.put("/healthz").status_code == 405


def test_api_health_answers_only_get(client):
    response = client.post("/api/v1/health/")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_healthz_is_never_cached(client):
    cache_control = client.get("/healthz")["Cache-Control"]
    assert "no-cache" in cache_control
    assert "no-store" in cache_control
    assert "max-age=0" in cache_control


def test_api_health_is_never_cached(client):
    cache_control = client.get("/api/v1/health/").get("Cache-Control", "")
    assert "no-cache" in cache_control
    assert "no-store" in cache_control
