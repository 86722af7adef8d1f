"""The API keys screen of a platform and the create/revoke commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.platforms.models import Platform, PlatformAPIKey

pytestmark = pytest.mark.django_db

KEYS_URL = reverse("platforms:api_keys", args=["boyfanz"])
NOT_EDITORS = [Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR]


@pytest.fixture
def admin_client(client_for, super_admin):
    return client_for(super_admin)


def _make_key(name="existing"):
    from apps.platforms.services import platform_api_key_create

    return platform_api_key_create(
        platform=Platform.objects.get(slug="boyfanz"), name=name, actor=None
    )


# --- access ---------------------------------------------------------------------------------


def test_super_admin_sees_the_keys_without_secrets(admin_client):
    key, raw = _make_key("BoyFanz backend")
    response = admin_client.get(KEYS_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert key.prefix in page and "BoyFanz backend" in page
    assert raw not in page and key.hashed_key not in page
    assert 'data-testid="new-key"' not in page
    assert "no-store" in response["Cache-Control"]


def test_the_platform_page_links_to_the_keys_for_editors_only(
    client_for, super_admin, finance_user
):
    detail = reverse("platforms:detail", args=["boyfanz"])
    assert b'data-testid="api-keys-link"' in client_for(super_admin).get(detail).content
    assert b'data-testid="api-keys-link"' not in client_for(finance_user).get(detail).content


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_other_roles_may_not_see_create_or_revoke_keys(users_by_role, client_for, role):
    key, _ = _make_key()
    client = client_for(users_by_role[role])
    assert client.get(KEYS_URL).status_code == 403
    assert client.post(KEYS_URL, {"name": "sneaky"}).status_code == 403
    revoke = reverse("platforms:revoke_api_key", args=["boyfanz", key.prefix])
    assert client.post(revoke).status_code == 403
    assert PlatformAPIKey.objects.count() == 1
    key.refresh_from_db()
    assert not key.revoked


def test_anonymous_is_sent_to_login(db):
    key, _ = _make_key()
    for response in (
        Client().get(KEYS_URL),
        Client().post(KEYS_URL, {"name": "x"}),
        Client().post(reverse("platforms:revoke_api_key", args=["boyfanz", key.prefix])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert PlatformAPIKey.objects.count() == 1


def test_unknown_platform_is_404(admin_client):
    assert admin_client.get(reverse("platforms:api_keys", args=["nope"])).status_code == 404


# --- create ---------------------------------------------------------------------------------


def test_creating_a_key_shows_it_once(admin_client, super_admin):
    response = admin_client.post(KEYS_URL, {"name": "Production", "expires_days": "30"})
    assert response.status_code == 200
    key = PlatformAPIKey.objects.get()
    raw = response.context["raw_key"]
    assert raw.startswith(key.prefix + ".")
    assert PlatformAPIKey.objects.get_from_key(raw) == key
    page = response.content.decode()
    assert 'data-testid="new-key"' in page and raw in page
    assert "no-store" in response["Cache-Control"]
    assert key.name == "Production" and key.created_by == super_admin
    assert key.expiry_date is not None
    # Shown once: the next visit lists the prefix only.
    again = admin_client.get(KEYS_URL).content.decode()
    assert key.prefix in again and raw not in again
    event = AuditEvent.objects.get(action="platform.api_key_created")
    assert event.actor == super_admin and raw not in str(event.after)
    # And the key works.
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/creators/").status_code == 200


@pytest.mark.parametrize(
    "data", [{"name": ""}, {"name": "x" * 51}, {"name": "ok", "expires_days": "0"}]
)
def test_bad_input_creates_nothing(admin_client, data):
    response = admin_client.post(KEYS_URL, data)
    assert response.status_code == 400
    assert 'data-testid="new-key"' not in response.content.decode()
    assert not PlatformAPIKey.objects.exists()
    assert not AuditEvent.objects.filter(action="platform.api_key_created").exists()


def test_a_retired_platform_gets_no_new_keys(admin_client):
    Platform.objects.filter(slug="boyfanz").update(status=Platform.Status.RETIRED)
    response = admin_client.post(KEYS_URL, {"name": "late"})
    assert response.status_code == 400
    assert b"retired" in response.content
    assert not PlatformAPIKey.objects.exists()


# --- revoke ---------------------------------------------------------------------------------


def test_revoking_a_key(admin_client, super_admin):
    key, raw = _make_key()
    revoke = reverse("platforms:revoke_api_key", args=["boyfanz", key.prefix])
    assert admin_client.get(revoke).status_code == 405
    response = admin_client.post(revoke)
    assert response.status_code == 302 and response["Location"] == KEYS_URL
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    assert AuditEvent.objects.get(action="platform.api_key_revoked").actor == super_admin
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/creators/").status_code == 401
    # Twice: refused with a message, nothing more recorded.
    admin_client.post(revoke)
    assert AuditEvent.objects.filter(action="platform.api_key_revoked").count() == 1


def test_a_key_is_revoked_only_through_its_own_platform(admin_client):
    key, _ = _make_key()
    response = admin_client.post(reverse("platforms:revoke_api_key", args=["girlfanz", key.prefix]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert not key.revoked


# --- commands ------------------------------------------------------------------------------


def test_create_platform_key_prints_the_key_alone():
    out, err = io.StringIO(), io.StringIO()
    call_command("create_platform_key", "boyfanz", "--name", "ops", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = PlatformAPIKey.objects.get()
    assert PlatformAPIKey.objects.get_from_key(raw) == key
    assert key.name == "ops" and key.platform.slug == "boyfanz" and key.expiry_date is None
    assert key.prefix in err.getvalue() and raw not in err.getvalue()
    assert AuditEvent.objects.get(action="platform.api_key_created").actor is None


def test_create_platform_key_with_expiry_and_default_name():
    out = io.StringIO()
    call_command(
        "create_platform_key", "girlfanz", "--expires-days", "7", stdout=out, stderr=io.StringIO()
    )
    key = PlatformAPIKey.objects.get()
    assert key.name.startswith("cli ")
    assert key.expiry_date is not None


@pytest.mark.parametrize("args", [["nope"], ["boyfanz", "--expires-days", "0"]])
def test_create_platform_key_refuses_bad_input(args):
    with pytest.raises(CommandError):
        call_command("create_platform_key", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert not PlatformAPIKey.objects.exists()


def test_revoke_platform_key_command():
    key, _ = _make_key()
    out = io.StringIO()
    call_command("revoke_platform_key", key.prefix, stdout=out)
    key.refresh_from_db()
    assert key.revoked
    assert "revoked" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("revoke_platform_key", key.prefix, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("revoke_platform_key", "zzzzzzzz", stdout=io.StringIO())


def test_admin_lists_keys_read_only_without_hashes(client_for, super_admin):
    key, raw = _make_key("listed")
    client = client_for(super_admin)
    response = client.get("/admin/platforms/platformapikey/")
    assert response.status_code == 200
    page = response.content.decode()
    assert key.prefix in page and raw not in page and key.hashed_key not in page
    assert client.get("/admin/platforms/platformapikey/add/").status_code == 403
    assert client.get("/admin/rest_framework_api_key/apikey/").status_code == 404
