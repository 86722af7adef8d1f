"""Identity documents (encrypted at rest) and 18 U.S.C. 2257 records.

Identity documents use envelope encryption: each document has a random 256-bit data key,
sealed with ``apps.core.crypto`` (AES-256-GCM, rotatable ``ENCRYPTION_KEYS``, purpose
``identity-document-key``); the document number and every file are encrypted with that data
key (AES-256-GCM, bound to the document's uid). Rotating the master keys re-seals only the
data keys; destroying a document erases its sealed data key, after which neither its number
nor its files can be read by anyone (``services.identity_document_destroy``).

2257 records are never deleted: an amendment adds a ``Record2257Version`` (rows that are never
changed) and keeps every earlier one; ``delete()`` is refused on records, versions and
performers, and the admin shows them read-only."""

from __future__ import annotations

import uuid
from datetime import date

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.compliance.rules import birthday_in

RECORD_2257_RETENTION_YEARS = 7


class RecordDeletionRefused(Exception):
    """2257 records, their versions and performers are kept (18 U.S.C. 2257, 28 CFR 75)."""


class _UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise RecordDeletionRefused(
            f"{self.model._meta.verbose_name_plural} are never deleted (2257 retention)."
        )


class Performer(models.Model):
    """Someone who appears in content: a creator, or a co-performer who is not a creator. The
    fields are the current values; every value ever recorded is kept in the record's versions."""

    creator = models.OneToOneField(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="performer",
    )
    legal_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = _UndeletableQuerySet.as_manager()

    class Meta:
        ordering = ["legal_name", "id"]
        permissions = [("manage_record2257", "Can add performers and amend 2257 records")]
        triggers = [pgtrigger.Protect(name="performer_undeletable", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return self.legal_name

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused("Performers of 2257 records are never deleted.")


class PerformerName(models.Model):
    """Every other name the performer has used (the current list; versions keep the past)."""

    class Kind(models.TextChoices):
        ALIAS = "alias", "Alias"
        STAGE_NAME = "stage_name", "Stage name"
        MAIDEN_NAME = "maiden_name", "Maiden name"
        OTHER = "other", "Other name"

    performer = models.ForeignKey(Performer, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ALIAS)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["performer", "name", "kind"], name="performer_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["alias", "stage_name", "maiden_name", "other"]),
                name="performer_name_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()})"


class IdentityDocument(models.Model):
    class DocumentType(models.TextChoices):
        PASSPORT = "passport", "Passport"
        NATIONAL_ID = "national_id", "National ID card"
        DRIVING_LICENCE = "driving_licence", "Driving licence"
        OTHER = "other", "Other identity document"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    creator = models.ForeignKey(
        "creators.Creator",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identity_documents",
    )
    performer = models.ForeignKey(
        Performer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="identity_documents",
    )
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    issuing_country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    # AES-256-GCM under the data key (base64 nonce + ciphertext); never the plain number.
    number_encrypted = models.TextField(blank=True)
    expires_on = models.DateField(null=True, blank=True)
    # The per-document data key, sealed with apps.core.crypto; empty once destroyed.
    data_key_sealed = models.TextField(blank=True)
    key_id = models.CharField(max_length=40, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)
    destroyed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        permissions = [
            ("open_identitydocument", "Can open identity documents (every opening is audited)"),
            ("review_identitydocument", "Can upload, accept and reject identity documents"),
        ]
        indexes = [
            models.Index(fields=["status", "uploaded_at"], name="iddoc_status_uploaded_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(creator__isnull=False) | Q(performer__isnull=False),
                name="iddoc_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(
                    document_type__in=["passport", "national_id", "driving_licence", "other"]
                ),
                name="iddoc_type_known",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="iddoc_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(review_reason=""),
                name="iddoc_rejected_has_reason",
            ),
            # Either readable (a sealed data key) or destroyed (no key, a time).
            models.CheckConstraint(
                condition=Q(destroyed_at__isnull=True, data_key_sealed__gt="")
                | Q(destroyed_at__isnull=False, data_key_sealed=""),
                name="iddoc_key_or_destroyed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} ({self.issuing_country}) #{self.pk}"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None

    @property
    def owner_name(self) -> str:
        if self.creator_id is not None:
            return str(self.creator)
        return str(self.performer)


class DocumentFile(models.Model):
    """One uploaded file of a document (front, back, a scan), encrypted in the compliance
    storage under a random name. Size and SHA-256 are of the plaintext (what was uploaded)."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG image"
        PNG = "image/png", "PNG image"

    document = models.ForeignKey(IdentityDocument, on_delete=models.PROTECT, related_name="files")
    storage_name = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"file {self.pk} of document {self.document_id}"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
            self.content_type, "bin"
        )

    @property
    def download_name(self) -> str:
        return f"identity-document-{self.document_id}-file-{self.pk}.{self.extension}"


def retention_end(start: date) -> date:
    """The last day a record must be kept: 7 years after ``start`` (29 February → 1 March)."""
    return birthday_in(start.year + RECORD_2257_RETENTION_YEARS, start)


class Record2257(models.Model):
    """A performer's 18 U.S.C. 2257 record. Its content is in its versions (newest =
    current); ``is_complete``/``missing`` are kept in step with the current version by the
    services so that set-based reads (payout eligibility, the scan) need one query."""

    performer = models.OneToOneField(
        Performer, on_delete=models.PROTECT, related_name="record_2257"
    )
    created_at = models.DateTimeField(default=timezone.now)
    amended_at = models.DateTimeField(default=timezone.now)  # the newest version's time
    version_count = models.PositiveIntegerField(default=0)
    is_complete = models.BooleanField(default=False)
    missing = models.JSONField(default=list, blank=True)

    objects = _UndeletableQuerySet.as_manager()

    class Meta:
        ordering = ["performer__legal_name", "id"]
        verbose_name = "2257 record"
        verbose_name_plural = "2257 records"
        indexes = [models.Index(fields=["is_complete"], name="record2257_complete_idx")]
        triggers = [pgtrigger.Protect(name="record2257_undeletable", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"2257 record #{self.pk}"

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused("2257 records are never deleted; amend them instead.")

    @property
    def retain_until(self) -> date:
        """Kept at least 7 years after creation or the last amendment, whichever is later."""
        return retention_end(timezone.localdate(self.amended_at))

    def current_version(self) -> Record2257Version | None:
        return self.versions.order_by("-number").select_related("id_document").first()

    def completeness(self) -> list[str]:
        """What the record lacks, in words; an empty list when it is complete."""
        version = self.current_version()
        if version is None:
            return ["no version recorded"]
        return version.completeness()


class Record2257Version(models.Model):
    """One state of a 2257 record, never changed once written."""

    record = models.ForeignKey(Record2257, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    legal_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    names = models.JSONField(default=list, blank=True)  # [{"name": ..., "kind": ...}]
    id_document = models.ForeignKey(
        IdentityDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    id_examined_on = models.DateField(null=True, blank=True)
    content_references = models.JSONField(default=list, blank=True)  # ["boyfanz:post/123", ...]
    reason = models.TextField(blank=True)  # why it was amended (empty for the first)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = _UndeletableQuerySet.as_manager()

    class Meta:
        ordering = ["record", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="record2257_version_unique")
        ]
        # PostgreSQL refuses to change or delete a version even outside the ORM.
        triggers = [
            pgtrigger.Protect(
                name="record2257_version_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"2257 record #{self.record_id} version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise RecordDeletionRefused(
                "A 2257 record version is never changed: amend the record to add a new one."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RecordDeletionRefused("2257 record versions are never deleted.")

    def completeness(self) -> list[str]:
        missing: list[str] = []
        if not self.legal_name.strip():
            missing.append("no legal name")
        if self.date_of_birth is None:
            missing.append("no date of birth")
        if self.id_document_id is None:
            missing.append("no ID document examined")
        else:
            document = self.id_document
            if document.status == IdentityDocument.Status.REJECTED:
                missing.append("the ID document examined was rejected")
            if document.is_destroyed:
                missing.append("the ID document examined was destroyed")
        if self.id_examined_on is None:
            missing.append("no date the ID document was examined")
        if not self.content_references:
            missing.append("no content references")
        return missing

    @property
    def names_text(self) -> str:
        return ", ".join(
            f"{item['name']} ({PerformerName.Kind(item['kind']).label.lower()})"
            for item in self.names
        )


class ExportRun(models.Model):
    """One production of the 2257 inspection bundle (``manage.py export_2257``)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254)  # the email, or "system"
    record_count = models.PositiveIntegerField(default=0)
    document_count = models.PositiveIntegerField(default=0)
    file_count = models.PositiveIntegerField(default=0)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    output_name = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "2257 export"

    def __str__(self) -> str:
        return f"2257 export of {self.started_at:%Y-%m-%d %H:%M} ({self.record_count} records)"
