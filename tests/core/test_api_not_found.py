"""Paths under /api/ that name no endpoint, and wrong methods on the schema and its docs: the
API's JSON error shape, DEBUG on or off, never Django's HTML pages."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

UNKNOWN = [
    "/api/",
    "/api/v1/",
    "/api/v1/nothing-here/",
    "/api/v1/creators/abc/",
    "/api/v1/creators/²/",
    "/api/v2/creators/",
    "/api/integrations/",
    "/api/integrations/webhooks/boyfanz/batch/extra",
    "/api/schema/extra/",
]


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options", "head"])
def test_an_unknown_api_path_is_a_json_404(debug, client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/json"
    if method != "head":
        body = response.json()
        assert body == {"error": "not_found", "detail": f"No API endpoint at {path}."}


def test_signed_in_staff_and_platform_keys_get_the_same_404(client_for, super_admin):
    from tests.api.keys import key_client, make_key

    _, raw = make_key("boyfanz")
    for client in (client_for(super_admin), key_client(raw), Client(HTTP_AUTHORIZATION="Bearer x")):
        response = client.get("/api/v1/nothing-here/")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_debug_never_lists_the_url_patterns(settings, client):
    settings.DEBUG = True
    response = client.get("/api/v1/nothing-here/")
    assert b"URLconf" not in response.content
    assert b"api/v1/" not in response.content.replace(b"/api/v1/nothing-here/", b"")


def test_a_missing_trailing_slash_is_still_redirected_for_get(client):
    response = client.get("/api/v1/health", {"x": "1"})
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/health/?x=1"
    # Other methods are not redirected (a redirect would lose the body).
    assert client.post("/api/v1/health").status_code == 404


def test_pages_outside_the_api_keep_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_wrong_methods_on_the_schema_and_docs_are_json_405(debug, client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code == 405, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_schema_and_docs_still_answer_get(client, path):
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/me/", "/api/v1/health/", "/api/integrations/webhooks/boyfanz"]
)
def test_wrong_methods_on_endpoints_are_json_405(client_for, super_admin, path):
    response = client_for(super_admin).put(path)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
