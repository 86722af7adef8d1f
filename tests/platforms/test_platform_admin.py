from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.platforms.models import Platform, WebhookSecret
from apps.platforms.services import platform_webhook_secret_rotate


@pytest.fixture
def boyfanz(db) -> Platform:
    return Platform.objects.get(slug="boyfanz")


def _change_data(platform: Platform, secrets=(), revoke=(), **overrides) -> dict:
    data = {
        "name": platform.name,
        "domain": platform.domain,
        "status": platform.status,
        "fee_percent": str(platform.fee_percent),
        "hold_days": str(platform.hold_days),
        "outbound_webhook_url": platform.outbound_webhook_url,
        "webhook_secrets-TOTAL_FORMS": str(len(secrets)),
        "webhook_secrets-INITIAL_FORMS": str(len(secrets)),
        "webhook_secrets-MIN_NUM_FORMS": "0",
        "webhook_secrets-MAX_NUM_FORMS": "1000",
    }
    for index, secret in enumerate(secrets):
        data[f"webhook_secrets-{index}-id"] = str(secret.pk)
        data[f"webhook_secrets-{index}-platform"] = str(platform.pk)
        if secret in revoke:
            data[f"webhook_secrets-{index}-revoke"] = "on"
    data.update(overrides)
    return data


def test_admin_pages_render_without_the_secret(client_for, super_admin, boyfanz):
    secret = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    client = client_for(super_admin)
    assert client.get(reverse("admin:platforms_platform_changelist")).status_code == 200
    page = client.get(reverse("admin:platforms_platform_change", args=[boyfanz.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert secret.hint in html and secret.secret not in html
    assert client.get(reverse("admin:platforms_platform_add")).status_code == 200


def test_admin_change_goes_through_the_service(client_for, super_admin, boyfanz):
    response = client_for(super_admin).post(
        reverse("admin:platforms_platform_change", args=[boyfanz.pk]),
        _change_data(boyfanz, fee_percent="3.25", hold_days="10"),
    )
    assert response.status_code == 302, response.context["adminform"].errors
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days) == (Decimal("3.25"), 10)
    event = AuditEvent.objects.get(action="platform.updated")
    assert event.before == {"fee_percent": "0.00", "hold_days": 7}
    assert event.actor == super_admin
    assert AuditEvent.objects.filter(action="admin.platforms.platform.changed").exists()


def test_admin_refuses_bad_values(client_for, super_admin, boyfanz):
    response = client_for(super_admin).post(
        reverse("admin:platforms_platform_change", args=[boyfanz.pk]),
        _change_data(boyfanz, fee_percent="150", hold_days="400"),
    )
    assert response.status_code == 200
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days) == (0, 7)
    assert not AuditEvent.objects.filter(action="platform.updated").exists()


def test_admin_add_goes_through_the_service(client_for, super_admin):
    response = client_for(super_admin).post(
        reverse("admin:platforms_platform_add"),
        {
            "slug": "femmefanz",
            "name": "FemmeFanz",
            "domain": "femmefanz.com",
            "status": "active",
            "fee_percent": "0",
            "hold_days": "7",
            "settlement_currency": "EUR",
            "outbound_webhook_url": "",
        },
    )
    assert response.status_code == 302
    platform = Platform.objects.get(slug="femmefanz")
    assert platform.settlement_currency_id == "EUR"
    assert AuditEvent.objects.get(action="platform.created").target_id == str(platform.pk)
    assert AuditEvent.objects.filter(action="admin.platforms.platform.added").exists()


def test_admin_inline_revokes_through_the_service(client_for, super_admin, boyfanz):
    keep = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    leaked = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    secrets = [leaked, keep]  # the inline lists newest first
    response = client_for(super_admin).post(
        reverse("admin:platforms_platform_change", args=[boyfanz.pk]),
        _change_data(boyfanz, secrets=secrets, revoke=[leaked]),
    )
    assert response.status_code == 302
    leaked.refresh_from_db()
    keep.refresh_from_db()
    assert leaked.revoked_at is not None and keep.revoked_at is None
    assert keep.secret == WebhookSecret.objects.get(pk=keep.pk).secret  # untouched
    event = AuditEvent.objects.get(action="platform.webhook_secret_revoked")
    assert event.before["hint"] == leaked.hint


def test_admin_rotate_action(client_for, super_admin, boyfanz):
    old = platform_webhook_secret_rotate(platform=boyfanz, actor=None)
    response = client_for(super_admin).post(
        reverse("admin:platforms_platform_changelist"),
        {"action": "rotate_webhook_secret", "_selected_action": [boyfanz.pk]},
        follow=True,
    )
    new = WebhookSecret.objects.filter(platform=boyfanz).exclude(pk=old.pk).get()
    assert new.secret in response.content.decode()
    old.refresh_from_db()
    assert old.is_active and old.expires_at is not None
    assert AuditEvent.objects.filter(
        action="platform.webhook_secret_rotated", actor=super_admin
    ).exists()


def test_support_cannot_change_in_the_admin(client_for, support_user, boyfanz):
    client = client_for(support_user)
    response = client.post(
        reverse("admin:platforms_platform_change", args=[boyfanz.pk]),
        _change_data(boyfanz, fee_percent="9"),
    )
    assert response.status_code == 403
    boyfanz.refresh_from_db()
    assert boyfanz.fee_percent == 0
