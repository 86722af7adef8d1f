from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.platforms.models import Platform, WebhookSecret
from apps.platforms.services import platform_create, platform_webhook_secret_rotate

VIEWERS = [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT]
NOT_EDITORS = [Role.FINANCE, Role.COMPLIANCE, Role.SUPPORT, Role.CREATOR]


@pytest.fixture
def boyfanz(db) -> Platform:
    return Platform.objects.get(slug="boyfanz")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", VIEWERS)
def test_staff_may_view_list_and_detail(users_by_role, client_for, role):
    client = client_for(users_by_role[role])
    response = client.get(reverse("platforms:list"))
    assert response.status_code == 200
    assert b"BoyFanz" in response.content and b"transfanz" in response.content
    assert client.get(reverse("platforms:detail", args=["boyfanz"])).status_code == 200


def test_creators_may_not_view(users_by_role, client_for):
    client = client_for(users_by_role[Role.CREATOR])
    assert client.get(reverse("platforms:list")).status_code == 403
    assert client.get(reverse("platforms:detail", args=["boyfanz"])).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        reverse("platforms:list"),
        reverse("platforms:detail", args=["boyfanz"]),
        reverse("platforms:edit", args=["boyfanz"]),
    ],
)
def test_anonymous_is_sent_to_login(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_posts_change_nothing(boyfanz):
    client = Client()
    rotate = client.post(reverse("platforms:rotate_secret", args=["boyfanz"]))
    edit = client.post(reverse("platforms:edit", args=["boyfanz"]), {"fee_percent": "50"})
    assert rotate.status_code == 302 and edit.status_code == 302
    assert not WebhookSecret.objects.exists()
    boyfanz.refresh_from_db()
    assert boyfanz.fee_percent == 0


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_only_super_admin_may_edit_or_rotate(users_by_role, client_for, boyfanz, role):
    secret = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    client = client_for(users_by_role[role])
    edit_url = reverse("platforms:edit", args=["boyfanz"])
    assert client.get(edit_url).status_code == 403
    data = {"fee_percent": "5", "hold_days": "3", "status": "paused", "outbound_webhook_url": ""}
    assert client.post(edit_url, data).status_code == 403
    assert client.post(reverse("platforms:rotate_secret", args=["boyfanz"])).status_code == 403
    revoke = reverse("platforms:revoke_secret", args=["boyfanz", secret.pk])
    assert client.post(revoke).status_code == 403
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days, boyfanz.status) == (0, 7, "active")
    assert list(WebhookSecret.objects.active()) == [secret]
    detail = client.get(reverse("platforms:detail", args=["boyfanz"]))
    if role != Role.CREATOR:
        assert b"Rotate secret" not in detail.content and b">Edit<" not in detail.content


# --- list and detail ----------------------------------------------------------------------


def test_list_columns_and_constant_queries(
    client_for, super_admin, creator_factory, django_assert_max_num_queries
):
    client = client_for(super_admin)
    creator_factory(platforms=("boyfanz", "girlfanz"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("platforms:list"))
    for n in range(15):
        platform_create(slug=f"extra{n}", name=f"Extra {n}", domain=f"x{n}.com", actor=None)
        platform_webhook_secret_rotate(platform=Platform.objects.get(slug=f"extra{n}"), actor=None)
        if n % 5 == 0:
            creator_factory(platforms=(f"extra{n}", "boyfanz"))
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get(reverse("platforms:list"))
    assert len(many) == len(few)
    rows = {p.slug: p for p in response.context["page"]}
    assert rows["boyfanz"].creator_count == 4 and rows["extra5"].creator_count == 1
    assert rows["extra3"].active_secret_count == 1 and rows["boyfanz"].active_secret_count == 0
    html = response.content.decode()
    for text in ("boyfanz.com", "0.00", "USD", "Active"):
        assert text in html


def test_list_htmx_fragment(client_for, support_user):
    response = client_for(support_user).get(reverse("platforms:list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b"BoyFanz" in response.content
    assert "HX-Request" in response["Vary"]


def test_detail_shows_hints_never_secrets(client_for, finance_user, boyfanz):
    old = platform_webhook_secret_rotate(
        platform=boyfanz, actor=None, secret="first-secret-0000000000-abcd"
    )
    new = platform_webhook_secret_rotate(
        platform=boyfanz, actor=None, secret="second-secret-000000000-wxyz", grace_hours=0
    )
    response = client_for(finance_user).get(reverse("platforms:detail", args=["boyfanz"]))
    html = response.content.decode()
    assert "…abcd" in html and "…wxyz" in html
    assert old.secret not in html and new.secret not in html
    assert "revoked" in html and "active" in html


def test_detail_notes_the_env_override(client_for, support_user, boyfanz, monkeypatch):
    boyfanz.outbound_webhook_url = "https://stored.example/hook"
    boyfanz.save()
    client = client_for(support_user)
    monkeypatch.delenv("WEBHOOK_BOYFANZ", raising=False)
    response = client.get(reverse("platforms:detail", args=["boyfanz"]))
    assert b"https://stored.example/hook" in response.content
    assert b'data-testid="url-override-note"' not in response.content
    monkeypatch.setenv("WEBHOOK_BOYFANZ", "https://env.example/hook")
    response = client.get(reverse("platforms:detail", args=["boyfanz"]))
    html = response.content.decode()
    assert 'data-testid="url-override-note"' in html
    assert "WEBHOOK_BOYFANZ" in html and "https://env.example/hook" in html


def test_unknown_platform_is_404(client_for, super_admin):
    assert (
        client_for(super_admin).get(reverse("platforms:detail", args=["nope"])).status_code == 404
    )


# --- edit --------------------------------------------------------------------------------


def test_super_admin_edits_a_platform(client_for, super_admin, boyfanz):
    response = client_for(super_admin).post(
        reverse("platforms:edit", args=["boyfanz"]),
        {
            "fee_percent": "2.50",
            "hold_days": "14",
            "status": "paused",
            "outbound_webhook_url": "https://hooks.boyfanz.com/in",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("platforms:detail", args=["boyfanz"])
    boyfanz.refresh_from_db()
    assert boyfanz.fee_percent == Decimal("2.50")
    assert (boyfanz.hold_days, boyfanz.status) == (14, "paused")
    assert boyfanz.outbound_webhook_url == "https://hooks.boyfanz.com/in"
    event = AuditEvent.objects.get(action="platform.updated")
    assert event.actor == super_admin
    assert event.before == {
        "fee_percent": "0.00",
        "hold_days": 7,
        "status": "active",
        "outbound_webhook_url": "",
    }
    assert event.after["fee_percent"] == "2.50" and event.after["hold_days"] == 14


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fee_percent", "100.5"),
        ("fee_percent", "-0.01"),
        ("fee_percent", "1.234"),
        ("fee_percent", "ten"),
        ("hold_days", "366"),
        ("hold_days", "-1"),
        ("hold_days", "1.5"),
        ("status", "gone"),
        ("outbound_webhook_url", "not a url"),
    ],
)
def test_invalid_edit_shows_errors_and_saves_nothing(
    client_for, super_admin, boyfanz, field, value
):
    data = {
        "fee_percent": "1",
        "hold_days": "1",
        "status": "paused",
        "outbound_webhook_url": "",
        field: value,
    }
    response = client_for(super_admin).post(reverse("platforms:edit", args=["boyfanz"]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b"is-invalid" in response.content
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days, boyfanz.status) == (0, 7, "active")
    assert not AuditEvent.objects.filter(action="platform.updated").exists()


def test_edit_form_is_prefilled(client_for, super_admin):
    response = client_for(super_admin).get(reverse("platforms:edit", args=["boyfanz"]))
    assert response.context["form"].initial["hold_days"] == 7
    assert b'value="7"' in response.content


# --- rotate and revoke --------------------------------------------------------------------


def test_rotation_shows_the_new_secret_once(client_for, super_admin, boyfanz):
    old = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    client = client_for(super_admin)
    response = client.post(
        reverse("platforms:rotate_secret", args=["boyfanz"]), {"grace_hours": "6"}, follow=True
    )
    new = WebhookSecret.objects.filter(platform=boyfanz).exclude(pk=old.pk).get()
    assert new.secret in response.content.decode()
    old.refresh_from_db()
    assert old.is_active and old.expires_at is not None
    again = client.get(reverse("platforms:detail", args=["boyfanz"]))
    assert new.secret not in again.content.decode()
    assert new.hint in again.content.decode()
    event = AuditEvent.objects.get(action="platform.webhook_secret_rotated", actor=super_admin)
    assert event.after["grace_hours"] == 6
    assert new.secret not in str(event.before) + str(event.after)


def test_rotation_with_zero_grace_from_the_page(client_for, super_admin, boyfanz):
    old = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    client_for(super_admin).post(
        reverse("platforms:rotate_secret", args=["boyfanz"]), {"grace_hours": "0"}
    )
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert WebhookSecret.objects.active().filter(platform=boyfanz).count() == 1


@pytest.mark.parametrize("grace", ["-1", "721", "soon", ""])
def test_rotation_with_a_bad_grace_is_refused(client_for, super_admin, boyfanz, grace):
    response = client_for(super_admin).post(
        reverse("platforms:rotate_secret", args=["boyfanz"]), {"grace_hours": grace}
    )
    assert response.status_code == 302
    assert any("grace period" in text for text in _messages(response))
    assert not WebhookSecret.objects.exists()
    assert not AuditEvent.objects.filter(action="platform.webhook_secret_rotated").exists()


def test_rotation_is_post_only(client_for, super_admin):
    response = client_for(super_admin).get(reverse("platforms:rotate_secret", args=["boyfanz"]))
    assert response.status_code == 405
    assert not WebhookSecret.objects.exists()


def test_revoke_from_the_page(client_for, super_admin, boyfanz):
    secret = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    client = client_for(super_admin)
    url = reverse("platforms:revoke_secret", args=["boyfanz", secret.pk])
    response = client.post(url)
    assert response.status_code == 302
    secret.refresh_from_db()
    assert secret.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="platform.webhook_secret_revoked", actor=super_admin
    ).exists()
    again = client.post(url)
    assert any("already revoked" in text for text in _messages(again))
    assert AuditEvent.objects.filter(action="platform.webhook_secret_revoked").count() == 1


def test_revoke_checks_the_platform(client_for, super_admin):
    girlfanz = Platform.objects.get(slug="girlfanz")
    secret = platform_webhook_secret_rotate(platform=girlfanz, actor=None)
    url = reverse("platforms:revoke_secret", args=["boyfanz", secret.pk])
    assert client_for(super_admin).post(url).status_code == 404
    secret.refresh_from_db()
    assert secret.revoked_at is None
