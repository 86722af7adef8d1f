"""The one API error shape, the OpenAPI schema and the self-hosted API docs."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework import exceptions

from apps.core.exceptions import ApplicationError, api_exception_handler

# --- error shape over HTTP -------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_me_is_refused_with_the_error_shape(client):
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "not_authenticated"
    assert isinstance(body["detail"], str)
    assert body["detail"]


@pytest.mark.django_db
def test_signed_in_user_gets_me(client_for, super_admin):
    response = client_for(super_admin).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == super_admin.email


@pytest.mark.django_db
def test_unknown_method_has_the_error_shape(client_for, super_admin):
    response = client_for(super_admin).delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


# --- OpenAPI schema --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_generated_schema_is_valid_openapi(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "FanzDash API"


def test_schema_documents_the_v1_endpoints(schema):
    assert "/api/v1/me/" in schema["paths"]
    assert "/api/v1/health/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/health/"]["get"]["responses"]) == {"200", "414", "503"}
    assert "get" in schema["paths"]["/api/v1/me/"]


@pytest.mark.django_db
def test_schema_endpoint_serves_the_same_paths(client_for, super_admin):
    response = client_for(super_admin).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    served = response.json()
    validate_schema(served)
    assert {"/api/v1/me/", "/api/v1/health/"} <= set(served["paths"])


@pytest.mark.django_db
def test_schema_endpoint_answers_anonymous_callers(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/health/" in response.json()["paths"]


# --- Swagger UI ------------------------------------------------------------------------------


EXTERNAL_HOSTS = ("cdn", "jsdelivr", "unpkg", "cloudflare", "googleapis", "gstatic")


def _assert_only_local_assets(html: str) -> None:
    lowered = html.lower()
    for host in EXTERNAL_HOSTS:
        assert host not in lowered, host
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset


@pytest.mark.django_db
def test_swagger_ui_uses_only_local_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    _assert_only_local_assets(response.content.decode())


@pytest.mark.django_db
def test_redoc_uses_only_local_static_files(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    _assert_only_local_assets(response.content.decode())


@pytest.mark.django_db
def test_swagger_ui_assets_are_served(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "/api/schema/" in html
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert content, asset


# --- api_exception_handler -------------------------------------------------------------------


def test_application_error_keeps_its_status_and_code():
    response = api_exception_handler(
        ApplicationError("payout_locked", "The payout run is locked.", status_code=409), {}
    )
    assert response.status_code == 409
    assert response.data == {"error": "payout_locked", "detail": "The payout run is locked."}


def test_application_error_defaults():
    response = api_exception_handler(ApplicationError("insufficient_balance"), {})
    assert response.status_code == 422
    assert response.data == {"error": "insufficient_balance", "detail": "insufficient balance"}


def test_django_validation_error_with_fields_is_400_invalid():
    exc = DjangoValidationError({"amount": ["Must be positive."]})
    response = api_exception_handler(exc, {})
    assert response.status_code == 400
    assert response.data["error"] == "invalid"
    assert response.data["detail"] == {"amount": ["Must be positive."]}


def test_django_validation_error_with_messages_is_400_invalid():
    response = api_exception_handler(DjangoValidationError("Nope."), {})
    assert response.status_code == 400
    assert response.data["error"] == "invalid"
    assert response.data["detail"] == ["Nope."]


def test_http404_is_404_not_found():
    response = api_exception_handler(Http404("Creator 42 does not exist"), {})
    assert response.status_code == 404
    assert response.data["error"] == "not_found"
    assert isinstance(response.data["detail"], str)
    assert "42" not in str(response.data["detail"])


def test_django_permission_denied_is_403():
    response = api_exception_handler(PermissionDenied(), {})
    assert response.status_code == 403
    assert response.data["error"] == "permission_denied"


def test_drf_validation_error_keeps_the_field_map():
    response = api_exception_handler(exceptions.ValidationError({"email": ["Required."]}), {})
    assert response.status_code == 400
    assert response.data == {"error": "invalid", "detail": {"email": ["Required."]}}


def test_parse_error_is_malformed_json():
    response = api_exception_handler(exceptions.ParseError(), {})
    assert response.status_code == 400
    assert response.data["error"] == "malformed_json"


def test_throttled_keeps_retry_after():
    response = api_exception_handler(exceptions.Throttled(wait=30), {})
    assert response.status_code == 429
    assert response.data["error"] == "throttled"
    assert response["Retry-After"] == "30"


def test_unknown_api_exception_uses_its_default_code():
    class Teapot(exceptions.APIException):
        status_code = 418
        default_detail = "I am a teapot."
        default_code = "teapot"

    response = api_exception_handler(Teapot(), {})
    assert response.status_code == 418
    assert response.data == {"error": "teapot", "detail": "I am a teapot."}


def test_unexpected_exception_is_left_to_django():
    assert api_exception_handler(RuntimeError("boom"), {}) is None
