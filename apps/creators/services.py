from __future__ import annotations

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.audit.services import audit_record
from apps.core.currencies import currency_exponent
from apps.core.exceptions import ApplicationError

from .models import Creator, PlatformAccount


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
    kyc_level: int = 0,
    age_verified_until=None,
    user: User | None = None,
    email_verified: bool = False,
) -> Creator:
    """A creator profile, with its user (role creator) unless one is given."""
    currency_exponent(default_currency)
    if not 0 <= kyc_level <= 3:
        raise ApplicationError("invalid_kyc_level", "KYC level is 0 to 3.")
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
        kyc_level=kyc_level,
        age_verified_until=age_verified_until,
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
    return creator
