"""The personal data of the integrations app (registered in ``IntegrationsConfig.ready()``;
see ``apps.core.personal_data``): users the platforms synced (username, email), requests to
link a platform user to an account (email, username), and webhook events whose payload and
raw body name the subject.

Erasure: synced users and link requests get the pseudonym's username and email (the platform
user id stays: it is the platform's key, not a name). In webhook events the subject's emails
and names are replaced inside ``payload``, ``raw_body``, ``result`` and ``error_detail``;
amounts, currencies, dates, transaction and creator ids stay, so the ledger entries they made
still match them.

The raw body was kept as it arrived so that its HMAC signature could be checked and shown;
the check happened at receipt and its outcome is recorded (``verification``, the signature
scheme). After an erasure the body no longer matches its signature: we chose erasure over
keeping a verifiable copy of someone's name, and a replay of a stored event processes its
stored payload, never re-verifies the body."""

from __future__ import annotations

from django.db.models import Q

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import EarningsReport, PlatformLinkRequest, PlatformUser, WebhookEvent


def _platform_user_q(subject: Subject, *, platform="platform_id", external="external_id") -> Q:
    query = Q(pk__in=[])
    for platform_id, external_id in subject.platform_users:
        query |= Q(**{platform: platform_id, external: external_id})
    return query


def _email_q(subject: Subject, name: str = "email") -> Q:
    query = Q(pk__in=[])
    for email in subject.emails:
        query |= Q(**{f"{name}__iexact": email})
    return query


def _platform_users(subject: Subject):
    return PlatformUser.objects.filter(
        _platform_user_q(subject)
        | _email_q(subject)
        | Q(user_id__in=subject.user_ids)
        | Q(creator_id__in=subject.creator_ids)
    )


def _link_requests(subject: Subject):
    return PlatformLinkRequest.objects.filter(
        _platform_user_q(subject)
        | _email_q(subject)
        | Q(user_id__in=subject.user_ids)
        | Q(creator_id__in=subject.creator_ids)
    )


def _events(subject: Subject):
    query = Q(pk__in=[])
    for platform_id, external_id in subject.platform_users:
        query |= Q(platform_id=platform_id, creator_external_id=external_id)
    return WebhookEvent.objects.filter(query)


def identify(subject: Subject) -> None:
    found = False
    for user in _platform_users(subject):
        found = True
        subject.platform_users.add((user.platform_id, user.external_id))
        subject.add_emails([user.email])
        subject.add_names([user.username])
        if user.user_id:
            subject.user_ids.add(user.user_id)
        if user.creator_id:
            subject.creator_ids.add(user.creator_id)
    for link in _link_requests(subject):
        found = True
        subject.platform_users.add((link.platform_id, link.external_id))
        subject.add_emails([link.email])
        subject.add_names([link.username])
        subject.user_ids.add(link.user_id)
    if found:
        subject.found_by.add("integrations")


def export(subject: Subject) -> dict[str, list[dict]]:
    return {
        "platform_users": rows(
            _platform_users(subject),
            [
                "platform__slug",
                "external_id",
                "username",
                "email",
                "role",
                "status",
                "created_at",
                "updated_at",
            ],
        ),
        "platform_link_requests": rows(
            _link_requests(subject),
            [
                "platform__slug",
                "external_id",
                "username",
                "email",
                "status",
                "requested_at",
                "decided_at",
                "note",
            ],
        ),
        "webhook_events": rows(
            _events(subject).order_by("-received_at"),
            ["source", "event_id", "event_type", "occurred_at", "received_at", "payload"],
        ),
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    users = 0
    for user in _platform_users(subject):
        email = pseudonym.email if user.email else ""
        username = pseudonym.username if user.username else ""
        if (user.email, user.username) != (email, username):
            PlatformUser.objects.filter(pk=user.pk).update(email=email, username=username)
            users += 1
    links = 0
    for link in _link_requests(subject):
        username = pseudonym.username if link.username else ""
        if (link.email, link.username) != (pseudonym.email, username):
            PlatformLinkRequest.objects.filter(pk=link.pk).update(
                email=pseudonym.email, username=username
            )
            links += 1
    return {
        "platform_users": users,
        "platform_link_requests": links
        + pseudonymise_rows(PlatformLinkRequest.objects.all(), ["note"], subject, pseudonym),
        "webhook_events": pseudonymise_rows(
            WebhookEvent.objects.all(),
            ["payload", "raw_body", "result", "error_detail"],
            subject,
            pseudonym,
        ),
        "earnings_reports": pseudonymise_rows(
            EarningsReport.objects.all(), ["resolution_note"], subject, pseudonym
        ),
    }


def register_personal_data() -> None:
    register(
        "integrations",
        describe="Users the platforms synced (username, email), platform link requests, and "
        "webhook events naming the subject (payload and raw body).",
        models=[
            "integrations.PlatformUser",
            "integrations.PlatformLinkRequest",
            "integrations.WebhookEvent",
            "integrations.EarningsReport",
        ],
        identify=identify,
        export=export,
        erase=erase,
    )
