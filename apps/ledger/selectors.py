"""Reads of the ledger. Current balances come from the balance counters (a handful of rows
per account whatever its history); balances ``as_of`` a past instant sum the postings up to
it through the (account, occurred_at) index."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import (
    CREATOR_KINDS,
    EARNING_KINDS,
    Account,
    AccountBalance,
    AccountKind,
    JournalEntry,
    PendingRelease,
    Posting,
)


def account_balance(account: Account | int, *, as_of: datetime | None = None) -> int:
    """Signed balance in minor units (debit positive)."""
    account_id = account if isinstance(account, int) else account.pk
    if as_of is None:
        total = AccountBalance.objects.filter(account_id=account_id).aggregate(s=Sum("balance"))
    else:
        total = Posting.objects.filter(account_id=account_id, occurred_at__lte=as_of).aggregate(
            s=Sum("amount")
        )
    return total["s"] or 0


def account_balances(account_ids, *, as_of: datetime | None = None) -> dict[int, int]:
    account_ids = list(account_ids)
    if as_of is None:
        rows = (
            AccountBalance.objects.filter(account_id__in=account_ids)
            .values("account_id")
            .annotate(s=Sum("balance"))
        )
    else:
        rows = (
            Posting.objects.filter(account_id__in=account_ids, occurred_at__lte=as_of)
            .values("account_id")
            .annotate(s=Sum("amount"))
        )
    return {row["account_id"]: row["s"] or 0 for row in rows}


@dataclass
class TrialBalanceRow:
    account: str
    kind: str
    currency: str
    balance: int  # signed minor units, debit positive


@dataclass
class TrialBalance:
    as_of: datetime
    rows: list[TrialBalanceRow]
    totals: dict[str, int]

    @property
    def balanced(self) -> bool:
        return all(total == 0 for total in self.totals.values())


def trial_balance(*, as_of: datetime | None = None) -> TrialBalance:
    """Every account with a non-zero balance, and the total per currency (always zero)."""
    if as_of is None:
        grouped = (
            AccountBalance.objects.values("account_id").annotate(s=Sum("balance")).exclude(s=0)
        )
    else:
        grouped = (
            Posting.objects.filter(occurred_at__lte=as_of)
            .values("account_id")
            .annotate(s=Sum("amount"))
            .exclude(s=0)
        )
    sums = {row["account_id"]: row["s"] for row in grouped}
    accounts = Account.objects.filter(pk__in=sums).only("key", "kind", "currency_id")
    rows = sorted(
        (TrialBalanceRow(a.key, a.kind, a.currency_id, sums[a.pk]) for a in accounts),
        key=lambda row: (row.currency, row.account),
    )
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row.currency] += row.balance
    return TrialBalance(as_of=as_of or timezone.now(), rows=rows, totals=dict(totals))


@dataclass
class CreatorBalanceRow:
    platform_slug: str
    platform_name: str
    currency: str
    pending: int = 0  # what people read: positive = owed to the creator
    available: int = 0
    in_payout: int = 0
    lifetime: int = 0


def creator_balances(creator) -> list[CreatorBalanceRow]:
    """Per platform and currency: pending, available, in payout, and lifetime earnings."""
    accounts = list(
        Account.objects.filter(creator=creator, kind__in=CREATOR_KINDS).select_related("platform")
    )
    balances = account_balances(a.pk for a in accounts)
    rows: dict[tuple[str, str], CreatorBalanceRow] = {}
    for account in accounts:
        row = rows.setdefault(
            (account.platform.slug, account.currency_id),
            CreatorBalanceRow(account.platform.slug, account.platform.name, account.currency_id),
        )
        setattr(row, account.kind, -balances.get(account.pk, 0))
    lifetime = (
        Posting.objects.filter(
            account__creator=creator,
            account__kind=AccountKind.PENDING,
            entry__kind__in=EARNING_KINDS,
        )
        .values("account__platform__slug", "account__currency_id")
        .annotate(s=Sum("amount"))
    )
    for item in lifetime:
        key = (item["account__platform__slug"], item["account__currency_id"])
        if key in rows:
            rows[key].lifetime = -(item["s"] or 0)
    return sorted(rows.values(), key=lambda r: (r.platform_name, r.currency))


def creator_pending_schedule(creator, *, limit: int = 50) -> QuerySet[PendingRelease]:
    """Amounts still on hold, with the date each becomes available."""
    return (
        PendingRelease.objects.filter(
            entry__creator=creator, released_entry__isnull=True, amount__gt=0
        )
        .select_related("entry__platform", "pending_account")
        .order_by("available_at")[:limit]
    )


def creator_entries(creator) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(creator=creator).select_related("platform")


def creator_daily_earnings(creator, *, days: int = 90, currency: str | None = None) -> dict:
    """Net earnings credited to the creator per day (by occurred_at), for the last ``days``."""
    start_day = timezone.now().date() - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(start_day, time.min))
    filters = Q(
        account__creator=creator,
        account__kind=AccountKind.PENDING,
        entry__kind__in=EARNING_KINDS,
        occurred_at__gte=start,
    )
    if currency:
        filters &= Q(account__currency_id=currency)
    rows = (
        Posting.objects.filter(filters)
        .annotate(day=TruncDate("occurred_at"))
        .values("day", "account__currency_id")
        .annotate(s=Sum("amount"))
    )
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        series[row["account__currency_id"]][row["day"]] = -(row["s"] or 0)
    days_list = [start_day + timedelta(days=n) for n in range(days)]
    return {
        "days": days_list,
        "series": {cur: [values.get(d, 0) for d in days_list] for cur, values in series.items()},
    }


@dataclass
class Statement:
    accounts: list[Account]
    start: datetime
    end: datetime
    opening: int
    closing: int
    lines: list[dict] = field(default_factory=list)


def account_statement(accounts: list[Account], *, start: datetime, end: datetime) -> Statement:
    """Opening balance (everything before ``start``), each posting in [start, end), closing.
    Balances are shown the way people read them (credit-normal accounts positive)."""
    ids = [a.pk for a in accounts]
    signs = {a.pk: a.display_sign for a in accounts}
    before = (
        Posting.objects.filter(account_id__in=ids, occurred_at__lt=start)
        .values("account_id")
        .annotate(s=Sum("amount"))
    )
    opening = sum(signs[row["account_id"]] * (row["s"] or 0) for row in before)
    running = opening
    lines = []
    postings = (
        Posting.objects.filter(account_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("entry", "entry__platform", "account")
        .order_by("occurred_at", "id")
    )
    for posting in postings:
        amount = signs[posting.account_id] * posting.amount
        running += amount
        lines.append(
            {"posting": posting, "entry": posting.entry, "amount": amount, "balance": running}
        )
    return Statement(
        accounts=accounts, start=start, end=end, opening=opening, closing=running, lines=lines
    )
