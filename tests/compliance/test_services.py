"""The compliance services: every rule, each refusal writing nothing, the derived creator
fields, and the platforms told of a KYC level change."""

from __future__ import annotations

from datetime import date

import pytest

from apps.audit.models import AuditEvent
from apps.compliance.models import AgeVerification, KycVerification
from apps.compliance.rules import KYC_LIMITS_USD_MINOR, adult_on, kyc_limit_usd_minor
from apps.compliance.services import (
    age_verification_record,
    creator_compliance_derive,
    kyc_expire_due,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.core.exceptions import ApplicationError
from apps.outbound.models import OutboundEvent
from apps.payouts.selectors import eligibility
from tests.factories import record_2257_complete

pytestmark = pytest.mark.django_db


def _approved(creator, level, *, reviewer=None, expires_on=None, requested_by=None):
    verification = kyc_verification_request(
        creator=creator, level_requested=level, provider="verifymy", actor=requested_by
    )
    return kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=level,
        reason="documents match",
        reviewer=reviewer,
        expires_on=expires_on,
    )


def _record_age(creator, *, born, verified_on, expires_on, reviewer=None):
    return age_verification_record(
        creator=creator,
        method=AgeVerification.Method.ID_DOCUMENT,
        date_of_birth=born,
        verified_on=verified_on,
        expires_on=expires_on,
        reviewer=reviewer,
    )


def _nothing_written(creator):
    creator.refresh_from_db()
    assert not AgeVerification.objects.exists()
    assert creator.age_verified_until is None
    assert not AuditEvent.objects.filter(action__startswith="compliance.").exists()


# --- the limits table -------------------------------------------------------------------------


def test_one_kyc_limits_table_payouts_reads_it():
    assert KYC_LIMITS_USD_MINOR == {0: 10_000, 1: 100_000, 2: 1_000_000, 3: None}
    assert eligibility.KYC_LIMITS_USD_MINOR is KYC_LIMITS_USD_MINOR
    assert eligibility.kyc_limit_usd_minor is kyc_limit_usd_minor
    assert kyc_limit_usd_minor(7) == 0  # an unknown level is paid nothing


# --- KYC: request and decide ------------------------------------------------------------------


def test_approve_sets_the_derived_level_and_is_audited(creator, compliance_user):
    verification = kyc_verification_request(creator=creator, level_requested=2, provider="manual")
    assert verification.status == "pending" and verification.requested_by is None
    decided = kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=1,  # less than asked
        reason="  only a utility bill  ",
        reviewer=compliance_user,
    )
    assert (decided.status, decided.level_granted, decided.reviewer) == (
        "approved",
        1,
        compliance_user,
    )
    assert decided.decided_at is not None and decided.decision_reason == "only a utility bill"
    creator.refresh_from_db()
    assert creator.kyc_level == 1
    approved = AuditEvent.objects.get(action="compliance.kyc_approved")
    assert approved.actor == compliance_user and approved.after["reason"] == "only a utility bill"
    derived = AuditEvent.objects.get(action="creator.compliance_derived")
    assert derived.before == {"kyc_level": 0} and derived.after["kyc_level"] == 1


def test_reject_keeps_the_level(creator, compliance_user):
    verification = kyc_verification_request(creator=creator, level_requested=3, provider="verifymy")
    kyc_verification_decide(
        verification=verification, approve=False, reason="blurred ID", reviewer=compliance_user
    )
    verification.refresh_from_db()
    assert (verification.status, verification.level_granted) == ("rejected", None)
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert AuditEvent.objects.filter(action="compliance.kyc_rejected").count() == 1


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(creator, compliance_user, reason):
    verification = kyc_verification_request(creator=creator, level_requested=1, provider="manual")
    with pytest.raises(ApplicationError) as error:
        kyc_verification_decide(
            verification=verification,
            approve=True,
            level_granted=1,
            reason=reason,
            reviewer=compliance_user,
        )
    assert error.value.code == "reason_required"
    verification.refresh_from_db()
    creator.refresh_from_db()
    assert (verification.status, creator.kyc_level) == ("pending", 0)


def test_only_a_pending_verification_can_be_decided(creator, compliance_user):
    verification = _approved(creator, 2, reviewer=compliance_user)
    for approve in (True, False):
        with pytest.raises(ApplicationError) as error:
            kyc_verification_decide(
                verification=verification,
                approve=approve,
                level_granted=3,
                reason="again",
                reviewer=compliance_user,
            )
        assert error.value.code == "not_pending" and error.value.status_code == 409
    verification.refresh_from_db()
    assert (verification.status, verification.level_granted) == ("approved", 2)


def test_the_requester_cannot_decide_their_own_request(creator, compliance_user, super_admin):
    verification = kyc_verification_request(
        creator=creator, level_requested=2, provider="manual", actor=compliance_user
    )
    assert verification.requested_by == compliance_user
    with pytest.raises(ApplicationError) as error:
        kyc_verification_decide(
            verification=verification,
            approve=True,
            level_granted=2,
            reason="mine",
            reviewer=compliance_user,
        )
    assert error.value.code == "own_request"
    verification.refresh_from_db()
    assert verification.status == "pending"
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=2,
        reason="four eyes",
        reviewer=super_admin,
    )
    creator.refresh_from_db()
    assert creator.kyc_level == 2


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"level_granted": 4}, "invalid_kyc_level"),
        ({"level_granted": None}, "invalid_kyc_level"),
        ({"level_granted": True}, "invalid_kyc_level"),
        ({"expires_on": date(2026, 6, 15)}, "expiry_in_past"),  # today is not in the future
        ({"expires_on": date(2026, 1, 1)}, "expiry_in_past"),
    ],
)
def test_approval_refusals_change_nothing(creator, compliance_user, changes, code):
    verification = kyc_verification_request(creator=creator, level_requested=1, provider="manual")
    with pytest.raises(ApplicationError) as error:
        kyc_verification_decide(
            verification=verification,
            approve=True,
            reason="ok",
            reviewer=compliance_user,
            **{"level_granted": 1, **changes},
        )
    assert error.value.code == code
    verification.refresh_from_db()
    assert verification.status == "pending"
    assert not AuditEvent.objects.filter(action="compliance.kyc_approved").exists()


def test_request_refusals(creator):
    with pytest.raises(ApplicationError) as error:
        kyc_verification_request(creator=creator, level_requested=4, provider="manual")
    assert error.value.code == "invalid_kyc_level"
    with pytest.raises(ApplicationError) as error:
        kyc_verification_request(creator=creator, level_requested=1, provider="nobody")
    assert error.value.code == "unknown_provider"
    assert not KycVerification.objects.exists()


def test_the_level_is_the_highest_of_approved_unexpired(creator, compliance_user):
    _approved(creator, 1, reviewer=compliance_user)
    _approved(creator, 3, reviewer=compliance_user, expires_on=date(2026, 7, 1))
    _approved(creator, 2, reviewer=compliance_user)
    creator.refresh_from_db()
    assert creator.kyc_level == 3


def test_expiry_drops_the_level_and_a_second_run_changes_nothing(
    creator, compliance_user, time_machine
):
    _approved(creator, 1, reviewer=compliance_user)
    level_three = _approved(creator, 3, reviewer=compliance_user, expires_on=date(2026, 6, 30))
    assert kyc_expire_due(today=date(2026, 6, 30)) == 0  # valid through its expiry date
    time_machine.move_to("2026-07-01 00:30Z", tick=False)
    assert kyc_expire_due() == 1
    level_three.refresh_from_db()
    assert level_three.status == "expired" and level_three.expired_at is not None
    creator.refresh_from_db()
    assert creator.kyc_level == 1
    events = AuditEvent.objects.count()
    assert kyc_expire_due() == 0
    assert AuditEvent.objects.count() == events


def test_expiry_of_the_only_verification_goes_back_to_level_zero(creator, compliance_user):
    _approved(creator, 2, reviewer=compliance_user, expires_on=date(2026, 6, 20))
    assert kyc_expire_due(today=date(2026, 6, 21)) == 1
    creator.refresh_from_db()
    assert creator.kyc_level == 0


def test_a_level_change_is_told_to_the_creators_platforms(creator, compliance_user):
    _approved(creator, 2, reviewer=compliance_user)
    events = OutboundEvent.objects.filter(event_type="creator.kyc_changed").order_by(
        "platform__slug"
    )
    assert [(e.platform.slug, e.data) for e in events] == [
        ("boyfanz", {"creatorId": f"boyfanz-{creator.pk}", "kycLevel": 2, "previousKycLevel": 0}),
        (
            "girlfanz",
            {"creatorId": f"girlfanz-{creator.pk}", "kycLevel": 2, "previousKycLevel": 0},
        ),
    ]
    # the same level again tells nothing; an age verification tells nothing either
    _approved(creator, 2, reviewer=compliance_user)
    _record_age(
        creator, born=date(1990, 1, 1), verified_on=date(2026, 6, 1), expires_on=date(2027, 6, 1)
    )
    assert OutboundEvent.objects.filter(event_type="creator.kyc_changed").count() == 2


def test_derive_is_idempotent(creator, compliance_user):
    _approved(creator, 1, reviewer=compliance_user)
    events = AuditEvent.objects.count()
    creator_compliance_derive(creator=creator)
    assert AuditEvent.objects.count() == events


# --- age verification ---------------------------------------------------------------------------


def test_age_verification_sets_the_derived_date(creator, compliance_user):
    verification = _record_age(
        creator,
        born=date(1995, 3, 9),
        verified_on=date(2026, 6, 10),
        expires_on=date(2027, 6, 10),
        reviewer=compliance_user,
    )
    assert verification.reviewer == compliance_user
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2027, 6, 10)
    event = AuditEvent.objects.get(action="compliance.age_verified")
    assert event.actor == compliance_user
    assert "date_of_birth" not in event.after  # personal data stays out of the log


def test_the_latest_expiry_wins(creator):
    _record_age(
        creator, born=date(1990, 1, 1), verified_on=date(2026, 6, 1), expires_on=date(2028, 1, 1)
    )
    _record_age(
        creator, born=date(1990, 1, 1), verified_on=date(2026, 6, 14), expires_on=date(2027, 1, 1)
    )
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2028, 1, 1)
    assert AgeVerification.objects.filter(creator=creator).count() == 2  # history kept


def test_under_18_is_refused_and_nothing_is_written(creator):
    with pytest.raises(ApplicationError) as error:
        _record_age(
            creator,
            born=date(2008, 6, 16),  # 18 tomorrow
            verified_on=date(2026, 6, 15),
            expires_on=date(2027, 6, 15),
        )
    assert error.value.code == "under_age" and error.value.status_code == 422
    assert "2026-06-16" in error.value.detail
    _nothing_written(creator)


def test_the_18th_birthday_itself_is_allowed(creator):
    _record_age(
        creator, born=date(2008, 6, 15), verified_on=date(2026, 6, 15), expires_on=date(2027, 6, 15)
    )
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2027, 6, 15)


def test_leap_day_birthday_turns_18_on_the_first_of_march(creator, time_machine):
    born = date(2008, 2, 29)
    assert adult_on(born) == date(2026, 3, 1)  # 2026 has no 29 February
    assert adult_on(date(2006, 2, 29 - 1)) == date(2024, 2, 28)
    assert adult_on(date(2004, 2, 29)) == date(2022, 3, 1)
    time_machine.move_to("2026-03-01 12:00Z", tick=False)
    with pytest.raises(ApplicationError) as error:
        _record_age(creator, born=born, verified_on=date(2026, 2, 28), expires_on=date(2027, 2, 28))
    assert error.value.code == "under_age"
    _nothing_written(creator)
    _record_age(creator, born=born, verified_on=date(2026, 3, 1), expires_on=date(2027, 3, 1))
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("dates", "code"),
    [
        ({"expires_on": date(2026, 6, 1)}, "expiry_before_verification"),
        ({"expires_on": date(2026, 6, 10)}, "expiry_before_verification"),  # same day
        (
            {"verified_on": date(2025, 1, 1), "expires_on": date(2026, 6, 14)},
            "expiry_in_past",
        ),
        ({"verified_on": date(2026, 6, 16)}, "verified_in_future"),
        ({"born": date(2026, 6, 10)}, "invalid_date_of_birth"),
    ],
)
def test_bad_dates_are_refused_and_nothing_is_written(creator, dates, code):
    values = {
        "born": date(1990, 1, 1),
        "verified_on": date(2026, 6, 10),
        "expires_on": date(2027, 6, 10),
        **dates,
    }
    with pytest.raises(ApplicationError) as error:
        _record_age(creator, **values)
    assert error.value.code == code
    _nothing_written(creator)


def test_unknown_method_and_a_datetime_are_refused(creator):
    from datetime import UTC, datetime

    with pytest.raises(ApplicationError) as error:
        age_verification_record(
            creator=creator,
            method="palm_reading",
            date_of_birth=date(1990, 1, 1),
            verified_on=date(2026, 6, 10),
            expires_on=date(2027, 6, 10),
            reviewer=None,
        )
    assert error.value.code == "invalid_method"
    with pytest.raises(ApplicationError) as error:
        _record_age(
            creator,
            born=datetime(1990, 1, 1, tzinfo=UTC),
            verified_on=date(2026, 6, 10),
            expires_on=date(2027, 6, 10),
        )
    assert error.value.code == "invalid_date"
    _nothing_written(creator)


def test_history_records_a_past_verification_that_expired(creator):
    age_verification_record(
        creator=creator,
        method="provider",
        date_of_birth=date(1990, 1, 1),
        verified_on=date(2024, 1, 1),
        expires_on=date(2025, 1, 1),
        reviewer=None,
        history=True,
    )
    creator.refresh_from_db()
    assert creator.age_verified_until == date(2025, 1, 1)
    assert not creator.age_verified


def test_the_database_refuses_an_expiry_before_the_verification(creator):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AgeVerification.objects.create(
            creator=creator,
            method="provider",
            date_of_birth=date(1990, 1, 1),
            verified_on=date(2026, 6, 1),
            expires_on=date(2026, 5, 1),
        )


def test_the_database_refuses_an_approval_without_a_level(creator):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from apps.compliance.models import KycProvider

    with pytest.raises(IntegrityError), transaction.atomic():
        KycVerification.objects.create(
            creator=creator,
            provider=KycProvider.objects.get(slug="manual"),
            level_requested=1,
            status="approved",
            decided_at=timezone.now(),
            decision_reason="x",
        )


def test_providers_are_seeded():
    from apps.compliance.models import KycProvider

    assert set(KycProvider.objects.values_list("slug", flat=True)) >= {"verifymy", "manual"}


def test_an_expired_age_verification_stops_payouts(creator):
    _record_age(
        creator, born=date(1990, 1, 1), verified_on=date(2026, 6, 1), expires_on=date(2026, 6, 20)
    )
    from apps.compliance.selectors import creator_compliance_status

    creator.refresh_from_db()
    record_2257_complete(creator)
    assert creator_compliance_status(creator).can_be_paid
    later = creator_compliance_status(creator, today=date(2026, 6, 21))
    assert not later.can_be_paid and not later.can_publish
    assert [r["code"] for r in later.reasons] == ["age_verification_expired"]
