"""Users a platform reports (``POST /api/integrations/sync/user``, and the central
``user_created`` / ``user_updated`` events): kept as PlatformUser; a creator also becomes (or
updates) a Creator with a PlatformAccount on that platform whose external id is the
platform's user id, so the platform's events for ``creatorId`` = that id land on that
creator.

Rules:
- an existing account for (platform, id) decides the creator; otherwise a creator whose user
  has the same email is linked (one creator, many platforms); otherwise a new user (role
  creator) and creator are made;
- an email that belongs to a staff user is never taken over (409 ``email_is_staff``), nor one
  of a user with another role;
- ``status`` ``suspended`` or ``banned`` suspends the creator; a platform never unsuspends
  (``active`` changes nothing): lifting a suspension is a staff decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PlatformAccount
from apps.creators.services import (
    creator_create,
    creator_profile_update,
    creator_status_set,
    platform_account_link,
)
from apps.integrations.models import PlatformUser

CREATOR_ROLE = "creator"
SUSPENDING_STATUSES = frozenset({"suspended", "banned"})
USER_STATUSES = ("active", "inactive", "pending", "suspended", "banned", "deleted")
SYNCED_FIELDS = ("username", "email", "role", "status")


@dataclass(frozen=True, slots=True)
class UserSyncResult:
    platform_user: PlatformUser
    created: bool
    creator: Creator | None
    creator_created: bool


def _snapshot(platform_user: PlatformUser) -> dict:
    return {
        "username": platform_user.username,
        "email": platform_user.email,
        "role": platform_user.role,
        "status": platform_user.status,
        "creator": platform_user.creator_id,
    }


def _creator_for(*, platform, external_id: str, email: str, username: str, actor):
    """(creator, created) for a platform user whose role is creator."""
    account = (
        PlatformAccount.objects.select_related("creator")
        .filter(platform=platform, external_id=external_id)
        .first()
    )
    if account is not None:
        return account.creator, False
    if not email:
        raise ApplicationError(
            "invalid", {"email": ["Required to create a creator."]}, status_code=422
        )
    user = User.objects.filter(email__iexact=email).select_related("creator").first()
    created = False
    if user is None:
        creator = creator_create(
            email=email, display_name=username or external_id, actor=actor, email_verified=False
        )
        created = True
    elif (
        user.is_staff
        or user.is_superuser
        or user.role
        in (
            Role.SUPER_ADMIN,
            Role.FINANCE,
            Role.COMPLIANCE,
            Role.SUPPORT,
        )
    ):
        raise ApplicationError(
            "email_is_staff",
            "This email address belongs to a FanzDash staff account; a platform user cannot "
            "take it over.",
            status_code=409,
        )
    elif hasattr(user, "creator"):
        creator = user.creator
    elif user.role == Role.CREATOR:
        creator = creator_create(
            email=email, display_name=username or external_id, actor=actor, user=user
        )
        created = True
    else:
        raise ApplicationError(
            "email_taken",
            "This email address belongs to a FanzDash user who is not a creator.",
            status_code=409,
        )
    platform_account_link(
        creator=creator,
        platform=platform,
        external_id=external_id,
        username=username,
        actor=actor,
    )
    return creator, created


@transaction.atomic
def platform_user_sync(*, platform, data: dict, actor=None) -> UserSyncResult:
    """Upsert ``data`` (``id`` and any of ``username``, ``email``, ``role``, ``status``; as
    cleaned by the serializer or the event schema) as the platform's user, and for role
    ``creator`` its Creator and account (audited). Fields not given keep their value."""
    external_id = str(data["id"])
    platform_user = (
        PlatformUser.objects.select_for_update()
        .filter(platform=platform, external_id=external_id)
        .first()
    )
    created = platform_user is None
    if created:
        platform_user = PlatformUser(platform=platform, external_id=external_id)
        before = None
    else:
        before = _snapshot(platform_user)
    for name in SYNCED_FIELDS:
        value = data.get(name)
        if value is not None:
            setattr(platform_user, name, value.lower() if name in ("role", "status") else value)

    creator = None
    creator_created = False
    if platform_user.role == CREATOR_ROLE or platform_user.creator_id is not None:
        if platform_user.creator_id is not None:
            creator = Creator.objects.get(pk=platform_user.creator_id)
        else:
            creator, creator_created = _creator_for(
                platform=platform,
                external_id=external_id,
                email=platform_user.email,
                username=platform_user.username,
                actor=actor,
            )
        platform_user.creator = creator
        platform_user.user_id = creator.user_id
        username = data.get("username")
        # The platform's name for the creator is their display name only when it is the
        # creator's one platform: several platforms would overwrite one another.
        if (
            not creator_created
            and username
            and creator.display_name != username[:100]
            and creator.platform_accounts.count() == 1
        ):
            creator = creator_profile_update(
                creator=creator, actor=actor, display_name=username[:100]
            )
        status = data.get("status")
        if status in SUSPENDING_STATUSES and creator.status == Creator.Status.ACTIVE:
            creator = creator_status_set(
                creator=creator,
                status=Creator.Status.SUSPENDED,
                actor=actor,
                reason=f"{platform.slug} reported the user as {status}",
            )
    platform_user.save()
    after = _snapshot(platform_user)
    if after != before:
        audit_record(
            actor=actor,
            action="integrations.platform_user_synced",
            target=platform_user,
            before=before,
            after={**after, "platform": platform.slug, "external_id": external_id},
        )
    return UserSyncResult(platform_user, created, creator, creator_created)
