"""Creators that had a KYC level or an age verification date before the compliance records
existed keep them: each gets a record they derive from (an approved KYC verification through
the inactive ``legacy`` provider; an age verification of method ``legacy``, without a date of
birth), so the next derivation does not drop their level or date. Audited; idempotent."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

REASON = "Level set on the creator before compliance records existed (backfilled)."
NOTE = "Age verification date set on the creator before compliance records existed."


def backfill(apps, schema_editor):
    Creator = apps.get_model("creators", "Creator")
    KycProvider = apps.get_model("compliance", "KycProvider")
    KycVerification = apps.get_model("compliance", "KycVerification")
    AgeVerification = apps.get_model("compliance", "AgeVerification")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    now = timezone.now()
    legacy, _ = KycProvider.objects.get_or_create(
        slug="legacy", defaults={"name": "Set before compliance records", "is_active": False}
    )
    with_kyc = KycVerification.objects.values("creator_id")
    for creator in Creator.objects.filter(kyc_level__gt=0).exclude(pk__in=with_kyc).iterator():
        verification = KycVerification.objects.create(
            creator=creator,
            provider=legacy,
            level_requested=creator.kyc_level,
            level_granted=creator.kyc_level,
            status="approved",
            requested_at=creator.created_at or now,
            decided_at=now,
            decision_reason=REASON,
        )
        AuditEvent.objects.create(
            action="compliance.kyc_backfilled",
            target_type="creators.creator",
            target_id=str(creator.pk),
            target_repr=creator.display_name[:255],
            after={"verification": verification.pk, "level_granted": creator.kyc_level},
        )
    with_age = AgeVerification.objects.values("creator_id")
    for creator in (
        Creator.objects.filter(age_verified_until__isnull=False).exclude(pk__in=with_age).iterator()
    ):
        until = creator.age_verified_until
        joined = (creator.created_at or now).date()
        verification = AgeVerification.objects.create(
            creator=creator,
            method="legacy",
            date_of_birth=None,
            verified_on=min(joined, until - timedelta(days=1)),
            expires_on=until,
            note=NOTE,
            created_at=now,
        )
        AuditEvent.objects.create(
            action="compliance.age_backfilled",
            target_type="creators.creator",
            target_id=str(creator.pk),
            target_repr=creator.display_name[:255],
            after={"age_verification": verification.pk, "expires_on": until.isoformat()},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_legacy_method"),
        ("creators", "0003_payouthold"),
        ("audit", "0002_securityevent"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
