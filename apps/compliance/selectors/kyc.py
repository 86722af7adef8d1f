"""Reads of the compliance app: a creator's compliance status in plain words (for staff pages
and the API), the KYC review queue, and a creator's records with their history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from apps.compliance.models import AgeVerification, KycProviderEvent, KycVerification
from apps.compliance.rules import KYC_LEVELS, kyc_limit_usd_minor
from apps.compliance.selectors.violations import creators_with_open_critical_violations
from apps.core.currencies import money_text
from apps.creators.models import Creator, PayoutHold

KYC_LIMIT_CURRENCY = "USD"


@dataclass
class ComplianceStatus:
    creator: Creator
    today: date
    kyc_level: int
    kyc_level_name: str
    kyc_limit_usd_minor: int | None  # None: unlimited
    age_verified_until: date | None
    age_state: str  # "valid", "missing", "expired"
    reasons: list[dict] = field(default_factory=list)  # [{code, detail}]: why not payable
    obligations: list[str] = field(default_factory=list)  # each obligation in plain words

    @property
    def can_be_paid(self) -> bool:
        return not self.reasons

    @property
    def kyc_limit_text(self) -> str:
        if self.kyc_limit_usd_minor is None:
            return "no limit"
        return money_text(self.kyc_limit_usd_minor, KYC_LIMIT_CURRENCY)


def creator_compliance_status(creator: Creator, *, today: date | None = None) -> ComplianceStatus:
    """What the creator's compliance allows today, and why not: a valid age verification (a
    payout needs one), the KYC level and its payout limit per rolling 30 days, an active
    account, no open payout hold and no open critical violation. Three queries at most."""
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
    if status.age_state == "missing":
        status.obligations.append("Age verification: missing. No payout until one is recorded.")
        status.reasons.append(
            {"code": "age_verification_missing", "detail": "No age verification on file."}
        )
    elif status.age_state == "expired":
        status.obligations.append(
            f"Age verification: expired on {until:%Y-%m-%d}. No payout until it is renewed."
        )
        status.reasons.append(
            {
                "code": "age_verification_expired",
                "detail": f"The age verification expired on {until:%Y-%m-%d}.",
            }
        )
    else:
        status.obligations.append(f"Age verification: valid until {until:%Y-%m-%d}.")
    if limit is None:
        status.obligations.append(f"KYC level {level} ({status.kyc_level_name}): no payout limit.")
    else:
        status.obligations.append(
            f"KYC level {level} ({status.kyc_level_name}): payouts up to "
            f"{status.kyc_limit_text} in any 30 days."
        )
    if creator.status != Creator.Status.ACTIVE:
        status.reasons.append(
            {
                "code": "creator_not_active",
                "detail": f"The creator's account is {creator.get_status_display().lower()}.",
            }
        )
    hold = (
        PayoutHold.objects.filter(creator=creator, released_at__isnull=True)
        .order_by("-placed_at", "-id")
        .first()
    )
    if hold is not None:
        status.reasons.append(
            {"code": "payout_hold", "detail": f"Payouts are on hold: {hold.reason}"}
        )
    critical = creators_with_open_critical_violations([creator.pk]).get(creator.pk)
    if critical is not None:
        status.reasons.append(
            {
                "code": "open_critical_violation",
                "detail": f"An open critical violation (#{critical.pk}) stops payouts: "
                f"{critical.summary}",
            }
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
