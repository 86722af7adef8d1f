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

from .models import AgeVerification, KycVerification
from .services import age_verification_record, kyc_verification_decide, kyc_verification_request

SEED = 2257
DEMO_REASON = "Demo network: documents checked"
AGE_VALIDITY_DAYS = 730


@dataclass
class ComplianceDemoSummary:
    kyc_approved: int = 0
    kyc_pending: int = 0
    age_verified: int = 0


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
        with transaction.atomic():
            age_verification_record(
                creator=creator,
                method=rng.choice(["id_document", "provider", "database"]),
                # someone between 21 and 45 on the day of the check
                date_of_birth=verified_on - timedelta(days=rng.randint(21 * 366, 45 * 365)),
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
                kyc_verification_request(
                    creator=creator,
                    level_requested=1,
                    provider="manual",
                    provider_reference=f"demo-upload-{creator.pk}",
                )
                self.summary.kyc_pending += 1


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
