"""One creator's money as the ledger knows it: balances per platform and currency, what is
still on hold, the entries that moved it, daily earnings, the earnings summary platforms
compare with their own figures, and statements. Staff screens, the creator's own pages and
the API all read it here.

Amounts are integer minor units as people read them: positive = owed to the creator (creator
accounts are credit-normal, so the ledger's signed amounts are flipped with
``Account.display_sign``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from django.db.models import (
    BigIntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from apps.creators.models import Creator
from apps.ledger.models import (
    CREATOR_KINDS,
    EARNING_KINDS,
    Account,
    AccountBalance,
    AccountKind,
    EntryKind,
    JournalEntry,
    PendingRelease,
    Posting,
)

# How the creator's three balances are ordered and named wherever they are listed.
BALANCE_ORDER = (AccountKind.PENDING, AccountKind.AVAILABLE, AccountKind.IN_PAYOUT)


# --- balances --------------------------------------------------------------------------------


@dataclass
class CreatorBalanceRow:
    """One platform and currency of a creator."""

    platform_slug: str
    platform_name: str
    currency: str
    exponent: int
    pending: int = 0
    available: int = 0
    in_payout: int = 0
    lifetime: int = 0  # net earnings ever credited to pending (refunds not deducted)


def creator_balances(creator: Creator, *, platform=None) -> list[CreatorBalanceRow]:
    """Per platform and currency: pending, available and in payout (current balances, from
    the balance counters) and lifetime earnings (the counters' ``earned``). One grouped query
    whatever the history; ``platform`` limits the rows to one platform."""
    scope = Q(creator=creator, kind__in=CREATOR_KINDS)
    if platform is not None:
        scope &= Q(platform=platform)
    grouped = (
        Account.objects.filter(scope)
        .values("platform__slug", "platform__name", "currency_id", "currency__exponent", "kind")
        .annotate(
            balance=Coalesce(
                Sum("balance_shards__balance"), Value(0), output_field=BigIntegerField()
            ),
            earned=Coalesce(
                Sum("balance_shards__earned"), Value(0), output_field=BigIntegerField()
            ),
        )
        .order_by()
    )
    rows: dict[tuple[str, str], CreatorBalanceRow] = {}
    for item in grouped:
        row = rows.setdefault(
            (item["platform__slug"], item["currency_id"]),
            CreatorBalanceRow(
                item["platform__slug"],
                item["platform__name"],
                item["currency_id"],
                item["currency__exponent"],
            ),
        )
        setattr(row, item["kind"], -item["balance"])
        if item["kind"] == AccountKind.PENDING:
            row.lifetime = item["earned"]
    return sorted(rows.values(), key=lambda r: (r.platform_name, r.currency))


def creators_with_available(creators: QuerySet[Creator]) -> QuerySet[Creator]:
    """``creators`` annotated with ``available_minor``: what each may be paid now in their
    default currency (the counters of their ``available`` accounts), computed in the database
    so a list can be filtered and ordered by it."""
    counters = (
        AccountBalance.objects.filter(
            account__creator=OuterRef("pk"),
            account__kind=AccountKind.AVAILABLE,
            account__currency_id=OuterRef("default_currency_id"),
        )
        .order_by()
        .values("account__creator")
        .annotate(total=Sum("balance"))
        .values("total")
    )
    available = Subquery(counters, output_field=BigIntegerField())
    return creators.annotate(available_minor=-Coalesce(available, Value(0)))


def creator_pending_schedule(creator: Creator, *, limit: int = 50) -> QuerySet[PendingRelease]:
    """Amounts still on hold, soonest first, with the date each becomes available."""
    return (
        PendingRelease.objects.filter(
            entry__creator=creator, released_entry__isnull=True, amount__gt=0
        )
        .select_related("entry__platform", "pending_account__currency")
        .order_by("available_at")[:limit]
    )


def creator_entries(creator: Creator) -> QuerySet[JournalEntry]:
    """Entries that moved money on the creator's own accounts, newest first, each with only
    the creator's postings attached (``creator_postings``): other parties' legs (processor
    clearing, fee revenue, anyone else) are never loaded."""
    own_postings = (
        Posting.objects.filter(account__creator=creator, account__kind__in=CREATOR_KINDS)
        .select_related("account__platform", "account__currency")
        .order_by("id")
    )
    # Every ledger service stamps the entry with the creator whose money it moves, so the
    # (creator, -occurred_at) index answers this (and a paginator's count) directly.
    return (
        JournalEntry.objects.filter(creator=creator)
        .select_related("platform")
        .prefetch_related(Prefetch("postings", queryset=own_postings, to_attr="creator_postings"))
        .order_by("-occurred_at", "-id")
    )


def creator_daily_earnings(creator: Creator, *, days: int = 90, currency: str | None = None):
    """Net earnings credited to the creator per UTC day (by ``occurred_at``) over the last
    ``days``: ``{"days": [date, ...], "series": {currency: [minor, ...]}}``."""
    start_day = timezone.now().astimezone(UTC).date() - timedelta(days=days - 1)
    start = datetime.combine(start_day, time.min, tzinfo=UTC)
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
        .annotate(day=TruncDate("occurred_at", tzinfo=UTC))
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


# --- the earnings summary (API, reconciliation with the platforms' figures) ------------------


@dataclass(frozen=True)
class CreatorEarnings:
    """A creator's earnings in one currency."""

    creator_id: int
    currency: str
    exponent: int
    total: int
    this_month: int
    last_payout: int | None
    pending_payout: int
    platforms: dict[str, int]


def creator_earnings_summary(
    creator: Creator, *, currency: str, exponent: int, platform=None, now=None
) -> CreatorEarnings:
    """Earnings in ``currency`` only (accounts in other currencies do not count):

    - ``total``: net earnings (after the platform fee) ever credited to the creator's pending
      accounts by earning entries (subscription, renewal, tip, purchase); later refunds and
      chargebacks are not deducted (they show in the balances);
    - ``this_month``: the same, for entries that occurred in the month (UTC) of ``now`` (a
      report made at a month's end but processed after midnight counts that month);
    - ``last_payout``: the net amount the most recent entry of kind ``payout`` moved out of
      the creator's accounts (None until one exists);
    - ``pending_payout``: the current ``in_payout`` balance;
    - ``platforms``: ``total`` per platform slug (0 for platforms without earnings).

    ``creator.platform_accounts`` should be prefetched (``creator_queryset_for``). Three
    queries."""
    now = now or timezone.now()
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_end = (month_start + timedelta(days=32)).replace(day=1)
    own = Q(account__creator=creator, account__currency_id=currency)
    if platform is not None:
        own &= Q(account__platform=platform)

    platforms = {account.platform.slug: 0 for account in creator.platform_accounts.all()}
    total = this_month = 0
    earned = (
        Posting.objects.filter(
            own, account__kind=AccountKind.PENDING, entry__kind__in=EARNING_KINDS
        )
        .values("account__platform__slug")
        .annotate(
            total=Sum("amount"),
            month=Sum("amount", filter=Q(occurred_at__gte=month_start, occurred_at__lt=month_end)),
        )
        .order_by()
    )
    for item in earned:
        platform_total = -(item["total"] or 0)
        platforms[item["account__platform__slug"]] = platform_total
        total += platform_total
        this_month -= item["month"] or 0

    # Debits to the creator's accounts are money leaving them; an entry that only moves money
    # between the creator's own accounts nets to zero and is not a payout made.
    last = (
        Posting.objects.filter(own, entry__kind=EntryKind.PAYOUT)
        .values("entry_id", "entry__occurred_at")
        .annotate(paid=Sum("amount"))
        .filter(paid__gt=0)
        .order_by("-entry__occurred_at", "-entry_id")
        .first()
    )
    in_payout = AccountBalance.objects.filter(own, account__kind=AccountKind.IN_PAYOUT).aggregate(
        total=Sum("balance")
    )["total"]

    return CreatorEarnings(
        creator_id=creator.pk,
        currency=currency,
        exponent=exponent,
        total=total,
        this_month=this_month,
        last_payout=last["paid"] if last else None,
        pending_payout=-(in_payout or 0),
        platforms=dict(sorted(platforms.items())),
    )


# --- statements ------------------------------------------------------------------------------


def creator_statement_accounts(
    creator: Creator, *, platform: str = "", currency: str = ""
) -> list[Account]:
    """The creator's own accounts (pending, available, in payout) with platform and currency,
    narrowed by platform slug and currency code, in statement order."""
    accounts = Account.objects.filter(creator=creator, kind__in=CREATOR_KINDS).select_related(
        "platform", "currency"
    )
    if platform:
        accounts = accounts.filter(platform__slug=platform)
    if currency:
        accounts = accounts.filter(currency_id=currency.upper())
    return sorted(
        accounts,
        key=lambda a: (a.platform.name, a.currency_id, BALANCE_ORDER.index(a.kind)),
    )


@dataclass
class StatementLine:
    """One posting of a statement, as people read it."""

    posting: Posting
    entry: JournalEntry
    account: Account
    amount: int
    balance: int  # running balance of all the statement's accounts together
    account_balance: int  # running balance of this posting's own account


@dataclass
class Statement:
    """The accounts' postings in [start, end) with the balances around them. ``openings``
    holds each account's balance before ``start``; :meth:`lines` streams the postings with
    running balances (two queries up front, then the postings in chunks)."""

    accounts: list[Account]
    start: datetime
    end: datetime
    openings: dict[int, int] = field(default_factory=dict)

    @property
    def opening(self) -> int:
        return sum(self.openings.values())

    @cached_property
    def closing(self) -> int:
        """The balance at ``end`` (one grouped query over the range)."""
        signs = {account.pk: account.display_sign for account in self.accounts}
        moved = self._postings().values("account_id").annotate(s=Sum("amount")).order_by()
        return self.opening + sum(signs[row["account_id"]] * (row["s"] or 0) for row in moved)

    def _postings(self) -> QuerySet[Posting]:
        return Posting.objects.filter(
            account__in=self.accounts, occurred_at__gte=self.start, occurred_at__lt=self.end
        )

    def moved_account_ids(self) -> set[int]:
        """The accounts with a posting in the range (one query)."""
        return set(self._postings().values_list("account_id", flat=True).distinct())

    def lines(self) -> Iterator[StatementLine]:
        by_id = {account.pk: account for account in self.accounts}
        running = dict(self.openings)
        total = self.opening
        postings = self._postings().select_related("entry__platform").order_by("occurred_at", "id")
        for posting in postings.iterator(chunk_size=2000):
            account = by_id[posting.account_id]
            amount = account.display_sign * posting.amount
            running[account.pk] = running.get(account.pk, 0) + amount
            total += amount
            yield StatementLine(posting, posting.entry, account, amount, total, running[account.pk])


def account_statement(accounts: list[Account], *, start: datetime, end: datetime) -> Statement:
    """The statement of ``accounts`` (one currency) from ``start`` to ``end``: the opening
    balance of each account is one grouped query over everything before ``start``."""
    signs = {account.pk: account.display_sign for account in accounts}
    before = (
        Posting.objects.filter(account__in=accounts, occurred_at__lt=start)
        .values("account_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    openings = {account.pk: 0 for account in accounts}
    for row in before:
        openings[row["account_id"]] = signs[row["account_id"]] * (row["s"] or 0)
    return Statement(accounts=accounts, start=start, end=end, openings=openings)
