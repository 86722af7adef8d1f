"""A creator's payout holds on the creator page: shown to staff, placed by those who manage
holds (audited), refused without a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.audit.models import AuditEvent
from apps.creators.models import PayoutHold
from apps.creators.services import payout_hold_place

HOLD_MANAGERS = [Role.SUPER_ADMIN, Role.FINANCE, Role.COMPLIANCE]


@pytest.fixture
def creator(creator_factory):
    return creator_factory(display_name="Held Creator")


def test_open_holds_show_on_the_creator_page(client_for, support_user, creator):
    payout_hold_place(creator=creator, source=PayoutHold.Source.FRAUD_DETECTED, reason="Card ring")
    released = payout_hold_place(creator=creator, source=PayoutHold.Source.STAFF, reason="Old")
    PayoutHold.objects.filter(pk=released.pk).update(released_at=released.placed_at)
    response = client_for(support_user).get(reverse("creators:detail", args=[creator.pk]))
    assert response.status_code == 200
    assert [hold.reason for hold in response.context["open_holds"]] == ["Card ring"]
    assert b"Card ring" in response.content and b"1 open" in response.content
    assert b"Hold payouts" not in response.content  # support may not place holds


@pytest.mark.parametrize("role", HOLD_MANAGERS)
def test_hold_managers_place_a_hold(role, users_by_role, client_for, creator):
    url = reverse("creators:payout_hold", args=[creator.pk])
    response = client_for(users_by_role[role]).post(url, {"reason": "Chargeback spike"})
    assert response.status_code == 302
    hold = PayoutHold.objects.get(creator=creator)
    assert hold.is_open and hold.source == PayoutHold.Source.STAFF
    assert hold.placed_by == users_by_role[role]
    assert AuditEvent.objects.filter(action="creator.payout_hold_placed").count() == 1


def test_a_hold_needs_a_reason(client_for, finance_user, creator):
    url = reverse("creators:payout_hold", args=[creator.pk])
    client_for(finance_user).post(url, {"reason": "   "})
    assert not PayoutHold.objects.exists()
    assert not AuditEvent.objects.filter(action="creator.payout_hold_placed").exists()


@pytest.mark.parametrize("role", [Role.SUPPORT, Role.CREATOR])
def test_others_may_not_place_a_hold(role, users_by_role, client_for, creator):
    url = reverse("creators:payout_hold", args=[creator.pk])
    response = client_for(users_by_role[role]).post(url, {"reason": "x"})
    assert response.status_code == 403
    assert not PayoutHold.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, creator):
    response = client.post(reverse("creators:payout_hold", args=[creator.pk]), {"reason": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not PayoutHold.objects.exists()


def test_hold_list_filters_by_creator(client_for, finance_user, creator, creator_factory):
    other = creator_factory(display_name="Other")
    payout_hold_place(creator=creator, source=PayoutHold.Source.STAFF, reason="Mine")
    payout_hold_place(creator=other, source=PayoutHold.Source.STAFF, reason="Theirs")
    response = client_for(finance_user).get(
        reverse("integrations:payout_holds"), {"creator": creator.pk, "open": "open"}
    )
    assert [hold.reason for hold in response.context["page"]] == ["Mine"]


def test_finance_finds_the_payout_eligibility_from_the_creator_page(
    client_for, finance_user, support_user, creator
):
    url = reverse("payouts:creator_eligibility", args=[creator.pk])
    assert (
        url.encode()
        in client_for(finance_user).get(reverse("creators:detail", args=[creator.pk])).content
    )
    support_page = client_for(support_user).get(reverse("creators:detail", args=[creator.pk]))
    assert url.encode() not in support_page.content
    assert client_for(finance_user).get(url).status_code == 200
