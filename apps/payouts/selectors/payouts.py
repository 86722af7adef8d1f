"""Reads of the payouts app for the staff screens (bounded: lists are paginated querysets,
totals are one grouped query)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.shortcuts import get_object_or_404

from apps.core.currencies import currency_exponent
from apps.core.money import format_minor
from apps.creators.selectors import principal_platform
from apps.ledger.models import JournalEntry, Posting
from apps.payouts.models import MassPayoutRequest, Payout, PayoutBatch, PayoutItem, ProcessorEvent


def money(amount_minor: int | None, currency: str) -> str:
    """``12345, "USD"`` -> ``"123.45"`` (exact, the currency's decimals)."""
    if amount_minor is None:
        return ""
    return format_minor(amount_minor, currency_exponent(currency))


def batch_list() -> QuerySet[PayoutBatch]:
    return PayoutBatch.objects.select_related("processor", "built_by", "approved_by").order_by(
        "-created_at", "-id"
    )


@dataclass
class CurrencyTotal:
    """Batches of one currency (cancelled ones left out): what they hold, and of that what
    was paid, what failed (returned to the creators) and what is still on its way."""

    currency: str
    batches: int
    payouts: int
    total_minor: int
    fee_total_minor: int
    paid_count: int = 0
    paid_minor: int = 0
    paid_fee_minor: int = 0
    failed_count: int = 0
    failed_minor: int = 0
    open_count: int = 0
    open_minor: int = 0

    @property
    def total_display(self) -> str:
        return money(self.total_minor, self.currency)

    @property
    def fee_display(self) -> str:
        return money(self.fee_total_minor, self.currency)


OPEN_STATES = (Payout.State.PENDING, Payout.State.SUBMITTED)


def batch_totals_by_currency(batches: QuerySet[PayoutBatch]) -> list[CurrencyTotal]:
    """Totals of the (filtered) batches per currency, cancelled batches left out, split by
    what became of the payouts: two grouped queries."""
    kept = batches.exclude(status=PayoutBatch.Status.CANCELLED).order_by()
    rows = (
        kept.values("currency_id")
        .annotate(
            n=Count("id"), p=Sum("payout_count"), t=Sum("total_minor"), f=Sum("fee_total_minor")
        )
        .order_by("currency_id")
    )
    totals = {
        row["currency_id"]: CurrencyTotal(
            row["currency_id"], row["n"], row["p"] or 0, row["t"] or 0, row["f"] or 0
        )
        for row in rows
    }
    by_state = (
        Payout.objects.filter(batch__in=kept.values("pk"))
        .order_by()
        .values("currency_id", "state")
        .annotate(n=Count("id"), t=Sum("amount_minor"), f=Sum("fee_minor"))
    )
    for row in by_state:
        total = totals.get(row["currency_id"])
        if total is None:
            continue
        count, minor = row["n"], row["t"] or 0
        if row["state"] == Payout.State.PAID:
            total.paid_count += count
            total.paid_minor += minor
            total.paid_fee_minor += row["f"] or 0
        elif row["state"] == Payout.State.FAILED:
            total.failed_count += count
            total.failed_minor += minor
        elif row["state"] in OPEN_STATES:
            total.open_count += count
            total.open_minor += minor
    return list(totals.values())


@dataclass
class BatchOutcome:
    """What became of a batch's payouts so far."""

    paid_count: int = 0
    paid_minor: int = 0
    failed_count: int = 0
    failed_minor: int = 0
    open_count: int = 0
    open_minor: int = 0


def batch_outcomes(batch_ids) -> dict[int, BatchOutcome]:
    """Paid, failed and open payouts (count and amount) per batch: one grouped query."""
    outcomes: dict[int, BatchOutcome] = {pk: BatchOutcome() for pk in batch_ids}
    rows = (
        Payout.objects.filter(batch_id__in=list(outcomes))
        .order_by()
        .values("batch_id", "state")
        .annotate(n=Count("id"), t=Sum("amount_minor"))
    )
    for row in rows:
        outcome = outcomes[row["batch_id"]]
        count, minor = row["n"], row["t"] or 0
        if row["state"] == Payout.State.PAID:
            outcome.paid_count, outcome.paid_minor = count, minor
        elif row["state"] == Payout.State.FAILED:
            outcome.failed_count, outcome.failed_minor = count, minor
        elif row["state"] in OPEN_STATES:
            outcome.open_count += count
            outcome.open_minor += minor
    return outcomes


def batch_get(pk: int) -> PayoutBatch:
    return get_object_or_404(
        PayoutBatch.objects.select_related(
            "processor", "built_by", "approved_by", "mass_payout_request"
        ),
        pk=pk,
    )


def batch_payouts(batch: PayoutBatch) -> QuerySet[Payout]:
    return (
        Payout.objects.filter(batch=batch)
        .select_related("creator", "method", "currency")
        .order_by("id")
    )


def batch_state_counts(batch: PayoutBatch) -> dict[str, dict]:
    """Per payout state: count and amount (one grouped query)."""
    rows = (
        Payout.objects.filter(batch=batch)
        .order_by()
        .values("state")
        .annotate(n=Count("id"), t=Sum("amount_minor"))
    )
    labels = dict(Payout.State.choices)
    return {
        row["state"]: {
            "label": labels.get(row["state"], row["state"]),
            "count": row["n"],
            "total_minor": row["t"] or 0,
            "total_display": money(row["t"] or 0, batch.currency_id),
        }
        for row in rows
    }


def payout_get(pk: int) -> Payout:
    return get_object_or_404(
        Payout.objects.select_related(
            "batch__processor",
            "creator__user",
            "method__processor",
            "reserve_entry",
            "settle_entry",
            "return_entry",
        ),
        pk=pk,
    )


@dataclass
class TrailStep:
    step: str  # reserve, settle, return
    label: str
    entry: JournalEntry
    postings: list[dict]


STEP_LABELS = {
    "reserve": "Reserved: available → in payout",
    "settle": "Paid: in payout → payout clearing (and fees)",
    "return": "Returned: in payout → available",
}


def payout_ledger_trail(payout: Payout) -> list[TrailStep]:
    """The payout's journal entries in order, each with its postings (one query for all)."""
    entries = [
        (step, getattr(payout, f"{step}_entry"))
        for step in ("reserve", "settle", "return")
        if getattr(payout, f"{step}_entry_id")
    ]
    if not entries:
        return []
    postings = (
        Posting.objects.filter(entry_id__in=[entry.pk for _, entry in entries])
        .select_related("account__platform")
        .order_by("entry_id", "account__kind", "id")
    )
    by_entry: dict[int, list[dict]] = {}
    for posting in postings:
        by_entry.setdefault(posting.entry_id, []).append(
            {
                "account": posting.account,
                "amount_minor": posting.amount,
                "debit": money(posting.amount, posting.account.currency_id)
                if posting.amount > 0
                else "",
                "credit": money(-posting.amount, posting.account.currency_id)
                if posting.amount < 0
                else "",
            }
        )
    return [
        TrailStep(step, STEP_LABELS[step], entry, by_entry.get(entry.pk, []))
        for step, entry in entries
    ]


def mass_payout_requests_recorded(limit: int = 20):
    """Mass payout requests waiting to be turned into batches (newest first, bounded)."""
    return list(
        MassPayoutRequest.objects.filter(status=MassPayoutRequest.Status.RECORDED).order_by(
            "-created_at"
        )[:limit]
    )


# --- API reads (apis.py) ------------------------------------------------------------------

TRAIL_LIMIT = 200


def payout_queryset_for(principal) -> QuerySet[Payout]:
    """The payouts ``principal`` may read, newest first, with what the serializer needs in a
    constant number of queries, and the money the principal may see of each:
    ``visible_amount_minor`` and ``visible_fee_minor``.

    Staff: all payouts (the view checks the permission), the whole amount and fee. A platform
    key: payouts with an item from its platform, only those items, and as the amount the sum
    of those items (the money that came from its platform); the fee is None, because the
    processor charges it on the whole transfer (fixed + percent) and the ledger books it
    network-wide: a platform's "share" would be a figure the ledger does not hold, and with a
    fixed part it would give the whole payout's amount away."""
    platform = principal_platform(principal)
    items = PayoutItem.objects.select_related(
        "available_account__platform", "available_account__currency"
    ).order_by("id")
    payouts = Payout.objects.select_related("batch__processor", "currency", "method")
    if platform is not None:
        items = items.filter(available_account__platform=platform)
        own_items = PayoutItem.objects.filter(
            payout=OuterRef("pk"), available_account__platform=platform
        )
        own_amount = (
            own_items.order_by()
            .values("payout")
            .annotate(total=Sum("amount_minor"))
            .values("total")
        )
        payouts = payouts.filter(Exists(own_items)).annotate(
            visible_amount_minor=Subquery(own_amount, output_field=BigIntegerField()),
            visible_fee_minor=Value(None, output_field=BigIntegerField()),
        )
    else:
        payouts = payouts.annotate(
            visible_amount_minor=F("amount_minor"), visible_fee_minor=F("fee_minor")
        )
    return payouts.prefetch_related(
        Prefetch("items", queryset=items, to_attr="visible_items")
    ).order_by("-created_at", "-id")


def payout_get_for(principal, pk: int) -> Payout:
    """One payout with its trail (staff only; a key gets an empty one), or 404."""
    payout = get_object_or_404(payout_queryset_for(principal), pk=pk)
    if principal_platform(principal) is None:
        payout.trail = list(
            ProcessorEvent.objects.filter(payout=payout).order_by("occurred_at", "id")[:TRAIL_LIMIT]
        )
    else:
        payout.trail = []
    return payout


def payout_batch_queryset() -> QuerySet[PayoutBatch]:
    return batch_list().select_related("currency")


def payout_batch_get(pk: int) -> PayoutBatch:
    """One batch with its payouts counted per state (in the states' order), or 404."""
    batch = get_object_or_404(payout_batch_queryset(), pk=pk)
    counts = batch_state_counts(batch)
    batch.state_counts = [
        {"state": state, "count": counts[state]["count"]}
        for state in Payout.State.values
        if state in counts
    ]
    return batch
