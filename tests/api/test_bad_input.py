"""Input the database cannot hold is refused in the error shape (400 for a filter, 404 for a
path id or cursor), on SQLite and on PostgreSQL alike, for a platform key and for staff. Found
by fuzzing (tools/fuzz_api.py): ``?occurred_after=0462-09-07T12:00:24%2B17:40`` was a 500
(``DataError: time zone displacement out of range``) on PostgreSQL."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.core.bounds import BIGINT_MAX
from tests.api.keys import key_client, make_key

pytestmark = pytest.mark.django_db

# (list endpoint, its instant filters); every one is readable by a super admin.
INSTANT_FILTERS = [
    ("/api/v1/ledger/entries/", ["occurred_after", "occurred_before"]),
    ("/api/v1/earnings/", ["occurred_after", "occurred_before"]),
    ("/api/v1/webhook-events/", ["received_after", "received_before"]),
    ("/api/v1/outbound/deliveries/", ["created_after", "created_before"]),
]
ID_FILTERS = [
    ("/api/v1/ledger/accounts/", "creator"),
    ("/api/v1/ledger/entries/", "creator"),
    ("/api/v1/earnings/", "creator"),
    ("/api/v1/payouts/", "batch"),
    ("/api/v1/payouts/", "creator"),
    ("/api/v1/compliance/violations/", "creator"),
]
BAD_INSTANTS = [
    "0462-09-07T12:00:24+17:40",
    "0366-10-19T22:32:27-20:07",
    "2026-01-01T00:00:00+16:00",
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "not a date",
    "2026-13-01T00:00:00Z",
]
GOOD_INSTANTS = [
    "2026-01-01T00:00:00+15:59",
    "2026-01-01T00:00:00-15:59",
    "0001-01-01T05:00:00+05:00",
    "9999-12-31T18:59:59-05:00",
    "2026-01-01T00:00:00",  # no zone: UTC
    "2026-01-01",
]
BAD_IDS = [str(BIGINT_MAX + 1), "1" + "0" * 30, "1.5", "0", "-1", "1e3", "NaN", "Infinity"]
# Each id-taking route under /api/, with an id no row can have.
ID_PATHS = [
    "/api/v1/creators/{}/",
    "/api/v1/creators/{}/earnings/",
    "/api/v1/creators/{}/balances/",
    "/api/v1/ledger/entries/{}/",
    "/api/v1/webhook-events/{}/",
    "/api/v1/outbound/deliveries/{}/",
    "/api/v1/payouts/{}/",
    "/api/v1/payouts/batches/{}/",
    "/api/v1/payouts/creators/{}/payouts/",
    "/api/v1/compliance/creators/{}/status/",
    "/api/v1/compliance/gdpr-requests/{}/",
    "/api/v1/compliance/violations/{}/",
    "/api/integrations/users/{}/permissions",
]


@pytest.fixture
def staff(client_for, super_admin):
    return client_for(super_admin)


@pytest.fixture
def platform_key():
    _, raw = make_key("boyfanz")
    return key_client(raw)


def _error(response, status: int):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail"}, body
    return body


@pytest.mark.parametrize(("url", "params"), INSTANT_FILTERS)
@pytest.mark.parametrize("value", BAD_INSTANTS)
def test_an_instant_the_database_cannot_hold_is_400(staff, url, params, value):
    for param in params:
        body = _error(staff.get(url, {param: value}), 400)
        assert body["error"] == "invalid"
        assert list(body["detail"]) == [param], body


@pytest.mark.parametrize(("url", "params"), INSTANT_FILTERS)
@pytest.mark.parametrize("value", GOOD_INSTANTS)
def test_instants_within_range_are_taken(staff, url, params, value):
    for param in params:
        response = staff.get(url, {param: value})
        assert response.status_code == 200, (param, value, response.content)


@pytest.mark.parametrize(
    "url", ["/api/v1/ledger/entries/", "/api/v1/earnings/", "/api/v1/webhook-events/"]
)
def test_a_platform_key_gets_the_same_400(platform_key, url):
    param = "received_after" if "webhook" in url else "occurred_after"
    body = _error(platform_key.get(url, {param: "0462-09-07T12:00:24+17:40"}), 400)
    assert body["error"] == "invalid"
    assert "between -15:59 and +15:59" in body["detail"][param][0]


@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
@pytest.mark.parametrize("value", BAD_IDS)
def test_an_id_filter_takes_only_a_positive_bigint(staff, url, param, value):
    body = _error(staff.get(url, {param: value}), 400)
    assert body["error"] == "invalid"
    assert list(body["detail"]) == [param]


@pytest.mark.parametrize(("url", "param"), ID_FILTERS)
def test_the_largest_id_is_a_valid_filter(staff, url, param):
    response = staff.get(url, {param: str(BIGINT_MAX)})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def _int_routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _int_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if route.startswith("api/") and "<int:" in route:
                yield "/" + route


def test_every_id_route_under_api_is_checked_here():
    checked = {path.replace("{}", "<int:pk>") for path in ID_PATHS}
    assert set(_int_routes(get_resolver().url_patterns)) <= checked


@pytest.mark.parametrize("path", ID_PATHS)
@pytest.mark.parametrize("value", [str(BIGINT_MAX), str(BIGINT_MAX + 1), "9" * 40, "²"])
def test_an_id_in_the_path_no_row_can_have_is_404(staff, platform_key, path, value):
    body = _error(staff.get(path.format(value)), 404)
    assert body["error"] == "not_found"
    # A key is refused first where keys may not read (403), else it finds nothing either.
    response = platform_key.get(path.format(value))
    body = _error(response, 403 if response.status_code == 403 else 404)
    assert body["error"] in ("permission_denied", "not_found")


def _cursor(**tokens) -> str:
    return base64.b64encode(urlencode(tokens).encode()).decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/ledger/entries/", "/api/v1/webhook-events/", "/api/v1/outbound/deliveries/"]
)
@pytest.mark.parametrize(
    "position",
    [
        "0462-09-07 12:00:24+17:40",
        "0001-01-01 00:00:00+05:00",
        "2026-01-01 00:00:00",  # no zone
        "not a date",
        "",
    ],
)
def test_a_forged_cursor_position_is_an_invalid_cursor(staff, url, position):
    body = _error(staff.get(url, {"cursor": _cursor(p=position)}), 404)
    assert body == {"error": "not_found", "detail": "Invalid cursor"}


def test_a_cursor_made_by_the_api_still_pages(staff, creator_factory, earning):
    creator = creator_factory(platforms=("boyfanz",))
    for days_ago in range(3):
        earning(creator, days_ago=days_ago)
    page = staff.get("/api/v1/ledger/entries/", {"page_size": 1}).json()
    seen = [page["results"][0]["id"]]
    while page["next"]:
        page = staff.get(page["next"]).json()
        seen += [entry["id"] for entry in page["results"]]
    assert len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page_size": "9" * 40}, 200),
        ({"page_size": "-1"}, 200),
        ({"page_size": "x"}, 200),
        ({"page": "9" * 40}, 404),
        ({"page": "1e400"}, 404),
        ({"cursor": "!!!"}, 200),  # decodes to no position: the first page
        ({"cursor": _cursor(o="9" * 40)}, 200),
    ],
)
def test_paging_parameters_never_fail(staff, params, status):
    url = "/api/v1/creators/" if "page" in params else "/api/v1/ledger/entries/"
    response = staff.get(url, params)
    assert response.status_code == status, response.content
    if status >= 400:
        _error(response, status)
