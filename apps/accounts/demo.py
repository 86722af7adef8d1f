"""Demo users, one per role; staff come with TOTP enrolled so a tester can sign in at once."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import transaction

from .models import User
from .roles import STAFF_ROLES, Role
from .services import user_create

DEMO_USERS = [
    ("admin@fanzdash.local", Role.SUPER_ADMIN, "Ada", "Admin"),
    ("finance@fanzdash.local", Role.FINANCE, "Fiona", "Finance"),
    ("finance2@fanzdash.local", Role.FINANCE, "Frank", "Finance"),
    ("compliance@fanzdash.local", Role.COMPLIANCE, "Connie", "Compliance"),
    ("support@fanzdash.local", Role.SUPPORT, "Sam", "Support"),
    ("creator@fanzdash.local", Role.CREATOR, "Casey", "Creator"),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    totp_secret: str | None


def demo_password() -> str:
    return settings.DEMO_PASSWORD


@transaction.atomic
def seed_demo_users() -> list[DemoLogin]:
    """Create the demo users if missing (idempotent: existing users keep their password)."""
    logins = []
    for email, role, first, last in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(
                email=email,
                role=role,
                actor=None,
                password=demo_password(),
                first_name=first,
                last_name=last,
                email_verified=True,
            )
        else:
            # An existing demo user keeps whatever a tester changed (role, password).
            EmailAddress.objects.filter(user=user, email=email).update(verified=True)
        secret = None
        if role in STAFF_ROLES:
            totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if totp is None:
                secret = generate_totp_secret()
                TOTP.activate(user, secret)
            else:
                secret = decrypt(totp.data["secret"])
            if not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.RECOVERY_CODES
            ).exists():
                RecoveryCodes.activate(user)
        logins.append(DemoLogin(email=email, role=Role(role).label, totp_secret=secret))
    return logins
