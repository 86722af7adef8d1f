from __future__ import annotations

import itertools

import factory
import pyotp
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.accounts.services import _apply_role

PASSWORD = "correct-horse-battery-staple"
_creator_seq = itertools.count(1)


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


def make_creator(
    *,
    platforms=("boyfanz",),
    currency: str = "USD",
    kyc_level: int = 1,
    display_name: str | None = None,
    email: str | None = None,
    **fields,
):
    """A creator (with its creator-role user, verified email) on the given core platforms;
    the external id on each platform is ``<slug>-<creator pk>``.

    ``kyc_level`` and ``age_verified_until`` are test data written straight to the row (no
    audit, no signal): in the application they are derived from compliance records
    (apps.compliance); tests of that derivation create the records instead."""
    from apps.creators.models import Creator
    from apps.creators.services import creator_create, platform_account_link
    from apps.platforms.models import Platform

    age_verified_until = fields.pop("age_verified_until", None)
    seq = next(_creator_seq)
    creator = creator_create(
        email=email or f"creator{seq}@example.test",
        display_name=display_name or f"Creator {seq}",
        default_currency=currency,
        email_verified=True,
        **fields,
    )
    if kyc_level or age_verified_until is not None:
        Creator.objects.filter(pk=creator.pk).update(
            kyc_level=kyc_level, age_verified_until=age_verified_until
        )
        creator.kyc_level, creator.age_verified_until = kyc_level, age_verified_until
    for slug in platforms:
        platform = Platform.objects.get(slug=slug)
        platform_account_link(
            creator=creator, platform=platform, external_id=f"{slug}-{creator.pk}"
        )
    return creator


def post_earning(
    creator, *, platform="boyfanz", gross="19.99", currency="USD", days_ago=0, kind="tip", key=None
):
    """Record one earning through the ledger service; returns the PostResult."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.currencies import currency_exponent
    from apps.core.money import parse_amount
    from apps.ledger.services import earning_record
    from apps.platforms.models import Platform

    seq = next(_creator_seq)
    return earning_record(
        platform=Platform.objects.get(slug=platform),
        creator=creator,
        kind=kind,
        gross_minor=parse_amount(gross, currency_exponent(currency)),
        currency=currency,
        occurred_at=timezone.now() - timedelta(days=days_ago),
        transaction_id=key or f"tx-{seq}",
        idempotency_key=key or f"evt-{seq}",
    )


def record_2257_complete(creator, *, date_of_birth=None):
    """Give ``creator`` a complete 2257 record through the compliance services, as compliance
    staff would: the performer and version 1 (``performer_create``), a passport uploaded and
    accepted, then an amendment recording it examined today with content references. A
    creator who already has a record is left as they are. Returns the record."""
    from datetime import date, timedelta

    from django.utils import timezone

    from apps.compliance.demo import demo_png
    from apps.compliance.models import Performer
    from apps.compliance.services import (
        identity_document_review,
        identity_document_upload,
        performer_create,
        record_2257_amend,
    )

    existing = Performer.objects.filter(creator=creator).select_related("record_2257").first()
    if existing is not None:
        return existing.record_2257
    today = timezone.localdate()
    born = date_of_birth or date(1990, 1, 2)
    legal_name = creator.legal_name or creator.display_name
    performer = performer_create(
        creator=creator, legal_name=legal_name, date_of_birth=born, actor=None
    )
    document = identity_document_upload(
        creator=creator,
        document_type="passport",
        issuing_country="US",
        number=f"T{creator.pk:08d}",
        expires_on=today + timedelta(days=3 * 365),
        files=[demo_png()],
        actor=None,
    )
    identity_document_review(document=document, accept=True, reason="Test: checked", actor=None)
    record = performer.record_2257
    record_2257_amend(
        record=record,
        actor=None,
        reason="Test: ID examined",
        legal_name=legal_name,
        date_of_birth=born,
        names=[],
        id_document=document,
        id_examined_on=today,
        content_references=[f"boyfanz:post/{creator.pk}"],
    )
    record.refresh_from_db()
    return record
