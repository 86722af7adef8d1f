"""POST /api/integrations/sync/user and sync/earnings with a platform API key."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.creators.models import Creator, PlatformAccount
from apps.integrations.models import EarningsReport, PlatformUser
from apps.integrations.services.reconciliation import mismatched_figures
from tests.api.keys import key_client, make_key

pytestmark = pytest.mark.django_db

USER_URL = "/api/integrations/sync/user"
EARNINGS_URL = "/api/integrations/sync/earnings"


@pytest.fixture
def boyfanz_client():
    _, raw = make_key("boyfanz")
    return key_client(raw)


@pytest.fixture
def girlfanz_client():
    _, raw = make_key("girlfanz")
    return key_client(raw, scheme="Api-Key")


def sync(client, **fields):
    body = {
        "id": "user123",
        "username": "creator_username",
        "email": "user@example.com",
        "role": "creator",
        "status": "active",
        **fields,
    }
    return client.post(USER_URL, body, content_type="application/json")


# --- sync/user ---------------------------------------------------------------------------------


def test_a_new_creator_is_created_and_linked_with_the_platform_id(boyfanz_client):
    response = sync(boyfanz_client)
    assert response.status_code == 201, response.content
    body = response.json()
    creator = Creator.objects.get(pk=body["creatorId"])
    assert body["created"] and body["creatorCreated"]
    assert creator.user.email == "user@example.com"
    assert creator.user.role == "creator"
    assert not creator.user.is_staff
    assert creator.display_name == "creator_username"
    account = PlatformAccount.objects.get(creator=creator)
    assert (account.platform.slug, account.external_id) == ("boyfanz", "user123")
    platform_user = PlatformUser.objects.get()
    assert (platform_user.external_id, platform_user.creator, platform_user.user) == (
        "user123",
        creator,
        creator.user,
    )
    assert AuditEvent.objects.filter(action="integrations.platform_user_synced").count() == 1


def test_a_second_sync_updates_and_is_idempotent(boyfanz_client):
    first = sync(boyfanz_client).json()
    again = sync(boyfanz_client, username="renamed")
    assert again.status_code == 200
    assert again.json()["creatorId"] == first["creatorId"]
    assert not again.json()["created"]
    assert Creator.objects.get().display_name == "renamed"
    assert PlatformUser.objects.get().username == "renamed"
    audits = AuditEvent.objects.filter(action="integrations.platform_user_synced").count()
    sync(boyfanz_client, username="renamed")
    assert AuditEvent.objects.filter(action="integrations.platform_user_synced").count() == audits
    assert Creator.objects.count() == 1 and User.objects.filter(role="creator").count() == 1


def test_the_same_person_on_another_platform_is_one_creator_once_confirmed(
    boyfanz_client, girlfanz_client
):
    from apps.integrations.models import PlatformLinkRequest
    from apps.integrations.services.links import platform_link_request_confirm

    first = sync(boyfanz_client).json()
    second = sync(girlfanz_client, id="gf-77")
    # The email is an existing account's: asked, not linked.
    assert second.status_code == 202, second.content
    assert second.json()["link"] == "pending_confirmation"
    assert second.json()["creatorId"] is None
    creator = Creator.objects.get()
    assert set(creator.platform_accounts.values_list("platform__slug", flat=True)) == {"boyfanz"}
    platform_link_request_confirm(
        request=PlatformLinkRequest.objects.get(), actor=creator.user, as_creator=True
    )
    again = sync(girlfanz_client, id="gf-77")
    assert again.status_code == 200, again.content
    assert again.json()["creatorId"] == first["creatorId"]
    assert again.json()["link"] == "linked"
    assert set(creator.platform_accounts.values_list("platform__slug", "external_id")) == {
        ("boyfanz", "user123"),
        ("girlfanz", "gf-77"),
    }


def test_the_platform_events_for_that_id_land_on_that_creator(boyfanz_client):
    from apps.integrations.schemas import event_validate

    creator_id = sync(boyfanz_client).json()["creatorId"]
    account = PlatformAccount.objects.get(platform__slug="boyfanz", external_id="user123")
    assert account.creator_id == creator_id
    assert (
        event_validate(
            "boyfanz",
            {
                "id": "evt_1",
                "event": "tip_sent",
                "platform": "boyfanz",
                "created_at": "2026-01-01T00:00:00Z",
                "data": {
                    "transactionId": "t",
                    "creatorId": "user123",
                    "amount": "1",
                    "currency": "USD",
                },
            },
        )["creator_external_id"]
        == account.external_id
    )


def test_a_platform_status_is_recorded_for_that_platform_only(boyfanz_client):
    sync(boyfanz_client)
    response = sync(boyfanz_client, status="suspended")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["creatorStatus"]) == (
        "suspended",
        "active",
    )
    assert Creator.objects.get().status == "active"
    assert PlatformUser.objects.get().status == "suspended"
    assert not AuditEvent.objects.filter(action="creator.suspended").exists()
    synced = AuditEvent.objects.filter(action="integrations.platform_user_synced").latest("id")
    assert (synced.before["status"], synced.after["status"]) == ("active", "suspended")


def test_a_fan_is_only_recorded(boyfanz_client):
    response = sync(boyfanz_client, id="fan_77", role="fan", email="fan@example.com")
    assert response.status_code == 201
    assert response.json()["creatorId"] is None
    assert PlatformUser.objects.get().role == "fan"
    assert not Creator.objects.exists()
    assert not User.objects.filter(email="fan@example.com").exists()


def test_an_email_of_a_staff_user_is_never_taken_over(boyfanz_client, finance_user):
    response = sync(boyfanz_client, email=finance_user.email)
    assert response.status_code == 409
    assert response.json()["error"] == "email_is_staff"
    assert not Creator.objects.exists()
    assert not PlatformUser.objects.exists()
    finance_user.refresh_from_db()
    assert finance_user.role == "finance"


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"id": ""}, "id"),
        ({"email": "not-an-email"}, "email"),
        ({"status": "sleeping"}, "status"),
        ({"role": None}, "role"),
        ({"id": "x" * 101}, "id"),
    ],
)
def test_invalid_users_are_422_with_field_paths(boyfanz_client, fields, path):
    response = sync(boyfanz_client, **fields)
    assert response.status_code == 422, response.content
    assert response.json()["error"] == "invalid"
    assert path in response.json()["detail"]
    assert not PlatformUser.objects.exists() and not Creator.objects.exists()


def test_a_new_creator_needs_an_email(boyfanz_client):
    response = sync(boyfanz_client, email="")
    assert response.status_code == 422
    assert "email" in response.json()["detail"]
    assert not PlatformUser.objects.exists()


def test_sync_needs_a_valid_platform_key(client_for, super_admin, db):
    from django.test import Client

    assert sync(Client()).status_code == 401
    assert sync(key_client("nope.nope")).status_code == 401
    key, raw = make_key("boyfanz")
    from apps.platforms.services import platform_api_key_revoke

    platform_api_key_revoke(key=key, actor=None)
    assert sync(key_client(raw)).status_code == 401
    # a staff session is not a platform
    assert sync(client_for(super_admin)).status_code in (401, 403)
    assert not PlatformUser.objects.exists()


def test_a_key_of_an_inactive_platform_is_refused(db):
    from apps.platforms.models import Platform
    from apps.platforms.services import platform_update

    _, raw = make_key("boyfanz")
    platform_update(platform=Platform.objects.get(slug="boyfanz"), actor=None, status="paused")
    response = sync(key_client(raw))
    assert response.status_code == 403
    assert response.json()["error"] == "platform_inactive"


# --- sync/earnings -----------------------------------------------------------------------------


def report(client, creator_id, earnings, **extra):
    return client.post(
        EARNINGS_URL,
        {"creatorId": creator_id, "earnings": earnings, **extra},
        content_type="application/json",
    )


# Frozen: the figures are the platform's at the moment it reports; a midnight between the
# earnings and the report would make thisMonth another month's.
def test_matching_figures_are_stored_as_matched(
    frozen_clock, boyfanz_client, creator_factory, earning
):
    creator = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(creator, platform="boyfanz", gross="20.00")
    earning(creator, platform="girlfanz", gross="5.50")
    external = f"boyfanz-{creator.pk}"
    response = report(
        boyfanz_client,
        external,
        {"total": "25.50", "thisMonth": 25.5, "platforms": {"boyfanz": "20.00", "girlfanz": 5.5}},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["mismatches"], body["creatorKnown"]) == ("matched", [], True)
    assert body["withheld"] == ["total", "thisMonth", "platforms.girlfanz"]
    stored = EarningsReport.objects.get()
    assert stored.creator == creator
    assert stored.reported["total"] == 2550
    assert stored.ledger["platforms"] == {"boyfanz": 2000, "girlfanz": 550}
    assert stored.currency_id == "USD"


def test_a_mismatch_is_flagged_with_the_difference(boyfanz_client, creator_factory, earning):
    creator = creator_factory(platforms=("boyfanz",))
    earning(creator, platform="boyfanz", gross="20.00")
    response = report(
        boyfanz_client,
        f"boyfanz-{creator.pk}",
        {
            "total": 5000.00,
            "thisMonth": 1200.00,
            "lastPayout": 4500.00,
            "pendingPayout": 500.0,
            "platforms": {"boyfanz": 2000.00},
        },
    )
    body = response.json()
    assert body["status"] == "mismatch"
    # The platform learns about its own platform's figure only.
    assert body["mismatches"] == ["platforms.boyfanz"]
    assert body["withheld"] == ["total", "thisMonth", "lastPayout", "pendingPayout"]
    stored = EarningsReport.objects.get()
    assert stored.status == "mismatch"
    assert set(stored_mismatches := mismatched_figures(stored.difference)) == {
        "total",
        "thisMonth",
        "lastPayout",
        "pendingPayout",
        "platforms.boyfanz",
    }, stored_mismatches
    assert stored.difference["total"] == 500000 - 2000
    assert stored.difference["lastPayout"] == 450000
    assert stored.difference["platforms"]["boyfanz"] == 200000 - 2000
    assert "ledger" not in body  # the platform is not told the ledger's figures


def test_an_unknown_creator_is_stored_and_flagged(boyfanz_client):
    body = report(boyfanz_client, "nobody", {"total": "10.00"}).json()
    assert (body["creatorKnown"], body["status"], body["withheld"]) == (
        False,
        "recorded",
        ["total"],
    )
    stored = EarningsReport.objects.get()
    assert (stored.creator, stored.status) == (None, "mismatch")
    body = report(boyfanz_client, "nobody", {"platforms": {"boyfanz": "10.00"}}).json()
    assert (body["status"], body["mismatches"]) == ("mismatch", ["platforms.boyfanz"])


def test_a_report_tells_nothing_of_other_platforms_money(boyfanz_client, creator_factory, earning):
    """Security review follow-up: "platforms.girlfanz": 0 must not reveal whether the creator
    earns on GirlFanz, nor a guessed network total whether it is right."""
    busy = creator_factory(platforms=("boyfanz", "girlfanz"))
    quiet = creator_factory(platforms=("boyfanz", "girlfanz"))
    earning(busy, platform="girlfanz", gross="5.50")
    probe = {"total": "5.50", "pendingPayout": "0", "platforms": {"girlfanz": "0"}}
    answers = []
    for creator in (busy, quiet):
        body = report(boyfanz_client, f"boyfanz-{creator.pk}", probe).json()
        answers.append({name: body[name] for name in ("status", "mismatches", "withheld")})
    assert (
        answers[0]
        == answers[1]
        == {
            "status": "recorded",
            "mismatches": [],
            "withheld": ["total", "pendingPayout", "platforms.girlfanz"],
        }
    )
    # Finance sees it all.
    statuses = sorted(EarningsReport.objects.values_list("status", flat=True))
    assert statuses == ["mismatch", "mismatch"]


def test_a_report_for_a_creator_known_only_elsewhere_does_not_match_them(
    boyfanz_client, creator_factory
):
    creator = creator_factory(platforms=("girlfanz",))
    body = report(boyfanz_client, f"girlfanz-{creator.pk}", {"total": "0"}).json()
    assert body["creatorKnown"] is False


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"creatorId": "c1", "earnings": {"total": "1.999"}}, "earnings.total"),
        ({"creatorId": "c1", "earnings": {"total": "-1"}}, "earnings.total"),
        (
            {"creatorId": "c1", "earnings": {"platforms": {"boyfanz": "x"}}},
            "earnings.platforms.boyfanz",
        ),
        ({"creatorId": "c1", "earnings": {}}, "earnings"),
        ({"creatorId": "c1", "earnings": "lots"}, "earnings"),
        ({"earnings": {"total": "1"}}, "creatorId"),
        ({"creatorId": "c1", "currency": "XXQ", "earnings": {"total": "1"}}, "currency"),
        # Text PostgreSQL cannot hold: these were 500s there.
        ({"creatorId": "c\x001", "earnings": {"total": "1"}}, "creatorId"),
        ({"creatorId": "c\ud8001", "earnings": {"total": "1"}}, "creatorId"),
        ({"creatorId": "c1", "currency": "US\x00", "earnings": {"total": "1"}}, "currency"),
        ({"creatorId": "c1", "currency": "U\ud800D", "earnings": {"total": "1"}}, "currency"),
    ],
)
def test_invalid_reports_are_422_with_field_paths(boyfanz_client, body, path):
    response = boyfanz_client.post(EARNINGS_URL, body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert path in response.json()["detail"], response.json()
    assert not EarningsReport.objects.exists()


def test_earnings_in_another_currency(boyfanz_client):
    body = report(boyfanz_client, "c1", {"total": 1500}, currency="JPY").json()
    assert body["currency"] == "JPY"
    assert EarningsReport.objects.get().reported == {"total": 1500}


def test_earnings_need_a_platform_key(client_for, finance_user):
    from django.test import Client

    assert report(Client(), "c1", {"total": "1"}).status_code == 401
    assert report(client_for(finance_user), "c1", {"total": "1"}).status_code in (401, 403)
    assert not EarningsReport.objects.exists()
