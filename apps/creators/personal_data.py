"""The personal data of the creators app (registered in ``CreatorsConfig.ready()``; see
``apps.core.personal_data``): the creator profile (display and legal name, country), the
creator's accounts on platforms (username, external id) and the notes of payout holds.

Erasure: the display name becomes ``Erased subject #<n>``, the legal name and country are
blanked, platform usernames become ``erased-<n>``; the external ids stay (they are the
platforms' keys for money still arriving, not a name), and so do statuses, levels and dates."""

from __future__ import annotations

from django.db.models import Q

from apps.core.personal_data import Pseudonym, Subject, pseudonymise_rows, register, rows

from .models import Creator, PayoutHold, PlatformAccount


def identify(subject: Subject) -> None:
    query = Q(pk__in=subject.creator_ids) | Q(user_id__in=subject.user_ids)
    for platform_id, external_id in subject.platform_users:
        query |= Q(
            platform_accounts__platform_id=platform_id, platform_accounts__external_id=external_id
        )
    creators = list(Creator.objects.filter(query).distinct())
    if creators:
        subject.found_by.add("creators")
    for creator in creators:
        subject.creator_ids.add(creator.pk)
        subject.user_ids.add(creator.user_id)
        subject.add_names([creator.display_name, creator.legal_name])
    for account in PlatformAccount.objects.filter(creator_id__in=subject.creator_ids):
        subject.platform_users.add((account.platform_id, account.external_id))
        subject.add_names([account.username])


def export(subject: Subject) -> dict[str, list[dict]]:
    ids = subject.creator_ids
    return {
        "creators": rows(
            Creator.objects.filter(pk__in=ids),
            [
                "id",
                "display_name",
                "legal_name",
                "country",
                "status",
                "kyc_level",
                "age_verified_until",
                "default_currency_id",
                "created_at",
            ],
        ),
        "platform_accounts": rows(
            PlatformAccount.objects.filter(creator_id__in=ids),
            ["creator_id", "platform__slug", "external_id", "username", "created_at"],
        ),
        "payout_holds": rows(
            PayoutHold.objects.filter(creator_id__in=ids),
            ["creator_id", "source", "reason", "placed_at", "released_at", "release_note"],
        ),
    }


def erase(subject: Subject, pseudonym: Pseudonym) -> dict[str, int]:
    ids = subject.creator_ids
    creators = (
        Creator.objects.filter(pk__in=ids)
        .exclude(display_name=pseudonym.name, legal_name="", country="")
        .update(display_name=pseudonym.name, legal_name="", country="")
    )
    accounts = (
        PlatformAccount.objects.filter(creator_id__in=ids)
        .exclude(username__in=["", pseudonym.username])
        .update(username=pseudonym.username)
    )
    holds = pseudonymise_rows(
        PayoutHold.objects.all(), ["reason", "release_note"], subject, pseudonym
    )
    return {"creators": creators, "platform_accounts": accounts, "payout_holds": holds}


def register_personal_data() -> None:
    register(
        "creators",
        describe="Creator profiles (display name, legal name, country), their accounts on "
        "platforms (username, external id) and the notes of payout holds.",
        models=["creators.Creator", "creators.PlatformAccount", "creators.PayoutHold"],
        identify=identify,
        export=export,
        erase=erase,
    )
