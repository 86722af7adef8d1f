"""Reads of the compliance app: a creator's compliance status in plain words (for staff pages
and the API), the KYC review queue, and a creator's records with their history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.compliance.models import (
    AgeVerification,
    KycProviderEvent,
    KycVerification,
)
from apps.compliance.rules import KYC_LEVELS, kyc_limit_usd_minor
from apps.compliance.selectors.documents import creator_2257_gap
from apps.compliance.selectors.violations import creators_with_open_critical_violations
from apps.core.currencies import money_text
from apps.creators.models import Creator, PayoutHold

KYC_LIMIT_CURRENCY = "USD"
PUBLISH = "publish"
PAYOUT = "payout"
BOTH = (PUBLISH, PAYOUT)


@dataclass
class ComplianceStatus:
    creator: Creator
    today: date
    kyc_level: int
    kyc_level_name: str
    kyc_limit_usd_minor: int | None  # None: unlimited
    age_verified_until: date | None
    age_state: str  # "valid", "missing", "expired"
    # [{code, detail, stops}]: what stops the creator, ``stops`` naming "publish" and/or "payout"
    reasons: list[dict] = field(default_factory=list)
    obligations: list[str] = field(default_factory=list)  # each obligation in plain words
    record_2257_missing: list[str] | None = None  # None: no record; []: complete

    @property
    def can_be_paid(self) -> bool:
        return not any(PAYOUT in reason["stops"] for reason in self.reasons)

    @property
    def can_publish(self) -> bool:
        return not any(PUBLISH in reason["stops"] for reason in self.reasons)

    @property
    def kyc_limit_text(self) -> str:
        if self.kyc_limit_usd_minor is None:
            return "no limit"
        return money_text(self.kyc_limit_usd_minor, KYC_LIMIT_CURRENCY)


def creator_compliance_status(creator: Creator, *, today: date | None = None) -> ComplianceStatus:
    """What the creator's compliance allows today, and why not. Publishing content needs an
    active account, a valid age verification and a complete 2257 record; a payout needs the
    same and no open payout hold and no open critical violation (the KYC level caps the amount
    paid in any 30 days; it does not stop a payout). Each reason says what it stops. Four
    queries at most."""
    today = today or timezone.localdate()
    level = creator.kyc_level
    limit = kyc_limit_usd_minor(level)
    until = creator.age_verified_until
    status = ComplianceStatus(
        creator=creator,
        today=today,
        kyc_level=level,
        kyc_level_name=KYC_LEVELS.get(level, "unknown"),
        kyc_limit_usd_minor=limit,
        age_verified_until=until,
        age_state="missing" if until is None else ("valid" if until >= today else "expired"),
    )

    def stop(code: str, detail: str, stops=BOTH) -> None:
        status.reasons.append({"code": code, "detail": detail, "stops": list(stops)})

    if status.age_state == "missing":
        status.obligations.append(
            "Age verification: missing. Nothing is published or paid until one is recorded."
        )
        stop("age_verification_missing", "No age verification on file.")
    elif status.age_state == "expired":
        status.obligations.append(
            f"Age verification: expired on {until:%Y-%m-%d}. Nothing is published or paid "
            "until it is renewed."
        )
        stop("age_verification_expired", f"The age verification expired on {until:%Y-%m-%d}.")
    else:
        status.obligations.append(f"Age verification: valid until {until:%Y-%m-%d}.")
    gap = creator_2257_gap(creator.pk)
    if gap == []:
        status.obligations.append("2257 record: none on file.")
        stop("record_2257_missing", "No 2257 record is on file.")
    elif gap:
        status.record_2257_missing = gap
        status.obligations.append(f"2257 record: incomplete ({'; '.join(gap)}).")
        stop("record_2257_incomplete", f"The 2257 record is incomplete: {'; '.join(gap)}.")
    else:
        status.record_2257_missing = []
        status.obligations.append("2257 record: complete.")
    if limit is None:
        status.obligations.append(f"KYC level {level} ({status.kyc_level_name}): no payout limit.")
    else:
        status.obligations.append(
            f"KYC level {level} ({status.kyc_level_name}): payouts up to "
            f"{status.kyc_limit_text} in any 30 days."
        )
    if creator.status != Creator.Status.ACTIVE:
        stop(
            "creator_not_active",
            f"The creator's account is {creator.get_status_display().lower()}.",
        )
    hold = (
        PayoutHold.objects.filter(creator=creator, released_at__isnull=True)
        .order_by("-placed_at", "-id")
        .first()
    )
    if hold is not None:
        stop("payout_hold", f"Payouts are on hold: {hold.reason}", (PAYOUT,))
    critical = creators_with_open_critical_violations([creator.pk]).get(creator.pk)
    if critical is not None:
        stop(
            "open_critical_violation",
            f"An open critical violation (#{critical.pk}) stops payouts: {critical.summary}",
            (PAYOUT,),
        )
    return status


def kyc_review_queue() -> QuerySet[KycVerification]:
    """Pending KYC verifications, oldest request first (paginate it)."""
    return (
        KycVerification.objects.filter(status=KycVerification.Status.PENDING)
        .select_related("creator", "provider", "requested_by")
        .order_by("requested_at", "id")
    )


def compliance_creators() -> QuerySet[Creator]:
    return Creator.objects.select_related("user")


def creator_kyc_verifications(creator: Creator, *, limit: int = 100) -> list[KycVerification]:
    """The creator's KYC verifications, newest first, every decision kept (history), each with
    the results its provider sent (``provider_events``, oldest first)."""
    return list(
        KycVerification.objects.filter(creator=creator)
        .select_related("provider", "requested_by", "reviewer")
        .prefetch_related(
            Prefetch(
                "provider_events",
                queryset=KycProviderEvent.objects.order_by("received_at", "pk"),
            )
        )
        .order_by("-requested_at", "-id")[:limit]
    )


def creator_age_verifications(creator: Creator, *, limit: int = 100) -> list[AgeVerification]:
    """The creator's age verifications, newest first (history)."""
    return list(
        AgeVerification.objects.filter(creator=creator)
        .select_related("reviewer")
        .order_by("-verified_on", "-id")[:limit]
    )
