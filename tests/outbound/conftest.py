"""A platform for the outbound webhook tests: a real HTTP server on 127.0.0.1 (ephemeral
port, its own thread) that records every request and answers with scripted statuses; and a
clock that the tests move forward (time-machine, frozen between moves)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "outbound-test-secret-0123456789abcdef"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"ok":true}'
    delay: float = 0.0


class PlatformServer:
    """``script(200, 503, Answer(429, {"Retry-After": "120"}))`` queues answers; when the
    queue is empty every request gets ``default``."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.answers: list[Answer] = []
        self.default = Answer()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server.lock:
                    server.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    answer = server.answers.pop(0) if server.answers else server.default
                if answer.delay:
                    time.sleep(answer.delay)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format, *args) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/webhooks/money-dash"

    def script(self, *answers) -> None:
        with self.lock:
            self.answers.extend(a if isinstance(a, Answer) else Answer(a) for a in answers)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def platform_server():
    server = PlatformServer()
    yield server
    server.close()


class Clock:
    """``now`` reads the frozen clock (time-machine); assigning it moves the clock."""

    def __init__(self, time_machine, start: datetime) -> None:
        self._time_machine = time_machine
        self.now = start

    @property
    def now(self) -> datetime:
        return datetime.now(UTC)

    @now.setter
    def now(self, value: datetime) -> None:
        self._time_machine.move_to(value, tick=False)

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(time_machine):
    """Frozen time the test moves by hand: ``clock.advance(minutes=5)``."""
    return Clock(time_machine, datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def platform(db, platform_server, monkeypatch):
    """BoyFanz, its webhook URL pointed at the local server (the WEBHOOK_BOYFANZ override)
    and one active secret."""
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_webhook_secret_rotate

    platform, _ = Platform.objects.get_or_create(
        slug="boyfanz", defaults={"name": "BoyFanz", "domain": "boyfanz.com"}
    )
    monkeypatch.setenv("WEBHOOK_BOYFANZ", platform_server.url)
    platform_webhook_secret_rotate(platform=platform, actor=None, secret=SECRET, grace_hours=0)
    return platform
