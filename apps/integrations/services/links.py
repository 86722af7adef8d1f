"""Requests of a platform to link its user to a FanzDash account that already exists.

A platform proves nothing by knowing an email address, so ``sync/user`` (and the user events)
never link an existing account by email on the platform's word: ``platform_user_sync`` opens a
``PlatformLinkRequest`` instead, and the platform account is made only when proof arrives —
the account's owner confirms on their own page (signed in), or staff with
``integrations.decide_platformlinkrequest`` confirm in the dashboard. Until then no
``PlatformAccount`` exists, so the platform reads nothing of that creator and its events for
that id wait (``unknown_creator``).

- one pending request per (platform, platform user id) and per (platform, account): a second
  sync of the same user answers with the same request; the same email under another id is
  refused (409 ``link_request_pending``);
- a request expires after ``PLATFORM_LINK_REQUEST_DAYS`` days (the next sync opens a new one);
- after a rejection, the same platform cannot ask again about that account for as many days
  (409 ``link_rejected``);
- if the platform syncs its user again with an email that no longer points at the account, the
  request is withdrawn.

Every decision is audited in the same transaction; a refused decision writes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError
from apps.creators.models import Creator, PlatformAccount
from apps.creators.services import creator_create, platform_account_link
from apps.integrations.models import PlatformLinkRequest, PlatformUser

Status = PlatformLinkRequest.Status
DECIDE_PERMISSION = "integrations.decide_platformlinkrequest"
MAX_NOTE_LENGTH = 2000


def link_request_days() -> int:
    return int(getattr(settings, "PLATFORM_LINK_REQUEST_DAYS", 30))


def _snapshot(request: PlatformLinkRequest) -> dict:
    return {
        "platform": request.platform.slug,
        "external_id": request.external_id,
        "email": request.email,
        "user": request.user_id,
        "creator": request.creator_id,
        "status": request.status,
    }


def _close(request: PlatformLinkRequest, status: str, *, reason: str, now) -> None:
    """Pending → expired or withdrawn (the system decides; audited)."""
    request.status = status
    request.decided_at = now
    request.note = reason
    request.save(update_fields=["status", "decided_at", "note"])
    audit_record(
        actor=None,
        action=f"integrations.platform_link_{status}",
        target=request,
        before={"status": Status.PENDING},
        after={**_snapshot(request), "reason": reason},
    )


def platform_link_requests_close_stale(*, platform, external_id: str, keep_user=None) -> None:
    """Before a sync decides about ``external_id``: its pending requests that have expired are
    marked expired, and one for another account than ``keep_user`` is withdrawn."""
    now = timezone.now()
    for request in PlatformLinkRequest.objects.select_for_update().filter(
        platform=platform, external_id=external_id, status=Status.PENDING
    ):
        if request.expires_at <= now:
            _close(request, Status.EXPIRED, reason="Not confirmed in time.", now=now)
        elif keep_user is None or request.user_id != keep_user.pk:
            _close(
                request,
                Status.WITHDRAWN,
                reason="The platform synced this user with another email.",
                now=now,
            )


def platform_link_request_open(
    *, platform, external_id: str, username: str, email: str, user: User, actor=None
) -> PlatformLinkRequest:
    """The pending request for linking ``external_id`` on ``platform`` to ``user``'s account:
    the one already open, or a new one. Called inside ``platform_user_sync``'s transaction."""
    now = timezone.now()
    platform_link_requests_close_stale(platform=platform, external_id=external_id, keep_user=user)
    existing = (
        PlatformLinkRequest.objects.select_for_update()
        .filter(platform=platform, user=user, status=Status.PENDING)
        .first()
    )
    if existing is not None and existing.expires_at <= now:
        _close(existing, Status.EXPIRED, reason="Not confirmed in time.", now=now)
        existing = None
    if existing is not None:
        if existing.external_id != external_id:
            raise ApplicationError(
                "link_request_pending",
                f"A request to link this email to your user {existing.external_id!r} is "
                "already waiting for confirmation.",
                status_code=409,
            )
        return existing
    rejected = (
        PlatformLinkRequest.objects.filter(
            platform=platform,
            user=user,
            status=Status.REJECTED,
            decided_at__gt=now - timedelta(days=link_request_days()),
        )
        .order_by("-decided_at")
        .first()
    )
    if rejected is not None:
        raise ApplicationError(
            "link_rejected",
            "Linking this email to your platform was declined; ask the network's staff.",
            status_code=409,
        )
    request = PlatformLinkRequest.objects.create(
        platform=platform,
        external_id=external_id,
        username=username[:150],
        email=email,
        user=user,
        creator=Creator.objects.filter(user=user).first(),
        expires_at=now + timedelta(days=link_request_days()),
    )
    audit_record(
        actor=actor,
        action="integrations.platform_link_requested",
        target=request,
        after=_snapshot(request),
    )
    return request


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise ApplicationError("note_too_long", f"At most {MAX_NOTE_LENGTH} characters.")
    return note


def _locked_for_decision(request: PlatformLinkRequest, actor, as_creator: bool):
    """The request, locked, after checking who decides and that it is still open."""
    if as_creator:
        if not getattr(actor, "is_authenticated", False) or actor.pk != request.user_id:
            raise ApplicationError("not_found", "No such link request.", status_code=404)
    elif not getattr(actor, "is_authenticated", False) or not actor.has_perm(DECIDE_PERMISSION):
        raise ApplicationError(
            "permission_denied", "You may not decide link requests.", status_code=403
        )
    locked = (
        PlatformLinkRequest.objects.select_for_update()
        .select_related("platform", "user")
        .get(pk=request.pk)
    )
    if locked.status != Status.PENDING:
        raise ApplicationError(
            "link_request_closed",
            f"This request is already {locked.get_status_display().lower()}.",
            status_code=409,
        )
    if locked.expires_at <= timezone.now():
        raise ApplicationError(
            "link_request_expired",
            "This request has expired; the platform must ask again.",
            status_code=409,
        )
    return locked


def _decided(locked: PlatformLinkRequest, status: str, actor, as_creator: bool, note: str):
    locked.status = status
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decided_as = (
        PlatformLinkRequest.DecidedAs.CREATOR if as_creator else PlatformLinkRequest.DecidedAs.STAFF
    )
    locked.note = note
    locked.save(
        update_fields=["status", "decided_at", "decided_by", "decided_as", "note", "creator"]
    )
    audit_record(
        actor=actor,
        action=f"integrations.platform_link_{status}",
        target=locked,
        before={"status": Status.PENDING},
        after={**_snapshot(locked), "decided_as": locked.decided_as, "note": note},
    )
    return locked


@transaction.atomic
def platform_link_request_confirm(
    *, request: PlatformLinkRequest, actor, as_creator: bool, note: str = ""
) -> PlatformLinkRequest:
    """Link the platform's user to the account: its creator profile (made now if the account
    had none) gets the platform account, and the synced platform user points at it. Refused
    (nothing written) when the request is closed or expired, or the platform or the creator got
    another link meanwhile."""
    note = _clean_note(note)
    locked = _locked_for_decision(request, actor, as_creator)
    user = User.objects.select_for_update().get(pk=locked.user_id)
    creator = Creator.objects.filter(user=user).first()
    if (
        user.is_staff
        or user.is_superuser
        or user.role in STAFF_ROLES
        or (creator is None and user.role != Role.CREATOR)
    ):
        raise ApplicationError(
            "account_not_a_creator",
            "This account is no longer a creator account; it cannot be linked.",
            status_code=409,
        )
    if creator is None:
        creator = creator_create(
            email=user.email,
            display_name=locked.username or locked.external_id,
            actor=actor,
            user=user,
        )
    if creator.status == Creator.Status.CLOSED:
        raise ApplicationError(
            "creator_closed", "A closed creator cannot be linked to a platform.", status_code=409
        )
    if PlatformAccount.objects.filter(creator=creator, platform=locked.platform).exists():
        raise ApplicationError(
            "platform_account_exists",
            f"{creator} already has an account on {locked.platform.name}.",
            status_code=409,
        )
    platform_account_link(
        creator=creator,
        platform=locked.platform,
        external_id=locked.external_id,
        username=locked.username,
        actor=actor,
    )
    PlatformUser.objects.filter(
        platform=locked.platform, external_id=locked.external_id, creator__isnull=True
    ).update(creator=creator, user=user, updated_at=timezone.now())
    locked.creator = creator
    return _decided(locked, Status.CONFIRMED, actor, as_creator, note)


@transaction.atomic
def platform_link_request_reject(
    *, request: PlatformLinkRequest, actor, as_creator: bool, note: str = ""
) -> PlatformLinkRequest:
    """No link; the platform cannot ask again about this account for a while."""
    note = _clean_note(note)
    locked = _locked_for_decision(request, actor, as_creator)
    return _decided(locked, Status.REJECTED, actor, as_creator, note)
