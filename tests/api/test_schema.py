"""The OpenAPI schema stays valid and documents the creators and ledger endpoints."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

PATHS = [
    "/api/v1/creators/",
    "/api/v1/creators/{id}/",
    "/api/v1/creators/{id}/earnings/",
    "/api/v1/creators/{id}/balances/",
    "/api/v1/ledger/accounts/",
    "/api/v1/ledger/entries/",
    "/api/v1/ledger/entries/{id}/",
    "/api/v1/ledger/trial-balance/",
]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _ok_schema(schema, path):
    content = schema["paths"][path]["get"]["responses"]["200"]["content"]
    return _resolve(schema, content["application/json"]["schema"])


def test_schema_is_valid(schema):
    validate_schema(schema)


@pytest.mark.parametrize("path", PATHS)
def test_paths_are_documented_read_only(schema, path):
    assert path in schema["paths"]
    assert set(schema["paths"][path]) - {"parameters"} == {"get"}
    responses = schema["paths"][path]["get"]["responses"]
    assert "200" in responses
    error = responses["403"]["content"]["application/json"]["schema"]
    assert set(_resolve(schema, error)["properties"]) == {"error", "detail"}


def test_the_v1_foundation_paths_are_still_there(schema):
    assert {"/api/v1/me/", "/api/v1/health/"} <= set(schema["paths"])


def test_earnings_fields_are_documented(schema):
    body = _ok_schema(schema, "/api/v1/creators/{id}/earnings/")
    assert set(body["properties"]) == {"creatorId", "earnings", "currency"}
    figures = _resolve(schema, body["properties"]["earnings"])
    assert set(figures["properties"]) == {
        "total",
        "thisMonth",
        "lastPayout",
        "pendingPayout",
        "platforms",
    }
    for name, field in figures["properties"].items():
        assert field.get("description"), name
    assert figures["properties"]["lastPayout"]["nullable"] is True
    assert figures["properties"]["total"]["type"] == "string"
    params = {
        p["name"] for p in schema["paths"]["/api/v1/creators/{id}/earnings/"]["get"]["parameters"]
    }
    assert "currency" in params
    description = schema["paths"]["/api/v1/creators/{id}/earnings/"]["get"]["description"]
    for word in ("total", "thisMonth", "lastPayout", "pendingPayout", "in_payout", "UTC"):
        assert word in description


def test_list_filters_are_documented(schema):
    def names(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"platform", "status", "kyc_level", "currency", "q", "page", "page_size"} <= names(
        "/api/v1/creators/"
    )
    assert {"kind", "currency", "creator", "platform"} <= names("/api/v1/ledger/accounts/")
    assert {
        "kind",
        "platform",
        "creator",
        "occurred_after",
        "occurred_before",
        "source_id",
        "cursor",
    } <= names("/api/v1/ledger/entries/")
    assert "as_of" in names("/api/v1/ledger/trial-balance/")


def test_amounts_are_strings_in_the_schema(schema):
    account = _resolve(schema, _ok_schema(schema, "/api/v1/ledger/accounts/"))
    item = _resolve(schema, account["properties"]["results"]["items"])
    assert item["properties"]["balance"]["type"] == "string"
    assert item["properties"]["displayBalance"]["type"] == "string"


def test_every_v1_read_documents_the_errors_it_can_answer(schema):
    """What .ci/fuzz_api.py (schemathesis, status code conformance) holds the API to: a
    read can be refused 401 (bad key), 403, 404 and 429; a list also 400 (a bad filter) and
    404 (a page or cursor that does not exist)."""
    for path, operations in schema["paths"].items():
        read = operations.get("get")
        if not path.startswith("/api/v1/") or read is None or path == "/api/v1/health/":
            continue
        documented = set(read["responses"])
        query = {p["name"] for p in read.get("parameters", []) if p["in"] == "query"}
        expected = {"401", "403", "429"}
        if "{id}" in path or "page_size" in query:
            expected.add("404")
        if query:
            expected.add("400")
        assert expected <= documented, (path, sorted(expected - documented))


def test_schema_filters_say_what_they_take(schema):
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/payouts/"]["get"]["parameters"]
    }
    assert parameters["creator"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    entries = schema["paths"]["/api/v1/ledger/entries/"]["get"]["parameters"]
    after = next(p for p in entries if p["name"] == "occurred_after")
    assert after["schema"] == {"type": "string", "format": "date-time"}


def test_every_operation_documents_the_servers_414(schema):
    """gunicorn answers 414 to an over-long request line before Django runs (the fuzzer found
    it undocumented): every operation lists it, with no JSON body promised."""
    operations = [
        operation
        for item in schema["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "responses" in operation
    ]
    assert len(operations) > 20
    for operation in operations:
        assert "content" not in operation["responses"]["414"]
        assert "4094 bytes" in operation["responses"]["414"]["description"]
