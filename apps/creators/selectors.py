"""Reads of creators for the staff screens."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BigIntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_event_list
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor
from apps.ledger.models import AccountBalance, AccountKind
from apps.ledger.selectors import creator_balances, creator_entries, creator_pending_schedule

from .models import Creator, PlatformAccount


def _available_minor() -> Subquery:
    """What a creator may be paid now, in their default currency, in minor units as people read
    it: the sum of the balance counters of their ``available`` accounts, sign flipped (creator
    accounts are credit-normal)."""
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
    return Subquery(counters, output_field=BigIntegerField())


def creator_list() -> QuerySet[Creator]:
    """Creators with their user, currency, platform accounts (one prefetch) and
    ``available_minor`` computed in the database, so it can be filtered and ordered there."""
    accounts = PlatformAccount.objects.select_related("platform").order_by("platform__name")
    return (
        Creator.objects.select_related("user", "default_currency")
        .prefetch_related(Prefetch("platform_accounts", queryset=accounts))
        .annotate(available_minor=-Coalesce(_available_minor(), Value(0)))
        .order_by("display_name", "id")
    )


def creator_available_display(creator: Creator) -> str:
    """``available_minor`` of a ``creator_list`` row, formatted in its currency."""
    return format_minor(creator.available_minor, creator.default_currency.exponent)


def creator_get(pk: int) -> Creator:
    return get_object_or_404(
        Creator.objects.select_related("user", "default_currency").prefetch_related(
            Prefetch(
                "platform_accounts",
                queryset=PlatformAccount.objects.select_related("platform").order_by(
                    "platform__name"
                ),
            )
        ),
        pk=pk,
    )


@dataclass(frozen=True)
class BalanceLine:
    platform_slug: str
    platform_name: str
    currency: str
    pending: str
    available: str
    in_payout: str
    lifetime: str
    available_negative: bool


def creator_balance_lines(creator: Creator) -> list[BalanceLine]:
    """``ledger.selectors.creator_balances`` formatted for people (exact decimals)."""
    lines = []
    for row in creator_balances(creator):
        exponent = currency_exponent(row.currency)
        lines.append(
            BalanceLine(
                platform_slug=row.platform_slug,
                platform_name=row.platform_name,
                currency=row.currency,
                pending=format_minor(row.pending, exponent),
                available=format_minor(row.available, exponent),
                in_payout=format_minor(row.in_payout, exponent),
                lifetime=format_minor(row.lifetime, exponent),
                available_negative=row.available < 0,
            )
        )
    return lines


@dataclass(frozen=True)
class PendingLine:
    entry_id: int
    platform_name: str
    kind: str
    currency: str
    amount: str
    available_at: object


def creator_pending_lines(creator: Creator, *, limit: int = 50) -> list[PendingLine]:
    lines = []
    for lot in creator_pending_schedule(creator, limit=limit):
        currency = lot.pending_account.currency_id
        lines.append(
            PendingLine(
                entry_id=lot.entry_id,
                platform_name=lot.entry.platform.name if lot.entry.platform else "",
                kind=lot.entry.get_kind_display(),
                currency=currency,
                amount=format_minor(lot.amount, currency_exponent(currency)),
                available_at=lot.available_at,
            )
        )
    return lines


def creator_recent_entries(creator: Creator, *, limit: int = 20) -> list:
    return list(creator_entries(creator)[:limit])


def creator_audit_events(creator: Creator, *, limit: int = 20) -> list[AuditEvent]:
    return list(
        audit_event_list().filter(target_type="creators.creator", target_id=str(creator.pk))[:limit]
    )


# --- REST API v1 (/api/v1/creators/) ------------------------------------------------------
# Every creators queryset of the API starts from creator_queryset_for(principal): staff see
# every creator; a principal confined to one platform (a platform API key, which carries a
# ``platform`` attribute) sees only the creators who have an account on that platform, and
# only that platform's accounts and money. Imports are local to keep this section apart.


@dataclass(frozen=True)
class CreatorBalanceRow:
    """One platform and currency of a creator, in minor units as people read them
    (positive = owed to the creator)."""

    platform_slug: str
    platform_name: str
    currency: str
    exponent: int
    pending: int = 0
    available: int = 0
    in_payout: int = 0
    lifetime: int = 0


@dataclass(frozen=True)
class CreatorEarnings:
    """A creator's earnings in one currency (minor units as people read them)."""

    creator_id: int
    currency: str
    exponent: int
    total: int
    this_month: int
    last_payout: int | None
    pending_payout: int
    platforms: dict[str, int]


def principal_platform(principal):
    """The platform a principal is confined to (a platform API key), or None for people."""
    return getattr(principal, "platform", None)


def creator_queryset_for(principal) -> QuerySet[Creator]:
    """The creators ``principal`` may read, ordered by display name then id, with their
    platform accounts prefetched (one query) — restricted to the principal's own platform when
    it is confined to one. Anyone else (no platform, no ``creators.view_creator``) sees none."""
    from django.db.models import Exists

    platform = principal_platform(principal)
    accounts = PlatformAccount.objects.select_related("platform").order_by("platform__name", "id")
    if platform is not None:
        accounts = accounts.filter(platform=platform)
        creators = Creator.objects.filter(
            Exists(PlatformAccount.objects.filter(creator=OuterRef("pk"), platform=platform))
        )
    elif getattr(principal, "is_authenticated", False) and principal.has_perm(
        "creators.view_creator"
    ):
        creators = Creator.objects.all()
    else:
        return Creator.objects.none()
    return creators.prefetch_related(Prefetch("platform_accounts", queryset=accounts)).order_by(
        "display_name", "id"
    )


def creator_get_for(principal, pk: int) -> Creator:
    """One creator ``principal`` may read, or Http404 (also when it exists but is not theirs,
    so a platform cannot probe for another platform's creators)."""
    return get_object_or_404(creator_queryset_for(principal), pk=pk)


def creator_balance_rows(creator: Creator, *, platform=None) -> list[CreatorBalanceRow]:
    """Per platform and currency: pending, available, in payout (current balances from the
    balance counters) and lifetime (net earnings ever credited to pending). Two grouped
    queries whatever the history; ``platform`` limits the rows to one platform."""
    from django.db.models import Q

    from apps.ledger.models import CREATOR_KINDS, EARNING_KINDS, Account, Posting

    scope = Q(creator=creator, kind__in=CREATOR_KINDS)
    if platform is not None:
        scope &= Q(platform=platform)
    balances = (
        Account.objects.filter(scope)
        .values("platform__slug", "platform__name", "currency_id", "currency__exponent", "kind")
        .annotate(
            balance=Coalesce(
                Sum("balance_shards__balance"), Value(0), output_field=BigIntegerField()
            )
        )
        .order_by()
    )
    rows: dict[tuple[str, str], dict] = {}
    for item in balances:
        row = rows.setdefault(
            (item["platform__slug"], item["currency_id"]),
            {
                "platform_slug": item["platform__slug"],
                "platform_name": item["platform__name"],
                "currency": item["currency_id"],
                "exponent": item["currency__exponent"],
            },
        )
        row[item["kind"]] = -item["balance"]
    lifetime = Posting.objects.filter(
        account__creator=creator,
        account__kind=AccountKind.PENDING,
        entry__kind__in=EARNING_KINDS,
    )
    if platform is not None:
        lifetime = lifetime.filter(account__platform=platform)
    for item in (
        lifetime.values("account__platform__slug", "account__currency_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        row = rows.get((item["account__platform__slug"], item["account__currency_id"]))
        if row is not None:
            row["lifetime"] = -(item["total"] or 0)
    return sorted(
        (CreatorBalanceRow(**row) for row in rows.values()),
        key=lambda r: (r.platform_name, r.currency),
    )


def creator_earnings_summary(
    creator: Creator, *, currency: str, exponent: int, platform=None, now=None
) -> CreatorEarnings:
    """Earnings in ``currency`` only (accounts in other currencies do not count):

    - ``total``: net earnings (after the platform fee) ever credited to the creator's pending
      accounts by earning entries (subscription, renewal, tip, purchase); later refunds and
      chargebacks are not deducted (they show in the balances);
    - ``this_month``: the same, for entries that occurred in the month (UTC) of ``now``;
    - ``last_payout``: the net amount the most recent entry of kind ``payout`` moved out of
      the creator's accounts (None until one exists);
    - ``pending_payout``: the current ``in_payout`` balance;
    - ``platforms``: ``total`` per platform slug (0 for platforms without earnings).

    ``creator.platform_accounts`` should be prefetched (``creator_queryset_for``). Three
    queries."""
    from datetime import UTC, timedelta

    from django.db.models import Q
    from django.utils import timezone

    from apps.ledger.models import EARNING_KINDS, EntryKind, Posting

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


def creator_open_payout_holds(creator: Creator, *, limit: int = 20) -> list:
    """The creator's holds still in force, newest first (one query)."""
    from .models import PayoutHold

    return list(
        PayoutHold.objects.filter(creator=creator, released_at__isnull=True)
        .select_related("platform", "placed_by")
        .order_by("-placed_at", "-id")[:limit]
    )
