"""Building 2257 records in tests through the compliance services: a passport uploaded and
accepted, the performer created, and the record amended to cite it (complete)."""

from __future__ import annotations

from datetime import date

from apps.compliance.demo import demo_png
from apps.compliance.models import Record2257
from apps.compliance.services import (
    identity_document_review,
    identity_document_upload,
    performer_create,
    record_2257_amend,
)

BORN = date(1995, 3, 4)


def document_of(owner_kwargs, *, files=None, expires_on=date(2031, 1, 1)):
    return identity_document_upload(
        document_type="passport",
        issuing_country="US",
        number="X1234567",
        expires_on=expires_on,
        files=files or [demo_png()],
        actor=None,
        **owner_kwargs,
    )


def amend(record, *, actor=None, **changes):
    performer = record.performer
    values = {
        "reason": "ID examined",
        "legal_name": performer.legal_name,
        "date_of_birth": performer.date_of_birth,
        "names": [],
        "id_document": None,
        "id_examined_on": None,
        "content_references": [],
    }
    values.update(changes)
    return record_2257_amend(record=record, actor=actor, **values)


def complete_2257_record(creator, actor, examined_on: date, *, legal_name="Jane Example"):
    """The creator's complete 2257 record (every name, an accepted ID examined, content
    cited). ``actor`` reviews the document too (None: the system)."""
    performer = performer_create(
        creator=creator,
        legal_name=legal_name,
        date_of_birth=BORN,
        names=[("Janey X", "stage_name"), ("Jane Old", "maiden_name")],
        actor=actor,
    )
    amend(
        performer.record_2257,
        actor=actor,
        names=[("Janey X", "stage_name"), ("Jane Old", "maiden_name"), ("JX", "alias")],
        id_document=identity_document_review(
            document=document_of({"creator": creator}),
            accept=True,
            reason="passport checked",
            actor=actor,
        ),
        id_examined_on=examined_on,
        content_references=["boyfanz:post/1", "boyfanz:video/2"],
    )
    return Record2257.objects.get(pk=performer.record_2257.pk)
