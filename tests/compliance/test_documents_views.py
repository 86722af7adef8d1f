"""Pages and API of identity documents and 2257 records: who may open them, opening a file
(headers, audited; a refusal is not an opening), the forms (a refusal is shown and nothing is
saved), and the records API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.compliance.demo import demo_png
from apps.compliance.models import IdentityDocument, Performer, Record2257
from apps.compliance.services import identity_document_upload, performer_create

pytestmark = pytest.mark.django_db

OPENED = "compliance.document_opened"


@pytest.fixture
def document(creator):
    return identity_document_upload(
        creator=creator,
        document_type="passport",
        issuing_country="GB",
        number="GB-555-777",
        expires_on=date(2029, 5, 1),
        files=[demo_png()],
        actor=None,
    )


@pytest.fixture
def record(creator, today):
    return performer_create(
        creator=creator, legal_name="Jane Example", date_of_birth=date(1990, 2, 3), actor=None
    ).record_2257


def _pages(creator, document, record):
    return [
        reverse("compliance:records_2257"),
        reverse("compliance:record_2257", args=[record.pk]),
        reverse("compliance:record_2257_amend", args=[record.pk]),
        reverse("compliance:performer_create"),
        reverse("compliance:creator_document_upload", args=[creator.pk]),
        reverse("compliance:document", args=[document.pk]),
        reverse("compliance:creator", args=[creator.pk]),
    ]


def test_compliance_and_super_admin_open_every_page(
    client_for, compliance_user, super_admin, creator, document, record
):
    for user in (compliance_user, super_admin):
        client = client_for(user)
        for url in _pages(creator, document, record):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_other_roles_are_refused(request, client_for, role, creator, document, record):
    client = client_for(request.getfixturevalue(role))
    for url in _pages(creator, document, record):
        assert client.get(url).status_code == 403, url
    file_url = reverse("compliance:document_file", args=[document.files.get().pk])
    assert client.get(file_url).status_code == 403
    assert not AuditEvent.objects.filter(action=OPENED).exists()  # a refusal is not an opening


def test_anonymous_is_sent_to_login(creator, document, record):
    urls = [
        *_pages(creator, document, record),
        reverse("compliance:document_file", args=[document.files.get().pk]),
    ]
    for url in urls:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login"))


def test_opening_a_file_streams_it_with_safe_headers_and_is_audited(
    client_for, compliance_user, document
):
    file = document.files.get()
    response = client_for(compliance_user).get(reverse("compliance:document_file", args=[file.pk]))
    assert response.status_code == 200
    assert response.content == demo_png()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == (
        f'inline; filename="identity-document-{document.pk}-file-{file.pk}.png"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action=OPENED)
    assert event.actor == compliance_user
    assert event.target_id == str(document.pk)


def test_the_document_page_shows_the_number_to_compliance_and_audits_it(
    client_for, compliance_user, document
):
    page = client_for(compliance_user).get(reverse("compliance:document", args=[document.pk]))
    assert "GB-555-777" in page.content.decode()
    assert AuditEvent.objects.filter(action="compliance.document_number_shown").count() == 1


def test_the_creator_page_lists_documents_and_the_2257_state(
    client_for, compliance_user, creator, document, record
):
    page = client_for(compliance_user).get(reverse("compliance:creator", args=[creator.pk]))
    body = page.content.decode()
    assert 'data-testid="document"' in body and "Passport" in body
    assert reverse("compliance:record_2257", args=[record.pk]) in body
    assert "no ID document examined" in body


# --- forms -------------------------------------------------------------------------------------


def _upload_post(client, creator, **overrides):
    data = {
        "document_type": "national_id",
        "issuing_country": "DE",
        "number": "L01X00T47",
        "expires_on": "2030-01-01",
        "file": SimpleUploadedFile("id.png", demo_png(), "image/png"),
    }
    data.update(overrides)
    return client.post(reverse("compliance:creator_document_upload", args=[creator.pk]), data)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"file": SimpleUploadedFile("id.png", b"hello, not a picture", "image/png")},
            "not a PDF, JPEG or PNG",
        ),
        (
            {"file": SimpleUploadedFile("id.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))},
            "over 10 MB",
        ),
        ({"expires_on": "2026-06-14"}, "expired on 2026-06-14"),
        ({"issuing_country": "ZZ"}, "ISO 3166"),
    ],
)
def test_upload_refusals_are_shown_and_nothing_is_saved(
    client_for, compliance_user, creator, overrides, message, document_store
):
    response = _upload_post(client_for(compliance_user), creator, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not IdentityDocument.objects.exists()
    assert not document_store.exists() or not any(p.is_file() for p in document_store.rglob("*"))


def test_upload_then_review(client_for, compliance_user, creator):
    client = client_for(compliance_user)
    response = _upload_post(client, creator)
    document = IdentityDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance:document", args=[document.pk])
    url = reverse("compliance:document", args=[document.pk])
    refused = client.post(url, {"decision": "reject", "reason": ""})
    assert refused.status_code == 400
    document.refresh_from_db()
    assert document.status == "pending"
    accepted = client.post(url, {"decision": "accept", "reason": "Matches the selfie"})
    assert accepted.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.reviewed_by) == ("accepted", compliance_user)
    assert AuditEvent.objects.filter(action="compliance.document_accepted").count() == 1


def test_performer_form_refuses_under_18_and_creates_an_adult(client_for, compliance_user, today):
    client = client_for(compliance_user)
    url = reverse("compliance:performer_create")
    young = client.post(url, {"legal_name": "Kid", "date_of_birth": "2010-01-01"})
    assert young.status_code == 400 and "Under 18" in young.content.decode()
    assert not Performer.objects.exists()
    created = client.post(
        url,
        {
            "legal_name": "Co Star",
            "date_of_birth": "1991-07-08",
            "names": "Starry\nstage: Star X",
            "content_references": "boyfanz:video/1",
        },
    )
    record = Record2257.objects.get()
    assert created.status_code == 302
    assert created["Location"] == reverse("compliance:record_2257", args=[record.pk])
    assert sorted(record.performer.names.values_list("name", "kind")) == [
        ("Star X", "stage_name"),
        ("Starry", "alias"),
    ]


def test_amend_form_adds_a_version(client_for, compliance_user, creator, document, record, today):
    client = client_for(compliance_user)
    url = reverse("compliance:record_2257_amend", args=[record.pk])
    missing_reason = client.post(url, {"legal_name": "Jane Example"})
    assert missing_reason.status_code == 400
    assert record.versions.count() == 1
    response = client.post(
        url,
        {
            "legal_name": "Jane Example",
            "date_of_birth": "1990-02-03",
            "names": "maiden: Jane Old",
            "content_references": "boyfanz:post/1\nboyfanz:post/2",
            "id_document": str(document.pk),
            "id_examined_on": "2026-06-15",
            "reason": "Passport examined",
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.version_count == 2 and record.is_complete
    page = client.get(reverse("compliance:record_2257", args=[record.pk])).content.decode()
    assert page.count('data-testid="version"') == 2
    assert "2033-06-15" in page


def test_records_list_filters_and_says_what_is_missing(client_for, compliance_user, record):
    client = client_for(compliance_user)
    url = reverse("compliance:records_2257")
    body = client.get(url, {"state": "incomplete"}).content.decode()
    assert "Jane Example" in body and "no ID document examined" in body
    assert "Never exported" in body
    assert "Jane Example" not in client.get(url, {"state": "complete"}).content.decode()
    assert "Jane Example" in client.get(url, {"q": "jane"}).content.decode()


# --- API ---------------------------------------------------------------------------------------


def test_records_api_for_staff_with_completeness(client_for, compliance_user, record):
    url = "/api/v1/compliance/records-2257/"
    response = client_for(compliance_user).get(url)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == record.pk and row["legalName"] == "Jane Example"
    assert row["complete"] is False and "no content references" in row["missing"]
    assert row["retainUntil"] == "2033-06-15"
    assert client_for(compliance_user).get(url, {"complete": "true"}).json()["count"] == 0
    bad = client_for(compliance_user).get(url, {"complete": "maybe"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_filter"


@pytest.mark.parametrize("role", ["support_user", "finance_user", "creator_user"])
def test_records_api_refuses_other_roles(request, client_for, role, record):
    response = client_for(request.getfixturevalue(role)).get("/api/v1/compliance/records-2257/")
    assert response.status_code == 403


def test_records_api_refuses_anonymous(record):
    assert Client().get("/api/v1/compliance/records-2257/").status_code in (401, 403)


def test_records_list_issues_a_constant_number_of_queries(client_for, compliance_user, today):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(compliance_user)
    url = reverse("compliance:records_2257")
    for index in range(2):
        performer_create(legal_name=f"Performer {index}", names=[("A", "alias")], actor=None)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for index in range(10):
        performer_create(legal_name=f"More {index}", actor=None)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count('data-testid="record-row"') == 12
    assert len(many) == len(few)
