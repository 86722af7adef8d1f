"""KYC level and age verification are read-only in the creators admin (derived by
compliance); compliance records are read-only history in the admin; the demo derives its
levels from approved verifications."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from apps.compliance.models import AgeVerification, KycVerification
from apps.compliance.services import kyc_verification_request
from apps.outbound.models import OutboundEvent

pytestmark = pytest.mark.django_db


def test_creator_admin_shows_kyc_and_age_read_only(client_for, super_admin, creator):
    html = (
        client_for(super_admin)
        .get(reverse("admin:creators_creator_change", args=[creator.pk]))
        .content.decode()
    )
    assert 'name="kyc_level"' not in html and 'name="age_verified_until"' not in html
    assert f"/compliance/creators/{creator.pk}/" in html
    add = client_for(super_admin).get(reverse("admin:creators_creator_add")).content.decode()
    assert 'name="kyc_level"' not in add and 'name="age_verified_until"' not in add


def test_compliance_records_are_read_only_in_the_admin(client_for, super_admin, creator):
    verification = kyc_verification_request(creator=creator, level_requested=1, provider="manual")
    client = client_for(super_admin)
    assert client.get(reverse("admin:compliance_kycverification_changelist")).status_code == 200
    assert client.get(reverse("admin:compliance_kycverification_add")).status_code == 403
    change = client.get(reverse("admin:compliance_kycverification_change", args=[verification.pk]))
    assert change.status_code == 200 and 'name="status"' not in change.content.decode()
    delete = client.post(
        reverse("admin:compliance_kycverification_delete", args=[verification.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert KycVerification.objects.filter(pk=verification.pk).exists()


def test_the_demo_derives_levels_from_approved_verifications(settings):
    from django.core.management import call_command

    from apps.creators.models import Creator

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    creators = list(Creator.objects.all())
    assert creators
    for creator in creators:
        approved = KycVerification.objects.filter(creator=creator, status="approved")
        best = max((v.level_granted for v in approved), default=0)
        assert creator.kyc_level == best
        latest = max(a.expires_on for a in AgeVerification.objects.filter(creator=creator))
        assert creator.age_verified_until == latest
    casey = Creator.objects.get(user__email="creator@fanzdash.local")
    assert casey.kyc_level == 2
    # Recorded before the creators were linked to platforms: no platform is told.
    assert not OutboundEvent.objects.filter(event_type="creator.kyc_changed").exists()
