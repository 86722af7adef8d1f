"""The payouts part of seed_demo: methods on every processor, each ineligibility reason,
idempotent."""

from __future__ import annotations

from collections import Counter

import pytest

from apps.accounts.demo import seed_demo_users
from apps.compliance.demo import DemoCompliance
from apps.creators.models import Creator
from apps.ledger.demo import seed_demo_network
from apps.payouts.demo import seed_demo_payouts
from apps.payouts.models import PayoutMethod, Processor
from apps.payouts.selectors.eligibility import creator_payout_eligibility

pytestmark = pytest.mark.django_db


def test_demo_payouts(settings):
    settings.DEMO_NETWORK_CREATORS = 70
    settings.DEMO_HISTORY_DAYS = 20
    seed_demo_users()
    # With the compliance demo, as seed_demo composes it: the verifications make them payable.
    seed_demo_network(creator_compliance=DemoCompliance())
    first = seed_demo_payouts()
    assert first.schedules == 70
    assert first.methods >= 60 and first.verified < first.methods and first.holds >= 1
    assert first.payable > 0

    on = set(PayoutMethod.objects.values_list("processor__code", flat=True))
    assert on == set(Processor.objects.values_list("code", flat=True))  # every processor
    eur = PayoutMethod.objects.filter(creator__default_currency="EUR").values_list(
        "processor__code", flat=True
    )
    assert "sepa" in eur
    usd = PayoutMethod.objects.filter(creator__default_currency="USD").values_list(
        "processor__code", flat=True
    )
    assert "ach" in usd and "sandbox" in usd

    reasons = Counter()
    for creator in Creator.objects.all():
        result = creator_payout_eligibility(creator, require_due=False)
        reasons.update(result.reason_codes)
        reasons["eligible"] += result.eligible
    for code in (
        "eligible",
        "payout_method_not_verified",
        "no_payout_method",
        "payout_hold",
        "below_schedule_minimum",
    ):
        assert reasons[code] >= 1, (code, reasons)

    again = seed_demo_payouts()
    assert (again.schedules, again.methods, again.verified, again.holds) == (0, 0, 0, 0)
    assert again.payable == first.payable
