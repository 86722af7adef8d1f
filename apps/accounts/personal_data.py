"""The personal data of the accounts app (registered in ``AccountsConfig.ready()``; see
``apps.core.personal_data``): the user's email and names, allauth's email addresses, second
factors (MFA), sessions, and the Django admin's log lines that name the subject.

Erasure: the email becomes ``erased-<n>@invalid``, the names are blanked, the password made
unusable and the account deactivated (an erased person cannot sign in); email addresses,
second factors and sessions are deleted. The user row stays: the ledger and the audit log
refer to it by id."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db.models import Q

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import User


def _user_sessions(user_ids: set[int]) -> list[Session]:
    wanted = {str(pk) for pk in user_ids}
    found = []
    for session in Session.objects.iterator(chunk_size=1000):
        data = session.get_decoded()  # {} when it cannot be decoded
        if str(data.get("_auth_user_id", "")) in wanted:
            found.append(session)
    return found


def identify(subject: Subject) -> None:
    emails = subject.emails
    query = Q(pk__in=subject.user_ids)
    if emails:
        email_q = Q()
        for email in emails:
            email_q |= Q(email__iexact=email)
        query |= email_q
        address_q = Q()
        for email in emails:
            address_q |= Q(email__iexact=email)
        query |= Q(pk__in=EmailAddress.objects.filter(address_q).values("user_id"))
    users = list(User.objects.filter(query).only("pk", "email", "first_name", "last_name"))
    if users:
        subject.found_by.add("accounts")
    for user in users:
        subject.user_ids.add(user.pk)
        subject.add_emails([user.email])
        # The full name and the surname; a first name alone is too common to search for in
        # other rows' text (it would touch other people's records).
        subject.add_names([user.get_full_name(), user.last_name])
    subject.add_emails(
        EmailAddress.objects.filter(user_id__in=subject.user_ids).values_list("email", flat=True)
    )


def export(subject: Subject) -> dict[str, list[dict]]:
    users = User.objects.filter(pk__in=subject.user_ids)
    return {
        "users": rows(
            users,
            [
                "id",
                "email",
                "first_name",
                "last_name",
                "role",
                "is_active",
                "date_joined",
                "last_login",
            ],
        ),
        "email_addresses": rows(
            EmailAddress.objects.filter(user_id__in=subject.user_ids),
            ["user_id", "email", "verified", "primary"],
        ),
        "second_factors": rows(
            Authenticator.objects.filter(user_id__in=subject.user_ids),
            ["user_id", "type", "created_at", "last_used_at"],
        ),
        "sessions": [
            {"expires": session.expire_date.isoformat()}
            for session in _user_sessions(subject.user_ids)
        ],
        "admin_log": rows(
            LogEntry.objects.filter(user_id__in=subject.user_ids),
            ["action_time", "object_repr", "change_message"],
        ),
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    changed_users = 0
    for index, user in enumerate(User.objects.filter(pk__in=subject.user_ids).order_by("pk")):
        email = pseudonym.email_for(index)
        if (user.email, user.first_name, user.last_name, user.is_active) != (
            email,
            "",
            "",
            False,
        ) or user.has_usable_password():
            user.email, user.first_name, user.last_name, user.is_active = email, "", "", False
            user.set_unusable_password()
            user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])
            changed_users += 1
    addresses, _ = EmailAddress.objects.filter(user_id__in=subject.user_ids).delete()
    factors, _ = Authenticator.objects.filter(user_id__in=subject.user_ids).delete()
    sessions = 0
    for session in _user_sessions(subject.user_ids):
        session.delete()
        sessions += 1
    return {
        "users": changed_users,
        "email_addresses": addresses,
        "second_factors": factors,
        "sessions": sessions,
        "admin_log": pseudonymise_rows(
            LogEntry.objects.all(), ["object_repr", "change_message"], subject, pseudonym
        ),
    }


def register_personal_data() -> None:
    register(
        "accounts",
        describe="Sign-in accounts: email address, first and last name, verified email "
        "addresses, second factors (TOTP, recovery codes), sessions; admin log lines naming "
        "the subject.",
        models=[
            "accounts.User",
            "account.EmailAddress",
            "mfa.Authenticator",
            "sessions.Session",
            "admin.LogEntry",
        ],
        identify=identify,
        export=export,
        erase=erase,
    )
