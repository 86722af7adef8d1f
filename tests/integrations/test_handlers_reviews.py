"""The services behind fraud holds and the review screens: payout holds placed and released,
earnings reports resolved, security events acknowledged; each refusal writes nothing."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent, SecurityEvent
from apps.audit.services import security_event_record
from apps.core.exceptions import ApplicationError
from apps.creators.models import PayoutHold
from apps.creators.services import payout_hold_place, payout_hold_release
from apps.integrations.models import EarningsReport
from apps.integrations.services.reconciliation import earnings_report_record
from apps.integrations.services.reviews import earnings_report_resolve, security_event_acknowledge
from apps.platforms.models import Platform

pytestmark = pytest.mark.django_db


@pytest.fixture
def creator(creator_factory):
    return creator_factory(platforms=("boyfanz",))


def _refused(code, call, **kwargs):
    audits = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert caught.value.code == code
    assert AuditEvent.objects.count() == audits
    return caught.value


def test_hold_placed_once_per_reference_and_audited(creator, finance_user):
    hold = payout_hold_place(
        creator=creator,
        source=PayoutHold.Source.STAFF,
        reason="Check ID",
        actor=finance_user,
        reference="case:1",
    )
    assert hold.is_open and hold.placed_by == finance_user
    again = payout_hold_place(
        creator=creator, source=PayoutHold.Source.STAFF, reason="Check ID", reference="case:1"
    )
    assert again == hold and PayoutHold.objects.count() == 1
    assert AuditEvent.objects.filter(action="creator.payout_hold_placed").count() == 1


def test_hold_refusals(creator):
    _refused("invalid_hold_source", payout_hold_place, creator=creator, source="x", reason="r")
    _refused("reason_required", payout_hold_place, creator=creator, source="staff", reason="  ")
    assert not PayoutHold.objects.exists()


def test_hold_release(creator, compliance_user):
    hold = payout_hold_place(creator=creator, source=PayoutHold.Source.STAFF, reason="r")
    _refused("note_required", payout_hold_release, hold=hold, actor=compliance_user, note="")
    released = payout_hold_release(hold=hold, actor=compliance_user, note="Cleared")
    assert not released.is_open and released.release_note == "Cleared"
    error = _refused(
        "hold_already_released", payout_hold_release, hold=hold, actor=compliance_user, note="x"
    )
    assert error.status_code == 409


def test_earnings_report_resolve(creator, finance_user):
    platform = Platform.objects.get(slug="boyfanz")
    external = creator.platform_accounts.get().external_id
    mismatch = earnings_report_record(
        platform=platform, creator_external_id=external, figures={"total": 100}, currency="USD"
    )
    matched = earnings_report_record(
        platform=platform, creator_external_id=external, figures={"total": 0}, currency="USD"
    )
    _refused("note_required", earnings_report_resolve, report=mismatch, actor=finance_user, note="")
    _refused(
        "note_too_long",
        earnings_report_resolve,
        report=mismatch,
        actor=finance_user,
        note="x" * 2001,
    )
    _refused(
        "not_a_mismatch", earnings_report_resolve, report=matched, actor=finance_user, note="n"
    )
    resolved = earnings_report_resolve(report=mismatch, actor=finance_user, note="Checked")
    assert resolved.status == EarningsReport.Status.RESOLVED and resolved.resolved_at
    audit = AuditEvent.objects.get(action="integrations.earnings_report_resolved")
    assert audit.actor == finance_user and audit.after["note"] == "Checked"
    _refused(
        "not_a_mismatch", earnings_report_resolve, report=mismatch, actor=finance_user, note="n"
    )


def test_security_event_acknowledge(compliance_user):
    event = security_event_record(kind=SecurityEvent.Kind.SECURITY_ALERT, summary="alert")
    _refused(
        "note_required", security_event_acknowledge, event=event, actor=compliance_user, note=" "
    )
    done = security_event_acknowledge(event=event, actor=compliance_user, note="Known scanner")
    assert done.acknowledged_by == compliance_user and done.acknowledgement_note == "Known scanner"
    _refused(
        "already_acknowledged",
        security_event_acknowledge,
        event=event,
        actor=compliance_user,
        note="x",
    )
