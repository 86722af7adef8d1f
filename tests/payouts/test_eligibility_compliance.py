"""Payout eligibility reads compliance: an open critical violation refuses a payout (per
creator, with the reason in words, and set-based in the batch), and the compliance scan's
KYC-limit rule that payouts registers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.compliance.models import Violation
from apps.compliance.services import compliance_scan, violation_open, violation_transition
from apps.creators.services import payout_hold_release
from apps.payouts.selectors.eligibility import (
    creator_payout_eligibility,
    eligible_payouts_for_batch,
)

from .conftest import make_payout

pytestmark = pytest.mark.django_db


def critical(creator):
    return violation_open(
        kind="age_2257",
        severity="critical",
        summary="Co-performer without an age record",
        source="staff",
        creator=creator,
    ).violation


def test_a_critical_violation_refuses_the_payout_with_its_reason(payable_creator):
    creator = payable_creator()
    other = payable_creator()
    violation = critical(creator)
    result = creator_payout_eligibility(creator)
    assert not result.eligible
    assert result.reason_codes == ["payout_hold", "open_critical_violation"]
    message = result.reasons[1]["message"]
    assert f"#{violation.pk}" in message and "Co-performer without an age record" in message
    batch = {r.creator.pk for r in eligible_payouts_for_batch(require_due=False)}
    assert creator.pk not in batch and other.pk in batch


def test_lifting_only_the_hold_still_refuses_until_the_violation_is_closed(
    payable_creator, compliance_user
):
    creator = payable_creator()
    violation = critical(creator)
    payout_hold_release(hold=violation.payout_hold, actor=compliance_user, note="released early")
    assert creator_payout_eligibility(creator).reason_codes == ["open_critical_violation"]
    assert creator.pk not in {r.creator.pk for r in eligible_payouts_for_batch(require_due=False)}
    violation_transition(
        violation=violation, status="resolved", reason="Record found", actor=compliance_user
    )
    assert creator_payout_eligibility(creator).eligible
    assert creator.pk in {r.creator.pk for r in eligible_payouts_for_batch(require_due=False)}


def test_a_high_violation_does_not_stop_payouts(payable_creator):
    creator = payable_creator()
    violation_open(kind="dmca", severity="high", summary="x", source="staff", creator=creator)
    assert creator_payout_eligibility(creator).eligible


def test_the_eligibility_page_names_the_violation(payable_creator, client_for, super_admin):
    creator = payable_creator()
    violation = critical(creator)
    html = (
        client_for(super_admin)
        .get(reverse("payouts:creator_eligibility", args=[creator.pk]))
        .content.decode()
    )
    assert f"An open critical compliance violation (#{violation.pk}) stops payouts" in html


def test_the_batch_query_count_stays_bounded(payable_creator, django_assert_max_num_queries):
    for _ in range(3):
        critical(payable_creator())
    payable_creator()
    with django_assert_max_num_queries(10):
        assert len(list(eligible_payouts_for_batch(require_due=False))) == 1


def test_payouts_over_the_kyc_limit_open_one_violation(payable_creator):
    creator = payable_creator("500.00", kyc_level=0)  # level 0: 100.00 USD per 30 days
    within = payable_creator("500.00", kyc_level=0)
    make_payout(creator, 15000)
    make_payout(within, 5000)
    report = compliance_scan()
    assert report.opened["payout_over_kyc_limit"] == 1
    violation = Violation.objects.get(source_reference="payout_over_kyc_limit")
    assert violation.creator == creator and (violation.kind, violation.severity) == ("kyc", "high")
    assert "150.00 USD" in violation.summary and "100.00 USD" in violation.summary
    assert compliance_scan().opened["payout_over_kyc_limit"] == 0
