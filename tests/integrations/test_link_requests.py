"""A platform can link and change only what it owns (security review, finding 1).

The review's attack: with the BoyFanz key, ``sync/user`` with the email of a creator who exists
only on CougarFanz and ``status: suspended`` linked the creator to BoyFanz, suspended them
network-wide and let BoyFanz read their KYC level and country. Now the email of an existing
account only opens a link request (202 ``pending_confirmation``); the link is made when the
account's owner or staff confirm; a platform's status never changes ``Creator.status``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.creators.models import Creator, PlatformAccount
from apps.integrations.models import PlatformLinkRequest, PlatformUser, WebhookEvent
from apps.integrations.services.processing import webhook_event_process_now
from apps.outbound.models import OutboundEvent
from tests.api.keys import key_client, make_key

from .h2_support import payload_for, store_event

pytestmark = pytest.mark.django_db

USER_URL = "/api/integrations/sync/user"
Status = PlatformLinkRequest.Status


@pytest.fixture
def boyfanz_client():
    _, raw = make_key("boyfanz")
    return key_client(raw)


@pytest.fixture
def cougar_creator(creator_factory):
    """A creator who exists only on CougarFanz, verified to KYC level 2, in Germany."""
    creator = creator_factory(platforms=("cougarfanz",), kyc_level=2, country="DE")
    return creator


def sync(client, **fields):
    body = {"id": "bf-claim-1", "username": "claimer", "role": "creator", **fields}
    return client.post(USER_URL, body, content_type="application/json")


def claim(client, creator, **fields):
    """The attack of the review: another platform's creator's email, reported suspended."""
    return sync(client, email=creator.user.email, status="suspended", **fields)


def creator_urls(creator) -> list[str]:
    return [
        f"/api/v1/creators/{creator.pk}/",
        f"/api/v1/creators/{creator.pk}/balances/",
        f"/api/v1/creators/{creator.pk}/earnings/",
        f"/api/v1/payouts/creators/{creator.pk}/payouts/",
    ]


def confirm_url(link: PlatformLinkRequest, decision: str = "confirm") -> str:
    return reverse("integrations:link_request_decide", args=[link.pk, decision])


def my_url(link: PlatformLinkRequest, decision: str = "confirm") -> str:
    return reverse("integrations:my_link_request_decide", args=[link.pk, decision])


# --- the attack ------------------------------------------------------------------------------


def test_another_platforms_creator_is_neither_linked_nor_suspended(boyfanz_client, cougar_creator):
    response = claim(boyfanz_client, cougar_creator)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["link"] == "pending_confirmation"
    assert body["creatorId"] is None and body["creatorStatus"] is None
    assert not body["creatorCreated"]
    link = PlatformLinkRequest.objects.get(pk=body["linkRequestId"])
    assert (link.platform.slug, link.external_id, link.status) == (
        "boyfanz",
        "bf-claim-1",
        "pending",
    )
    assert (link.user, link.creator) == (cougar_creator.user, cougar_creator)
    # Nothing linked, nothing suspended, nobody told.
    cougar_creator.refresh_from_db()
    assert cougar_creator.status == Creator.Status.ACTIVE
    assert list(cougar_creator.platform_accounts.values_list("platform__slug", flat=True)) == [
        "cougarfanz"
    ]
    assert not AuditEvent.objects.filter(action="creator.suspended").exists()
    assert not OutboundEvent.objects.exists()
    platform_user = PlatformUser.objects.get(platform__slug="boyfanz", external_id="bf-claim-1")
    assert (platform_user.creator, platform_user.user, platform_user.status) == (
        None,
        None,
        "suspended",
    )
    # BoyFanz reads nothing of the creator.
    for url in creator_urls(cougar_creator):
        answer = boyfanz_client.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["error"] == "not_found"
    listed = boyfanz_client.get("/api/v1/creators/").json()
    assert cougar_creator.pk not in [row["id"] for row in listed["results"]]
    permissions = boyfanz_client.get("/api/integrations/users/bf-claim-1/permissions").json()
    assert (permissions["userId"], permissions["creatorId"], permissions["creatorStatus"]) == (
        None,
        None,
        None,
    )
    assert AuditEvent.objects.filter(action="integrations.platform_link_requested").count() == 1


def test_events_for_a_pending_id_wait_and_move_no_money(boyfanz_client, cougar_creator):
    claim(boyfanz_client, cougar_creator)
    event = webhook_event_process_now(
        store_event(payload_for("tip_sent", creatorId="bf-claim-1")).pk
    )
    assert event.state == WebhookEvent.State.RECEIVED
    assert event.error_code == "unknown_creator"
    assert event.ledger_entry is None


def test_syncing_again_answers_the_same_request(boyfanz_client, cougar_creator):
    first = claim(boyfanz_client, cougar_creator).json()
    again = claim(boyfanz_client, cougar_creator, username="renamed")
    assert again.status_code == 202
    assert again.json()["linkRequestId"] == first["linkRequestId"]
    assert PlatformLinkRequest.objects.count() == 1
    assert Creator.objects.get(pk=cougar_creator.pk).display_name == cougar_creator.display_name


def test_the_same_email_under_another_id_is_refused_while_pending(boyfanz_client, cougar_creator):
    claim(boyfanz_client, cougar_creator)
    response = claim(boyfanz_client, cougar_creator, id="bf-claim-2")
    assert response.status_code == 409
    assert response.json()["error"] == "link_request_pending"
    assert not PlatformUser.objects.filter(external_id="bf-claim-2").exists()
    assert PlatformLinkRequest.objects.count() == 1


def test_another_email_for_the_id_withdraws_the_request(boyfanz_client, cougar_creator):
    claim(boyfanz_client, cougar_creator)
    response = sync(boyfanz_client, email="someone.new@example.test")
    assert response.status_code == 200, response.content
    assert response.json()["link"] == "linked" and response.json()["creatorCreated"]
    assert PlatformLinkRequest.objects.get().status == Status.WITHDRAWN
    new = Creator.objects.get(pk=response.json()["creatorId"])
    assert new != cougar_creator and new.user.email == "someone.new@example.test"


def test_a_profile_less_creator_account_is_asked_too(boyfanz_client, user_factory):
    user = user_factory(Role.CREATOR, email="no.profile@example.test")
    response = sync(boyfanz_client, email=user.email)
    assert response.status_code == 202
    link = PlatformLinkRequest.objects.get()
    assert (link.user, link.creator) == (user, None)
    assert not Creator.objects.filter(user=user).exists()


# --- what a platform still may do ------------------------------------------------------------


def test_a_platform_still_creates_new_creators_and_updates_its_own(boyfanz_client):
    created = sync(boyfanz_client, email="brand.new@example.test", status="active")
    assert created.status_code == 201, created.content
    assert created.json()["link"] == "linked"
    creator = Creator.objects.get(pk=created.json()["creatorId"])
    assert creator.platform_accounts.get().platform.slug == "boyfanz"
    updated = sync(boyfanz_client, email="brand.new@example.test", username="Renamed")
    assert updated.status_code == 200
    creator.refresh_from_db()
    assert creator.display_name == "Renamed"
    assert boyfanz_client.get(f"/api/v1/creators/{creator.pk}/").status_code == 200
    assert not PlatformLinkRequest.objects.exists()


@pytest.mark.parametrize("status", ["suspended", "banned", "deleted"])
def test_a_platform_status_never_suspends_its_own_creator_network_wide(boyfanz_client, status):
    created = sync(boyfanz_client, email="own@example.test").json()
    response = sync(boyfanz_client, email="own@example.test", status=status)
    assert response.status_code == 200
    assert response.json()["creatorStatus"] == "active"
    assert Creator.objects.get(pk=created["creatorId"]).status == Creator.Status.ACTIVE
    assert PlatformUser.objects.get().status == status
    assert not OutboundEvent.objects.filter(event_type="creator.suspended").exists()


def test_a_creator_the_platform_already_has_under_another_id_is_refused(boyfanz_client):
    sync(boyfanz_client, id="bf-1", email="mine@example.test")
    response = sync(boyfanz_client, id="bf-2", email="mine@example.test")
    assert response.status_code == 422
    assert response.json()["error"] == "platform_account_exists"
    assert not PlatformLinkRequest.objects.exists()
    assert not PlatformUser.objects.filter(external_id="bf-2").exists()


# --- staff confirm or reject -----------------------------------------------------------------


def test_staff_confirm_links_the_creator(boyfanz_client, cougar_creator, client_for, support_user):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    client = client_for(support_user)
    page = client.get(reverse("integrations:link_requests"))
    assert page.status_code == 200
    assert cougar_creator.user.email.encode() in page.content
    assert confirm_url(link).encode() in page.content

    response = client.post(confirm_url(link), {"note": "Checked with the creator by phone"})
    assert response.status_code == 302

    link.refresh_from_db()
    assert (link.status, link.decided_by, link.decided_as) == (
        Status.CONFIRMED,
        support_user,
        PlatformLinkRequest.DecidedAs.STAFF,
    )
    account = PlatformAccount.objects.get(platform__slug="boyfanz", creator=cougar_creator)
    assert account.external_id == "bf-claim-1"
    platform_user = PlatformUser.objects.get(external_id="bf-claim-1")
    assert (platform_user.creator, platform_user.user) == (cougar_creator, cougar_creator.user)
    audit = AuditEvent.objects.get(action="integrations.platform_link_confirmed")
    assert (
        audit.actor == support_user and audit.after["note"] == "Checked with the creator by phone"
    )
    # Linked: BoyFanz reads the creator now, and its events land on them; the platform's
    # "suspended" stayed the platform's own.
    assert boyfanz_client.get(f"/api/v1/creators/{cougar_creator.pk}/").status_code == 200
    cougar_creator.refresh_from_db()
    assert cougar_creator.status == Creator.Status.ACTIVE
    again = claim(boyfanz_client, cougar_creator)
    assert again.status_code == 200 and again.json()["link"] == "linked"
    assert again.json()["creatorId"] == cougar_creator.pk
    tip = webhook_event_process_now(store_event(payload_for("tip_sent", creatorId="bf-claim-1")).pk)
    assert tip.state == WebhookEvent.State.PROCESSED and tip.ledger_entry.creator == cougar_creator


def test_staff_reject_links_nothing_and_stops_asking(
    boyfanz_client, cougar_creator, client_for, compliance_user
):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    client_for(compliance_user).post(confirm_url(link, "reject"), {"note": "Not the same person"})
    link.refresh_from_db()
    assert link.status == Status.REJECTED and link.decided_by == compliance_user
    assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()
    assert AuditEvent.objects.filter(action="integrations.platform_link_rejected").count() == 1
    synced = PlatformUser.objects.get().updated_at
    response = claim(boyfanz_client, cougar_creator)
    assert response.status_code == 409
    assert response.json()["error"] == "link_rejected"
    assert PlatformLinkRequest.objects.count() == 1
    assert PlatformUser.objects.get().updated_at == synced
    assert boyfanz_client.get(f"/api/v1/creators/{cougar_creator.pk}/").status_code == 404


def test_the_staff_screen_is_permission_checked(
    client, boyfanz_client, cougar_creator, client_for, finance_user, creator_user
):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    for user in (finance_user, creator_user):
        signed_in = client_for(user)
        assert signed_in.get(reverse("integrations:link_requests")).status_code == 403
        assert signed_in.post(confirm_url(link)).status_code == 403
    anonymous = client.post(confirm_url(link))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    link.refresh_from_db()
    assert link.status == Status.PENDING
    assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()


def test_a_decided_request_cannot_be_decided_again(
    boyfanz_client, cougar_creator, client_for, support_user
):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    client = client_for(support_user)
    client.post(confirm_url(link, "reject"))
    response = client.post(confirm_url(link), follow=True)
    assert b"already rejected" in response.content
    link.refresh_from_db()
    assert link.status == Status.REJECTED
    assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()


def test_the_staff_list_filters_by_status(boyfanz_client, cougar_creator, client_for, super_admin):
    claim(boyfanz_client, cougar_creator)
    client = client_for(super_admin)
    assert len(client.get(reverse("integrations:link_requests")).context["page"]) == 1
    confirmed = client.get(reverse("integrations:link_requests"), {"status": "confirmed"})
    assert len(confirmed.context["page"]) == 0
    fragment = client.get(reverse("integrations:link_requests"), HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content


# --- the creator confirms or rejects on their own page ---------------------------------------


def test_the_creator_confirms_on_their_own_page(boyfanz_client, cougar_creator, client_for):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    client = client_for(cougar_creator.user)
    home = client.get(reverse("dashboard:creator_home"))
    assert b"BoyFanz asks to link your account" in home.content
    page = client.get(reverse("integrations:my_link_requests"))
    assert page.status_code == 200
    assert b"BoyFanz asks to link your account" in page.content

    response = client.post(my_url(link))
    assert response.status_code == 302

    link.refresh_from_db()
    assert (link.status, link.decided_by, link.decided_as) == (
        Status.CONFIRMED,
        cougar_creator.user,
        PlatformLinkRequest.DecidedAs.CREATOR,
    )
    assert set(cougar_creator.platform_accounts.values_list("platform__slug", flat=True)) == {
        "boyfanz",
        "cougarfanz",
    }
    assert boyfanz_client.get(f"/api/v1/creators/{cougar_creator.pk}/").status_code == 200
    audit = AuditEvent.objects.get(action="integrations.platform_link_confirmed")
    assert audit.actor == cougar_creator.user and audit.after["decided_as"] == "creator"
    assert b"No platform is asking" in client.get(reverse("integrations:my_link_requests")).content


def test_the_creator_rejects(boyfanz_client, cougar_creator, client_for):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    client_for(cougar_creator.user).post(my_url(link, "reject"))
    link.refresh_from_db()
    assert link.status == Status.REJECTED and link.decided_as == "creator"
    assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()
    assert boyfanz_client.get(f"/api/v1/creators/{cougar_creator.pk}/").status_code == 404


def test_a_profile_less_account_gets_its_profile_when_it_confirms(
    boyfanz_client, user_factory, client_for
):
    user = user_factory(Role.CREATOR, email="no.profile@example.test")
    sync(boyfanz_client, email=user.email)
    link = PlatformLinkRequest.objects.get()
    client_for(user).post(my_url(link))
    creator = Creator.objects.get(user=user)
    assert creator.platform_accounts.get().external_id == "bf-claim-1"
    assert creator.display_name == "claimer"


def test_nobody_else_decides_a_creators_request(
    boyfanz_client, cougar_creator, creator_factory, client_for, client
):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    other = creator_factory(platforms=("boyfanz",))
    other_client = client_for(other.user)
    assert (
        link.external_id.encode()
        not in other_client.get(reverse("integrations:my_link_requests")).content
    )
    assert other_client.post(my_url(link)).status_code == 404
    assert other_client.post(my_url(link, "reject")).status_code == 404
    anonymous = client.post(my_url(link))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    link.refresh_from_db()
    assert link.status == Status.PENDING
    assert not PlatformAccount.objects.filter(creator=cougar_creator, platform__slug="boyfanz")


def test_an_expired_request_is_not_confirmed_and_a_new_sync_asks_again(
    boyfanz_client, cougar_creator, client_for, settings
):
    claim(boyfanz_client, cougar_creator)
    link = PlatformLinkRequest.objects.get()
    later = timezone.now() + timedelta(days=settings.PLATFORM_LINK_REQUEST_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        client = client_for(cougar_creator.user)
        assert b"asks to link" not in client.get(reverse("integrations:my_link_requests")).content
        response = client.post(my_url(link), follow=True)
        assert b"expired" in response.content
        link.refresh_from_db()
        assert link.status == Status.PENDING
        assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()
        again = claim(boyfanz_client, cougar_creator)
    assert again.status_code == 202
    link.refresh_from_db()
    assert link.status == Status.EXPIRED
    assert again.json()["linkRequestId"] != link.pk


# --- user events: the same rules; user_suspended is the network's own --------------------


def process(payload) -> WebhookEvent:
    return webhook_event_process_now(store_event(payload).pk)


def test_user_created_for_an_existing_account_only_asks(cougar_creator):
    event = process(
        payload_for(
            "user_created",
            id="bf-evt-1",
            platform="boyfanz",
            email=cougar_creator.user.email,
            status="suspended",
        )
    )
    assert event.state == WebhookEvent.State.PROCESSED, event.error_detail
    assert event.result["link"] == "pending_confirmation"
    assert "creator_id" not in event.result
    assert PlatformLinkRequest.objects.get().external_id == "bf-evt-1"
    cougar_creator.refresh_from_db()
    assert cougar_creator.status == Creator.Status.ACTIVE
    assert not PlatformAccount.objects.filter(platform__slug="boyfanz").exists()


def test_user_updated_status_stays_with_that_platform(creator_factory):
    creator = creator_factory(platforms=("boyfanz",))
    event = process(
        payload_for("user_updated", id=f"boyfanz-{creator.pk}", platform="boyfanz", status="banned")
    )
    assert event.state == WebhookEvent.State.PROCESSED, event.error_detail
    creator.refresh_from_db()
    assert creator.status == Creator.Status.ACTIVE


def test_central_user_suspended_of_a_pending_id_suspends_nobody(boyfanz_client, cougar_creator):
    claim(boyfanz_client, cougar_creator)
    event = process(payload_for("user_suspended", id="bf-claim-1", platform="boyfanz"))
    assert event.state == WebhookEvent.State.IGNORED
    assert event.result["reason"] == "not_a_creator"
    cougar_creator.refresh_from_db()
    assert cougar_creator.status == Creator.Status.ACTIVE
