"""The compliance part of the demo network: each demo creator's KYC level and age
verification become records (an approved KYC verification, an age verification), from which
the creator's level and date are derived, as in production; a few creators wait in the KYC
review queue. Deterministic, and idempotent: a creator who already has records is skipped."""

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


def _date_of_birth(rng: random.Random, verified_on: date) -> date:
    """Someone between 21 and 45 on the day they were verified."""
    return verified_on - timedelta(days=rng.randint(21 * 366, 45 * 365))


def seed_demo_compliance(plan: list[tuple[int, int, date]]) -> ComplianceDemoSummary:
    """``plan``: (creator id, KYC level, age verified until) per demo creator (from the ledger
    demo). Level > 0: an approved verification of that level (VerifyMy); level 0: every
    second one has a request waiting for review. Each gets an age verification running until
    the planned date (some already expired: their payouts stop)."""
    summary = ComplianceDemoSummary()
    today = timezone.localdate()
    with_records = set(
        KycVerification.objects.filter(creator_id__in=[row[0] for row in plan]).values_list(
            "creator_id", flat=True
        )
    ) | set(
        AgeVerification.objects.filter(creator_id__in=[row[0] for row in plan]).values_list(
            "creator_id", flat=True
        )
    )
    creators = Creator.objects.in_bulk([row[0] for row in plan])
    for index, (creator_id, level, until) in enumerate(plan):
        creator = creators.get(creator_id)
        if creator is None or creator_id in with_records:
            continue
        rng = random.Random(f"{SEED}-{creator_id}")  # noqa: S311 (demo data, not secrets)
        with transaction.atomic():
            verified_on = min(until - timedelta(days=AGE_VALIDITY_DAYS), today)
            if verified_on >= until:
                verified_on = until - timedelta(days=1)
            age_verification_record(
                creator=creator,
                method=rng.choice(AgeVerification.Method.values),
                date_of_birth=_date_of_birth(rng, verified_on),
                verified_on=verified_on,
                expires_on=until,
                reviewer=None,
                note="Demo network",
                history=until < today,
            )
            summary.age_verified += 1
            if level > 0:
                verification = kyc_verification_request(
                    creator=creator,
                    level_requested=level,
                    provider="verifymy",
                    provider_reference=f"vm-demo-{creator_id}",
                )
                kyc_verification_decide(
                    verification=verification,
                    approve=True,
                    level_granted=level,
                    reason=DEMO_REASON,
                    reviewer=None,
                )
                summary.kyc_approved += 1
            elif index % 2 == 0:
                kyc_verification_request(
                    creator=creator,
                    level_requested=1,
                    provider="manual",
                    provider_reference=f"demo-upload-{creator_id}",
                )
                summary.kyc_pending += 1
    return summary
