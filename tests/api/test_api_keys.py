"""Platform API keys: hashed at rest, shown once, Bearer and Api-Key headers, revocation,
expiry, last use, and the refusals (401 with WWW-Authenticate, 403 for an inactive platform)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.platforms.authentication import PlatformPrincipal
from apps.platforms.models import Platform, PlatformAPIKey
from apps.platforms.services import platform_api_key_create, platform_api_key_revoke

from .keys import key_client, make_key

pytestmark = pytest.mark.django_db

URL = "/api/v1/creators/"


def test_a_key_is_stored_hashed_and_returned_once(super_admin):
    key, raw = make_key(actor=super_admin, name="BoyFanz backend")
    stored = PlatformAPIKey.objects.get(pk=key.pk)
    assert raw.startswith(f"{stored.prefix}.")
    assert len(raw) >= 40
    assert raw not in stored.hashed_key
    assert raw not in stored.pk
    assert stored.hashed_key.startswith("sha512$$")
    assert stored.platform.slug == "boyfanz"
    assert stored.created_by == super_admin
    assert stored.last_used_at is None
    # Nothing that reaches the audit log holds the key or its hash.
    event = AuditEvent.objects.get(action="platform.api_key_created")
    assert event.after == {
        "prefix": stored.prefix,
        "name": "BoyFanz backend",
        "expires_at": None,
        "revoked": False,
    }
    assert event.actor == super_admin
    assert raw not in str(event.after) and stored.hashed_key not in str(event.after)


def test_two_keys_differ(super_admin):
    _, first = make_key(actor=super_admin)
    _, second = make_key(actor=super_admin)
    assert first != second


@pytest.mark.parametrize("name", ["", "   ", "x" * 51])
def test_a_key_needs_a_name(super_admin, name):
    with pytest.raises(ApplicationError) as error:
        make_key(actor=super_admin, name=name)
    assert error.value.code == "invalid_name"
    assert not PlatformAPIKey.objects.exists()
    assert not AuditEvent.objects.filter(action="platform.api_key_created").exists()


def test_an_expiry_in_the_past_is_refused(super_admin):
    with pytest.raises(ApplicationError) as error:
        make_key(actor=super_admin, expires_at=timezone.now() - timedelta(minutes=1))
    assert error.value.code == "invalid_expiry"
    assert not PlatformAPIKey.objects.exists()


@pytest.mark.parametrize("scheme", ["Bearer", "Api-Key", "bearer"])
def test_both_header_schemes_authenticate(scheme, creator_factory):
    creator_factory(platforms=("boyfanz",))
    _, raw = make_key()
    response = key_client(raw, scheme=scheme).get(URL)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 1


def test_the_principal_is_the_platform(rf):
    from rest_framework.request import Request

    from apps.platforms.authentication import PlatformAPIKeyAuthentication

    key, raw = make_key()
    request = Request(rf.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}"))
    user, auth = PlatformAPIKeyAuthentication().authenticate(request)
    assert isinstance(user, PlatformPrincipal)
    assert user.platform.slug == "boyfanz"
    assert user.api_key == auth == key
    assert user.is_authenticated and not user.is_anonymous
    assert user.pk is None
    assert "boyfanz" in str(user)
    # A key holds none of the staff permissions.
    assert not user.has_perm("ledger.view_ledger")
    assert not user.has_perm("platforms.change_platform")
    assert not user.has_perms(["creators.view_creator", "ledger.view_ledger"])


def _assert_401(response, words=""):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["error"] == "authentication_failed"
    assert words in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer nodot",
        "Bearer abcdefgh.wrongsecretwrongsecretwrongsecret",
        "Api-Key ZZZZZZZZZ.toolongprefix",
        "Bearer \u00e9t\u00e9.x",
    ],
)
def test_malformed_or_unknown_keys_are_401(client, header):
    response = client.get(URL, HTTP_AUTHORIZATION=header)
    _assert_401(response)


def test_a_right_prefix_with_a_wrong_secret_is_401(client):
    key, _ = make_key()
    _assert_401(client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key.prefix}.{'x' * 32}"))


def test_a_revoked_key_is_401(super_admin):
    key, raw = make_key()
    assert key_client(raw).get(URL).status_code == 200
    platform_api_key_revoke(key=key, actor=super_admin)
    _assert_401(key_client(raw).get(URL), "revoked")
    key.refresh_from_db()
    assert key.revoked and key.revoked_at is not None
    event = AuditEvent.objects.get(action="platform.api_key_revoked")
    assert event.before["revoked"] is False and event.after["revoked"] is True


def test_revoking_twice_is_refused(super_admin):
    key, _ = make_key()
    platform_api_key_revoke(key=key, actor=super_admin)
    with pytest.raises(ApplicationError) as error:
        platform_api_key_revoke(key=key, actor=super_admin)
    assert error.value.code == "key_revoked"
    assert AuditEvent.objects.filter(action="platform.api_key_revoked").count() == 1


def test_an_expired_key_is_401():
    key, raw = make_key(expires_at=timezone.now() + timedelta(hours=1))
    assert key_client(raw).get(URL).status_code == 200
    PlatformAPIKey.objects.filter(pk=key.pk).update(
        expiry_date=timezone.now() - timedelta(seconds=1)
    )
    _assert_401(key_client(raw).get(URL), "expired")


@pytest.mark.parametrize("status", [Platform.Status.PAUSED, Platform.Status.RETIRED])
def test_a_key_of_an_inactive_platform_is_403(status):
    _, raw = make_key()
    Platform.objects.filter(slug="boyfanz").update(status=status)
    response = key_client(raw).get(URL)
    assert response.status_code == 403
    assert response.json()["error"] == "platform_inactive"


def test_last_used_is_recorded_at_most_once_a_minute(django_assert_num_queries):
    key, raw = make_key()
    client = key_client(raw)
    assert client.get(URL).status_code == 200
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None and timezone.now() - first < timedelta(seconds=10)

    assert client.get(URL).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at == first  # within the minute: no write

    PlatformAPIKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    assert client.get(URL).status_code == 200
    key.refresh_from_db()
    assert key.last_used_at > first - timedelta(minutes=2)


def test_a_busy_key_costs_one_query_to_authenticate(rf, django_assert_num_queries):
    from rest_framework.request import Request

    from apps.platforms.authentication import PlatformAPIKeyAuthentication

    _, raw = make_key()
    auth = PlatformAPIKeyAuthentication()
    auth.authenticate(Request(rf.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")))  # touches
    with django_assert_num_queries(1):
        auth.authenticate(Request(rf.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")))


def test_other_schemes_fall_through_to_the_session(client):
    response = client.get(URL, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 403
    assert response.json()["error"] == "not_authenticated"


def test_a_key_is_not_a_staff_session(finance_user):
    """Staff endpoints that are not open to keys refuse them."""
    _, raw = make_key()
    for url in ("/api/v1/ledger/accounts/", "/api/v1/ledger/trial-balance/"):
        response = key_client(raw).get(url)
        assert response.status_code == 403, url
        assert response.json()["error"] == "permission_denied"


def test_service_creates_key_for_the_given_platform(super_admin):
    platform = Platform.objects.get(slug="girlfanz")
    key, raw = platform_api_key_create(platform=platform, name="gf", actor=super_admin)
    assert key.platform == platform
    assert PlatformAPIKey.objects.get_from_key(raw) == key


def test_endpoints_not_open_to_keys_refuse_them():
    """The default permission refuses keys: /me/ is a person's endpoint."""
    _, raw = make_key()
    response = key_client(raw).get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
