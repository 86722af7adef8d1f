"""Migration 0004: creators whose KYC level or age date was set before the compliance records
existed keep them (records are backfilled), so the next derivation drops nothing."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps

from apps.audit.models import AuditEvent
from apps.compliance.models import AgeVerification, KycVerification
from apps.compliance.services import age_verification_record, creator_compliance_derive
from apps.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db

backfill = import_module("apps.compliance.migrations.0004_backfill_creator_fields").backfill


def test_backfilled_records_keep_the_creators_values(today, creator_factory):
    # Written straight to the rows, as before the compliance app existed.
    old = creator_factory(kyc_level=2, age_verified_until=date(2027, 1, 31))
    none = creator_factory(kyc_level=0)
    backfill(apps, None)
    backfill(apps, None)  # idempotent
    kyc = KycVerification.objects.get(creator=old)
    assert (kyc.status, kyc.level_granted, kyc.provider.slug) == ("approved", 2, "legacy")
    age = AgeVerification.objects.get(creator=old)
    assert (age.method, age.date_of_birth, age.expires_on) == ("legacy", None, date(2027, 1, 31))
    assert not KycVerification.objects.filter(creator=none).exists()
    assert AuditEvent.objects.filter(action="compliance.kyc_backfilled").count() == 1
    assert AuditEvent.objects.filter(action="compliance.age_backfilled").count() == 1
    creator_compliance_derive(creator=old)
    old.refresh_from_db()
    assert (old.kyc_level, old.age_verified_until) == (2, date(2027, 1, 31))


def test_nobody_records_a_legacy_age_verification(creator):
    with pytest.raises(ApplicationError) as error:
        age_verification_record(
            creator=creator,
            method="legacy",
            date_of_birth=date(1990, 1, 1),
            verified_on=date(2026, 6, 1),
            expires_on=date(2027, 6, 1),
            reviewer=None,
        )
    assert error.value.code == "invalid_method"
