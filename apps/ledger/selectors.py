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
        AccountBalance.objects.filter(account__creator=creator, account__kind=AccountKind.PENDING)
        .values("account__platform__slug", "account__currency_id")
        .annotate(s=Sum("earned"))
    )
    for item in lifetime:
        key = (item["account__platform__slug"], item["account__currency_id"])
        if key in rows:
            rows[key].lifetime = item["s"] or 0
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


# --- finance screens, exports ------------------------------------------------------------
# (Added for the ledger explorer, entry pages, statements and exports; the functions above
# are unchanged.)


def ledger_account_list() -> QuerySet[Account]:
    """Every account with its current signed balance (debit positive) as ``balance``: the
    balance counters summed in the same grouped query, so a page of accounts is one query
    whatever the history behind them. Owners and currency are joined for display."""
    from django.db.models.functions import Coalesce

    return (
        Account.objects.select_related("currency", "creator", "platform")
        .annotate(balance=Coalesce(Sum("balance_shards__balance"), 0))
        .order_by("key")
    )


def ledger_account_get(pk: int) -> Account:
    """One account with its owners and currency (Account.DoesNotExist if absent)."""
    return Account.objects.select_related("currency", "creator", "platform").get(pk=pk)


def account_postings(account: Account | int) -> QuerySet[Posting]:
    """Postings of one account, newest first, with their entries (for a paginated table)."""
    account_id = account if isinstance(account, int) else account.pk
    return (
        Posting.objects.filter(account_id=account_id)
        .select_related("entry")
        .order_by("-occurred_at", "-id")
    )


def ledger_entry_list() -> QuerySet[JournalEntry]:
    """Journal entries, newest first, with platform, creator and postings (one prefetch)."""
    from django.db.models import Prefetch

    return (
        JournalEntry.objects.select_related("platform", "creator")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.select_related("account__currency").order_by("id"),
            )
        )
        .order_by("-occurred_at", "-id")
    )


def ledger_entry_get(pk: int) -> JournalEntry:
    """One entry with everything its page shows: owners, who posted it, the entry it
    reverses, the reversal that reverses it, its pending-release lot, and its postings."""
    from django.db.models import Prefetch

    return (
        JournalEntry.objects.select_related(
            "platform",
            "creator",
            "posted_by",
            "reverses",
            "reversed_by",
            "pending_release__released_entry",
            "pending_release__pending_account__currency",
        )
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.select_related("account__currency").order_by("id"),
            )
        )
        .get(pk=pk)
    )


def currency_exponents(codes) -> dict[str, int]:
    """Exponent per currency code, in one query."""
    from apps.core.models import Currency

    return dict(Currency.objects.filter(code__in=set(codes)).values_list("code", "exponent"))


def creator_statement_accounts(creator) -> list[Account]:
    """The creator's own accounts (pending, available, in payout) with platform and currency."""
    return list(
        Account.objects.filter(creator=creator, kind__in=CREATOR_KINDS)
        .select_related("platform", "currency")
        .order_by("platform__name", "currency_id", "kind")
    )


def ledger_accounts_opened(*, as_of: datetime | None = None) -> QuerySet:
    """Per account with postings up to ``as_of``: id, key, kind, currency, creator, platform
    slug and the instant of its first posting (``first_at``); one grouped query."""
    from django.db.models import Min

    postings = Posting.objects.all()
    if as_of is not None:
        postings = postings.filter(occurred_at__lte=as_of)
    return (
        postings.values(
            "account_id",
            "account__key",
            "account__kind",
            "account__currency_id",
            "account__creator_id",
            "account__platform__slug",
        )
        .annotate(first_at=Min("occurred_at"))
        .order_by("account__key")
    )


def ledger_entries_for_export(*, as_of: datetime | None = None) -> QuerySet[JournalEntry]:
    """Entries up to ``as_of`` in time order with their postings (amount and account id only).
    Meant for ``.iterator(chunk_size=...)``: the postings are prefetched per chunk."""
    from django.db.models import Prefetch

    entries = JournalEntry.objects.all()
    if as_of is not None:
        entries = entries.filter(occurred_at__lte=as_of)
    return (
        entries.only("id", "kind", "memo", "occurred_at")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=Posting.objects.only("id", "entry_id", "account_id", "amount").order_by(
                    "id"
                ),
            )
        )
        .order_by("occurred_at", "id")
    )


def ledger_postings_for_export(*, as_of: datetime | None = None) -> QuerySet:
    """One row per posting up to ``as_of`` (values, in time order) for a flat export."""
    postings = Posting.objects.all()
    if as_of is not None:
        postings = postings.filter(occurred_at__lte=as_of)
    return postings.values_list(
        "entry_id",
        "entry__occurred_at",
        "entry__kind",
        "account__key",
        "account__currency_id",
        "amount",
        "entry__memo",
    ).order_by("occurred_at", "entry_id", "id")


def ledger_currencies_in_use() -> list[str]:
    """Currency codes of every account, sorted."""
    return sorted(set(Account.objects.values_list("currency_id", flat=True).distinct()))


# --- REST API v1: what a principal may read --------------------------------------------------
# A principal confined to one platform (a platform API key: ``principal.platform``) reads only
# the entries of that platform; staff need ``ledger.view_ledger``; anyone else reads nothing.


def _entry_scope(principal, queryset: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    platform = getattr(principal, "platform", None)
    if platform is not None:
        return queryset.filter(platform=platform)
    if getattr(principal, "is_authenticated", False) and principal.has_perm("ledger.view_ledger"):
        return queryset
    return queryset.none()


def ledger_entry_list_for(principal) -> QuerySet[JournalEntry]:
    """``ledger_entry_list`` as ``principal`` may read it."""
    return _entry_scope(principal, ledger_entry_list())


def ledger_entry_get_for(principal, pk: int) -> JournalEntry:
    """One entry ``principal`` may read; ``JournalEntry.DoesNotExist`` otherwise (also when it
    belongs to another platform, so a key cannot probe for other platforms' entries)."""
    if not _entry_scope(principal, JournalEntry.objects.filter(pk=pk)).exists():
        raise JournalEntry.DoesNotExist
    return ledger_entry_get(pk)


def earning_entry_list_for(principal) -> QuerySet[JournalEntry]:
    """Earning entries (subscription, renewal, tip, purchase) ``principal`` may read, newest
    first, with postings (and their accounts), the pending-release lot and
    ``creator_external_id`` (the creator's id on the entry's platform) in the same queries."""
    from django.db.models import OuterRef, Subquery

    from apps.creators.models import PlatformAccount

    external_id = PlatformAccount.objects.filter(
        creator_id=OuterRef("creator_id"), platform_id=OuterRef("platform_id")
    ).values("external_id")[:1]
    entries = (
        ledger_entry_list()
        .filter(kind__in=EARNING_KINDS)
        .select_related("pending_release")
        .annotate(creator_external_id=Subquery(external_id))
    )
    return _entry_scope(principal, entries)
