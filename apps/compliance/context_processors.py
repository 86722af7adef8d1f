"""The banner on a creator's own pages: what compliance needs from them soon (an age
verification expiring within ``COMPLIANCE_EXPIRY_WARNING_DAYS`` days, or expired; their
identity document on file expiring within those days, or expired). One query, for signed-in
creators only; staff pages pay nothing."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from apps.compliance.models import IdentityDocument
from apps.creators.models import Creator

CREATOR_ROLE = "creator"


def _left(days: int) -> str:
    return "today is the last day" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"


def _age_notice(until: date | None, today: date, last_day: date) -> dict | None:
    if until is None:
        return None
    if until < today:
        return {
            "level": "danger",
            "text": f"Your age verification expired on {until:%Y-%m-%d}: payouts are stopped "
            "until a new one is recorded.",
        }
    if until <= last_day:
        return {
            "level": "warning",
            "text": f"Your age verification expires on {until:%Y-%m-%d} "
            f"({_left((until - today).days)}): renew it to keep being paid.",
        }
    return None


def _document_notice(covered: bool, latest: date | None, today: date) -> dict | None:
    """``covered``: an accepted document valid beyond the window (or without expiry) is on
    file, so nothing is needed; ``latest``: the latest expiry of the accepted documents."""
    if covered or latest is None:
        return None
    if latest < today:
        return {
            "level": "warning",
            "text": f"Your identity document on file expired on {latest:%Y-%m-%d}: upload a "
            "valid one.",
        }
    return {
        "level": "warning",
        "text": f"Your identity document on file expires on {latest:%Y-%m-%d} "
        f"({_left((latest - today).days)}): upload a new one before then.",
    }


def creator_compliance_notices(request) -> dict:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or getattr(user, "role", "") != CREATOR_ROLE
        or request.path.startswith("/api/")
    ):
        return {}
    today = timezone.localdate()
    last_day = today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS)
    accepted = IdentityDocument.objects.filter(
        creator_id=OuterRef("pk"),
        status=IdentityDocument.Status.ACCEPTED,
        destroyed_at__isnull=True,
    )
    row = (
        Creator.objects.filter(user=user)
        .exclude(status=Creator.Status.CLOSED)
        .annotate(
            document_covered=Exists(
                accepted.filter(Q(expires_on__isnull=True) | Q(expires_on__gt=last_day))
            ),
            document_latest=Subquery(
                accepted.order_by()
                .values("creator_id")
                .annotate(latest=Max("expires_on"))
                .values("latest")[:1]
            ),
        )
        .values_list("age_verified_until", "document_covered", "document_latest")
        .first()
    )
    if row is None:
        return {}
    until, covered, latest = row
    notices = [
        notice
        for notice in (
            _age_notice(until, today, last_day),
            _document_notice(covered, latest, today),
        )
        if notice is not None
    ]
    if notices:
        url = reverse("compliance:my_verification")
        for notice in notices:
            notice["url"] = url
    return {"compliance_notices": notices}
