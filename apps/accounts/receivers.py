"""Authentication events written to the audit log."""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import get_authentication_records, record_authentication
from allauth.account.signals import (
    email_confirmed,
    password_changed,
    password_reset,
    password_set,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from apps.audit.services import audit_record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.login", target=user)
    _count_fresh_password_login_as_reauthentication(request, user)


def _count_fresh_password_login_as_reauthentication(request, user) -> None:
    """A staff user without TOTP is sent straight to enrolment, which allauth guards with a
    reauthentication. The password was typed a moment ago, so record that as the
    reauthentication instead of asking for it twice in a row."""
    if request is None or not getattr(user, "requires_mfa", False):
        return
    if is_mfa_enabled(user, [Authenticator.Type.TOTP]):
        return
    records = get_authentication_records(request, user)
    latest = records[-1] if records else None
    if latest and latest.get("method") == "password" and time.time() - latest["at"] < 60:
        record_authentication(request, user, method="password", reauthenticated=True)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(actor=user, action="auth.logout", target=user)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django passes the credentials with the password already masked; keep only the login.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    user = get_user_model().objects.filter(email__iexact=attempted).first() if attempted else None
    audit_record(
        actor=None,
        action="auth.login_failed",
        target=user,
        target_type="accounts.user",
        after={"email": attempted},
    )


def _authenticator_event(action: str):
    def handler(sender, request=None, user=None, authenticator=None, **kwargs) -> None:
        audit_record(
            actor=user,
            action=action,
            target=user,
            after={"type": getattr(authenticator, "type", None)},
        )

    return handler


_mfa_added = receiver(authenticator_added)(_authenticator_event("mfa.authenticator_added"))
_mfa_removed = receiver(authenticator_removed)(_authenticator_event("mfa.authenticator_removed"))
_mfa_reset = receiver(authenticator_reset)(_authenticator_event("mfa.recovery_codes_reset"))
_mfa_failed = receiver(authentication_failed)(_authenticator_event("mfa.code_failed"))


@receiver(password_changed)
def _on_password_changed(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.password_changed", target=user)


@receiver(password_set)
def _on_password_set(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.password_set", target=user)


@receiver(password_reset)
def _on_password_reset(sender, request, user, **kwargs) -> None:
    audit_record(actor=user, action="auth.password_reset", target=user)


@receiver(email_confirmed)
def _on_email_confirmed(sender, request, email_address, **kwargs) -> None:
    audit_record(
        actor=email_address.user,
        action="auth.email_confirmed",
        target=email_address.user,
        after={"email": email_address.email},
    )
