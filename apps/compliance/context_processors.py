"""The banner on a creator's own pages: what compliance needs from them soon (an age
verification expiring within ``COMPLIANCE_EXPIRY_WARNING_DAYS`` days, or expired). One
query, for signed-in creators only; staff pages pay nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.creators.models import Creator

CREATOR_ROLE = "creator"


def creator_compliance_notices(request) -> dict:
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or getattr(user, "role", "") != CREATOR_ROLE
        or request.path.startswith("/api/")
    ):
        return {}
    row = (
        Creator.objects.filter(user=user)
        .exclude(status=Creator.Status.CLOSED)
        .values_list("age_verified_until", flat=True)
        .first()
    )
    if row is None:
        return {}
    today = timezone.localdate()
    notices = []
    if row < today:
        notices.append(
            {
                "level": "danger",
                "text": f"Your age verification expired on {row:%Y-%m-%d}: payouts are stopped "
                "until a new one is recorded.",
            }
        )
    elif row <= today + timedelta(days=settings.COMPLIANCE_EXPIRY_WARNING_DAYS):
        days = (row - today).days
        left = (
            "today is the last day" if days == 0 else f"{days} day{'s' if days != 1 else ''} left"
        )
        notices.append(
            {
                "level": "warning",
                "text": f"Your age verification expires on {row:%Y-%m-%d} ({left}): renew it "
                "to keep being paid.",
            }
        )
    return {"compliance_notices": notices}
