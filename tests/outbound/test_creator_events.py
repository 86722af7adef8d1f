"""Suspending, unsuspending and changing a creator's KYC level tell each of the creator's
platforms, with that platform's own id for the creator."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from apps.creators.services import (
    creator_compliance_set,
    creator_profile_update,
    creator_status_set,
)
from apps.outbound.models import OutboundDelivery, OutboundEvent


@pytest.fixture
def creator(platform, creator_factory):
    return creator_factory(platforms=("boyfanz", "girlfanz"), kyc_level=1)


def _events(event_type):
    return list(OutboundEvent.objects.filter(event_type=event_type).order_by("platform__slug"))


def test_suspending_tells_every_platform_of_the_creator(
    creator, platform_server, super_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        creator_status_set(creator=creator, status="suspended", actor=super_admin, reason="fraud")
    events = _events("creator.suspended")
    assert [event.platform.slug for event in events] == ["boyfanz", "girlfanz"]
    assert events[0].data == {
        "creatorId": f"boyfanz-{creator.pk}",
        "status": "suspended",
        "previousStatus": "active",
    }
    assert events[1].data["creatorId"] == f"girlfanz-{creator.pk}"
    # BoyFanz (URL set) received it; GirlFanz has no URL: a failed delivery, nothing sent.
    [received] = platform_server.requests
    assert received.json["event"] == "creator.suspended"
    assert received.json["data"]["creatorId"] == f"boyfanz-{creator.pk}"
    assert "fraud" not in received.body.decode()  # the staff reason stays internal
    states = dict(OutboundDelivery.objects.values_list("endpoint__platform__slug", "state"))
    assert states == {"boyfanz": "succeeded", "girlfanz": "failed"}


def test_unsuspending_is_told_too(
    creator, platform_server, super_admin, django_capture_on_commit_callbacks
):
    creator_status_set(creator=creator, status="suspended", actor=super_admin)
    with django_capture_on_commit_callbacks(execute=True):
        creator_status_set(creator=creator, status="active", actor=super_admin)
    [event, _] = _events("creator.unsuspended")
    assert event.data["status"] == "active" and event.data["previousStatus"] == "suspended"


def test_no_change_and_closing_tell_nothing(creator, super_admin):
    creator_status_set(creator=creator, status="active", actor=super_admin)  # already active
    creator_status_set(creator=creator, status="closed", actor=super_admin)
    assert not OutboundEvent.objects.exists()


def test_a_kyc_change_is_told(
    creator, platform_server, super_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        creator_compliance_set(
            creator=creator, actor=super_admin, kyc_level=3, age_verified_until=None
        )
    [boyfanz, _girlfanz] = _events("creator.kyc_changed")
    assert boyfanz.data == {
        "creatorId": f"boyfanz-{creator.pk}",
        "kycLevel": 3,
        "previousKycLevel": 1,
    }
    assert platform_server.requests[0].json["data"]["kycLevel"] == 3


def test_other_profile_changes_tell_nothing(creator, super_admin):
    creator_profile_update(creator=creator, actor=super_admin, display_name="New Name")
    creator_compliance_set(
        creator=creator, actor=super_admin, kyc_level=1, age_verified_until=date(2031, 1, 2)
    )  # the level is unchanged: only the age verification date moved
    assert not OutboundEvent.objects.exists()


def test_a_rolled_back_suspension_tells_nothing(creator, platform_server, super_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        creator_status_set(creator=creator, status="suspended", actor=super_admin)
        raise RuntimeError("rolled back")
    assert not OutboundEvent.objects.exists()
    assert platform_server.requests == []


def test_suspending_from_the_screen_sends_after_the_request(
    creator, platform_server, support_user, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(support_user).post(
            reverse("creators:status", args=[creator.pk]),
            {"status": "suspended", "reason": "chargebacks"},
        )
    assert response.status_code == 302
    [received] = platform_server.requests
    assert received.json["event"] == "creator.suspended"
