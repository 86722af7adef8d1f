"""GET health, GET users/<id>/permissions, POST test/webhook, the admin and the schema."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.integrations.models import PlatformUser, WebhookEvent
from apps.integrations.schemas import CENTRAL_EVENTS, EVENT_TYPES, PLATFORM_EVENTS
from tests.api.keys import key_client, make_key

pytestmark = pytest.mark.django_db


# --- health --------------------------------------------------------------------------------------


def test_health_reports_fanzdash_and_its_dependencies():
    response = Client().get("/api/integrations/health")
    assert response.status_code in (200, 503)
    body = response.json()
    assert {"status", "time", "checks"} <= set(body)
    assert {"database", "cache", "broker", "worker"} <= set(body["checks"])
    assert body["checks"]["database"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


# --- permissions ---------------------------------------------------------------------------------


@pytest.fixture
def synced_creator():
    _, raw = make_key("boyfanz")
    client = key_client(raw)
    client.post(
        "/api/integrations/sync/user",
        {
            "id": "u1",
            "username": "max",
            "email": "max@example.com",
            "role": "creator",
            "status": "active",
        },
        content_type="application/json",
    )
    client.post(
        "/api/integrations/sync/user",
        {"id": "fan1", "username": "fan", "email": "", "role": "fan", "status": "active"},
        content_type="application/json",
    )
    return client


def test_a_platform_key_reads_its_own_users_permissions(synced_creator):
    response = synced_creator.get("/api/integrations/users/u1/permissions")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["platform"], body["role"]) == ("u1", "boyfanz", "creator")
    assert body["roles"] == ["creator"]
    assert body["permissions"] == []
    assert body["creatorStatus"] == "active"
    fan = synced_creator.get("/api/integrations/users/fan1/permissions").json()
    assert (fan["userId"], fan["role"], fan["permissions"]) == (None, "fan", [])


def test_a_platform_key_cannot_see_another_platforms_users(synced_creator):
    _, raw = make_key("girlfanz")
    response = key_client(raw).get("/api/integrations/users/u1/permissions")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_staff_read_by_fanzdash_id_or_platform_id(
    synced_creator, client_for, support_user, finance_user
):
    client = client_for(support_user)  # support holds accounts.view_user
    body = client.get(f"/api/integrations/users/{finance_user.pk}/permissions").json()
    assert body["role"] == "finance"
    assert "ledger.view_ledger" in body["permissions"]
    assert body["roles"] == ["finance"]
    by_platform = client.get("/api/integrations/users/u1/permissions?platform=boyfanz")
    assert by_platform.json()["email"] == "max@example.com"
    assert client.get("/api/integrations/users/999999/permissions").status_code == 404
    assert client.get("/api/integrations/users/abc/permissions").status_code == 404


@pytest.mark.parametrize("user_id", ["u%001", "%00", "²", "9" * 30])
def test_a_user_id_no_user_can_have_is_404(synced_creator, client_for, support_user, user_id):
    # A NUL reached PostgreSQL ("cannot contain NUL characters": a 500); int("²") failed.
    url = f"/api/integrations/users/{user_id}/permissions"
    staff = client_for(support_user)
    for response in (
        synced_creator.get(url),
        staff.get(url),
        staff.get(url, {"platform": "boyfanz"}),
        staff.get("/api/integrations/users/u1/permissions", {"platform": "boy\x00fanz"}),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"] == "not_found"


def test_permissions_need_view_user_or_a_key(client_for, finance_user, creator_user):
    assert (
        client_for(finance_user)
        .get(f"/api/integrations/users/{creator_user.pk}/permissions")
        .status_code
        == 403
    )
    assert (
        client_for(creator_user)
        .get(f"/api/integrations/users/{creator_user.pk}/permissions")
        .status_code
        == 403
    )
    assert Client().get(f"/api/integrations/users/{creator_user.pk}/permissions").status_code in (
        401,
        403,
    )
    assert key_client("bad.key").get("/api/integrations/users/u1/permissions").status_code == 401


# --- test/webhook --------------------------------------------------------------------------------


def test_test_webhook_is_404_when_debug_is_off(client_for, super_admin):
    response = client_for(super_admin).post(
        "/api/integrations/test/webhook", {}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert Client().post("/api/integrations/test/webhook").status_code == 404
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("scheme", ["fanz", "standard"])
def test_test_webhook_signs_and_delivers_when_debug_is_on(
    settings, platform_secret, client_for, super_admin, scheme
):
    settings.DEBUG = True
    response = client_for(super_admin).post(
        "/api/integrations/test/webhook",
        {
            "platform": "boyfanz",
            "event": "subscription_created",
            "scheme": scheme,
            "data": {
                "transactionId": "tx_t",
                "userId": "test123",
                "creatorId": "creator456",
                "amount": 19.99,
                "currency": "USD",
            },
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["response"]["status"] == 202, body
    event = WebhookEvent.objects.get()
    assert event.event_type == "subscription_created"
    assert event.signature_scheme == scheme


def test_test_webhook_is_staff_only(settings, platform_secret, client_for, creator_user):
    settings.DEBUG = True
    response = client_for(creator_user).post(
        "/api/integrations/test/webhook", {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert Client().post("/api/integrations/test/webhook").status_code == 403
    assert not WebhookEvent.objects.exists()


# --- admin ---------------------------------------------------------------------------------------


def test_admin_lists_the_records_read_only(client_for, super_admin, synced_creator):
    client = client_for(super_admin)
    for path in (
        "integrations/webhookevent",
        "integrations/platformuser",
        "integrations/earningsreport",
        "payouts/masspayoutrequest",
    ):
        response = client.get(f"/admin/{path}/")
        assert response.status_code == 200, path
    user = PlatformUser.objects.first()
    assert client.get(f"/admin/integrations/platformuser/{user.pk}/change/").status_code == 200
    assert client.get("/admin/integrations/webhookevent/add/").status_code == 403


# --- the schema ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_valid(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)


def test_webhook_endpoints_have_an_example_for_every_event_type(schema):
    platform = schema["paths"]["/api/integrations/webhooks/{platform}"]["post"]
    central = schema["paths"]["/api/integrations/webhooks/fanzdash"]["post"]
    examples = set(platform["requestBody"]["content"]["application/json"]["examples"])
    examples |= set(central["requestBody"]["content"]["application/json"]["examples"])
    names = {name.replace("_", "").lower() for name in EVENT_TYPES}
    assert names <= {name.replace("_", "").lower() for name in examples}
    assert len(PLATFORM_EVENTS) + len(CENTRAL_EVENTS) == len(EVENT_TYPES)
    for operation in (platform, central):
        assert {"200", "202", "400", "401", "404", "409", "413", "422", "429"} <= set(
            operation["responses"]
        )
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert {"X-FANZ-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"} <= (
            headers
        )


def test_all_integration_paths_are_documented(schema):
    assert {
        "/api/integrations/health",
        "/api/integrations/webhooks/{platform}",
        "/api/integrations/webhooks/fanzdash",
        "/api/integrations/webhooks/{platform}/batch",
        "/api/integrations/sync/user",
        "/api/integrations/sync/earnings",
        "/api/integrations/users/{user_id}/permissions",
        "/api/integrations/test/webhook",
    } <= set(schema["paths"])
