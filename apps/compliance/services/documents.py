"""Writes of identity documents and 2257 records, each in one transaction and audited in it.

Identity documents: ``identity_document_upload`` (staff today; the creator's own upload page
calls the same service), ``identity_document_review`` (accept / reject with a reason),
``identity_document_file_open`` (decrypts one file and audits the opening),
``identity_document_destroy`` (erases the data key: the number and files become unreadable),
``identity_document_keys_reseal`` (master key rotation).

2257 records: ``performer_create`` (a performer and version 1 of its record),
``record_2257_amend`` (a new version; the old ones stay), ``records_2257_export`` (the
inspection bundle, ``manage.py export_2257``)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance import documents_crypto as dc
from apps.compliance.models import (
    DocumentFile,
    ExportRun,
    IdentityDocument,
    Performer,
    PerformerName,
    Record2257,
    Record2257Version,
)
from apps.compliance.rules import adult_on
from apps.compliance.services.inputs import date_clean as _date
from apps.compliance.services.inputs import is_person as _is_person
from apps.compliance.services.inputs import reason_clean as _reason
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator

STORAGE_ALIAS = "compliance"
NUMBER_MAX_LENGTH = 64
NAME_MAX_LENGTH = 200
REFERENCE_MAX_LENGTH = 500
MAX_REFERENCES = 1000
MAX_FILES = 4


def document_storage():
    return storages[STORAGE_ALIAS]


def _person(actor):
    return actor if _is_person(actor) else None


# --- files ------------------------------------------------------------------------------------


def _read_limited(upload: Any) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of an upload (a Django UploadedFile, a file object, or
    bytes): the declared size is never trusted."""
    if isinstance(upload, bytes | bytearray | memoryview):
        return bytes(upload[: dc.MAX_FILE_BYTES + 1])
    if hasattr(upload, "seek"):
        with contextlib.suppress(OSError, ValueError):
            upload.seek(0)
    buffer = io.BytesIO()
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > dc.MAX_FILE_BYTES:
            break
    return buffer.getvalue()[: dc.MAX_FILE_BYTES + 1]


def identity_file_check(upload: Any, *, label: str = "The file") -> dc.CheckedFile:
    """Refuses (nothing written) an empty file, one over 10 MB, and one whose content is not
    a PDF, JPEG or PNG, whatever its name or declared type say."""
    data = _read_limited(upload)
    if not data:
        raise ApplicationError("empty_file", f"{label} is empty.")
    if len(data) > dc.MAX_FILE_BYTES:
        raise ApplicationError(
            "file_too_large", f"{label} is over 10 MB (10,485,760 bytes): send a smaller scan."
        )
    content_type = dc.sniff_content_type(data[:16])
    if content_type is None:
        raise ApplicationError(
            "unsupported_file_type",
            f"{label} is not a PDF, JPEG or PNG (checked by its content, not its name).",
        )
    return dc.CheckedFile(
        data=data,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _country(value) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not code.isalpha() or pycountry.countries.get(alpha_2=code) is None:
        raise ApplicationError(
            "invalid_country", "The issuing country is an ISO 3166 two-letter code (e.g. US, GB)."
        )
    return code


def _number(value) -> str:
    number = " ".join((value or "").split())
    if not number:
        raise ApplicationError("number_required", "The document number is required.")
    if len(number) > NUMBER_MAX_LENGTH:
        raise ApplicationError(
            "invalid_number", f"A document number is at most {NUMBER_MAX_LENGTH} characters."
        )
    return number


def _store_file(document: IdentityDocument, key: bytes, checked: dc.CheckedFile) -> DocumentFile:
    """Encrypt and write one file under a random name (never a person's name)."""
    storage = document_storage()
    name = f"identity/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}.bin"
    blob = dc.encrypt(key, checked.data, aad=dc.file_aad(document.uid, name))
    stored = storage.save(name, ContentFile(blob))
    if stored != name:  # a backend that renamed it: bind the ciphertext to the real name
        storage.delete(stored)
        raise ApplicationError(
            "storage_conflict", "The document store renamed the file; try again.", status_code=503
        )
    try:
        return DocumentFile.objects.create(
            document=document,
            storage_name=name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_at=document.uploaded_at,
        )
    except Exception:
        storage.delete(name)
        raise


def _delete_stored(names: list[str]) -> None:
    storage = document_storage()
    for name in names:
        with contextlib.suppress(OSError):  # gone already: the key is erased either way
            storage.delete(name)


def identity_document_upload(
    *,
    document_type: str,
    issuing_country: str,
    number: str,
    files: Iterable[Any],
    actor,
    creator: Creator | None = None,
    performer: Performer | None = None,
    expires_on: date | None = None,
) -> IdentityDocument:
    """Record an identity document of a creator or a 2257 performer with its files (1 to 4:
    front, back, ...). Every rule is checked before anything is written: an unknown type, an
    issuing country that is not ISO 3166 alpha-2, no number, an expiry date already past, a
    file that is empty, over 10 MB or not a PDF/JPEG/PNG by its content. The number and the
    files are encrypted with a new data key; the files go to the compliance storage under
    random names. Audited (``compliance.document_uploaded``), never with the number."""
    if (creator is None) == (performer is None):
        raise ApplicationError("invalid_owner", "A document belongs to a creator or a performer.")
    if document_type not in IdentityDocument.DocumentType.values:
        raise ApplicationError("invalid_document_type", f"Unknown document type {document_type!r}.")
    country = _country(issuing_country)
    number = _number(number)
    if expires_on is not None:
        expires_on = _date(expires_on, name="expiry date")
        if expires_on < timezone.localdate():
            raise ApplicationError(
                "expiry_in_past",
                f"The document expired on {expires_on:%Y-%m-%d}: upload a valid one.",
            )
    checked = [
        identity_file_check(upload, label=f"File {index}")
        for index, upload in enumerate([f for f in files if f is not None], start=1)
    ]
    if not checked:
        raise ApplicationError("file_required", "Attach the document (a PDF, JPEG or PNG).")
    if len(checked) > MAX_FILES:
        raise ApplicationError("too_many_files", f"At most {MAX_FILES} files a document.")
    stored: list[str] = []
    try:
        with transaction.atomic():
            document = IdentityDocument(
                creator=creator,
                performer=performer,
                document_type=document_type,
                issuing_country=country,
                expires_on=expires_on,
                uploaded_by=_person(actor),
                uploaded_at=timezone.now(),
            )
            key, document.data_key_sealed, document.key_id = dc.data_key_new(document.uid)
            document.number_encrypted = dc.number_encrypt(key, document.uid, number)
            document.save()
            for item in checked:
                stored.append(_store_file(document, key, item).storage_name)
            audit_record(
                actor=actor,
                action="compliance.document_uploaded",
                target=creator or performer,
                after={
                    "document": document.pk,
                    "document_type": document_type,
                    "issuing_country": country,
                    "expires_on": expires_on,
                    "files": [
                        {"content_type": item.content_type, "size": item.size} for item in checked
                    ],
                },
            )
    except BaseException:
        _delete_stored(stored)
        raise
    return document


def _data_key(document: IdentityDocument) -> bytes:
    if document.is_destroyed or not document.data_key_sealed:
        raise ApplicationError(
            "document_destroyed",
            "This document was destroyed: its key is erased and it cannot be read.",
            status_code=410,
        )
    return dc.data_key_open(document.uid, document.data_key_sealed, document.key_id)


def identity_document_number(document: IdentityDocument) -> str:
    """The decrypted number (for the pages that show it to compliance)."""
    return dc.number_decrypt(_data_key(document), document.uid, document.number_encrypted)


def _file_plaintext(document: IdentityDocument, file: DocumentFile, key: bytes) -> bytes:
    with document_storage().open(file.storage_name, "rb") as handle:
        blob = handle.read()
    return dc.decrypt(key, blob, aad=dc.file_aad(document.uid, file.storage_name))


@transaction.atomic
def identity_document_file_open(*, file: DocumentFile, actor) -> bytes:
    """The decrypted bytes of one file; the opening is audited (who, which document and file,
    when). The caller has checked the permission (``compliance.open_identitydocument``)."""
    document = file.document
    key = _data_key(document)
    data = _file_plaintext(document, file, key)
    audit_record(
        actor=actor,
        action="compliance.document_opened",
        target=document,
        after={"document": document.pk, "file": file.pk, "content_type": file.content_type},
    )
    return data


@transaction.atomic
def identity_document_review(
    *, document: IdentityDocument, accept: bool, reason: str, actor
) -> IdentityDocument:
    """Accept or reject a document waiting for review; the reason is required either way
    (kept with the decision and audited). A destroyed or already decided document is refused.
    2257 records that examined it are re-checked (a rejected ID leaves them incomplete)."""
    reason = _reason(reason)
    document = IdentityDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_destroyed:
        raise ApplicationError(
            "document_destroyed", "This document was destroyed.", status_code=409
        )
    if document.status != IdentityDocument.Status.PENDING:
        raise ApplicationError(
            "not_pending",
            f"Only a document waiting for review can be decided; this one is "
            f"{document.get_status_display().lower()}.",
            status_code=409,
        )
    document.status = (
        IdentityDocument.Status.ACCEPTED if accept else IdentityDocument.Status.REJECTED
    )
    document.reviewed_by = _person(actor)
    document.reviewed_at = timezone.now()
    document.review_reason = reason
    document.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
    audit_record(
        actor=actor,
        action="compliance.document_accepted" if accept else "compliance.document_rejected",
        target=document,
        before={"status": IdentityDocument.Status.PENDING},
        after={"document": document.pk, "status": document.status, "reason": reason},
    )
    _records_refresh_for_document(document)
    return document


def identity_document_retention_holds(document: IdentityDocument) -> list[str]:
    """The 2257 records that examined this document and must still be kept, in words."""
    today = timezone.localdate()
    records = Record2257.objects.filter(versions__id_document=document).distinct().order_by("pk")
    return [
        f"2257 record #{record.pk} examined this document and must be kept until "
        f"{record.retain_until:%Y-%m-%d}"
        for record in records
        if record.retain_until >= today
    ]


def identity_document_destroy(document: IdentityDocument, reason: str, actor) -> IdentityDocument:
    """Destroy a document by erasing its data key (and its encrypted number); the encrypted
    files are deleted from the store after commit, and are unreadable even if a copy remains
    (a backup). Refused while a 2257 record that examined it is within its retention period
    (``retention_hold``, 409, with the record and date). Idempotent on a destroyed document.
    Audited (``compliance.document_destroyed``)."""
    reason = _reason(reason)
    with transaction.atomic():
        document = IdentityDocument.objects.select_for_update().get(pk=document.pk)
        if document.is_destroyed:
            return document
        holds = identity_document_retention_holds(document)
        if holds:
            raise ApplicationError("retention_hold", "; ".join(holds) + ".", status_code=409)
        names = list(document.files.values_list("storage_name", flat=True))
        document.data_key_sealed = ""
        document.number_encrypted = ""
        document.destroyed_at = timezone.now()
        document.destroyed_reason = reason
        document.save(
            update_fields=[
                "data_key_sealed",
                "number_encrypted",
                "destroyed_at",
                "destroyed_reason",
            ]
        )
        audit_record(
            actor=actor,
            action="compliance.document_destroyed",
            target=document,
            after={"document": document.pk, "files": len(names), "reason": reason},
        )
        transaction.on_commit(lambda: _delete_stored(names))
        _records_refresh_for_document(document)
    return document


def identity_document_keys_reseal(*, batch_size: int = 500) -> int:
    """Re-seal every data key sealed under an older master key with the newest one (after a
    key was put first in ENCRYPTION_KEYS). Files and numbers are untouched. Returns how many."""
    from apps.core.crypto import current_key_id

    newest = current_key_id()
    resealed = 0
    while True:
        batch = list(
            IdentityDocument.objects.filter(destroyed_at__isnull=True)
            .exclude(key_id=newest)
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return resealed
        with transaction.atomic():
            for document in batch:
                token, key_id = dc.data_key_reseal(
                    document.uid, document.data_key_sealed, document.key_id
                )
                updated = IdentityDocument.objects.filter(
                    pk=document.pk, key_id=document.key_id, destroyed_at__isnull=True
                ).update(data_key_sealed=token, key_id=key_id)
                resealed += updated


# --- 2257 records ----------------------------------------------------------------------------


def _legal_name(value) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ApplicationError("legal_name_required", "The performer's legal name is required.")
    if len(name) > NAME_MAX_LENGTH:
        raise ApplicationError("invalid_name", f"A name is at most {NAME_MAX_LENGTH} characters.")
    return name


def _date_of_birth(value) -> date | None:
    if value is None:
        return None
    born = _date(value, name="date of birth")
    today = timezone.localdate()
    adult = adult_on(born)
    if adult > today:
        raise ApplicationError(
            "under_age",
            f"Under 18: a performer born on {born:%Y-%m-%d} is an adult from "
            f"{adult:%Y-%m-%d} only, and cannot be recorded.",
        )
    return born


def _names(values) -> list[dict]:
    """``[(name, kind), ...]`` or ``[{"name", "kind"}]`` → a clean, de-duplicated list."""
    clean: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for item in values or ():
        name, kind = (item["name"], item["kind"]) if isinstance(item, dict) else item
        name = " ".join((name or "").split())
        if not name:
            continue
        if len(name) > NAME_MAX_LENGTH:
            raise ApplicationError(
                "invalid_name", f"A name is at most {NAME_MAX_LENGTH} characters."
            )
        if kind not in PerformerName.Kind.values:
            raise ApplicationError("invalid_name_kind", f"Unknown kind of name {kind!r}.")
        if (name.casefold(), kind) in seen:
            continue
        seen.add((name.casefold(), kind))
        clean.append({"name": name, "kind": kind})
    return clean


def _references(values) -> list[str]:
    clean: list[str] = []
    for value in values or ():
        reference = " ".join(str(value).split())
        if not reference or reference in clean:
            continue
        if len(reference) > REFERENCE_MAX_LENGTH:
            raise ApplicationError(
                "invalid_reference",
                f"A content reference is at most {REFERENCE_MAX_LENGTH} characters.",
            )
        clean.append(reference)
    if len(clean) > MAX_REFERENCES:
        raise ApplicationError(
            "too_many_references", f"At most {MAX_REFERENCES} content references a version."
        )
    return clean


def _performer_documents(performer: Performer):
    owner = Q(performer=performer)
    if performer.creator_id is not None:
        owner |= Q(creator_id=performer.creator_id)
    return IdentityDocument.objects.filter(owner)


def _record_refresh(record: Record2257) -> None:
    missing = record.completeness()
    Record2257.objects.filter(pk=record.pk).update(is_complete=not missing, missing=missing)
    record.is_complete, record.missing = not missing, missing


def _records_refresh_for_document(document: IdentityDocument) -> None:
    for record in Record2257.objects.filter(versions__id_document=document).distinct():
        _record_refresh(record)


def _version_add(
    *,
    record: Record2257,
    performer: Performer,
    names: list[dict],
    id_document: IdentityDocument | None,
    id_examined_on: date | None,
    content_references: list[str],
    reason: str,
    actor,
) -> Record2257Version:
    now = timezone.now()
    number = record.version_count + 1
    version = Record2257Version.objects.create(
        record=record,
        number=number,
        legal_name=performer.legal_name,
        date_of_birth=performer.date_of_birth,
        names=names,
        id_document=id_document,
        id_examined_on=id_examined_on,
        content_references=content_references,
        reason=reason,
        created_by=_person(actor),
        created_at=now,
    )
    record.version_count = number
    record.amended_at = now
    record.save(update_fields=["version_count", "amended_at"])
    _record_refresh(record)
    return version


def _id_document(performer: Performer, document, examined_on) -> tuple:
    if document is None:
        if examined_on is not None:
            raise ApplicationError(
                "id_document_required", "Say which ID document was examined on that day."
            )
        return None, None
    if not _performer_documents(performer).filter(pk=document.pk).exists():
        raise ApplicationError(
            "foreign_document", "The ID document examined must be this performer's."
        )
    if document.is_destroyed:
        raise ApplicationError("document_destroyed", "That ID document was destroyed.")
    if examined_on is not None:
        examined_on = _date(examined_on, name="examination date")
        if examined_on > timezone.localdate():
            raise ApplicationError(
                "examined_in_future", "The ID document cannot be examined in the future."
            )
    return document, examined_on


@transaction.atomic
def performer_create(
    *,
    legal_name: str,
    actor,
    date_of_birth: date | None = None,
    creator: Creator | None = None,
    names: Iterable = (),
    content_references: Iterable[str] = (),
) -> Performer:
    """A performer (a creator, or a co-performer who is not one) and version 1 of their 2257
    record. Refused: no legal name, a performer under 18 today (``rules.adult_on``), a creator
    who already has one. The record starts incomplete until an ID document examined, the date
    of birth and content references are recorded (``record_2257_amend``)."""
    legal_name = _legal_name(legal_name)
    date_of_birth = _date_of_birth(date_of_birth)
    clean_names = _names(names)
    references = _references(content_references)
    if creator is not None and Performer.objects.filter(creator=creator).exists():
        raise ApplicationError(
            "performer_exists",
            f"{creator} already has a 2257 record: amend it instead.",
            status_code=409,
        )
    now = timezone.now()
    performer = Performer.objects.create(
        creator=creator,
        legal_name=legal_name,
        date_of_birth=date_of_birth,
        created_at=now,
        created_by=_person(actor),
    )
    PerformerName.objects.bulk_create(
        [PerformerName(performer=performer, **item) for item in clean_names]
    )
    record = Record2257.objects.create(performer=performer, created_at=now, amended_at=now)
    _version_add(
        record=record,
        performer=performer,
        names=clean_names,
        id_document=None,
        id_examined_on=None,
        content_references=references,
        reason="",
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="compliance.performer_created",
        target=record,
        after={
            "performer": performer.pk,
            "record": record.pk,
            "creator": creator.pk if creator else None,
            "names": len(clean_names),
            "content_references": len(references),
        },
    )
    return performer


@transaction.atomic
def record_2257_amend(
    *,
    record: Record2257,
    actor,
    reason: str,
    legal_name: str,
    date_of_birth: date | None,
    names: Iterable,
    id_document: IdentityDocument | None,
    id_examined_on: date | None,
    content_references: Iterable[str],
) -> Record2257Version:
    """Amend a 2257 record: a new version with the values given (every earlier version is
    kept unchanged) and the performer's current values updated; the retention clock restarts
    (7 years from now). A reason is required. Same refusals as ``performer_create``, and the
    ID document examined must be the performer's own and not destroyed."""
    reason = _reason(reason)
    record = Record2257.objects.select_for_update().select_related("performer").get(pk=record.pk)
    performer = record.performer
    performer.legal_name = _legal_name(legal_name)
    performer.date_of_birth = _date_of_birth(date_of_birth)
    clean_names = _names(names)
    references = _references(content_references)
    id_document, id_examined_on = _id_document(performer, id_document, id_examined_on)
    before = record.current_version()
    performer.save(update_fields=["legal_name", "date_of_birth"])
    PerformerName.objects.filter(performer=performer).delete()
    PerformerName.objects.bulk_create(
        [PerformerName(performer=performer, **item) for item in clean_names]
    )
    version = _version_add(
        record=record,
        performer=performer,
        names=clean_names,
        id_document=id_document,
        id_examined_on=id_examined_on,
        content_references=references,
        reason=reason,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="compliance.record_2257_amended",
        target=record,
        before={"version": before.number if before else None},
        after={
            "version": version.number,
            "reason": reason,
            "id_document": id_document.pk if id_document else None,
            "id_examined_on": id_examined_on,
            "content_references": len(references),
            "complete": record.is_complete,
        },
    )
    return version


# --- the 2257 export ---------------------------------------------------------------------------


def custodian_of_records() -> tuple[str, str]:
    return settings.CUSTODIAN_OF_RECORDS_NAME.strip(), settings.CUSTODIAN_OF_RECORDS_ADDRESS.strip()


def _version_json(version: Record2257Version) -> dict:
    return {
        "version": version.number,
        "legalName": version.legal_name,
        "dateOfBirth": version.date_of_birth.isoformat() if version.date_of_birth else None,
        "otherNames": version.names,
        "idDocumentExamined": version.id_document_id,
        "idExaminedOn": version.id_examined_on.isoformat() if version.id_examined_on else None,
        "contentReferences": version.content_references,
        "reason": version.reason,
        "createdBy": version.created_by.email if version.created_by else "system",
        "createdAt": version.created_at.isoformat(),
    }


def _custodian_statement(name: str, address: str, now) -> str:
    return (
        "CUSTODIAN OF RECORDS STATEMENT\n\n"
        "The records required by 18 U.S.C. 2257 and 28 C.F.R. Part 75 for the performers\n"
        "listed in this bundle are kept by the Custodian of Records:\n\n"
        f"{name}\n{address}\n\n"
        f"Bundle produced on {now:%Y-%m-%d %H:%M} UTC.\n"
    )


def records_2257_export(*, output: Path | str, actor) -> ExportRun:
    """Write the inspection bundle to ``output`` (a ZIP): ``INDEX-BY-NAME.csv`` (every legal
    name and every other name, sorted, each pointing at its record's folder),
    ``records/record-<id>/record.json`` (the current version and the whole history),
    the record's ID documents decrypted beside it, ``CUSTODIAN-OF-RECORDS.txt``, and
    ``MANIFEST-SHA256.txt`` (the SHA-256 of every other file). Refused without a Custodian
    of Records. Audited (``compliance.records_2257_exported``: who, when, how many) with an
    ``ExportRun`` row."""
    name, address = custodian_of_records()
    if not name or not address:
        raise ApplicationError(
            "custodian_missing",
            "No Custodian of Records: set CUSTODIAN_OF_RECORDS_NAME and "
            "CUSTODIAN_OF_RECORDS_ADDRESS before exporting 2257 records.",
        )
    output = Path(output)
    run = ExportRun.objects.create(
        started_at=timezone.now(),
        actor=_person(actor),
        actor_label=getattr(actor, "email", "") if _is_person(actor) else "system",
        output_name=output.name,
    )
    manifest: list[tuple[str, str]] = []
    index_rows: list[tuple[str, str, int, str, str]] = []
    documents_written = 0
    opened: list[int] = []

    def write(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
        archive.writestr(path, data)
        manifest.append((hashlib.sha256(data).hexdigest(), path))

    records = (
        Record2257.objects.select_related("performer", "performer__creator")
        .prefetch_related("versions__created_by", "performer__names")
        .order_by("pk")
    )
    tmp = output.with_name(output.name + ".partial")
    record_count = 0
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for record in records.iterator(chunk_size=200):
                record_count += 1
                performer = record.performer
                folder = f"records/record-{record.pk:06d}"
                versions = sorted(record.versions.all(), key=lambda v: v.number, reverse=True)
                document_ids = {v.id_document_id for v in versions if v.id_document_id}
                documents = list(
                    IdentityDocument.objects.filter(
                        Q(pk__in=document_ids) | Q(pk__in=_performer_documents(performer))
                    )
                    .prefetch_related("files")
                    .order_by("pk")
                )
                document_entries = []
                for document in documents:
                    entry = {
                        "id": document.pk,
                        "type": document.get_document_type_display(),
                        "issuingCountry": document.issuing_country,
                        "expiresOn": document.expires_on.isoformat()
                        if document.expires_on
                        else None,
                        "status": document.get_status_display(),
                        "files": [],
                    }
                    if document.is_destroyed:
                        entry["destroyedAt"] = document.destroyed_at.isoformat()
                    else:
                        key = _data_key(document)
                        entry["number"] = dc.number_decrypt(
                            key, document.uid, document.number_encrypted
                        )
                        for file in document.files.all():
                            path = f"{folder}/documents/{file.download_name}"
                            write(archive, path, _file_plaintext(document, file, key))
                            entry["files"].append(path)
                        opened.append(document.pk)
                        documents_written += 1
                    document_entries.append(entry)
                current = versions[0] if versions else None
                body = {
                    "record": record.pk,
                    "performer": performer.pk,
                    "creator": performer.creator_id,
                    "createdAt": record.created_at.isoformat(),
                    "lastAmendedAt": record.amended_at.isoformat(),
                    "retainUntil": record.retain_until.isoformat(),
                    "complete": not (current.completeness() if current else ["no version"]),
                    "missing": current.completeness() if current else ["no version recorded"],
                    "current": _version_json(current) if current else None,
                    "history": [_version_json(v) for v in versions],
                    "documents": document_entries,
                    "custodianOfRecords": {"name": name, "address": address},
                }
                write(
                    archive,
                    f"{folder}/record.json",
                    json.dumps(body, indent=2, ensure_ascii=False).encode(),
                )
                legal = current.legal_name if current else performer.legal_name
                index_rows.append((legal, "legal name", record.pk, legal, folder))
                for item in current.names if current else []:
                    label = PerformerName.Kind(item["kind"]).label.lower()
                    index_rows.append((item["name"], label, record.pk, legal, folder))
            index = io.StringIO()
            writer = csv.writer(index)
            writer.writerow(["name", "kind of name", "record", "legal name", "folder"])
            for row in sorted(index_rows, key=lambda r: (r[0].casefold(), r[2])):
                writer.writerow(_csv_safe(row))
            write(archive, "INDEX-BY-NAME.csv", index.getvalue().encode())
            now = timezone.now()
            write(
                archive,
                "CUSTODIAN-OF-RECORDS.txt",
                _custodian_statement(name, address, now).encode(),
            )
            manifest_text = "".join(f"{digest}  {path}\n" for digest, path in manifest)
            archive.writestr("MANIFEST-SHA256.txt", manifest_text)
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.record_count = record_count
        run.document_count = documents_written
        run.file_count = len(manifest)
        run.manifest_sha256 = hashlib.sha256(manifest_text.encode()).hexdigest()
        run.save(
            update_fields=[
                "finished_at",
                "record_count",
                "document_count",
                "file_count",
                "manifest_sha256",
            ]
        )
        audit_record(
            actor=actor,
            action="compliance.records_2257_exported",
            target=run,
            after={
                "export": run.pk,
                "records": record_count,
                "documents": documents_written,
                "documents_opened": opened,
                "files": len(manifest),
                "output": output.name,
                "manifest_sha256": run.manifest_sha256,
            },
        )
    return run


def _csv_safe(row) -> list:
    """Names are typed by people: a cell starting like a formula is quoted with '."""
    return [
        f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value
        for value in row
    ]
