"""The OpenAPI schema documents platform API key authentication and the v1 endpoints a key
may call (earnings, webhook events), with their filters, errors and examples."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

KEY_PATHS = [
    "/api/v1/creators/",
    "/api/v1/creators/{id}/",
    "/api/v1/creators/{id}/earnings/",
    "/api/v1/creators/{id}/balances/",
    "/api/v1/ledger/entries/",
    "/api/v1/ledger/entries/{id}/",
    "/api/v1/earnings/",
    "/api/v1/webhook-events/",
    "/api/v1/webhook-events/{id}/",
]
STAFF_ONLY_PATHS = ["/api/v1/ledger/accounts/", "/api/v1/ledger/trial-balance/"]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid(schema):
    validate_schema(schema)


def test_bearer_scheme_is_declared(schema):
    scheme = schema["components"]["securitySchemes"]["platformApiKey"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert "Api-Key" in scheme["description"]
    assert "create_platform_key" in scheme["description"]


@pytest.mark.parametrize("path", KEY_PATHS)
def test_key_endpoints_accept_a_key_and_document_401_and_429(schema, path):
    operation = schema["paths"][path]["get"]
    assert {"platformApiKey": []} in operation["security"]
    assert {"cookieAuth": []} in operation["security"]
    for code in ("401", "403", "404", "429"):
        assert code in operation["responses"], (path, code)
    assert operation["responses"]["200"]["content"]["application/json"].get("examples"), path


@pytest.mark.parametrize("path", STAFF_ONLY_PATHS)
def test_staff_only_endpoints_do_not_offer_key_auth(schema, path):
    operation = schema["paths"][path]["get"]
    assert {"platformApiKey": []} not in operation.get("security", [])


def _params(schema, path):
    return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}


def test_earnings_filters_are_documented(schema):
    assert {
        "creator",
        "platform",
        "kind",
        "occurred_after",
        "occurred_before",
        "transaction_id",
        "creator_external_id",
        "cursor",
        "page_size",
    } <= _params(schema, "/api/v1/earnings/")


def test_webhook_event_filters_are_documented(schema):
    assert {
        "platform",
        "type",
        "state",
        "event_id",
        "transaction_id",
        "received_after",
        "received_before",
        "cursor",
        "page_size",
    } <= _params(schema, "/api/v1/webhook-events/")


def test_earning_amounts_are_strings(schema):
    content = schema["paths"]["/api/v1/earnings/"]["get"]["responses"]["200"]["content"]
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ref]
    item_ref = page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]
    item = schema["components"]["schemas"][item_ref]
    for name in ("gross", "fee", "net"):
        assert item["properties"][name]["type"] == "string", name


def test_schema_generates_without_warnings(tmp_path):
    """Enum name collisions and unresolvable fields show up as warnings; keep the schema clean."""
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
