"""/healthz, /api/v1/health/ and /api/integrations/health: dependency status for load
balancers; the details (what runs behind each check) only for staff and trusted monitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.core import health
from apps.core.models import WorkerHeartbeat
from apps.core.services import worker_heartbeat_record

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/healthz", "/api/v1/health/", "/api/integrations/health"]
SECRET = "postgres://secret@host"
TOKEN = "monitor-token-0123456789abcdef"


def _failing_database():
    raise RuntimeError(SECRET)


@pytest.fixture
def client(settings):
    """A monitor trusted with the full report (X-Health-Token); the anonymous caller is
    ``anonymous``."""
    settings.HEALTH_TOKEN = TOKEN
    return Client(HTTP_X_HEALTH_TOKEN=TOKEN)


@pytest.fixture
def anonymous(settings):
    settings.HEALTH_TOKEN = TOKEN
    return Client()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_caller_gets_only_the_status_of_every_check(anonymous, url):
    response = anonymous.get(url)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "time", "checks"}
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": {"ok": True},
        "cache": {"ok": True},
        "broker": {"ok": True},
        "worker": {"ok": False, "required": False},  # no heartbeat in the tests
    }


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_caller_learns_nothing_of_a_failure_but_the_503(anonymous, monkeypatch, url):
    monkeypatch.setitem(health.REQUIRED_CHECKS, "database", _failing_database)
    response = anonymous.get(url)
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["database"] == {"ok": False}
    assert b"RuntimeError" not in response.content


@pytest.mark.parametrize("url", ENDPOINTS)
def test_trusted_monitor_gets_ok_with_every_check(client, url):
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


DETAILS = ("vendor", "backend", "transport", "latency_ms")


def _has_details(response) -> bool:
    checks = response.json()["checks"]
    return any(key in check for check in checks.values() for key in DETAILS)


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    ("sent", "full"), [(TOKEN, True), ("wrong", False), (TOKEN + "x", False), ("", False)]
)
def test_the_token_must_match(settings, url, sent, full):
    settings.HEALTH_TOKEN = TOKEN
    assert _has_details(Client(HTTP_X_HEALTH_TOKEN=sent).get(url)) is full


def test_no_token_configured_trusts_no_token(settings):
    settings.HEALTH_TOKEN = ""
    assert not _has_details(Client(HTTP_X_HEALTH_TOKEN="").get("/healthz"))


@pytest.mark.parametrize("url", ENDPOINTS)
def test_staff_who_may_see_system_health_get_the_details(client_for, users_by_role, url):
    from apps.accounts.roles import Role

    seen = {role: _has_details(client_for(user).get(url)) for role, user in users_by_role.items()}
    assert seen == {
        Role.SUPER_ADMIN: True,
        Role.FINANCE: True,
        Role.SUPPORT: True,
        Role.COMPLIANCE: False,
        Role.CREATOR: False,
    }


def test_a_platform_key_gets_the_summary(db):
    from tests.api.keys import key_client, make_key

    _, raw = make_key("boyfanz")
    for url in ENDPOINTS:
        assert not _has_details(key_client(raw).get(url))


@pytest.mark.parametrize(
    ("allowed", "address", "full"),
    [
        (["10.0.0.0/8"], "10.1.2.3", True),
        (["10.0.0.0/8"], "192.0.2.1", False),
        (["192.0.2.7"], "192.0.2.7", True),
        (["2001:db8::/32"], "2001:db8::1", True),
        ([], "10.1.2.3", False),
    ],
)
def test_allowed_addresses_get_the_details(settings, allowed, address, full):
    settings.HEALTH_ALLOWED_IPS = allowed
    for url in ENDPOINTS:
        assert _has_details(Client(REMOTE_ADDR=address).get(url)) is full


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
