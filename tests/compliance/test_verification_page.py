"""The creator's own Verification page (/compliance/me/verification/): each obligation in words
(age verification, KYC level and its limit, identity documents, the 2257 record, payouts
stopped and why), only the signed-in creator's own data, and the upload of an identity
document (lands in the staff review queue, audited as the creator's action; a bad file, a
file over 10 MB or a past expiry date is a form error and nothing is stored)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.accounts.models import Role
from apps.audit.models import AuditEvent
from apps.compliance.demo import demo_pdf, demo_png
from apps.compliance.models import DocumentFile, IdentityDocument
from apps.compliance.selectors import creator_verification, document_review_queue
from apps.compliance.services import (
    age_verification_record,
    identity_document_review,
    identity_document_upload,
    kyc_verification_decide,
    kyc_verification_request,
    performer_create,
    record_2257_amend,
)
from apps.creators.models import Creator, PayoutHold
from tests.factories import make_user, record_2257_complete

pytestmark = pytest.mark.django_db

URL = "/compliance/me/verification/"
UPLOADED = "compliance.document_uploaded"


def stored_files(location):
    return [path for path in location.rglob("*") if path.is_file()] if location.exists() else []


def upload(creator, *, expires_on=date(2030, 1, 31), accept: bool | None = None, reviewer=None):
    document = identity_document_upload(
        creator=creator,
        document_type="passport",
        issuing_country="GB",
        number="GB-123",
        expires_on=expires_on,
        files=[demo_png()],
        actor=None,
    )
    if accept is not None:
        document = identity_document_review(
            document=document,
            accept=accept,
            reason="Readable and valid." if accept else "The photo page is cut off.",
            actor=reviewer,
        )
    return document


def form_data(**overrides):
    data = {
        "document_type": "national_id",
        "issuing_country": "DE",
        "number": "L01X00T47",
        "expires_on": "2031-03-31",
        "file": SimpleUploadedFile("front.pdf", demo_pdf(), "application/pdf"),
    }
    data.update(overrides)
    return data


# --- who may open it ------------------------------------------------------------------------


def test_the_creator_sees_the_page_and_the_nav_item(client_for, creator):
    response = client_for(creator.user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("compliance:my_verification") == URL
    assert f'href="{URL}"' in html and ">Verification</a>" in html  # the creator's nav
    for section in ("todo", "payouts", "age", "kyc", "documents", "record-2257", "upload"):
        assert f'data-testid="{section}"' in html, section


@pytest.mark.parametrize("role", ["super_admin", "compliance_user", "finance_user", "support_user"])
def test_staff_are_refused(request, client_for, role, today):
    assert client_for(request.getfixturevalue(role)).get(URL).status_code == 403


def test_a_creator_user_without_a_creator_profile_gets_404(client_for, today):
    user = make_user(Role.CREATOR, email="nocreator@example.test")
    client = client_for(user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, form_data()).status_code == 404
    assert IdentityDocument.objects.count() == 0


def test_anonymous_is_sent_to_sign_in(client, today):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(URL, form_data()).status_code == 302
    assert IdentityDocument.objects.count() == 0


def test_creator_a_never_sees_or_uploads_to_creator_b(client_for, creator_factory, today):
    alice = creator_factory(display_name="Alice", kyc_level=0)
    bob = creator_factory(display_name="Bob", kyc_level=0)
    bobs = identity_document_upload(
        creator=bob,
        document_type="driving_licence",
        issuing_country="NZ",
        number="NZ-BOB-1",
        expires_on=date(2030, 1, 1),
        files=[demo_png()],
        actor=None,
    )
    client = client_for(alice.user)
    html = client.get(URL).content.decode()
    assert "Driving licence (NZ)" not in html and "(NZ)" not in html
    assert "You have not uploaded an identity document yet." in html
    # There is no creator in the URL; a creator field in the form is ignored.
    response = client.post(URL, form_data(creator=str(bob.pk), creator_id=str(bob.pk)))
    assert response.status_code == 302
    new = IdentityDocument.objects.exclude(pk=bobs.pk).get()
    assert new.creator == alice
    assert list(IdentityDocument.objects.filter(creator=bob)) == [bobs]
    assert client.get(f"{URL}?creator={bob.pk}").content.decode().count("(NZ)") == 0


# --- what it says ---------------------------------------------------------------------------


def test_everything_fine(client_for, creator, compliance_user, super_admin, today):
    age_verification_record(
        creator=creator,
        method="id_document",
        date_of_birth=date(1990, 5, 17),
        verified_on=date(2026, 6, 1),
        expires_on=date(2027, 6, 1),
        reviewer=compliance_user,
    )
    kyc = kyc_verification_request(
        creator=creator, level_requested=1, provider="manual", actor=compliance_user
    )
    kyc_verification_decide(
        verification=kyc,
        approve=True,
        reason="Passport checked.",
        reviewer=super_admin,
        level_granted=1,
    )
    document = upload(creator, accept=True, reviewer=compliance_user)
    record = performer_create(
        creator=creator, legal_name="Jane Example", date_of_birth=date(1990, 5, 17), actor=None
    ).record_2257
    record_2257_amend(
        record=record,
        actor=compliance_user,
        reason="Document examined.",
        legal_name="Jane Example",
        date_of_birth=date(1990, 5, 17),
        names=[],
        id_document=document,
        id_examined_on=today,
        content_references=["boyfanz:post/1"],
    )
    creator.refresh_from_db()
    html = client_for(creator.user).get(URL).content.decode()
    assert "Nothing to do" in html
    assert "Verification does not stop your payouts" in html
    assert "You can be paid up to 1,000.00 USD in any 30 days." in html
    assert "Your age verification is valid until 2027-06-01 (351 days left)." in html
    assert "2026-06-01" in html  # verified on
    assert "Level 1 (basic)" in html or "1 (basic)" in html
    assert "10,000.00 USD" in html  # what the next level allows
    assert "Your passport is accepted, valid until 2030-01-31." in html
    assert "Your 2257 record is complete." in html
    assert 'data-testid="compliance-notice"' not in html


def test_an_expiring_age_verification_and_what_to_do(client_for, creator_factory, today):
    creator = creator_factory(kyc_level=0, age_verified_until=today + timedelta(days=10))
    record_2257_complete(creator)
    html = client_for(creator.user).get(URL).content.decode()
    assert "Expires soon" in html
    assert "valid until 2026-06-25 (10 days left)" in html
    assert "Renew it before 2026-06-25" in html
    assert "What to do" in html
    assert "You can be paid up to 100.00 USD in any 30 days." in html
    # The banner links here, but not on this page itself.
    assert 'data-testid="compliance-notice"' in html
    assert "Open your Verification page" not in html
    earnings = client_for(creator.user).get("/earnings/").content.decode()
    assert f'href="{URL}">Open your Verification page' in earnings


def test_payouts_stopped_and_why(client_for, creator_factory, today):
    creator = creator_factory(kyc_level=0, age_verified_until=date(2026, 6, 1))
    PayoutHold.objects.create(
        creator=creator, reason="Chargeback under review", source=PayoutHold.Source.STAFF
    )
    Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.SUSPENDED)
    html = client_for(creator.user).get(URL).content.decode()
    assert "Your payouts are stopped" in html
    assert "Your age verification expired on 2026-06-01." in html
    assert "Your account is suspended." in html
    assert "Your payouts are on hold: Chargeback under review" in html
    assert "none: expired 14 days ago" in html
    assert "Your 2257 record has not been made yet (see below)." in html


def test_documents_in_words_with_a_rejection_and_a_pending_kyc(
    client_for, creator, compliance_user, today
):
    upload(creator, accept=False, reviewer=compliance_user)
    kyc_verification_request(
        creator=creator, level_requested=2, provider="manual", actor=compliance_user
    )
    performer_create(
        creator=creator, legal_name="Jane Example", date_of_birth=date(1990, 5, 17), actor=None
    )
    html = client_for(creator.user).get(URL).content.decode()
    assert "Rejected" in html
    assert "Why it was not accepted: The photo page is cut off." in html
    assert "Expires on 2030-01-31" in html
    assert "A request for level 2 (enhanced), opened on 2026-06-15, is waiting" in html
    assert "Your 2257 record is incomplete: " in html
    assert "no ID document examined" in html
    assert "Upload a valid identity document below" in html
    assert ">pending<" not in html and ">rejected<" not in html  # words, not codes


def test_document_expiry_dates_are_flagged(client_for, creator, compliance_user, today):
    upload(creator, expires_on=today + timedelta(days=3), accept=True, reviewer=compliance_user)
    html = client_for(creator.user).get(URL).content.decode()
    assert "Expires on 2026-06-18 (3 days left)" in html
    assert "Upload a new identity document before 2026-06-18." in html
    # A new upload waiting for review is what was needed: no more "to do" for the document.
    upload(creator, expires_on=date(2031, 1, 1))
    verification = creator_verification(creator)
    assert verification.documents.state == "waiting"
    assert verification.documents.todo == ""


def test_a_fixed_number_of_queries(creator, compliance_user, django_assert_max_num_queries):
    for _ in range(5):
        upload(creator, accept=True, reviewer=compliance_user)
    with django_assert_max_num_queries(8):
        creator_verification(creator)


# --- the upload -----------------------------------------------------------------------------


def test_the_upload_lands_in_the_review_queue_as_the_creators_action(client_for, creator):
    client = client_for(creator.user)
    response = client.post(
        URL,
        form_data(file_back=SimpleUploadedFile("back.png", demo_png(), "image/png")),
    )
    assert response.status_code == 302 and response["Location"] == URL
    document = IdentityDocument.objects.get()
    assert document.creator == creator
    assert document.status == IdentityDocument.Status.PENDING
    assert document.uploaded_by == creator.user
    assert document.files.count() == 2
    assert list(document_review_queue()) == [document]
    event = AuditEvent.objects.get(action=UPLOADED)
    assert event.actor == creator.user
    html = client.get(URL).content.decode()
    assert "your identity document is uploaded and waits for review" in html
    assert "Waiting for review" in html


def test_the_upload_through_htmx_redirects_the_page(client_for, creator):
    response = client_for(creator.user).post(URL, form_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == URL
    assert IdentityDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"file": SimpleUploadedFile("passport.png", b"not an image at all", "image/png")},
            "file",
            "PDF",
        ),
        (
            {
                "file": SimpleUploadedFile(
                    "big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "application/pdf"
                )
            },
            "file",
            "10 MB",
        ),
        ({"expires_on": "2026-06-14"}, "expires_on", "expired on 2026-06-14"),
        ({"issuing_country": "XX"}, "issuing_country", ""),
        ({"file": SimpleUploadedFile("empty.pdf", b"", "application/pdf")}, "file", ""),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_stored(
    client_for, creator, document_store, overrides, field, message
):
    client = client_for(creator.user)
    response = client.post(URL, form_data(**overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert IdentityDocument.objects.count() == 0
    assert DocumentFile.objects.count() == 0
    assert stored_files(document_store) == []
    assert not AuditEvent.objects.filter(action=UPLOADED).exists()
    # Through htmx the answer is the form alone, with its errors, for the page to swap in.
    response = client.post(URL, form_data(**overrides), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in html and 'id="upload-card"' in html
    assert 'data-testid="field-error"' in html
    assert IdentityDocument.objects.count() == 0


def test_the_page_loads_the_vendored_progress_script(client_for, creator):
    html = client_for(creator.user).get(URL).content.decode()
    assert "/static/js/document-upload.js" in html
    assert "<progress" in html and 'hx-encoding="multipart/form-data"' in html
    assert "cdn" not in html.lower()
    assert 'enctype="multipart/form-data"' in html  # works without JavaScript too


def test_an_upload_waiting_for_review_changes_what_to_do(client_for, creator_factory, today):
    creator = creator_factory(kyc_level=0, age_verified_until=today + timedelta(days=5))
    client = client_for(creator.user)
    assert "Renew it before 2026-06-20" in client.get(URL).content.decode()
    client.post(URL, form_data())
    html = client.get(URL).content.decode()
    assert "Renew it before" not in html
    assert "The identity document you uploaded on 2026-06-15 is waiting for review" in html


def test_a_critical_violation_and_its_hold_in_words(client_for, creator, compliance_user, today):
    from apps.compliance.services import violation_open

    violation_open(
        kind="age_2257",
        severity="critical",
        summary="Co-performer without an age record",
        source="staff",
        creator=creator,
        actor=compliance_user,
    )
    html = client_for(creator.user).get(URL).content.decode()
    assert "Your payouts are stopped" in html
    assert "A critical compliance issue is open; payouts stay stopped until our compliance " in html
    assert "Co-performer without an age record" in html
    assert "Your payouts are on hold: " in html
