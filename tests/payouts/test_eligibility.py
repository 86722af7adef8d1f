"""Eligibility: every reason, the KYC caps over the rolling 30 days (with FX), schedules, and
the set-based variant's bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.creators.models import Creator, PayoutHold
from apps.payouts.models import Payout, PayoutMethod, Processor, ProcessorCurrency
from apps.payouts.selectors.eligibility import (
    creator_payout_eligibility,
    eligible_payouts_for_batch,
    next_due_on,
)

from .conftest import fund, make_method, make_payout, make_schedule

pytestmark = pytest.mark.django_db


def codes(creator, **kwargs):
    return creator_payout_eligibility(creator, **kwargs).reason_codes


def test_payable_creator_is_eligible_with_fee(payable_creator):
    creator = payable_creator("100.00")
    result = creator_payout_eligibility(creator)
    assert result.eligible, result.reasons
    assert result.currency == "USD"
    assert result.available_minor == 10000
    assert result.payable_minor == 10000
    # sandbox USD: 0.25 fixed + 1% (rounded down)
    assert result.fee_minor == 25 + 100
    assert result.receives_minor == 10000 - 125
    assert result.payable_by_platform == {"boyfanz": 10000}
    assert result.cap_applied == ""


def test_fee_percent_rounds_down(payable_creator):
    creator = payable_creator("1.99")
    assert creator_payout_eligibility(creator).fee_minor == 25 + 1  # 1% of 199 = 1.99 -> 1


def test_suspended_creator(payable_creator):
    creator = payable_creator()
    Creator.objects.filter(pk=creator.pk).update(status=Creator.Status.SUSPENDED)
    creator.refresh_from_db()
    result = creator_payout_eligibility(creator)
    assert not result.eligible
    assert result.reason_codes == ["creator_not_active"]
    assert "suspended" in result.reasons[0]["message"]


def test_age_verification_missing_and_expired(payable_creator):
    missing = payable_creator(age_verified_until=None)
    assert codes(missing) == ["age_verification_missing"]
    expired = payable_creator(age_verified_until=timezone.now().date() - timedelta(days=1))
    result = creator_payout_eligibility(expired)
    assert result.reason_codes == ["age_verification_expired"]
    assert "expired on" in result.reasons[0]["message"]


def test_age_verification_valid_through_today(payable_creator):
    now = timezone.now()  # one instant: at midnight the verification does expire
    creator = payable_creator(age_verified_until=timezone.localdate(now))
    assert creator_payout_eligibility(creator, now=now).eligible


def test_no_method(payable_creator):
    creator = payable_creator()
    PayoutMethod.objects.filter(creator=creator).delete()
    assert codes(creator) == ["no_payout_method"]


@pytest.mark.parametrize("status", ["unverified", "needs_attention", "disabled"])
def test_method_not_verified(payable_creator, status):
    creator = payable_creator()
    PayoutMethod.objects.filter(creator=creator).update(status=status)
    assert codes(creator) == ["payout_method_not_verified"]


def test_open_hold_blocks_and_released_hold_does_not(payable_creator):
    creator = payable_creator()
    hold = PayoutHold.objects.create(creator=creator, source="fraud_detected", reason="Chargebacks")
    result = creator_payout_eligibility(creator)
    assert result.reason_codes == ["payout_hold"]
    assert "Chargebacks" in result.reasons[0]["message"]
    hold.released_at = timezone.now()
    hold.save()
    assert creator_payout_eligibility(creator).eligible


def test_inactive_processor(payable_creator):
    creator = payable_creator()
    Processor.objects.filter(code="sandbox").update(active=False)
    assert codes(creator) == ["processor_inactive"]


def test_currency_not_supported(payable_creator):
    creator = payable_creator()
    PayoutMethod.objects.filter(creator=creator).update(currency_id="JPY")
    assert "currency_not_supported" in codes(creator)


def test_nothing_available(payable_creator):
    creator = payable_creator(None)
    assert codes(creator) == ["nothing_available"]


def test_below_schedule_minimum(payable_creator):
    creator = payable_creator("49.99")
    make_schedule(creator, "manual", minimum_minor=5000)
    result = creator_payout_eligibility(creator, require_due=False)
    assert result.reason_codes == ["below_schedule_minimum"]
    assert "49.99 USD" in result.reasons[0]["message"]
    fund(creator, "0.01")
    assert creator_payout_eligibility(creator, require_due=False).eligible


def test_below_processor_minimum(payable_creator):
    creator = payable_creator("0.99")  # sandbox USD minimum is 1.00
    assert codes(creator, require_due=False) == ["below_processor_minimum"]


def test_fee_exceeds_amount(payable_creator):
    creator = payable_creator("1.00")
    ProcessorCurrency.objects.filter(processor__code="sandbox", currency="USD").update(
        fee_fixed_minor=100
    )
    assert codes(creator, require_due=False) == ["fee_exceeds_amount"]


def test_open_payout_blocks_a_second(payable_creator):
    creator = payable_creator("100.00")
    make_payout(creator, 5000)
    assert codes(creator, require_due=False) == ["open_payout"]


def test_failed_payout_does_not_block(payable_creator):
    creator = payable_creator("100.00")
    payout = make_payout(creator, 5000)
    Payout.objects.filter(pk=payout.pk).update(state=Payout.State.FAILED)
    assert creator_payout_eligibility(creator, require_due=False).eligible


def test_several_reasons_are_all_listed(payable_creator):
    creator = payable_creator(None, age_verified_until=None)
    PayoutMethod.objects.filter(creator=creator).update(status="unverified")
    assert set(codes(creator)) == {
        "age_verification_missing",
        "payout_method_not_verified",
        "nothing_available",
    }


# --- schedules -----------------------------------------------------------------------------


def test_manual_schedule_is_never_due(payable_creator):
    creator = payable_creator()
    make_schedule(creator, "manual")
    result = creator_payout_eligibility(creator, require_due=True)
    assert result.reason_codes == ["manual_schedule"]
    assert creator_payout_eligibility(creator, require_due=False).eligible


def test_weekly_schedule_due_on_its_weekday(payable_creator):
    now = timezone.now()
    creator = payable_creator()
    make_schedule(creator, "weekly", weekday=now.weekday())
    assert creator_payout_eligibility(creator, now=now).due
    assert creator_payout_eligibility(creator, now=now).eligible
    make_schedule(creator, "weekly", weekday=(now.weekday() + 1) % 7)
    result = creator_payout_eligibility(creator, now=now)
    assert result.reason_codes == ["not_due"]
    assert result.next_due_on == timezone.localdate(now) + timedelta(days=1)


def test_weekly_schedule_not_due_twice_the_same_day(payable_creator):
    now = timezone.now()
    creator = payable_creator("100.00")
    make_schedule(creator, "weekly", weekday=now.weekday())
    payout = make_payout(creator, 5000)
    Payout.objects.filter(pk=payout.pk).update(state=Payout.State.PAID)
    result = creator_payout_eligibility(creator, now=now)
    assert result.reason_codes == ["not_due"]
    assert result.next_due_on == timezone.localdate(now) + timedelta(days=7)


def test_monthly_schedule(payable_creator):
    now = timezone.now()
    creator = payable_creator()
    today = timezone.localdate(now)
    make_schedule(creator, "monthly", day_of_month=min(today.day, 28))
    if today.day <= 28:
        assert creator_payout_eligibility(creator, now=now).eligible
    other = 1 if today.day != 1 else 2
    make_schedule(creator, "monthly", day_of_month=other)
    assert codes(creator, now=now) == ["not_due"]


def test_next_due_on_monthly_rolls_over_the_year():
    from datetime import date

    from apps.payouts.models import PayoutSchedule

    schedule = PayoutSchedule(kind="monthly", day_of_month=5)
    assert next_due_on(schedule, date(2026, 12, 6)) == date(2027, 1, 5)
    assert next_due_on(schedule, date(2026, 12, 5)) == date(2026, 12, 5)
    weekly = PayoutSchedule(kind="weekly", weekday=0)
    assert next_due_on(weekly, date(2026, 12, 1)) == date(2026, 12, 7)  # a Tuesday -> Monday


def test_threshold_schedule(payable_creator):
    creator = payable_creator("99.99")
    make_schedule(creator, "threshold", threshold_minor=10000)
    assert codes(creator) == ["below_threshold"]
    fund(creator, "0.01")
    assert creator_payout_eligibility(creator).eligible


def test_schedule_minimum_in_another_currency_is_converted(payable_creator):
    creator = payable_creator("45.00", currency="EUR")
    # 50.00 USD at 0.92 = 46.00 EUR
    make_schedule(creator, "manual", minimum_minor=5000, currency="USD")
    assert codes(creator, require_due=False) == ["below_schedule_minimum"]
    fund(creator, "1.00", currency="EUR")
    assert creator_payout_eligibility(creator, require_due=False).eligible


# --- KYC limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "cap"), [(0, 10_000), (1, 100_000), (2, 1_000_000), (3, None)])
def test_kyc_cap_per_level(payable_creator, level, cap):
    creator = payable_creator("20000.00", kyc_level=level)
    result = creator_payout_eligibility(creator)
    assert result.kyc_limit_usd_minor == cap
    if cap is None:
        assert result.payable_minor == 2_000_000
        assert result.cap_applied == ""
    else:
        assert result.payable_minor == cap
        assert result.cap_applied == "kyc_limit"


def _age(payout, days):
    Payout.objects.filter(pk=payout.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_kyc_window_counts_29_days_not_31(payable_creator):
    creator = payable_creator("200.00", kyc_level=0)
    old = make_payout(creator, 9000)
    Payout.objects.filter(pk=old.pk).update(state=Payout.State.PAID)
    _age(old, 31)
    result = creator_payout_eligibility(creator)
    assert result.kyc_used_usd_minor == 0
    assert result.payable_minor == 10_000

    _age(old, 29)
    result = creator_payout_eligibility(creator)
    assert result.kyc_used_usd_minor == 9000
    assert result.payable_minor == 1000
    assert result.cap_applied == "kyc_limit"
    assert result.eligible


def test_failed_and_cancelled_payouts_do_not_count(payable_creator):
    creator = payable_creator("200.00", kyc_level=0)
    for state in (Payout.State.FAILED, Payout.State.CANCELLED):
        payout = make_payout(creator, 9000, reserve=False)
        Payout.objects.filter(pk=payout.pk).update(state=state)
    assert creator_payout_eligibility(creator).payable_minor == 10_000


def test_kyc_limit_used_up(payable_creator):
    creator = payable_creator("200.00", kyc_level=0)
    paid = make_payout(creator, 9950)
    Payout.objects.filter(pk=paid.pk).update(state=Payout.State.PAID)
    result = creator_payout_eligibility(creator)
    # 0.50 left, below the sandbox minimum of 1.00
    assert result.reason_codes == ["kyc_limit_reached"]
    assert "$" not in result.reasons[0]["message"] and "100.00 USD" in result.reasons[0]["message"]


@pytest.mark.parametrize(("currency", "cap"), [("EUR", 9200), ("GBP", 7900)])
def test_kyc_cap_converted_for_eur_and_gbp(payable_creator, currency, cap):
    creator = payable_creator("500.00", currency=currency, kyc_level=0)
    result = creator_payout_eligibility(creator)
    assert result.currency == currency
    assert result.payable_minor == cap  # $100 at the demo rate, rounded down
    assert result.cap_applied == "kyc_limit"


def test_kyc_used_in_eur_is_converted_to_usd(payable_creator):
    creator = payable_creator("500.00", currency="EUR", kyc_level=0)
    paid = make_payout(creator, 4600)  # 46.00 EUR = 50.00 USD
    Payout.objects.filter(pk=paid.pk).update(state=Payout.State.PAID)
    result = creator_payout_eligibility(creator)
    assert result.kyc_used_usd_minor == 5000
    assert result.payable_minor == 4600


def test_kyc_cap_uses_the_rate_in_force(payable_creator):
    from apps.payouts.models import FxRate

    creator = payable_creator("500.00", currency="EUR", kyc_level=0)
    now = timezone.now()
    FxRate.objects.create(base="USD", quote="EUR", rate="0.5", as_of=now + timedelta(days=1))
    assert creator_payout_eligibility(creator, now=now).payable_minor == 9200
    FxRate.objects.create(base="USD", quote="EUR", rate="0.9", as_of=now - timedelta(hours=1))
    assert creator_payout_eligibility(creator, now=now).payable_minor == 9000


def test_kyc_cap_rounds_down(payable_creator):
    from apps.payouts.models import FxRate

    creator = payable_creator("500.00", currency="EUR", kyc_level=0)
    FxRate.objects.create(
        base="USD", quote="EUR", rate="0.923456789", as_of=timezone.now() - timedelta(minutes=1)
    )
    # 100 USD = 92.3456789 EUR -> 92.34, never 92.35
    assert creator_payout_eligibility(creator).payable_minor == 9234


def test_missing_fx_rate_is_a_reason(payable_creator):
    from apps.payouts.models import FxRate

    creator = payable_creator("500.00", currency="GBP", kyc_level=0)
    FxRate.objects.filter(quote="GBP").delete()
    assert "fx_rate_missing" in codes(creator)


def test_processor_maximum_caps(payable_creator):
    creator = payable_creator("100.00", kyc_level=3)
    ProcessorCurrency.objects.filter(processor__code="sandbox", currency="USD").update(
        max_minor=3000
    )
    result = creator_payout_eligibility(creator)
    assert result.payable_minor == 3000
    assert result.cap_applied == "processor_maximum"


# --- several platforms ------------------------------------------------------------------


def test_takes_from_every_platform_and_nets_a_negative_one(payable_creator):
    from apps.creators.services import platform_account_link
    from apps.ledger.accounts import creator_account
    from apps.ledger.services import PostingSpec, entry_post
    from apps.platforms.models import Platform

    creator = payable_creator("60.00")
    girlfanz = Platform.objects.get(slug="girlfanz")
    platform_account_link(creator=creator, platform=girlfanz, external_id=f"g-{creator.pk}")
    fund(creator, "40.00", platform="girlfanz")
    result = creator_payout_eligibility(creator)
    assert result.payable_minor == 10000
    assert result.payable_by_platform == {"boyfanz": 6000, "girlfanz": 4000}

    # A chargeback left pupfanz negative: it is netted first.
    pupfanz = Platform.objects.get(slug="pupfanz")
    entry_post(
        idempotency_key="test-negative",
        kind="adjustment",
        postings=[
            PostingSpec(creator_account(creator, pupfanz, "available", "USD"), 1500),
            PostingSpec(creator_account(creator, pupfanz, "pending", "USD"), -1500),
        ],
        occurred_at=timezone.now(),
    )
    result = creator_payout_eligibility(creator)
    assert result.available_minor == 8500
    assert result.payable_minor == 8500
    assert result.payable_by_platform == {"boyfanz": 6000, "girlfanz": 2500}


# --- the set-based variant ----------------------------------------------------------------


def test_batch_variant_finds_the_eligible_only(payable_creator):
    good = payable_creator("100.00")
    payable_creator("100.00", age_verified_until=None)
    held = payable_creator("100.00")
    PayoutHold.objects.create(creator=held, source="staff", reason="check")
    capped = payable_creator("500.00", kyc_level=0)
    other = payable_creator("100.00")
    make_method(other, "paxum")
    results = {r.creator.pk: r for r in eligible_payouts_for_batch(require_due=False)}
    assert set(results) == {good.pk, capped.pk, other.pk}
    assert results[capped.pk].payable_minor == 10_000
    only_sandbox = {
        r.creator.pk
        for r in eligible_payouts_for_batch(
            Processor.objects.get(code="sandbox"), "USD", require_due=False
        )
    }
    assert only_sandbox == {good.pk, capped.pk}
    assert not list(eligible_payouts_for_batch(currency="EUR", require_due=False))


def test_batch_variant_agrees_with_single(payable_creator):
    creators = [payable_creator("150.00", kyc_level=level) for level in (0, 1, 2)]
    batch = {r.creator.pk: r for r in eligible_payouts_for_batch(require_due=False)}
    for creator in creators:
        single = creator_payout_eligibility(creator, require_due=False)
        assert batch[creator.pk].payable_minor == single.payable_minor
        assert batch[creator.pk].fee_minor == single.fee_minor


def test_batch_variant_queries_do_not_grow(payable_creator, django_assert_max_num_queries):
    for _ in range(3):
        payable_creator("100.00")
    with django_assert_max_num_queries(10) as small:
        assert len(list(eligible_payouts_for_batch(require_due=False))) == 3
    for _ in range(7):
        payable_creator("100.00")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(list(eligible_payouts_for_batch(require_due=False))) == 10
