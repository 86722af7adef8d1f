"""Every write of the compliance app: KYC verification requests and decisions, age
verifications, and the daily expiry. Each runs in one transaction, is audited in it, and ends
by re-deriving the creator's ``kyc_level`` and ``age_verified_until``
(``creator_compliance_derive``), which the creators app stores and announces
(``creator_kyc_changed`` → the platforms are told)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance.models import AgeVerification, KycProvider, KycVerification
from apps.compliance.rules import MAX_KYC_LEVEL, adult_on
from apps.compliance.services.inputs import REASON_MAX_LENGTH
from apps.compliance.services.inputs import date_clean as _date
from apps.compliance.services.inputs import is_person as _is_person
from apps.compliance.services.inputs import reason_clean as _reason
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator
from apps.creators.services import creator_compliance_set


def _level(value, *, code: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KYC_LEVEL:
        raise ApplicationError(code, f"The {what} is a KYC level from 0 to {MAX_KYC_LEVEL}.")
    return value


# --- the derived fields ----------------------------------------------------------------------


def creator_compliance_derive(
    *, creator: Creator, actor=None, reason: str = "", today: date | None = None
) -> Creator:
    """Recompute and store the creator's derived fields from the compliance records:

    - ``kyc_level``: the highest level granted by an approved verification that has not
      expired (no ``expires_on``, or ``expires_on`` today or later); 0 when there is none;
    - ``age_verified_until``: the latest ``expires_on`` of the age verifications; None when
      there is none.

    Written through ``creators.services.creator_compliance_set`` (audited when it changes; a
    KYC level change is announced to the platforms)."""
    today = today or timezone.localdate()
    kyc_level = (
        (
            KycVerification.objects.filter(creator=creator, status=KycVerification.Status.APPROVED)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .aggregate(level=Max("level_granted"))["level"]
        )
        or 0
    )
    age_verified_until = AgeVerification.objects.filter(creator=creator).aggregate(
        until=Max("expires_on")
    )["until"]
    return creator_compliance_set(
        creator=creator,
        kyc_level=kyc_level,
        age_verified_until=age_verified_until,
        actor=actor,
        reason=reason,
    )


# --- KYC verifications -----------------------------------------------------------------------


def kyc_provider_get(slug: str) -> KycProvider:
    provider = KycProvider.objects.filter(slug=slug, is_active=True).first()
    if provider is None:
        raise ApplicationError("unknown_provider", f"{slug!r} is not an active KYC provider.")
    return provider


@transaction.atomic
def kyc_verification_request(
    *,
    creator: Creator,
    level_requested: int,
    provider: KycProvider | str,
    actor=None,
    provider_reference: str = "",
) -> KycVerification:
    """Open a KYC verification for review (status pending). ``actor`` is who asked (a staff
    member, the creator, or None for a provider); a person who asked cannot decide it."""
    level_requested = _level(level_requested, code="invalid_kyc_level", what="level requested")
    if isinstance(provider, str):
        provider = kyc_provider_get(provider)
    provider_reference = (provider_reference or "").strip()
    if len(provider_reference) > 200:
        raise ApplicationError("invalid_reference", "A provider reference is at most 200 long.")
    verification = KycVerification.objects.create(
        creator=creator,
        provider=provider,
        provider_reference=provider_reference,
        level_requested=level_requested,
        requested_at=timezone.now(),
        requested_by=actor if _is_person(actor) else None,
    )
    audit_record(
        actor=actor,
        action="compliance.kyc_requested",
        target=creator,
        after={
            "verification": verification.pk,
            "level_requested": level_requested,
            "provider": provider.slug,
            "provider_reference": provider_reference,
        },
    )
    return verification


@transaction.atomic
def kyc_verification_decide(
    *,
    verification: KycVerification,
    approve: bool,
    reason: str,
    reviewer,
    level_granted: int | None = None,
    expires_on: date | None = None,
) -> KycVerification:
    """Approve (granting ``level_granted``, which may be lower than requested, optionally until
    ``expires_on``) or reject a pending verification, with a reason. Refused: a decision on
    anything but a pending verification, a reviewer deciding their own request, a missing
    reason, a level out of range, an expiry not in the future."""
    reason = _reason(reason)
    if approve:
        level_granted = _level(level_granted, code="invalid_kyc_level", what="level granted")
        if expires_on is not None:
            expires_on = _date(expires_on, name="expiry date")
            if expires_on <= timezone.localdate():
                raise ApplicationError(
                    "expiry_in_past", "The expiry date must be after today.", status_code=422
                )
    else:
        level_granted, expires_on = None, None
    verification = (
        KycVerification.objects.select_for_update()
        .select_related("creator", "provider")
        .get(pk=verification.pk)
    )
    if verification.status != KycVerification.Status.PENDING:
        raise ApplicationError(
            "not_pending",
            f"Only a verification waiting for review can be decided; this one is "
            f"{verification.get_status_display().lower()}.",
            status_code=409,
        )
    if (
        verification.requested_by_id is not None
        and getattr(reviewer, "pk", None) == verification.requested_by_id
    ):
        raise ApplicationError(
            "own_request",
            "You asked for this verification: another compliance officer decides it.",
            status_code=403,
        )
    verification.status = (
        KycVerification.Status.APPROVED if approve else KycVerification.Status.REJECTED
    )
    verification.level_granted = level_granted
    verification.expires_on = expires_on
    verification.decided_at = timezone.now()
    verification.reviewer = reviewer if _is_person(reviewer) else None
    verification.decision_reason = reason
    verification.save(
        update_fields=[
            "status",
            "level_granted",
            "expires_on",
            "decided_at",
            "reviewer",
            "decision_reason",
        ]
    )
    audit_record(
        actor=reviewer,
        action="compliance.kyc_approved" if approve else "compliance.kyc_rejected",
        target=verification.creator,
        before={"verification": verification.pk, "status": KycVerification.Status.PENDING},
        after={
            "verification": verification.pk,
            "status": verification.status,
            "level_requested": verification.level_requested,
            "level_granted": level_granted,
            "expires_on": expires_on,
            "reason": reason,
        },
    )
    creator_compliance_derive(
        creator=verification.creator,
        actor=reviewer,
        reason=f"KYC verification #{verification.pk} {verification.status}",
    )
    return verification


def kyc_expire_due(*, today: date | None = None) -> int:
    """Mark every approved verification whose ``expires_on`` is before ``today`` as expired
    and re-derive each affected creator (their level may drop; the platforms are told).
    Idempotent: a second run finds nothing to expire. Returns how many expired."""
    today = today or timezone.localdate()
    expired = 0
    due = KycVerification.objects.filter(
        status=KycVerification.Status.APPROVED, expires_on__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            # The conditional update claims it: two runs at once expire it once.
            claimed = KycVerification.objects.filter(
                pk=pk, status=KycVerification.Status.APPROVED, expires_on__lt=today
            ).update(status=KycVerification.Status.EXPIRED, expired_at=timezone.now())
            if claimed != 1:
                continue
            verification = KycVerification.objects.select_related("creator").get(pk=pk)
            audit_record(
                actor=None,
                action="compliance.kyc_expired",
                target=verification.creator,
                before={"verification": pk, "status": KycVerification.Status.APPROVED},
                after={
                    "verification": pk,
                    "status": KycVerification.Status.EXPIRED,
                    "expires_on": verification.expires_on,
                },
            )
            creator_compliance_derive(
                creator=verification.creator,
                reason=f"KYC verification #{pk} expired on {verification.expires_on:%Y-%m-%d}",
                today=today,
            )
            expired += 1
    return expired


# --- age verifications -----------------------------------------------------------------------


@transaction.atomic
def age_verification_record(
    *,
    creator: Creator,
    method: str,
    date_of_birth: date,
    verified_on: date,
    expires_on: date,
    reviewer,
    note: str = "",
    history: bool = False,
) -> AgeVerification:
    """Record that the creator was checked to be an adult on ``verified_on``, valid until
    ``expires_on``. Refused (nothing written): an unknown method, someone under 18 on
    ``verified_on`` (born 29 February: 18 on 1 March in a common year), a verification date in
    the future, an expiry not after the verification date or already past. ``history=True``
    records a past check that has since expired (the demo network; an import from a previous
    system): only the expiry-in-the-past refusal is lifted. Forms and the API never pass it."""
    if method not in AgeVerification.Method.values or method == AgeVerification.Method.LEGACY:
        raise ApplicationError("invalid_method", f"Unknown verification method {method!r}.")
    date_of_birth = _date(date_of_birth, name="date of birth")
    verified_on = _date(verified_on, name="verification date")
    expires_on = _date(expires_on, name="expiry date")
    today = timezone.localdate()
    if verified_on > today:
        raise ApplicationError(
            "verified_in_future", "The verification date cannot be in the future.", status_code=422
        )
    if date_of_birth >= verified_on:
        raise ApplicationError(
            "invalid_date_of_birth",
            "The date of birth must be before the verification date.",
            status_code=422,
        )
    adult = adult_on(date_of_birth)
    if verified_on < adult:
        raise ApplicationError(
            "under_age",
            f"Under 18 on {verified_on:%Y-%m-%d}: an adult from {adult:%Y-%m-%d} only.",
            status_code=422,
        )
    if expires_on <= verified_on:
        raise ApplicationError(
            "expiry_before_verification",
            "The expiry date must be after the verification date.",
            status_code=422,
        )
    if expires_on < today and not history:
        raise ApplicationError(
            "expiry_in_past", "The expiry date is already past.", status_code=422
        )
    note = (note or "").strip()
    if len(note) > REASON_MAX_LENGTH:
        raise ApplicationError("note_too_long", f"The note is at most {REASON_MAX_LENGTH} long.")
    verification = AgeVerification.objects.create(
        creator=creator,
        method=method,
        date_of_birth=date_of_birth,
        verified_on=verified_on,
        expires_on=expires_on,
        reviewer=reviewer if _is_person(reviewer) else None,
        note=note,
        created_at=timezone.now(),
    )
    audit_record(
        actor=reviewer,
        action="compliance.age_verified",
        target=creator,
        after={
            "age_verification": verification.pk,
            "method": method,
            "verified_on": verified_on,
            "expires_on": expires_on,
        },
    )
    creator_compliance_derive(
        creator=creator, actor=reviewer, reason=f"age verification #{verification.pk}"
    )
    return verification
