"""The compliance staff pages: who may open them, what they show, and the forms (a refusal is
shown and changes nothing)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.compliance.models import AgeVerification, KycVerification
from apps.compliance.services import kyc_verification_request
from tests.factories import record_2257_complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(creator, time_machine):
    verification = kyc_verification_request(
        creator=creator, level_requested=2, provider="verifymy", provider_reference="vm-123"
    )
    KycVerification.objects.filter(pk=verification.pk).update(
        requested_at=timezone.now() - timedelta(days=3, hours=2)
    )
    return verification


def _pages(creator, verification=None):
    pages = [
        reverse("compliance:kyc_queue"),
        reverse("compliance:creator", args=[creator.pk]),
        reverse("compliance:age_verification", args=[creator.pk]),
    ]
    if verification is not None:
        pages.append(reverse("compliance:kyc_decide", args=[verification.pk]))
    return pages


def test_compliance_and_super_admin_open_every_page(
    client_for, compliance_user, super_admin, creator, pending
):
    for user in (compliance_user, super_admin):
        client = client_for(user)
        for url in _pages(creator, pending):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_other_roles_are_refused(request, client_for, role, creator, pending):
    client = client_for(request.getfixturevalue(role))
    for url in _pages(creator, pending):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("compliance:kyc_decide", args=[pending.pk]),
        {"decision": "approve", "level_granted": "2", "reason": "sneaky"},
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_anonymous_is_sent_to_login(creator, pending):
    for url in _pages(creator, pending):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_nav_shows_kyc_reviews_to_compliance_only(
    client_for, compliance_user, support_user, today
):
    url = reverse("compliance:kyc_queue")
    overview = reverse("dashboard:overview")
    assert url in client_for(compliance_user).get(overview).content.decode()
    assert url not in client_for(support_user).get(overview).content.decode()


def test_queue_lists_pending_oldest_first_with_their_age(
    client_for, compliance_user, creator, creator_factory, pending, django_assert_max_num_queries
):
    other = creator_factory(display_name="Newer Request")
    kyc_verification_request(creator=other, level_requested=1, provider="manual")
    for _ in range(5):
        kyc_verification_request(creator=creator_factory(), level_requested=1, provider="manual")
    client = client_for(compliance_user)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("compliance:kyc_queue")).content.decode()
    assert html.index(creator.display_name) < html.index("Newer Request")
    assert "3\xa0days, 2\xa0hours" in html
    assert "VerifyMy" in html and "2 (enhanced)" in html


def test_queue_empty_state(client_for, compliance_user, today):
    html = client_for(compliance_user).get(reverse("compliance:kyc_queue")).content.decode()
    assert "No KYC verification is waiting for review." in html


def test_creator_page_empty_states_say_what_it_means(client_for, compliance_user, creator):
    html = client_for(compliance_user).get(reverse("compliance:creator", args=[creator.pk]))
    text = html.content.decode()
    assert "No KYC verification yet: the creator is at level 0." in text
    assert "No age verification on file" in text
    assert "Cannot be paid" in text and "Cannot publish" in text
    assert "(stops publishing and payouts)" in text
    assert "payouts up to 100.00 USD in any 30 days" in text


def test_creator_page_shows_the_history_and_the_limit(
    client_for, compliance_user, super_admin, creator, pending
):
    client = client_for(compliance_user)
    client.post(
        reverse("compliance:kyc_decide", args=[pending.pk]),
        {"decision": "approve", "level_granted": "1", "reason": "passport checked"},
    )
    client.post(
        reverse("compliance:age_verification", args=[creator.pk]),
        {
            "method": "id_document",
            "date_of_birth": "1990-04-01",
            "verified_on": "2026-06-15",
            "expires_on": "2027-06-15",
        },
    )
    text = client.get(reverse("compliance:creator", args=[creator.pk])).content.decode()
    assert "passport checked" in text and compliance_user.email in text
    assert "ID document check" in text and "2027-06-15" in text
    assert "Age verification: valid until 2027-06-15." in text
    assert "payouts up to 1,000.00 USD in any 30 days" in text
    assert "2257 record: none on file." in text and "Cannot publish" in text
    record_2257_complete(creator)
    text = client.get(reverse("compliance:creator", args=[creator.pk])).content.decode()
    assert "2257 record: complete." in text
    assert "Can publish" in text and "Can be paid" in text


def test_approve_from_the_decide_form(client_for, compliance_user, creator, pending):
    response = client_for(compliance_user).post(
        reverse("compliance:kyc_decide", args=[pending.pk]),
        {"decision": "approve", "level_granted": "2", "reason": "all good"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:creator", args=[creator.pk])
    pending.refresh_from_db()
    creator.refresh_from_db()
    assert (pending.status, pending.reviewer, creator.kyc_level) == ("approved", compliance_user, 2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "approve", "level_granted": "2", "reason": ""}, "This field is required."),
        (
            {"decision": "approve", "level_granted": "", "reason": "ok"},
            "Choose the level to grant.",
        ),
        (
            {
                "decision": "approve",
                "level_granted": "2",
                "reason": "ok",
                "expires_on": "2026-01-01",
            },
            "The expiry date must be after today.",
        ),
    ],
)
def test_decide_errors_are_shown_and_change_nothing(
    client_for, compliance_user, creator, pending, data, message
):
    response = client_for(compliance_user).post(
        reverse("compliance:kyc_decide", args=[pending.pk]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    pending.refresh_from_db()
    creator.refresh_from_db()
    assert (pending.status, creator.kyc_level) == ("pending", 0)
    assert not AuditEvent.objects.filter(
        action__in=["compliance.kyc_approved", "compliance.kyc_rejected"]
    ).exists()


def test_the_requester_cannot_decide_from_the_page(
    client_for, compliance_user, super_admin, creator
):
    client = client_for(compliance_user)
    response = client.post(
        reverse("compliance:kyc_request", args=[creator.pk]),
        {"level_requested": "3", "provider": "manual", "provider_reference": "email 12"},
    )
    assert response.status_code == 302
    verification = KycVerification.objects.get(creator=creator)
    assert verification.requested_by == compliance_user
    response = client.post(
        reverse("compliance:kyc_decide", args=[verification.pk]),
        {"decision": "approve", "level_granted": "3", "reason": "mine"},
    )
    assert response.status_code == 400
    assert "another compliance officer decides it" in response.content.decode()
    verification.refresh_from_db()
    assert verification.status == "pending"


def test_a_decided_verification_cannot_be_decided_again(
    client_for, compliance_user, creator, pending
):
    client = client_for(compliance_user)
    client.post(
        reverse("compliance:kyc_decide", args=[pending.pk]),
        {"decision": "reject", "reason": "unreadable"},
    )
    response = client.post(
        reverse("compliance:kyc_decide", args=[pending.pk]),
        {"decision": "approve", "level_granted": "3", "reason": "changed my mind"},
    )
    assert response.status_code == 400
    assert "this one is rejected" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "rejected"


def test_age_form_refuses_under_18_and_writes_nothing(client_for, compliance_user, creator):
    response = client_for(compliance_user).post(
        reverse("compliance:age_verification", args=[creator.pk]),
        {
            "method": "database",
            "date_of_birth": "2008-06-16",
            "verified_on": "2026-06-15",
            "expires_on": "2027-06-15",
        },
    )
    assert response.status_code == 400
    assert "Under 18 on 2026-06-15" in response.content.decode()
    assert not AgeVerification.objects.exists()
    creator.refresh_from_db()
    assert creator.age_verified_until is None


def test_age_form_records(client_for, compliance_user, creator):
    response = client_for(compliance_user).post(
        reverse("compliance:age_verification", args=[creator.pk]),
        {
            "method": "provider",
            "date_of_birth": "2008-06-15",
            "verified_on": "2026-06-15",
            "expires_on": "2028-06-15",
            "note": "VerifyMy check",
        },
    )
    assert response.status_code == 302
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2028, 6, 15)
    assert AgeVerification.objects.get().reviewer == compliance_user


def test_creator_detail_links_to_compliance(client_for, compliance_user, support_user, creator):
    url = reverse("compliance:creator", args=[creator.pk])
    detail = reverse("creators:detail", args=[creator.pk])
    assert url in client_for(compliance_user).get(detail).content.decode()
    assert url not in client_for(support_user).get(detail).content.decode()
