"""API throttles: per IP for unauthenticated callers (including refused credentials), per API
key, per staff user; 429 ``throttled`` with ``Retry-After``; rates from settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from apps.core import throttling
from apps.core.throttling import parse_rate

from .keys import key_client, make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Set the API rates for one test (the cache is cleared around every test)."""

    def apply(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                "api_anon": "off",
                "api_platform_key": "off",
                "api_staff": "off",
                **rates,
            },
        }

    return apply


class _Clock:
    """``now`` is the frozen Unix time; setting it moves the clock (time-machine)."""

    def __init__(self, traveller, now: float) -> None:
        self._traveller = traveller
        self.now = now

    @property
    def now(self) -> float:
        return self._now

    @now.setter
    def now(self, value: float) -> None:
        self._now = value
        self._traveller.move_to(datetime.fromtimestamp(value, UTC), tick=False)


@pytest.fixture
def clock(time_machine):
    """A frozen clock the test moves: requests never straddle a window edge by chance."""
    return _Clock(time_machine, 1_800_000_000.0)  # a window boundary for every period here


def _assert_throttled(response, *, max_wait: int):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["error"] == "throttled"
    assert "available in" in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= max_wait


# --- the rate parser ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("1000/15m", (1000, 900)),
        ("10000/m", (10000, 60)),
        ("100/min", (100, 60)),
        ("5/s", (5, 1)),
        ("5/10s", (5, 10)),
        ("60/h", (60, 3600)),
        ("1/d", (1, 86400)),
        (" 7 / 2h ", (7, 7200)),
        ("off", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_rate(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["1000", "abc/m", "10/15x", "-1/m", "0/m", "10/0m"])
def test_parse_rate_refuses_nonsense(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


def test_the_defaults_are_the_issue_rates(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert parse_rate(rates["api_anon"]) == (1000, 900)
    assert parse_rate(rates["api_platform_key"]) == (10000, 60)
    assert parse_rate(rates["api_staff"]) is not None


# --- unauthenticated callers ---------------------------------------------------------------


def test_anonymous_requests_are_limited_per_ip(rates, clock):
    rates(api_anon="3/15m")
    one = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(3):
        assert one.get("/api/v1/health/").status_code == 200
    _assert_throttled(one.get("/api/v1/health/"), max_wait=900)
    # Another address has its own quota.
    assert Client(REMOTE_ADDR="198.51.100.2").get("/api/v1/health/").status_code == 200
    # Once the burst has slid out of the 15-minute window: allowed again.
    clock.now += 900 + 1
    assert one.get("/api/v1/health/").status_code == 200


def test_retry_after_counts_down_to_the_end_of_the_window(rates, clock):
    rates(api_anon="1/15m")
    one = Client(REMOTE_ADDR="198.51.100.1")
    assert one.get("/api/v1/health/").status_code == 200
    clock.now += 600
    response = one.get("/api/v1/health/")
    _assert_throttled(response, max_wait=900)
    assert int(response["Retry-After"]) == 300


def test_refused_anonymous_requests_count_too(rates, clock):
    rates(api_anon="2/m")
    one = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(2):
        assert one.get("/api/v1/creators/").status_code == 403
    _assert_throttled(one.get("/api/v1/creators/"), max_wait=60)


def test_guessing_keys_is_throttled(rates, clock):
    rates(api_anon="3/m")
    guesser = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer abcdefgh.guess")
    for _ in range(3):
        assert guesser.get("/api/v1/creators/").status_code == 401
    _assert_throttled(guesser.get("/api/v1/creators/"), max_wait=60)
    # Further guesses from that address stay refused until the window ends ...
    other_guess = Client(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nodot")
    _assert_throttled(other_guess.get("/api/v1/creators/"), max_wait=60)
    _, raw = make_key()
    # ... but a valid key is not an anonymous request: it has its own quota.
    assert key_client(raw, REMOTE_ADDR="203.0.113.9").get("/api/v1/creators/").status_code == 200


def test_x_forwarded_for_is_ignored_unless_trusted(rates, clock, settings):
    rates(api_anon="1/m")
    settings.USE_X_FORWARDED_FOR = False
    assert Client(HTTP_X_FORWARDED_FOR="1.1.1.1").get("/api/v1/health/").status_code == 200
    # A forged header does not buy a new quota.
    assert Client(HTTP_X_FORWARDED_FOR="2.2.2.2").get("/api/v1/health/").status_code == 429


def test_behind_a_trusted_proxy_the_last_forwarded_address_counts(rates, clock, settings):
    rates(api_anon="1/m")
    settings.USE_X_FORWARDED_FOR = True
    first = Client(HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.7")
    assert first.get("/api/v1/health/").status_code == 200
    # The client may forge the first entries; the proxy's own entry is what counts.
    forged = Client(HTTP_X_FORWARDED_FOR="8.8.8.8, 198.51.100.7")
    assert forged.get("/api/v1/health/").status_code == 429
    assert Client(HTTP_X_FORWARDED_FOR="198.51.100.8").get("/api/v1/health/").status_code == 200


# --- API keys ------------------------------------------------------------------------------


def test_each_key_has_its_own_quota(rates, clock):
    rates(api_platform_key="2/m", api_anon="1/m")
    _, first = make_key("boyfanz")
    _, second = make_key("boyfanz")
    client = key_client(first)
    for _ in range(2):
        assert client.get("/api/v1/creators/").status_code == 200
    _assert_throttled(client.get("/api/v1/creators/"), max_wait=60)
    # Another key (even of the same platform) is not affected, nor is the anonymous quota.
    assert key_client(second).get("/api/v1/creators/").status_code == 200
    assert Client().get("/api/v1/health/").status_code == 200
    clock.now += 60 + 1  # the two requests have slid out of the minute
    assert client.get("/api/v1/creators/").status_code == 200


def test_key_quota_off_means_unlimited(rates, clock):
    rates(api_platform_key="off", api_anon="1/m")
    _, raw = make_key()
    client = key_client(raw)
    for _ in range(5):
        assert client.get("/api/v1/creators/").status_code == 200


# --- staff --------------------------------------------------------------------------------


def test_each_staff_user_has_its_own_quota(rates, clock, client_for, finance_user, support_user):
    rates(api_staff="2/m", api_anon="1/m")
    finance = client_for(finance_user)
    for _ in range(2):
        assert finance.get("/api/v1/creators/").status_code == 200
    _assert_throttled(finance.get("/api/v1/creators/"), max_wait=60)
    assert client_for(support_user).get("/api/v1/creators/").status_code == 200


# --- on Redis (production's counters), when one runs on this machine -----------------------


def _redis_url() -> str | None:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.2):
            return "redis://127.0.0.1:6379/15"
    except OSError:
        return None


@pytest.mark.skipif(_redis_url() is None, reason="no Redis on 127.0.0.1:6379")
def test_on_redis_a_quota_holds_under_concurrency(rates, settings):
    """Twenty threads hit one identity with a quota of five: exactly five get through (each hit
    is one atomic script on Redis). Only this test's own identity is used (never a flush)."""
    import threading
    import uuid

    rates(api_platform_key="5/m")
    settings.RATE_LIMIT_STORAGE_URL = _redis_url()
    ident = f"key:{uuid.uuid4().hex}"
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def worker():
        start.wait()
        allowed = throttling.PlatformKeyThrottle().hit(ident)
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True] * 5
