"""The personal data of the compliance app (see ``apps.core.personal_data``), one registration
per obligation module, all made by ``register_personal_data`` from
``ComplianceConfig.ready()`` (identity documents and 2257 records add theirs here).

- ``compliance.kyc`` — KYC and age verifications, and the providers' results about them
  (``KycProviderEvent``: reason and body pseudonymised, the rows kept). Erasure keeps the
  rows, their levels, methods and dates, **and the date of birth**: it is the proof that the
  person was an adult when the network paid them for adult content (18 U.S.C. 2257 and the
  payment processors' rules require it to be kept; GDPR art. 17(3)(b) and (e) exempt it).
  Free text (decision reasons, provider references, notes) is pseudonymised.
- ``compliance.documents`` — identity documents, performers and 18 U.S.C. 2257 records. A
  2257 record within its retention (7 years after its last amendment) holds the erasure
  (``holds``: the law requires it kept). Otherwise erasure destroys the subject's identity
  documents (their data keys: the encrypted files and numbers become unreadable) and
  pseudonymises the free text of the document rows; type, country and dates stay.
- ``compliance.gdpr`` — the GDPR requests and legal holds themselves: the subject's email on
  them becomes the pseudonym's, free text is pseudonymised; the rows stay (they prove the
  request was answered). An active legal hold refuses the erasure (``holds``)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import (
    AgeVerification,
    ComplianceNotice,
    DataSubjectRequest,
    IdentityDocument,
    KycProviderEvent,
    KycVerification,
    LegalHold,
    Performer,
    Record2257Version,
    Violation,
    ViolationNote,
)
from .selectors.documents import record_2257_retention_holds
from .services.documents import identity_document_destroy


def _email_q(subject: Subject, name: str) -> Q:
    query = Q(pk__in=[])
    for email in subject.emails:
        query |= Q(**{f"{name}__iexact": email})
    return query


# --- KYC and age verifications ---------------------------------------------------------------


def kyc_export(subject: Subject) -> dict[str, list[dict]]:
    ids = subject.creator_ids
    return {
        "compliance_notices": rows(
            ComplianceNotice.objects.filter(creator_id__in=ids).order_by("sent_at"),
            ["creator_id", "kind", "key", "sent_at", "email"],
        ),
        "kyc_verifications": rows(
            KycVerification.objects.filter(creator_id__in=ids),
            [
                "creator_id",
                "provider__name",
                "provider_reference",
                "level_requested",
                "level_granted",
                "status",
                "requested_at",
                "decided_at",
                "decision_reason",
                "expires_on",
            ],
        ),
        "age_verifications": rows(
            AgeVerification.objects.filter(creator_id__in=ids),
            ["creator_id", "method", "date_of_birth", "verified_on", "expires_on", "note"],
        ),
        "kyc_provider_events": rows(
            KycProviderEvent.objects.filter(verification__creator_id__in=ids).order_by("pk"),
            [
                "verification_id",
                "provider__name",
                "event_id",
                "status",
                "level",
                "reason",
                "expires_on",
                "occurred_at",
                "received_at",
                "state",
            ],
        ),
    }


def kyc_erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    notices = (
        ComplianceNotice.objects.filter(_email_q(subject, "email"))
        .exclude(email=pseudonym.email)
        .update(email=pseudonym.email)
    )
    return {
        "compliance_notices": notices,
        "kyc_verifications": pseudonymise_rows(
            KycVerification.objects.all(),
            ["decision_reason", "provider_reference"],
            subject,
            pseudonym,
        ),
        "age_verifications": pseudonymise_rows(
            AgeVerification.objects.all(), ["note"], subject, pseudonym
        ),
        "kyc_provider_events": pseudonymise_rows(
            KycProviderEvent.objects.filter(verification__creator_id__in=subject.creator_ids),
            ["reason", "payload"],
            subject,
            pseudonym,
        ),
    }


# --- identity documents and 2257 records ------------------------------------------------------


def _documents(subject: Subject):
    return IdentityDocument.objects.filter(
        Q(creator_id__in=subject.creator_ids) | Q(performer__creator_id__in=subject.creator_ids)
    )


def documents_export(subject: Subject) -> dict[str, list[dict]]:
    performers = Performer.objects.filter(creator_id__in=subject.creator_ids)
    return {
        "identity_documents": rows(
            _documents(subject).order_by("uploaded_at"),
            [
                "id",
                "document_type",
                "issuing_country",
                "expires_on",
                "status",
                "uploaded_at",
                "reviewed_at",
                "review_reason",
                "destroyed_at",
            ],
        ),
        "performers_2257": rows(
            performers.order_by("pk"), ["id", "creator_id", "legal_name", "date_of_birth"]
        ),
        "records_2257_versions": rows(
            Record2257Version.objects.filter(record__performer__in=performers).order_by(
                "record_id", "number"
            ),
            [
                "record_id",
                "number",
                "legal_name",
                "date_of_birth",
                "names",
                "id_examined_on",
                "content_references",
                "created_at",
            ],
        ),
    }


def documents_erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    destroyed = 0
    for document in _documents(subject).filter(destroyed_at__isnull=True):
        identity_document_destroy(document, "GDPR erasure of the document's subject", None)
        destroyed += 1
    return {
        "identity_documents_destroyed": destroyed,
        "identity_documents": pseudonymise_rows(
            IdentityDocument.objects.all(),
            ["review_reason", "destroyed_reason"],
            subject,
            pseudonym,
        ),
    }


def documents_holds(subject: Subject) -> list[str]:
    reasons: list[str] = []
    for performer in Performer.objects.filter(creator_id__in=subject.creator_ids).select_related(
        "creator"
    ):
        reasons += record_2257_retention_holds(performer.creator)
    return reasons


# --- violations --------------------------------------------------------------------------------


def violations_export(subject: Subject) -> dict[str, list[dict]]:
    violations = Violation.objects.filter(creator_id__in=subject.creator_ids)
    return {
        "violations": rows(
            violations.order_by("opened_at"),
            [
                "id",
                "kind",
                "severity",
                "status",
                "content_reference",
                "summary",
                "opened_at",
                "resolved_at",
                "resolution",
            ],
        )
    }


def violations_erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    """The violations stay (a platform's and the network's record of what happened); the
    free text that names the subject is pseudonymised."""
    return {
        "violations": pseudonymise_rows(
            Violation.objects.all(), ["summary", "resolution"], subject, pseudonym
        ),
        "violation_notes": pseudonymise_rows(
            ViolationNote.objects.all(), ["text"], subject, pseudonym
        ),
    }


# --- GDPR requests and legal holds -----------------------------------------------------------


def _requests(subject: Subject):
    query = (
        Q(subject_user_id__in=subject.user_ids)
        | Q(subject_creator_id__in=subject.creator_ids)
        | _email_q(subject, "subject_email")
    )
    for platform_id, external_id in subject.platform_users:
        query |= Q(subject_platform_id=platform_id, subject_platform_user_id=external_id)
    return DataSubjectRequest.objects.filter(query)


def _legal_holds(subject: Subject):
    return LegalHold.objects.filter(
        Q(subject_user_id__in=subject.user_ids)
        | Q(subject_creator_id__in=subject.creator_ids)
        | _email_q(subject, "subject_email")
    )


def gdpr_export(subject: Subject) -> dict[str, list[dict]]:
    return {
        "data_subject_requests": rows(
            _requests(subject).order_by("received_at"),
            [
                "id",
                "kind",
                "status",
                "subject_email",
                "received_at",
                "due_at",
                "extension_months",
                "extension_reason",
                "identity_check",
                "completed_at",
            ],
        )
    }


def gdpr_erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    requests = (
        DataSubjectRequest.objects.filter(_email_q(subject, "subject_email"))
        .exclude(subject_email=pseudonym.email)
        .update(subject_email=pseudonym.email)
    )
    holds = (
        LegalHold.objects.filter(_email_q(subject, "subject_email"))
        .exclude(subject_email=pseudonym.email)
        .update(subject_email=pseudonym.email)
    )
    return {
        "data_subject_requests": requests
        + pseudonymise_rows(
            DataSubjectRequest.objects.all(),
            ["notes", "extension_reason", "refusal_reason"],
            subject,
            pseudonym,
        ),
        "legal_holds": holds
        + pseudonymise_rows(
            LegalHold.objects.all(), ["reason", "release_note"], subject, pseudonym
        ),
    }


def gdpr_holds(subject: Subject) -> list[str]:
    today = timezone.localdate()
    reasons = []
    for hold in _legal_holds(subject).filter(released_at__isnull=True).select_related("placed_by"):
        if hold.is_active_on(today):
            until = f"until {hold.until:%Y-%m-%d}" if hold.until else "until released"
            reasons.append(
                f"Legal hold #{hold.pk} ({until}, placed by {hold.placed_by.email}): {hold.reason}"
            )
    return reasons


def register_personal_data() -> None:
    register(
        "compliance",
        part="kyc",
        describe="KYC verifications (provider reference, decision reasons) and the "
        "providers' results about them (reasons, the body as sent), age verifications "
        "(date of birth, kept as proof of age) and the expiry warnings sent (the address "
        "they went to).",
        models=[
            "compliance.KycVerification",
            "compliance.AgeVerification",
            "compliance.ComplianceNotice",
            "compliance.KycProviderEvent",
        ],
        export=kyc_export,
        erase=kyc_erase,
    )
    register(
        "compliance",
        part="documents",
        describe="Identity documents (encrypted files and numbers), 2257 performers and "
        "record versions (legal name, date of birth, other names). A 2257 record within its "
        "7-year retention holds the erasure.",
        models=[
            "compliance.IdentityDocument",
            "compliance.DocumentFile",
            "compliance.Performer",
            "compliance.PerformerName",
            "compliance.Record2257",
            "compliance.Record2257Version",
            "compliance.ExportRun",  # who exported when: staff, not the subject
        ],
        export=documents_export,
        erase=documents_erase,
        holds=documents_holds,
    )
    register(
        "compliance",
        part="violations",
        describe="Violations about the subject (kept; free text pseudonymised), their notes "
        "and the strike policy's suspension proposals (ids only).",
        models=[
            "compliance.Violation",
            "compliance.ViolationNote",
            "compliance.SuspensionProposal",
        ],
        export=violations_export,
        erase=violations_erase,
    )
    register(
        "compliance",
        part="gdpr",
        describe="GDPR/CCPA requests about the subject and legal holds on their data.",
        models=[
            "compliance.DataSubjectRequest",
            "compliance.LegalHold",
            "compliance.ErasureLog",  # ids and keyed hashes only: nothing to erase
        ],
        export=gdpr_export,
        erase=gdpr_erase,
        holds=gdpr_holds,
    )
