"""What payouts gives the daily compliance scan (registered in ``PayoutsConfig.ready``).

Compliance sits beside the ledger and below payouts, so it cannot read earnings or payouts
itself; payouts can read both and registers, through ``apps.compliance.scan``:

- the source ``creators_with_earnings``: creators with an earning (subscription, renewal, tip,
  purchase) that occurred since a moment, as a subquery of creator ids (nothing per creator);
- the rule ``payout_over_kyc_limit``: creators whose payouts of the last 30 days (not failed,
  not cancelled), in USD at today's rates, exceed what their KYC level allows now — one
  aggregate query; a finding is keyed by the latest payout, so it opens one violation until a
  new payout crosses the limit again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_UP

from django.db.models import Max, Sum
from django.utils import timezone

from apps.compliance.rules import KYC_LIMIT_WINDOW, kyc_limit_usd_minor
from apps.compliance.scan import (
    EARNINGS_SOURCE,
    PAYOUT_OVER_KYC_LIMIT,
    ScanFinding,
    ScanRule,
    scan_rule_register,
    scan_source_register,
)
from apps.core.currencies import money_text
from apps.core.exceptions import ApplicationError
from apps.ledger.models import EARNING_KINDS, JournalEntry
from apps.payouts.models import Payout
from apps.payouts.selectors.fx import FxTable

NOT_COUNTED_STATES = (Payout.State.FAILED, Payout.State.CANCELLED)


def creators_with_earnings(*, since: datetime):
    """Ids of the creators with an earning that occurred at or after ``since`` (a queryset,
    used as a subquery)."""
    return (
        JournalEntry.objects.filter(
            kind__in=EARNING_KINDS, occurred_at__gte=since, creator__isnull=False
        )
        .values("creator_id")
        .distinct()
    )


def payouts_over_kyc_limit(today: date) -> list[ScanFinding]:
    now = timezone.now()
    rows = (
        Payout.objects.filter(created_at__gt=now - KYC_LIMIT_WINDOW, creator__kyc_level__lt=3)
        .exclude(state__in=NOT_COUNTED_STATES)
        .values("creator_id", "creator__kyc_level", "currency_id")
        .annotate(total=Sum("amount_minor"), last=Max("pk"))
        .order_by("creator_id")
    )
    fx = FxTable(now)
    used: dict[int, int] = defaultdict(int)
    last: dict[int, int] = {}
    level: dict[int, int] = {}
    unconvertible: set[int] = set()
    for row in rows:
        creator_id = row["creator_id"]
        level[creator_id] = row["creator__kyc_level"]
        last[creator_id] = max(last.get(creator_id, 0), row["last"])
        try:
            used[creator_id] += fx.convert_minor(
                row["total"] or 0, row["currency_id"], "USD", rounding=ROUND_UP
            )
        except ApplicationError:  # no rate: not judged today (eligibility says so itself)
            unconvertible.add(creator_id)
    findings = []
    for creator_id, total in used.items():
        limit = kyc_limit_usd_minor(level[creator_id])
        if creator_id in unconvertible or limit is None or total <= limit:
            continue
        findings.append(
            ScanFinding(
                creator_id=creator_id,
                key=f"creator:{creator_id}:payout:{last[creator_id]}",
                summary=f"Payouts of {money_text(total, 'USD')} in the last 30 days exceed the "
                f"KYC level {level[creator_id]} limit of {money_text(limit, 'USD')}.",
            )
        )
    return findings


PAYOUT_OVER_KYC_LIMIT_RULE = ScanRule(
    key=PAYOUT_OVER_KYC_LIMIT,
    kind="kyc",
    severity="high",
    description="Payouts of the last 30 days over the creator's KYC limit.",
    find=payouts_over_kyc_limit,
)


def register() -> None:
    scan_source_register(EARNINGS_SOURCE, creators_with_earnings)
    scan_rule_register(PAYOUT_OVER_KYC_LIMIT_RULE)
