"""Access and portability: a ZIP (one JSON with everything, one CSV per table) of every
personal datum held on the subject, gathered from every registered app; made on demand and
audited at each download."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from apps.audit.models import AuditEvent
from apps.compliance.services import (
    gdpr_export_build,
    gdpr_identity_check_decide,
    gdpr_request_create,
)
from apps.core.exceptions import ApplicationError
from apps.core.personal_data import registrations

from .gdpr_data import EMAIL, FULL_NAME, make_rich_subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(today, creator_factory, compliance_user, earning):
    return make_rich_subject(creator_factory, compliance_user, earning)


def _open(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def test_the_zip_holds_data_from_every_registered_app(subject, compliance_user):
    request = gdpr_request_create(
        kind="access",
        subject_platform=subject.platform,
        subject_platform_user_id=subject.external_id,
        actor=compliance_user,
    )
    filename, content = gdpr_export_build(request=request, actor=compliance_user)
    assert filename.startswith(f"gdpr-request-{request.pk}-") and filename.endswith(".zip")
    archive = _open(content)
    document = json.loads(archive.read("subject.json"))
    data = document["data"]
    assert set(data) == {registration.key for registration in registrations()}
    for key, tables in data.items():
        assert any(rows for rows in tables.values()), f"{key} exported nothing"
        for table, rows in tables.items():
            with archive.open(f"{key}/{table}.csv") as handle:
                lines = list(csv.reader(io.TextIOWrapper(handle, "utf-8")))
            assert len(lines) == len(rows) + 1 if rows else lines in ([[]], [])
    # Found from the platform user id alone: the creator, the account, the email.
    assert data["accounts"]["users"][0]["email"] == EMAIL
    assert data["creators"]["creators"][0]["display_name"] == FULL_NAME
    assert data["payouts"]["payout_methods"][0]["details"]["account_holder"] == FULL_NAME
    assert data["integrations"]["platform_users"][0]["email"] == EMAIL
    assert data["compliance.kyc"]["age_verifications"][0]["date_of_birth"] == "1990-05-17"
    assert data["outbound"]["outbound_events"]
    assert data["audit"]["audit_events"]


def test_every_download_is_audited(subject, compliance_user):
    request = gdpr_request_create(kind="portability", subject_email=EMAIL, actor=compliance_user)
    gdpr_export_build(request=request, actor=compliance_user)
    gdpr_export_build(request=request, actor=compliance_user)
    events = AuditEvent.objects.filter(action="compliance.gdpr_exported", target_id=str(request.pk))
    assert events.count() == 2
    assert events.first().actor == compliance_user


def test_no_export_before_the_identity_is_verified_nor_for_other_kinds(subject, compliance_user):
    waiting = gdpr_request_create(
        kind="access", subject_email=EMAIL, identity_check="waiting", actor=compliance_user
    )
    with pytest.raises(ApplicationError) as error:
        gdpr_export_build(request=waiting, actor=compliance_user)
    assert (error.value.code, error.value.status_code) == ("identity_not_verified", 409)
    gdpr_identity_check_decide(request=waiting, verified=True, actor=compliance_user)
    waiting.refresh_from_db()
    assert gdpr_export_build(request=waiting, actor=compliance_user)[1]
    erasure = gdpr_request_create(kind="erasure", subject_email=EMAIL, actor=compliance_user)
    with pytest.raises(ApplicationError) as error:
        gdpr_export_build(request=erasure, actor=compliance_user)
    assert error.value.code == "not_an_access_request"
    assert not AuditEvent.objects.filter(
        action="compliance.gdpr_exported", target_id=str(erasure.pk)
    ).exists()
