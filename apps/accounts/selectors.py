from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Count, Exists, OuterRef, QuerySet

from .models import User


def user_list() -> QuerySet[User]:
    totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
    return User.objects.annotate(has_totp=Exists(totp)).order_by("email")


def user_counts_by_role() -> dict[str, int]:
    rows = User.objects.filter(is_active=True).values("role").annotate(n=Count("id"))
    return {row["role"] or "": row["n"] for row in rows}


def staff_without_mfa_count() -> int:
    """Active staff accounts that have not enrolled a second factor yet."""
    return user_list().filter(is_active=True, is_staff=True, has_totp=False).count()
