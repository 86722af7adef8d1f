from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.exceptions import ApplicationError
from apps.platforms.models import Platform, WebhookSecret
from apps.platforms.selectors import platform_active_secrets, platform_list
from apps.platforms.services import (
    platform_create,
    platform_update,
    platform_webhook_secret_revoke,
    platform_webhook_secret_rotate,
)


@pytest.fixture
def boyfanz(db) -> Platform:
    return Platform.objects.get(slug="boyfanz")


def _audit_text(event: AuditEvent) -> str:
    return json.dumps([event.before, event.after], cls=DjangoJSONEncoder)


def _travel(time_machine, to):
    time_machine.move_to(to, tick=False)


# --- platform_update -----------------------------------------------------------------------


def test_update_saves_and_audits_only_what_changed(boyfanz, super_admin):
    platform_update(
        platform=boyfanz,
        actor=super_admin,
        fee_percent=Decimal("12.50"),
        hold_days=7,  # unchanged
        outbound_webhook_url="https://hooks.boyfanz.com/fanzdash",
    )
    boyfanz.refresh_from_db()
    assert boyfanz.fee_percent == Decimal("12.50")
    assert boyfanz.outbound_webhook_url == "https://hooks.boyfanz.com/fanzdash"
    event = AuditEvent.objects.get(action="platform.updated")
    assert event.actor == super_admin
    assert event.target_type == "platforms.platform" and event.target_id == str(boyfanz.pk)
    assert event.before == {"fee_percent": "0.00", "outbound_webhook_url": ""}
    assert event.after == {
        "fee_percent": "12.50",
        "outbound_webhook_url": "https://hooks.boyfanz.com/fanzdash",
    }


def test_update_without_a_change_writes_no_event(boyfanz, super_admin):
    platform_update(platform=boyfanz, actor=super_admin, hold_days=7, status="active")
    assert not AuditEvent.objects.filter(action="platform.updated").exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"fee_percent": "100.01"}, "invalid_fee_percent"),
        ({"fee_percent": "-1"}, "invalid_fee_percent"),
        ({"fee_percent": "1.234"}, "invalid_fee_percent"),
        ({"fee_percent": 1.5}, "invalid_fee_percent"),
        ({"fee_percent": "NaN"}, "invalid_fee_percent"),
        ({"fee_percent": "abc"}, "invalid_fee_percent"),
        ({"hold_days": 366}, "invalid_hold_days"),
        ({"hold_days": -1}, "invalid_hold_days"),
        ({"hold_days": "7"}, "invalid_hold_days"),
        ({"status": "deleted"}, "invalid_status"),
        ({"outbound_webhook_url": "ftp://example.com/x"}, "invalid_url"),
        ({"outbound_webhook_url": "not a url"}, "invalid_url"),
        ({"slug": "other"}, "field_not_editable"),
        ({"settlement_currency": "EUR"}, "field_not_editable"),
        ({"name": ""}, "invalid_text"),
    ],
)
def test_update_refusals_write_nothing(boyfanz, super_admin, changes, code):
    before = Platform.objects.values().get(pk=boyfanz.pk)
    with pytest.raises(ApplicationError) as error:
        # a valid change alongside: the refusal must keep it from being saved too
        platform_update(platform=boyfanz, actor=super_admin, **{"domain": "new.example", **changes})
    assert error.value.code == code
    assert Platform.objects.values().get(pk=boyfanz.pk) == before
    assert not AuditEvent.objects.filter(action="platform.updated").exists()


def test_update_accepts_the_bounds(boyfanz, super_admin):
    platform_update(
        platform=boyfanz, actor=super_admin, fee_percent="100", hold_days=365, status="paused"
    )
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days, boyfanz.status) == (100, 365, "paused")
    platform_update(platform=boyfanz, actor=super_admin, fee_percent="0.01", hold_days=0)
    boyfanz.refresh_from_db()
    assert (boyfanz.fee_percent, boyfanz.hold_days) == (Decimal("0.01"), 0)


def test_create_audits_and_refuses_a_taken_slug(super_admin):
    platform = platform_create(
        slug="FemmeFanz", name="FemmeFanz", domain="femmefanz.com", actor=super_admin
    )
    assert platform.slug == "femmefanz" and platform.hold_days == 7
    assert AuditEvent.objects.get(action="platform.created").target_id == str(platform.pk)
    with pytest.raises(ApplicationError) as error:
        platform_create(slug="boyfanz", name="Again", domain="x.com", actor=super_admin)
    assert error.value.code == "slug_taken"
    with pytest.raises(ApplicationError) as error:
        platform_create(slug="bad slug!", name="X", domain="x.com", actor=super_admin)
    assert error.value.code == "invalid_slug"
    with pytest.raises(ApplicationError):
        platform_create(
            slug="newfanz", name="N", domain="n.com", settlement_currency="XXX", actor=super_admin
        )
    assert Platform.objects.filter(slug__in=["newfanz", "bad slug!"]).count() == 0


# --- webhook secrets -------------------------------------------------------------------------


def test_rotation_keeps_the_old_secret_during_the_grace_window(boyfanz, super_admin, time_machine):
    first = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    assert len(first.secret) >= 40  # token_urlsafe(32)
    assert platform_active_secrets(boyfanz) == [first.secret]

    start = timezone.now()
    _travel(time_machine, start)
    second = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, grace_hours=24)
    first.refresh_from_db()
    assert first.expires_at == start + timedelta(hours=24)
    assert first.revoked_at is None
    assert second.expires_at is None and second.secret != first.secret
    assert platform_active_secrets(boyfanz) == [second.secret, first.secret]

    _travel(time_machine, start + timedelta(hours=23, minutes=59))
    assert platform_active_secrets(boyfanz) == [second.secret, first.secret]
    first.refresh_from_db()
    assert first.is_active

    _travel(time_machine, start + timedelta(hours=24, seconds=1))
    assert platform_active_secrets(boyfanz) == [second.secret]
    first.refresh_from_db()
    assert not first.is_active


def test_rotation_with_zero_grace_revokes_at_once(boyfanz, super_admin):
    first = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    second = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, grace_hours=0)
    first.refresh_from_db()
    assert first.revoked_at is not None and not first.is_active
    assert platform_active_secrets(boyfanz) == [second.secret]


def test_rotation_never_extends_an_earlier_expiry(boyfanz, super_admin):
    first = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, grace_hours=1)
    first.refresh_from_db()
    deadline = first.expires_at
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, grace_hours=48)
    first.refresh_from_db()
    assert first.expires_at == deadline


def test_rotation_audit_holds_hints_never_secrets(boyfanz, super_admin):
    old = platform_webhook_secret_rotate(
        platform=boyfanz, actor=super_admin, secret="old-secret-0123456789-abcd"
    )
    new = platform_webhook_secret_rotate(
        platform=boyfanz, actor=super_admin, secret="new-secret-0123456789-wxyz", grace_hours=2
    )
    events = list(AuditEvent.objects.filter(action="platform.webhook_secret_rotated"))
    assert len(events) == 2
    for event in events:
        text = _audit_text(event)
        assert old.secret not in text and new.secret not in text
    latest = events[0]
    assert latest.actor == super_admin and latest.target_id == str(boyfanz.pk)
    assert latest.after["new_secret"]["hint"] == "…wxyz"
    assert latest.after["grace_hours"] == 2
    assert latest.before == {"active_secrets": ["…abcd"]}
    assert latest.after["previous_secrets"][0]["hint"] == "…abcd"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"secret": "x" * 23}, "weak_secret"),
        ({"secret": ""}, "weak_secret"),
        ({"secret": " " + "x" * 30}, "invalid_secret"),
        ({"secret": "x" * 256}, "invalid_secret"),
        ({"grace_hours": -1}, "invalid_grace"),
        ({"grace_hours": 24 * 30 + 1}, "invalid_grace"),
        ({"grace_hours": "24"}, "invalid_grace"),
    ],
)
def test_rotation_refusals_write_nothing(boyfanz, super_admin, kwargs, code):
    existing = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as error:
        platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, **kwargs)
    assert error.value.code == code
    assert list(WebhookSecret.objects.filter(platform=boyfanz)) == [existing]
    existing.refresh_from_db()
    assert existing.expires_at is None and existing.revoked_at is None
    assert AuditEvent.objects.count() == events


def test_rotation_refuses_reusing_an_active_secret(boyfanz, super_admin):
    secret = "the-same-secret-again-and-again"
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, secret=secret)
    with pytest.raises(ApplicationError) as error:
        platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, secret=secret)
    assert error.value.code == "secret_reused"
    assert WebhookSecret.objects.filter(platform=boyfanz).count() == 1


def test_a_given_secret_of_24_characters_is_accepted(boyfanz, super_admin):
    secret = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, secret="s" * 24)
    assert platform_active_secrets(boyfanz) == ["s" * 24]
    assert secret.hint == "…ssss"


def test_revoke(boyfanz, super_admin):
    secret = platform_webhook_secret_rotate(
        platform=boyfanz, actor=super_admin, secret="leaked-secret-000000000-1234"
    )
    platform_webhook_secret_revoke(secret=secret, actor=super_admin)
    secret.refresh_from_db()
    assert secret.revoked_at is not None
    event = AuditEvent.objects.get(action="platform.webhook_secret_revoked")
    assert event.actor == super_admin and event.target_id == str(boyfanz.pk)
    assert event.before["hint"] == "…1234" and event.after["revoked_at"] is not None
    assert secret.secret not in _audit_text(event)
    with pytest.raises(ApplicationError) as error:
        platform_webhook_secret_revoke(secret=secret, actor=super_admin)
    assert error.value.code == "secret_revoked"
    assert AuditEvent.objects.filter(action="platform.webhook_secret_revoked").count() == 1


# --- active secrets and the environment -------------------------------------------------------


def test_network_webhook_secret_is_the_fallback_only_without_own_secrets(
    boyfanz, super_admin, settings
):
    settings.WEBHOOK_SECRET = ""
    assert platform_active_secrets(boyfanz) == []
    settings.WEBHOOK_SECRET = "network-wide-secret-from-env"
    assert platform_active_secrets(boyfanz) == ["network-wide-secret-from-env"]
    own = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    assert platform_active_secrets(boyfanz) == [own.secret]
    platform_webhook_secret_revoke(secret=own, actor=super_admin)
    assert platform_active_secrets(boyfanz) == ["network-wide-secret-from-env"]
    settings.WEBHOOK_SECRET = ""
    assert platform_active_secrets(boyfanz) == []


def test_env_overrides_the_outbound_url(boyfanz, monkeypatch):
    boyfanz.outbound_webhook_url = "https://stored.example/hook"
    monkeypatch.delenv("WEBHOOK_BOYFANZ", raising=False)
    assert boyfanz.effective_outbound_webhook_url == "https://stored.example/hook"
    monkeypatch.setenv("WEBHOOK_BOYFANZ", "https://env.example/hook")
    assert boyfanz.effective_outbound_webhook_url == "https://env.example/hook"


def test_platform_list_counts(boyfanz, super_admin, creator_factory):
    creator_factory(platforms=("boyfanz", "girlfanz"))
    creator_factory(platforms=("boyfanz",))
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    third = platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin, grace_hours=0)
    assert not WebhookSecret.objects.active().exclude(pk=third.pk).exists()
    platform_webhook_secret_rotate(platform=boyfanz, actor=super_admin)
    rows = {p.slug: p for p in platform_list()}
    assert (rows["boyfanz"].creator_count, rows["boyfanz"].active_secret_count) == (2, 2)
    assert (rows["girlfanz"].creator_count, rows["girlfanz"].active_secret_count) == (1, 0)
    assert (rows["pupfanz"].creator_count, rows["pupfanz"].active_secret_count) == (0, 0)
