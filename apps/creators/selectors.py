"""Reads of creators: the staff screens and what an API principal may read. (Their money is
the ledger's: ``apps.ledger.selectors``.)"""

from __future__ import annotations

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_event_list

from .models import Creator, PayoutHold, PlatformAccount


def creator_list() -> QuerySet[Creator]:
    """Creators with their user, currency and platform accounts (one prefetch), by name."""
    accounts = PlatformAccount.objects.select_related("platform").order_by("platform__name")
    return (
        Creator.objects.select_related("user", "default_currency")
        .prefetch_related(Prefetch("platform_accounts", queryset=accounts))
        .order_by("display_name", "id")
    )


def creator_get(pk: int) -> Creator:
    return get_object_or_404(
        Creator.objects.select_related("user", "default_currency").prefetch_related(
            Prefetch(
                "platform_accounts",
                queryset=PlatformAccount.objects.select_related("platform").order_by(
                    "platform__name"
                ),
            )
        ),
        pk=pk,
    )


def creator_audit_events(creator: Creator, *, limit: int = 20) -> list[AuditEvent]:
    return list(
        audit_event_list().filter(target_type="creators.creator", target_id=str(creator.pk))[:limit]
    )


# --- REST API v1 (/api/v1/creators/) ------------------------------------------------------
# Every creators queryset of the API starts from creator_queryset_for(principal): staff see
# every creator; a principal confined to one platform (a platform API key, which carries a
# ``platform`` attribute) sees only the creators who have an account on that platform, and
# only that platform's accounts and money.


def principal_platform(principal):
    """The platform a principal is confined to (a platform API key), or None for people."""
    return getattr(principal, "platform", None)


def creator_queryset_for(principal) -> QuerySet[Creator]:
    """The creators ``principal`` may read, ordered by display name then id, with their
    platform accounts prefetched (one query) — restricted to the principal's own platform when
    it is confined to one. Anyone else (no platform, no ``creators.view_creator``) sees none."""

    platform = principal_platform(principal)
    accounts = PlatformAccount.objects.select_related("platform").order_by("platform__name", "id")
    if platform is not None:
        accounts = accounts.filter(platform=platform)
        creators = Creator.objects.filter(
            Exists(PlatformAccount.objects.filter(creator=OuterRef("pk"), platform=platform))
        )
    elif getattr(principal, "is_authenticated", False) and principal.has_perm(
        "creators.view_creator"
    ):
        creators = Creator.objects.all()
    else:
        return Creator.objects.none()
    return creators.prefetch_related(Prefetch("platform_accounts", queryset=accounts)).order_by(
        "display_name", "id"
    )


def creator_get_for(principal, pk: int) -> Creator:
    """One creator ``principal`` may read, or Http404 (also when it exists but is not theirs,
    so a platform cannot probe for another platform's creators)."""
    return get_object_or_404(creator_queryset_for(principal), pk=pk)


def creator_open_payout_holds(creator: Creator, *, limit: int = 20) -> list:
    """The creator's holds still in force, newest first (one query)."""

    return list(
        PayoutHold.objects.filter(creator=creator, released_at__isnull=True)
        .select_related("platform", "placed_by")
        .order_by("-placed_at", "-id")[:limit]
    )
