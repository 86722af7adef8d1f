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
                if number == 4:
                    violation_transition(
                        violation=result.violation,
                        status="investigating",
                        reason="Asked the creator for the licence.",
                        actor=None,
                    )
    return opened
