from __future__ import annotations

import factory
import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.accounts.services import _apply_role

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password(PASSWORD)


def make_user(role: str = Role.CREATOR, *, with_totp: bool | None = None, **fields) -> User:
    """A user holding ``role`` with a verified email; staff get TOTP enrolled by default and
    ``user.totp`` (a pyotp.TOTP) to compute codes."""
    user = UserFactory(**fields)
    _apply_role(user, role)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    user.totp = None
    if with_totp is None:
        with_totp = role in STAFF_ROLES
    if with_totp:
        secret = pyotp.random_base32()
        TOTP.activate(user, secret)
        user.totp = pyotp.TOTP(secret)
    return user


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
