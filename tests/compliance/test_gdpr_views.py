"""The GDPR pages: who may open them, the list by days left (overdue in red, due soon
highlighted), the new request form, the request page's actions (a refusal is shown and
changes nothing; the requester cannot approve their own erasure), the export download and
legal holds."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.roles import Role
from apps.compliance.models import DataSubjectRequest, ErasureLog, LegalHold
from apps.compliance.services import gdpr_request_create
from apps.creators.models import Creator
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(today, creator, compliance_user):
    return gdpr_request_create(kind="access", subject_creator=creator, actor=compliance_user)


def _pages(request_):
    return [
        reverse("compliance:gdpr_list"),
        reverse("compliance:gdpr_list") + "?show=all",
        reverse("compliance:gdpr_new"),
        reverse("compliance:gdpr_detail", args=[request_.pk]),
        reverse("compliance:legal_holds"),
    ]


def test_compliance_and_super_admins_only(request_, client_for, users_by_role):
    for role, user in users_by_role.items():
        client = client_for(user)
        for url in _pages(request_):
            status = client.get(url).status_code
            expected = 200 if role in (Role.COMPLIANCE, Role.SUPER_ADMIN) else 403
            assert status == expected, (role, url, status)
    for url in _pages(request_):
        assert Client().get(url).status_code == 302  # to the sign-in page


def test_the_list_is_ordered_by_days_left_with_overdue_in_red(
    today, creator, compliance_user, client_for
):
    received = datetime(2026, 5, 10, 9, tzinfo=UTC)  # due 2026-06-10: overdue on 06-15
    overdue = gdpr_request_create(
        kind="access",
        subject_email="late@example.test",
        received_at=received,
        actor=compliance_user,
    )
    soon = gdpr_request_create(
        kind="erasure",
        subject_email="soon@example.test",
        received_at=datetime(2026, 5, 17, 9, tzinfo=UTC),
        actor=compliance_user,
    )
    later = gdpr_request_create(kind="access", subject_creator=creator, actor=compliance_user)
    html = client_for(compliance_user).get(reverse("compliance:gdpr_list")).content.decode()
    rows = html.split('data-testid="gdpr-row"')[1:]
    assert all(f"#{r.pk} " in row for r, row in zip([overdue, soon, later], rows, strict=True))
    assert "table-danger" in html.split(f"#{overdue.pk} ")[0].rsplit("<tr", 1)[1]
    assert "table-warning" in html.split(f"#{soon.pk} ")[0].rsplit("<tr", 1)[1]
    assert "overdue by 5 days" in html and "2 days" in html


def test_truthful_empty_states(today, compliance_user, client_for):
    client = client_for(compliance_user)
    assert (
        "No GDPR request is open." in client.get(reverse("compliance:gdpr_list")).content.decode()
    )
    assert (
        "No legal hold has been placed."
        in client.get(reverse("compliance:legal_holds")).content.decode()
    )


def test_the_new_request_form(today, creator, compliance_user, client_for):
    client = client_for(compliance_user)
    url = reverse("compliance:gdpr_new")
    response = client.post(
        url, {"kind": "access", "received_at": "2026-06-14T10:00", "identity_check": "not_needed"}
    )
    assert response.status_code == 400
    assert "Say who the request is about" in response.content.decode()
    response = client.post(
        url,
        {
            "kind": "access",
            "received_at": "2026-06-14T10:00",
            "identity_check": "not_needed",
            "subject_creator": "999999",
        },
    )
    assert response.status_code == 400 and "No creator has this id." in response.content.decode()
    assert not DataSubjectRequest.objects.exists()
    response = client.post(
        url,
        {
            "kind": "erasure",
            "received_at": "2026-06-14T10:00",
            "identity_check": "waiting",
            "subject_creator": str(creator.pk),
            "notes": "by letter",
        },
    )
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "compliance:gdpr_detail", args=[request.pk]
    )
    assert (request.kind, request.status, request.subject_creator) == (
        "erasure",
        "waiting_identity",
        creator,
    )
    page = client.get(response.url).content.decode()
    assert "Paused since" in page


def test_the_requester_cannot_approve_the_erasure_on_the_page(
    today, creator, compliance_user, client_for
):
    request = gdpr_request_create(kind="erasure", subject_creator=creator, actor=compliance_user)
    client = client_for(compliance_user)
    response = client.post(reverse("compliance:gdpr_action", args=[request.pk, "erasure_request"]))
    assert response.status_code == 302
    response = client.post(reverse("compliance:gdpr_action", args=[request.pk, "erasure_approve"]))
    assert response.status_code == 403
    assert "Another compliance officer must approve" in response.content.decode()
    assert not ErasureLog.objects.exists()
    second = make_user(Role.COMPLIANCE, email="second@example.test")
    response = client_for(second).post(
        reverse("compliance:gdpr_action", args=[request.pk, "erasure_approve"])
    )
    assert response.status_code == 302
    assert Creator.objects.get(pk=creator.pk).display_name == f"Erased subject #{request.pk}"
    request.refresh_from_db()
    assert request.status == "completed"


def test_finance_cannot_act(request_, finance_user, client_for):
    response = client_for(finance_user).post(
        reverse("compliance:gdpr_action", args=[request_.pk, "refuse"]), {"reason": "x"}
    )
    assert response.status_code == 403
    request_.refresh_from_db()
    assert request_.status == "received"


def test_refusal_needs_a_reason(request_, compliance_user, client_for):
    url = reverse("compliance:gdpr_action", args=[request_.pk, "refuse"])
    response = client_for(compliance_user).post(url, {"reason": " "})
    assert response.status_code == 422 and "Give the reason" in response.content.decode()
    request_.refresh_from_db()
    assert request_.status == "received"
    client_for(compliance_user).post(url, {"reason": "Manifestly unfounded"})
    request_.refresh_from_db()
    assert (request_.status, request_.refusal_reason) == ("refused", "Manifestly unfounded")


def test_extension_on_the_page(request_, compliance_user, client_for):
    url = reverse("compliance:gdpr_action", args=[request_.pk, "extend"])
    client = client_for(compliance_user)
    response = client.post(url, {"months": "2", "reason": "", "subject_told_at": ""})
    assert response.status_code == 400
    response = client.post(
        url, {"months": "2", "reason": "Complex", "subject_told_at": "2026-06-15T09:00"}
    )
    assert response.status_code == 302
    request_.refresh_from_db()
    assert request_.extension_months == 2


def test_the_export_download(request_, compliance_user, client_for):
    response = client_for(compliance_user).get(
        reverse("compliance:gdpr_export", args=[request_.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment;" in response["Content-Disposition"]
    assert "subject.json" in zipfile.ZipFile(BytesIO(response.content)).namelist()


def test_legal_holds_page(today, creator, compliance_user, client_for):
    client = client_for(compliance_user)
    url = reverse("compliance:legal_holds")
    response = client.post(url, {"reason": "Court order"})
    assert response.status_code == 400 and "Say whose data is held" in response.content.decode()
    response = client.post(
        url,
        {
            "subject_creator": str(creator.pk),
            "reason": " ",
        },
    )
    assert response.status_code == 400
    assert not LegalHold.objects.exists()
    response = client.post(url, {"subject_creator": str(creator.pk), "reason": "Court order"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.subject_creator, hold.subject_user, hold.placed_by) == (
        creator,
        creator.user,
        compliance_user,
    )
    assert "Active" in client.get(url).content.decode()
    client.post(reverse("compliance:legal_hold_release", args=[hold.pk]), {"note": "Lifted"})
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.release_note == "Lifted"


def test_erasure_held_is_shown_with_the_hold(today, creator, compliance_user, client_for):
    request = gdpr_request_create(kind="erasure", subject_creator=creator, actor=compliance_user)
    client_for(compliance_user).post(
        reverse("compliance:legal_holds"),
        {"subject_creator": str(creator.pk), "reason": "Court order 12"},
    )
    response = client_for(compliance_user).post(
        reverse("compliance:gdpr_action", args=[request.pk, "erasure_request"])
    )
    assert response.status_code == 409
    assert (
        "Legal hold #" in response.content.decode()
        and "Court order 12" in response.content.decode()
    )
    request.refresh_from_db()
    assert request.status == "received"
