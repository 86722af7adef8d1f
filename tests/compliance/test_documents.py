"""Identity documents: the file rules (type by content, 10 MB), the expiry and country rules,
encryption at rest (no plaintext in the database or the store), opening, review, destruction
by erasing the data key, and master key rotation."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.audit.models import AuditEvent
from apps.compliance.demo import demo_pdf, demo_png
from apps.compliance.models import DocumentFile, IdentityDocument
from apps.compliance.services import (
    identity_document_destroy,
    identity_document_file_open,
    identity_document_keys_reseal,
    identity_document_number,
    identity_document_review,
    identity_document_upload,
    performer_create,
    record_2257_amend,
)
from apps.core.crypto import TamperedTokenError
from apps.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

NUMBER = "P9182736X"
MARKER = b"PLAINTEXT-MARKER-2257"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"


def upload(creator, actor=None, *, files=None, **fields):
    values = {
        "document_type": "passport",
        "issuing_country": "us",
        "number": NUMBER,
        "expires_on": date(2030, 1, 1),
        "files": files if files is not None else [demo_png()],
    }
    values.update(fields)
    return identity_document_upload(creator=creator, actor=actor, **values)


def stored_files(location):
    return [path for path in location.rglob("*") if path.is_file()] if location.exists() else []


def assert_nothing_written(location):
    assert IdentityDocument.objects.count() == 0
    assert DocumentFile.objects.count() == 0
    assert stored_files(location) == []
    assert not AuditEvent.objects.filter(action="compliance.document_uploaded").exists()


# --- the file rules ------------------------------------------------------------------------------


def test_a_text_file_named_png_is_refused_and_nothing_is_written(
    creator, compliance_user, document_store
):
    fake = SimpleUploadedFile("passport.png", b"just some text, not an image", "image/png")
    with pytest.raises(ApplicationError) as refused:
        upload(creator, compliance_user, files=[fake])
    assert refused.value.code == "unsupported_file_type"
    assert "content" in str(refused.value.detail)
    assert_nothing_written(document_store)


def test_a_real_png_jpeg_and_pdf_are_accepted_by_content_whatever_their_name(
    creator, compliance_user
):
    png = SimpleUploadedFile("scan.pdf", demo_png(), "application/pdf")  # a PNG named .pdf
    jpeg = SimpleUploadedFile("back.txt", JPEG, "text/plain")
    pdf = SimpleUploadedFile("doc", demo_pdf(), "application/octet-stream")
    document = upload(creator, compliance_user, files=[png, jpeg, pdf])
    types = list(document.files.order_by("id").values_list("content_type", flat=True))
    assert types == ["image/png", "image/jpeg", "application/pdf"]
    first = document.files.order_by("id").first()
    assert first.size == len(demo_png())
    assert first.sha256 == hashlib.sha256(demo_png()).hexdigest()
    assert document.status == IdentityDocument.Status.PENDING
    assert document.issuing_country == "US"
    assert document.uploaded_by == compliance_user


def test_ten_megabytes_is_accepted_and_one_byte_more_is_refused(
    creator, compliance_user, document_store
):
    limit = 10 * 1024 * 1024
    too_big = b"%PDF-" + b"0" * (limit + 1 - 5)
    with pytest.raises(ApplicationError) as refused:
        upload(creator, compliance_user, files=[SimpleUploadedFile("a.pdf", too_big)])
    assert refused.value.code == "file_too_large"
    assert_nothing_written(document_store)
    document = upload(creator, compliance_user, files=[too_big[:limit]])
    assert document.files.get().size == limit


def test_an_empty_file_or_none_is_refused(creator, compliance_user, document_store):
    for files, code in (([b""], "empty_file"), ([], "file_required")):
        with pytest.raises(ApplicationError) as refused:
            upload(creator, compliance_user, files=files)
        assert refused.value.code == code
    assert_nothing_written(document_store)


def test_a_past_expiry_is_refused_today_is_accepted(
    creator, compliance_user, today, document_store
):
    with pytest.raises(ApplicationError) as refused:
        upload(creator, compliance_user, expires_on=today - timedelta(days=1))
    assert refused.value.code == "expiry_in_past"
    assert_nothing_written(document_store)
    assert upload(creator, compliance_user, expires_on=today).expires_on == today
    assert upload(creator, compliance_user, expires_on=None).expires_on is None


@pytest.mark.parametrize("country", ["XX", "USA", "", "1A"])
def test_the_issuing_country_is_an_iso_code(creator, compliance_user, country, document_store):
    with pytest.raises(ApplicationError) as refused:
        upload(creator, compliance_user, issuing_country=country)
    assert refused.value.code == "invalid_country"
    assert_nothing_written(document_store)


def test_a_document_belongs_to_exactly_one_owner(creator, compliance_user, today):
    performer = performer_create(legal_name="Co Performer", actor=compliance_user)
    with pytest.raises(ApplicationError) as refused:
        identity_document_upload(
            creator=creator,
            performer=performer,
            document_type="passport",
            issuing_country="US",
            number="1",
            files=[demo_png()],
            actor=compliance_user,
        )
    assert refused.value.code == "invalid_owner"


# --- encryption at rest -------------------------------------------------------------------------


def test_neither_the_number_nor_the_file_is_stored_in_plaintext(
    creator, compliance_user, document_store
):
    content = demo_png() + MARKER  # bytes after IEND: still a PNG by its signature
    document = upload(creator, compliance_user, files=[content])
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM compliance_identitydocument WHERE id = %s", [document.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
        cursor.execute(
            "SELECT * FROM compliance_documentfile WHERE document_id = %s", [document.pk]
        )
        file_row = " ".join(str(value) for value in cursor.fetchone())
    assert NUMBER not in row and NUMBER.lower() not in row.lower()
    assert NUMBER not in file_row
    assert creator.display_name not in file_row  # the stored name is random
    events = " ".join(
        str(event.after) for event in AuditEvent.objects.filter(target_id=str(creator.pk))
    )
    assert NUMBER not in events
    [raw_path] = stored_files(document_store)
    raw = raw_path.read_bytes()
    assert MARKER not in raw
    assert b"\x89PNG" not in raw and b"IHDR" not in raw
    assert creator.display_name.encode() not in raw_path.name.encode()
    # and it reads back
    assert identity_document_number(document) == NUMBER
    assert identity_document_file_open(file=document.files.get(), actor=compliance_user) == content


def test_opening_a_file_is_audited(creator, compliance_user):
    document = upload(creator, compliance_user)
    file = document.files.get()
    identity_document_file_open(file=file, actor=compliance_user)
    event = AuditEvent.objects.get(action="compliance.document_opened")
    assert event.actor == compliance_user
    assert event.target_id == str(document.pk)
    assert event.after["file"] == file.pk


def test_a_ciphertext_moved_to_another_file_is_refused(creator, compliance_user, document_store):
    first = upload(creator, compliance_user).files.get()
    second = upload(creator, compliance_user, files=[demo_pdf()]).files.get()
    (document_store / second.storage_name).write_bytes(
        (document_store / first.storage_name).read_bytes()
    )
    with pytest.raises(TamperedTokenError):
        identity_document_file_open(file=second, actor=compliance_user)


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def test_rotation_reseals_the_data_keys_and_the_files_still_open(
    creator, compliance_user, settings
):
    settings.ENCRYPTION_KEYS = [f"old:{_key()}"]
    document = upload(creator, compliance_user)
    assert document.key_id == "old"
    old = settings.ENCRYPTION_KEYS[0]
    settings.ENCRYPTION_KEYS = [f"new:{_key()}", old]
    assert identity_document_keys_reseal() == 1
    assert identity_document_keys_reseal() == 0  # idempotent
    settings.ENCRYPTION_KEYS = [settings.ENCRYPTION_KEYS[0]]  # the old key is gone
    document.refresh_from_db()
    assert document.key_id == "new"
    assert identity_document_number(document) == NUMBER
    assert identity_document_file_open(file=document.files.get(), actor=None) == demo_png()


# --- review ------------------------------------------------------------------------------------


def test_review_needs_a_reason_and_is_audited(creator, compliance_user):
    document = upload(creator, compliance_user)
    with pytest.raises(ApplicationError) as refused:
        identity_document_review(
            document=document, accept=False, reason="  ", actor=compliance_user
        )
    assert refused.value.code == "reason_required"
    document.refresh_from_db()
    assert document.status == "pending"
    identity_document_review(
        document=document, accept=False, reason="Photo unreadable", actor=compliance_user
    )
    document.refresh_from_db()
    assert (document.status, document.review_reason) == ("rejected", "Photo unreadable")
    assert AuditEvent.objects.filter(action="compliance.document_rejected").count() == 1
    with pytest.raises(ApplicationError) as again:
        identity_document_review(document=document, accept=True, reason="ok", actor=None)
    assert again.value.code == "not_pending"


# --- destruction ------------------------------------------------------------------------------


def test_destroying_erases_the_key_and_the_files(
    creator, compliance_user, document_store, django_capture_on_commit_callbacks
):
    document = upload(creator, compliance_user)
    file = document.files.get()
    with django_capture_on_commit_callbacks(execute=True):
        identity_document_destroy(document, "GDPR erasure #3", compliance_user)
    document.refresh_from_db()
    assert document.is_destroyed
    assert document.data_key_sealed == "" and document.number_encrypted == ""
    assert stored_files(document_store) == []
    with pytest.raises(ApplicationError) as gone:
        identity_document_file_open(file=file, actor=compliance_user)
    assert (gone.value.code, gone.value.status_code) == ("document_destroyed", 410)
    assert AuditEvent.objects.filter(action="compliance.document_destroyed").count() == 1
    # a second call changes nothing
    identity_document_destroy(document=document, reason="again", actor=compliance_user)
    assert AuditEvent.objects.filter(action="compliance.document_destroyed").count() == 1


def test_a_document_examined_by_a_2257_record_in_retention_is_not_destroyed(
    creator, compliance_user, today, document_store
):
    document = upload(creator, compliance_user)
    performer = performer_create(
        creator=creator, legal_name="Jane Example", date_of_birth=date(1990, 1, 1), actor=None
    )
    record_2257_amend(
        record=performer.record_2257,
        actor=compliance_user,
        reason="ID examined",
        legal_name="Jane Example",
        date_of_birth=date(1990, 1, 1),
        names=[],
        id_document=document,
        id_examined_on=today,
        content_references=["boyfanz:post/1"],
    )
    with pytest.raises(ApplicationError) as held:
        identity_document_destroy(document, "GDPR erasure", compliance_user)
    assert held.value.code == "retention_hold"
    assert held.value.status_code == 409
    assert f"2257 record #{performer.record_2257.pk}" in held.value.detail
    assert "2033-06-15" in held.value.detail
    document.refresh_from_db()
    assert not document.is_destroyed
    assert len(stored_files(document_store)) == 1
