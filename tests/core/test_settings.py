"""Settings come from the environment: embedded defaults without any server, production knobs
when the variables are set. Each case runs in a fresh interpreter with a controlled
environment, because settings are read once at import time."""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BASE_DIR = Path(django_settings.BASE_DIR)

SNAPSHOT = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzdash.settings")
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "db_engine": db["ENGINE"],
    "db_name": str(db["NAME"]),
    "db_options": db.get("OPTIONS", {}),
    "db_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "broker_url": settings.CELERY_BROKER_URL,
    "broker_options": getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None),
    "cache": settings.CACHES["default"],
    "email_backend": settings.EMAIL_BACKEND,
    "debug": settings.DEBUG,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "secret_key": settings.SECRET_KEY,
}, default=str))
"""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: none of the production variables leak in from the caller."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(data_dir)),
        "FANZDASH_DATA_DIR": str(data_dir),
    }
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _snapshot(env: dict[str, str]) -> dict:
    proc = _run(["-c", SNAPSHOT], env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def defaults(tmp_path_factory):
    if (BASE_DIR / ".env").exists():
        pytest.skip(".env in the project folder would override the embedded defaults")
    data_dir = tmp_path_factory.mktemp("defaults")
    return data_dir, _snapshot(_env(data_dir))


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_default_database_is_sqlite_in_wal_mode_inside_the_data_dir(defaults):
    data_dir, s = defaults
    assert s["db_engine"] == "django.db.backends.sqlite3"
    assert _inside(s["db_name"], data_dir)
    assert "journal_mode=WAL" in s["db_options"]["init_command"]
    assert s["db_options"]["transaction_mode"] == "IMMEDIATE"


def test_default_broker_is_the_filesystem_inside_the_data_dir(defaults):
    data_dir, s = defaults
    assert s["broker_url"] == "filesystem://"
    options = s["broker_options"]
    # One folder for both directions, or producers and consumers never meet.
    assert options["data_folder_in"] == options["data_folder_out"]
    assert _inside(options["data_folder_in"], data_dir)
    assert Path(options["data_folder_in"]).is_dir()
    assert Path(options["processed_folder"]).is_dir()


def test_default_cache_is_a_file_cache_inside_the_data_dir(defaults):
    data_dir, s = defaults
    assert s["cache"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    assert _inside(s["cache"]["LOCATION"], data_dir)


def test_default_email_is_printed_to_the_console(defaults):
    _, s = defaults
    assert s["email_backend"] == "django.core.mail.backends.console.EmailBackend"


def test_debug_is_off_and_security_is_on_by_default(defaults):
    _, s = defaults
    assert s["debug"] is False
    assert s["ssl_redirect"] is True
    assert s["session_cookie_secure"] is True
    assert s["csrf_cookie_secure"] is True
    assert s["hsts_seconds"] > 0


def test_secret_key_is_generated_once_into_the_data_dir(defaults):
    data_dir, s = defaults
    key_file = data_dir / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(s["secret_key"]) >= 50
    assert key_file.read_text().strip() == s["secret_key"]
    # A second process (web vs worker, or a restart) reads the same key back.
    assert _snapshot(_env(data_dir))["secret_key"] == s["secret_key"]


def test_production_variables_switch_every_backend(tmp_path):
    s = _snapshot(
        _env(
            tmp_path,
            DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
            REDIS_URL="redis://127.0.0.1:6379/3",
            CELERY_BROKER_URL="redis://127.0.0.1:6379/4",
            EMAIL_URL="smtp://mailer:pw@mail.example.com:587",
            DEBUG="true",
        )
    )
    assert s["db_engine"] == "django.db.backends.postgresql"
    assert s["db_name"] == "x"
    assert s["db_health_checks"] is True
    assert "init_command" not in s["db_options"]
    assert s["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s["cache"]["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert s["broker_url"] == "redis://127.0.0.1:6379/4"
    assert s["broker_options"] is None  # the filesystem folders are not configured
    assert s["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["debug"] is True
    assert s["ssl_redirect"] is False
    assert s["session_cookie_secure"] is False
    # An explicit SECRET_KEY was not given, so the generated one is used.
    assert (tmp_path / "secret_key").is_file()


def test_explicit_secret_key_wins_and_nothing_is_generated(tmp_path):
    key = secrets.token_urlsafe(64)
    s = _snapshot(_env(tmp_path, SECRET_KEY=key))
    assert s["secret_key"] == key
    assert not (tmp_path / "secret_key").exists()


def test_short_secret_key_is_refused(tmp_path):
    proc = _run(["-c", SNAPSHOT], _env(tmp_path, SECRET_KEY="short"))
    assert proc.returncode != 0
    assert "ImproperlyConfigured" in proc.stderr
    assert "SECRET_KEY" in proc.stderr


@pytest.mark.parametrize(
    ("method", "value", "words"),
    [
        ("bool", "ture", "is not a yes/no value"),
        ("bool", "maybe", "is not a yes/no value"),
        ("int", "lots", "is not a whole number"),
        ("int", "1.5", "is not a whole number"),
        ("float", "ten", "is not a number"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(monkeypatch, method, value, words):
    from django.core.exceptions import ImproperlyConfigured

    from fanzdash.settings import Env

    monkeypatch.setenv("FANZDASH_TEST_KNOB", value)
    with pytest.raises(ImproperlyConfigured, match=f"FANZDASH_TEST_KNOB='{value}' {words}"):
        getattr(Env(), method)("FANZDASH_TEST_KNOB", default=0)


@pytest.mark.parametrize(
    ("value", "read"),
    [
        *[(word, True) for word in ("true", "True", "1", "yes", "on")],
        *[(word, False) for word in ("false", "0", "no", "off", " Off ")],
    ],
)
def test_the_usual_words_for_yes_and_no_are_read(monkeypatch, value, read):
    from fanzdash.settings import Env

    monkeypatch.setenv("FANZDASH_TEST_KNOB", value)
    assert Env().bool("FANZDASH_TEST_KNOB", default=not read) is read


def test_start_up_stops_with_the_message_and_no_traceback(tmp_path):
    proc = _run(["manage.py", "check"], _env(tmp_path, DEBUG="ture"))
    assert proc.returncode != 0
    assert "FanzDash cannot start: DEBUG='ture' is not a yes/no value" in proc.stderr
    assert "Traceback" not in proc.stderr


def _check_deploy(tmp_path: Path, debug: str) -> subprocess.CompletedProcess:
    env = _env(
        tmp_path,
        DEBUG=debug,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="fanzdash.example.com",
        ENCRYPTION_KEYS="k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    )
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_check_deploy_is_clean_in_production(tmp_path):
    proc = _check_deploy(tmp_path, debug="false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "System check identified no issues" in proc.stdout


def test_check_deploy_warns_with_debug_on(tmp_path):
    proc = _check_deploy(tmp_path, debug="true")
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "security.W018" in output  # DEBUG on in deployment
    assert "security.W008" in output  # no SSL redirect
