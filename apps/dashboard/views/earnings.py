"""A creator's own earnings: balances, what is still on hold, a 90-day chart, the entries that
moved their money in plain words, and a CSV statement.

There is no URL parameter naming a creator: every read starts from ``request.user.creator``
and from the creator's own accounts, so another creator's data cannot be asked for. Amounts
stay integer minor units until the template or the CSV writer needs text (``format_minor``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from apps.core.csv import csv_stream
from apps.core.currencies import amount_text, currency_exponent
from apps.core.money import format_minor
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator
from apps.ledger.models import AccountKind, EntryKind, JournalEntry
from apps.ledger.selectors import (
    Statement,
    account_statement,
    creator_balances,
    creator_daily_earnings,
    creator_entries,
    creator_pending_schedule,
    creator_statement_accounts,
)

from ..forms import StatementForm

ENTRIES_PAGE_SIZE = 25
CHART_DAYS = 90
PENDING_SCHEDULE_LIMIT = 50

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


def _csv_money(minor: int, currency: str) -> str:
    """For the CSV statement (spreadsheets, machines): ``1234.50``."""
    return format_minor(minor, currency_exponent(currency))


def _signed_money(minor: int, currency: str) -> str:
    text = amount_text(minor, currency)
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
            "pending": amount_text(self.pending, self.currency),
            "available": amount_text(self.available, self.currency),
            "in_payout": amount_text(self.in_payout, self.currency),
            "lifetime": amount_text(self.lifetime, self.currency),
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
                pending=amount_text(row.pending, row.currency),
                available=amount_text(row.available, row.currency),
                in_payout=amount_text(row.in_payout, row.currency),
                lifetime=amount_text(row.lifetime, row.currency),
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
            "amount": amount_text(lot.amount, lot.pending_account.currency_id),
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
                "values": [_csv_money(v, currency) for v in values],  # for the script
                "shown": [amount_text(v, currency) for v in values],  # for the table
                "total": amount_text(sum(values), currency),
            }
        )
    currencies = [s["currency"] for s in series]
    table = []
    for index in reversed(range(len(days))):
        if any(daily["series"][c][index] for c in currencies):
            table.append(
                {
                    "day": days[index],
                    "amounts": [s["shown"][index] for s in series],
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
    page = Paginator(creator_entries(creator), ENTRIES_PAGE_SIZE).get_page(request.GET.get("page"))
    page.lines = [_entry_line(entry) for entry in page.object_list]
    return page


# --- statement ---------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


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


def statement_rows(statement: Statement, *, last_day: date) -> Iterator[list[str]]:
    """Opening line per account, each posting in the range with the running balance of its
    own account, closing line per account. Accounts with nothing to say are left out."""
    moved_ids = statement.moved_account_ids()
    shown = [a for a in statement.accounts if statement.openings[a.pk] or a.pk in moved_ids]
    closing = dict(statement.openings)

    def balance_line(account, day: date, words: str, minor: int) -> list[str]:
        return [
            day.isoformat(),
            "",
            account.platform.name,
            words,
            account.kind,
            "",
            account.currency_id,
            _csv_money(minor, account.currency_id),
        ]

    yield STATEMENT_HEADER
    for account in shown:
        yield balance_line(account, statement.start.date(), "Opening balance", closing[account.pk])
    if moved_ids:
        for line in statement.lines():
            account = line.account
            closing[account.pk] = line.account_balance
            yield [
                timezone.localtime(line.posting.occurred_at).date().isoformat(),
                str(line.entry.pk),
                account.platform.name,
                entry_words(line.entry, kind=account.kind, display_amount=line.amount),
                account.kind,
                _csv_money(line.amount, account.currency_id),
                account.currency_id,
                _csv_money(line.account_balance, account.currency_id),
            ]
    for account in shown:
        yield balance_line(account, last_day, "Closing balance", closing[account.pk])


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
    entry = get_object_or_404(creator_entries(creator).select_related("reverses"), pk=pk)
    line = _entry_line(entry)
    context = {"line": line, "entry": entry}
    release = getattr(entry, "pending_release", None)
    if release is not None:
        context["release"] = release
        context["release_amount"] = amount_text(release.amount, release.pending_account.currency_id)
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
        creator, platform=form.cleaned_data["platform"], currency=form.cleaned_data["currency"]
    )
    statement = account_statement(accounts, start=start, end=end)
    rows = statement_rows(statement, last_day=last_day)
    response = StreamingHttpResponse(csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{first_day.isoformat()}-{last_day.isoformat()}.csv"'
    )
    return response
