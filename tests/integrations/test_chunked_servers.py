"""Chunked webhook bodies through real servers.

Gunicorn (the production server, ``Procfile``) de-chunks a ``Transfer-Encoding: chunked`` body
and hands Django no ``CONTENT_LENGTH``, so Django itself reads it as empty: this is the server
the defect showed under, started here on 127.0.0.1 against the test database. Django's own
server (pytest-django's ``live_server``) does not de-chunk at all (it passes the raw chunk
framing with no length): there the body cannot be read, and the answer is 411.
"""

from __future__ import annotations

import http.client
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .conftest import encode, sign_fanz
from .test_ingest import tip

# The server is another process on the real clock: events dated by a shifted test clock would be
# "in the future" to it, so FANZDASH_TEST_CLOCK leaves these tests on the real one.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_clock]

PATH = "/api/integrations/webhooks/boyfanz"
BODY_LIMIT = 4096  # the gunicorn server's WEBHOOK_MAX_BODY_BYTES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(tmp_path: Path) -> str:
    """The test database for another process: PostgreSQL's by name (the data is committed:
    transactional test), SQLite's in-memory one copied to a file."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    path = tmp_path / "gunicorn.sqlite3"
    copy = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(copy)
    copy.close()
    return f"sqlite:///{path}"


def _post_chunked(
    port: int, body: bytes, *, headers: dict[str, str], content_type="application/json"
):
    """POST ``body`` as 1000-byte chunks, no Content-Length, sent in one write (so the server
    has it all before it answers), and the parsed answer."""
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[at : at + 1000]), body[at : at + 1000])
        for at in range(0, len(body), 1000)
    )
    head = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": content_type,
        "Transfer-Encoding": "chunked",
        "Connection": "close",
        **headers,
    }
    request = (
        f"POST {PATH} HTTP/1.1\r\n".encode()
        + b"".join(f"{name}: {value}\r\n".encode() for name, value in head.items())
        + b"\r\n"
        + chunks
        + b"0\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


@pytest.fixture
def gunicorn_port(platform_secret, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
        "FANZDASH_DATA_DIR": str(settings.DATA_DIR),
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "RATE_LIMIT_STORAGE_URL": "memory://",
        # Stored events are queued, not processed: processing is not what is tested here.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "WEBHOOK_MAX_BODY_BYTES": str(BODY_LIMIT),
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "fanzdash.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_gunicorn_reads_a_chunked_webhook_within_the_limit(gunicorn_port):
    payload = tip()
    body = encode(payload)
    status, answer = _post_chunked(gunicorn_port, body, headers=sign_fanz(body))
    assert status == 202, answer
    assert b'"duplicate": false' in answer and payload["id"].encode() in answer
    # It was stored: the same event again is its duplicate.
    status, answer = _post_chunked(gunicorn_port, body, headers=sign_fanz(body))
    assert (status, b'"duplicate": true' in answer) == (200, True), answer

    big = encode(tip(padding="x" * BODY_LIMIT))
    status, answer = _post_chunked(gunicorn_port, big, headers=sign_fanz(big))
    assert status == 413, answer
    assert b'"payload_too_large"' in answer

    other = encode(tip())
    status, answer = _post_chunked(
        gunicorn_port, other, headers=sign_fanz(other), content_type="text/plain"
    )
    assert status == 415, answer


def test_django_server_cannot_delimit_a_chunked_body_and_answers_411(live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    body = encode(tip())
    status, answer = _post_chunked(port, body, headers=sign_fanz(body))
    assert status == 411, answer
    assert b'"length_required"' in answer
