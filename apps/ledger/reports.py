"""Network-wide figures for the staff overview."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.core.currencies import currency_exponent
from apps.core.money import display_minor

from .models import CREATOR_KINDS, EARNING_KINDS, AccountBalance, EntryKind, JournalEntry, Posting


def network_summary(*, days: int = 30) -> dict:
    """Gross sales, refunds and chargebacks over the last ``days``, and what the network owes
    creators now (pending and available), per currency; formatted for people."""
    since = timezone.now() - timedelta(days=days)
    gross = (
        Posting.objects.filter(
            occurred_at__gte=since,
            entry__kind__in=EARNING_KINDS,
            account__kind="processor_clearing",
        )
        .values("account__currency_id")
        .annotate(s=Sum("amount"), n=Count("id"))
    )
    owed = (
        AccountBalance.objects.filter(account__kind__in=CREATOR_KINDS)
        .values("account__currency_id", "account__kind")
        .annotate(s=Sum("balance"))
    )
    counts = JournalEntry.objects.filter(occurred_at__gte=since).aggregate(
        refunds=Count("id", filter=Q(kind=EntryKind.REFUND)),
        chargebacks=Count("id", filter=Q(kind=EntryKind.CHARGEBACK)),
        earning_creators=Count("creator", filter=Q(kind__in=EARNING_KINDS), distinct=True),
    )
    rows: dict[str, dict] = defaultdict(
        lambda: {"gross": 0, "sales": 0, "pending": 0, "available": 0, "in_payout": 0}
    )
    for row in gross:
        rows[row["account__currency_id"]].update(gross=row["s"] or 0, sales=row["n"])
    for row in owed:
        rows[row["account__currency_id"]][row["account__kind"]] = -(row["s"] or 0)
    currencies = []
    for code in sorted(rows):
        exponent = currency_exponent(code)
        values = rows[code]
        currencies.append(
            {
                "currency": code,
                "sales": values["sales"],
                **{
                    key: display_minor(values[key], exponent)
                    for key in ("gross", "pending", "available", "in_payout")
                },
            }
        )
    return {"days": days, "currencies": currencies, **counts}
