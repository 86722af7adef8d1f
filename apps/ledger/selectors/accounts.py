"""Reads of the ledger as a whole: balances, the trial balance, the account and entry explorer,
exports, and what an API principal may read. Current balances come from the balance counters
(a handful of rows per account whatever its history); balances ``as_of`` a past instant sum
the postings up to it through the (account, occurred_at) index."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Case,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.models import Currency
from apps.creators.models import PlatformAccount
from apps.ledger.models import (
    EARNING_KINDS,
    Account,
    AccountBalance,
    AccountKind,
    JournalEntry,
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


# --- finance screens, exports ------------------------------------------------------------
# (Added for the ledger explorer, entry pages, statements and exports; the functions above
# are unchanged.)


def ledger_account_list() -> QuerySet[Account]:
    """Every account with its current signed balance (debit positive) as ``balance``: the
    balance counters summed in the same grouped query, so a page of accounts is one query
    whatever the history behind them. Owners and currency are joined for display."""

    return (
        Account.objects.select_related("currency", "creator", "platform")
        .annotate(
            balance=Coalesce(Sum("balance_shards__balance"), 0),
            owner_order=Case(
                When(creator__isnull=False, then=Value(0)),
                When(platform__isnull=False, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            kind_order=Case(
                *(When(kind=kind, then=Value(n)) for n, kind in enumerate(AccountKind.values)),
                default=Value(len(AccountKind.values)),
                output_field=IntegerField(),
            ),
        )
        # In the database (the list is paginated), naturally: creators by id (C10 after C9,
        # not after C109), then platform accounts, then the network's; kind in the chart's
        # order (pending, available, in payout, ...), then currency.
        .order_by("owner_order", "creator_id", "platform__slug", "kind_order", "currency_id", "id")
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

    return dict(Currency.objects.filter(code__in=set(codes)).values_list("code", "exponent"))


def ledger_accounts_opened(*, as_of: datetime | None = None) -> QuerySet:
    """Per account with postings up to ``as_of``: id, key, kind, currency, creator, platform
    slug and the instant of its first posting (``first_at``); one grouped query."""

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
