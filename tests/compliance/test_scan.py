"""The daily compliance scan: expiry warnings (15 days ahead, not 16; once per expiry date;
leap day and month ends), KYC expiry drops the derived level, the rules open violations
(never twice), and the rule registry (a rule not installed is reported)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from apps.compliance.models import ComplianceNotice, KycVerification, Violation
from apps.compliance.scan import (
    INCOMPLETE_2257,
    ScanFinding,
    ScanRule,
    scan_rule_register,
    scan_rule_unregister,
)
from apps.compliance.services import (
    age_expiry_warnings_send,
    age_verification_record,
    compliance_scan,
    kyc_verification_decide,
    kyc_verification_request,
)
from apps.creators.models import Creator

pytestmark = pytest.mark.django_db


def at(time_machine, day: date) -> date:
    time_machine.move_to(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC), tick=False)
    return day


def until(creator_factory, expires: date, **fields):
    # Level 0: the factory writes a level without a verification, which the scan would derive
    # again (and with it the age date, from no age verification record).
    fields.setdefault("kyc_level", 0)
    return creator_factory(platforms=("boyfanz",), age_verified_until=expires, **fields)


# --- (a) expiry warnings -------------------------------------------------------------------


def test_warned_at_15_days_not_16(creator_factory, time_machine):
    expires = date(2026, 7, 1)
    creator = until(creator_factory, expires)
    at(time_machine, expires - timedelta(days=16))
    assert age_expiry_warnings_send() == 0
    assert mail.outbox == []
    at(time_machine, expires - timedelta(days=15))
    assert age_expiry_warnings_send() == 1
    (message,) = mail.outbox
    assert message.to == [creator.user.email]
    assert "2026-07-01" in message.subject and "15 days left" in message.body
    notice = ComplianceNotice.objects.get()
    assert (notice.creator, notice.kind, notice.key) == (creator, "age_expiring", "2026-07-01")


def test_the_scan_twice_sends_one_email(creator_factory, time_machine):
    at(time_machine, date(2026, 6, 15))
    until(creator_factory, date(2026, 6, 20))
    until(creator_factory, date(2026, 6, 15))  # last day today: told too
    until(creator_factory, date(2026, 6, 14))  # already expired: not an expiry warning
    until(creator_factory, date(2026, 8, 1))  # far away
    assert compliance_scan().warnings_sent == 2
    assert compliance_scan().warnings_sent == 0
    assert len(mail.outbox) == 2
    # The next day still nothing new: one warning per expiry date.
    at(time_machine, date(2026, 6, 16))
    assert compliance_scan().warnings_sent == 0
    assert ComplianceNotice.objects.count() == 2


def test_a_renewed_verification_is_warned_again_before_its_own_expiry(
    creator_factory, time_machine
):
    at(time_machine, date(2026, 6, 15))
    creator = until(creator_factory, date(2026, 6, 20))
    assert age_expiry_warnings_send() == 1
    Creator.objects.filter(pk=creator.pk).update(age_verified_until=date(2027, 6, 20))
    at(time_machine, date(2027, 6, 5))
    assert age_expiry_warnings_send() == 1
    assert ComplianceNotice.objects.filter(creator=creator).count() == 2


def test_closed_creators_are_not_told(creator_factory, time_machine):
    at(time_machine, date(2026, 6, 15))
    closed = until(creator_factory, date(2026, 6, 20))
    Creator.objects.filter(pk=closed.pk).update(status=Creator.Status.CLOSED)
    assert age_expiry_warnings_send() == 0


@pytest.mark.parametrize(
    ("today", "expires"),
    [
        (date(2028, 2, 14), date(2028, 2, 29)),  # to a leap day
        (date(2028, 2, 29), date(2028, 3, 15)),  # from a leap day
        (date(2026, 1, 31), date(2026, 2, 15)),  # from a month end
        (date(2026, 12, 31), date(2027, 1, 15)),  # across the year
    ],
)
def test_15_days_across_leap_days_and_month_ends(creator_factory, time_machine, today, expires):
    until(creator_factory, expires)
    at(time_machine, today - timedelta(days=1))
    assert age_expiry_warnings_send() == 0
    at(time_machine, today)
    assert age_expiry_warnings_send() == 1


def test_the_banner_on_the_creators_own_pages(creator_factory, client_for, time_machine):
    at(time_machine, date(2026, 6, 15))
    creator = until(creator_factory, date(2026, 6, 25))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert 'data-testid="compliance-notice"' in html
    assert "expires on 2026-06-25 (10 days left)" in html
    Creator.objects.filter(pk=creator.pk).update(age_verified_until=date(2026, 6, 1))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert "expired on 2026-06-01: payouts are stopped" in html
    Creator.objects.filter(pk=creator.pk).update(age_verified_until=date(2027, 6, 1))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert 'data-testid="compliance-notice"' not in html


def test_staff_pages_carry_no_banner(client_for, compliance_user, today):
    html = client_for(compliance_user).get("/compliance/violations/").content.decode()
    assert 'data-testid="compliance-notice"' not in html


# --- (b) expiry drops the derived level ----------------------------------------------------


def test_expiry_drops_the_level_and_the_platforms_are_told(
    creator, compliance_user, super_admin, time_machine
):
    age_verification_record(
        creator=creator,
        method="provider",
        date_of_birth=date(1990, 1, 1),
        verified_on=date(2026, 6, 1),
        expires_on=date(2027, 6, 1),
        reviewer=compliance_user,
    )
    verification = kyc_verification_request(creator=creator, level_requested=2, provider="verifymy")
    kyc_verification_decide(
        verification=verification,
        approve=True,
        level_granted=2,
        expires_on=date(2026, 6, 30),
        reason="checked",
        reviewer=super_admin,
    )
    creator.refresh_from_db()
    assert creator.kyc_level == 2
    from apps.outbound.models import OutboundEvent

    told_before = OutboundEvent.objects.filter(event_type="creator.kyc_changed").count()
    at(time_machine, date(2026, 7, 1))
    report = compliance_scan()
    assert report.kyc_expired == 1
    creator.refresh_from_db()
    verification.refresh_from_db()
    assert creator.kyc_level == 0 and verification.status == KycVerification.Status.EXPIRED
    assert OutboundEvent.objects.filter(event_type="creator.kyc_changed").count() > told_before
    assert compliance_scan().kyc_expired == 0


def test_a_stale_level_is_derived_again(creator_factory, today):
    creator = creator_factory(kyc_level=2)  # a level no verification grants
    report = compliance_scan()
    assert report.levels_derived == 1
    creator.refresh_from_db()
    assert creator.kyc_level == 0
    assert compliance_scan().levels_derived == 0


# --- (c) rules -----------------------------------------------------------------------------


def test_expired_age_with_earnings_opens_one_violation(creator_factory, earning, time_machine):
    at(time_machine, date(2026, 6, 15))
    expired = until(creator_factory, date(2026, 6, 1))
    earning(expired, days_ago=2)
    quiet = until(creator_factory, date(2026, 6, 1))  # expired, but no earnings lately
    earning(quiet, days_ago=30)
    valid = until(creator_factory, date(2027, 1, 1))
    earning(valid, days_ago=1)
    report = compliance_scan()
    assert report.opened["age_expired_with_earnings"] == 1
    violation = Violation.objects.get(source_reference="age_expired_with_earnings")
    assert violation.creator == expired and violation.source == "rule"
    assert (violation.kind, violation.severity) == ("age_2257", "high")
    assert violation.source_reference == "age_expired_with_earnings"
    assert "expired on 2026-06-01" in violation.summary
    # The scan twice opens nothing new, and sends nothing new.
    again = compliance_scan()
    assert again.violations_opened == 0 and again.warnings_sent == 0
    assert Violation.objects.filter(source_reference="age_expired_with_earnings").count() == 1
    # Even once the violation is closed, the same finding does not open it again.
    from apps.compliance.services import violation_transition

    violation_transition(violation=violation, status="dismissed", reason="Paid back", actor=None)
    assert compliance_scan().violations_opened == 0


def test_incomplete_2257_of_an_earning_creator_opens_one_violation_per_version(
    creator_factory, earning, time_machine, compliance_user
):
    from apps.compliance.services import performer_create, record_2257_amend

    at(time_machine, date(2026, 6, 15))
    missing = until(creator_factory, date(2027, 1, 1))
    earning(missing, days_ago=2)
    incomplete = until(creator_factory, date(2027, 1, 1))
    earning(incomplete, days_ago=3)
    performer = performer_create(
        creator=incomplete, legal_name="Ivy Incomplete", actor=compliance_user
    )
    idle = until(creator_factory, date(2027, 1, 1))  # no earnings lately: not a producer
    earning(idle, days_ago=60)

    assert compliance_scan().opened[INCOMPLETE_2257] == 2
    found = {
        v.creator_id: v.summary for v in Violation.objects.filter(source_reference=INCOMPLETE_2257)
    }
    assert found == {
        missing.pk: "No 2257 record for a creator whose content earns.",
        incomplete.pk: "The 2257 record (version 1) is incomplete while content earns.",
    }
    assert compliance_scan().opened[INCOMPLETE_2257] == 0  # twice: nothing new
    record = performer.record_2257
    record_2257_amend(
        record=record,
        actor=compliance_user,
        reason="Stage name added",
        legal_name="Ivy Incomplete",
        date_of_birth=None,
        names=[("Ivy", "stage_name")],
        id_document=None,
        id_examined_on=None,
        content_references=[],
    )
    assert compliance_scan().opened[INCOMPLETE_2257] == 1  # still incomplete: version 2


@pytest.fixture
def fake_rule():
    findings: list[ScanFinding] = []
    rule = ScanRule(
        key="test_rule",
        kind="other",
        severity="critical",
        description="for tests",
        find=lambda today: list(findings),
    )
    scan_rule_register(rule)
    yield findings
    scan_rule_unregister("test_rule")


def test_a_registered_rule_opens_violations_once(creator_factory, fake_rule, today):
    creators = [creator_factory() for _ in range(3)]
    fake_rule.extend(
        ScanFinding(creator_id=c.pk, key=f"creator:{c.pk}", summary=f"Finding {c.pk}")
        for c in creators
    )
    assert compliance_scan().opened["test_rule"] == 3
    assert compliance_scan().opened["test_rule"] == 0
    keys = set(Violation.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"rule:test_rule:creator:{c.pk}" for c in creators}
    # critical: each creator's payouts are held
    assert all(v.payout_hold_id for v in Violation.objects.all())


def test_the_scan_queries_do_not_grow_with_creators(
    creator_factory, fake_rule, today, django_assert_max_num_queries
):
    for _ in range(5):
        until(creator_factory, date(2027, 1, 1))
    with django_assert_max_num_queries(20):
        compliance_scan()
    for _ in range(20):
        until(creator_factory, date(2027, 1, 1))
    with django_assert_max_num_queries(20):
        compliance_scan()


def test_every_expected_rule_is_installed(today):
    report = compliance_scan()
    assert report.not_installed == []
    assert set(report.opened) >= {INCOMPLETE_2257, "payout_over_kyc_limit"}


def test_the_command_prints_the_report(today):
    out = io.StringIO()
    call_command("compliance_scan", "--date", "2026-06-15", stdout=out)
    text = out.getvalue()
    assert "Compliance scan of 2026-06-15" in text
    assert "rule incomplete_2257: 0 violation(s) opened" in text


def test_the_command_refuses_a_bad_date(today):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("compliance_scan", "--date", "2026-02-30", stdout=io.StringIO())


def test_the_scan_is_a_daily_beat_task():
    from apps.compliance.schedules import PERIODIC_TASKS
    from apps.compliance.tasks import SCAN_TASK
    from apps.core.periodic import declared_periodic_tasks

    (spec,) = [s for s in PERIODIC_TASKS if s.task == SCAN_TASK]
    assert spec.crontab == {"minute": "30", "hour": "0"}
    assert spec.name in {declared.name for declared in declared_periodic_tasks()}


# --- (a') identity document expiry warnings --------------------------------------------------


def accepted_document(creator, expires: date, *, reviewer=None, accept: bool = True):
    """An identity document of ``creator`` expiring on ``expires``, accepted (or rejected), as
    uploaded and reviewed today (call before moving the clock to the scan's day)."""
    from apps.compliance.demo import demo_png
    from apps.compliance.services import identity_document_review, identity_document_upload

    document = identity_document_upload(
        creator=creator,
        document_type="passport",
        issuing_country="GB",
        number="GB-1",
        expires_on=expires,
        files=[demo_png()],
        actor=None,
    )
    return identity_document_review(
        document=document, accept=accept, reason="Checked.", actor=reviewer
    )


def test_an_id_document_is_warned_at_15_days_not_16_and_once(creator_factory, time_machine):
    from apps.compliance.services import id_document_expiry_warnings_send

    expires = date(2026, 7, 1)
    at(time_machine, date(2026, 1, 5))
    creator = until(creator_factory, date(2027, 1, 1))
    document = accepted_document(creator, expires)
    at(time_machine, expires - timedelta(days=16))
    assert id_document_expiry_warnings_send() == 0
    at(time_machine, expires - timedelta(days=15))
    assert id_document_expiry_warnings_send() == 1
    (message,) = mail.outbox
    assert message.to == [creator.user.email]
    assert "passport" in message.subject and "2026-07-01" in message.subject
    assert "15 days left" in message.body and "/compliance/me/verification/" in message.body
    notice = ComplianceNotice.objects.get()
    assert (notice.creator, notice.kind, notice.key) == (
        creator,
        "id_document_expiring",
        f"{document.pk}:2026-07-01",
    )
    # The scan run twice, and the next days, sends nothing new.
    assert id_document_expiry_warnings_send() == 0
    at(time_machine, expires - timedelta(days=3))
    report = compliance_scan()
    assert report.document_warnings_sent == 0
    assert "identity document expiry warnings sent: 0" in "\n".join(report.lines())
    assert len(mail.outbox) == 1


def test_only_accepted_live_documents_of_uncovered_creators_are_warned(
    creator_factory, time_machine
):
    from apps.compliance.services import identity_document_destroy

    at(time_machine, date(2026, 1, 5))
    told = until(creator_factory, date(2027, 1, 1))
    accepted_document(told, date(2026, 6, 20))
    covered = until(creator_factory, date(2027, 1, 1))  # a newer document lasts: nothing needed
    accepted_document(covered, date(2026, 6, 20))
    accepted_document(covered, date(2031, 1, 1))
    rejected = until(creator_factory, date(2027, 1, 1))
    accepted_document(rejected, date(2026, 6, 20), accept=False)
    destroyed = until(creator_factory, date(2027, 1, 1))
    identity_document_destroy(
        accepted_document(destroyed, date(2026, 6, 20)), reason="Erasure", actor=None
    )
    closed = until(creator_factory, date(2027, 1, 1))
    accepted_document(closed, date(2026, 6, 20))
    Creator.objects.filter(pk=closed.pk).update(status=Creator.Status.CLOSED)
    at(time_machine, date(2026, 6, 15))
    report = compliance_scan()
    assert report.document_warnings_sent == 1
    assert report.warnings_sent == 0  # the age verifications are far away
    assert [message.to for message in mail.outbox] == [[told.user.email]]
    assert compliance_scan().document_warnings_sent == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("today", "expires"),
    [
        (date(2028, 2, 14), date(2028, 2, 29)),  # to a leap day
        (date(2026, 1, 31), date(2026, 2, 15)),  # from a month end
        (date(2026, 12, 31), date(2027, 1, 15)),  # across the year
    ],
)
def test_id_document_15_days_across_month_and_year_ends(
    creator_factory, time_machine, today, expires
):
    from apps.compliance.services import id_document_expiry_warnings_send

    at(time_machine, date(2025, 12, 1))
    accepted_document(until(creator_factory, date(2029, 1, 1)), expires)
    at(time_machine, today - timedelta(days=1))
    assert id_document_expiry_warnings_send() == 0
    at(time_machine, today)
    assert id_document_expiry_warnings_send() == 1
    assert id_document_expiry_warnings_send() == 0


def test_a_replaced_document_is_warned_again_before_its_own_expiry(creator_factory, time_machine):
    from apps.compliance.services import id_document_expiry_warnings_send

    at(time_machine, date(2026, 1, 5))
    creator = until(creator_factory, date(2029, 1, 1))
    accepted_document(creator, date(2026, 6, 20))
    at(time_machine, date(2026, 6, 10))
    assert id_document_expiry_warnings_send() == 1
    accepted_document(creator, date(2026, 12, 31))  # the new one
    at(time_machine, date(2026, 12, 20))
    assert id_document_expiry_warnings_send() == 1
    assert ComplianceNotice.objects.filter(kind="id_document_expiring").count() == 2


def test_the_banner_mentions_an_id_document_in_one_query(
    creator_factory, client_for, time_machine, rf
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.compliance.context_processors import creator_compliance_notices

    at(time_machine, date(2026, 1, 5))
    creator = until(creator_factory, date(2027, 1, 1))
    accepted_document(creator, date(2026, 6, 25))
    at(time_machine, date(2026, 6, 15))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert "Your identity document on file expires on 2026-06-25 (10 days left)" in html
    assert "/compliance/me/verification/" in html
    request = rf.get("/earnings/")
    request.user = creator.user
    with CaptureQueriesContext(connection) as queries:
        notices = creator_compliance_notices(request)["compliance_notices"]
    assert len(queries) == 1
    assert [notice["level"] for notice in notices] == ["warning"]
    at(time_machine, date(2026, 6, 26))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert "Your identity document on file expired on 2026-06-25: upload a valid one." in html
    # A new accepted document that lasts: no banner.
    accepted_document(creator, date(2030, 1, 1))
    html = client_for(creator.user).get("/earnings/").content.decode()
    assert 'data-testid="compliance-notice"' not in html


def test_the_staff_creator_page_flags_expiring_and_expired_documents(
    creator_factory, client_for, compliance_user, time_machine
):
    at(time_machine, date(2026, 1, 5))
    creator = until(creator_factory, date(2027, 1, 1))
    accepted_document(creator, date(2026, 6, 25))
    accepted_document(creator, date(2026, 6, 10))
    at(time_machine, date(2026, 6, 15))
    html = client_for(compliance_user).get(f"/compliance/creators/{creator.pk}/").content.decode()
    assert 'data-testid="document-expiring">Expires 2026-06-25<' in html
    assert 'data-testid="document-expired">Expired 2026-06-10<' in html
