"""18 U.S.C. 2257 records: adult performers only, amendments keep every version, nothing is
deleted, retention, completeness in words, the selectors other slices read, and the export
(checksums, the index by every name, the custodian, the audit)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.compliance.demo import demo_pdf, demo_png
from apps.compliance.models import (
    ExportRun,
    Performer,
    Record2257,
    Record2257Version,
    RecordDeletionRefused,
)
from apps.compliance.selectors import (
    creators_with_incomplete_2257,
    last_2257_export,
    record_2257_retention_holds,
)
from apps.compliance.services import (
    identity_document_review,
    performer_create,
    records_2257_export,
)
from apps.core.exceptions import ApplicationError

from .records import BORN, amend, complete_2257_record, document_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete_record(creator, compliance_user, today):
    return complete_2257_record(creator, compliance_user, today)


# --- performers ----------------------------------------------------------------------------------


def test_an_under_18_performer_is_refused_and_nothing_is_written(today, compliance_user):
    with pytest.raises(ApplicationError) as refused:
        performer_create(legal_name="Too Young", date_of_birth=date(2008, 6, 16), actor=None)
    assert refused.value.code == "under_age"
    assert "2026-06-16" in refused.value.detail
    assert not Performer.objects.exists() and not Record2257.objects.exists()
    # the 18th birthday itself is allowed
    performer = performer_create(
        legal_name="Just Adult", date_of_birth=date(2008, 6, 15), actor=None
    )
    assert performer.record_2257.version_count == 1


def test_an_amendment_to_under_18_is_refused_and_changes_nothing(complete_record):
    with pytest.raises(ApplicationError) as refused:
        amend(complete_record, date_of_birth=date(2010, 1, 1))
    assert refused.value.code == "under_age"
    assert complete_record.versions.count() == 2
    assert Performer.objects.get().date_of_birth == BORN


def test_a_creator_has_one_performer(creator, today):
    performer_create(creator=creator, legal_name="Jane", actor=None)
    with pytest.raises(ApplicationError) as refused:
        performer_create(creator=creator, legal_name="Jane again", actor=None)
    assert refused.value.code == "performer_exists"


# --- versions, no deletion, retention --------------------------------------------------------


def test_an_amendment_adds_a_version_and_keeps_the_old_one(complete_record, time_machine):
    first, second = complete_record.versions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.id_document_id is None and first.content_references == []
    time_machine.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=UTC), tick=False)
    assert complete_record.retain_until == date(2033, 6, 15)
    third = amend(
        complete_record,
        legal_name="Jane Married",
        names=[("Jane Example", "maiden_name")],
        id_document=second.id_document,
        id_examined_on=date(2027, 1, 10),
        content_references=["boyfanz:post/1"],
        reason="Married: new legal name",
    )
    assert third.number == 3
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.legal_name == "Jane Example" and second.legal_name == "Jane Example"
    assert second.content_references == ["boyfanz:post/1", "boyfanz:video/2"]
    record = Record2257.objects.get(pk=complete_record.pk)
    assert record.version_count == 3
    assert record.performer.legal_name == "Jane Married"
    assert record.retain_until == date(2034, 1, 10)  # 7 years after the last amendment
    assert AuditEvent.objects.filter(action="compliance.record_2257_amended").count() == 2


def test_records_versions_and_performers_are_never_deleted_or_changed(complete_record):
    version = complete_record.versions.first()
    for call in (
        complete_record.delete,
        version.delete,
        complete_record.performer.delete,
        Record2257.objects.all().delete,
        Record2257Version.objects.all().delete,
        Performer.objects.all().delete,
    ):
        with pytest.raises(RecordDeletionRefused):
            call()
    version.legal_name = "Someone Else"
    with pytest.raises(RecordDeletionRefused):
        version.save()
    assert Record2257Version.objects.filter(legal_name="Someone Else").count() == 0
    assert Record2257Version.objects.count() == 2


def test_the_admin_shows_records_read_only_without_delete(client_for, super_admin, complete_record):
    client = client_for(super_admin)
    url = reverse("admin:compliance_record2257_change", args=[complete_record.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "2033-06-15" in page.content.decode() or "June 15, 2033" in page.content.decode()
    delete = client.post(
        reverse("admin:compliance_record2257_delete", args=[complete_record.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert client.get(reverse("admin:compliance_record2257_add")).status_code == 403
    assert Record2257.objects.filter(pk=complete_record.pk).exists()


# --- completeness -----------------------------------------------------------------------------


def test_completeness_says_what_is_missing_in_words(creator, compliance_user, today):
    performer = performer_create(creator=creator, legal_name="Jane", actor=compliance_user)
    record = performer.record_2257
    assert record.completeness() == [
        "no date of birth",
        "no ID document examined",
        "no date the ID document was examined",
        "no content references",
    ]
    record.refresh_from_db()
    assert not record.is_complete and "no date of birth" in record.missing
    document = document_of({"creator": creator})
    amend(
        record,
        date_of_birth=BORN,
        id_document=document,
        id_examined_on=today,
        content_references=["girlfanz:post/9"],
    )
    record.refresh_from_db()
    assert record.completeness() == [] and record.is_complete and record.missing == []
    identity_document_review(document=document, accept=False, reason="forged", actor=None)
    record.refresh_from_db()
    assert record.missing == ["the ID document examined was rejected"]
    assert not record.is_complete


def test_the_id_examined_must_be_the_performers_own(creator, creator_factory, today):
    other = creator_factory()
    foreign = document_of({"creator": other})
    performer = performer_create(creator=creator, legal_name="Jane", actor=None)
    with pytest.raises(ApplicationError) as refused:
        amend(performer.record_2257, id_document=foreign, id_examined_on=today)
    assert refused.value.code == "foreign_document"
    assert performer.record_2257.versions.count() == 1


def test_a_co_performer_cites_their_own_document(today):
    performer = performer_create(legal_name="Co Star", date_of_birth=BORN, actor=None)
    document = document_of({"performer": performer}, files=[demo_pdf()])
    version = amend(
        performer.record_2257,
        id_document=document,
        id_examined_on=today,
        content_references=["boyfanz:video/5"],
    )
    assert version.completeness() == []


# --- selectors for the other slices -----------------------------------------------------------


def test_creators_with_incomplete_2257_is_one_query(
    complete_record, creator_factory, django_assert_num_queries, today
):
    complete_creator = complete_record.performer.creator
    incomplete = creator_factory()
    performer_create(creator=incomplete, legal_name="No Docs", date_of_birth=BORN, actor=None)
    without = creator_factory()
    with django_assert_num_queries(1):
        everyone = creators_with_incomplete_2257()
    assert incomplete.pk in everyone and without.pk in everyone
    assert complete_creator.pk not in everyone
    with django_assert_num_queries(1):
        some = creators_with_incomplete_2257([complete_creator.pk, incomplete.pk])
    assert some == {incomplete.pk}


def test_retention_holds_name_the_record_and_the_date(
    complete_record, creator_factory, time_machine
):
    creator = complete_record.performer.creator
    assert record_2257_retention_holds(creator) == [
        f"2257 record #{complete_record.pk} must be kept until 2033-06-15"
    ]
    assert record_2257_retention_holds(creator_factory()) == []
    time_machine.move_to(datetime(2033, 6, 16, 12, 0, tzinfo=UTC), tick=False)
    assert record_2257_retention_holds(creator) == []


# --- the export -------------------------------------------------------------------------------


def test_the_export_is_refused_without_a_custodian(complete_record, tmp_path, settings):
    settings.CUSTODIAN_OF_RECORDS_NAME = ""
    settings.CUSTODIAN_OF_RECORDS_ADDRESS = ""
    output = tmp_path / "bundle.zip"
    with pytest.raises(ApplicationError) as refused:
        records_2257_export(output=output, actor=None)
    assert refused.value.code == "custodian_missing"
    with pytest.raises(CommandError, match="Custodian of Records"):
        call_command("export_2257", "--output", str(output), stdout=io.StringIO())
    assert not output.exists()
    assert not ExportRun.objects.exists()
    assert last_2257_export() is None


def test_the_export_bundle_verifies_and_indexes_every_name(
    complete_record, custodian, compliance_user, tmp_path
):
    co = performer_create(
        legal_name="Co Star", date_of_birth=BORN, names=[("Starry", "alias")], actor=None
    )
    co_document = document_of({"performer": co}, files=[demo_pdf()])
    output = tmp_path / "bundle.zip"
    stdout = io.StringIO()
    call_command(
        "export_2257", "--output", str(output), "--user", compliance_user.email, stdout=stdout
    )
    assert "2 record(s)" in stdout.getvalue()
    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
        manifest = archive.read("MANIFEST-SHA256.txt").decode().splitlines()
        listed = {}
        for line in manifest:
            digest, path = line.split("  ", 1)
            listed[path] = digest
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
        assert set(listed) == names - {"MANIFEST-SHA256.txt"}
        index = list(csv.DictReader(io.StringIO(archive.read("INDEX-BY-NAME.csv").decode())))
        indexed = {(row["name"], row["kind of name"]) for row in index}
        assert {
            ("Jane Example", "legal name"),
            ("Janey X", "stage name"),
            ("Jane Old", "maiden name"),
            ("JX", "alias"),
            ("Co Star", "legal name"),
            ("Starry", "alias"),
        } <= indexed
        folder = f"records/record-{complete_record.pk:06d}"
        body = json.loads(archive.read(f"{folder}/record.json"))
        assert [v["version"] for v in body["history"]] == [2, 1]
        assert body["current"]["contentReferences"] == ["boyfanz:post/1", "boyfanz:video/2"]
        assert body["complete"] is True and body["retainUntil"] == "2033-06-15"
        assert body["documents"][0]["number"] == "X1234567"
        [document_file] = [n for n in names if n.startswith(f"{folder}/documents/")]
        assert archive.read(document_file) == demo_png()
        co_folder = f"records/record-{co.record_2257.pk:06d}"
        co_files = [n for n in names if n.startswith(f"{co_folder}/documents/")]
        assert [archive.read(n) for n in co_files] == [demo_pdf()]
        assert (
            co_document.pk
            == json.loads(archive.read(f"{co_folder}/record.json"))["documents"][0]["id"]
        )
        statement = archive.read("CUSTODIAN-OF-RECORDS.txt").decode()
        assert "Jordan Custodian" in statement and "1 Records Way" in statement
    run = last_2257_export()
    assert run is not None and run.record_count == 2 and run.document_count == 2
    assert run.actor == compliance_user
    event = AuditEvent.objects.get(action="compliance.records_2257_exported")
    assert event.actor == compliance_user and event.after["records"] == 2


def test_the_export_as_the_system_and_an_unknown_user(complete_record, custodian, tmp_path):
    with pytest.raises(CommandError, match="No active user"):
        call_command(
            "export_2257", "--output", str(tmp_path / "a.zip"), "--user", "nobody@example.test"
        )
    call_command("export_2257", "--output", str(tmp_path / "b.zip"), stdout=io.StringIO())
    run = last_2257_export()
    assert run.actor is None and run.actor_label == "system"
    event = AuditEvent.objects.get(action="compliance.records_2257_exported")
    assert event.actor is None


def test_the_demo_records_complete_and_incomplete_records(creator_factory, today):
    from apps.compliance.demo import ComplianceDemoSummary, demo_records_2257

    summary = ComplianceDemoSummary()
    creators = [creator_factory() for _ in range(20)]  # consecutive ids: every pk % 20
    for creator in creators:
        demo_records_2257(creator, date(1990, 1, 1), summary)
    pks = [c.pk for c in creators]
    # pk % 20 == 19: no record; == 4: incomplete (document not reviewed); else complete (every
    # creator produces content and is paid); every sixth with a record has a co-performer.
    with_record = [pk for pk in pks if pk % 20 != 19]
    complete = [pk for pk in with_record if pk % 20 != 4]
    co_performers = [pk for pk in with_record if pk % 6 == 0]
    incomplete = len(with_record) - len(complete) + len(co_performers)
    assert (len(with_record), len(complete)) == (19, 18)
    assert summary.records_2257_complete == len(complete)
    assert summary.records_2257_incomplete == incomplete
    assert summary.identity_documents == len(with_record) + len(co_performers)
    assert Record2257.objects.filter(is_complete=True).count() == len(complete)
    assert Record2257.objects.filter(is_complete=False).count() == incomplete
    for creator in creators:  # a rerun adds nothing
        demo_records_2257(creator, date(1990, 1, 1), summary)
    assert Record2257.objects.count() == len(complete) + incomplete


@pytest.mark.postgres
def test_postgres_refuses_to_change_or_delete_a_version_or_delete_a_record(complete_record):
    from django.db import DatabaseError, connection, transaction

    version = complete_record.versions.first()
    statements = [
        ("UPDATE compliance_record2257version SET legal_name = 'x' WHERE id = %s", version.pk),
        ("DELETE FROM compliance_record2257version WHERE id = %s", version.pk),
        ("DELETE FROM compliance_record2257 WHERE id = %s", complete_record.pk),
        ("DELETE FROM compliance_performer WHERE id = %s", complete_record.performer_id),
    ]
    for sql, pk in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    version.refresh_from_db()
    assert version.legal_name == "Jane Example"
