"""Finance screens of the ledger: the account explorer, account and entry pages, the journal,
the trial balance and creator statements. Reads go through selectors; the one write (a
reversal) goes through ``entry_reverse`` and is audited in the same transaction."""

from __future__ import annotations

import io
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from apps.core.csv import csv_writer
from apps.core.exceptions import ApplicationError
from apps.core.money import display_minor
from apps.core.types import HtmxHttpRequest
from apps.creators.models import Creator

from .exports import (
    statement_csv_rows,
    statement_csv_write,
    trial_balance_payload,
    trial_balance_with_exponents,
)
from .filters import AccountFilter, EntryFilter
from .forms import AsOfForm, ReverseEntryForm, StatementForm
from .models import Account, JournalEntry
from .selectors import (
    account_balance,
    account_postings,
    account_statement,
    creator_statement_accounts,
    ledger_account_get,
    ledger_account_list,
    ledger_entry_get,
    ledger_entry_list,
)
from .services import NOT_REVERSIBLE, entry_reverse

PAGE_SIZE = 50
VIEW = "ledger.view_ledger"


def _fragment(request: HtmxHttpRequest, template: str, name: str = "results") -> str:
    if request.htmx and not request.htmx.boosted:
        return f"{template}#{name}"
    return template


def _debit_credit(amount: int, exponent: int) -> tuple[str, str]:
    """A signed posting amount as the (debit, credit) columns of a table."""
    if amount > 0:
        return display_minor(amount, exponent), ""
    return "", display_minor(-amount, exponent)


# --- accounts --------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@vary_on_headers("HX-Request")
def account_list_view(request: HtmxHttpRequest):
    account_filter = AccountFilter(request.GET or None, queryset=ledger_account_list())
    page = Paginator(account_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for account in page:
        shown = account.display_sign * account.balance
        account.balance_display = display_minor(shown, account.currency.exponent)
        account.balance_negative = shown < 0
    return render(
        request,
        _fragment(request, "ledger/account_list.html"),
        {"filter": account_filter, "page": page},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def account_detail_view(request: HtmxHttpRequest, pk: int):
    try:
        account = ledger_account_get(pk)
    except Account.DoesNotExist:
        raise Http404("No such account.") from None
    exponent = account.currency.exponent
    sign = account.display_sign
    balance = account_balance(account)
    as_of_form = AsOfForm(request.GET if "as_of" in request.GET else None)
    as_of = as_of_balance = None
    if as_of_form.is_bound and as_of_form.is_valid() and as_of_form.cleaned_data["as_of"]:
        as_of = as_of_form.cleaned_data["as_of"]
        as_of_balance = display_minor(sign * account_balance(account, as_of=as_of), exponent)
    page = Paginator(account_postings(account), PAGE_SIZE).get_page(request.GET.get("page"))
    for posting in page:
        posting.debit, posting.credit = _debit_credit(posting.amount, exponent)
    return render(
        request,
        _fragment(request, "ledger/account_detail.html", "postings"),
        {
            "account": account,
            "balance": display_minor(sign * balance, exponent),
            "balance_raw": display_minor(balance, exponent),
            "as_of_form": as_of_form,
            "as_of": as_of,
            "as_of_balance": as_of_balance,
            "page": page,
        },
    )


# --- entries ---------------------------------------------------------------------------------


def _entry_totals(entry: JournalEntry) -> list[str]:
    """What an entry moved: the sum of its debits per currency (equal to its credits)."""
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for posting in entry.postings.all():
        if posting.amount > 0:
            currency = posting.account.currency
            totals[(currency.code, currency.exponent)] += posting.amount
    return [f"{display_minor(v, exp)} {code}" for (code, exp), v in sorted(totals.items())]


@login_required
@permission_required(VIEW, raise_exception=True)
@vary_on_headers("HX-Request")
def entry_list_view(request: HtmxHttpRequest):
    entry_filter = EntryFilter(request.GET or None, queryset=ledger_entry_list())
    page = Paginator(entry_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.totals = _entry_totals(entry)
    return render(
        request,
        _fragment(request, "ledger/entry_list.html"),
        {"filter": entry_filter, "page": page},
    )


def _entry_or_404(pk: int) -> JournalEntry:
    try:
        return ledger_entry_get(pk)
    except JournalEntry.DoesNotExist:
        raise Http404("No such entry.") from None


def _reversed_by(entry: JournalEntry) -> JournalEntry | None:
    try:
        return entry.reversed_by
    except JournalEntry.DoesNotExist:
        return None


def _pending_release(entry: JournalEntry):
    try:
        return entry.pending_release
    except JournalEntry.pending_release.RelatedObjectDoesNotExist:
        return None


@login_required
@permission_required(VIEW, raise_exception=True)
def entry_detail_view(request: HtmxHttpRequest, pk: int):
    entry = _entry_or_404(pk)
    postings = list(entry.postings.all())
    totals: dict[tuple[str, int], list[int]] = {}
    for posting in postings:
        currency = posting.account.currency
        posting.debit, posting.credit = _debit_credit(posting.amount, currency.exponent)
        debit_credit = totals.setdefault((currency.code, currency.exponent), [0, 0])
        debit_credit[0 if posting.amount > 0 else 1] += abs(posting.amount)
    reversed_by = _reversed_by(entry)
    lot = _pending_release(entry)
    # Why the service would refuse, shown instead of the form (the POST still asks the
    # service, which is the authority; a partly refunded earning is refused there).
    reverse_blocked = NOT_REVERSIBLE.get(entry.kind)
    if reversed_by is not None:
        reverse_blocked = f"Already reversed by #{reversed_by.pk}."
    elif lot is not None and lot.released_entry_id is not None:
        reverse_blocked = "This earning is already available to the creator: record a refund."
    can_reverse = request.user.has_perm("ledger.reverse_entry") and reverse_blocked is None
    lot_amount = None
    if lot is not None:
        lot_amount = display_minor(lot.amount, lot.pending_account.currency.exponent)
    return render(
        request,
        "ledger/entry_detail.html",
        {
            "entry": entry,
            "postings": postings,
            "totals": [
                (code, display_minor(debit, exp), display_minor(credit, exp))
                for (code, exp), (debit, credit) in sorted(totals.items())
            ],
            "reversed_by": reversed_by,
            "can_reverse": can_reverse,
            "reverse_blocked": reverse_blocked,
            "reverse_form": ReverseEntryForm(),
            "lot": lot,
            "lot_amount": lot_amount,
            "source_entry_id": (
                entry.source_id
                if entry.source_type in ("entry", "refund_of") and entry.source_id.isdigit()
                else None
            ),
        },
    )


@require_POST
@login_required
@permission_required("ledger.reverse_entry", raise_exception=True)
def entry_reverse_view(request: HtmxHttpRequest, pk: int):
    entry = get_object_or_404(JournalEntry.objects.select_related("platform", "creator"), pk=pk)
    form = ReverseEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason for the reversal; nothing was written.")
        return redirect("ledger:entry", pk=pk)
    reason = form.cleaned_data["reason"]
    try:
        result = entry_reverse(entry=entry, reason=reason, actor=request.user)
    except ApplicationError as error:
        messages.error(request, f"{error.detail} Nothing was written.")
        return redirect("ledger:entry", pk=pk)
    except IntegrityError:
        # ``reverses`` is one-to-one: another reversal (other key) got there first.
        messages.error(request, f"Entry #{pk} is already reversed; nothing was written.")
        return redirect("ledger:entry", pk=pk)
    if not result.created:
        # Already reversed: the key ``reversal:<pk>`` made the service hand back the first
        # reversal and move nothing (also when two requests race).
        messages.error(
            request,
            f"Entry #{pk} was already reversed by #{result.entry.pk}; nothing was written.",
        )
        return redirect("ledger:entry", pk=pk)
    messages.success(request, f"Entry #{pk} reversed by #{result.entry.pk}.")
    return redirect("ledger:entry", pk=pk)


# --- trial balance ---------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@vary_on_headers("HX-Request")
def trial_balance_view(request: HtmxHttpRequest):
    form = AsOfForm(request.GET if request.GET.get("as_of") else None)
    as_of = None
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"]
    if request.GET.get("format") == "json":
        if form.is_bound and not form.is_valid():
            return JsonResponse(
                {"error": "invalid", "detail": form.errors.get_json_data()}, status=400
            )
        balance, exponents = trial_balance_with_exponents(as_of=as_of)
        return JsonResponse(trial_balance_payload(balance, exponents))
    balance, exponents = trial_balance_with_exponents(as_of=as_of)
    rows = []
    for row in balance.rows:
        debit, credit = _debit_credit(row.balance, exponents[row.currency])
        rows.append({"row": row, "debit": debit, "credit": credit})
    debit_totals: dict[str, int] = defaultdict(int)
    credit_totals: dict[str, int] = defaultdict(int)
    for row in balance.rows:
        if row.balance > 0:
            debit_totals[row.currency] += row.balance
        else:
            credit_totals[row.currency] -= row.balance
    totals = [
        {
            "currency": currency,
            "debit": display_minor(debit_totals[currency], exponents[currency]),
            "credit": display_minor(credit_totals[currency], exponents[currency]),
            "net": display_minor(total, exponents[currency]),
            "balanced": total == 0,
        }
        for currency, total in sorted(balance.totals.items())
    ]
    page = Paginator(rows, PAGE_SIZE * 4).get_page(request.GET.get("page"))
    return render(
        request,
        _fragment(request, "ledger/trial_balance.html"),
        {
            "form": form,
            "balance": balance,
            "page": page,
            "totals": totals,
            "unbalanced": [t["currency"] for t in totals if not t["balanced"]],
        },
    )


# --- statements ------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@vary_on_headers("HX-Request")
def statement_view(request: HtmxHttpRequest, creator_pk: int):
    creator = get_object_or_404(Creator.objects.select_related("user"), pk=creator_pk)
    accounts = creator_statement_accounts(creator)
    form = StatementForm(
        {k: v for k, v in request.GET.items() if k in ("start", "end", "scope")},
        accounts=accounts,
        default_currency=creator.default_currency_id,
    )
    context = {"creator": creator, "form": form, "statement": None}
    if accounts and form.is_valid():
        currency, chosen = form.selected(accounts)
        start, end = form.range()
        statement = account_statement(chosen, start=start, end=end)
        exponent = chosen[0].currency.exponent
        if request.GET.get("format") == "csv":
            buffer = io.StringIO()
            statement_csv_write(buffer, statement_csv_rows(statement, currency, exponent))
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            filename = (
                f"statement-C{creator.pk}-{form.cleaned_data['scope'].replace(':', '-')}-"
                f"{form.cleaned_data['start']}-{form.cleaned_data['end']}.csv"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        closing = statement.closing
        page = Paginator(list(statement.lines()), PAGE_SIZE * 2).get_page(request.GET.get("page"))
        for line in page:
            line.amount_display = display_minor(line.amount, exponent)
            line.balance_display = display_minor(line.balance, exponent)
        context.update(
            statement=statement,
            currency=currency,
            page=page,
            opening=display_minor(statement.opening, exponent),
            closing=display_minor(closing, exponent),
            net=display_minor(closing - statement.opening, exponent),
        )
    elif request.GET.get("format") == "csv":
        response = HttpResponse(status=400, content_type="text/csv")
        csv_writer(response).writerow(["error", "; ".join(form.non_field_errors()) or "invalid"])
        return response
    return render(request, _fragment(request, "ledger/statement.html"), context)
