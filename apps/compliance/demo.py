"""The compliance part of the demo network: each demo creator's KYC level and age
verification become records (an approved KYC verification, an age verification), from which
the creator's level and date are derived, as in production; some level-0 creators wait in the
KYC review queue. Deterministic, and idempotent: a creator who already has records is skipped.

``apps.demo`` passes ``DemoCompliance(...)`` to the ledger demo, which calls it for each creator
before linking it to its platforms (so no platform is told of the demo's levels)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from apps.creators.models import Creator

from .models import AgeVerification, KycVerification, Violation
from .services import age_verification_record, kyc_verification_decide, kyc_verification_request

SEED = 2257
DEMO_REASON = "Demo network: documents checked"
AGE_VALIDITY_DAYS = 730


@dataclass
class ComplianceDemoSummary:
    kyc_approved: int = 0
    kyc_pending: int = 0
    age_verified: int = 0
    records_2257_complete: int = 0
    records_2257_incomplete: int = 0
    identity_documents: int = 0


class DemoCompliance:
    """Records a demo creator's compliance: an age verification running until
    ``age_verified_until`` (some already expired: their payouts stop) and, for level > 0, an
    approved VerifyMy verification of that level; every second level-0 creator has a request
    waiting for review. Counts what this run recorded in ``summary``."""

    def __init__(self) -> None:
        self.summary = ComplianceDemoSummary()

    def __call__(self, creator: Creator, kyc_level: int, age_verified_until: date) -> None:
        if (
            KycVerification.objects.filter(creator=creator).exists()
            or AgeVerification.objects.filter(creator=creator).exists()
        ):
            return
        today = timezone.localdate()
        rng = random.Random(f"{SEED}-{creator.pk}")  # noqa: S311 (demo data, not secrets)
        verified_on = min(age_verified_until - timedelta(days=AGE_VALIDITY_DAYS), today)
        # someone between 21 and 45 on the day of the check
        date_of_birth = verified_on - timedelta(days=rng.randint(21 * 366, 45 * 365))
        with transaction.atomic():
            age_verification_record(
                creator=creator,
                method=rng.choice(["id_document", "provider", "database"]),
                date_of_birth=date_of_birth,
                verified_on=verified_on,
                expires_on=age_verified_until,
                reviewer=None,
                note="Demo network",
                history=age_verified_until < today,
            )
            self.summary.age_verified += 1
            if kyc_level > 0:
                verification = kyc_verification_request(
                    creator=creator,
                    level_requested=kyc_level,
                    provider="verifymy",
                    provider_reference=f"vm-demo-{creator.pk}",
                )
                kyc_verification_decide(
                    verification=verification,
                    approve=True,
                    level_granted=kyc_level,
                    reason=DEMO_REASON,
                    reviewer=None,
                )
                self.summary.kyc_approved += 1
            elif creator.pk % 2 == 0:
                pending = kyc_verification_request(
                    creator=creator,
                    level_requested=1,
                    provider="manual",
                    provider_reference=f"demo-upload-{creator.pk}",
                )
                # Asked a few hours to a few days ago, as a real queue is (demo data only).
                KycVerification.objects.filter(pk=pending.pk).update(
                    requested_at=timezone.now() - timedelta(hours=3 + creator.pk * 7 % 90)
                )
                self.summary.kyc_pending += 1
            demo_records_2257(creator, date_of_birth, self.summary)


# --- identity documents and 2257 records ------------------------------------------------------


def demo_png() -> bytes:
    """A real 1x1 PNG (a few dozen bytes): a demo document scan."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xcc\xcc\xcc")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def demo_pdf(title: str = "Demo identity document") -> bytes:
    """A minimal one-page PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
        + f"% {title}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def demo_records_2257(creator: Creator, date_of_birth: date, summary: ComplianceDemoSummary):
    """Every creator produces content, so nearly all have a complete 2257 record (a passport
    accepted and examined, content references) and can be paid; one in twenty has none and
    another in twenty an incomplete one (its document waits for review): payout eligibility
    holds those with the reason ``record_2257_incomplete``. Every sixth creator also has a
    co-performer whose record has no ID examined yet."""
    from .models import Performer
    from .services import (
        identity_document_review,
        identity_document_upload,
        performer_create,
        record_2257_amend,
    )

    if creator.pk % 20 == 19 or Performer.objects.filter(creator=creator).exists():
        return
    today = timezone.localdate()
    legal_name = creator.legal_name or creator.display_name
    performer = performer_create(
        creator=creator,
        legal_name=legal_name,
        date_of_birth=date_of_birth,
        names=[(creator.display_name, "stage_name")],
        actor=None,
    )
    document = identity_document_upload(
        creator=creator,
        document_type="passport",
        issuing_country="US",
        number=f"DEMO{creator.pk:07d}",
        expires_on=today + timedelta(days=3 * 365),
        files=[demo_png()],
        actor=None,
    )
    summary.identity_documents += 1
    record = performer.record_2257
    if creator.pk % 20 != 4:
        identity_document_review(document=document, accept=True, reason=DEMO_REASON, actor=None)
        record_2257_amend(
            record=record,
            actor=None,
            reason="Demo network: ID examined",
            legal_name=legal_name,
            date_of_birth=date_of_birth,
            names=[(creator.display_name, "stage_name")],
            id_document=document,
            id_examined_on=today,
            content_references=[f"boyfanz:post/{creator.pk}01", f"boyfanz:video/{creator.pk}02"],
        )
        summary.records_2257_complete += 1
    else:
        summary.records_2257_incomplete += 1
    if creator.pk % 6 == 0:
        co_performer = performer_create(
            legal_name=f"Co-performer of {creator.display_name}",
            date_of_birth=date_of_birth - timedelta(days=400),
            names=[(f"{creator.display_name} Jr", "alias")],
            content_references=[f"boyfanz:video/{creator.pk}02"],
            actor=None,
        )
        identity_document_upload(
            performer=co_performer,
            document_type="driving_licence",
            issuing_country="GB",
            number=f"DEMO-GB-{creator.pk:06d}",
            expires_on=today + timedelta(days=2 * 365),
            files=[demo_pdf()],
            actor=None,
        )
        summary.identity_documents += 1
        summary.records_2257_incomplete += 1


# --- GDPR requests and a legal hold ----------------------------------------------------------

DEMO_GDPR_NOTE = "Demo network"


@dataclass
class GdprDemoSummary:
    requests: int = 0
    holds: int = 0


def seed_demo_gdpr() -> GdprDemoSummary:
    """Two GDPR requests due in three days (an access request from a creator, an erasure
    request by email), one overdue portability request, and a legal hold on one creator.
    Idempotent: nothing is added when the demo requests exist."""
    from django.contrib.auth import get_user_model

    from apps.accounts.roles import Role

    from .models import DataSubjectRequest, LegalHold
    from .models.gdpr import add_months
    from .services import gdpr_request_create, legal_hold_place

    summary = GdprDemoSummary()
    if DataSubjectRequest.objects.filter(notes=DEMO_GDPR_NOTE).exists():
        return summary
    creators = list(Creator.objects.order_by("pk")[:4])
    officer = get_user_model().objects.filter(role=Role.COMPLIANCE).order_by("pk").first()
    if len(creators) < 3 or officer is None:
        return summary
    now = timezone.now()
    due_soon_received = add_months(now + timedelta(days=3), -1)
    with transaction.atomic():
        gdpr_request_create(
            kind=DataSubjectRequest.Kind.ACCESS,
            subject_creator=creators[0],
            received_at=due_soon_received,
            notes=DEMO_GDPR_NOTE,
            actor=officer,
        )
        gdpr_request_create(
            kind=DataSubjectRequest.Kind.ERASURE,
            subject_email=creators[1].user.email,
            received_at=due_soon_received,
            notes=DEMO_GDPR_NOTE,
            actor=officer,
        )
        gdpr_request_create(
            kind=DataSubjectRequest.Kind.PORTABILITY,
            subject_creator=creators[2],
            received_at=now - timedelta(days=40),
            notes=DEMO_GDPR_NOTE,
            actor=officer,
        )
        summary.requests = 3
        if not LegalHold.objects.exists():
            legal_hold_place(
                subject_creator=creators[-1],
                subject_user=creators[-1].user,
                reason="Demo network: records kept for a chargeback dispute with the processor",
                actor=officer,
            )
            summary.holds = 1
    return summary


# --- violations ------------------------------------------------------------------------------

DEMO_VIOLATIONS = [
    # (kind, severity, source, summary, content reference)
    (
        "content_policy",
        "low",
        "platform_event",
        "Watermark of another site on a preview",
        "post_1001",
    ),
    ("dmca", "low", "staff", "Takedown notice for a background track", "post_1002"),
    ("content_policy", "medium", "platform_event", "Prohibited keyword in a caption", "post_1003"),
    ("other", "medium", "staff", "Profile links to an unapproved payment page", ""),
    ("dmca", "high", "platform_event", "Copyright claim by a studio on a full video", "vid_2001"),
    ("fraud", "high", "staff", "Tips from cards reported stolen", ""),
    ("age_2257", "critical", "platform_event", "Co-performer without an age record", "vid_2002"),
]


DEMO_VIOLATION_AGES = [
    timedelta(days=16),
    timedelta(days=9),
    timedelta(days=6),
    timedelta(days=2, hours=5),
    timedelta(days=4),
    timedelta(days=1, hours=2),
    timedelta(hours=5),
]


def seed_demo_violations() -> int:
    """A few open violations of every severity on the first active demo creators (one
    critical, which holds that creator's payouts), one under investigation with a note.
    Idempotent: each has a dedupe key ``demo:<n>``; a rerun opens nothing. Returns how many
    this run opened."""
    from apps.platforms.models import Platform

    from .services import violation_open, violation_transition

    creators = list(
        Creator.objects.filter(status=Creator.Status.ACTIVE, platform_accounts__isnull=False)
        .distinct()
        .order_by("pk")[: len(DEMO_VIOLATIONS)]
    )
    if not creators:
        return 0
    platform = Platform.objects.order_by("pk").first()
    opened = 0
    for number, (kind, severity, source, summary, content) in enumerate(DEMO_VIOLATIONS):
        creator = creators[number % len(creators)]
        with transaction.atomic():
            result = violation_open(
                kind=kind,
                severity=severity,
                summary=summary,
                source=source,
                creator=creator,
                platform=platform if source == "platform_event" else None,
                content_reference=content,
                source_reference="demo network",
                dedupe_key=f"demo:{number}",
                confidence="0.910" if source == "platform_event" else None,
            )
            if result.created:
                opened += 1
                # Opened over the last two weeks, as a real queue is (demo data only).
                Violation.objects.filter(pk=result.violation.pk).update(
                    opened_at=timezone.now() - DEMO_VIOLATION_AGES[number]
                )
                if number == 4:
                    violation_transition(
                        violation=result.violation,
                        status="investigating",
                        reason="Asked the creator for the licence.",
                        actor=None,
                    )
    return opened
