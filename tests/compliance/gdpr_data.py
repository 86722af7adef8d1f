"""A data subject with personal data in every app that holds some, and helpers to search the
whole database for it, snapshot it and put it back (a backup restore)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

import pgtrigger
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance.demo import demo_png
from apps.compliance.services import (
    age_verification_record,
    identity_document_review,
    identity_document_upload,
    kyc_verification_decide,
    kyc_verification_request,
    violation_open,
)
from apps.creators.models import PlatformAccount
from apps.creators.services import payout_hold_place
from apps.integrations.models import PlatformLinkRequest, PlatformUser, WebhookEvent
from apps.payouts.models import PayoutMethod, Processor
from apps.platforms.models import Platform

EMAIL = "zelda.q@example.test"
FULL_NAME = "Zelda Quartermain"
LEGAL_NAME = "Zelda Anne Quartermain"
USERNAME = "zeldaq"
FAN_EMAIL = "fanny.fan@example.test"
FAN_USERNAME = "fannyfan77"
TERMS = [EMAIL, FULL_NAME, LEGAL_NAME, USERNAME, "Quartermain"]


@dataclass
class RichSubject:
    creator: object
    user: object
    platform: object
    external_id: str
    method: PayoutMethod


def make_rich_subject(creator_factory, staff, earning) -> RichSubject:
    """A creator on boyfanz and girlfanz with earnings, a sealed payout method, KYC and age
    verifications, an identity document (rejected, its reason naming them), a violation, a
    payout hold, a synced platform user, a webhook event, a link request, audit events (by
    staff about them and by them), an admin log line and a session."""
    creator = creator_factory(
        platforms=("boyfanz", "girlfanz"),
        display_name=FULL_NAME,
        email=EMAIL,
        legal_name=LEGAL_NAME,
        country="DE",
    )
    user = creator.user
    user.first_name, user.last_name = "Zelda", "Quartermain"
    user.save(update_fields=["first_name", "last_name"])
    boyfanz = Platform.objects.get(slug="boyfanz")
    external_id = f"boyfanz-{creator.pk}"
    PlatformAccount.objects.filter(creator=creator).update(username=USERNAME)
    earning(creator, platform="boyfanz", gross="19.99")
    earning(creator, platform="girlfanz", gross="5.00")
    method = PayoutMethod(
        creator=creator,
        processor=Processor.objects.get(code="sepa"),
        currency_id="EUR",
        label=f"{FULL_NAME}'s bank",
        details_hint="IBAN DE89 …3000",
        status=PayoutMethod.Status.VERIFIED,
    )
    method.details_seal({"account_holder": FULL_NAME, "iban": "DE89370400440532013000"})
    method.save()
    age_verification_record(
        creator=creator,
        method="id_document",
        date_of_birth=date(1990, 5, 17),
        verified_on=timezone.localdate() - timedelta(days=10),
        expires_on=timezone.localdate() + timedelta(days=355),
        reviewer=staff,
        note=f"Passport of {FULL_NAME}",
    )
    document = identity_document_upload(
        creator=creator,
        actor=staff,
        document_type="passport",
        issuing_country="de",
        number="C01X00T47",
        expires_on=timezone.localdate() + timedelta(days=2000),
        files=[demo_png()],
    )
    identity_document_review(
        document=document, actor=staff, accept=False, reason=f"Blurred photo of {FULL_NAME}"
    )
    violation_open(
        kind="other",
        severity="low",
        summary=f"Complaint that {FULL_NAME} reposted a fan's photo",
        source="staff",
        creator=creator,
        actor=staff,
    )
    verification = kyc_verification_request(
        creator=creator, level_requested=2, provider="verifymy", provider_reference=USERNAME
    )
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=2,
        reason=f"Documents of {LEGAL_NAME} match",
        reviewer=staff,
    )
    payout_hold_place(
        creator=creator, source="staff", reason=f"{FULL_NAME} asked to pause", actor=staff
    )
    PlatformUser.objects.create(
        platform=boyfanz,
        external_id=external_id,
        username=USERNAME,
        email=EMAIL,
        role="creator",
        user=user,
        creator=creator,
    )
    payload = {
        "id": "evt_zelda_1",
        "event": "user_updated",
        "platform": "boyfanz",
        "data": {"userId": external_id, "email": EMAIL, "username": USERNAME, "amount": "1.00"},
    }
    WebhookEvent.objects.create(
        source="boyfanz",
        platform=boyfanz,
        event_id="evt_zelda_1",
        event_type="user_updated",
        creator_external_id=external_id,
        payload=payload,
        raw_body=json.dumps(payload),
        signature_scheme="fanz",
        state="processed",
        result={"note": f"updated {FULL_NAME}"},
    )
    PlatformLinkRequest.objects.create(
        platform=Platform.objects.get(slug="pupfanz"),
        external_id="pup-77",
        username=USERNAME,
        email=EMAIL,
        user=user,
        creator=creator,
        status="rejected",
        expires_at=timezone.now() + timedelta(days=7),
        note=f"{FULL_NAME} said no",
    )
    audit_record(
        actor=staff,
        action="creator.profile_updated",
        target=creator,
        before={"display_name": "Zed", "email": EMAIL},
        after={"display_name": FULL_NAME, "legal_name": LEGAL_NAME},
    )
    audit_record(
        actor=user, action="account.signed_in", ip="203.0.113.7", user_agent="Zelda's phone"
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(type(creator)),
        object_id=str(creator.pk),
        object_repr=FULL_NAME,
        action_flag=CHANGE,
        change_message=f"Changed the email to {EMAIL}",
    )
    Client().force_login(user)  # a session row
    return RichSubject(creator, user, boyfanz, external_id, method)


def make_bystander(creator_factory, earning):
    """Another creator whose data must survive the erasure untouched."""
    creator = creator_factory(
        platforms=("boyfanz",),
        display_name="Bystander Bob",
        email="bob.bystander@example.test",
        legal_name="Robert Bystander",
    )
    earning(creator, platform="boyfanz", gross="7.00")
    PlatformUser.objects.create(
        platform=Platform.objects.get(slug="boyfanz"),
        external_id="fan_77",
        username=FAN_USERNAME,
        email=FAN_EMAIL,
        role="fan",
    )
    return creator


def _searchable_fields(model) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
        and not field.primary_key
    ]


def find_everywhere(terms) -> list[str]:
    """Every (table, column, row id) of the whole database whose text or JSON contains one of
    ``terms`` (case-insensitive), searched through the ORM over every model."""
    hits = []
    for model in apps.get_models():
        fields = _searchable_fields(model)
        if not fields:
            continue
        for term in terms:
            for name in fields:
                for pk in model._base_manager.filter(**{f"{name}__icontains": term}).values_list(
                    "pk", flat=True
                )[:5]:
                    hits.append(f"{model._meta.label}.{name} #{pk}: {term}")
    return hits


def snapshot(models_: list) -> dict:
    return {model: list(model._base_manager.order_by("pk").values()) for model in models_}


def restore(saved: dict) -> None:
    """Put every saved row back as it was (a restore of a backup made before the erasure)."""
    with pgtrigger.ignore("audit.AuditEvent:audit_event_append_only"):
        for model, rows in saved.items():
            pk_name = model._meta.pk.attname
            for row in rows:
                data = {key: value for key, value in row.items() if key != pk_name}
                if model._base_manager.filter(pk=row[pk_name]).exists():
                    model._base_manager.filter(pk=row[pk_name]).update(**data)
                else:
                    model._base_manager.create(**{pk_name: row[pk_name]}, **data)


def everything() -> dict:
    """A snapshot of every table (to prove that a run changed nothing)."""
    return snapshot(list(apps.get_models()))
