from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.audit.services import audit_record
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError

from .models import Creator, PayoutHold, PlatformAccount
from .signals import creator_kyc_changed, creator_status_changed


def _snapshot(creator: Creator) -> dict:
    return {
        "status": creator.status,
        "kyc_level": creator.kyc_level,
        "display_name": creator.display_name,
        "age_verified_until": creator.age_verified_until,
    }


@transaction.atomic
def creator_create(
    *,
    email: str,
    display_name: str,
    actor=None,
    legal_name: str = "",
    country: str = "",
    default_currency: str = "USD",
    user: User | None = None,
    email_verified: bool = False,
) -> Creator:
    """A creator profile, with its user (role creator) unless one is given. A new creator has
    KYC level 0 and no age verification: those are derived from the compliance records
    (``apps.compliance``), which set them through ``creator_compliance_set``."""
    currency_exponent(default_currency)
    if user is None:
        user = user_create(
            email=email, role=Role.CREATOR, actor=actor, email_verified=email_verified
        )
    elif Creator.objects.filter(user=user).exists():
        raise ApplicationError("creator_exists", f"{user.email} already has a creator profile.")
    creator = Creator.objects.create(
        user=user,
        display_name=display_name[:100],
        legal_name=legal_name,
        country=country.upper()[:2],
        default_currency_id=default_currency.upper(),
    )
    audit_record(actor=actor, action="creator.created", target=creator, after=_snapshot(creator))
    return creator


@transaction.atomic
def platform_account_link(
    *, creator: Creator, platform, external_id: str, username: str = "", actor=None
) -> PlatformAccount:
    """Tie a platform's id for the creator to the profile (idempotent for the same pair)."""
    if not external_id:
        raise ApplicationError("missing_external_id", "The platform's creator id is required.")
    existing = PlatformAccount.objects.filter(platform=platform, external_id=external_id).first()
    if existing is not None:
        if existing.creator_id != creator.pk:
            raise ApplicationError(
                "external_id_taken",
                f"{platform.slug} id {external_id!r} belongs to another creator.",
                status_code=409,
            )
        return existing
    if PlatformAccount.objects.filter(creator=creator, platform=platform).exists():
        raise ApplicationError(
            "platform_account_exists", f"{creator} already has an account on {platform.slug}."
        )
    account = PlatformAccount.objects.create(
        creator=creator, platform=platform, external_id=external_id, username=username
    )
    audit_record(
        actor=actor,
        action="creator.platform_linked",
        target=creator,
        after={"platform": platform.slug, "external_id": external_id},
    )
    return account


STATUS_ACTIONS = {
    Creator.Status.ACTIVE: "creator.unsuspended",
    Creator.Status.SUSPENDED: "creator.suspended",
    Creator.Status.CLOSED: "creator.closed",
}


# Platforms are told (apps.outbound) when a creator is suspended or unsuspended.
@transaction.atomic
def creator_status_set(*, creator: Creator, status: str, actor, reason: str = "") -> Creator:
    """Suspend, unsuspend or close a creator (audited)."""
    if status not in Creator.Status.values:
        raise ApplicationError("invalid_status", f"Unknown status {status!r}.")
    creator = Creator.objects.select_for_update().get(pk=creator.pk)
    if creator.status == status:
        return creator
    if creator.status == Creator.Status.CLOSED:
        raise ApplicationError("creator_closed", "A closed creator cannot be reopened here.")
    before = _snapshot(creator)
    creator.status = status
    creator.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=STATUS_ACTIONS[status],
        target=creator,
        before=before,
        after={**_snapshot(creator), "reason": reason},
    )
    creator_status_changed.send(
        sender=Creator, creator=creator, status=status, previous_status=before["status"]
    )
    return creator


# KYC level and age verification are not profile fields: they are derived from the
# compliance records and written only by creator_compliance_set (called by apps.compliance).
PROFILE_FIELDS = frozenset({"display_name", "legal_name", "country", "default_currency"})


def _profile_value(creator: Creator, name: str):
    return creator.default_currency_id if name == "default_currency" else getattr(creator, name)


def _clean_profile_change(name: str, value):
    if name == "display_name":
        value = (value or "").strip()
        if not value or len(value) > 100:
            raise ApplicationError("invalid_display_name", "A display name is 1 to 100 characters.")
    elif name == "legal_name":
        value = (value or "").strip()
        if len(value) > 200:
            raise ApplicationError("invalid_legal_name", "A legal name is at most 200 characters.")
    elif name == "country":
        value = (value or "").strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise ApplicationError("invalid_country", f"{value!r} is not an ISO 3166-1 code.")
    elif name == "default_currency":
        value = str(value or "").upper()
        currency_exponent(value)
    return value


@transaction.atomic
def creator_profile_update(*, creator: Creator, actor, **changes) -> Creator:
    """Change a creator's profile (names, country, default currency). Only fields that change
    are saved and audited (before/after); status has its own service, creator_status_set, and
    the KYC level and age verification are derived by the compliance app
    (creator_compliance_set)."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ApplicationError(
            "field_not_editable", f"Not editable here: {', '.join(sorted(unknown))}."
        )
    cleaned = {name: _clean_profile_change(name, value) for name, value in changes.items()}
    creator = Creator.objects.select_for_update().get(pk=creator.pk)
    changed = [name for name, value in cleaned.items() if _profile_value(creator, name) != value]
    if not changed:
        return creator
    before = {name: _profile_value(creator, name) for name in changed}
    for name in changed:
        attribute = "default_currency_id" if name == "default_currency" else name
        setattr(creator, attribute, cleaned[name])
    creator.save(
        update_fields=[
            *("default_currency" if name == "default_currency" else name for name in changed),
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="creator.updated",
        target=creator,
        before=before,
        after={name: cleaned[name] for name in changed},
    )
    return creator


@transaction.atomic
def creator_compliance_set(
    *, creator: Creator, kyc_level: int, age_verified_until: date | None, actor, reason: str = ""
) -> Creator:
    """Write the creator's derived compliance fields: the KYC level and the date the age
    verification runs until. Called only by ``apps.compliance`` (which derives them from its
    records); nothing else sets them. Audited when something changes; a KYC level change is
    sent as ``creator_kyc_changed`` (the platforms are told, apps.outbound)."""
    if isinstance(kyc_level, bool) or not isinstance(kyc_level, int) or not 0 <= kyc_level <= 3:
        raise ApplicationError("invalid_kyc_level", "KYC level is 0 to 3.")
    if age_verified_until is not None and (
        not isinstance(age_verified_until, date) or isinstance(age_verified_until, datetime)
    ):
        raise ApplicationError("invalid_date", "Age verification runs until a date.")
    creator = Creator.objects.select_for_update().get(pk=creator.pk)
    before = {"kyc_level": creator.kyc_level, "age_verified_until": creator.age_verified_until}
    after = {"kyc_level": kyc_level, "age_verified_until": age_verified_until}
    if before == after:
        return creator
    creator.kyc_level = kyc_level
    creator.age_verified_until = age_verified_until
    creator.save(update_fields=["kyc_level", "age_verified_until", "updated_at"])
    changed = [name for name in after if before[name] != after[name]]
    audit_record(
        actor=actor,
        action="creator.compliance_derived",
        target=creator,
        before={name: before[name] for name in changed},
        after={**{name: after[name] for name in changed}, "reason": reason},
    )
    if before["kyc_level"] != kyc_level:
        creator_kyc_changed.send(
            sender=Creator,
            creator=creator,
            kyc_level=kyc_level,
            previous_kyc_level=before["kyc_level"],
        )
    return creator


@transaction.atomic
def payout_hold_place(
    *,
    creator: Creator,
    source: str,
    reason: str,
    actor=None,
    platform=None,
    reference: str = "",
) -> PayoutHold:
    """Stop the creator's payouts until staff release the hold (audited; actor None = the
    system, e.g. a platform's fraud report). Idempotent per ``reference``: the same webhook
    event or security event never places two holds."""
    if source not in PayoutHold.Source.values:
        raise ApplicationError("invalid_hold_source", f"Unknown hold source {source!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("reason_required", "Say why the payouts are held.")
    if reference:
        existing = PayoutHold.objects.filter(creator=creator, reference=reference).first()
        if existing is not None:
            return existing
    hold = PayoutHold.objects.create(
        creator=creator,
        source=source,
        reason=reason,
        platform=platform,
        reference=reference[:100],
        placed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="creator.payout_hold_placed",
        target=creator,
        after={
            "hold": hold.pk,
            "source": source,
            "reason": reason,
            "platform": getattr(platform, "slug", None),
            "reference": hold.reference,
        },
    )
    return hold


@transaction.atomic
def payout_hold_release(*, hold: PayoutHold, actor, note: str) -> PayoutHold:
    """Clear a hold once staff have looked into it (audited, with the note)."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError("note_required", "Say why the hold is released.")
    hold = PayoutHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ApplicationError(
            "hold_already_released", "This hold is already released.", status_code=409
        )
    hold.released_at = timezone.now()
    hold.released_by = actor if getattr(actor, "is_authenticated", False) else None
    hold.release_note = note
    hold.save(update_fields=["released_at", "released_by", "release_note"])
    audit_record(
        actor=actor,
        action="creator.payout_hold_released",
        target=hold.creator,
        before={"hold": hold.pk, "source": hold.source, "reason": hold.reason},
        after={"hold": hold.pk, "note": note},
    )
    return hold
