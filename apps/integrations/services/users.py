"""Users a platform reports (``POST /api/integrations/sync/user``, and the central
``user_created`` / ``user_updated`` events): kept as PlatformUser; a creator also becomes (or
updates) a Creator with a PlatformAccount on that platform whose external id is the
platform's user id, so the platform's events for ``creatorId`` = that id land on that
creator.

A platform may create and change only what it owns:
- an existing account for (platform, id) decides the creator (the platform's own);
- an email nobody has yet makes a new user (role creator) and creator, linked to the platform;
- an email that belongs to an existing FanzDash account (a creator, on other platforms or
  none) is **not** linked on the platform's word: a ``PlatformLinkRequest`` is opened
  (``services/links.py``) and the link is made only when the account's owner or staff confirm
  it; meanwhile the platform sees nothing of that creator (answer 202, ``link``
  ``pending_confirmation``);
- an email that belongs to a staff user is never taken over (409 ``email_is_staff``), nor one
  of a user with another role (409 ``email_taken``);
- ``status`` is the platform's own status of its user: recorded on the PlatformUser (and in
  the audit log), never applied to ``Creator.status``. A creator is suspended network-wide only
  by staff or the central ``user_suspended`` event (signed with the network secret).
- ``user_created`` / ``user_updated`` describe a user of ``data.platform`` and follow the same
  rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PlatformAccount
from apps.creators.services import (
    creator_create,
    creator_profile_update,
    platform_account_link,
)
from apps.integrations.models import PlatformLinkRequest, PlatformUser
from apps.integrations.services.links import (
    platform_link_request_open,
    platform_link_requests_close_stale,
)

CREATOR_ROLE = "creator"
USER_STATUSES = ("active", "inactive", "pending", "suspended", "banned", "deleted")
SYNCED_FIELDS = ("username", "email", "role", "status")


LINK_LINKED = "linked"
LINK_PENDING = "pending_confirmation"


@dataclass(frozen=True, slots=True)
class UserSyncResult:
    platform_user: PlatformUser
    created: bool
    creator: Creator | None
    creator_created: bool
    # Open when the email belongs to an existing account not yet linked to this platform.
    link_request: PlatformLinkRequest | None = None

    @property
    def link(self) -> str | None:
        """``linked``, ``pending_confirmation``, or None (not a creator)."""
        if self.link_request is not None:
            return LINK_PENDING
        return LINK_LINKED if self.creator is not None else None


def _snapshot(platform_user: PlatformUser) -> dict:
    return {
        "username": platform_user.username,
        "email": platform_user.email,
        "role": platform_user.role,
        "status": platform_user.status,
        "creator": platform_user.creator_id,
    }


def _is_staff_account(user: User) -> bool:
    return bool(user.is_staff or user.is_superuser or user.role in STAFF_ROLES)


def _creator_for(*, platform, external_id: str, email: str, username: str, actor):
    """(creator, created, link request) for a platform user whose role is creator: the
    platform's own creator, a new one, or (an existing account) a pending link request."""
    account = (
        PlatformAccount.objects.select_related("creator")
        .filter(platform=platform, external_id=external_id)
        .first()
    )
    if account is not None:
        return account.creator, False, None
    if not email:
        raise ApplicationError(
            "invalid", {"email": ["Required to create a creator."]}, status_code=422
        )
    user = User.objects.filter(email__iexact=email).select_related("creator").first()
    if user is None:
        platform_link_requests_close_stale(platform=platform, external_id=external_id)
        creator = creator_create(
            email=email, display_name=username or external_id, actor=actor, email_verified=False
        )
        platform_account_link(
            creator=creator,
            platform=platform,
            external_id=external_id,
            username=username,
            actor=actor,
        )
        return creator, True, None
    if _is_staff_account(user):
        raise ApplicationError(
            "email_is_staff",
            "This email address belongs to a FanzDash staff account; a platform user cannot "
            "take it over.",
            status_code=409,
        )
    if not hasattr(user, "creator") and user.role != Role.CREATOR:
        raise ApplicationError(
            "email_taken",
            "This email address belongs to a FanzDash user who is not a creator.",
            status_code=409,
        )
    creator = getattr(user, "creator", None)
    if creator is not None and creator.platform_accounts.filter(platform=platform).exists():
        # Already yours, under another id: the same refusal as before (nothing new learnt).
        raise ApplicationError(
            "platform_account_exists",
            f"This creator already has another id on {platform.slug}.",
        )
    # An existing account: knowing its email is no proof, so ask its owner (or staff).
    request = platform_link_request_open(
        platform=platform,
        external_id=external_id,
        username=username,
        email=email,
        user=user,
        actor=actor,
    )
    return None, False, request


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
    link_request = None
    if platform_user.role == CREATOR_ROLE or platform_user.creator_id is not None:
        if platform_user.creator_id is not None:
            creator = Creator.objects.get(pk=platform_user.creator_id)
        else:
            creator, creator_created, link_request = _creator_for(
                platform=platform,
                external_id=external_id,
                email=platform_user.email,
                username=platform_user.username,
                actor=actor,
            )
        platform_user.creator = creator
        platform_user.user_id = getattr(creator, "user_id", None)
        username = data.get("username")
        # The platform's name for the creator is their display name only when it is the
        # creator's one platform: several platforms would overwrite one another.
        if (
            creator is not None
            and not creator_created
            and username
            and creator.display_name != username[:100]
            and creator.platform_accounts.count() == 1
        ):
            creator = creator_profile_update(
                creator=creator, actor=actor, display_name=username[:100]
            )
        # ``status`` (suspended, banned, ...) is the platform's own view of its user: it is
        # kept on the PlatformUser (audited below) and never changes Creator.status.
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
    return UserSyncResult(platform_user, created, creator, creator_created, link_request)
