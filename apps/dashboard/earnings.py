"""A creator's own earnings: balances, what is still on hold, a 90-day chart, the entries that
moved their money in plain words, and a CSV statement.

There is no URL parameter naming a creator: every read starts from ``request.user.creator``
and from the creator's own accounts, so another creator's data cannot be asked for. Amounts
stay integer minor units until the template or the CSV writer needs text (``format_minor``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from apps.core.csv import csv_stream
from apps.core.currencies import currency_exponent
from apps.core.money import format_minor
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.ledger.models import (
    CREATOR_KINDS,
    Account,
    AccountKind,
    EntryKind,
    JournalEntry,
    Posting,
)
from apps.ledger.selectors import (
    creator_balances,
    creator_daily_earnings,
    creator_pending_schedule,
)

ENTRIES_PAGE_SIZE = 25
CHART_DAYS = 90
PENDING_SCHEDULE_LIMIT = 50
STATEMENT_MAX_DAYS = 366

BALANCE_LABELS = {
    AccountKind.PENDING: "pending",
    AccountKind.AVAILABLE: "available",
    AccountKind.IN_PAYOUT: "in payout",
}


# --- access ------------------------------------------------------------------------------


def _own_creator(request: HtmxHttpRequest) -> Creator:
    """The signed-in user's creator profile; users without one (staff included) get 404."""
    try:
        return request.user.creator
    except Creator.DoesNotExist:
        raise Http404("No creator profile.") from None


# --- formatting at the display edge ------------------------------------------------------


def _money(minor: int, currency: str) -> str:
    return format_minor(minor, currency_exponent(currency))


def _signed_money(minor: int, currency: str) -> str:
    text = _money(minor, currency)
    return f"+{text}" if minor > 0 else text.replace("-", "\u2212", 1)


_ENTRY_WORDS = {
    EntryKind.SUBSCRIPTION: "New subscription",
    EntryKind.RENEWAL: "Subscription renewal",
    EntryKind.TIP: "Tip",
    EntryKind.PURCHASE: "Content purchase",
    EntryKind.REFUND: "Refund",
    EntryKind.CHARGEBACK: "Chargeback",
    EntryKind.RELEASE: "Earnings released",
    EntryKind.ADJUSTMENT: "Adjustment",
    EntryKind.REVERSAL: "Correction of an earlier entry",
}


def _transfer_words(kind: str, display_amount: int) -> str:
    """A transfer between the creator's own balances, told from one of its postings."""
    into_payout = (kind == AccountKind.IN_PAYOUT and display_amount > 0) or (
        kind == AccountKind.AVAILABLE and display_amount < 0
    )
    back_from_payout = (kind == AccountKind.IN_PAYOUT and display_amount < 0) or (
        kind == AccountKind.AVAILABLE and display_amount > 0
    )
    if into_payout:
        return "Reserved for a payout"
    if back_from_payout:
        return "Returned from payout to available"
    return "Moved between your balances"


def entry_words(entry: JournalEntry, *, kind: str = "", display_amount: int = 0) -> str:
    """What happened, the way a creator says it: "Tip on BoyFanz", "Refund on PupFanz"."""
    if entry.kind == EntryKind.PAYOUT:
        return "Payout"
    if entry.kind == EntryKind.TRANSFER:
        words = _transfer_words(kind, display_amount)
    else:
        words = _ENTRY_WORDS.get(entry.kind, entry.get_kind_display())
    if entry.platform_id:
        return f"{words} on {entry.platform.name}"
    return words


@dataclass
class Movement:
    """One posting on one of the creator's accounts, sign flipped to how they read it."""

    balance: str  # AccountKind value: pending / available / in_payout
    platform: str
    currency: str
    minor: int

    @property
    def balance_label(self) -> str:
        return BALANCE_LABELS.get(self.balance, self.balance)

    @property
    def amount(self) -> str:
        return _signed_money(self.minor, self.currency)


@dataclass
class EntryLine:
    entry: JournalEntry
    words: str
    movements: list[Movement] = field(default_factory=list)


def _entry_line(entry: JournalEntry) -> EntryLine:
    movements = [
        Movement(
            balance=p.account.kind,
            platform=p.account.platform.name,
            currency=p.account.currency_id,
            minor=p.account.display_sign * p.amount,
        )
        for p in entry.creator_postings
    ]
    first = movements[0] if movements else None
    words = entry_words(
        entry,
        kind=first.balance if first else "",
        display_amount=first.minor if first else 0,
    )
    return EntryLine(entry=entry, words=words, movements=movements)


# --- reads -------------------------------------------------------------------------------


def creator_entry_list(creator: Creator) -> QuerySet[JournalEntry]:
    """Entries that moved money on the creator's own accounts, newest first, each with only
    the creator's postings attached (``creator_postings``): other parties' legs (processor
    clearing, fee revenue, anyone else) are never loaded."""
    own_postings = (
        Posting.objects.filter(account__creator=creator, account__kind__in=CREATOR_KINDS)
        .select_related("account__platform")
        .order_by("id")
    )
    # Every ledger service stamps the entry with the creator whose money it moves, so the
    # (creator, -occurred_at) index answers this (and the paginator's count) directly.
    return (
        JournalEntry.objects.filter(creator=creator)
        .select_related("platform")
        .prefetch_related(Prefetch("postings", queryset=own_postings, to_attr="creator_postings"))
        .order_by("-occurred_at", "-id")
    )


@dataclass
class BalanceLine:
    platform: str
    currency: str
    pending: str
    available: str
    in_payout: str
    lifetime: str
    available_negative: bool


@dataclass
class CurrencyTotal:
    currency: str
    pending: int = 0
    available: int = 0
    in_payout: int = 0
    lifetime: int = 0

    def formatted(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "pending": _money(self.pending, self.currency),
            "available": _money(self.available, self.currency),
            "in_payout": _money(self.in_payout, self.currency),
            "lifetime": _money(self.lifetime, self.currency),
        }


def _balances_context(creator: Creator) -> dict:
    rows = creator_balances(creator)
    lines = []
    totals: dict[str, CurrencyTotal] = {}
    for row in rows:
        lines.append(
            BalanceLine(
                platform=row.platform_name,
                currency=row.currency,
                pending=_money(row.pending, row.currency),
                available=_money(row.available, row.currency),
                in_payout=_money(row.in_payout, row.currency),
                lifetime=_money(row.lifetime, row.currency),
                available_negative=row.available < 0,
            )
        )
        total = totals.setdefault(row.currency, CurrencyTotal(row.currency))
        total.pending += row.pending
        total.available += row.available
        total.in_payout += row.in_payout
        total.lifetime += row.lifetime
    return {
        "balances": lines,
        "totals": [totals[c].formatted() for c in sorted(totals)],
        "platform_choices": sorted({(r.platform_slug, r.platform_name) for r in rows}),
        "currency_choices": sorted(totals),
    }


def _pending_context(creator: Creator) -> list[dict]:
    return [
        {
            "amount": _money(lot.amount, lot.pending_account.currency_id),
            "currency": lot.pending_account.currency_id,
            "platform": lot.entry.platform.name if lot.entry.platform_id else "",
            "words": entry_words(lot.entry),
            "available_on": lot.available_at,
            "entry_id": lot.entry_id,
        }
        for lot in creator_pending_schedule(creator, limit=PENDING_SCHEDULE_LIMIT)
    ]


def _chart_context(creator: Creator) -> dict:
    """The chart's data as decimal strings (exact; the script turns them into numbers only
    to draw), and the same figures as a table for readers without JavaScript."""
    daily = creator_daily_earnings(creator, days=CHART_DAYS)
    days: list[date] = daily["days"]
    series = []
    for currency in sorted(daily["series"]):
        values = daily["series"][currency]
        series.append(
            {
                "currency": currency,
                "values": [_money(v, currency) for v in values],
                "total": _money(sum(values), currency),
            }
        )
    currencies = [s["currency"] for s in series]
    table = []
    for index in reversed(range(len(days))):
        if any(daily["series"][c][index] for c in currencies):
            table.append(
                {
                    "day": days[index],
                    "amounts": [s["values"][index] for s in series],
                }
            )
    return {
        "chart_data": {
            "days": [d.isoformat() for d in days],
            "series": [{"currency": s["currency"], "values": s["values"]} for s in series],
        },
        "chart_series": series,
        "chart_table": table,
        "chart_days": CHART_DAYS,
        "chart_start": days[0] if days else None,
    }


def _entries_page(request: HtmxHttpRequest, creator: Creator):
    page = Paginator(creator_entry_list(creator), ENTRIES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.lines = [_entry_line(entry) for entry in page.object_list]
    return page


# --- statement ---------------------------------------------------------------------------


class StatementForm(forms.Form):
    """Only the range is validated; platform and currency merely narrow the creator's own
    accounts, so a value naming nothing of theirs yields an empty statement, never an error
    that would tell whether something exists."""

    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.CharField(label="Platform", required=False, max_length=50)
    currency = forms.CharField(label="Currency", required=False, max_length=3)

    def __init__(self, *args, platforms=(), currencies=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].widget = forms.Select(choices=[("", "All platforms"), *platforms])
        self.fields["currency"].widget = forms.Select(
            choices=[("", "All currencies")] + [(c, c) for c in currencies]
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date must be on or before the end date.")
            if (end - start).days + 1 > STATEMENT_MAX_DAYS:
                raise forms.ValidationError(
                    f"A statement covers at most {STATEMENT_MAX_DAYS} days; "
                    "download a longer period in parts."
                )
        return data


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class StatementAccount:
    account: Account
    opening: int = 0
    running: int = 0
    moved: bool = False


def creator_statement_accounts(
    creator: Creator, *, start: datetime, platform: str = "", currency: str = ""
) -> list[StatementAccount]:
    """The creator's own accounts (narrowed by platform slug and currency) with their opening
    balance before ``start``, as the creator reads it."""
    accounts = Account.objects.filter(creator=creator, kind__in=CREATOR_KINDS).select_related(
        "platform"
    )
    if platform:
        accounts = accounts.filter(platform__slug=platform)
    if currency:
        accounts = accounts.filter(currency_id=currency.upper())
    accounts = list(accounts)
    before = dict(
        Posting.objects.filter(account__in=accounts, occurred_at__lt=start)
        .values("account_id")
        .annotate(s=Sum("amount"))
        .values_list("account_id", "s")
    )
    result = []
    for account in accounts:
        opening = account.display_sign * (before.get(account.pk) or 0)
        result.append(StatementAccount(account=account, opening=opening, running=opening))
    kind_order = list(BALANCE_LABELS)
    result.sort(
        key=lambda s: (
            s.account.platform.name,
            s.account.currency_id,
            kind_order.index(s.account.kind),
        )
    )
    return result


STATEMENT_HEADER = [
    "date",
    "entry",
    "platform",
    "description",
    "balance",
    "amount",
    "currency",
    "running_balance",
]


def statement_rows(
    accounts: list[StatementAccount], *, start: datetime, end: datetime, last_day: date
) -> Iterator[list[str]]:
    """Opening line per account, each posting in [start, end) with the running balance of its
    account, closing line per account. Accounts with nothing to say are left out."""
    by_id = {s.account.pk: s for s in accounts}
    postings = (
        Posting.objects.filter(account__in=[s.account for s in accounts])
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .select_related("entry__platform")
        .order_by("occurred_at", "id")
    )
    # The opening lines need to know which accounts moved; one cheap query tells.
    moved_ids = set(
        Posting.objects.filter(account__in=[s.account for s in accounts])
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .values_list("account_id", flat=True)
        .distinct()
    )
    shown = [s for s in accounts if s.opening or s.account.pk in moved_ids]

    def balance_line(s: StatementAccount, day: date, words: str, minor: int) -> list[str]:
        account = s.account
        return [
            day.isoformat(),
            "",
            account.platform.name,
            words,
            account.kind,
            "",
            account.currency_id,
            _money(minor, account.currency_id),
        ]

    yield STATEMENT_HEADER
    for s in shown:
        yield balance_line(s, start.date(), "Opening balance", s.opening)
    if moved_ids:
        for posting in postings.iterator(chunk_size=2000):
            s = by_id[posting.account_id]
            account = s.account
            amount = account.display_sign * posting.amount
            s.running += amount
            yield [
                timezone.localtime(posting.occurred_at).date().isoformat(),
                str(posting.entry_id),
                account.platform.name,
                entry_words(posting.entry, kind=account.kind, display_amount=amount),
                account.kind,
                _money(amount, account.currency_id),
                account.currency_id,
                _money(s.running, account.currency_id),
            ]
    for s in shown:
        yield balance_line(s, last_day, "Closing balance", s.running)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


# --- views -------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def earnings_home_view(request: HtmxHttpRequest):
    creator = _own_creator(request)
    template = "earnings/home.html"
    if request.htmx and not request.htmx.boosted:
        # Pagination asks for the entries only; the rest of the page stays as it is.
        return render(request, template + "#entries", {"page": _entries_page(request, creator)})
    context = _balances_context(creator)
    today = timezone.localdate()
    context.update(
        {
            "creator": creator,
            "pending_schedule": _pending_context(creator),
            "page": _entries_page(request, creator),
            "statement_form": StatementForm(
                initial={"start": today.replace(day=1), "end": today},
                platforms=context["platform_choices"],
                currencies=context["currency_choices"],
            ),
            **_chart_context(creator),
        }
    )
    return render(request, template, context)


@login_required
def earnings_entry_view(request: HtmxHttpRequest, pk: int):
    creator = _own_creator(request)
    entry = get_object_or_404(creator_entry_list(creator).select_related("reverses"), pk=pk)
    line = _entry_line(entry)
    context = {"line": line, "entry": entry}
    release = getattr(entry, "pending_release", None)
    if release is not None:
        context["release"] = release
        context["release_amount"] = _money(release.amount, release.pending_account.currency_id)
    return render(request, "earnings/entry_detail.html", context)


@login_required
def earnings_statement_view(request: HtmxHttpRequest):
    creator = _own_creator(request)
    form = StatementForm(request.GET)
    if not form.is_valid():
        return render(request, "earnings/statement_error.html", {"form": form}, status=400)
    first_day: date = form.cleaned_data["start"]
    last_day: date = form.cleaned_data["end"]
    start, end = _day_start(first_day), _day_start(last_day + timedelta(days=1))
    accounts = creator_statement_accounts(
        creator,
        start=start,
        platform=form.cleaned_data["platform"],
        currency=form.cleaned_data["currency"],
    )
    rows = statement_rows(accounts, start=start, end=end, last_day=last_day)
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{first_day.isoformat()}-{last_day.isoformat()}.csv"'
    )
    return response


__all__ = [
    "creator_entry_list",
    "earnings_entry_view",
    "earnings_home_view",
    "earnings_statement_view",
    "entry_words",
]
