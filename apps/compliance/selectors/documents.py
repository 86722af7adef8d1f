"""Reads of identity documents and 2257 records, including the ones other parts of FanzDash
need: ``creators_with_incomplete_2257`` (set-based, one query: payout eligibility, the
compliance scan), ``record_2257_retention_holds`` (GDPR erasure refuses while one holds) and
``last_2257_export`` (the compliance home)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.compliance.models import (
    DocumentFile,
    ExportRun,
    IdentityDocument,
    Performer,
    PerformerName,
    Record2257,
    Record2257Version,
)
from apps.creators.models import Creator


def creator_identity_documents(creator: Creator, *, limit: int = 100) -> list[IdentityDocument]:
    """The creator's identity documents, newest first, with their files (two queries)."""
    return list(
        IdentityDocument.objects.filter(creator=creator)
        .select_related("uploaded_by", "reviewed_by")
        .prefetch_related(Prefetch("files", queryset=DocumentFile.objects.order_by("id")))
        .order_by("-uploaded_at", "-id")[:limit]
    )


def performer_identity_documents(performer: Performer) -> list[IdentityDocument]:
    """Every document a performer's 2257 record may cite: their own, and their creator's."""
    documents = IdentityDocument.objects.filter(performer=performer)
    if performer.creator_id is not None:
        documents = documents | IdentityDocument.objects.filter(creator_id=performer.creator_id)
    return list(
        documents.select_related("uploaded_by", "reviewed_by")
        .prefetch_related(Prefetch("files", queryset=DocumentFile.objects.order_by("id")))
        .order_by("-uploaded_at", "-id")
    )


def identity_document_get(pk: int) -> IdentityDocument:
    """Raises IdentityDocument.DoesNotExist (views turn it into 404)."""
    return (
        IdentityDocument.objects.select_related(
            "creator", "performer", "uploaded_by", "reviewed_by"
        )
        .prefetch_related(Prefetch("files", queryset=DocumentFile.objects.order_by("id")))
        .get(pk=pk)
    )


def document_review_queue() -> QuerySet[IdentityDocument]:
    """Documents waiting for review, oldest upload first (paginate it)."""
    return (
        IdentityDocument.objects.filter(
            status=IdentityDocument.Status.PENDING, destroyed_at__isnull=True
        )
        .select_related("creator", "performer")
        .order_by("uploaded_at", "id")
    )


def records_2257(*, complete: bool | None = None, query: str = "") -> QuerySet[Record2257]:
    """2257 records by legal name; ``complete`` filters; ``query`` matches a legal name or any
    other name. Completeness and what is missing are stored on the row (kept in step by the
    services), so a page of any size is one query plus the count."""
    records = Record2257.objects.select_related("performer", "performer__creator")
    if complete is not None:
        records = records.filter(is_complete=complete)
    query = query.strip()
    if query:
        records = records.filter(
            Q(performer__legal_name__icontains=query)
            | Exists(
                PerformerName.objects.filter(
                    performer_id=OuterRef("performer_id"), name__icontains=query
                )
            )
        )
    return records.order_by("performer__legal_name", "id")


def record_2257_get(pk: int) -> Record2257:
    """A record with its performer and every version, newest first (raises DoesNotExist)."""
    return (
        Record2257.objects.select_related("performer", "performer__creator")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=Record2257Version.objects.select_related(
                    "id_document", "created_by"
                ).order_by("-number"),
            ),
            "performer__names",
        )
        .get(pk=pk)
    )


def creator_record_2257(creator: Creator) -> Record2257 | None:
    return Record2257.objects.select_related("performer").filter(performer__creator=creator).first()


def creators_with_incomplete_2257(creator_ids: Iterable[int] | None = None) -> set[int]:
    """The ids of creators (among ``creator_ids``, or all) whose 2257 record is not complete,
    including creators who have none. One query, whatever the number of creators (pass a
    values_list queryset of ids to keep it a subquery)."""
    creators = Creator.objects.all()
    if isinstance(creator_ids, QuerySet):  # a subquery: still one query
        creators = creators.filter(pk__in=creator_ids)
    elif creator_ids is not None:
        creators = creators.filter(pk__in=list(creator_ids))
    complete = Record2257.objects.filter(performer__creator_id=OuterRef("pk"), is_complete=True)
    return set(creators.filter(~Exists(complete)).order_by().values_list("pk", flat=True))


def creator_has_complete_2257():
    """An ``Exists`` expression for a Creator queryset: true when the creator's 2257 record is
    complete (payout eligibility keeps only them, in SQL, set-based)."""
    return Exists(Record2257.objects.filter(performer__creator_id=OuterRef("pk"), is_complete=True))


def creator_2257_gap(creator_id: int) -> list[str] | None:
    """What keeps the creator's 2257 record from being complete, in words (one query):
    ``None`` when it is complete, ``[]`` when there is no record at all, else the stored
    ``missing`` list (e.g. ``["no date of birth", "no ID document examined"]``)."""
    row = (
        Record2257.objects.filter(performer__creator_id=creator_id)
        .values_list("is_complete", "missing")
        .first()
    )
    if row is None:
        return []
    is_complete, missing = row
    if is_complete:
        return None
    return list(missing or []) or ["not complete"]


def record_2257_retention_holds(creator: Creator, *, today: date | None = None) -> list[str]:
    """Why the creator's 2257 data must still be kept, in words (empty: nothing holds it):
    e.g. ``["2257 record #12 must be kept until 2033-12-02"]``. The GDPR erasure refuses
    while this is not empty."""
    today = today or timezone.localdate()
    records = Record2257.objects.filter(performer__creator=creator).order_by("pk")
    return [
        f"2257 record #{record.pk} must be kept until {record.retain_until:%Y-%m-%d}"
        for record in records
        if record.retain_until >= today
    ]


def last_2257_export() -> ExportRun | None:
    """The latest finished 2257 export (None: never exported)."""
    return (
        ExportRun.objects.filter(finished_at__isnull=False)
        .select_related("actor")
        .order_by("-finished_at", "-id")
        .first()
    )
