from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from apps.audit.services import audit_record
from apps.core.exceptions import ApplicationError

from .models import User
from .roles import STAFF_ROLES, Role


def _role_snapshot(user: User) -> dict:
    return {
        "role": user.role,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "is_active": user.is_active,
    }


def _apply_role(user: User, role: str) -> None:
    user.role = role
    user.is_staff = role in STAFF_ROLES
    user.is_superuser = role == Role.SUPER_ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    role_names = [str(r) for r in Role]
    user.groups.remove(*Group.objects.filter(name__in=role_names).exclude(name=role))
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])


def _ensure_not_last_super_admin(user: User) -> None:
    if user.role != Role.SUPER_ADMIN or not user.is_active:
        return
    others = User.objects.filter(role=Role.SUPER_ADMIN, is_active=True).exclude(pk=user.pk)
    if not others.select_for_update().exists():
        raise ApplicationError(
            "last_super_admin", "The network must keep at least one active super admin."
        )


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    actor: User | None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email_verified: bool = False,
) -> User:
    """Create a user with one role. Without a password the user sets one via the reset link."""
    if role not in Role.values:
        raise ApplicationError("unknown_role", f"Unknown role {role!r}.")
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("email_taken", "A user with this email address already exists.")
    user = User.objects.create_user(
        email=email, password=password, first_name=first_name, last_name=last_name
    )
    _apply_role(user, role)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    audit_record(actor=actor, action="user.created", target=user, after=_role_snapshot(user))
    return user


@transaction.atomic
def user_role_set(*, user: User, role: str, actor: User | None) -> User:
    """Give a user exactly one role (its group, staff and superuser flags follow)."""
    if role not in Role.values:
        raise ApplicationError("unknown_role", f"Unknown role {role!r}.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == role:
        return user
    if role != Role.SUPER_ADMIN:
        _ensure_not_last_super_admin(user)
    before = _role_snapshot(user)
    _apply_role(user, role)
    audit_record(
        actor=actor,
        action="user.role_changed",
        target=user,
        before=before,
        after=_role_snapshot(user),
    )
    return user


@transaction.atomic
def user_active_set(*, user: User, active: bool, actor: User | None) -> User:
    """Deactivate (no login, sessions refused) or reactivate a user. Users are never deleted:
    the audit log and the ledger refer to them."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    if not active:
        if actor is not None and actor.pk == user.pk:
            raise ApplicationError("cannot_deactivate_self", "You cannot deactivate yourself.")
        _ensure_not_last_super_admin(user)
    before = _role_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.activated" if active else "user.deactivated",
        target=user,
        before=before,
        after=_role_snapshot(user),
    )
    return user
